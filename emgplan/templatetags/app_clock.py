"""`{{ moment|app_clock|date:"j M Y H:i" }}`: a machine-recorded time shown on the application's clock."""
from django import template

from emgplan.clock import on_app_clock

register = template.Library()


@register.filter
def app_clock(moment):
    return on_app_clock(moment)
