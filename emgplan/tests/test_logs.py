"""Request ids and JSON log lines."""
import json
import logging
import re

import pytest
from django.urls import reverse

from emgplan.logs import JsonFormatter, RequestIdFilter

pytestmark = pytest.mark.django_db


def test_each_response_carries_a_request_id_and_a_forged_one_is_replaced(client):
    own = client.get(reverse("healthz"))["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", own)
    assert client.get(reverse("healthz"), HTTP_X_REQUEST_ID="nginx-req-12345678")["X-Request-ID"] == \
        "nginx-req-12345678"
    forged = client.get(reverse("healthz"), HTTP_X_REQUEST_ID="<script>\n")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", forged)


def test_a_request_is_logged_once_as_a_json_line_with_its_id(client, caplog):
    with caplog.at_level(logging.INFO, logger="emgplan.request"):
        response = client.get(reverse("healthz"), HTTP_X_REQUEST_ID="abcdef-0123456789")
    records = [r for r in caplog.records if r.name == "emgplan.request"]
    assert len(records) == 1
    RequestIdFilter().filter(records[0])
    entry = json.loads(JsonFormatter().format(records[0]))
    assert entry["request_id"] == response["X-Request-ID"] == "abcdef-0123456789"
    assert {k: entry[k] for k in ("level", "logger", "method", "path", "status")} == {
        "level": "INFO", "logger": "emgplan.request", "method": "GET", "path": "/healthz/", "status": 200}
    assert entry["duration_ms"] >= 0 and entry["user_id"] is None


def test_a_password_reset_link_is_logged_by_its_route_not_its_token(client, caplog):
    with caplog.at_level(logging.INFO, logger="emgplan.request"):
        client.get("/accounts/reset/MQ/set-password/")
    (record,) = [r for r in caplog.records if r.name == "emgplan.request"]
    assert "MQ" not in record.getMessage()


def test_json_formatter_keeps_the_traceback_on_one_line():
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.getLogger("x").makeRecord("x", logging.ERROR, "f.py", 1, "failed %s", ("here",),
                                                   exc_info=__import__("sys").exc_info())
    RequestIdFilter().filter(record)
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "failed here" and "ValueError: boom" in entry["exc"] and entry["request_id"] is None
