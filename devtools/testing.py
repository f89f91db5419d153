"""A real Celery worker for tests marked `worker`: started on the test database and broker, stopped after."""
import os
import signal
import subprocess
import sys
import time
import uuid
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection


def wait_for(condition, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.25)
    return False


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


def worker_requirements():
    """Skip without a broker and PostgreSQL; fail instead when CI requires them (EMG_REQUIRE_POSTGRES=1)."""
    missing = []
    if not os.environ.get("EMG_TEST_BROKER_URL"):
        missing.append("EMG_TEST_BROKER_URL is unset")
    if connection.vendor != "postgresql":
        missing.append("the database is not PostgreSQL")
    if missing:
        if os.environ.get("EMG_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"worker tests must run here: {'; '.join(missing)}")
        pytest.skip("; ".join(missing))


def _reset_connections():
    """Forget every pooled broker connection and producer (kombu keeps a process-wide registry too)."""
    from kombu import pools

    from emgplan.celery import app

    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    pools.reset()


def start_worker(tmp_path, name: str, **extra_env):
    """Start `celery -A emgplan worker` and switch this process off eager mode; returns (process, log, undo)."""
    worker_requirements()
    from emgplan.celery import app

    broker = _broker_url(os.environ["EMG_TEST_BROKER_URL"])
    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url")}
    app.conf.update(task_always_eager=False, broker_url=broker)
    _reset_connections()
    app.control.purge()  # messages left by an interrupted run must not reach this worker

    log = tmp_path / f"{name}-worker.log"
    env = {**os.environ, "CELERY_BROKER_URL": broker, "DATABASE_URL": _database_url(), "LOG_LEVEL": "INFO",
           **extra_env}
    command = [sys.executable, "-m", "celery", "-A", "emgplan", "worker", "--pool", "solo", "-l", "info",
               "--without-gossip", "--without-mingle", "--without-heartbeat",
               "-n", f"{name}-test-{uuid.uuid4().hex[:8]}@%h"]
    with open(log, "w") as out:
        process = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)

    def stop():
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)
        app.conf.update(saved)
        _reset_connections()

    if not wait_for(lambda: "ready." in log.read_text() or process.poll() is not None, 60) \
            or "ready." not in log.read_text():
        text = log.read_text()[-3000:]
        stop()
        pytest.fail(f"the Celery worker did not start:\n{text}")
    return log, stop
