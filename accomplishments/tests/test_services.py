"""Writes to the plan's frame go through accomplishments.services: validated, attributed in history, all or nothing;
and the secretariat's pages reach them."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError
from django.urls import reverse

from accomplishments import services
from accomplishments.models import ExpectedAccomplishment, Meeting, Member
from activities.tests.factories import ContributionFactory

pytestmark = pytest.mark.django_db


def _last_history(obj_or_model, pk):
    return obj_or_model.history.filter(id=pk).order_by("-history_date", "-history_id").first()


def test_meeting_create_edit_delete_are_attributed(demo_users):
    sec = demo_users["secretariat"]
    m = services.meeting_create(data={"code": "SOM99", "name": "Senior Officials 99", "start_date":
                                      datetime.date(2015, 9, 1), "end_date": datetime.date(2015, 9, 2),
                                      "place": "Geneva"}, by=sec)
    assert (_last_history(Meeting, m.pk).history_type, _last_history(Meeting, m.pk).history_user) == ("+", sec)
    services.meeting_edit(m, data={"place": "Nairobi"}, by=demo_users["secretariat"])
    m.refresh_from_db()
    assert m.place == "Nairobi"
    assert _last_history(Meeting, m.pk).history_type == "~"
    assert _last_history(Meeting, m.pk).history_user == sec
    pk = m.pk
    services.meeting_delete(m, by=sec)
    assert not Meeting.objects.filter(pk=pk).exists()
    assert (_last_history(Meeting, pk).history_type, _last_history(Meeting, pk).history_user) == ("-", sec)


def test_a_meeting_that_breaks_a_rule_is_refused_and_nothing_is_saved(demo_users):
    before = Meeting.objects.count()
    with pytest.raises(ValidationError):
        services.meeting_create(data={"code": "SOM98", "name": "Backwards", "start_date": datetime.date(2015, 9, 2),
                                      "end_date": datetime.date(2015, 9, 1), "place": ""}, by=demo_users["secretariat"])
    assert Meeting.objects.count() == before


def test_member_create_and_edit_and_protected_delete(demo_users):
    sec = demo_users["secretariat"]
    member = services.member_create(data={"acronym": "NEWORG", "name": "A new organisation"}, by=sec)
    assert _last_history(Member, member.pk).history_user == sec
    with pytest.raises(ValidationError):  # the acronym is unique
        services.member_create(data={"acronym": "NEWORG", "name": "Twice"}, by=sec)
    services.member_edit(member, data={"name": "A renamed organisation"}, by=sec)
    assert Member.objects.get(pk=member.pk).name == "A renamed organisation"
    used = ContributionFactory().member
    with pytest.raises(ProtectedError):
        services.member_delete(used, by=sec)
    assert Member.objects.filter(pk=used.pk).exists()


def test_accomplishment_create_edit_and_move(seed_plan, demo_users):
    sec = demo_users["secretariat"]
    ea = services.accomplishment_create(data={"work_plan": seed_plan, "code": "E", "category": "New",
                                              "statement": "A fifth result.", "order": 5}, by=sec)
    assert _last_history(ExpectedAccomplishment, ea.pk).history_user == sec
    with pytest.raises(ValidationError):  # the code is unique in its plan
        services.accomplishment_create(data={"work_plan": seed_plan, "code": "E", "category": "Again",
                                             "statement": "Twice.", "order": 6}, by=sec)
    services.accomplishment_edit(ea, data={"statement": "A fifth result, reworded."}, by=sec)
    assert ExpectedAccomplishment.objects.get(pk=ea.pk).statement == "A fifth result, reworded."
    codes = lambda: list(seed_plan.accomplishments.order_by("order").values_list("code", flat=True))  # noqa: E731
    assert codes()[-2:] == ["D", "E"]
    assert services.accomplishment_move(obj=ea, direction="up", by=sec)
    assert codes()[-2:] == ["E", "D"]
    assert not services.accomplishment_move(obj=ExpectedAccomplishment.objects.get(work_plan=seed_plan, code="A"),
                                            direction="up", by=sec)
    assert codes()[0] == "A"


def test_the_pages_write_through_the_services(client_as, demo_users, monkeypatch):
    """A create page calls the service (not form.save()): the history row names the signed-in user."""
    called = []
    real = services.meeting_create
    monkeypatch.setattr(services, "meeting_create", lambda **kw: called.append(kw) or real(**kw))
    from accomplishments import views

    monkeypatch.setattr(views.MeetingCreateView, "create", staticmethod(services.meeting_create))
    client = client_as("secretariat")
    response = client.post(reverse("accomplishments:meeting-create"), {
        "code": "SOM97", "name": "Senior Officials 97", "start_date": "2015-03-01", "end_date": "2015-03-02",
        "place": "Geneva"})
    assert response.status_code == 302
    assert len(called) == 1
    m = Meeting.objects.get(code="SOM97")
    assert _last_history(Meeting, m.pk).history_user == demo_users["secretariat"]
    response = client.post(reverse("accomplishments:meeting-delete", args=[m.pk]))
    assert response.status_code == 302 and not Meeting.objects.filter(pk=m.pk).exists()
    assert _last_history(Meeting, m.pk).history_user == demo_users["secretariat"]
