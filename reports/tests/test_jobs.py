"""The job: idempotent, fails readably, retries transient errors, and stuck jobs are swept."""
import datetime

import pytest
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from accomplishments.models import Meeting
from reports import services
from reports.models import Report
from reports.tasks import compile_report, sweep_stuck_reports

from .conftest import AS_OF

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(seed_plan, demo_users):
    return Report.objects.create(work_plan=seed_plan, kind="som", meeting=Meeting.objects.get(code="SOM20"),
                                 as_of=AS_OF, symbol="EMG/SOM.20/3", issued_on=AS_OF,
                                 requested_by=demo_users["chair"])


def _files(settings, report):
    folder = settings.MEDIA_ROOT / "reports" / str(report.uuid)
    return sorted(p.name for p in folder.iterdir())


def test_running_the_task_twice_leaves_one_set_of_files(settings, report):
    compile_report.delay(report.pk)
    report.refresh_from_db()
    assert report.state == "ready" and report.snapshot["symbol"] == "EMG/SOM.20/3"
    first = (report.pdf.name, report.docx.name, report.xlsx.name)
    compile_report.delay(report.pk)  # a redelivered message: the ready report is left alone
    services.report_compile(report_id=report.pk, force=True)  # and a forced rebuild replaces, never adds
    report.refresh_from_db()
    assert (report.pdf.name, report.docx.name, report.xlsx.name) == first
    assert _files(settings, report) == ["EMG-SOM-20-3.docx", "EMG-SOM-20-3.pdf", "EMG-SOM-20-3.xlsx"]
    assert report.attempts == 2


def test_a_rerun_after_a_lost_worker_finishes_the_job(settings, report):
    """A worker died mid-job: the row says running, the broker delivers the message again."""
    Report.objects.filter(pk=report.pk).update(state="running", started_at=timezone.now(), attempts=1)
    compile_report.delay(report.pk)
    report.refresh_from_db()
    assert report.state == "ready" and report.attempts == 2
    assert len(_files(settings, report)) == 3


def test_task_for_a_deleted_report_returns_quietly(report):
    pk = report.pk
    report.delete()
    assert compile_report.apply(args=[pk]).get() is None


def test_a_renderer_that_raises_fails_the_report_and_try_again_succeeds(
    monkeypatch, client_as, report, settings, django_capture_on_commit_callbacks
):
    from reports import renderers

    real = renderers.renderer_for

    def broken(fmt):
        if fmt == "docx":
            def render(snapshot):
                raise RuntimeError("the Word template is missing a style")
            return render
        return real(fmt)

    monkeypatch.setattr(services, "renderer_for", broken)
    compile_report.delay(report.pk)
    report.refresh_from_db()
    assert report.state == "failed"
    assert report.failure_reason == "Compiling the documents failed: the Word template is missing a style"

    client = client_as("chair")
    page = client.get(reverse("reports:detail", args=[report.pk]))
    assert b"the Word template is missing a style" in page.content and b"Try again" in page.content

    monkeypatch.setattr(services, "renderer_for", real)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:retry", args=[report.pk]), follow=True)
    report.refresh_from_db()
    assert report.state == "ready" and report.failure_reason == ""
    assert b"queued again" in response.content
    assert len(_files(settings, report)) == 3


def test_retry_refuses_a_report_that_has_not_failed(client_as, report):
    response = client_as("chair").post(reverse("reports:retry", args=[report.pk]), follow=True)
    assert b"Only a failed report can be tried again." in response.content


def test_transient_errors_are_retried(monkeypatch, report):
    calls = []
    real = services.report_snapshot_build

    def flaky(*, report):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(report=report)

    monkeypatch.setattr(services, "report_snapshot_build", flaky)
    compile_report.apply(args=[report.pk])
    report.refresh_from_db()
    assert len(calls) == 2 and report.state == "ready"


def test_transient_errors_give_up_after_the_last_retry(monkeypatch, report, settings):
    def down(*, report):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(services, "report_snapshot_build", down)
    monkeypatch.setattr(compile_report, "max_retries", 1)
    compile_report.apply(args=[report.pk])
    report.refresh_from_db()
    assert report.state == "failed" and "could not connect to server" in report.failure_reason


def test_sweep_fails_jobs_stuck_past_their_limit(report, settings, seed_plan, demo_users):
    long_ago = timezone.now() - datetime.timedelta(seconds=settings.REPORTS_TIME_LIMIT + 3600)
    Report.objects.filter(pk=report.pk).update(state="running", started_at=long_ago)
    fresh = Report.objects.create(work_plan=seed_plan, kind="som", meeting=report.meeting, as_of=AS_OF,
                                  symbol="EMG/SOM.20/4", issued_on=AS_OF, state="running",
                                  started_at=timezone.now())
    assert sweep_stuck_reports.delay().get() == 1
    report.refresh_from_db()
    fresh.refresh_from_db()
    assert report.state == "failed" and "stopped without finishing" in report.failure_reason
    assert fresh.state == "running"


def test_sweep_is_in_the_beat_schedule(settings):
    from emgplan.celery import app

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "reports.tasks.sweep_stuck_reports" in tasks and "reports.tasks.sweep_stuck_reports" in app.tasks
    assert compile_report.acks_late and compile_report.reject_on_worker_lost
    assert compile_report.soft_time_limit < compile_report.time_limit


def test_a_corrected_symbol_is_printed_when_the_report_is_rebuilt(settings, report, demo_users,
                                                                   django_capture_on_commit_callbacks):
    compile_report.delay(report.pk)
    report.refresh_from_db()
    data_before = report.snapshot["accomplishments"]
    Report.objects.filter(pk=report.pk).update(symbol="EMG/SOM.20/3/Rev.1")
    with django_capture_on_commit_callbacks(execute=True):
        services.report_rebuild(report=report, by=demo_users["secretariat"])
    report.refresh_from_db()
    assert report.state == "ready" and report.snapshot["symbol"] == "EMG/SOM.20/3/Rev.1"
    assert report.snapshot["accomplishments"] == data_before
    assert _files(settings, report) == ["EMG-SOM-20-3-Rev-1.docx", "EMG-SOM-20-3-Rev-1.pdf", "EMG-SOM-20-3-Rev-1.xlsx"]
