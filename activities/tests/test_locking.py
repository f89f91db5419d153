"""Nothing lost: stale and version-less writes refused, revisions that keep their files, rights read now.

Through the test client, as the users reach them.
"""
import datetime
import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accomplishments.models import Member
from activities import services
from activities.models import Activity, Contribution, EvidenceFile, Milestone, ProgressUpdate

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%evidence of the workshop\n"


@pytest.fixture
def a1a(seed_plan):
    return Milestone.objects.get(activity__accomplishment__code="A", activity__number=1, label="a", parent=None)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _update_form(**over):
    data = {"period_start": "2014-01-01", "period_end": "2014-03-31", "reported_status": "on_track",
            "narrative": "The mapping tool went live.", "evidence_links": "https://www.cbd.int/"}
    data.update(over)
    return data


def _hidden(html, name):
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden {name} in the page"
    return match.group(1)


def _draft(a1a, lead, **over):
    data = {"period_start": datetime.date(2014, 1, 1), "period_end": datetime.date(2014, 3, 31),
            "reported_status": "on_track", "narrative": "First wording of the draft."}
    data.update(over)
    return services.progress_update_save(activity=a1a.activity, milestone=a1a, author=lead, data=data)


def _contribution(by):
    return services.contribution_record(data={
        "member": Member.objects.get(acronym="UNIDO"),
        "activity": Activity.objects.get(accomplishment__code="B", number=2),
        "kind": "time", "year": 2014, "staff_days": 10, "state": "pledged"}, by=by)


# Progress drafts: two tabs, and a submit of a draft changed since it was loaded -------------------


def test_two_tabs_second_draft_save_refused_with_what_changed(client_as, demo_users, a1a):
    lead = demo_users["biodiversity-lead"]
    draft = _draft(a1a, lead)
    client = client_as("biodiversity-lead")
    url = reverse("activities:update-edit", args=[draft.pk])
    tab1 = client.get(url).content.decode()
    tab2 = client.get(url).content.decode()
    assert _hidden(tab1, "version") == _hidden(tab2, "version") == "1"
    r1 = client.post(url, _update_form(narrative="Tab one's wording.", version=_hidden(tab1, "version"), save="1"))
    assert r1.status_code == 302
    r2 = client.post(url, _update_form(narrative="Tab two's wording.", version=_hidden(tab2, "version"), save="1"))
    html = r2.content.decode()
    assert r2.status_code == 409
    assert "Not saved: you changed this record in another tab or window after opening it here" in html
    assert "narrative: “First wording of the draft.” → “Tab one’s wording.”" in html.replace("&#x27;", "’")
    assert "What you sent (not saved)" in html and "Tab two&#x27;s wording." in html  # nothing typed is lost
    assert _hidden(html, "version") == "2"  # the form now holds the current draft
    draft.refresh_from_db()
    assert draft.narrative == "Tab one's wording." and draft.version == 2
    assert draft.history.filter(narrative="Tab two's wording.").count() == 0


def test_submit_of_a_draft_changed_since_it_was_loaded_is_refused(client_as, demo_users, a1a):
    lead = demo_users["biodiversity-lead"]
    draft = _draft(a1a, lead)
    client = client_as("biodiversity-lead")
    page = client.get(reverse("activities:update-detail", args=[draft.pk])).content.decode()
    loaded = _hidden(page, "version")
    client.post(reverse("activities:update-edit", args=[draft.pk]),
                _update_form(narrative="Changed in another tab.", version=loaded, save="1"))
    r = client.post(reverse("activities:update-submit", args=[draft.pk]), {"version": loaded})
    assert r.status_code == 409
    assert "Changed since you opened it" in r.content.decode() and "Changed in another tab." in r.content.decode()
    draft.refresh_from_db()
    assert draft.review_state == "draft" and draft.version == 2
    ok = client.post(reverse("activities:update-submit", args=[draft.pk]), {"version": draft.version})
    assert ok.status_code == 302
    draft.refresh_from_db()
    assert draft.review_state == "submitted"


# Version-less and stale writes: refused, nothing changed, the same answer everywhere ----------------


def _milestone_form(m, **over):
    data = {"activity": m.activity_id, "parent": "", "label": m.label, "order": m.order, "text": m.text,
            "due_meeting": m.due_meeting_id or "", "due_date": "", "status": m.status, "completed_on": ""}
    data.update(over)
    return data


def _status_form(m, **over):
    return {f"m{m.pk}-{k}": v for k, v in {"status": "delayed", "completed_on": "", **over}.items()}


def _activity_form(a, **over):
    data = {"accomplishment": a.accomplishment_id, "number": a.number, "title": "A new title",
            "description": a.description, "lead_body": a.lead_body_id or ""}
    data.update(over)
    return data


def _contribution_form(c, **over):
    data = {"member": c.member_id, "activity": c.activity_id, "kind": c.kind, "year": c.year, "staff_days": "25",
            "amount_usd": "", "state": c.state, "note": ""}
    data.update(over)
    return data


class Case:
    """One versioned write through its page: who sends it, the URL, the form it sends, and its record."""

    def __init__(self, name, role, url, form, record, version_key="version", htmx=False):
        self.name, self.role, self.url, self.form, self.record = name, role, url, form, record
        self.version_key, self.htmx = version_key, htmx
        self.edit = name.endswith(" edit")


def _a1d(s):
    return Milestone.objects.get(activity__accomplishment__code="A", activity__number=1, label="d", parent=None)


def _a3(s):
    return Activity.objects.get(accomplishment__code="A", number=3)


def _a1a(s):
    return Milestone.objects.get(activity__accomplishment__code="A", activity__number=1, label="a", parent=None)


CASES = [
    Case("activity edit", "secretariat", lambda o: reverse("activities:activity-edit", args=[o.pk]),
         _activity_form, _a3),
    Case("milestone edit", "secretariat", lambda o: reverse("activities:milestone-edit", args=[o.pk]),
         lambda o: _milestone_form(o, text="Reworded"), _a1a),
    Case("milestone status", "biodiversity-lead", lambda o: reverse("activities:milestone-status", args=[o.pk]),
         _status_form, _a1a, version_key="m{pk}-version"),
    Case("milestone status (htmx)", "biodiversity-lead",
         lambda o: reverse("activities:milestone-status", args=[o.pk]), _status_form, _a1a,
         version_key="m{pk}-version", htmx=True),
    Case("contribution edit", "unido-focal", lambda o: reverse("activities:contribution-edit", args=[o.pk]),
         _contribution_form, lambda s: s["contribution"]),
    Case("draft edit", "biodiversity-lead", lambda o: reverse("activities:update-edit", args=[o.pk]),
         lambda o: _update_form(narrative="Another wording", save="1"), lambda s: s["draft"]),
    Case("draft submit", "biodiversity-lead", lambda o: reverse("activities:update-submit", args=[o.pk]),
         lambda o: {}, lambda s: s["draft"]),
    Case("contribution delete", "unido-focal", lambda o: reverse("activities:contribution-delete", args=[o.pk]),
         lambda o: {}, lambda s: s["contribution"]),
    Case("activity delete", "secretariat", lambda o: reverse("activities:activity-delete", args=[o.pk]),
         lambda o: {}, _a3),
    Case("milestone delete", "secretariat", lambda o: reverse("activities:milestone-delete", args=[o.pk]),
         lambda o: {}, _a1d),
]


@pytest.fixture
def scope(demo_users, a1a):
    return {"contribution": _contribution(demo_users["unido-focal"]),
            "draft": _draft(a1a, demo_users["biodiversity-lead"])}


def _change_elsewhere(obj, demo_users):
    """Someone else saves the record: the secretariat, through the services."""
    sec = demo_users["secretariat"]
    if isinstance(obj, ProgressUpdate):  # only its author edits a draft: the same lead in another tab
        return services.progress_update_save(update=obj, activity=obj.activity, milestone=obj.milestone,
                                             author=obj.author, data={"narrative": "Saved in another tab"},
                                             expected_version=obj.version)
    if isinstance(obj, Milestone):
        return services.milestone_set_status(milestone_id=obj.pk, status="at_risk", by=sec,
                                             expected_version=obj.version)
    field = {"Activity": "description", "Contribution": "note"}[type(obj).__name__]
    return services.record_update(model=type(obj), pk=obj.pk, data={field: "Changed elsewhere"}, by=sec,
                                  expected_version=obj.version)


def _row(obj):
    """Everything the record holds, to compare before and after (None once deleted)."""
    return type(obj).objects.filter(pk=obj.pk).values().first()


def _post(client, case, obj, data):
    headers = {"HX-Request": "true"} if case.htmx else {}
    return client.post(case.url(obj), data, headers=headers)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_versioned_write_without_its_version_is_refused(client_as, scope, case, media):
    obj = case.record(scope)
    before = _row(obj)
    r = _post(client_as(case.role), case, obj, case.form(obj))
    assert r.status_code in (200, 302)
    page = r.content.decode() if r.status_code == 200 else client_as(case.role).get(r["Location"]).content.decode()
    assert re.search(r"sent without the version of the record|could not be checked for changes", page)
    assert _row(obj) == before  # nothing saved, nothing deleted


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_stale_write_answers_409_with_what_changed_and_keeps_the_first_change(client_as, demo_users, scope, case,
                                                                                media):
    obj = case.record(scope)
    client = client_as(case.role)
    loaded = obj.version
    changed = _change_elsewhere(obj, demo_users)
    after_first = _row(changed)
    r = _post(client, case, obj, {**case.form(obj), case.version_key.format(pk=obj.pk): loaded})
    html = r.content.decode()
    assert r.status_code == 409
    assert re.search(r"Not saved: (Sam Secretariat|you) changed this record (after you opened it|in another tab)",
                     html)
    if case.edit:  # what the user typed is shown beside the current values
        assert "What you sent (not saved)" in html
    assert ("Changed elsewhere" in html or "Saved in another tab" in html or "“Not started” → “At risk”" in html)
    assert _row(obj) == after_first  # the first change stays, nothing overwritten or deleted
    if case.htmx:
        assert html.lstrip().startswith(f'<tr id="milestone-{obj.pk}"')  # the row, for htmx to swap


def test_stale_contribution_delete_refused_then_confirmed_against_the_current_version(client_as, demo_users, scope):
    c = scope["contribution"]
    client = client_as("unido-focal")
    url = reverse("activities:contribution-delete", args=[c.pk])
    confirm = client.get(url).content.decode()
    loaded = _hidden(confirm, "version")
    services.record_update(model=Contribution, pk=c.pk, data={"staff_days": 40}, by=demo_users["secretariat"],
                           expected_version=c.version)
    r = client.post(url, {"version": loaded})
    html = r.content.decode()
    assert r.status_code == 409 and "Changed since you opened it" in html and "“10.0” → “40.0”" in html
    assert Contribution.objects.filter(pk=c.pk, staff_days=40).exists()
    # The page now asks again, about the record as it is: confirming deletes it.
    r = client.post(url, {"version": _hidden(html, "version")})
    assert r.status_code == 302 and not Contribution.objects.filter(pk=c.pk).exists()


# Revise and resubmit keeps everything ---------------------------------------------------------------


def test_revise_keeps_files_and_links_and_the_chair_downloads_them_after_acceptance(client_as, demo_users, a1a,
                                                                                    media):
    lead = demo_users["biodiversity-lead"]
    client = client_as("biodiversity-lead")
    client.post(reverse("activities:update-create") + f"?milestone={a1a.pk}",
                {**_update_form(evidence_links="https://www.cbd.int/\nhttps://example.org/minutes"),
                 "attachments": [SimpleUploadedFile("workshop.pdf", PDF, content_type="application/pdf"),
                                 SimpleUploadedFile("notes.txt", b"Plain notes.")],
                 "form_key": str(uuid.uuid4()), "submit": "1"})
    first = ProgressUpdate.objects.get(author=lead)
    services.progress_update_return(update=first, by=demo_users["secretariat"], reason="Name the agencies.")
    r = client.post(reverse("activities:update-revise", args=[first.pk]))
    draft = ProgressUpdate.objects.get(revision_of=first)
    assert r["Location"] == reverse("activities:update-edit", args=[draft.pk])
    assert draft.links == ["https://www.cbd.int/", "https://example.org/minutes"]
    copies = {f.original_name: f for f in draft.files.all()}
    originals = {f.original_name: f for f in first.files.all()}
    assert set(copies) == {"workshop.pdf", "notes.txt"}
    for name, copy in copies.items():
        assert copy.file.name.startswith(f"evidence/{draft.pk}/") and copy.file.name != originals[name].file.name
        assert (copy.content_type, copy.size) == (originals[name].content_type, originals[name].size)
    # The draft's form lists its files, each with a remove box; the lead removes one explicitly.
    form = client.get(r["Location"]).content.decode()
    assert "workshop.pdf" in form and "notes.txt" in form and form.count('name="remove_files"') == 2
    client.post(r["Location"], {**_update_form(narrative="UNDP and WMO still to report.",
                                               evidence_links="https://www.cbd.int/\nhttps://example.org/minutes"),
                                "version": _hidden(form, "version"), "remove_files": [copies["notes.txt"].pk],
                                "submit": "1"})
    draft.refresh_from_db()
    assert draft.review_state == "submitted" and [f.original_name for f in draft.files.all()] == ["workshop.pdf"]
    assert EvidenceFile.objects.filter(update=first).count() == 2  # the returned update keeps its own
    services.progress_update_accept(update=draft, by=demo_users["secretariat"])
    pdf = draft.files.get()
    for role in ("chair", "viewer"):
        page = client_as(role).get(reverse("activities:update-detail", args=[draft.pk])).content.decode()
        assert "workshop.pdf" in page and "https://example.org/minutes" in page
        download = client_as(role).get(reverse("activities:evidence-download", args=[pdf.pk]))
        assert download.status_code == 200 and b"".join(download.streaming_content) == PDF


def test_revise_twice_starts_one_draft(client_as, demo_users, a1a):
    lead = demo_users["biodiversity-lead"]
    update = services.progress_update_submit(update=_draft(a1a, lead), by=lead, expected_version=1)
    services.progress_update_return(update=update, by=demo_users["secretariat"], reason="More detail.")
    client = client_as("biodiversity-lead")
    first = client.post(reverse("activities:update-revise", args=[update.pk]))
    second = client.post(reverse("activities:update-revise", args=[update.pk]))
    assert first["Location"] == second["Location"] and ProgressUpdate.objects.filter(revision_of=update).count() == 1


# Rights read now, and history only for those who could read it then ---------------------------------


def test_a_lead_moved_to_viewer_can_no_longer_edit_or_submit_the_old_draft(client_as, demo_users, a1a):
    lead = demo_users["biodiversity-lead"]
    draft = _draft(a1a, lead, narrative="Draft written while leading.")
    moved = client_as("secretariat").post(reverse("accounts:user-roles", args=[lead.pk]), {"role": "viewer"})
    assert moved.status_code == 302 and not lead.lead_bodies.exists()
    client = client_as("biodiversity-lead")
    edit = reverse("activities:update-edit", args=[draft.pk])
    assert client.get(edit).status_code == 403
    assert client.post(edit, _update_form(narrative="Edited after demotion", version=1, save="1")).status_code == 403
    assert client.post(reverse("activities:update-submit", args=[draft.pk]), {"version": 1}).status_code == 403
    page = client.get(reverse("activities:update-detail", args=[draft.pk])).content.decode()
    assert "Edit draft" not in page and "Submit for review" not in page
    draft.refresh_from_db()
    assert draft.review_state == "draft" and draft.narrative == "Draft written while leading." and draft.version == 1
    sec_page = client_as("secretariat").get(reverse("activities:update-detail", args=[draft.pk]))
    assert sec_page.status_code == 200 and "Draft written while leading." in sec_page.content.decode()


def test_history_of_an_accepted_update_shows_earlier_wording_only_to_author_and_secretariat(client_as, demo_users,
                                                                                           a1a):
    lead, sec = demo_users["biodiversity-lead"], demo_users["secretariat"]
    draft = _draft(a1a, lead, narrative="Private first wording.")
    draft = services.progress_update_save(update=draft, activity=a1a.activity, milestone=a1a, author=lead,
                                          data={"narrative": "Accepted wording."}, expected_version=1)
    draft = services.progress_update_submit(update=draft, by=lead, expected_version=draft.version)
    services.progress_update_accept(update=draft, by=sec)
    url = reverse("activities:update-detail", args=[draft.pk])
    for role in ("viewer", "chair", "greeneconomy-lead"):
        html = client_as(role).get(url).content.decode()
        assert "Accepted wording." in html and "Private first wording." not in html
        assert "Submitted → Accepted" in html  # the review events stay
    for role in ("biodiversity-lead", "secretariat"):
        html = client_as(role).get(url).content.decode()
        assert "Private first wording. → Accepted wording." in html


# A create form sent twice files once ----------------------------------------------------------------


def test_a_double_posted_progress_form_makes_one_update(client_as, demo_users, a1a, media):
    client = client_as("biodiversity-lead")
    url = reverse("activities:update-create") + f"?milestone={a1a.pk}"
    key = _hidden(client.get(url).content.decode(), "form_key")
    assert uuid.UUID(key)
    assert _hidden(client.get(url).content.decode(), "form_key") != key  # one key per rendered form
    first = client.post(url, {**_update_form(), "form_key": key, "submit": "1",
                              "attachments": [SimpleUploadedFile("workshop.pdf", PDF)]})
    second = client.post(url, {**_update_form(), "form_key": key, "submit": "1",
                               "attachments": [SimpleUploadedFile("workshop.pdf", PDF)]}, follow=True)
    update = ProgressUpdate.objects.get(author=demo_users["biodiversity-lead"])
    assert first["Location"] == reverse("activities:update-detail", args=[update.pk])
    assert second.redirect_chain[-1][0] == first["Location"]
    assert "already been sent" in second.content.decode()
    assert update.review_state == "submitted" and update.files.count() == 1
    # Another rendering of the form is another update.
    client.post(url, {**_update_form(narrative="A second report."), "form_key": str(uuid.uuid4())})
    assert ProgressUpdate.objects.filter(author=demo_users["biodiversity-lead"]).count() == 2


def test_a_progress_form_sent_again_with_other_text_keeps_the_text_and_files_nothing_twice(client_as, demo_users,
                                                                                            a1a):
    client = client_as("biodiversity-lead")
    url = reverse("activities:update-create") + f"?milestone={a1a.pk}"
    key = _hidden(client.get(url).content.decode(), "form_key")
    client.post(url, {**_update_form(), "form_key": key})
    # Back button, an edit, and the same form sent again.
    r = client.post(url, {**_update_form(narrative="Edited after going back."), "form_key": key})
    html = r.content.decode()
    first = ProgressUpdate.objects.get(author=demo_users["biodiversity-lead"])
    assert r.status_code == 409 and "already been sent" in html
    assert reverse("activities:update-detail", args=[first.pk]) in html and "Edited after going back." in html
    new_key = _hidden(html, "form_key")
    assert new_key != key and first.narrative == "The mapping tool went live."
    client.post(url, {**_update_form(narrative="Edited after going back."), "form_key": new_key})
    assert ProgressUpdate.objects.filter(author=demo_users["biodiversity-lead"]).count() == 2


def test_revise_refuses_clearly_when_an_attachment_cannot_be_read(client_as, demo_users, a1a, media, settings):
    from pathlib import Path

    lead = demo_users["biodiversity-lead"]
    client = client_as("biodiversity-lead")
    client.post(reverse("activities:update-create") + f"?milestone={a1a.pk}",
                {**_update_form(), "attachments": [SimpleUploadedFile("notes.txt", b"Plain notes."),
                                                   SimpleUploadedFile("lost.txt", b"Gone from the disk.")],
                 "form_key": str(uuid.uuid4()), "submit": "1"})
    first = ProgressUpdate.objects.get(author=lead)
    services.progress_update_return(update=first, by=demo_users["secretariat"], reason="More detail.")
    Path(settings.MEDIA_ROOT, first.files.get(original_name="lost.txt").file.name).unlink()
    before = sorted(p.name for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())
    r = client.post(reverse("activities:update-revise", args=[first.pk]), follow=True)
    assert "The attachment “lost.txt” of the returned update cannot be read" in r.content.decode()
    assert not ProgressUpdate.objects.filter(revision_of=first).exists()
    assert sorted(p.name for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()) == before  # no copy left
