"""The production start (deploy/serve: migrate, collectstatic, gunicorn + Celery worker + beat from the
Procfile under honcho) answers /healthz/ with 200, compiles a requested report in its worker, logs JSON lines
with request ids, and stops cleanly."""
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest
from django.urls import reverse

from devtools.testing import _broker_url, _database_url, _reset_connections, wait_for, worker_requirements
from reports.models import Report
from reports.tests.conftest import request_form_data

# Transactional: the stack's worker must see the committed seed plan and report request.
pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("seed_restored_after")]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()
    except OSError:
        return None, {}, b""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def queue_on_broker():
    """This process queues jobs on the stack's broker (not eagerly in-process) while the test runs."""
    from emgplan.celery import app

    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url")}
    app.conf.update(task_always_eager=False, broker_url=_broker_url(os.environ["EMG_TEST_BROKER_URL"]))
    _reset_connections()
    yield
    app.conf.update(saved)
    _reset_connections()


def test_production_stack_starts_answers_health_and_stops_cleanly(tmp_path, client_as, settings, request):
    worker_requirements()
    started = time.monotonic()
    port = _free_port()
    broker = _broker_url(os.environ["EMG_TEST_BROKER_URL"])
    env = {
        "PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"),
        "SECRET_KEY": "smoke-test-" + "x1y2z3" * 9, "DATABASE_URL": _database_url(), "CELERY_BROKER_URL": broker,
        "CACHE_URL": broker, "CACHE_KEY_PREFIX": f"smoke-{port}", "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "true", "STATIC_ROOT": str(tmp_path / "static"), "MEDIA_ROOT": str(tmp_path / "media"),
        "PORT": str(port), "WEB_CONCURRENCY": "1", "CELERY_CONCURRENCY": "1", "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
    }
    log = tmp_path / "serve.log"
    with open(log, "w") as out:
        process = subprocess.Popen(["deploy/serve"], cwd=settings.BASE_DIR, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    health_url = f"http://127.0.0.1:{port}/healthz/"
    try:
        assert wait_for(lambda: process.poll() is not None or _get(health_url)[0] == 200, 45), \
            f"no healthy answer:\n{_get(health_url)[2][:500]!r}\n{log.read_text()[-4000:]}"
        status, headers, body = _get(health_url, {"X-Request-ID": "smoke-test-0001"})
        assert status == 200 and json.loads(body)["status"] == "ok"
        assert headers["X-Request-ID"] == "smoke-test-0001"
        assert (tmp_path / "static" / "staticfiles.json").exists()  # collectstatic ran (manifest storage)
        opener = urllib.request.build_opener(_NoRedirect)
        with pytest.raises(urllib.error.HTTPError) as redirect:
            opener.open(f"http://127.0.0.1:{port}/", timeout=5)
        assert redirect.value.code == 301 and redirect.value.headers["Location"].startswith("https://")
        # A report requested on the page is compiled by the stack's worker into the stack's MEDIA_ROOT.
        settings.EMG_TODAY = "2014-09-20"
        request.getfixturevalue("queue_on_broker")
        response = client_as("chair").post(reverse("reports:create"), request_form_data())
        report = Report.objects.get()
        assert response.status_code == 302

        def compiled():
            report.refresh_from_db()
            return report.state in (Report.State.READY, Report.State.FAILED)

        assert wait_for(compiled, 60), f"still {report.state}:\n{log.read_text()[-3000:]}"
        assert report.state == Report.State.READY, report.failure_reason
        assert len(list((tmp_path / "media" / "reports" / str(report.uuid)).iterdir())) == 3
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)
            pytest.fail(f"did not stop within 30 s:\n{log.read_text()[-3000:]}")
    text = log.read_text()
    (tmp_path.parent / "last-serve.log").write_text(text)
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    request_lines = [entry for entry in lines if entry["logger"] == "emgplan.request"]
    tagged = [entry for entry in request_lines if entry["request_id"] == "smoke-test-0001"]
    assert len(tagged) == 1 and tagged[0]["path"] == "/healthz/" and tagged[0]["status"] == 200, text[-3000:]
    loggers = {entry["logger"] for entry in lines}
    assert any(name.startswith("celery") for name in loggers) and any(name.startswith("gunicorn") for name in loggers)
    assert "Traceback" not in text, text[max(0, text.find("Traceback") - 1500):text.find("Traceback") + 3000]
    assert process.returncode in (0, -signal.SIGTERM, 128 + signal.SIGTERM), text[-2000:]
    for name in ("web.1", "worker.1", "beat.1"):
        assert f"{name} stopped" in text, text[-2000:]
    assert "Task reports.tasks.compile_report[" in text and "succeeded" in text  # the stack's worker ran it
    assert time.monotonic() - started < 60
