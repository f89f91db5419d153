"""{% milestone_health m %}: the derived health badge beside a milestone's reported status."""
from django import template
from django.utils.html import format_html

from ..health import HEALTH

register = template.Library()

HELP = {
    "overdue": "past its due date and not completed",
    "due_soon": "due before the meeting of the current reporting cycle",
    "stale": "no accepted progress in this cycle or for too long",
    "on_track": "not due yet, with recent accepted progress",
    "closed": "completed or cancelled",
}

# In words and a shape, never by colour alone (borders per value: emg.css). Written here rather than by a template:
# rendering a template per row was most of the badge's cost on long tables. Five values, so five badges, written
# once: a row's badge is a dictionary look-up.
BADGES = {
    value: format_html('<span class="badge health health-{}" title="Derived health: {}"><span class="health-prefix">'
                       'Health<span class="visually-hidden">:</span></span> <span aria-hidden="true">{}</span> '
                       '{}</span>', value, HELP[value], shape, label)
    for value, (label, shape) in HEALTH.items()
}


def health_badge(value) -> str:
    """The badge of one health value ("" for None: a row not annotated)."""
    return "" if value is None else BADGES[value]


@register.simple_tag
def milestone_health(milestone):
    """The badge of a row annotated with `health` (with_health, or activities.row_figures): no query here."""
    return health_badge(getattr(milestone, "health", None))
