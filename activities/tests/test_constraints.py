"""Rules of the data hold in the database (IntegrityError) and in forms (a clear message)."""
import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from accomplishments.forms import ExpectedAccomplishmentForm, MeetingForm, MemberForm
from accomplishments.models import ExpectedAccomplishment, Meeting, Member
from activities.forms import ActivityForm, ContributionForm, MilestoneForm
from activities.models import Activity, Contribution, Milestone

pytestmark = pytest.mark.django_db


def _refused(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


@pytest.fixture
def a1(seed_plan):
    return Activity.objects.get(accomplishment__code="A", number=1)


@pytest.fixture
def unido(seed_plan):
    return Member.objects.get(acronym="UNIDO")


def test_duplicate_codes_refused_by_database(seed_plan, a1):
    ea = ExpectedAccomplishment.objects.get(code="A")
    _refused(lambda: ExpectedAccomplishment.objects.create(work_plan=seed_plan, code="A", category="x", statement="y"))
    _refused(lambda: Activity.objects.create(accomplishment=ea, number=1, title="dup"))
    _refused(lambda: Milestone.objects.create(activity=a1, label="a", text="dup"))
    c = Milestone.objects.get(activity__accomplishment__code="C", label="c", parent=None)
    _refused(lambda: Milestone.objects.create(activity=c.activity, parent=c, label="ii", text="dup"))
    _refused(lambda: Meeting.objects.create(code="SOM20", name="x", start_date="2014-01-01", end_date="2014-01-01"))
    _refused(lambda: Member.objects.create(acronym="UNIDO", name="dup"))


def test_same_sub_item_label_allowed_under_another_parent(seed_plan, a1):
    parent = Milestone.objects.get(activity=a1, label="a")
    Milestone.objects.create(activity=a1, parent=parent, label="i", text="a sub-item of (a)")


def test_duplicate_codes_refused_by_forms(seed_plan, a1):
    form = ExpectedAccomplishmentForm(data={"work_plan": seed_plan.pk, "code": "A", "category": "x",
                                            "statement": "y", "order": 9})
    assert not form.is_valid()
    assert "already has an expected accomplishment with this code" in str(form.errors)
    form = ActivityForm(data={"accomplishment": a1.accomplishment_id, "number": 1, "title": "dup"})
    assert not form.is_valid()
    assert "already has an activity with this number" in str(form.errors)
    form = MilestoneForm(data={"activity": a1.pk, "label": "a", "order": 1, "text": "dup", "status": "not_started"})
    assert not form.is_valid()
    assert "already has a milestone with this label" in str(form.errors)
    form = MeetingForm(data={"code": "SOM20", "name": "x", "start_date": "2014-01-01", "end_date": "2014-01-01"})
    assert not form.is_valid() and "code" in form.errors
    form = MemberForm(data={"acronym": "UNIDO", "name": "x", "kind": "agency"})
    assert not form.is_valid() and "acronym" in form.errors


def test_negative_amounts_refused_by_database(a1, unido):
    _refused(lambda: Contribution.objects.create(member=unido, activity=a1, kind="financial", year=2014,
                                                 amount_usd=Decimal("-1")))
    _refused(lambda: Contribution.objects.create(member=unido, activity=a1, kind="time", year=2014,
                                                 staff_days=Decimal("-0.5")))
    _refused(lambda: Contribution.objects.create(member=unido, activity=a1, kind="time", year=2014))


@pytest.mark.parametrize("year", [2013, 2016])
def test_year_outside_plan_refused_by_database(a1, unido, year):
    _refused(lambda: Contribution.objects.create(member=unido, activity=a1, kind="time", year=year, staff_days=5))
    c = Contribution.objects.create(member=unido, activity=a1, kind="time", year=2015, staff_days=5)
    c.year = year
    _refused(c.save)


def test_completed_milestone_without_date_refused_by_database(a1):
    m = Milestone.objects.get(activity=a1, label="a")
    m.status = "completed"
    _refused(m.save)
    m.refresh_from_db()
    m.completed_on = datetime.date(2014, 3, 1)  # a date on an unfinished milestone
    _refused(m.save)


def _contribution_data(a1, unido, **over):
    data = {"member": unido.pk, "activity": a1.pk, "kind": "financial", "year": 2014, "staff_days": "",
            "amount_usd": "1000", "state": "pledged", "note": ""}
    data.update(over)
    return data


@pytest.mark.parametrize(
    "over, field, message",
    [
        ({"amount_usd": "-5"}, "amount_usd", "greater than or equal to 0"),
        ({"amount_usd": "100000001"}, "amount_usd", "less than or equal to 100000000"),
        ({"staff_days": "10001", "amount_usd": ""}, "staff_days", "less than or equal to 10000"),
        ({"year": "2016"}, "year", "within the plan period, 2014 to 2015"),
        ({"year": "2013"}, "year", "within the plan period, 2014 to 2015"),
        ({"amount_usd": "", "staff_days": ""}, "__all__", "Give staff days, an amount in USD, or both."),
    ],
)
def test_bad_contributions_refused_by_form(a1, unido, over, field, message):
    form = ContributionForm(data=_contribution_data(a1, unido, **over))
    assert not form.is_valid()
    assert message in " ".join(form.errors[field])
    assert Contribution.objects.count() == 0


def test_completion_rules_in_milestone_form(a1):
    base = {"activity": a1.pk, "label": "z", "order": 9, "text": "new"}
    form = MilestoneForm(data={**base, "status": "completed"})
    assert not form.is_valid()
    assert form.errors["completed_on"] == ["A completed milestone needs its completion date."]
    form = MilestoneForm(data={**base, "status": "on_track", "completed_on": "2014-05-01"})
    assert not form.is_valid()
    assert "Only a completed milestone has a completion date" in form.errors["completed_on"][0]
    form = MilestoneForm(data={**base, "status": "on_track", "due_date": "2019-01-01"})
    assert not form.is_valid()
    assert "within the plan period" in form.errors["due_date"][0]
    form = MilestoneForm(data={**base, "status": "completed", "completed_on": "2014-05-01"})
    assert form.is_valid(), form.errors
