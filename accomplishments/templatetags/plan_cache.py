"""{% cached_content %}: the part of a page CachedContentMixin serves from the cache (see emgplan/plan_cache.py);
{% compact %}: a large cached fragment without the template's indentation and blank lines."""
import re

from django import template
from django.core.cache import cache

from emgplan.plan_cache import FRAGMENT_TIMEOUT

register = template.Library()


class CachedContentNode(template.Node):
    def __init__(self, nodelist):
        self.nodelist = nodelist

    def render(self, context):
        cached = context.get("cached_content")
        if cached is not None:
            return cached
        html = self.nodelist.render(context)
        key = context.get("content_cache_key")
        if key:
            cache.set(key, html, FRAGMENT_TIMEOUT)
        return html


@register.tag
def cached_content(parser, token):
    """Outputs the view's cached HTML when it has one; otherwise renders the content and stores it."""
    nodelist = parser.parse(("endcached_content",))
    parser.delete_first_token()
    return CachedContentNode(nodelist)


INDENTATION = re.compile(r"\n\s+")


class CompactNode(template.Node):
    def __init__(self, nodelist):
        self.nodelist = nodelist

    def render(self, context):
        return INDENTATION.sub("\n", self.nodelist.render(context))


@register.tag
def compact(parser, token):
    """Drops the indentation and blank lines the templates leave (a line break stays a line break).

    Only for content without <pre> or <textarea>, where leading spaces would matter; put it inside a cached
    fragment so it runs once per change of the plan, not per request.
    """
    nodelist = parser.parse(("endcompact",))
    parser.delete_first_token()
    return CompactNode(nodelist)
