"""Concurrent writers: a transaction the database aborts (deadlock, serialisation failure) is run again once, a
second failure answers 503 with what the user typed, writers lock rows in one order, and many writers at once
lose nothing and never get a 500."""

import psycopg2.errors
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.urls import reverse

from accomplishments.models import Member
from activities import services
from activities.models import Contribution, EvidenceFile, Milestone, ProgressUpdate

PDF = b"%PDF-1.4\n" + b"%evidence " * 2000 + b"\n%%EOF\n"


def _a1(label):
    return Milestone.objects.get(activity__accomplishment__code="A", activity__number=1, label=label, parent=None)


def _aborted():
    """What Django raises when PostgreSQL ends a deadlocked transaction (the driver's error is its cause)."""
    try:
        raise OperationalError("deadlock detected") from psycopg2.errors.DeadlockDetected("deadlock detected")
    except OperationalError as exc:
        return exc


def deadlocking(monkeypatch, name, times):
    """Make services.<name> do its work and then fail as a deadlock victim, the first `times` calls."""
    real, calls = getattr(services, name), []

    def flaky(**kwargs):
        calls.append(kwargs)
        result = real(**kwargs)  # the write happens, and the rollback must undo it
        if len(calls) <= times:
            raise _aborted()
        return result

    monkeypatch.setattr(services, name, flaky)
    return calls


def _progress_form(narrative, **files):
    return {"period_start": "2014-04-01", "period_end": "2014-06-30", "reported_status": "on_track",
            "narrative": narrative, "evidence_links": "https://www.cbd.int/", "submit": "1", **files}


# The retry, made deterministic ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_deadlocked_progress_submission_is_run_again_and_saved_once(client_as, seed_plan, monkeypatch, settings,
                                                                      tmp_path):
    settings.MEDIA_ROOT = tmp_path
    calls = deadlocking(monkeypatch, "progress_update_save", times=1)
    m = _a1("a")
    url = reverse("activities:update-create") + f"?milestone={m.pk}"
    r = client_as("biodiversity-lead").post(url, _progress_form(
        "Retried narrative.", attachments=[SimpleUploadedFile("report.pdf", PDF)]), follow=True)
    assert r.status_code == 200 and len(calls) == 2
    assert r.content.decode().count("Progress update submitted for review.") == 1  # the aborted run's message went
    update = ProgressUpdate.objects.get(milestone=m)
    assert (update.narrative, update.review_state) == ("Retried narrative.", "submitted")
    assert [f.file.read() for f in EvidenceFile.objects.filter(update=update)] == [PDF]  # read again from the start
    assert {h.history_user.username for h in update.history.all()} == {"biodiversity-lead"}


@pytest.mark.django_db
def test_a_large_upload_survives_the_retry(client_as, seed_plan, monkeypatch, settings, tmp_path):
    """Past FILE_UPLOAD_MAX_MEMORY_SIZE an upload is a temporary file, which the first run moved into the storage."""
    settings.MEDIA_ROOT = tmp_path
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0
    deadlocking(monkeypatch, "progress_update_save", times=1)
    m = _a1("b")
    r = client_as("biodiversity-lead").post(reverse("activities:update-create") + f"?milestone={m.pk}",
                                            _progress_form("Big file.", attachments=[SimpleUploadedFile("r.pdf", PDF)]))
    assert r.status_code == 302
    assert [f.file.read() for f in EvidenceFile.objects.filter(update__milestone=m)] == [PDF]


@pytest.mark.django_db
def test_two_deadlocks_answer_503_with_the_narrative_kept(client_as, seed_plan, monkeypatch, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    calls = deadlocking(monkeypatch, "progress_update_save", times=2)
    m = _a1("a")
    narrative = "Three workshops held; the mapping tool is in beta <and> tested."
    r = client_as("biodiversity-lead").post(reverse("activities:update-create") + f"?milestone={m.pk}", _progress_form(
        narrative, attachments=[SimpleUploadedFile("report.pdf", PDF)]))
    html = r.content.decode()
    assert r.status_code == 503 and len(calls) == 2 and r["Retry-After"]
    assert "The database was busy and your change was not saved." in html
    assert "The files you attached were not saved: attach them again." in html
    assert "Three workshops held; the mapping tool is in beta &lt;and&gt; tested." in html  # in the form, escaped
    assert 'name="submit"' in html
    assert not ProgressUpdate.objects.filter(milestone=m).exists() and not EvidenceFile.objects.exists()


@pytest.mark.django_db
def test_a_deadlocked_status_change_is_retried_then_answers_503(client_as, seed_plan, demo_users, monkeypatch):
    m = _a1("c")
    client = client_as("biodiversity-lead")
    url = reverse("activities:milestone-status", args=[m.pk])
    data = {f"m{m.pk}-status": "delayed", f"m{m.pk}-completed_on": "", f"m{m.pk}-version": m.version}
    deadlocking(monkeypatch, "milestone_set_status", times=1)
    assert client.post(url, data).status_code == 302
    m.refresh_from_db()
    assert (m.status, m.version) == ("delayed", 2)  # once, not twice
    assert [(h.version, h.history_user.username) for h in m.history.order_by("-history_date")[:1]] == [
        (2, "biodiversity-lead")]
    deadlocking(monkeypatch, "milestone_set_status", times=2)
    r = client.post(url, {**data, f"m{m.pk}-status": "at_risk", f"m{m.pk}-version": 2})
    assert r.status_code == 503 and "The database was busy" in r.content.decode()
    assert 'value="at_risk" selected' in r.content.decode()  # the user's choice, shown again
    m.refresh_from_db()
    assert m.status == "delayed"
    deadlocking(monkeypatch, "milestone_set_status", times=2)
    r = client.post(url, {**data, f"m{m.pk}-status": "at_risk", f"m{m.pk}-version": 2}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and "The database was busy" in r.content.decode()  # htmx swaps only 2xx answers
    assert 'value="at_risk" selected' in r.content.decode()
    m.refresh_from_db()
    assert m.status == "delayed"


@pytest.mark.django_db
def test_a_contribution_edit_that_fails_twice_keeps_the_note(client_as, seed_plan, monkeypatch):
    client = client_as("unido-focal")
    c = Contribution.objects.create(member=Member.objects.get(acronym="UNIDO"), activity=_a1("a").activity,
                                    kind="time", year=2014, staff_days=3)
    deadlocking(monkeypatch, "record_update", times=2)
    r = client.post(reverse("activities:contribution-edit", args=[c.pk]), {
        "member": c.member_id, "activity": c.activity_id, "kind": "time", "year": 2014, "staff_days": "4",
        "amount_usd": "", "state": "pledged", "note": "Two staff at the Nairobi workshop", "version": c.version})
    assert r.status_code == 503
    assert "Two staff at the Nairobi workshop" in r.content.decode()
    c.refresh_from_db()
    assert (c.staff_days, c.note) == (3, "")


@pytest.mark.django_db
def test_an_action_without_a_form_shows_the_typed_reason_on_503(client_as, seed_plan, demo_users, monkeypatch):
    update = ProgressUpdate.objects.create(
        activity=_a1("a").activity, milestone=_a1("a"), author=demo_users["biodiversity-lead"],
        period_start="2014-04-01", period_end="2014-06-30", reported_status="on_track", narrative="Done.",
        review_state="submitted")
    deadlocking(monkeypatch, "progress_update_return", times=2)
    r = client_as("secretariat").post(reverse("activities:update-return", args=[update.pk]),
                                      {"reason": "Please add the workshop report."})
    html = r.content.decode()
    assert r.status_code == 503 and "The database was busy" in html and "Please add the workshop report." in html
    update.refresh_from_db()
    assert update.review_state == "submitted"
