"""{% milestone_health m %}: the derived health badge beside a milestone's reported status."""
from django import template
from django.template.loader import render_to_string

from activities.models import Milestone
from emgplan import clock

from ..health import HEALTH, with_health

register = template.Library()

HELP = {
    "overdue": "past its due date and not completed",
    "due_soon": "due before the meeting of the current reporting cycle",
    "stale": "no accepted progress in this cycle or for too long",
    "on_track": "not due yet, with recent accepted progress",
    "closed": "completed or cancelled",
}


def _health_map(request) -> dict[int, str]:
    """Health of every milestone, read once per request in one query (for pages whose rows are not annotated)."""
    cached = getattr(request, "_emg_health", None)
    if cached is None:
        cached = dict(with_health(Milestone.objects.order_by(), clock.today(request)).values_list("pk", "health"))
        if request is not None:
            request._emg_health = cached
    return cached


@register.simple_tag(takes_context=True)
def milestone_health(context, milestone):
    value = getattr(milestone, "health", None)
    if value is None:
        value = _health_map(context.get("request")).get(milestone.pk)
    if value is None:
        return ""
    label, shape = HEALTH[value]
    return render_to_string("cycles/partials/_health.html",
                            {"value": value, "label": label, "shape": shape, "help": HELP[value]})
