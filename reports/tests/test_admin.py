"""A report in the back office: correcting its symbol never undoes what its job recorded meanwhile."""
import datetime

import pytest

from emgplan.tests.admin_helpers import admin_change_form, admin_url
from reports import services
from reports.models import Report

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(seed_plan, demo_users):
    from accomplishments.models import Meeting

    return Report.objects.create(work_plan=seed_plan, meeting=Meeting.objects.get(code="SOM20"),
                                 as_of=datetime.date(2014, 6, 1), symbol="EMG/SOM.20/INF.1",
                                 issued_on=datetime.date(2014, 6, 1), requested_by=demo_users["chair"])


def test_a_symbol_fix_from_a_stale_form_keeps_the_jobs_outcome(client_as, report):
    client = client_as("secretariat")
    stale = admin_change_form(client, report)
    services.report_fail(report_id=report.pk, reason="WeasyPrint could not find the fonts.")

    r = client.post(admin_url(report), {**stale, "symbol": "EMG/SOM.20/INF.2"})
    assert r.status_code == 200
    html = r.content.decode()
    assert "Not saved: someone (or the application) changed this record" in html
    assert "state (now “Failed”)" in html and "failure reason (now “WeasyPrint could not find the fonts.”)" in html
    report.refresh_from_db()
    assert report.state == Report.State.FAILED and report.symbol == "EMG/SOM.20/INF.1"

    fresh = admin_change_form(client, report)
    assert client.post(admin_url(report), {**fresh, "symbol": "EMG/SOM.20/INF.2"}).status_code == 302
    report.refresh_from_db()
    assert report.symbol == "EMG/SOM.20/INF.2" and report.state == Report.State.FAILED


def _delete_form(client, report):
    import re

    page = client.get(admin_url(report, "delete")).content.decode()
    token = re.search(r'name="_emg_lock" value="([^"]+)"', page)
    assert token
    return {"post": "yes", "_emg_lock": token.group(1)}


def test_a_delete_confirmed_after_the_job_changed_the_report_is_refused(client_as, report):
    client = client_as("secretariat")
    confirm = _delete_form(client, report)
    services.report_fail(report_id=report.pk, reason="Timed out.")
    r = client.post(admin_url(report, "delete"), confirm, follow=True)
    html = r.content.decode()
    assert r.redirect_chain[-1][0] == admin_url(report)  # back to the report as it stands now
    assert "Not deleted: someone (or the application) changed this record" in html and "Timed out." in html
    assert Report.objects.filter(pk=report.pk).exists()
    from django.contrib.admin.models import DELETION, LogEntry

    assert not LogEntry.objects.filter(action_flag=DELETION, object_id=str(report.pk)).exists()

    assert client.post(admin_url(report, "delete"), {"post": "yes"}).status_code == 302  # no mark: refused
    assert Report.objects.filter(pk=report.pk).exists()
    assert client.post(admin_url(report, "delete"), _delete_form(client, report)).status_code == 302
    assert not Report.objects.filter(pk=report.pk).exists()
