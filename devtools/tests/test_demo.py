import pytest
from django.core.management import CommandError, call_command

from devtools.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_one_user_per_role(seed_plan, settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    from django.contrib.auth.models import User

    users = {u.username: u for u in User.objects.prefetch_related("groups", "lead_bodies", "focal_for")}
    assert set(users) == {"secretariat", "chair", "biodiversity-lead", "greeneconomy-lead", "esm-lead",
                          "unido-focal", "viewer"}
    assert users["secretariat"].check_password(DEMO_PASSWORD)
    assert [g.name for g in users["chair"].groups.all()] == ["chair"]
    assert [b.short_name for b in users["biodiversity-lead"].lead_bodies.all()] == ["IMG Biodiversity"]
    assert [b.short_name for b in users["greeneconomy-lead"].lead_bodies.all()] == ["IMG Green Economy"]
    assert [b.short_name for b in users["esm-lead"].lead_bodies.all()] == ["IMG ESM"]
    assert [m.acronym for m in users["unido-focal"].focal_for.all()] == ["UNIDO"]
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # repeatable
    assert User.objects.count() == 7


def test_seed_demo_refuses_without_debug(seed_plan, settings, monkeypatch):
    monkeypatch.delenv("EMG_DEVTOOLS_ALLOW", raising=False)
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")


def test_seed_demo_seeds_progress_once_and_keeps_what_users_changed(seed_plan, settings):
    from activities.models import Contribution, Milestone, ProgressUpdate

    settings.DEBUG = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    counts = ProgressUpdate.objects.count(), Contribution.objects.count()
    assert counts == (9, 7)
    # A user moves a status and a contribution after the demo was seeded ...
    mapping = Milestone.objects.get(activity__accomplishment__code="A", activity__number=1, label="a", parent=None)
    assert mapping.status == "on_track"
    mapping.status = "delayed"
    mapping.save()
    unido = Contribution.objects.get(member__acronym="UNIDO")
    unido.note = "Corrected by the focal point."
    unido.save()
    ProgressUpdate.objects.filter(review_state="draft").delete()
    history_rows = Milestone.history.count()
    # ... and `make run` seeds again: nothing is re-applied or rewritten.
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    mapping.refresh_from_db()
    assert mapping.status == "delayed"
    assert Contribution.objects.get(member__acronym="UNIDO").note == "Corrected by the focal point."
    assert ProgressUpdate.objects.count() == counts[0] - 1
    assert Milestone.history.count() == history_rows


def test_demo_history_is_dated_through_2014(seed_plan, demo_users):
    import datetime

    from activities.models import Contribution, Milestone, ProgressUpdate
    from devtools.demo import demo_progress_create

    assert demo_progress_create() == 16
    mapping = Milestone.objects.get(activity__accomplishment__code="A", activity__number=1, label="a", parent=None)
    records = list(mapping.history.order_by("history_date").values_list("history_date", "status",
                                                                         "history_change_reason"))
    assert [(d.date(), s) for d, s, _ in records] == [
        (datetime.date(2013, 9, 19), "not_started"),  # the plan's adoption at SOM19 (the loader)
        (datetime.date(2014, 4, 10), "on_track"),  # the day its first-quarter update was accepted
    ]
    assert records[1][2] == "Status from the accepted progress update"
    completed = Milestone.objects.get(activity__accomplishment__code="C", label="a", parent=None)
    assert completed.completed_on == datetime.date(2014, 4, 10)
    latest = mapping.history.latest()
    assert latest.history_user.username == "secretariat"
    for update in ProgressUpdate.objects.all():
        # when it was written, sent and accepted agree with each other and with its history
        assert update.created_at <= (update.submitted_at or update.created_at) <= (update.reviewed_at
                                                                                   or update.submitted_at
                                                                                   or update.created_at)
        assert update.created_at.year == 2014 and update.history.earliest().history_date == update.created_at
        if update.review_state == "accepted":
            assert update.history.latest().history_date == update.reviewed_at
            assert update.reviewed_at.date() > update.period_end
    assert {u.review_state for u in ProgressUpdate.objects.all()} == {"accepted", "submitted", "draft"}
    waiting = ProgressUpdate.objects.get(review_state="submitted")
    assert waiting.submitted_at.date() == datetime.date(2014, 9, 5)
    # A contribution's state as recorded then: CBD's staff time was programmed, then reported on 29 August.
    cbd = Contribution.objects.get(member__acronym="CBD", year=2014)
    assert [(h.history_date.date().isoformat(), h.state) for h in cbd.history.order_by("history_date")] == [
        ("2014-03-20", "programmed"), ("2014-08-29", "reported")]
    pledge = Contribution.objects.get(year=2015)
    assert pledge.history.earliest().history_date.date() == datetime.date(2014, 8, 20)
    assert {c.state for c in Contribution.objects.all()} == {"pledged", "budgeted", "programmed", "reported"}
    # Every date of the demo lies before `make run`'s today (10 September 2014).
    last = max(h.history_date for model in (Milestone, ProgressUpdate, Contribution) for h in model.history.all())
    assert last.date() <= datetime.date(2014, 9, 10)


def test_make_run_data_close_the_loop_on_the_som20_actions(seed_plan, settings, django_capture_on_commit_callbacks):
    """On `make run` data (today 10 September 2014): the SOM20 report is there with its suggested actions, the
    secretariat records them as actions, a lead reports on one, and a SOM21 report answers every one."""
    import datetime

    from django.contrib.auth.models import User
    from django.test import Client
    from django.urls import reverse

    from accomplishments.models import Meeting
    from activities.models import LeadBody
    from decisions.models import ActionUpdate, Decision
    from devtools.demo import DEMO_SOM20_REPORT
    from reports.models import Report
    from reports.selectors import report_snapshot

    settings.DEBUG = True
    settings.EMG_TODAY = "2014-09-10"
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=open("/dev/null", "w"))
    report = Report.objects.get(meeting__code="SOM20", kind="som")
    assert (report.state, report.symbol_display, report.as_of, report.requested_by.username) == (
        "ready", "EMG/SOM.20/3", datetime.date(2014, 9, 5), "chair")
    assert report.snapshot["document"]["suggested_actions"] == DEMO_SOM20_REPORT["suggested_actions"]
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # `make run` again: still one SOM20 report
    assert Report.objects.filter(meeting__code="SOM20").count() == 1
    assert not Decision.objects.filter(kind="action").exists()  # recording is left to the secretariat

    users = {u.username: u for u in User.objects.all()}
    sec, lead = Client(), Client()
    sec.force_login(users["secretariat"])
    lead.force_login(users["greeneconomy-lead"])
    detail = sec.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert "Record the actions the meeting approved" in detail
    url = reverse("reports:decisions", args=[report.pk])
    page = sec.get(url)
    drafts = page.context["formset"].initial
    assert [d["text"] for d in drafts] == DEMO_SOM20_REPORT["suggested_actions"]
    assert {d["due_meeting"].code for d in drafts} == {"SOM21"}
    leads = ["EMG Secretariat", "IMG Biodiversity", "IMG Green Economy", "IMG ESM", "EMG Secretariat"]
    bodies = {b.short_name: b.pk for b in LeadBody.objects.all()}
    data = {"form-TOTAL_FORMS": "5", "form-INITIAL_FORMS": "5"}
    for i, (draft, short) in enumerate(zip(drafts, leads, strict=True)):
        data |= {f"form-{i}-keep": "on", f"form-{i}-reference": draft["reference"], f"form-{i}-text": draft["text"],
                 f"form-{i}-lead_body": bodies[short], f"form-{i}-due_meeting": draft["due_meeting"].pk}
    assert sec.post(url, data).status_code == 302
    actions = list(Decision.objects.filter(meeting__code="SOM20", kind="action").order_by("order"))
    assert [a.reference for a in actions] == [f"SOM20 action {n}" for n in range(1, 6)]

    green = actions[2]
    response = lead.post(reverse("decisions:action-update-create", args=[green.pk]),
                         {"reported_status": "in_progress", "narrative": "The approach is drafted."})
    assert response.status_code == 302
    update = ActionUpdate.objects.get(decision=green)
    sec.post(reverse("decisions:action-update-accept", args=[update.pk]))
    assert update.history.latest().history_date.date() == datetime.date(2014, 9, 10)  # on the demo's clock

    today = datetime.date(2014, 9, 10)
    snap = report_snapshot(plan=seed_plan, kind="som", meeting=Meeting.objects.get(code="SOM21"), as_of=today,
                           symbol="EMG/SOM.21/3", issued_on=today)
    rows = snap["followup"]["rows"]
    assert snap["followup"]["meeting"] == "SOM20"
    assert [r["reference"] for r in rows] == [a.reference for a in actions]
    assert [(r["status_display"], len(r["progress"])) for r in rows] == [
        ("Open", 0), ("Open", 0), ("In progress", 1), ("Open", 0), ("Open", 0)]
