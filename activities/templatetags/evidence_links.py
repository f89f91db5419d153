"""Evidence links on pages: a link only for web addresses; anything else stored earlier shows as text."""
from django import template
from django.utils.html import format_html

from activities.validators import is_web_link

register = template.Library()


@register.filter
def evidence_link(link: str):
    """An <a> for an http(s) address; a `javascript:` or `data:` link kept from before is plain text, not clickable."""
    if is_web_link(link):
        return format_html('<a href="{}" rel="noopener noreferrer">{}</a>', link, link)
    return format_html('<span class="text-break" title="Not a web address: shown as text">{}</span>', link)
