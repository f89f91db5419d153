"""Decisions and progress on actions for tests."""
import datetime

from accomplishments.models import Meeting
from activities.models import LeadBody

from ..models import ActionUpdate, Decision


def som20_action(n=1, *, lead="IMG Biodiversity", due="SOM21", status="open", **extra) -> Decision:
    return Decision.objects.create(
        body="som", body_name="SOM20", meeting=Meeting.objects.get(code="SOM20"), reference=f"SOM20 action {n}",
        text=extra.pop("text", f"The senior officials request action {n}."), kind="action",
        lead_body=LeadBody.objects.get(short_name=lead), due_meeting=Meeting.objects.get(code=due) if due else None,
        status=status, order=n, **extra)


def action_update(decision, *, author, state="submitted", reviewer=None, status="in_progress") -> ActionUpdate:
    extra = {}
    if state == "accepted":
        extra = {"reviewer": reviewer, "reviewed_at": datetime.datetime.now(datetime.UTC)}
    if state == "returned":
        extra = {"return_reason": "Please add the figures.", "reviewer": reviewer}
    if state != "draft":
        extra["submitted_at"] = datetime.datetime.now(datetime.UTC)
    return ActionUpdate.objects.create(decision=decision, author=author, reported_status=status,
                                       narrative=f"A {state} report.", review_state=state, **extra)
