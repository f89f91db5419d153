"""State changes through the services, and the history rows they leave."""
import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from accounts.models import Notice
from activities import services
from activities.history import history_for
from activities.models import Contribution, Milestone, ProgressUpdate

pytestmark = pytest.mark.django_db


@pytest.fixture
def a1a(seed_plan):
    return Milestone.objects.get(activity__accomplishment__code="A", activity__number=1, label="a", parent=None)


def _draft(milestone, author, **over):
    data = {"period_start": datetime.date(2014, 1, 1), "period_end": datetime.date(2014, 3, 31),
            "reported_status": "on_track", "narrative": "Mapping tool beta released.", "evidence_links": ""}
    data.update(over)
    return services.progress_update_save(activity=milestone.activity, milestone=milestone, author=author, data=data)


def test_set_status_bumps_version_and_records_history(a1a, demo_users):
    sec = demo_users["secretariat"]
    m = services.milestone_set_status(milestone_id=a1a.pk, status="on_track", by=sec, expected_version=1)
    assert (m.status, m.version) == ("on_track", 2)
    latest = m.history.latest()
    assert latest.history_user == sec and latest.status == "on_track"
    entry = history_for(m)[0]
    assert entry.who == sec
    assert [(c.field, c.old, c.new) for c in entry.changes] == [("status", "Not started", "On track")]


def test_set_status_completed_needs_and_keeps_date(a1a, demo_users):
    sec = demo_users["secretariat"]
    with pytest.raises(ValidationError):
        services.milestone_set_status(milestone_id=a1a.pk, status="completed", by=sec, expected_version=1)
    m = services.milestone_set_status(milestone_id=a1a.pk, status="completed", completed_on=datetime.date(2014, 5, 2),
                                      by=sec, expected_version=1)
    assert m.completed_on == datetime.date(2014, 5, 2)
    m = services.milestone_set_status(milestone_id=a1a.pk, status="on_track", by=sec, expected_version=m.version)
    assert m.completed_on is None  # reopening clears the date
    with pytest.raises(ValidationError):
        services.milestone_set_status(milestone_id=a1a.pk, status="on_track", completed_on=datetime.date(2014, 5, 2),
                                      by=sec, expected_version=m.version)


def test_stale_version_is_refused_and_names_the_change(a1a, demo_users):
    sec, lead = demo_users["secretariat"], demo_users["biodiversity-lead"]
    services.milestone_set_status(milestone_id=a1a.pk, status="at_risk", by=lead, expected_version=1)
    with pytest.raises(services.ConflictError) as exc:
        services.milestone_set_status(milestone_id=a1a.pk, status="delayed", by=sec, expected_version=1)
    assert exc.value.by == lead
    assert [(c.field, c.old, c.new) for c in exc.value.changes] == [("status", "Not started", "At risk")]
    a1a.refresh_from_db()
    assert a1a.status == "at_risk"


def test_submit_accept_applies_status_and_tells_author(a1a, demo_users, django_capture_on_commit_callbacks):
    lead, sec = demo_users["biodiversity-lead"], demo_users["secretariat"]
    update = _draft(a1a, lead, reported_status="completed")
    assert update.review_state == "draft"
    update = services.progress_update_submit(update=update, by=lead, expected_version=update.version)
    assert update.review_state == "submitted" and update.submitted_at
    with django_capture_on_commit_callbacks(execute=True):
        update = services.progress_update_accept(update=update, by=sec)
    assert update.review_state == "accepted" and update.reviewer == sec and update.reviewed_at
    a1a.refresh_from_db()
    assert a1a.status == "completed" and a1a.completed_on == datetime.date(2014, 3, 31)
    review_change = a1a.history.latest()
    assert review_change.history_user == sec
    assert review_change.history_change_reason == f"Accepted progress update #{update.pk}"
    notice = Notice.objects.get(user=lead)
    assert "was accepted" in notice.subject
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [lead.email]
    assert mail.outbox[0].alternatives  # plain text plus HTML


def test_return_needs_reason_then_revise_makes_new_version(a1a, demo_users, django_capture_on_commit_callbacks):
    lead, sec = demo_users["biodiversity-lead"], demo_users["secretariat"]
    update = services.progress_update_submit(update=_draft(a1a, lead), by=lead, expected_version=1)
    with pytest.raises(ValidationError):
        services.progress_update_return(update=update, by=sec, reason="   ")
    with django_capture_on_commit_callbacks(execute=True):
        returned = services.progress_update_return(update=update, by=sec, reason="Add the link to the tool.")
    assert returned.review_state == "returned" and returned.return_reason == "Add the link to the tool."
    assert "Add the link to the tool." in mail.outbox[0].body
    revision = services.progress_update_revise(update=returned, by=lead)
    assert revision.pk != returned.pk and revision.revision_of == returned
    assert revision.review_state == "draft" and revision.narrative == returned.narrative
    returned.refresh_from_db()
    assert returned.review_state == "returned"  # never edited away
    assert ProgressUpdate.history.filter(id=returned.pk).count() == 3  # created, submitted, returned


def test_only_drafts_can_be_edited_or_submitted(a1a, demo_users):
    lead = demo_users["biodiversity-lead"]
    update = services.progress_update_submit(update=_draft(a1a, lead), by=lead, expected_version=1)
    with pytest.raises(ValidationError):
        services.progress_update_submit(update=update, by=lead, expected_version=update.version)
    with pytest.raises(ValidationError):
        services.progress_update_save(update=update, activity=a1a.activity, milestone=a1a, author=lead,
                                      data={"narrative": "changed after submission"}, expected_version=update.version)


def test_contribution_record_and_history(seed_plan, demo_users):
    from accomplishments.models import Member
    from activities.models import Activity

    focal = demo_users["unido-focal"]
    c = services.contribution_record(data={
        "member": Member.objects.get(acronym="UNIDO"), "activity": Activity.objects.get(accomplishment__code="B",
                                                                                         number=2),
        "kind": "time", "year": 2014, "staff_days": 12, "state": "pledged"}, by=focal)
    assert c.created_by == focal and c.version == 1
    c = services.record_update(model=Contribution, pk=c.pk, data={"state": "reported"}, by=focal, expected_version=1)
    assert c.version == 2
    assert [(ch.field, ch.old, ch.new) for ch in history_for(c)[0].changes] == [("state", "Pledged", "Reported")]
    services.contribution_delete(contribution=c, by=focal, expected_version=2)
    assert Contribution.history.filter(id=c.pk, history_type="-").get().history_user == focal


def test_plan_item_move_swaps_neighbours(seed_plan, demo_users):
    from activities.models import Activity

    a2 = Activity.objects.get(accomplishment__code="A", number=2)
    title = a2.title
    assert services.plan_item_move(obj=a2, direction="up", by=demo_users["secretariat"])
    assert Activity.objects.get(accomplishment__code="A", number=1).title == title
    b = Milestone.objects.get(activity__accomplishment__code="A", activity__number=1, label="b", parent=None)
    assert services.plan_item_move(obj=b, direction="up", by=demo_users["secretariat"])
    labels = list(Milestone.objects.filter(activity=b.activity_id, parent=None).order_by("order")
                  .values_list("label", flat=True))
    assert labels[:2] == ["b", "a"]
    top = Milestone.objects.get(pk=b.pk)
    assert not services.plan_item_move(obj=top, direction="up", by=demo_users["secretariat"])


# Creates and lead bodies through the services (the pages call these, never form.save()) ----------------------


def test_activity_and_milestone_create_are_validated_and_attributed(seed_plan, demo_users):
    from accomplishments.models import ExpectedAccomplishment
    from activities.models import Activity, LeadBody

    sec = demo_users["secretariat"]
    ea = ExpectedAccomplishment.objects.get(work_plan=seed_plan, code="A")
    body = LeadBody.objects.first()
    partners = list(body.members.all()[:1]) if body.members.exists() else []
    activity = services.activity_create(data={"accomplishment": ea, "number": 9, "title": "A new activity",
                                              "description": "", "lead_body": body, "partners": partners},
                                        by=sec)
    assert activity.history.first().history_user == sec
    assert list(activity.partners.all()) == partners
    with pytest.raises(ValidationError):  # the number is taken in that accomplishment
        services.activity_create(data={"accomplishment": ea, "number": 9, "title": "Twice", "description": "",
                                       "lead_body": body, "partners": []}, by=sec)
    assert Activity.objects.filter(accomplishment=ea, number=9).count() == 1
    m = services.milestone_create(data={"activity": activity, "parent": None, "label": "a", "order": 1,
                                        "text": "First step.", "due_meeting": None, "due_date": None,
                                        "status": "not_started", "completed_on": None}, by=sec)
    assert m.history.first().history_user == sec


def test_lead_body_save_and_delete(seed_plan, demo_users):
    from activities.models import LeadBody

    sec = demo_users["secretariat"]
    body = services.lead_body_save(data={"kind": "img", "name": "IMG on something new", "short_name": "IMG New",
                                         "lead_member": None, "members": [], "leads": [demo_users["esm-lead"]]},
                                   by=sec)
    assert body.history.first().history_user == sec
    assert list(body.leads.all()) == [demo_users["esm-lead"]]
    services.lead_body_save(lead_body=body, data={"short_name": "IMG Newer", "leads": []}, by=sec)
    body.refresh_from_db()
    assert (body.short_name, body.leads.count()) == ("IMG Newer", 0)
    pk = body.pk
    services.lead_body_delete(body, by=sec)
    assert LeadBody.history.filter(id=pk).order_by("-history_id").first().history_type == "-"
