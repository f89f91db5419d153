"""Writes to the plan's frame: expected accomplishments, meetings and members, and a plan's life from draft to
current, past and closed. One function per change, so validation and history attribution (emgplan.attribution)
happen in one place; views never call form.save().

Callers pass a form's cleaned data; a row that breaks a model rule raises ValidationError and nothing is saved.
One plan is current at a time (a database constraint holds it); adopting a draft makes the current one past in
the same transaction. A closed plan is a read-only record: every service that writes plan data asks
refuse_closed_plan() first.
"""
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from emgplan.attribution import attribute
from emgplan.ordering import move_among

from .models import ExpectedAccomplishment, Meeting, Member, WorkPlan, WorkPlanApproval


class PlanClosed(PermissionDenied):  # noqa: N818 (a refusal, answered with 403 like PermissionDenied)
    """The plan is closed: nothing in it may change. The 403 page shows `explanation`."""

    def __init__(self, explanation: str):
        self.explanation = explanation
        super().__init__(explanation)


def refuse_closed_plan(plan: WorkPlan | None) -> None:
    """Raise PlanClosed if the plan is closed; do nothing otherwise (safe to call often)."""
    if plan is not None and plan.status == WorkPlan.Status.CLOSED:
        raise PlanClosed(f"The {plan.period} work plan is closed: it is kept as a read-only record, and nothing "
                         "in it can change.")


def _save(obj, data: dict, by):
    for name, value in data.items():
        setattr(obj, name, value)
    obj.full_clean()
    attribute(obj, by)
    obj.save()
    return obj


def _delete(obj, by) -> None:
    """Delete with attribution; ProtectedError (nothing deleted) if other records still refer to it."""
    attribute(obj, by)
    obj.delete()


@transaction.atomic
def accomplishment_create(*, data: dict, by) -> ExpectedAccomplishment:
    refuse_closed_plan(data.get("work_plan"))
    return _save(ExpectedAccomplishment(), data, by)


@transaction.atomic
def accomplishment_edit(accomplishment: ExpectedAccomplishment, *, data: dict, by) -> ExpectedAccomplishment:
    refuse_closed_plan(WorkPlan.objects.get(pk=accomplishment.work_plan_id))
    refuse_closed_plan(data.get("work_plan"))
    return _save(accomplishment, data, by)


@transaction.atomic
def accomplishment_move(*, obj: ExpectedAccomplishment, direction: str, by) -> bool:
    """Move an expected accomplishment one place up or down in its plan."""
    refuse_closed_plan(WorkPlan.objects.get(pk=obj.work_plan_id))
    return move_among(siblings=ExpectedAccomplishment.objects.filter(work_plan=obj.work_plan_id), obj=obj,
                      direction=direction)


@transaction.atomic
def meeting_create(*, data: dict, by) -> Meeting:
    return _save(Meeting(), data, by)


@transaction.atomic
def meeting_edit(meeting: Meeting, *, data: dict, by) -> Meeting:
    return _save(meeting, data, by)


@transaction.atomic
def meeting_delete(meeting: Meeting, *, by) -> None:
    _delete(meeting, by)


@transaction.atomic
def member_create(*, data: dict, by) -> Member:
    return _save(Member(), data, by)


@transaction.atomic
def member_edit(member: Member, *, data: dict, by) -> Member:
    return _save(member, data, by)


@transaction.atomic
def member_delete(member: Member, *, by) -> None:
    _delete(member, by)


# A plan's life -----------------------------------------------------------------------------------------


def _locked(plan: WorkPlan) -> WorkPlan:
    return WorkPlan.objects.select_for_update().get(pk=plan.pk)


def _approve(*, plan: WorkPlan, year: int, meeting: Meeting, by) -> WorkPlanApproval:
    if year not in plan.years:
        raise ValidationError(f"{year} is not a year of the {plan.period} plan.", code="year_outside_plan")
    if WorkPlanApproval.objects.filter(work_plan=plan, year=year).exists():
        raise ValidationError(f"The approval of the {plan.period} plan for {year} is already recorded.",
                              code="already_approved")
    approval = WorkPlanApproval(work_plan=plan, year=year, meeting=meeting)
    approval.full_clean()
    approval._history_user = by
    approval.save()
    return approval


@transaction.atomic
def workplan_adopt(*, plan: WorkPlan, meeting: Meeting, by) -> WorkPlan:
    """Record a draft's adoption at `meeting`: it becomes current (approved for its first year there) and the
    plan that was current becomes past. Refused (ValidationError) for a plan that is not a draft."""
    # Lock every current plan before this one: two adoptions at once queue here instead of meeting the
    # one-current constraint.
    previous = list(WorkPlan.objects.select_for_update().filter(status=WorkPlan.Status.CURRENT).exclude(pk=plan.pk))
    plan = _locked(plan)
    if plan.status != WorkPlan.Status.DRAFT:
        raise ValidationError(f"Only a draft plan can be adopted; the {plan.period} plan is "
                              f"{plan.get_status_display().lower()}.", code="not_draft")
    for old in previous:
        old.status = WorkPlan.Status.PAST
        old._history_user = by
        old._change_reason = f"The {plan.period} plan was adopted at {meeting.code}"
        old.save(update_fields=["status"])
    plan.status = WorkPlan.Status.CURRENT
    plan._history_user = by
    plan._change_reason = f"Adopted at {meeting.code}"
    plan.save(update_fields=["status"])
    if not WorkPlanApproval.objects.filter(work_plan=plan, year=plan.first_year).exists():
        _approve(plan=plan, year=plan.first_year, meeting=meeting, by=by)
    return plan


@transaction.atomic
def workplan_reapprove(*, plan: WorkPlan, year: int, meeting: Meeting, by) -> WorkPlanApproval:
    """Record the yearly approval of an adopted plan for `year` at `meeting` (once per year)."""
    plan = _locked(plan)
    refuse_closed_plan(plan)
    if plan.status == WorkPlan.Status.DRAFT:
        raise ValidationError(f"The {plan.period} plan is a draft: record its adoption first.", code="draft")
    return _approve(plan=plan, year=year, meeting=meeting, by=by)


@transaction.atomic
def workplan_close(*, plan: WorkPlan, by) -> WorkPlan:
    """Close a past plan: from now on it is a read-only record. Safe to repeat."""
    plan = _locked(plan)
    if plan.status == WorkPlan.Status.CLOSED:
        return plan
    if plan.status != WorkPlan.Status.PAST:
        what = "current: adopt the next plan first" if plan.is_current else "a draft, never adopted"
        raise ValidationError(f"Only a past plan can be closed; the {plan.period} plan is {what}.", code="not_past")
    plan.status = WorkPlan.Status.CLOSED
    plan._history_user = by
    plan._change_reason = "Closed: kept as a read-only record"
    plan.save(update_fields=["status"])
    return plan
