"""The back office as the secretariat (staff) uses it: it cannot undo what the application saved.

The work (activities, milestones, progress, evidence, contributions, lead bodies) is edited on the
application's pages; /admin/ shows it read-only, refuses writes, and points to those pages.
"""
import datetime

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from activities import services
from activities.models import Activity, Contribution, EvidenceFile, LeadBody, Milestone, ProgressUpdate
from emgplan.tests.admin_helpers import admin_sample_row, admin_url

pytestmark = pytest.mark.django_db



@pytest.fixture
def a1a(seed_plan):
    return Milestone.objects.get(activity__accomplishment__code="A", activity__number=1, label="a", parent=None)


def _status_post(m, status):
    return {f"m{m.pk}-status": status, f"m{m.pk}-completed_on": "", f"m{m.pk}-version": m.version}


def test_the_admin_race_on_a_milestone_keeps_the_leads_status(client_as, a1a, client, demo_users, settings):
    """Form opened in /admin/, the lead sets "Delayed" in the app, the admin form is sent: refused, "Delayed" stays."""
    secretariat = client_as("secretariat")
    page = secretariat.get(admin_url(a1a))
    html = page.content.decode()
    assert page.status_code == 200
    assert "read-only in the back office" in html
    assert f'href="{reverse("activities:milestone-detail", args=[a1a.pk])}"' in html  # where to edit it
    assert 'name="_save"' not in html and 'name="text"' not in html  # no field to type in, no save button
    assert a1a.status == Milestone.Status.NOT_STARTED

    lead = Client()
    lead.force_login(demo_users["biodiversity-lead"])
    r = lead.post(reverse("activities:milestone-status", args=[a1a.pk]),
                  {**_status_post(a1a, "delayed"), f"m{a1a.pk}-reason": "Waiting for the partners' data."})
    assert r.status_code in (200, 302)
    a1a.refresh_from_db()
    assert a1a.status == Milestone.Status.DELAYED
    history_before = a1a.history.count()

    stale = {"activity": a1a.activity_id, "label": a1a.label, "order": a1a.order, "text": a1a.text + " (typo fixed)",
             "status": "not_started", "due_meeting": a1a.due_meeting_id or "", "due_date": "", "completed_on": ""}
    r = secretariat.post(admin_url(a1a), stale)
    assert r.status_code == 403
    fresh = Milestone.objects.get(pk=a1a.pk)
    assert fresh.status == Milestone.Status.DELAYED and fresh.text == a1a.text
    assert fresh.history.count() == history_before


@pytest.mark.parametrize("model", [Activity, Milestone, ProgressUpdate, Contribution, LeadBody])
def test_plan_models_refuse_add_change_and_delete_in_the_admin(client_as, seed_plan, demo_users, model):
    client = client_as("secretariat")
    obj = admin_sample_row(model, demo_users)
    before = {f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields}
    opts = model._meta
    assert client.post(admin_url(obj), {}).status_code == 403
    assert client.post(admin_url(obj, "delete"), {"post": "yes"}).status_code == 403
    assert client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add")).status_code == 403
    bulk_delete = {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"}
    assert client.post(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"), bulk_delete).status_code in (
        200, 302)  # the action is not offered: the list comes back with nothing done
    obj = model.objects.get(pk=obj.pk)  # still there, unchanged
    assert {f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields} == before


def test_the_history_revert_form_writes_nothing(client_as, a1a):
    """simple_history's "Revert" would save an old version with no check: it is view-only here."""
    a1a.text = "Edited in the app"
    a1a.save()
    first = a1a.history.order_by("history_id").first()
    client = client_as("secretariat")
    url = reverse("admin:activities_milestone_simple_history", args=[a1a.pk, first.history_id])
    page = client.get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.post(url, {"text": first.text, "label": a1a.label, "activity": a1a.activity_id,
                             "order": 0, "status": "not_started"}).status_code == 403
    a1a.refresh_from_db()
    assert a1a.text == "Edited in the app"


def test_no_admin_path_uploads_evidence(client_as, a1a, demo_users, settings, tmp_path):
    """The admin's evidence inline took any file unchecked; now no admin form writes evidence at all."""
    settings.MEDIA_ROOT = tmp_path
    lead = demo_users["biodiversity-lead"]
    update = services.progress_update_save(
        activity=a1a.activity, milestone=a1a, author=lead,
        data={"period_start": datetime.date(2014, 1, 1), "period_end": datetime.date(2014, 3, 31),
              "reported_status": "on_track", "narrative": "x", "evidence_links": ""})
    client = client_as("secretariat")
    page = client.get(admin_url(update)).content.decode()
    assert 'type="file"' not in page
    html = SimpleUploadedFile("page.html", b"<script>alert(1)</script>", content_type="text/html")
    r = client.post(admin_url(update), {
        "files-TOTAL_FORMS": "1", "files-INITIAL_FORMS": "0", "files-0-file": html, "files-0-update": update.pk})
    assert r.status_code == 403
    assert not EvidenceFile.objects.filter(update=update).exists()
    assert EvidenceFile not in admin.site._registry


# Links ----------------------------------------------------------------------------------------


def _update_form(**over):
    data = {"period_start": "2014-01-01", "period_end": "2014-03-31", "reported_status": "on_track",
            "narrative": "The mapping tool went live.", "evidence_links": "https://www.cbd.int/"}
    data.update(over)
    return data


@pytest.mark.parametrize("link", [
    "javascript:alert(document.cookie)",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "ftp://files.example.org/report.pdf",
])
def test_progress_form_refuses_links_that_are_not_web_addresses(client_as, a1a, link):
    r = client_as("biodiversity-lead").post(reverse("activities:update-create") + f"?milestone={a1a.pk}",
                                            _update_form(evidence_links=f"https://www.cbd.int/\n{link}"))
    assert r.status_code == 200
    html = r.content.decode()
    assert "is not a web address (http:// or https://)" in html
    assert "The mapping tool went live." in html  # what the lead typed is still there
    assert ProgressUpdate.objects.count() == 0


def test_every_saving_path_refuses_a_script_link(a1a, demo_users):
    """The check is on the model: the service (and so commands, the admin, any form) refuses it too."""
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        services.progress_update_save(
            activity=a1a.activity, milestone=a1a, author=demo_users["biodiversity-lead"],
            data={"period_start": datetime.date(2014, 1, 1), "period_end": datetime.date(2014, 3, 31),
                  "reported_status": "on_track", "narrative": "x", "evidence_links": "data:text/html,<b>x</b>"})
    assert exc.value.error_dict["evidence_links"][0].code == "invalid_link"
    assert ProgressUpdate.objects.count() == 0


def test_a_stored_script_link_is_shown_as_text_not_a_link(client_as, a1a, demo_users):
    """Links stored before the check (or written around it) are shown, but never as something to click."""
    lead = demo_users["biodiversity-lead"]
    update = services.progress_update_save(
        activity=a1a.activity, milestone=a1a, author=lead,
        data={"period_start": datetime.date(2014, 1, 1), "period_end": datetime.date(2014, 3, 31),
              "reported_status": "on_track", "narrative": "x", "evidence_links": "https://www.cbd.int/"})
    ProgressUpdate.objects.filter(pk=update.pk).update(
        evidence_links="https://www.cbd.int/\njavascript:alert(document.cookie)\ndata:text/html,<script>x</script>")
    for username in ("biodiversity-lead", "secretariat"):
        html = client_as(username).get(reverse("activities:update-detail", args=[update.pk])).content.decode()
        assert '<a href="https://www.cbd.int/" rel="noopener noreferrer">https://www.cbd.int/</a>' in html
        assert "javascript:alert(document.cookie)" in html  # shown, as text
        assert 'href="javascript:' not in html.lower() and 'href="data:' not in html.lower()
        assert "<script>x</script>" not in html and "data:text/html,&lt;script&gt;x&lt;/script&gt;" in html
    admin_page = client_as("secretariat").get(admin_url(update)).content.decode()
    assert 'href="javascript:' not in admin_page.lower()
