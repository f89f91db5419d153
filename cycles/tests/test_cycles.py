"""Completeness figures, the cycle pages and form, the beat schedule and the daily job's query budget."""
import datetime

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from accomplishments.models import Meeting
from activities.models import Milestone, ProgressUpdate
from cycles.models import ReportingCycle
from cycles.selectors import cycle_completeness, cycle_for_meeting
from cycles.services import reminders_due
from devtools.generate import plan_generate

from .conftest import CUT_OFF, PERIOD_START, REVIEW, milestone, update

pytestmark = pytest.mark.django_db


def test_completeness_matches_an_independent_count(som20_cycle, demo_users):
    users = demo_users
    update(milestone("A.1", "a"), state="accepted", author=users["biodiversity-lead"], reviewer=users["secretariat"])
    update(milestone("A.1", "b"), state="submitted", author=users["biodiversity-lead"])
    update(milestone("A.1", "c"), state="accepted", author=users["biodiversity-lead"], reviewer=users["secretariat"],
           end=datetime.date(2013, 12, 31))  # before the cycle: does not count
    update(milestone("A.2", "a"), state="returned", author=users["greeneconomy-lead"], reviewer=users["secretariat"])
    Milestone.objects.filter(pk=milestone("A.2", "b").pk).update(status="cancelled")
    c = cycle_completeness(som20_cycle)

    counts = {}
    for m in Milestone.objects.filter(activity__accomplishment__work_plan=som20_cycle.work_plan).select_related(
            "activity__lead_body"):
        if m.status == "cancelled" or (m.status == "completed" and m.completed_on < PERIOD_START):
            continue
        states = {u.review_state for u in ProgressUpdate.objects.filter(milestone=m, period_end__gte=PERIOD_START)}
        state = "accepted" if "accepted" in states else "submitted" if "submitted" in states else "missing"
        key = m.activity.lead_body.name if m.activity.lead_body else "No lead body named"
        counts.setdefault(key, {"accepted": 0, "submitted": 0, "missing": 0})[state] += 1
    assert {r.label: {"accepted": r.accepted, "submitted": r.submitted, "missing": r.missing}
            for r in c.by_lead_body} == counts
    assert c.overall.total == sum(sum(v.values()) for v in counts.values())
    assert c.overall.accepted == 1 and c.overall.submitted == 1 and not c.complete
    bio = next(r for r in c.by_lead_body if r.label == "IMG on biodiversity")
    assert (bio.accepted, bio.submitted, bio.percent) == (1, 1, 100 * 1 // bio.total)
    assert cycle_for_meeting(som20_cycle.meeting) == som20_cycle


def test_completeness_partial_warns(som20_cycle, client_as):
    from django.template.loader import render_to_string

    html = render_to_string("cycles/partials/_completeness.html", {"completeness": cycle_completeness(som20_cycle)})
    assert "Incomplete" in html and "0% complete" in html and 'role="alert"' in html


def test_cycle_pages_and_close_with_confirmation(som20_cycle, client_as):
    client = client_as("secretariat")
    html = client.get(reverse("cycles:cycle-detail", args=[som20_cycle.pk])).content.decode()
    assert "SOM20" in html and "Missing" in html and "IMG on biodiversity" in html
    assert "Close the cycle" in html
    confirm = client.get(reverse("cycles:cycle-close", args=[som20_cycle.pk]))
    assert b"Yes, close the cycle for SOM20" in confirm.content
    som20_cycle.refresh_from_db()
    assert som20_cycle.is_open
    response = client.post(reverse("cycles:cycle-close", args=[som20_cycle.pk]), follow=True)
    som20_cycle.refresh_from_db()
    assert not som20_cycle.is_open and b"closed: no more reminders" in response.content
    assert b"Reporting cycles" in client.get(reverse("cycles:cycle-list")).content


def _data(**over):
    data = {"work_plan": Meeting.objects.none(), "meeting": Meeting.objects.get(code="SOM20").pk,
            "period_start": "2014-01-01", "cut_off": "2014-08-29", "review_deadline": "2014-09-12"}
    from accomplishments.models import WorkPlan

    data["work_plan"] = WorkPlan.objects.get(symbol="EMG/SOM.19/03/Rev.1").pk
    data.update(over)
    return data


def test_form_refuses_bad_dates_with_clear_errors(seed_plan, client_as):
    client = client_as("secretariat")
    url = reverse("cycles:cycle-create")
    html = client.post(url, _data(cut_off="2014-09-30", review_deadline="2014-10-01")).content.decode()
    assert "The cut-off must come before the meeting (SOM20 starts on 25 September 2014)." in html
    html = client.post(url, _data(review_deadline="2014-08-01")).content.decode()
    assert "The review deadline cannot be before the cut-off (29 August 2014)." in html
    assert not ReportingCycle.objects.exists()
    response = client.post(url, _data(), follow=True)
    assert b"Reporting cycle for SOM20 opened" in response.content
    html = client.post(url, _data()).content.decode()
    assert "A cycle for this meeting is already open." in html
    assert ReportingCycle.objects.count() == 1


def test_beat_schedule_is_registered():
    from emgplan.celery import app

    entry = django_settings.CELERY_BEAT_SCHEDULE["cycles-send-reminders"]
    assert entry["task"] == "cycles.tasks.send_reminders"
    app.loader.import_default_modules()
    assert "cycles.tasks.send_reminders" in app.tasks
    assert app.conf.beat_schedule["cycles-send-reminders"]["task"] == "cycles.tasks.send_reminders"


@pytest.mark.django_db(transaction=True)  # the scheduler closes the database connection, as beat does
def test_beat_database_scheduler_stores_the_task():
    from django_celery_beat.models import PeriodicTask
    from django_celery_beat.schedulers import DatabaseScheduler

    from emgplan.celery import app

    DatabaseScheduler(app=app).setup_schedule()
    assert PeriodicTask.objects.filter(name="cycles-send-reminders", task="cycles.tasks.send_reminders").exists()


def test_daily_job_query_count_does_not_grow(som20_cycle, django_assert_max_num_queries, seed_plan):
    counts = []
    for day in (CUT_OFF - datetime.timedelta(days=14), CUT_OFF + datetime.timedelta(days=7)):
        with django_assert_max_num_queries(12) as ctx:
            assert reminders_due(today=day)
        counts.append(len(ctx.captured_queries))
    som20_cycle.delete()
    big = plan_generate(scale=10)
    assert Milestone.objects.filter(activity__accomplishment__work_plan=big).count() > 200
    ReportingCycle.objects.create(work_plan=big, meeting=Meeting.objects.get(code="SOM20"),
                                  period_start=PERIOD_START, cut_off=CUT_OFF, review_deadline=REVIEW)
    large = []
    for day in (CUT_OFF - datetime.timedelta(days=14), CUT_OFF + datetime.timedelta(days=7)):
        with django_assert_max_num_queries(12) as ctx:
            due = reminders_due(today=day)
            assert len({r.user.pk for r in due}) > 10 or day > CUT_OFF
        large.append(len(ctx.captured_queries))
    assert counts == large, (counts, large)
    print("\ndaily job queries (before cut-off, after cut-off): seed", counts, "scale 10", large)
