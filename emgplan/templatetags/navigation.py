"""{% back_url %}: where a Cancel link leads: the page the user came from, if it is on this site."""
from django import template
from django.utils.http import url_has_allowed_host_and_scheme

register = template.Library()


@register.simple_tag(takes_context=True)
def back_url(context, default="/"):
    """`next`, else the Referer, when it points at this site (never another site, never this very page)."""
    request = context.get("request")
    if request is None:
        return default
    for target in (request.GET.get("next"), request.META.get("HTTP_REFERER")):
        if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                      require_https=request.is_secure()) \
                and target != request.build_absolute_uri() and target != request.get_full_path():
            return target
    return default
