import pytest
from django.core.management import call_command
from django.db import transaction

from activities.models import Activity, Milestone, ProgressUpdate
from devtools.generate import plan_generate

pytestmark = pytest.mark.django_db


def _shape(plan):
    ms = Milestone.objects.filter(activity__accomplishment__work_plan=plan)
    return (
        list(Activity.objects.filter(accomplishment__work_plan=plan).order_by("accomplishment__code", "number")
             .values_list("accomplishment__code", "number", "title")),
        list(ms.order_by("activity__accomplishment__code", "activity__number", "parent__label", "label")
             .values_list("label", "status", "text")),
        ProgressUpdate.objects.filter(activity__accomplishment__work_plan=plan).count(),
    )


class _Undo(Exception):
    pass


def test_generate_plan_scale_and_determinism():
    with pytest.raises(_Undo), transaction.atomic():
        first = _shape(plan_generate(scale=2, seed=7))
        raise _Undo  # roll the first run back, then generate again from nothing
    plan = plan_generate(scale=2, seed=7)
    activities, milestones, updates = _shape(plan)
    assert len(activities) == 20  # 2 × the seed's ten
    assert len(milestones) > 20 and updates > 0
    assert plan_generate(scale=2, seed=7) == plan  # a rerun returns the same plan
    assert _shape(plan) == first


def test_generate_plan_command(capsys, settings):
    settings.DEBUG = True  # devtools refuse to run with DEBUG off (devtools.guard)
    call_command("generate_plan", "--scale", "1")
    assert "EMG/SYNTH.1/2014: 10 activities" in capsys.readouterr().out
