"""Writes for decisions and progress on actions: one function per change, so history and notices happen once."""
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from activities import review
from emgplan.notify import notify

from .models import ActionUpdate, Decision

DECISION_FIELDS = ("body", "body_name", "meeting", "date", "reference", "text", "kind", "lead_body", "due_meeting",
                   "status", "state", "source", "order")


@transaction.atomic
def decision_save(*, decision: Decision | None = None, data: dict, by, activities=None, milestones=None,
                  reason: str = "") -> Decision:
    """Create or edit a decision; mandates are replaced when given. ValidationError saves nothing."""
    decision = decision or Decision(created_by=by)
    for name in DECISION_FIELDS:
        if name in data:
            setattr(decision, name, data[name])
    decision._history_user = by
    if reason:
        decision._change_reason = reason
    decision.full_clean()
    decision.save()
    if activities is not None:
        decision.activities.set(activities)
    if milestones is not None:
        decision.milestones.set(milestones)
    return decision


@transaction.atomic
def decisions_record_from_report(*, actions: list[dict], meeting, source: str, by) -> list[Decision]:
    """Record the actions a SOM approved, as confirmed EMG actions, all or none.

    `actions` are the edited drafts: text, reference, lead_body, due_meeting. A bad row raises
    ValidationError naming its number and nothing is saved.
    """
    if not actions:
        raise ValidationError("Keep at least one action to record.", code="no_actions")
    made = []
    for n, row in enumerate(actions, start=1):
        data = {"body": Decision.Body.SOM, "body_name": meeting.code, "meeting": meeting, "kind": Decision.Kind.ACTION,
                "status": Decision.Status.OPEN, "state": Decision.State.CONFIRMED, "source": source, "order": n,
                "text": row["text"], "reference": row["reference"], "lead_body": row["lead_body"],
                "due_meeting": row["due_meeting"]}
        try:
            made.append(decision_save(data=data, by=by, reason=f"Recorded from {source}"[:100]))
        except ValidationError as exc:
            raise ValidationError(f"Action {n}: {' '.join(exc.messages)}", code="bad_action") from exc
    return made


def decision_confirm(*, decision: Decision, by) -> Decision:
    """A draft decision becomes part of the record (safe to repeat)."""
    if decision.state == Decision.State.CONFIRMED:
        return decision
    return decision_save(decision=decision, data={"state": Decision.State.CONFIRMED}, by=by, reason="Confirmed")


@transaction.atomic
def decision_delete(*, decision: Decision, by) -> None:
    """Delete a draft decision (recorded by mistake, or not approved); its history keeps it, with who deleted it.

    A confirmed decision is part of the record and is refused (ValidationError), as is a decision already gone.
    """
    decision = Decision.objects.select_for_update().filter(pk=decision.pk).first()
    if decision is None:
        raise ValidationError("This decision was already deleted.", code="gone")
    if decision.state != Decision.State.DRAFT:
        raise ValidationError("A confirmed decision is part of the record and cannot be deleted.", code="confirmed")
    decision._history_user = by
    decision._change_reason = "Draft deleted"
    decision.delete()


# Progress on actions --------------------------------------------------------------------------------


@transaction.atomic
def action_update_file(*, decision: Decision, by, reported_status: str, narrative: str,
                       submit: bool = True, revision_of: ActionUpdate | None = None) -> ActionUpdate:
    """A lead reports on an action: saved, and submitted for review unless kept as a draft."""
    if not (decision.is_action and decision.state == Decision.State.CONFIRMED):
        raise ValidationError("Progress is reported on confirmed EMG actions only.", code="not_action")
    update = ActionUpdate(decision=decision, author=by, reported_status=reported_status, narrative=narrative.strip(),
                          revision_of=revision_of)
    update._history_user = by
    update.full_clean()
    update.save()
    if submit:
        review.review_submit(update, by=by)
    return update


@transaction.atomic
def action_update_revise(*, update: ActionUpdate, by, reported_status: str, narrative: str,
                         submit: bool = True) -> ActionUpdate:
    """File a new update that revises a returned one (which stays as it was, with its reason).

    Refused when the update is not returned or already has a revision that is not itself returned.
    """
    update = ActionUpdate.objects.select_for_update(of=("self",)).select_related("decision").get(pk=update.pk)
    if update.review_state != ActionUpdate.ReviewState.RETURNED:
        raise ValidationError("Only a returned update can be revised.", code="not_returned")
    if update.revisions.exclude(review_state=ActionUpdate.ReviewState.RETURNED).exists():
        raise ValidationError("This update was already revised.", code="already_revised")
    return action_update_file(decision=update.decision, by=by, reported_status=reported_status, narrative=narrative,
                              submit=submit, revision_of=update)


@transaction.atomic
def action_update_submit(*, update: ActionUpdate, by) -> ActionUpdate:
    update = ActionUpdate.objects.select_for_update().get(pk=update.pk)
    return review.review_submit(update, by=by)


@transaction.atomic
def action_update_accept(*, update: ActionUpdate, by) -> ActionUpdate:
    """Accept: the action takes the reported status (in its history, by the reviewer); the author is told."""
    Decision.objects.select_for_update().only("pk").get(pk=update.decision_id)
    update = ActionUpdate.objects.select_for_update(of=("self",)).select_related("decision").get(pk=update.pk)
    review.review_accept(update, by=by)
    decision = update.decision
    if decision.status != update.reported_status:
        decision_save(decision=decision, data={"status": update.reported_status}, by=by,
                      reason=f"Accepted progress on the action #{update.pk}")
    notify(user=update.author, subject=f"Your progress on {decision} was accepted",
           body=f"{by.get_full_name() or by.username} accepted it.",
           url=reverse("decisions:decision-detail", args=[decision.pk]))
    return update


@transaction.atomic
def action_update_return(*, update: ActionUpdate, by, reason: str) -> ActionUpdate:
    update = ActionUpdate.objects.select_for_update(of=("self",)).select_related("decision").get(pk=update.pk)
    review.review_return(update, by=by, reason=reason)
    notify(user=update.author, subject=f"Your progress on {update.decision} was returned",
           body=f"Reason: {update.return_reason}",
           url=reverse("decisions:decision-detail", args=[update.decision_id]))
    return update
