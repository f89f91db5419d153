"""Filters for the report documents, whose snapshot keeps dates as ISO strings and money as decimal strings."""
from django import template

from reports import renderers

register = template.Library()


@register.filter
def isodate(value, pattern="%-d %B %Y"):
    return renderers.fmt_date(value, pattern)


@register.filter
def days(value):
    return renderers.fmt_days(value)


@register.filter
def usd(value):
    return renderers.fmt_usd(value)


@register.filter
def due(milestone):
    return renderers.due_text(milestone)
