"""{% milestone_health m %}: the derived health badge beside a milestone's reported status."""
from django import template
from django.utils.html import format_html

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
    # In words and a shape, never by colour alone (borders per value: emg.css). Written here rather than by a
    # template: rendering a template per row was most of the badge's cost on long tables.
    return format_html('<span class="badge health health-{}" title="Derived health: {}"><span class="health-prefix">'
                       'Health<span class="visually-hidden">:</span></span> <span aria-hidden="true">{}</span> '
                       '{}</span>', value, HELP[value], shape, label)
