"""{% plan_switch_url plan %}: the same page in another work plan (or that plan's home for a page about one
object, which belongs to one plan only); {% current_plan %} and {% plans %} read WorkPlanMiddleware's choice."""
from django import template

from accomplishments.selectors import workplan_of

register = template.Library()


@register.simple_tag(takes_context=True)
def plan_switch_url(context, plan):
    request = context["request"]
    base = request.META.get("SCRIPT_NAME", "").rstrip("/")
    match = getattr(request, "resolver_match", None)
    path = request.path_info if match is not None and not match.kwargs else "/"
    if not plan.is_current:
        base = f"{base}/plans/{plan.code}"
    return f"{base}{path}"


@register.simple_tag(takes_context=True)
def current_plan(context):
    request = context.get("request")
    return workplan_of(request) if request is not None else None
