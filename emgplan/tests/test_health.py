"""/healthz/: JSON on the database, the cache, the broker and a worker; 200 or 503; no sign-in."""
import json
from unittest import mock

import pytest
from django.db import DatabaseError
from django.urls import reverse

from devtools.testing import start_worker, worker_requirements
from emgplan import health

pytestmark = pytest.mark.django_db


def test_healthy_in_the_embedded_default_without_sign_in(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        response = client.get(reverse("healthz"))
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    body = response.json()
    assert body["status"] == "ok"
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "database": True, "cache": True, "broker": True, "worker": True}
    assert body["checks"]["worker"]["mode"] == "eager"


def test_a_failing_database_answers_503_without_details(client):
    with mock.patch.object(health, "check_database", side_effect=DatabaseError("password authentication failed "
                                                                               "for user secret")):
        response = client.get(reverse("healthz"))
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["database"] == {"ok": False, "ms": body["checks"]["database"]["ms"],
                                          "error": "DatabaseError"}
    assert "secret" not in response.content.decode()


def test_only_get(client):
    assert client.post(reverse("healthz")).status_code == 405


@pytest.fixture
def broker(settings):
    """The Celery app pointed at the test broker, not eager (restored after)."""
    worker_requirements()
    import os

    from devtools.testing import _broker_url, _reset_connections
    from emgplan.celery import app

    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url")}
    app.conf.update(task_always_eager=False, broker_url=_broker_url(os.environ["EMG_TEST_BROKER_URL"]))
    _reset_connections()
    yield app
    app.conf.update(saved)
    _reset_connections()


@pytest.mark.worker
def test_no_worker_answers_503_and_an_unreachable_broker_too(client, broker):
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["broker"]["ok"] is True and checks["worker"]["ok"] is False
    assert checks["worker"]["last_seen_seconds_ago"] is None
    broker.conf.broker_url = "redis://127.0.0.1:1/0"
    from devtools.testing import _reset_connections

    _reset_connections()
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["broker"]["ok"] is False and checks["worker"] == {"ok": False, "error": "broker unreachable"}
    assert "127.0.0.1" not in response.content.decode()


@pytest.mark.worker
def test_a_running_worker_makes_it_healthy_and_one_ping_serves_many_probes(client, tmp_path):
    log, stop = start_worker(tmp_path, "health")
    try:
        response = client.get(reverse("healthz"))
        assert response.status_code == 200, json.dumps(response.json())
        assert response.json()["checks"]["worker"]["last_seen_seconds_ago"] in (0, 1)
        with mock.patch("emgplan.celery.app.control.ping") as ping:
            assert health.worker_alive() is True
        ping.assert_not_called()  # answered from the shared cache
    finally:
        stop()
