from urllib.parse import quote

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from accomplishments.models import Meeting
from activities.models import Milestone, ProgressUpdate, milestone_name
from emgplan.links import pk_url

register = template.Library()
REVIEW_STATES = dict(ProgressUpdate.ReviewState.choices)


@register.simple_tag
def status_values(m, form=None):
    """Values and errors for a milestone row's inline status form (typed values survive an error)."""
    form = form if hasattr(form, "is_bound") else None  # an unset template variable arrives as ""
    if form is not None and form.is_bound:
        data, p = form.data, form.prefix + "-"
        values = {k: data.get(p + k, "") for k in ("status", "completed_on", "due_meeting", "due_date")}
        values["version"] = data.get(p + "version", m.version)
        values["errors"] = form.errors
    else:
        values = {"status": m.status, "completed_on": m.completed_on.isoformat() if m.completed_on else "",
                  "due_meeting": str(m.due_meeting_id or ""), "due_date": m.due_date.isoformat() if m.due_date else "",
                  "version": m.version, "errors": {}}
    if form is not None and getattr(form, "conflict", None):
        values["conflict"] = form.conflict
    values["statuses"] = Milestone.Status.choices
    values["meetings"] = Meeting.objects.all()  # read only if the row shows the due-meeting choice
    return values


@register.filter
def ref(m):
    """A milestone's reference as the document writes it: A.1(c)(ii)."""
    return str(m)


def _status_badge(status, label):
    return format_html('<span class="badge status status-{}"><span class="visually-hidden">Reported status: </span>'
                       '<span aria-hidden="true" class="status-shape"></span> {}</span>', status, label)


# One badge per status, written once: a row's badge is a dictionary look-up (the same bytes as above).
STATUS_BADGES = {value: _status_badge(value, label) for value, label in Milestone.Status.choices}


def status_badge_of(status) -> str:
    """The badge of a status value (a value outside the choices shows itself, as get_status_display does)."""
    badge = STATUS_BADGES.get(status)
    return badge if badge is not None else _status_badge(status, status)


@register.simple_tag
def status_badge(milestone):
    """A milestone's reported status in words and a shape (never by colour alone): includes/_status.html's markup,
    written here for rows in long tables, where rendering an include per row was a large part of the page."""
    return status_badge_of(milestone.status)


@register.simple_tag
def my_update_item(u):
    """One of the user's own updates in progress on My work (activities.work_tables.my_updates_in_progress's
    values): a line of the list, written by code. Its milestone is named as Milestone's str, A.1(c)(ii)."""
    returned = format_html(" — returned because: {}", u["return_reason"]) if u["review_state"] == "returned" else ""
    if u["milestone_id"]:
        target = milestone_name(u["m_code"], u["m_number"], u["m_label"], u["m_parent"] if u["m_parent_id"] else None)
    else:
        target = f"{u['code']}.{u['number']}"
    return format_html('<li><a href="{}">{}, {} – {}</a>: <strong>{}</strong>{}</li>',
                       pk_url("activities:update-detail", u["pk"]), target,
                       date_filter(u["period_start"], "M Y"), date_filter(u["period_end"], "M Y"),
                       REVIEW_STATES.get(u["review_state"], u["review_state"]), returned)


# A milestone row's fixed cells, written by code: the plan page has hundreds of rows, and these tags replace a
# dozen template nodes each (templates/activities/partials/_milestone_row.html keeps the row's layout).

@register.simple_tag
def milestone_cells(m, messages=()):
    """The row's label (linking to the milestone), its text with any messages for the row, and when it is due."""
    alerts = format_html_join("", '<div class="alert alert-{} py-1 my-1 small" role="{}">{}</div>', (
        ("danger" if msg.tags == "error" else msg.tags, "alert" if msg.tags == "error" else "status", msg)
        for msg in messages or ()))
    if m.due_meeting_id and m.due_date:
        due = format_html("{}<br>{}", m.due_meeting.code, date_filter(m.due_date, "j M Y"))
    elif m.due_meeting_id or m.due_date:
        due = m.due_meeting.code if m.due_meeting_id else date_filter(m.due_date, "j M Y")
    else:
        due = mark_safe('<span class="text-muted">—</span>')
    return format_html(
        '<th scope="row" class="{}text-nowrap"><a href="{}" aria-label="Milestone {}">({})</a></th>'
        '<td>{}{}</td><td class="text-nowrap">{}</td>',
        "milestone-sub " if m.parent_id else "", pk_url("activities:milestone-detail", m.pk), m, m.label,
        m.text, alerts, due)


@register.simple_tag(takes_context=True)
def milestone_status_link(context, m):
    """The row's "Change status": htmx fetches the row's form; without JavaScript the link opens the status page
    and comes back to this one."""
    url = pk_url("activities:milestone-status", m.pk)
    request = context.get("request")
    back = quote(request.get_full_path(), safe="/") if request is not None else ""
    return format_html('<a class="btn btn-sm btn-outline-primary" href="{}?next={}" hx-get="{}">Change status'
                       '<span class="visually-hidden"> of {}</span></a>', url, back, url, m)


@register.simple_tag(takes_context=True)
def milestone_table(context, activity):
    """An activity's milestone table, written by code (activities.tables.milestone_table_html: the same bytes as
    the include of partials/_milestone_table.html) from the rows activities.tables.milestone_tables read for it,
    for the reader's `rights`."""
    from activities.tables import milestone_table_html

    request = context.get("request")
    return mark_safe(milestone_table_html(  # noqa: S308  written by code that escapes every value
        activity, activity.milestone_rows, rights=context["rights"],
        back=request.get_full_path() if request is not None else ""))


@register.simple_tag(takes_context=True)
def plan_activity(context, activity):
    """An activity of the plan page with its milestone table (not in arranging mode), written by code
    (activities.tables.plan_activity_html: the same bytes as the include of partials/_plan_activity.html)."""
    from activities.tables import plan_activity_html

    request = context.get("request")
    return mark_safe(plan_activity_html(  # noqa: S308  written by code that escapes every value
        activity, rights=context["rights"], back=request.get_full_path() if request is not None else ""))
