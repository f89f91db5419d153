"""Writes to the work tables: one function per state change, so history, checks and notices happen once.

Optimistic locking: each edit carries the version the user loaded; a save against an older version
is refused with ConflictError listing what changed in between, and nothing is overwritten.
"""
import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.services import notice_send
from emgplan.plan_cache import plan_changed

from .history import Change, changes_since
from .models import Activity, Contribution, EvidenceFile, Milestone, ProgressUpdate


class ConflictError(Exception):
    """Someone else saved the record after this user loaded it."""

    def __init__(self, current, changes: list[Change]):
        self.current = current
        self.changes = changes
        who = current.history.order_by("-history_date").first()
        self.by = getattr(who, "history_user", None) if who else None
        super().__init__("This record was changed by someone else after you opened it.")


def _lock(model, pk, expected_version):
    obj = model.objects.select_for_update().get(pk=pk)
    if expected_version is not None and obj.version != int(expected_version):
        raise ConflictError(obj, changes_since(obj, int(expected_version)))
    return obj


def _save_versioned(obj, by, reason=""):
    """Save a row locked by _lock with the next version (the lock makes the increment safe)."""
    obj.full_clean()
    obj.version += 1
    obj._history_user = by
    if reason:
        obj._change_reason = reason
    obj.save()
    return obj


# Plan ---------------------------------------------------------------------------------------


@transaction.atomic
def record_update(*, model, pk, data: dict, by, expected_version) -> object:
    """Apply a form's cleaned data to a versioned record (activity, milestone, contribution)."""
    obj = _lock(model, pk, expected_version)
    m2m = {}
    for name, value in data.items():
        field = model._meta.get_field(name)
        if field.many_to_many:
            m2m[name] = value
        else:
            setattr(obj, name, value)
    _save_versioned(obj, by)
    for name, value in m2m.items():
        getattr(obj, name).set(value)
    return obj


@transaction.atomic
def milestone_set_status(*, milestone_id: int, status: str, completed_on=None, by, expected_version=None,
                         due_meeting=..., due_date=..., reason: str = "") -> Milestone:
    """Move a milestone's status (and, for the secretariat, its due meeting/date)."""
    m = _lock(Milestone, milestone_id, expected_version)
    m.status = status
    if status == Milestone.Status.COMPLETED:
        m.completed_on = completed_on or m.completed_on
        if m.completed_on is None:
            raise ValidationError({"completed_on": "A completed milestone needs its completion date."},
                                  code="completion_date_required")
    else:
        if completed_on:
            raise ValidationError(
                {"completed_on": "Only a completed milestone has a completion date: clear it or set the status "
                                 "to Completed."}, code="completion_date_unfinished")
        m.completed_on = None
    if due_meeting is not ...:
        m.due_meeting = due_meeting
    if due_date is not ...:
        m.due_date = due_date
    return _save_versioned(m, by, reason)


def _swap(model, obj, neighbour, field):
    a, b = getattr(obj, field), getattr(neighbour, field)
    if field == "number":  # unique: park one row out of the way first
        model.objects.filter(pk=obj.pk).update(number=32000)
        model.objects.filter(pk=neighbour.pk).update(number=a)
        model.objects.filter(pk=obj.pk).update(number=b)
    else:
        if a == b:
            b = a + 1
        model.objects.filter(pk=obj.pk).update(**{field: b})
        model.objects.filter(pk=neighbour.pk).update(**{field: a})


@transaction.atomic
def plan_item_move(*, obj, direction: str, by) -> bool:
    """Move an accomplishment, activity, milestone or sub-item one place up or down among its siblings."""
    from accomplishments.models import ExpectedAccomplishment

    if isinstance(obj, ExpectedAccomplishment):
        siblings, field = ExpectedAccomplishment.objects.filter(work_plan=obj.work_plan_id), "order"
    elif isinstance(obj, Activity):
        siblings, field = Activity.objects.filter(accomplishment=obj.accomplishment_id), "number"
    else:
        siblings, field = Milestone.objects.filter(activity=obj.activity_id, parent=obj.parent_id), "order"
    ordered = list(siblings.order_by(field, "pk"))
    # Normalise orders first so equal values cannot make a move a no-op.
    if field == "order":
        for i, s in enumerate(ordered, start=1):
            if s.order != i:
                type(s).objects.filter(pk=s.pk).update(order=i)
                s.order = i
    index = next(i for i, s in enumerate(ordered) if s.pk == obj.pk)
    target = index - 1 if direction == "up" else index + 1
    if not 0 <= target < len(ordered):
        return False
    _swap(type(obj), ordered[index], ordered[target], field)
    plan_changed()  # QuerySet.update sends no signal
    return True


# Progress -----------------------------------------------------------------------------------


def _check_target(activity, milestone):
    if milestone is not None and milestone.activity_id != activity.pk:
        raise ValidationError("The milestone does not belong to this activity.", code="milestone_mismatch")


@transaction.atomic
def progress_update_save(*, update: ProgressUpdate | None = None, activity: Activity, milestone: Milestone | None,
                         author, data: dict, files=(), revision_of: ProgressUpdate | None = None) -> ProgressUpdate:
    """Create or edit a draft update, with its evidence files. Only drafts are edited."""
    _check_target(activity, milestone)
    if update is None:
        update = ProgressUpdate(activity=activity, milestone=milestone, author=author, revision_of=revision_of)
    elif update.review_state != ProgressUpdate.ReviewState.DRAFT:
        raise ValidationError("Only a draft can be edited.", code="not_draft")
    for name, value in data.items():
        setattr(update, name, value)
    update.full_clean()
    update._history_user = author
    update.save()
    for f in files:
        EvidenceFile.objects.create(update=update, file=f, original_name=f.name[:255],
                                    content_type=getattr(f, "detected_type", "") or f.content_type or "", size=f.size)
    return update


@transaction.atomic
def progress_update_submit(*, update: ProgressUpdate, by) -> ProgressUpdate:
    update = ProgressUpdate.objects.select_for_update().get(pk=update.pk)
    if update.review_state != ProgressUpdate.ReviewState.DRAFT:
        raise ValidationError("Only a draft can be submitted.", code="not_draft")
    update.review_state = ProgressUpdate.ReviewState.SUBMITTED
    update.submitted_at = timezone.now()
    update._history_user = by
    update.save()
    return update


@transaction.atomic
def progress_update_accept(*, update: ProgressUpdate, by) -> ProgressUpdate:
    """Accept: record the reviewer, apply the reported status to the milestone, tell the author."""
    # Lock order (emgplan/db.py): the milestone before its update, as every other writer does.
    if update.milestone_id:  # get(): no ordering, so no join locks the activity too
        Milestone.objects.select_for_update().only("pk").get(pk=update.milestone_id)
    update = ProgressUpdate.objects.select_for_update(of=("self",)).select_related("milestone").get(pk=update.pk)
    if update.review_state != ProgressUpdate.ReviewState.SUBMITTED:
        raise ValidationError("Only a submitted update can be accepted.", code="not_submitted")
    update.review_state = ProgressUpdate.ReviewState.ACCEPTED
    update.reviewer, update.reviewed_at = by, timezone.now()
    update._history_user = by
    update.save()
    if update.milestone_id and update.milestone.status != update.reported_status:
        completed_on = None
        if update.reported_status == Milestone.Status.COMPLETED:
            completed_on = min(update.period_end, timezone.localdate())
        milestone_set_status(milestone_id=update.milestone_id, status=update.reported_status,
                             completed_on=completed_on, by=by,
                             reason=f"Accepted progress update #{update.pk}")
    target = update.milestone or update.activity
    notice_send(user=update.author, subject=f"Your progress update on {target} was accepted",
                body=f"{by.get_full_name() or by.username} accepted it.",
                url=reverse("activities:update-detail", args=[update.pk]))
    return update


@transaction.atomic
def progress_update_return(*, update: ProgressUpdate, by, reason: str) -> ProgressUpdate:
    update = ProgressUpdate.objects.select_for_update().get(pk=update.pk)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the update is returned."}, code="reason_required")
    if update.review_state != ProgressUpdate.ReviewState.SUBMITTED:
        raise ValidationError("Only a submitted update can be returned.", code="not_submitted")
    update.review_state = ProgressUpdate.ReviewState.RETURNED
    update.reviewer, update.reviewed_at, update.return_reason = by, timezone.now(), reason.strip()
    update._history_user = by
    update.save()
    target = update.milestone or update.activity
    notice_send(user=update.author, subject=f"Your progress update on {target} was returned",
                body=f"Reason: {update.return_reason}", url=reverse("activities:update-detail", args=[update.pk]))
    return update


@transaction.atomic
def progress_update_revise(*, update: ProgressUpdate, by) -> ProgressUpdate:
    """Start a new draft from a returned update; the returned one stays as it was."""
    if update.review_state != ProgressUpdate.ReviewState.RETURNED:
        raise ValidationError("Only a returned update can be revised.", code="not_returned")
    data = {name: getattr(update, name) for name in
            ("period_start", "period_end", "reported_status", "narrative", "evidence_links")}
    return progress_update_save(activity=update.activity, milestone=update.milestone, author=by, data=data,
                                revision_of=update)


# Contributions ------------------------------------------------------------------------------


@transaction.atomic
def contribution_record(*, data: dict, by) -> Contribution:
    c = Contribution(**data, created_by=by)
    c.full_clean()
    c._history_user = by
    c.save()
    return c


@transaction.atomic
def contribution_delete(*, contribution: Contribution, by, expected_version=None) -> None:
    c = _lock(Contribution, contribution.pk, expected_version)
    c._history_user = by
    c.delete()


def default_period(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The calendar quarter before `today`'s: the usual reporting period."""
    q_start = datetime.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    end = q_start - datetime.timedelta(days=1)
    return datetime.date(end.year, 3 * ((end.month - 1) // 3) + 1, 1), end
