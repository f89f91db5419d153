"""The periodic reminder task runs on a real Celery worker against the test database.

Needs PostgreSQL and a broker (EMG_TEST_BROKER_URL); skips without them unless EMG_REQUIRE_POSTGRES=1.
"""
import os
import signal
import subprocess
import sys
import time
import uuid
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.db import connection

from accomplishments.models import Meeting, WorkPlan
from cycles.models import ReminderSent, ReportingCycle

from .conftest import CUT_OFF, PERIOD_START, REVIEW

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


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


def _database_url() -> str:
    s = connection.settings_dict
    auth = quote(s["USER"] or "") + (f":{quote(s['PASSWORD'])}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _wait_for(condition, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.25)
    return False


def _reset(app):
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def worker(transactional_db, tmp_path):
    _requirements()
    from emgplan.celery import app

    broker = os.environ["EMG_TEST_BROKER_URL"]
    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url")}
    app.conf.update(task_always_eager=False, broker_url=broker)
    _reset(app)
    app.control.purge()
    log = tmp_path / "worker.log"
    env = {**os.environ, "CELERY_BROKER_URL": broker, "DATABASE_URL": _database_url(), "LOG_LEVEL": "INFO",
           "EMG_TODAY": "", "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    command = [sys.executable, "-m", "celery", "-A", "emgplan", "worker", "--pool", "solo", "-l", "info",
               "--without-gossip", "--without-mingle", "--without-heartbeat", "-Q", "celery",
               "-n", f"cycles-test-{uuid.uuid4().hex[:8]}@%h"]
    with open(log, "w") as out:
        process = subprocess.Popen(command, cwd=django_settings.BASE_DIR, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_for(lambda: "ready." in log.read_text() or process.poll() is not None, 60)
        if "ready." not in log.read_text():
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
        _reset(app)


def test_periodic_reminder_task_runs_on_a_real_worker(worker, seed_plan):
    from cycles.tasks import send_reminders

    cycle = ReportingCycle.objects.create(
        work_plan=WorkPlan.objects.get(symbol="EMG/SOM.19/03/Rev.1"), meeting=Meeting.objects.get(code="SOM20"),
        period_start=PERIOD_START, cut_off=CUT_OFF, review_deadline=REVIEW)
    entry = django_settings.CELERY_BEAT_SCHEDULE["cycles-send-reminders"]
    day = "2014-08-15"  # 14 days before the cut-off
    send_reminders.apply_async(kwargs={"today": day}, **entry.get("options", {}))
    assert _wait_for(lambda: ReminderSent.objects.filter(cycle=cycle).exists(), 60), worker.read_text()[-3000:]
    log = worker.read_text()
    assert _wait_for(lambda: "succeeded" in worker.read_text(), 30)
    log = worker.read_text()
    assert "Task cycles.tasks.send_reminders[" in log
    assert "SOM20: progress on" in log  # the digest went through Django's e-mail backend in the worker
    assert set(ReminderSent.objects.filter(cycle=cycle).values_list("kind", flat=True)) == {"lead_digest"}
    send_reminders.apply_async(kwargs={"today": day})  # a second beat on the same day sends nothing
    assert _wait_for(lambda: worker.read_text().count("succeeded") >= 2, 60)
    assert "succeeded in" in worker.read_text() and ": 0" in worker.read_text().split("succeeded")[-1][:80]
