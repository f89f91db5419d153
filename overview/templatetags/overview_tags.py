"""Helpers for the overview templates: sortable column headers, status shapes, highlighted matches."""
from django import template
from django.utils.html import format_html

from activities import status as milestone_status
from overview.search import mark as _mark

register = template.Library()

# One shape per status, centred on (0, 0), the same as the glyphs of includes/_status.html:
# ○ not started, ▶ on track, ▲ at risk, ◆ delayed, ✔ completed, ✖ cancelled.
SHAPES = {
    "not_started": "M-6,0a6,6 0 1,0 12,0a6,6 0 1,0 -12,0Z",
    "on_track": "M-5,-6.5L7,0L-5,6.5Z",
    "at_risk": "M0,-7L7.5,6L-7.5,6Z",
    "delayed": "M0,-7.5L7.5,0L0,7.5L-7.5,0Z",
    "completed": "M-6.5,0.5L-2,5.5L7,-6",
    "cancelled": "M-5.5,-5.5L5.5,5.5M5.5,-5.5L-5.5,5.5",
}


# fill, stroke, stroke width: the same as the timeline's stylesheet, as attributes for a lone legend icon.
PAINT = {
    "not_started": ("#fff", "#111", 1.2), "on_track": ("#2e8b57", "#111", 1.2), "at_risk": ("#f0b400", "#111", 1.2),
    "delayed": ("#d9534f", "#111", 1.2), "completed": ("none", "#1f6fb2", 3), "cancelled": ("none", "#555", 2.5),
}


@register.simple_tag
def status_icon(status):
    """The status's shape as a small standalone path with its paint (for legends)."""
    fill, stroke, width = PAINT.get(status, PAINT["not_started"])
    return format_html('<path d="{}" fill="{}" stroke="{}" stroke-width="{}" stroke-linecap="round" '
                       'stroke-linejoin="round"/>', status_shape(status), fill, stroke, width)


@register.simple_tag
def status_shape(status):
    return SHAPES.get(status, SHAPES["not_started"])


@register.filter
def mark(text):
    return _mark(text)


@register.simple_tag(takes_context=True)
def sort_th(context, param, label, css=""):
    """A column header that sorts the list by `param` (toggling direction), keeping the other filters."""
    request = context["request"]
    query = request.GET.copy()
    current = query.get("o", "")
    ascending = current == param
    descending = current == f"-{param}"
    query["o"] = f"-{param}" if ascending else param
    query.pop("page", None)
    sort = "ascending" if ascending else "descending" if descending else None
    arrow = " ▲" if ascending else " ▼" if descending else ""
    hint = "sorted ascending; select to sort descending" if ascending else (
        "sorted descending; select to sort ascending" if descending else "select to sort")
    return format_html(
        '<th scope="col" class="{}"{}><a href="?{}" title="{}">{}{}</a></th>',
        css, format_html(' aria-sort="{}"', sort) if sort else "", query.urlencode(), hint, label, arrow,
    )


@register.filter
def overdue_on(milestone, today):
    """{% if m|overdue_on:today %}: the one definition of overdue, for a row annotated with `due_on`."""
    return milestone_status.is_overdue(status=milestone.status, due=milestone.due_on, today=today)


@register.simple_tag
def timeline_svg(timeline, plan, for_print=False):
    """The timeline's SVG (overview/timeline_svg.py): written by code, not by a loop of template tags per marker."""
    from overview.timeline_svg import timeline_svg as build

    return build(timeline, plan=plan, for_print=bool(for_print))
