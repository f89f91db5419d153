"""The timeline's SVG, written by code: one pass over the layout of selectors.plan_timeline.

A template with a loop per marker cost most of a second at a few hundred milestones; string building keeps a
plan of 2,000 milestones in the tens of milliseconds. The markup is what the template wrote (the page's CSS,
its script and the tests read the same classes and data attributes). Nothing in it depends on the user.
"""
from django.urls import reverse
from django.utils.dateformat import format as date_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from .selectors import Timeline
from .templatetags.overview_tags import status_shape


def _n(value) -> str:
    """A coordinate as the template printed it."""
    return str(value)


def _i(value, add: int = 0) -> str:
    """Django's |add filter on a number: the integer part plus `add`."""
    return str(int(value) + add)


def _chars(text: str, length: int) -> str:
    """Truncator(text).chars(length): ASCII text directly (Django's walks each character and translates the
    ellipsis on every call, most of the chart's time at 2,000 milestones); anything else through Django."""
    if text.isascii():
        return text if len(text) <= length else text[:length - 1] + "…"
    return Truncator(text).chars(length)


def _words(text: str, length: int) -> str:
    """Truncator(text).words(length), without a translation lookup per call."""
    words = text.split()
    return " ".join(words[:length]) + "…" if len(words) > length else " ".join(words)


def timeline_svg(tl: Timeline, *, plan, for_print: bool = False, shown: str = "") -> SafeString:
    """The whole <svg> element of the timeline of `plan` laid out as `tl`; `shown` says which of its activities
    the chart holds when it is one page of them (said in its title)."""
    dates: dict = {}

    def day(value, fmt):  # many markers share a date; Django's formatter is slow per call
        key = (value, fmt)
        if key not in dates:
            dates[key] = date_format(value, fmt)
        return dates[key]

    out = []
    w = out.append
    height = _n(tl.height)
    w(f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" id="timeline-svg" role="group" '
      f'aria-labelledby="tl-title" width="{int(tl.width):d}" height="{int(tl.height):d}" '
      f'viewBox="0 0 {int(tl.width):d} {int(tl.height):d}" data-start="{tl.start:%Y-%m-%d}" '
      f'data-end="{tl.end:%Y-%m-%d}" data-x0="{_n(tl.x0)}" data-x1="{_n(tl.x1)}">\n')
    w(f'<title id="tl-title">Timeline of {escape(plan.title)}, {date_format(tl.start, "F Y")} to '
      f'{date_format(tl.last_day, "F Y")}: {tl.marker_count} dated milestones{escape(shown)}</title>\n')
    for t in tl.months:
        major = " major" if t.major else ""
        w(f'<line class="grid{major}" x1="{_n(t.x)}" x2="{_n(t.x)}" y1="38" y2="{height}"/>'
          f'<text class="month-tick" x="{_i(t.x, 3)}" y="52">{escape(t.label)}</text>\n')
    w(f'<line class="grid major" x1="{_n(tl.x1)}" x2="{_n(tl.x1)}" y1="38" y2="{height}"/>\n')
    for t in tl.quarters:
        w(f'<line class="grid major" x1="{_n(t.x)}" x2="{_n(t.x)}" y1="20" y2="40"/>'
          f'<text class="quarter" x="{_i(t.x, 3)}" y="34">{escape(t.label)}</text>\n')
    for g in tl.groups:
        a = g.accomplishment
        w(f'<rect class="group-band" x="0" y="{_n(g.y)}" width="{_n(tl.x1)}" height="28"/>'
          f'<text class="group-label" x="6" y="{_i(g.y, 18)}">{escape(a.code)}. {escape(a.category)}</text>\n')
        for i, row in enumerate(g.rows, start=1):
            if i % 2 == 0:
                w(f'<rect class="row-band" x="0" y="{_n(row.y)}" width="{_n(tl.x1)}" height="24"/>')
        w("\n")
    for i, (meeting, x) in enumerate(tl.meetings):
        code = escape(meeting.code)
        w(f'<g class="meeting" data-meeting="{code}"><line class="meeting-line" x1="{_n(x)}" x2="{_n(x)}" y1="56" '
          f'y2="{height}"><title>{code}: {escape(meeting.name)}, {escape(meeting.dates_display)}</title></line>'
          f'<text class="meeting-label" x="{_i(x, 3)}" y="{63 if i % 2 == 0 else 12}">{code}</text></g>\n')
    if tl.today_x is not None:
        w(f'<line class="today-line" x1="{_n(tl.today_x)}" x2="{_n(tl.today_x)}" y1="40" y2="{height}">'
          f'<title>Today: {date_format(tl.today, "j F Y")}</title></line>'
          f'<text class="today-label" x="{_i(tl.today_x, 3)}" y="{_i(tl.height, -2)}">Today '
          f'{date_format(tl.today, "j M Y")}</text>\n')
    # Rows are drawn bottom-up, so that a marker's pop-up covers the rows below it.
    activity_url = reverse("activities:activity-detail", args=[0]).replace("/0/", "/{}/")
    for g in reversed(tl.groups):
        code = escape(g.accomplishment.code)
        for row in reversed(g.rows):
            activity = row.activity
            title = escape(activity.title)
            name = f"{code}.{activity.number}"
            w(f'<g class="activity-row" data-activity="{activity.pk}"><a href="{activity_url.format(activity.pk)}">'
              f'<text x="14" y="{_i(row.y, 16)}">{name} {escape(_chars(activity.title, 38))}'
              f'<title>{name} {title}</title></text></a>\n')
            for mk in reversed(row.markers):
                m = mk.milestone
                status = escape(m.status)
                shown = escape(m.get_status_display())
                ref = escape(m.ref)
                meeting = m.due_meeting
                due_long, due_short = day(m.due_on, "j F Y"), day(m.due_on, "j M Y")
                aria_meeting = f" ({escape(meeting.code)})" if meeting and not m.due_date else ""
                w(f'<a class="ms-marker status-{status}" href="{activity_url.format(m.activity_id)}#milestone-{m.pk}" '
                  f'data-milestone="{m.pk}" data-date="{m.due_on:%Y-%m-%d}" data-x="{_n(mk.x)}" '
                  f'data-status="{status}" aria-label="{name}{ref}, {shown}, due {due_long}{aria_meeting}: '
                  f'{escape(_words(m.text, 30))}"><title>{name}{ref} · {shown} · due {due_short}</title>'
                  f'<g transform="translate({_n(mk.x)},{_n(mk.y)})"><circle class="focus-ring" r="11"/>'
                  f'<path class="shape" d="{status_shape(m.status)}"/></g>')
                if mk.label_y is not None:
                    w(f'<text class="ms-label" x="{_n(mk.label_x)}" y="{_n(mk.label_y)}">{escape(mk.label)}</text>')
                if not for_print:
                    tip_x = _i(mk.x, -372) if mk.tip_left else _i(mk.x, 12)
                    tip_meeting = f" ({escape(meeting.code)})" if meeting else ""
                    w(f'<g class="tip" transform="translate({tip_x},{_i(mk.y, 8)})"><rect width="360" height="52" '
                      f'rx="4"/><text x="8" y="16" font-weight="700">{name}{ref} · {shown} · due {due_short}'
                      f'{tip_meeting}</text><text x="8" y="31">{escape(_chars(m.text, 58))}</text>'
                      f'<text x="8" y="45">{escape(_chars(m.text[57:], 58))}</text></g>')
                w("</a>\n")
            w("</g>\n")
    w("</svg>")
    return mark_safe("".join(out))
