"""Writes to the work tables: one function per state change, so history, checks and notices happen once.

Optimistic locking: each edit carries the version the user loaded; a save against an older version
is refused with ConflictError listing what changed in between, and nothing is overwritten.
"""
import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from accomplishments.models import ExpectedAccomplishment, WorkPlan
from accomplishments.services import refuse_closed_plan
from emgplan import clock
from emgplan.attribution import attribute
from emgplan.notify import notify
from emgplan.ordering import move_among

from . import status as milestone_status
from .history import Change, changes_since
from .models import Activity, Contribution, EvidenceFile, LeadBody, Milestone, ProgressUpdate


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
    attribute(obj, by, reason)
    obj.save()
    return obj


# Closed plans -------------------------------------------------------------------------------

# How each kind of row reaches its plan.
_PLAN_PATH = {
    ExpectedAccomplishment: "accomplishments",
    Activity: "accomplishments__activities",
    Milestone: "accomplishments__activities__milestones",
    ProgressUpdate: "accomplishments__activities__updates",
    Contribution: "accomplishments__activities__contributions",
}


def refuse_closed(model, pk) -> None:
    """Raise PlanClosed if the row (of a model of the plan) belongs to a closed plan; one query."""
    path = _PLAN_PATH.get(model)
    if path is None or pk is None:
        return  # meetings, members and lead bodies are shared by every plan
    refuse_closed_plan(WorkPlan.objects.filter(**{path: pk}).only("status", "first_year", "last_year").first())


# Plan ---------------------------------------------------------------------------------------


def _create(model, data: dict, by, **extra):
    """A new row from a form's cleaned data (many-to-many fields set after the save), attributed to `by`."""
    m2m = {k: v for k, v in data.items() if model._meta.get_field(k).many_to_many}
    obj = model(**{k: v for k, v in data.items() if k not in m2m}, **extra)
    obj.full_clean()
    attribute(obj, by)
    obj.save()
    for name, value in m2m.items():
        getattr(obj, name).set(value)
    return obj


@transaction.atomic
def activity_create(*, data: dict, by) -> Activity:
    refuse_closed(ExpectedAccomplishment, getattr(data.get("accomplishment"), "pk", None))
    return _create(Activity, data, by)


@transaction.atomic
def milestone_create(*, data: dict, by) -> Milestone:
    refuse_closed(Activity, getattr(data.get("activity"), "pk", None))
    return _create(Milestone, data, by)


@transaction.atomic
def lead_body_save(*, lead_body: LeadBody | None = None, data: dict, by) -> LeadBody:
    """Create a lead body (lead_body None) or change one; lead bodies carry no version (secretariat only)."""
    if lead_body is None:
        return _create(LeadBody, data, by)
    m2m = {}
    for name, value in data.items():
        if LeadBody._meta.get_field(name).many_to_many:
            m2m[name] = value
        else:
            setattr(lead_body, name, value)
    lead_body.full_clean()
    attribute(lead_body, by)
    lead_body.save()
    for name, value in m2m.items():
        getattr(lead_body, name).set(value)
    return lead_body


@transaction.atomic
def lead_body_delete(lead_body: LeadBody, *, by) -> None:
    """Delete a lead body; ProtectedError if activities still name it."""
    attribute(lead_body, by)
    lead_body.delete()


@transaction.atomic
def record_update(*, model, pk, data: dict, by, expected_version) -> object:
    """Apply a form's cleaned data to a versioned record (activity, milestone, contribution)."""
    refuse_closed(model, pk)
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
    refuse_closed(Milestone, milestone_id)
    m = _lock(Milestone, milestone_id, expected_version)
    m.status = status
    if milestone_status.is_completed(status):
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


@transaction.atomic
def plan_item_move(*, obj, direction: str, by) -> bool:
    """Move an activity, milestone or sub-item one place up or down among its siblings."""
    refuse_closed(type(obj), obj.pk)
    if isinstance(obj, Activity):
        moved = move_among(siblings=Activity.objects.filter(accomplishment=obj.accomplishment_id), obj=obj,
                           direction=direction, field="number", unique=True)
    else:
        moved = move_among(siblings=Milestone.objects.filter(activity=obj.activity_id, parent=obj.parent_id),
                           obj=obj, direction=direction)
    return moved


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
    refuse_closed(Activity, activity.pk)
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
        attribute(update, author)
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
    refuse_closed(ProgressUpdate, update.pk)
    update = _lock(ProgressUpdate, update.pk, expected_version)
    if update.review_state != ProgressUpdate.ReviewState.DRAFT:
        raise ValidationError("Only a draft can be submitted.", code="not_draft")
    update.review_state = ProgressUpdate.ReviewState.SUBMITTED
    update.submitted_at = clock.now()
    return _save_versioned(update, by)


@transaction.atomic
def progress_update_accept(*, update: ProgressUpdate, by) -> ProgressUpdate:
    """Accept: record the reviewer, apply the reported status to the milestone, tell the author."""
    refuse_closed(ProgressUpdate, update.pk)
    # Lock order (emgplan/db.py): the milestone before its update, as every other writer does.
    if update.milestone_id:  # get(): no ordering, so no join locks the activity too
        Milestone.objects.select_for_update().only("pk").get(pk=update.milestone_id)
    update = ProgressUpdate.objects.select_for_update(of=("self",)).select_related("milestone").get(pk=update.pk)
    if update.review_state != ProgressUpdate.ReviewState.SUBMITTED:
        raise ValidationError("Only a submitted update can be accepted.", code="not_submitted")
    update.review_state = ProgressUpdate.ReviewState.ACCEPTED
    update.reviewer, update.reviewed_at = by, clock.now()
    attribute(update, by)
    update.save()
    if update.milestone_id and update.milestone.status != update.reported_status:
        completed_on = None
        if milestone_status.is_completed(update.reported_status):
            completed_on = min(update.period_end, clock.configured_today())
        milestone_set_status(milestone_id=update.milestone_id, status=update.reported_status,
                             completed_on=completed_on, by=by, expected_version=CURRENT_VERSION,
                             reason=f"Accepted progress update #{update.pk}")
    target = update.milestone or update.activity
    notify(user=update.author, subject=f"Your progress update on {target} was accepted",
           body=f"{by.get_full_name() or by.username} accepted it.",
           url=reverse("activities:update-detail", args=[update.pk]))
    return update


@transaction.atomic
def progress_update_return(*, update: ProgressUpdate, by, reason: str) -> ProgressUpdate:
    refuse_closed(ProgressUpdate, update.pk)
    update = ProgressUpdate.objects.select_for_update().get(pk=update.pk)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the update is returned."}, code="reason_required")
    if update.review_state != ProgressUpdate.ReviewState.SUBMITTED:
        raise ValidationError("Only a submitted update can be returned.", code="not_submitted")
    update.review_state = ProgressUpdate.ReviewState.RETURNED
    update.reviewer, update.reviewed_at, update.return_reason = by, clock.now(), reason.strip()
    attribute(update, by)
    update.save()
    target = update.milestone or update.activity
    notify(user=update.author, subject=f"Your progress update on {target} was returned",
           body=f"Reason: {update.return_reason}", url=reverse("activities:update-detail", args=[update.pk]))
    return update


@transaction.atomic
def progress_update_revise(*, update: ProgressUpdate, by) -> ProgressUpdate:
    """Start a new draft from a returned update, carrying its text, links and a copy of each file.

    The returned update stays as it was. The draft holds its own copies, so whoever may read the
    revision once accepted can open every file the lead filed; the lead removes what they no longer
    want on the draft's form. Safe to repeat: a draft revision already started is returned as it is.
    """
    refuse_closed(ProgressUpdate, update.pk)
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
    activity = data.get("activity")
    refuse_closed(Activity, getattr(activity, "pk", None))
    c = Contribution(**data, created_by=by)
    c.full_clean()
    attribute(c, by)
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
    refuse_closed(model, pk)
    obj = _lock(model, pk, expected_version)
    attribute(obj, by)
    obj.delete()


# Carry-over ---------------------------------------------------------------------------------

UNFINISHED = milestone_status.OPEN_STATUSES  # what carries over: what is still open


def _free_label(taken: set, wanted: str) -> str:
    if wanted not in taken:
        return wanted
    letters = "abcdefghijklmnopqrstuvwxyz"
    for n in range(1, 10_000):  # a, b, … z, aa, ab, …
        label, k = "", n
        while k:
            k, r = divmod(k - 1, 26)
            label = letters[r] + label
        if label not in taken:
            return label
    raise ValidationError("No free label is left in this activity.", code="no_label")  # pragma: no cover


def _target_activity(origin: Activity, into_plan: WorkPlan, by) -> Activity:
    """The activity of `into_plan` with the origin's code (A.1 continues as A.1), created with the origin's
    texts (and its expected accomplishment's) when the new plan has none."""
    ea = origin.accomplishment
    target_ea = ExpectedAccomplishment.objects.filter(work_plan=into_plan, code=ea.code).first()
    if target_ea is None:
        target_ea = ExpectedAccomplishment(work_plan=into_plan, code=ea.code, category=ea.category,
                                           statement=ea.statement, order=ea.order)
        target_ea.full_clean()
        attribute(target_ea, by, f"Carried over from the {ea.work_plan.period} plan")
        target_ea.save()
    activity = Activity.objects.filter(accomplishment=target_ea, number=origin.number).first()
    if activity is None:
        activity = Activity(accomplishment=target_ea, number=origin.number, title=origin.title,
                            description=origin.description, lead_body_id=origin.lead_body_id)
        activity.full_clean()
        attribute(activity, by, f"Carried over from the {ea.work_plan.period} plan")
        activity.save()
        activity.partners.set(origin.partners.all())
    return activity


@transaction.atomic
def milestones_carry_over(*, milestones, into_plan: WorkPlan, by) -> list[Milestone]:
    """Continue unfinished milestones of an earlier plan in `into_plan`; the new ones, in the order given.

    Each new milestone is linked to its origin (carried_from) and starts afresh in the new plan: not started,
    due at the origin's meeting or date only if it falls inside the new plan's years. The origin, its history
    and its progress updates stay with the old plan, unchanged. It lands in the activity with the same code
    (created from the origin's when missing), under its own label when free. A sub-item goes under the copy
    of its parent when the parent is carried too, else it becomes a milestone of its own. Safe to repeat: a
    milestone already carried into this plan is not carried twice (its copy is returned).
    """
    into_plan = WorkPlan.objects.select_for_update().get(pk=into_plan.pk)
    refuse_closed_plan(into_plan)
    ids = [m.pk if isinstance(m, Milestone) else int(m) for m in milestones]
    origins = {m.pk: m for m in Milestone.objects.filter(pk__in=ids).select_related(
        "activity__accomplishment__work_plan", "due_meeting", "parent")}
    if len(origins) != len(set(ids)):
        raise ValidationError("A milestone to carry over was not found (deleted meanwhile?).", code="not_found")
    for m in origins.values():
        if m.activity.accomplishment.work_plan_id == into_plan.pk:
            raise ValidationError(f"{m} already belongs to the {into_plan.period} plan.", code="same_plan")
        if m.status not in UNFINISHED:
            raise ValidationError(f"{m} is {m.get_status_display().lower()}: only unfinished milestones are "
                                  "carried over.", code="finished")
    existing = {m.carried_from_id: m for m in Milestone.objects.filter(
        carried_from__in=ids, activity__accomplishment__work_plan=into_plan)}
    # Parents before their sub-items, so a sub-item finds its parent's copy.
    ordered = sorted(dict.fromkeys(ids), key=lambda pk: origins[pk].parent_id is not None)
    copies: dict[int, Milestone] = {}
    for pk in ordered:
        origin = origins[pk]
        if pk in existing:
            copies[pk] = existing[pk]
            continue
        parent_copy = copies.get(origin.parent_id) or (existing.get(origin.parent_id) if origin.parent_id else None)
        if parent_copy is not None:
            activity, siblings = parent_copy.activity, Milestone.objects.filter(parent=parent_copy)
        else:
            activity = _target_activity(origin.activity, into_plan, by)
            siblings = Milestone.objects.filter(activity=activity, parent=None)
        due = origin.due_date if origin.due_date and origin.due_date.year in into_plan.years else None
        meeting = origin.due_meeting if origin.due_meeting and origin.due_meeting.start_date.year in into_plan.years \
            else None
        taken = set(siblings.values_list("label", flat=True))
        order = (max(siblings.values_list("order", flat=True), default=0) or 0) + 1
        copy = Milestone(activity=activity, parent=parent_copy, label=_free_label(taken, origin.label), order=order,
                         text=origin.text, due_meeting=meeting, due_date=due, carried_from=origin)
        copy.full_clean()
        attribute(copy, by, f"Carried over from {origin} of the {origin.activity.accomplishment.work_plan.period} plan")
        copy.save()
        copies[pk] = copy
    return [copies[pk] for pk in dict.fromkeys(ids)]


def default_period(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The calendar quarter before `today`'s: the usual reporting period."""
    q_start = datetime.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    end = q_start - datetime.timedelta(days=1)
    return datetime.date(end.year, 3 * ((end.month - 1) // 3) + 1, 1), end
