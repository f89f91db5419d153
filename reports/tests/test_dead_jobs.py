"""The Chair is never left waiting on a dead job: the pages themselves notice it, no scheduler needed."""
import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accomplishments.models import Meeting
from emgplan import health
from reports import services
from reports.models import Report

from .conftest import AS_OF

pytestmark = pytest.mark.django_db

DEAD = b"The report worker stopped while compiling. Try again."
NO_WORKER = b"No report worker is running: the secretariat has been told."


@pytest.fixture
def report(seed_plan, demo_users):
    return Report.objects.create(work_plan=seed_plan, kind="som", meeting=Meeting.objects.get(code="SOM20"),
                                 as_of=AS_OF, symbol="EMG/SOM.20/3", issued_on=AS_OF,
                                 requested_by=demo_users["chair"])


def _running(report, *, heartbeat_age):
    beat = timezone.now() - datetime.timedelta(seconds=heartbeat_age)
    Report.objects.filter(pk=report.pk).update(state="running", started_at=beat - datetime.timedelta(seconds=5),
                                               heartbeat_at=beat, worker="reports@host", attempts=1)


def test_a_running_report_with_a_stale_heartbeat_shows_failed_with_try_again(client_as, report, settings):
    settings.REPORTS_HEARTBEAT_STALE = 90
    _running(report, heartbeat_age=91)
    page = client_as("chair").get(reverse("reports:detail", args=[report.pk]))
    assert DEAD in page.content and b"Try again" in page.content and b"hx-trigger" not in page.content
    report.refresh_from_db()
    assert report.state == "failed" and report.finished_at is not None


def test_the_status_poll_notices_the_dead_worker_too(client_as, report):
    _running(report, heartbeat_age=600)
    fragment = client_as("chair").get(reverse("reports:status", args=[report.pk]), headers={"HX-Request": "true"})
    assert DEAD in fragment.content and b"Try again" in fragment.content


def test_a_fresh_heartbeat_keeps_the_job_running(client_as, report, settings):
    settings.REPORTS_HEARTBEAT_STALE = 90
    _running(report, heartbeat_age=30)
    page = client_as("chair").get(reverse("reports:detail", args=[report.pk]))
    assert b"Running" in page.content and DEAD not in page.content
    report.refresh_from_db()
    assert report.state == "running"


def test_the_list_fails_dead_jobs_and_try_again_compiles(client_as, report, progress,
                                                         django_capture_on_commit_callbacks):
    _running(report, heartbeat_age=3600)
    client = client_as("chair")
    listing = client.get(reverse("reports:list"))
    assert b"Failed" in listing.content
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:retry", args=[report.pk]))
    report.refresh_from_db()
    assert report.state == "ready" and report.attempts == 2


def test_a_heartbeat_from_before_the_column_existed_falls_back_to_the_start(report, settings):
    long_ago = timezone.now() - datetime.timedelta(seconds=settings.REPORTS_HEARTBEAT_STALE + 1)
    Report.objects.filter(pk=report.pk).update(state="running", started_at=long_ago, heartbeat_at=None)
    assert services.reports_fail_dead() == 1
    assert services.reports_fail_dead() == 0  # safe to repeat


@pytest.fixture
def no_worker(monkeypatch):
    """A broker but no worker: every ping goes unanswered. Counts the pings."""
    pings = []
    monkeypatch.setattr(services, "reports_eager", lambda: False)
    monkeypatch.setattr(health, "workers_ping", lambda **kw: pings.append(1) or {})
    return pings


def _queued_for(report, seconds):
    Report.objects.filter(pk=report.pk).update(requested_at=timezone.now() - datetime.timedelta(seconds=seconds))


def test_a_job_queued_with_no_worker_warns_after_the_threshold(client_as, report, no_worker, settings, demo_users):
    settings.REPORTS_NO_WORKER_AFTER = 60
    demo_users["secretariat"].email = "secretariat@example.org"
    demo_users["secretariat"].save()
    client = client_as("chair")
    _queued_for(report, 30)
    assert NO_WORKER not in client.get(reverse("reports:detail", args=[report.pk])).content
    assert no_worker == []  # too early to ask

    _queued_for(report, 61)
    page = client.get(reverse("reports:detail", args=[report.pk]))
    assert NO_WORKER in page.content and b"hx-trigger" in page.content  # still polling: a worker may start
    fragment = client.get(reverse("reports:status", args=[report.pk]), headers={"HX-Request": "true"})
    assert NO_WORKER in fragment.content
    assert len(no_worker) == 1  # the answer is kept a few seconds in the shared cache
    assert [m.to for m in mail.outbox] == [["secretariat@example.org"]]
    assert "no report worker is running" in mail.outbox[0].subject


def test_a_worker_answering_means_no_warning(client_as, report, monkeypatch):
    monkeypatch.setattr(services, "reports_eager", lambda: False)
    monkeypatch.setattr(health, "workers_ping", lambda **kw: {"reports@host": {"ok": "pong"}})
    _queued_for(report, 3600)
    assert NO_WORKER not in client_as("chair").get(reverse("reports:detail", args=[report.pk])).content


def test_in_eager_mode_nobody_is_pinged(client_as, report, monkeypatch):
    monkeypatch.setattr(health, "workers_ping", lambda **kw: pytest.fail("eager mode has no worker to ping"))
    _queued_for(report, 3600)
    assert NO_WORKER not in client_as("chair").get(reverse("reports:detail", args=[report.pk])).content


def test_the_secretariat_sees_the_workers_state(client_as, report, no_worker):
    _queued_for(report, 120)
    client = client_as("secretariat")
    assert reverse("reports:workers").encode() in client.get(reverse("reports:list")).content
    page = client.get(reverse("reports:workers"))
    assert page.status_code == 200
    assert b"No report worker is running." in page.content and b"EMG/SOM.20/3" in page.content
    assert b"Reports waiting in the queue</dt><dd class=\"col-sm-8\">1 (the oldest for 12" in page.content


def test_the_workers_page_lists_the_answering_workers(client_as, monkeypatch):
    monkeypatch.setattr(services, "reports_eager", lambda: False)
    monkeypatch.setattr(health, "workers_ping", lambda **kw: {"reports@host": {"ok": "pong"}})
    page = client_as("secretariat").get(reverse("reports:workers"))
    assert b"1 worker answering." in page.content and b"<code>reports@host</code>" in page.content


def test_a_broker_that_cannot_be_reached_counts_as_no_worker(client_as, monkeypatch):
    def unreachable(**kw):
        raise ConnectionRefusedError("Connection refused")

    monkeypatch.setattr(services, "reports_eager", lambda: False)
    monkeypatch.setattr(health, "workers_ping", unreachable)
    assert b"No report worker is running." in client_as("secretariat").get(reverse("reports:workers")).content


@pytest.mark.parametrize("role", ["chair", "viewer", "biodiversity-lead"])
def test_only_the_secretariat_sees_the_workers_page(client_as, role):
    assert client_as(role).get(reverse("reports:workers")).status_code == 403
    assert reverse("reports:workers").encode() not in client_as(role).get(reverse("reports:list")).content


def test_the_task_records_its_worker_and_heartbeat(report, progress, monkeypatch):
    """The compile stamps who runs it and when it last showed signs of life."""
    seen = {}
    real = services.report_files_write

    def spy(*, report, snapshot):
        row = Report.objects.get(pk=report.pk)
        seen.update(state=row.state, worker=row.worker, heartbeat_at=row.heartbeat_at)
        return real(report=report, snapshot=snapshot)

    monkeypatch.setattr(services, "report_files_write", spy)
    services.report_compile(report_id=report.pk, worker="reports@host")
    assert seen["state"] == "running" and seen["worker"] == "reports@host" and seen["heartbeat_at"] is not None
