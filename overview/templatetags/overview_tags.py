"""Helpers for the overview templates: sortable column headers, status shapes, highlighted matches."""
import math
from html import escape as _html_escape

from django import template
from django.template.defaultfilters import truncatewords
from django.urls import get_script_prefix, reverse
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import mark_safe

from activities import status as milestone_status
from activities.tables import day
from activities.templatetags.activities_tags import status_badge_of
from cycles.templatetags.cycles_tags import health_badge
from emgplan.links import pk_url
from overview.search import mark as _mark
from overview.templatetags.figures import days, usd

register = template.Library()


_list_urls: dict[str, str] = {}


def _list_url() -> str:
    """reverse("overview:milestone-list"), once per script prefix (the status tables link every row to it)."""
    prefix = get_script_prefix()
    url = _list_urls.get(prefix)
    if url is None:
        url = _list_urls[prefix] = reverse("overview:milestone-list")
    return url


def _escape(value) -> str:
    """django.utils.html.escape's bytes for a value that is not already safe, without its lazy wrapper's cost."""
    return _html_escape(str(value))

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


# The dashboard's rows, written by code: an include per row was most of the page's cost (issue 13's profiles).

@register.simple_tag
def milestone_ref(m):
    """A milestone's reference (A.1(c)) linking to its row on the activity page; the row selects its
    activity's accomplishment (and its parent, for a sub-item)."""
    url = pk_url("activities:activity-detail", m.activity_id)
    return format_html('<a href="{}#milestone-{}">{}.{}{}</a>', url, m.pk, m.activity.accomplishment.code,
                       m.activity.number, m.ref)


@register.simple_tag
def status_bar(row):
    """A stacked bar of milestone counts by status (overview.selectors.StatusRow); each segment carries its shape
    and count, the table beside it the words."""
    # Plain string building with escape() on the one free text (the row's label): format_html on every number made
    # this the dashboard's dearest tag. Statuses and their labels are the model's choices; counts are integers.
    summary = ", ".join(f"{n} {label.lower()}" for _, label, n in row.ordered_counts)
    segments = "".join(
        f'<span class="status-seg status-{value}" data-w="{math.floor(width + 0.5)}" title="{label}: {n}">'
        f'<span class="status-shape" aria-hidden="true"></span>{n}</span>'
        for value, label, n, _, width in row.segments if n)
    empty = "" if row.total else '<span class="text-muted small">no milestones</span>'
    return mark_safe(f'<div class="status-bar" role="img" aria-label="{escape(row.label)}: {summary}">'
                     f'{segments}{empty}</div>')


@register.simple_tag
def status_row_cells(row):
    """A status table's row after its header cell: the bar, the count of each status, total, share completed and
    overdue (a link to the overdue milestones when the row has a filter)."""
    counts = "".join(f'<td class="text-end" data-status="{value}">{n}</td>' for value, _, n in row.ordered_counts)
    overdue = row.overdue
    if overdue and row.query:
        overdue = (f'<a href="{_list_url()}?{escape(row.query)}&amp;overdue=on" '
                   f'aria-label="{overdue} overdue: list them">{overdue}</a>')
    return mark_safe(f'<td>{status_bar(row)}</td>{counts}<td class="text-end" data-total>{row.total}</td>'
                     f'<td class="text-end" data-share>{row.share_completed}%</td>'
                     f'<td class="text-end" data-overdue>{overdue}</td>')

def _bar(value, most) -> int:
    """A bar's length on the chart's 360-px scale ({% widthratio value most 360 %}: rounded, 0 when most is 0)."""
    return round(float(value or 0) / float(most) * 360) if most else 0


@register.simple_tag
def contribution_chart_bars(summary):
    """One group per member of the dashboard's USD chart: its name, a hatched bar for what is pledged, a solid one
    for what is reported (each with its figure as a tooltip), and both figures in words at the end."""
    most = summary["usd_max"]
    return format_html_join("", (
        '<g transform="translate(0,{})"><text x="0" y="15" class="chart-label">{}</text>'
        '<rect x="100" y="2" height="10" width="{}" fill="url(#hatch)" stroke="#1f4e5f"><title>{} pledged: {} USD'
        '</title></rect><rect x="100" y="13" height="10" width="{}" fill="#1f4e5f"><title>{} reported: {} USD</title>'
        '</rect><text x="466" y="15" class="chart-figure">{} / {}</text></g>'), (
        (26 * i, r.label, _bar(r.usd_pledged, most), r.label, usd(r.usd_pledged), _bar(r.usd_reported, most),
         r.label, usd(r.usd_reported), usd(r.usd_pledged), usd(r.usd_reported))
        for i, r in enumerate(summary["by_member"])))


@register.simple_tag
def status_row(row):
    """A whole row of a status table: its name (linking to its milestones when it has a filter), then the cells."""
    # Plain strings with every free value escaped: the bytes of format_html('<tr data-key="{}">...', ...) at a
    # fraction of its cost (the lead bodies' table has a row per body).
    label = _escape(row.label)
    name = f'<a href="{_escape(_list_url())}?{_escape(row.query)}">{label}</a>' if row.query else label
    return mark_safe(  # noqa: S308  every value escaped above; the cells are written escaped
        f'<tr data-key="{_escape(row.key)}"><th scope="row">{name}</th>{status_row_cells(row)}</tr>')


def _due_ref(m) -> str:
    """milestone_ref for a row of the dashboard's lists (overview.selectors.DueRow)."""
    url = pk_url("activities:activity-detail", m.activity_id)
    return (f'<a href="{_escape(url)}#milestone-{m.pk}">{_escape(m.accomplishment_code)}.'
            f'{_escape(m.activity_number)}{_escape(m.ref)}</a>')


# The dashboard's two lists of milestones, written as plain strings from plain values (DueRow): the same bytes as
# format_html over milestone_ref, status_badge and milestone_health on model instances, at a fraction of the cost
# (overview/tests/test_dashboard_rows.py compares them for every row).

@register.simple_tag
def meeting_milestone_item(m):
    """A milestone due to one of the next meetings: reference, reported status, health and the start of its text."""
    return mark_safe(  # noqa: S308  every value escaped here or written escaped
        f'<li class="mb-1">{_due_ref(m)} {status_badge_of(m.status)} {health_badge(m.health)} '
        f'<span class="small">{_escape(truncatewords(m.text, 18))}</span></li>')


@register.simple_tag
def due_soon_row(m):
    """A row of the dashboard's "due soon" table."""
    meeting = f" ({m.due_meeting_code})" if m.due_meeting_id and not m.due_date else ""
    return mark_safe(  # noqa: S308  as above
        f'<tr><th scope="row">{_due_ref(m)}</th><td>{_escape(day(m.due_on))}{_escape(meeting)}</td>'
        f'<td>{status_badge_of(m.status)} {health_badge(m.health)}</td>'
        f'<td class="small">{_escape(truncatewords(m.text, 14))}</td></tr>')


@register.simple_tag
def contribution_sum_rows(rows):
    """The rows of a table of contribution sums (overview.selectors.ContributionSums): the bytes of the loop
    _contribution_sums.html had, written here (a row per member, four figures each)."""
    if not rows:
        return mark_safe('\n    <tr><td colspan="5" class="text-muted">No contribution recorded.</td></tr>\n  ')
    return mark_safe("".join(  # noqa: S308  every value escaped
        f'\n    <tr data-key="{label}"><th scope="row">{label}</th>\n'
        f'      <td class="text-end">{_escape(days(r.days_pledged))}</td>'
        f'<td class="text-end">{_escape(days(r.days_reported))}</td>\n'
        f'      <td class="text-end">{_escape(usd(r.usd_pledged))}</td>'
        f'<td class="text-end">{_escape(usd(r.usd_reported))}</td></tr>\n  '
        for r in rows for label in [_escape(r.label)]))
