"""A real Celery worker on a real broker compiles a report requested through the web page.

Needs PostgreSQL (the worker process must see the test database's committed rows) and a broker
(EMG_TEST_BROKER_URL). Skips without them, unless EMG_REQUIRE_POSTGRES=1: then it fails.
"""
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.urls import reverse

from reports.models import Report

from .conftest import ACCEPTED, DRAFT
from .test_documents import pdf_text

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

READY_TIMEOUT = 90


def _broker_url(base: str) -> str:
    """One Redis database per xdist worker, so parallel runs never take each other's messages."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    index = int(worker[2:]) if worker[2:].isdigit() else 0
    parts = urlsplit(base)
    if parts.scheme not in ("redis", "rediss") or index == 0:
        return base
    number = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(number + index) % 16}"))


def _database_url() -> str:
    s = connection.settings_dict
    auth = quote(s["USER"] or "") + (f":{quote(s['PASSWORD'])}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _requirements():
    missing = []
    if not os.environ.get("EMG_TEST_BROKER_URL"):
        missing.append("EMG_TEST_BROKER_URL is unset")
    if connection.vendor != "postgresql":
        missing.append("the database is not PostgreSQL")
    if missing:
        if os.environ.get("EMG_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"worker tests must run here: {'; '.join(missing)}")
        pytest.skip("; ".join(missing))


@pytest.fixture
def celery_worker_process(transactional_db, settings, tmp_path):
    """Start `celery -A emgplan worker` on the test database and broker; switch the web side off eager."""
    _requirements()
    from emgplan.celery import app

    broker = _broker_url(os.environ["EMG_TEST_BROKER_URL"])
    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url")}
    app.conf.update(task_always_eager=False, broker_url=broker)
    _reset_connections(app)
    app.control.purge()  # messages left by an interrupted run must not reach this worker

    log = tmp_path / "worker.log"
    env = {**os.environ, "CELERY_BROKER_URL": broker, "DATABASE_URL": _database_url(),
           "MEDIA_ROOT": str(settings.MEDIA_ROOT), "LOG_LEVEL": "INFO"}
    command = [sys.executable, "-m", "celery", "-A", "emgplan", "worker", "--pool", "solo", "-l", "info",
               "--without-gossip", "--without-mingle", "--without-heartbeat",
               "-n", f"reports-test-{uuid.uuid4().hex[:8]}@%h"]
    with open(log, "w") as out:
        process = subprocess.Popen(command, cwd=django_settings.BASE_DIR, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_for(lambda: "ready." in log.read_text() or process.poll() is not None, 60)
        if process.poll() is not None or "ready." not in log.read_text():
            pytest.fail(f"the Celery worker did not start:\n{log.read_text()[-3000:]}")
        yield log
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)
        app.conf.update(saved)
        _reset_connections(app)


def _reset_connections(app):
    """Drop pooled broker connections so the next publish uses the broker now configured."""
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None


def _wait_for(condition, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.25)
    return False


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

    assert _wait_for(ready, READY_TIMEOUT), f"still {report.state}:\n{celery_worker_process.read_text()[-3000:]}"
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
