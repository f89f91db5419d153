"""The review steps every reported record goes through: submit → return or accept.

Shared by progress on milestones and by records of the apps above (progress on an action): each keeps
`review_state` (draft, submitted, returned, accepted), `submitted_at`, `reviewer`, `reviewed_at` and
`return_reason`. These functions check and move the state on a row the caller has locked and save it
with the reviewer as the history's user; what follows (a status applied, a notice) stays with the caller.
"""
from django.core.exceptions import ValidationError

from emgplan import clock

DRAFT, SUBMITTED, RETURNED, ACCEPTED = "draft", "submitted", "returned", "accepted"


def review_submit(record, *, by):
    """A draft goes to review (ValidationError if it is not a draft)."""
    if record.review_state != DRAFT:
        raise ValidationError("Only a draft can be submitted.", code="not_draft")
    record.review_state, record.submitted_at = SUBMITTED, clock.now()
    record._history_user = by
    record.full_clean()
    record.save()
    return record


def review_accept(record, *, by):
    """A submitted record is accepted by `by` (ValidationError if it is not submitted)."""
    if record.review_state != SUBMITTED:
        raise ValidationError("Only a submitted update can be accepted.", code="not_submitted")
    record.review_state = ACCEPTED
    record.reviewer, record.reviewed_at = by, clock.now()
    record._history_user = by
    record.save()
    return record


def review_return(record, *, by, reason: str):
    """A submitted record goes back to its author with the reason (required)."""
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the update is returned."}, code="reason_required")
    if record.review_state != SUBMITTED:
        raise ValidationError("Only a submitted update can be returned.", code="not_submitted")
    record.review_state = RETURNED
    record.reviewer, record.reviewed_at, record.return_reason = by, clock.now(), reason.strip()
    record._history_user = by
    record.save()
    return record
