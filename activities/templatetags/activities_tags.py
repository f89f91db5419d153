from django import template
from django.utils.html import format_html

from accomplishments.models import Meeting
from activities.models import Milestone

register = template.Library()


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


@register.simple_tag
def status_badge(milestone):
    """A milestone's reported status in words and a shape (never by colour alone): includes/_status.html's markup,
    written here for rows in long tables, where rendering an include per row was a large part of the page."""
    return format_html('<span class="badge status status-{}"><span class="visually-hidden">Reported status: </span>'
                       '<span aria-hidden="true" class="status-shape"></span> {}</span>',
                       milestone.status, milestone.get_status_display())
