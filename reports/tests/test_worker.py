"""A real Celery worker on a real broker compiles a report requested through the web page.

Needs PostgreSQL (the worker process must see the test database's committed rows) and a broker
(EMG_TEST_BROKER_URL). Skips without them, unless EMG_REQUIRE_POSTGRES=1: then it fails.
"""
from pathlib import Path

import pytest
from django.urls import reverse

from devtools.testing import start_worker, wait_for
from reports.models import Report

from .conftest import ACCEPTED, DRAFT
from .test_documents import pdf_text

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

READY_TIMEOUT = 90


@pytest.fixture
def celery_worker_process(transactional_db, settings, tmp_path):
    """A real worker on the test database and broker; the web side is off eager mode meanwhile."""
    log, stop = start_worker(tmp_path, "reports", MEDIA_ROOT=str(settings.MEDIA_ROOT))
    yield log
    stop()


def test_report_requested_on_the_page_is_compiled_by_a_real_worker(celery_worker_process, client, progress, settings):
    settings.EMG_TODAY = "2014-09-20"
    client.force_login(progress["chair"])
    from accomplishments.models import Meeting

    response = client.post(reverse("reports:create"), {
        "kind": "som", "meeting": Meeting.objects.get(code="SOM20").pk, "as_of": "2014-09-01",
        "symbol": "EMG/SOM.20/3",
    })
    report = Report.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("reports:detail", args=[report.pk])

    def ready():
        report.refresh_from_db()
        return report.state in ("ready", "failed")

    assert wait_for(ready, READY_TIMEOUT), f"still {report.state}:\n{celery_worker_process.read_text()[-3000:]}"
    assert report.state == "ready", report.failure_reason
    log = celery_worker_process.read_text()
    assert "Task reports.tasks.compile_report[" in log and "succeeded" in log  # the worker ran it, not eager mode

    fragment = client.get(reverse("reports:status", args=[report.pk]), headers={"HX-Request": "true"})
    assert b"Ready" in fragment.content and b"hx-trigger" not in fragment.content
    pdf = b"".join(client.get(reverse("reports:download", args=[report.pk, "pdf"])).streaming_content)
    text = pdf_text(pdf)
    assert ACCEPTED[("A.1", "a")] in text and DRAFT not in text
    for fmt in ("docx", "xlsx"):
        download = client.get(reverse("reports:download", args=[report.pk, fmt]))
        assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"PK")
    assert len(list(Path(settings.MEDIA_ROOT, "reports", str(report.uuid)).iterdir())) == 3


@pytest.fixture
def worker_factory(transactional_db, settings, tmp_path):
    """Start real workers one after the other (each stopped before the next starts), with extra settings."""
    running = []

    def start(name, **env):
        if running:
            running.pop()()
        log, stop = start_worker(tmp_path, name, MEDIA_ROOT=str(settings.MEDIA_ROOT), **env)
        running.append(stop)
        return log

    yield start
    if running:
        running.pop()()


def test_a_worker_killed_during_a_compile_ends_failed_with_try_again_then_ready(
        worker_factory, client, progress, settings):
    """SIGKILL mid-compile, no beat: the page itself finds the stale heartbeat; Try again on a new worker works."""
    import os
    import signal
    import time

    settings.EMG_TODAY = "2014-09-20"
    settings.REPORTS_HEARTBEAT_STALE = 3
    # The doomed worker compiles slowly (a test-only delay) and beats every half second.
    log = worker_factory("doomed", REPORTS_TEST_COMPILE_DELAY="60", REPORTS_HEARTBEAT_INTERVAL="0.5")
    client.force_login(progress["chair"])
    from accomplishments.models import Meeting

    client.post(reverse("reports:create"), {"kind": "som", "meeting": Meeting.objects.get(code="SOM20").pk,
                                            "as_of": "2014-09-01", "symbol": "EMG/SOM.20/3"})
    report = Report.objects.get()

    def beating():
        report.refresh_from_db()
        return report.state == "running" and report.heartbeat_at and report.heartbeat_at > report.started_at

    assert wait_for(beating, 60), f"never ran with a heartbeat ({report.state}):\n{log.read_text()[-3000:]}"
    pid = int(report.worker.rsplit(" pid ", 1)[1])
    os.kill(pid, signal.SIGKILL)
    killed = time.monotonic()

    def failed_on_the_page():
        fragment = client.get(reverse("reports:status", args=[report.pk]), headers={"HX-Request": "true"})
        return b"The report worker stopped while compiling. Try again." in fragment.content

    assert wait_for(failed_on_the_page, 30)
    detected = time.monotonic() - killed
    assert detected < 3 + 5  # the stale threshold plus polling slack; no beat involved
    page = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert "Try again" in page and reverse("reports:retry", args=[report.pk]) in page

    worker_factory("fresh")
    from django.test import Client

    secretariat = Client()
    secretariat.force_login(progress["secretariat"])
    workers = secretariat.get(reverse("reports:workers")).content.decode()  # a real ping through the broker
    assert "1 worker answering." in workers and "fresh-test-" in workers
    client.post(reverse("reports:retry", args=[report.pk]))

    def finished():
        report.refresh_from_db()
        return report.state in ("ready", "failed")

    assert wait_for(finished, READY_TIMEOUT) and report.state == "ready", report.failure_reason
    assert report.attempts == 2 and " pid " in report.worker and str(pid) not in report.worker
    print(f"dead worker detected {detected:.1f} s after SIGKILL")
