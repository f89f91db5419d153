"""A report's life as the Chair and the secretariat see it: dates, symbols, revisions, double requests."""
import datetime
import threading

import pytest
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.urls import reverse
from django.utils import timezone

from accomplishments.models import Meeting
from emgplan import clock
from reports import services
from reports.models import Report

from .conftest import AS_OF, request_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(replay_after_som20_cut_off):
    """The request forms check the as-of date against the application's today."""


def _plan_as_of(client, day: str):
    session = client.session
    session[clock.SESSION_KEY] = day
    session.save()


def _ready(seed_plan, user, symbol="EMG/SOM.20/3", **extra):
    return Report.objects.create(work_plan=seed_plan, kind="som", meeting=Meeting.objects.get(code="SOM20"),
                                 as_of=AS_OF, symbol=symbol, issued_on=AS_OF, requested_by=user, state="ready",
                                 **extra)


# Dates


def test_issue_date_defaults_to_the_application_today_not_the_sessions_plan_as_of(client_as):
    client = client_as("chair")
    _plan_as_of(client, "2014-06-01")  # the Chair browses the plan as it stood in June
    form = client.get(reverse("reports:create")).context["form"]
    assert form.initial["issued_on"] == datetime.date(2014, 9, 20)
    assert form.initial["as_of"] == datetime.date(2014, 6, 1)  # the as-of date may follow what they browse
    client.post(reverse("reports:create"), request_form_data())  # the date of issue left out: the day of compiling
    report = Report.objects.get()
    assert report.issued_on == datetime.date(2014, 9, 20)


def test_issue_date_defaults_to_the_real_date_without_a_replay_date(client_as, settings):
    settings.EMG_TODAY = ""
    form = client_as("chair").get(reverse("reports:create")).context["form"]
    assert form.initial["issued_on"] == timezone.localdate()


def test_issue_date_is_settable_and_goes_into_the_document(client_as, progress, django_capture_on_commit_callbacks):
    client = client_as("chair")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:create"), request_form_data(
            issued_on="2014-09-10", agenda_item="Item 3 of the provisional agenda: the work plan",
            suggested_actions="The senior officials may wish to take note of the report.\n\n"
                              "The senior officials may wish to request\nthe IMGs to report at SOM21.\n\n"))
    report = Report.objects.get()
    assert report.state == "ready" and report.issued_on == datetime.date(2014, 9, 10)
    assert report.snapshot["issued_on"] == "2014-09-10"
    assert report.snapshot["document"] == {
        "symbol": "EMG/SOM.20/3", "revision": 0, "symbol_display": "EMG/SOM.20/3", "issued_on": "2014-09-10",
        "distribution": "General", "original_language": "English",
        "agenda_item": "Item 3 of the provisional agenda: the work plan", "kind_line": "Note by the secretariat",
        "suggested_actions": ["The senior officials may wish to take note of the report.",
                              "The senior officials may wish to request the IMGs to report at SOM21."],
    }


def test_no_suggested_action_gives_an_empty_list_and_unea_reads_as_the_chairs_report(
        client_as, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client_as("chair").post(reverse("reports:create"), request_form_data(
            kind="unea", meeting=Meeting.objects.get(code="UNEA-1").pk, as_of="2014-06-01",
            symbol="EMG/UNEA.1/1"))
    document = Report.objects.get().snapshot["document"]
    assert document["suggested_actions"] == [] and document["agenda_item"] == ""
    assert document["kind_line"] == "Report by the Chair of the Environment Management Group"


def test_one_point_per_line_when_no_blank_line_separates_them():
    assert services.suggested_actions_split("First point.\r\nSecond point.\n") == ["First point.", "Second point."]
    assert services.suggested_actions_split("  \n ") == []


def test_as_of_later_than_the_applications_today_is_refused_whatever_the_session_says(client_as):
    client = client_as("chair")
    _plan_as_of(client, "2014-12-31")  # browsing ahead does not move today
    response = client.post(reverse("reports:create"), request_form_data(as_of="2014-12-31"))
    assert response.context["form"].errors["as_of"] == [
        "The as-of date cannot be in the future: today is 20 September 2014."]
    assert not Report.objects.exists()


def test_an_issue_date_before_the_as_of_date_is_refused(client_as):
    response = client_as("chair").post(reverse("reports:create"), request_form_data(issued_on="2014-08-31"))
    assert response.context["form"].errors["issued_on"] == [
        "The date of issue cannot be before the as-of date (1 September 2014)."]
    assert 'value="2014-08-31"' in response.content.decode() and not Report.objects.exists()


# Symbols


@pytest.mark.parametrize("code, symbol", [("SOM20", "EMG/SOM.20/3"), ("SOM21", "EMG/SOM.21/3"),
                                          ("UNEA-1", "EMG/UNEA.1/1"), ("CBD COP 12", "EMG/CBDCOP.12/1")])
def test_symbol_suggestion_follows_the_meeting(client_as, code, symbol):
    client = client_as("chair")
    response = client.get(reverse("reports:symbol-suggest"),
                          {"meeting": Meeting.objects.get(code=code).pk, "kind": "som"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'value="{symbol}"' in html and 'id="id_symbol"' in html and 'name="symbol"' in html


def test_the_meeting_field_asks_for_a_new_symbol_when_it_changes(client_as):
    html = client_as("chair").get(reverse("reports:create")).content.decode()
    url = reverse("reports:symbol-suggest")
    assert f'hx-get="{url}"' in html and 'hx-target="#id_symbol"' in html and 'hx-trigger="change"' in html


def test_symbol_suggestion_takes_the_next_free_number_of_the_meeting(client_as, seed_plan, demo_users):
    _ready(seed_plan, demo_users["chair"], symbol="EMG/SOM.20/3")
    _ready(seed_plan, demo_users["chair"], symbol="EMG/SOM.20/INF.1")
    client = client_as("chair")
    assert client.get(reverse("reports:create")).context["form"].initial["symbol"] == "EMG/SOM.20/4"
    som21 = client.get(reverse("reports:symbol-suggest"), {"meeting": Meeting.objects.get(code="SOM21").pk})
    assert 'value="EMG/SOM.21/3"' in som21.content.decode()


def test_symbol_suggestion_is_for_those_who_may_request(client_as):
    assert client_as("viewer").get(reverse("reports:symbol-suggest")).status_code == 403


def test_a_symbol_in_use_is_refused_next_to_the_field(client_as, seed_plan, demo_users):
    _ready(seed_plan, demo_users["chair"], symbol="EMG/SOM.20/3")
    response = client_as("chair").post(reverse("reports:create"), request_form_data(as_of="2014-08-01"))
    assert response.status_code == 200
    assert response.context["form"].errors["symbol"] == [
        "EMG/SOM.20/3 is already the symbol of another report (SOM20, as of 1 September 2014). Choose another "
        "number, or issue a revision from that report's page."]
    assert Report.objects.count() == 1


def test_the_database_refuses_two_reports_with_one_symbol_in_a_plan(seed_plan, demo_users):
    _ready(seed_plan, demo_users["chair"], symbol="EMG/SOM.20/3")
    with pytest.raises(IntegrityError), transaction.atomic():
        _ready(seed_plan, demo_users["chair"], symbol="EMG/SOM.20/3")


# Revisions


def test_a_revision_keeps_the_earlier_file_and_shows_rev_1(client_as, progress, settings,
                                                            django_capture_on_commit_callbacks):
    client = client_as("chair")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:create"), request_form_data(agenda_item="Item 3"))
    first = Report.objects.get()
    first_pdf = b"".join(client.get(reverse("reports:download", args=[first.pk, "pdf"])).streaming_content)

    page = client.get(reverse("reports:detail", args=[first.pk])).content.decode()
    assert reverse("reports:revise", args=[first.pk]) in page and "Issue a revision" in page
    form = client.get(reverse("reports:revise", args=[first.pk])).context["form"]
    assert form.initial["agenda_item"] == "Item 3"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:revise", args=[first.pk]), {
            "issued_on": "2014-09-22", "agenda_item": "Item 4 of the provisional agenda",
            "suggested_actions": "Take note."}, follow=True)
    revision = Report.objects.exclude(pk=first.pk).get()
    assert response.redirect_chain[-1][0] == reverse("reports:detail", args=[revision.pk])
    assert b"Revision EMG/SOM.20/3/Rev.1 requested." in response.content
    assert (revision.symbol, revision.revision, revision.revision_of, revision.state) == (
        "EMG/SOM.20/3", 1, first, "ready")
    assert (revision.as_of, revision.meeting, revision.kind) == (first.as_of, first.meeting, first.kind)
    assert revision.snapshot["document"]["symbol_display"] == "EMG/SOM.20/3/Rev.1"
    assert revision.snapshot["document"]["agenda_item"] == "Item 4 of the provisional agenda"
    assert revision.snapshot["symbol"] == "EMG/SOM.20/3/Rev.1"

    # Both documents download, each its own file; the earlier one is unchanged.
    again = client.get(reverse("reports:download", args=[first.pk, "pdf"]))
    assert again["Content-Disposition"] == 'attachment; filename="EMG-SOM-20-3.pdf"'
    assert b"".join(again.streaming_content) == first_pdf
    rev = client.get(reverse("reports:download", args=[revision.pk, "pdf"]))
    assert rev["Content-Disposition"] == 'attachment; filename="EMG-SOM-20-3-Rev-1.pdf"'

    # The list shows the revision right under its original; each page names the family.
    listing = client.get(reverse("reports:list")).content.decode()
    assert listing.index(">EMG/SOM.20/3<") < listing.index(">EMG/SOM.20/3/Rev.1<")
    page = client.get(reverse("reports:detail", args=[first.pk])).content.decode()
    assert "Revisions of EMG/SOM.20/3" in page and reverse("reports:detail", args=[revision.pk]) in page

    # A second revision takes the next number.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:revise", args=[revision.pk]), {"issued_on": "2014-09-23"})
    assert sorted(Report.objects.values_list("revision", flat=True)) == [0, 1, 2]
    assert Report.objects.get(revision=2).revision_of == first


def test_only_a_ready_report_is_revised(client_as, seed_plan, demo_users):
    report = _ready(seed_plan, demo_users["chair"])
    Report.objects.filter(pk=report.pk).update(state="failed", failure_reason="Disk full.")
    response = client_as("chair").post(reverse("reports:revise", args=[report.pk]), {"issued_on": "2014-09-20"},
                                       follow=True)
    assert b"Only a ready report can be revised." in response.content and Report.objects.count() == 1
    assert client_as("viewer").post(reverse("reports:revise", args=[report.pk]), {}).status_code == 403


def test_a_revision_requested_twice_is_one_revision(client_as, seed_plan, demo_users):
    report = _ready(seed_plan, demo_users["chair"])
    client = client_as("chair")
    client.post(reverse("reports:revise", args=[report.pk]), {"issued_on": "2014-09-20"})  # stays queued
    response = client.post(reverse("reports:revise", args=[report.pk]), {"issued_on": "2014-09-20"}, follow=True)
    revision = Report.objects.get(revision=1)
    assert response.redirect_chain[-1][0] == reverse("reports:detail", args=[revision.pk])
    assert b"was already requested and is queued" in response.content
    assert Report.objects.count() == 2


def test_a_rebuild_refreshes_the_masthead_and_keeps_therequest_form_data(report_ready, demo_users,
                                                              django_capture_on_commit_callbacks):
    data_before = report_ready.snapshot["accomplishments"]
    Report.objects.filter(pk=report_ready.pk).update(agenda_item="Item 5", issued_on=datetime.date(2014, 9, 12))
    report_ready.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.report_rebuild(report=report_ready, by=demo_users["secretariat"])
    report_ready.refresh_from_db()
    assert report_ready.state == "ready" and report_ready.snapshot["accomplishments"] == data_before
    assert report_ready.snapshot["document"]["agenda_item"] == "Item 5"
    assert report_ready.snapshot["document"]["issued_on"] == report_ready.snapshot["issued_on"] == "2014-09-12"


@pytest.fixture
def report_ready(seed_plan, demo_users):
    from reports.tasks import compile_report

    report = Report.objects.create(work_plan=seed_plan, kind="som", meeting=Meeting.objects.get(code="SOM20"),
                                   as_of=AS_OF, symbol="EMG/SOM.20/3", issued_on=AS_OF,
                                   requested_by=demo_users["chair"])
    compile_report.delay(report.pk)
    report.refresh_from_db()
    return report


# Double requests


def test_a_double_request_returns_the_first(client_as):
    client = client_as("chair")
    first = client.post(reverse("reports:create"), request_form_data())  # compiled after commit: still queued here
    report = Report.objects.get()
    assert first["Location"] == reverse("reports:detail", args=[report.pk])
    second = client.post(reverse("reports:create"), request_form_data(), follow=True)
    assert second.redirect_chain[-1][0] == reverse("reports:detail", args=[report.pk])
    assert b"Report EMG/SOM.20/3 was already requested and is queued: this is it." in second.content
    assert Report.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_tabs_requesting_at_once_make_one_report(seed_plan, demo_users, monkeypatch):
    """Both requests pass the form's check before either has inserted: the unique symbol settles it."""
    monkeypatch.setattr(services, "_queue", lambda report: None)
    meeting = Meeting.objects.get(code="SOM20")
    barrier = threading.Barrier(2)
    real_insert = services._insert
    outcomes = []

    def insert_together(report, *, find_active):
        barrier.wait(timeout=10)  # both have found no active request
        real_insert(report, find_active=find_active)

    monkeypatch.setattr(services, "_insert", insert_together)

    def tab():
        try:
            report = services.report_request(by=demo_users["chair"], plan=seed_plan, kind="som", meeting=meeting,
                                             as_of=AS_OF, symbol="EMG/SOM.20/3", issued_on=AS_OF)
            outcomes.append(("created", report.pk))
        except services.AlreadyRequested as exc:
            outcomes.append(("first", exc.report.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=tab) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    close_old_connections()
    assert Report.objects.count() == 1
    only = Report.objects.get().pk
    assert sorted(outcomes) == [("created", only), ("first", only)]


def test_the_list_shows_families_in_a_fixed_number_of_queries(client_as, seed_plan, demo_users,
                                                               django_assert_max_num_queries):
    client = client_as("viewer")
    for n in range(3, 8):
        original = _ready(seed_plan, demo_users["chair"], symbol=f"EMG/SOM.20/{n}")
        for rev in (1, 2):
            _ready(seed_plan, demo_users["chair"], symbol=original.symbol, revision=rev, revision_of=original)
    # +1: the work plans (the list shows the chosen plan's reports; the header switches plans).
    with django_assert_max_num_queries(8):
        html = client.get(reverse("reports:list")).content.decode()
    assert html.count("/Rev.2<") == 5 and html.index(">EMG/SOM.20/7<") < html.index(">EMG/SOM.20/7/Rev.1<")


def test_report_and_compare_pages_in_a_fixed_number_of_queries(client_as, seed_plan, demo_users,
                                                               django_assert_max_num_queries):
    first = _ready(seed_plan, demo_users["chair"], snapshot={"accomplishments": [], "progress": []})
    second = _ready(seed_plan, demo_users["chair"], symbol="EMG/SOM.20/4", snapshot={"accomplishments": [],
                                                                                   "progress": []})
    client = client_as("chair")
    # +1 each: the work plans, read once for the header's plan switcher.
    with django_assert_max_num_queries(9):
        assert client.get(reverse("reports:detail", args=[first.pk])).status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(reverse("reports:compare", args=[second.pk]), {"with": first.pk}).status_code == 200
