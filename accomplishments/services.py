"""Writes to the plan's frame: expected accomplishments, meetings and members. One function per change, so
validation and history attribution (emgplan.attribution) happen in one place; views never call form.save().

Callers pass a form's cleaned data; a row that breaks a model rule raises ValidationError and nothing is saved.
"""
from django.db import transaction

from emgplan.attribution import attribute
from emgplan.ordering import move_among
from emgplan.plan_cache import plan_changed

from .models import ExpectedAccomplishment, Meeting, Member


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
    return _save(ExpectedAccomplishment(), data, by)


@transaction.atomic
def accomplishment_edit(accomplishment: ExpectedAccomplishment, *, data: dict, by) -> ExpectedAccomplishment:
    return _save(accomplishment, data, by)


@transaction.atomic
def accomplishment_move(*, obj: ExpectedAccomplishment, direction: str, by) -> bool:
    """Move an expected accomplishment one place up or down in its plan."""
    moved = move_among(siblings=ExpectedAccomplishment.objects.filter(work_plan=obj.work_plan_id), obj=obj,
                       direction=direction)
    if moved:
        plan_changed()  # QuerySet.update sends no signal
    return moved


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
