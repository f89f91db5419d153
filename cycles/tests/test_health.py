"""Derived health, rule by rule, at the boundaries; the database annotation agrees with the Python rules."""
import datetime

import pytest
from django.urls import reverse

from activities.models import Milestone
from cycles.health import CLOSED, DUE_SOON, ON_TRACK, OVERDUE, STALE, health_of, with_health
from cycles.models import ReportingCycle

from .conftest import milestone, update

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2014, 6, 2)


def _both(m, today=TODAY):
    """Health by the annotation and by the per-object function; they must agree."""
    annotated = with_health(Milestone.objects.filter(pk=m.pk), today).get().health
    assert annotated == health_of(Milestone.objects.get(pk=m.pk), today=today)
    return annotated


@pytest.fixture
def a1a(seed_plan, demo_users):
    m = milestone("A.1", "a")
    m.due_meeting = None
    m.due_date = TODAY + datetime.timedelta(days=200)
    m.status = "on_track"
    m.save()
    return m


def _fresh(m, users, days_old):
    update(m, state="accepted", author=users["biodiversity-lead"], reviewer=users["secretariat"],
           end=TODAY - datetime.timedelta(days=days_old))


def test_due_today_is_due_soon_and_due_yesterday_is_overdue(a1a, demo_users):
    _fresh(a1a, demo_users, 1)
    Milestone.objects.filter(pk=a1a.pk).update(due_date=TODAY)
    assert _both(a1a) == DUE_SOON
    Milestone.objects.filter(pk=a1a.pk).update(due_date=TODAY - datetime.timedelta(days=1))
    assert _both(a1a) == OVERDUE


def test_completed_or_cancelled_is_closed_even_when_past_due(a1a):
    Milestone.objects.filter(pk=a1a.pk).update(due_date=TODAY - datetime.timedelta(days=30), status="completed",
                                               completed_on=TODAY)
    assert _both(a1a) == CLOSED
    Milestone.objects.filter(pk=a1a.pk).update(status="cancelled", completed_on=None)
    assert _both(a1a) == CLOSED


def test_update_exactly_90_days_old_is_on_track_and_91_is_stale(a1a, demo_users):
    _fresh(a1a, demo_users, 90)
    assert _both(a1a) == ON_TRACK
    a1a.updates.update(period_end=TODAY - datetime.timedelta(days=91))
    assert _both(a1a) == STALE


def test_no_accepted_update_is_stale_and_drafts_do_not_count(a1a, demo_users):
    assert _both(a1a) == STALE
    update(a1a, state="submitted", author=demo_users["biodiversity-lead"], end=TODAY)
    assert _both(a1a) == STALE


def test_stale_days_is_configurable(a1a, demo_users, settings):
    _fresh(a1a, demo_users, 40)
    assert _both(a1a) == ON_TRACK
    settings.EMG_STALE_DAYS = 30
    assert _both(a1a) == STALE


def test_open_cycle_sets_due_soon_horizon_and_the_stale_start(a1a, demo_users, seed_plan):
    from accomplishments.models import Meeting

    som20 = Meeting.objects.get(code="SOM20")  # 25 September 2014
    _fresh(a1a, demo_users, 10)  # accepted, period ending 23 May 2014
    Milestone.objects.filter(pk=a1a.pk).update(due_date=som20.start_date)
    assert _both(a1a) == ON_TRACK  # beyond the 30-day fallback horizon, no cycle yet
    cycle = ReportingCycle.objects.create(
        work_plan=seed_plan, meeting=som20, period_start=datetime.date(2014, 1, 1),
        cut_off=datetime.date(2014, 8, 29), review_deadline=datetime.date(2014, 9, 12))
    assert _both(a1a) == DUE_SOON  # due on the cycle's meeting day
    Milestone.objects.filter(pk=a1a.pk).update(due_date=som20.start_date + datetime.timedelta(days=1))
    assert _both(a1a) == ON_TRACK
    cycle.period_start = datetime.date(2014, 5, 24)  # the accepted update ends before the cycle began
    cycle.save()
    assert _both(a1a) == STALE
    cycle.status = "closed"
    cycle.save()
    assert _both(a1a) == ON_TRACK


def test_health_filter_on_the_milestone_list(client_as, a1a, settings):
    settings.EMG_TODAY = TODAY.isoformat()
    Milestone.objects.filter(pk=a1a.pk).update(due_date=TODAY - datetime.timedelta(days=1))
    html = client_as("viewer").get("/milestones/", {"health": "overdue"}).content.decode()
    assert f'data-id="{a1a.pk}"' in html and "Overdue" in html
    overdue = with_health(Milestone.objects.filter(activity__accomplishment__work_plan=a1a.activity.accomplishment
                                                   .work_plan), TODAY).filter(health=OVERDUE).count()
    assert html.count("<tr data-id=") == min(overdue, 25)
    html = client_as("viewer").get("/milestones/", {"health": "on_track"}).content.decode()
    assert f'data-id="{a1a.pk}"' not in html


@pytest.mark.parametrize("url", ["/", "/my-work/", "/dashboard/", "/milestones/"])
def test_health_shown_in_words_and_shape(client_as, a1a, settings, url):
    settings.EMG_TODAY = TODAY.isoformat()
    html = client_as("biodiversity-lead").get(url).content.decode()
    assert 'class="badge health health-' in html
    assert '<span aria-hidden="true">◌</span> Stale' in html or "Overdue" in html


def _badges(html):
    """{milestone id: health value} of the milestone rows on a page."""
    import re

    rows = re.findall(r'<tr id="milestone-(\d+)">(.*?)</tr>', html, flags=re.S)
    return {int(pk): (re.search(r'class="badge health health-(\w+)"', row) or [None, None])[1] for pk, row in rows}


def test_every_milestone_row_carries_its_own_health(client_as, a1a, settings):
    """Rows read their health with the milestone (activities.row_figures), on every page that shows them."""
    settings.EMG_TODAY = TODAY.isoformat()
    Milestone.objects.filter(pk=a1a.pk).update(due_date=TODAY - datetime.timedelta(days=1))
    plan = a1a.activity.accomplishment.work_plan
    expected = dict(with_health(Milestone.objects.filter(activity__accomplishment__work_plan=plan), TODAY)
                    .values_list("pk", "health"))
    assert expected[a1a.pk] == OVERDUE and len(set(expected.values())) > 1
    client = client_as("secretariat")
    assert _badges(client.get("/", {"ea": "all"}).content.decode()) == expected
    on_activity = _badges(client.get(reverse("activities:activity-detail", args=[a1a.activity_id])).content.decode())
    assert on_activity and on_activity == {pk: expected[pk] for pk in on_activity}
    detail = client.get(reverse("activities:milestone-detail", args=[a1a.pk])).content.decode()
    assert _badges(detail) == {a1a.pk: OVERDUE}
    status_url = reverse("activities:milestone-status", args=[a1a.pk])
    row = client.get(status_url, {"show": "row"}, HTTP_HX_REQUEST="true").content.decode()
    assert _badges(row) == {a1a.pk: OVERDUE}
    a1a.refresh_from_db()
    saved = client.post(status_url, {f"m{a1a.pk}-status": "completed", f"m{a1a.pk}-completed_on": "2014-06-01",
                                     f"m{a1a.pk}-version": a1a.version, f"m{a1a.pk}-due_date": a1a.due_date.isoformat(),
                                     f"m{a1a.pk}-due_meeting": a1a.due_meeting_id or ""},
                        HTTP_HX_REQUEST="true").content.decode()
    assert _badges(saved) == {a1a.pk: "closed"}  # the row as saved, not as it was read before the change
