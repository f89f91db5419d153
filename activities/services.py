"""Writes to the work tables: one function per state change, so history, checks and notices happen once.

Optimistic locking: each edit carries the version the user loaded; a save against an older version
is refused with ConflictError listing what changed in between, and nothing is overwritten.
"""
import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.services import notice_send
from emgplan import clock

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


class DuplicateSubmission(Exception):  # noqa: N818 (not an error: the work was done once already)
    """The same create form was sent twice; `update` is what its first sending filed."""

    def __init__(self, update):
        self.update = update
        super().__init__("This form was already sent.")


# Internal callers that decide on data they read in the same transaction (accepting an update
# applies its reported status to the milestone as it is now) pass this instead of a version.
# A form never does: a user's edit always carries the version it was made against.
CURRENT_VERSION = object()


def _lock(model, pk, expected_version):
    """Lock the row and check it is still the version the user loaded (ConflictError if not).

    A missing version is refused (ValidationError): without it a stale form would overwrite silently.
    """
    obj = model.objects.select_for_update().get(pk=pk)
    if expected_version is CURRENT_VERSION:
        return obj
    if expected_version is None or not str(expected_version).isdigit():  # absent, or not a version at all
        raise ValidationError("The form was sent without the version of the record it was made against, so it "
                              "could not be checked for changes made since. Reload the page and make the change "
                              "again.", code="version_missing")
    if obj.version != int(expected_version):
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
def milestone_set_status(*, milestone_id: int, status: str, completed_on=None, by, expected_version,
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
    return True


# Progress -----------------------------------------------------------------------------------


def _check_target(activity, milestone):
    if milestone is not None and milestone.activity_id != activity.pk:
        raise ValidationError("The milestone does not belong to this activity.", code="milestone_mismatch")


@transaction.atomic
def progress_update_save(*, update: ProgressUpdate | None = None, activity: Activity, milestone: Milestone | None,
                         author, data: dict, files=(), revision_of: ProgressUpdate | None = None,
                         expected_version=None, remove_files=(), form_key=None) -> ProgressUpdate:
    """Create a draft update, or edit one at the version its author loaded, with its evidence files.

    Only drafts are edited, and an edit made against an older version is refused (ConflictError),
    as on every other record. A create carrying a form key already used by this author raises
    DuplicateSubmission with the update the first sending filed: sending a form twice files once.
    `remove_files` are ids of this draft's own evidence files to drop.
    """
    _check_target(activity, milestone)
    if update is None:
        if form_key is not None:
            first = ProgressUpdate.objects.filter(author=author, form_key=form_key).first()
            if first is not None:
                raise DuplicateSubmission(first)
        update = ProgressUpdate(activity=activity, milestone=milestone, author=author, revision_of=revision_of,
                                form_key=form_key)
        for name, value in data.items():
            setattr(update, name, value)
        # The key's uniqueness is left to the database: a concurrent second sending fails there.
        update.full_clean(exclude={"form_key"})
        update._history_user = author
        try:
            with transaction.atomic():
                update.save()
        except IntegrityError:
            first = ProgressUpdate.objects.filter(author=author, form_key=form_key).first()
            if form_key is None or first is None:
                raise
            raise DuplicateSubmission(first) from None
    else:
        update = _lock(ProgressUpdate, update.pk, expected_version)
        if update.review_state != ProgressUpdate.ReviewState.DRAFT:
            raise ValidationError("Only a draft can be edited.", code="not_draft")
        for name, value in data.items():
            setattr(update, name, value)
        _save_versioned(update, author)
    if remove_files:
        dropped = list(update.files.filter(pk__in=remove_files))
        names = [ef.file.name for ef in dropped]
        EvidenceFile.objects.filter(pk__in=[ef.pk for ef in dropped]).delete()
        storage = EvidenceFile._meta.get_field("file").storage
        transaction.on_commit(lambda: [storage.delete(name) for name in names])
    for f in files:
        EvidenceFile.objects.create(update=update, file=f, original_name=f.name[:255],
                                    content_type=getattr(f, "detected_type", "") or f.content_type or "", size=f.size)
    return update


@transaction.atomic
def progress_update_submit(*, update: ProgressUpdate, by, expected_version) -> ProgressUpdate:
    """Submit a draft for review, if it is still the version its author last saw (ConflictError if not)."""
    update = _lock(ProgressUpdate, update.pk, expected_version)
    if update.review_state != ProgressUpdate.ReviewState.DRAFT:
        raise ValidationError("Only a draft can be submitted.", code="not_draft")
    update.review_state = ProgressUpdate.ReviewState.SUBMITTED
    update.submitted_at = clock.now()
    return _save_versioned(update, by)


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
    update.reviewer, update.reviewed_at = by, clock.now()
    update._history_user = by
    update.save()
    if update.milestone_id and update.milestone.status != update.reported_status:
        completed_on = None
        if update.reported_status == Milestone.Status.COMPLETED:
            completed_on = min(update.period_end, clock.configured_today())
        milestone_set_status(milestone_id=update.milestone_id, status=update.reported_status,
                             completed_on=completed_on, by=by, expected_version=CURRENT_VERSION,
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
    update.reviewer, update.reviewed_at, update.return_reason = by, clock.now(), reason.strip()
    update._history_user = by
    update.save()
    target = update.milestone or update.activity
    notice_send(user=update.author, subject=f"Your progress update on {target} was returned",
                body=f"Reason: {update.return_reason}", url=reverse("activities:update-detail", args=[update.pk]))
    return update


@transaction.atomic
def progress_update_revise(*, update: ProgressUpdate, by) -> ProgressUpdate:
    """Start a new draft from a returned update, carrying its text, links and a copy of each file.

    The returned update stays as it was. The draft holds its own copies, so whoever may read the
    revision once accepted can open every file the lead filed; the lead removes what they no longer
    want on the draft's form. Safe to repeat: a draft revision already started is returned as it is.
    """
    update = ProgressUpdate.objects.select_for_update().get(pk=update.pk)
    if update.review_state != ProgressUpdate.ReviewState.RETURNED:
        raise ValidationError("Only a returned update can be revised.", code="not_returned")
    started = update.revisions.filter(author=by, review_state=ProgressUpdate.ReviewState.DRAFT).first()
    if started is not None:
        return started
    data = {name: getattr(update, name) for name in
            ("period_start", "period_end", "reported_status", "narrative", "evidence_links")}
    draft = progress_update_save(activity=update.activity, milestone=update.milestone, author=by, data=data,
                                 revision_of=update)
    copied = []
    try:
        for ef in update.files.order_by("uploaded_at", "pk"):
            copy = EvidenceFile(update=draft, original_name=ef.original_name, content_type=ef.content_type,
                                size=ef.size)
            try:
                with ef.file.open("rb") as source:
                    copy.file.save(ef.original_name, source, save=False)
            except OSError:
                raise ValidationError(
                    f"The attachment “{ef.original_name}” of the returned update cannot be read, so the revision "
                    "was not started (nothing would be left out silently). Ask the secretariat to restore it.",
                    code="evidence_unreadable") from None
            copied.append(copy.file.name)
            copy.save()
    except BaseException:
        # The rows roll back with the transaction; the copies already stored would stay behind.
        storage = EvidenceFile._meta.get_field("file").storage
        for name in copied:
            storage.delete(name)
        raise
    return draft


# Contributions ------------------------------------------------------------------------------


@transaction.atomic
def contribution_record(*, data: dict, by) -> Contribution:
    c = Contribution(**data, created_by=by)
    c.full_clean()
    c._history_user = by
    c.save()
    return c


@transaction.atomic
def contribution_delete(*, contribution: Contribution, by, expected_version) -> None:
    record_delete(model=Contribution, pk=contribution.pk, by=by, expected_version=expected_version)


@transaction.atomic
def record_delete(*, model, pk, by, expected_version) -> None:
    """Delete a versioned record (activity, milestone, contribution) if it is still the version the user confirmed.

    ConflictError if it changed since the confirmation page was shown: a delete is an edit too.
    """
    obj = _lock(model, pk, expected_version)
    obj._history_user = by
    obj.delete()


def default_period(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The calendar quarter before `today`'s: the usual reporting period."""
    q_start = datetime.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    end = q_start - datetime.timedelta(days=1)
    return datetime.date(end.year, 3 * ((end.month - 1) // 3) + 1, 1), end
