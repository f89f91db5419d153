from django import template

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
