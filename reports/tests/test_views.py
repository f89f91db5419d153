"""The pages: request form, list, report page with live state, downloads."""
import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accomplishments.models import Meeting
from reports.models import Report

from .conftest import AS_OF, request_form_data, set_status

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(replay_after_som20_cut_off):
    """The request forms check the as-of date against the application's today."""


def test_form_offers_sensible_defaults(client_as):
    response = client_as("chair").get(reverse("reports:create"))
    form = response.context["form"]
    assert form.initial["meeting"].code == "SOM20"
    assert form.initial["as_of"] == datetime.date(2014, 9, 20)
    assert form.initial["symbol"] == "EMG/SOM.20/3"
    assert b'for="id_symbol" class="form-label requiredField">' in response.content


def test_chair_requests_a_report_and_it_becomes_ready(client_as, progress, django_capture_on_commit_callbacks):
    client = client_as("chair")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:create"), request_form_data(), follow=True)
    report = Report.objects.get()
    assert response.redirect_chain[-1][0] == reverse("reports:detail", args=[report.pk])
    assert b"Report EMG/SOM.20/3 requested." in response.content
    assert report.state == "ready" and report.requested_by.username == "chair"
    assert report.issued_on == datetime.date(2014, 9, 20) and report.as_of == AS_OF
    assert report.snapshot["meeting"]["code"] == "SOM20"
    page = client.get(reverse("reports:detail", args=[report.pk]))
    assert b"hx-get" not in page.content  # finished: no more polling
    for fmt, magic in (("pdf", b"%PDF"), ("docx", b"PK"), ("xlsx", b"PK")):
        download = client.get(reverse("reports:download", args=[report.pk, fmt]))
        assert download.status_code == 200 and b"".join(download.streaming_content).startswith(magic)
        assert download["Content-Disposition"] == f'attachment; filename="EMG-SOM-20-3.{fmt}"'


@pytest.mark.parametrize("field, value, message", [
    ("meeting", "SOM19", "SOM19 (19 September 2013) falls outside the work plan period 2014–2015."),
    ("as_of", "2014-09-21", "The as-of date cannot be in the future: today is 20 September 2014."),
    ("symbol", "EMG/SOM 20/<3>", "Use capital letters, digits, dots, slashes and dashes, e.g. EMG/SOM.20/3."),
])
def test_bad_requests_are_refused_next_to_the_field_keeping_what_was_typed(client_as, field, value, message):
    data = request_form_data(**{field: Meeting.objects.get(code=value).pk if field == "meeting" else value})
    response = client_as("chair").post(reverse("reports:create"), data)
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    html = response.content.decode()
    assert f'id="error_1_id_{field}"' in html  # crispy puts the message under the field
    if field == "meeting":
        assert f'<option value="{data["meeting"]}" selected>' in html
    else:
        assert f'value="{value}"'.replace("<", "&lt;").replace(">", "&gt;") in html
    assert not Report.objects.exists()


def _reports(n, seed_plan, user):
    meeting = Meeting.objects.get(code="SOM20")
    start = Report.objects.count()  # symbols are unique in a plan
    Report.objects.bulk_create([
        Report(work_plan=seed_plan, kind="som", meeting=meeting, as_of=AS_OF, symbol=f"EMG/SOM.20/{k}",
               issued_on=AS_OF, requested_by=user, state="ready") for k in range(start, start + n)
    ])


def test_list_is_paginated_with_constant_queries(client_as, seed_plan, demo_users):
    from django.core.cache import cache

    client = client_as("viewer")
    _reports(3, seed_plan, demo_users["chair"])
    cache.clear()  # both read with the shared cache empty (the list of plans is kept there)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("reports:list"))
    _reports(30, seed_plan, demo_users["secretariat"])
    cache.clear()
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("reports:list"))
    assert len(few) == len(many)
    assert len(response.context["reports"]) == 20 and b"Page 1 of 2" in response.content
    assert b"Request a report" not in response.content  # the viewer cannot request


def test_report_page_polls_while_the_job_runs(client_as, seed_plan, demo_users):
    _reports(1, seed_plan, demo_users["chair"])
    report = Report.objects.get()
    Report.objects.filter(pk=report.pk).update(state="running")
    client = client_as("viewer")
    page = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert f'hx-get="{reverse("reports:status", args=[report.pk])}"' in page and 'hx-trigger="every 1s"' in page
    fragment = client.get(reverse("reports:status", args=[report.pk]), headers={"HX-Request": "true"})
    assert b"<html" not in fragment.content and b"Running" in fragment.content
    Report.objects.filter(pk=report.pk).update(state="failed", failure_reason="Disk full.")
    fragment = client.get(reverse("reports:status", args=[report.pk]), headers={"HX-Request": "true"})
    assert b"Disk full." in fragment.content and b"hx-trigger" not in fragment.content
    assert b"Try again" not in fragment.content  # the viewer may not retry


def test_downloads_only_for_ready_reports(client_as, seed_plan, demo_users):
    _reports(1, seed_plan, demo_users["chair"])
    report = Report.objects.get()
    Report.objects.filter(pk=report.pk).update(state="running")
    client = client_as("viewer")
    assert client.get(reverse("reports:download", args=[report.pk, "pdf"])).status_code == 404
    Report.objects.filter(pk=report.pk).update(state="ready")
    assert client.get(reverse("reports:download", args=[report.pk, "pdf"])).status_code == 404  # no file
    assert client.get(reverse("reports:download", args=[report.pk, "exe"])).status_code == 404


def test_nav_shows_reports_to_signed_in_roles(client_as):
    assert b'href="/reports/"' in client_as("viewer").get(reverse("activities:plan")).content


def test_compare_two_reports_shows_what_changed(client_as, progress, seed_plan, demo_users,
                                                django_capture_on_commit_callbacks):
    from activities.models import Contribution, Milestone

    client = client_as("chair")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:create"), request_form_data(as_of="2014-07-15", symbol="EMG/SOM.20/INF.1"))
    first = Report.objects.get()
    # Changes between the two as-of dates, recorded with history dated then (a report reads the history).
    milestone = Milestone.objects.get(activity__accomplishment__code="A", activity__number=3, label="a")
    set_status(milestone, "delayed", on=datetime.date(2014, 8, 15), by=demo_users["secretariat"])
    wmo = Contribution.objects.get(member__acronym="WMO")
    wmo.staff_days, wmo._history_date = 5, datetime.datetime(2014, 8, 15, 12, tzinfo=datetime.UTC)
    wmo.save()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:create"), request_form_data())
    second = Report.objects.exclude(pk=first.pk).get()
    page = client.get(reverse("reports:detail", args=[second.pk]))
    assert reverse("reports:compare", args=[second.pk]).encode() in page.content
    response = client.get(reverse("reports:compare", args=[second.pk]), {"with": first.pk})
    diff = response.context["diff"]
    assert [(m["activity"], m["ref"], m["before"], m["after"]) for m in diff["changed"]] == [
        ("A.3", "(a)", "Not started", "Delayed")]
    assert diff["totals"]["staff_days"] == {"before": "35.5", "after": "37.5", "change": "2.0"}
    assert response.context["old"] == first and b"Milestones whose status changed (1)" in response.content


def test_request_form_shows_cycle_completeness_and_warns_before_an_incomplete_report(client_as, demo_users, seed_plan):
    from cycles.services import cycle_open

    cycle_open(work_plan=seed_plan, meeting=Meeting.objects.get(code="SOM20"), period_start=datetime.date(2014, 1, 1),
               cut_off=datetime.date(2014, 8, 29), review_deadline=datetime.date(2014, 9, 5),
               by=demo_users["secretariat"])
    client = client_as("chair")
    page = client.get(reverse("reports:create")).content.decode()
    assert "Progress filed for SOM20: 0% complete" in page and "Incomplete:" in page
    response = client.post(reverse("reports:create"), request_form_data())
    assert response.status_code == 200
    assert "Progress for SOM20 is incomplete: 0 of 22 milestones have accepted progress." in response.content.decode()
    assert Report.objects.count() == 0
    response = client.post(reverse("reports:create"), request_form_data(compile_incomplete="on"))
    assert response.status_code == 302 and Report.objects.count() == 1
