"""The work pages through the test client: bad input, lost updates, attachments, escaping."""
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accomplishments.models import Member
from activities import services
from activities.models import Activity, Contribution, EvidenceFile, Milestone, ProgressUpdate

pytestmark = pytest.mark.django_db


@pytest.fixture
def a1a(seed_plan):
    return Milestone.objects.get(activity__accomplishment__code="A", activity__number=1, label="a", parent=None)


def _status_post(m, **over):
    data = {f"m{m.pk}-status": "on_track", f"m{m.pk}-completed_on": "", f"m{m.pk}-version": m.version}
    data.update({f"m{m.pk}-{k}": v for k, v in over.items()})
    return data


# Inline status -------------------------------------------------------------------------------


def test_inline_status_htmx_returns_the_row(client_as, a1a):
    client = client_as("biodiversity-lead")
    r = client.post(reverse("activities:milestone-status", args=[a1a.pk]), _status_post(a1a),
                    headers={"HX-Request": "true"})
    assert r.status_code == 200
    html = r.content.decode()
    assert html.lstrip().startswith(f'<tr id="milestone-{a1a.pk}"')
    assert "status set to On track" in html
    a1a.refresh_from_db()
    assert a1a.status == "on_track" and a1a.version == 2


def test_the_plan_page_loads_a_status_form_only_when_asked(client_as, a1a):
    client = client_as("secretariat")
    url = reverse("activities:milestone-status", args=[a1a.pk])
    plan = client.get("/").content.decode()
    assert f'name="m{a1a.pk}-status"' not in plan  # no form per milestone on the page
    assert f'href="{url}?next=/"' in plan and f'hx-get="{url}"' in plan
    editing = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert editing.lstrip().startswith(f'<tr id="milestone-{a1a.pk}"')
    assert f'name="m{a1a.pk}-status"' in editing and f'name="m{a1a.pk}-due_date"' in editing  # the secretariat's
    assert f'name="m{a1a.pk}-version" value="{a1a.version}"' in editing
    cancelled = client.get(url, {"show": "row"}, headers={"HX-Request": "true"}).content.decode()
    assert f'name="m{a1a.pk}-status"' not in cancelled and f'hx-get="{url}"' in cancelled
    lead_form = client_as("biodiversity-lead").get(url, headers={"HX-Request": "true"}).content.decode()
    assert f'name="m{a1a.pk}-status"' in lead_form and f'name="m{a1a.pk}-due_date"' not in lead_form


def test_the_milestone_page_offers_the_meetings_and_keeps_the_due_meeting(client_as):
    m = Milestone.objects.filter(due_meeting__isnull=False).select_related("due_meeting").first()
    client = client_as("secretariat")
    html = client.get(reverse("activities:milestone-detail", args=[m.pk])).content.decode()
    assert f'<option value="{m.due_meeting_id}" selected>{m.due_meeting.code}</option>' in html
    r = client.post(reverse("activities:milestone-status", args=[m.pk]),
                    {**_status_post(m), f"m{m.pk}-due_meeting": m.due_meeting_id, "next": "/"})
    assert r.status_code == 302
    m.refresh_from_db()
    assert m.status == "on_track" and m.due_meeting_id is not None


def test_the_status_page_without_javascript_returns_to_where_it_was_opened(client_as, a1a):
    client = client_as("secretariat")
    url = reverse("activities:milestone-status", args=[a1a.pk])
    page = client.get(url, {"next": "/milestones/?status=not_started"}).content.decode()
    assert 'name="next" value="/milestones/?status=not_started"' in page
    assert 'name="next" value="https://evil.example/"' not in client.get(url, {"next": "https://evil.example/"}
                                                                           ).content.decode()
    r = client.post(url, {**_status_post(a1a), "next": "/milestones/?status=not_started"})
    assert r.status_code == 302 and r["Location"] == "/milestones/?status=not_started"


def test_inline_status_without_javascript_redirects_back(client_as, a1a):
    client = client_as("secretariat")
    r = client.post(reverse("activities:milestone-status", args=[a1a.pk]), {**_status_post(a1a), "next": "/"})
    assert r.status_code == 302 and r["Location"] == "/"
    assert "status set to On track" in client.get("/").content.decode()


def test_lead_cannot_set_due_dates_only_status(client_as, a1a):
    r = client_as("biodiversity-lead").post(reverse("activities:milestone-status", args=[a1a.pk]),
                                            _status_post(a1a, due_date="2015-01-01"))
    assert r.status_code == 302
    a1a.refresh_from_db()
    assert a1a.due_date is None and a1a.status == "on_track"


def test_inline_status_conflict_is_refused_and_shows_the_change(client_as, demo_users, a1a):
    stale = _status_post(a1a, status="delayed")
    services.milestone_set_status(milestone_id=a1a.pk, status="at_risk", by=demo_users["biodiversity-lead"],
                                  expected_version=1)
    r = client_as("secretariat").post(reverse("activities:milestone-status", args=[a1a.pk]), stale,
                                      headers={"HX-Request": "true"})
    html = r.content.decode()
    assert "Not saved: Bea Biodiversity changed this record after you opened it" in html
    assert "status: “Not started” → “At risk”" in html
    a1a.refresh_from_db()
    assert a1a.status == "at_risk" and a1a.version == 2
    # Without htmx: 409 with the form and the change listed.
    r = client_as("secretariat").post(reverse("activities:milestone-status", args=[a1a.pk]), stale)
    assert r.status_code == 409 and "Changed since you opened it" in r.content.decode()


@pytest.mark.parametrize("over, message", [
    ({"status": "completed"}, "A completed milestone needs its completion date."),
    ({"completed_on": "2014-05-01"}, "Only a completed milestone has a completion date"),
    ({"status": "completed", "completed_on": "2019-05-01"}, "within the plan period (2013–2015)"),
    ({"due_date": "2017-01-01"}, "within the plan period (2013–2015)"),
])
def test_inline_status_bad_input_keeps_what_was_typed(client_as, a1a, over, message):
    r = client_as("secretariat").post(reverse("activities:milestone-status", args=[a1a.pk]), _status_post(a1a, **over))
    html = r.content.decode()
    assert message in html
    for value in over.values():
        assert f'value="{value}"' in html or f'value="{value}" selected' in html
    a1a.refresh_from_db()
    assert a1a.status == "not_started" and a1a.version == 1


# Form saves and lost updates ------------------------------------------------------------------


def _milestone_form(m, **over):
    data = {"activity": m.activity_id, "parent": "", "label": m.label, "order": m.order, "text": m.text,
            "due_meeting": m.due_meeting_id or "", "due_date": "", "status": m.status, "completed_on": "",
            "version": m.version}
    data.update(over)
    return data


def test_milestone_edit_conflict_shows_what_changed_and_overwrites_nothing(client_as, demo_users, a1a):
    stale = _milestone_form(a1a, text="Secretariat's rewording")
    services.milestone_set_status(milestone_id=a1a.pk, status="delayed", by=demo_users["biodiversity-lead"],
                                  expected_version=1)
    r = client_as("secretariat").post(reverse("activities:milestone-edit", args=[a1a.pk]), stale)
    html = r.content.decode()
    assert r.status_code == 409 and "Not saved" in html and "“Not started” → “Delayed”" in html
    a1a.refresh_from_db()
    assert a1a.status == "delayed" and a1a.text.startswith("Finalize the online mapping tool")
    ok = client_as("secretariat").post(reverse("activities:milestone-edit", args=[a1a.pk]),
                                       _milestone_form(a1a, text="Secretariat's rewording"))
    assert ok.status_code == 302
    a1a.refresh_from_db()
    assert a1a.text == "Secretariat's rewording" and a1a.status == "delayed"


def test_activity_edit_conflict(client_as, demo_users, seed_plan):
    a = Activity.objects.get(accomplishment__code="A", number=3)
    form = {"accomplishment": a.accomplishment_id, "number": 3, "title": "New title", "description": "",
            "lead_body": a.lead_body_id, "version": a.version}
    services.record_update(model=Activity, pk=a.pk, data={"description": "Changed elsewhere"},
                           by=demo_users["secretariat"], expected_version=a.version)
    r = client_as("secretariat").post(reverse("activities:activity-edit", args=[a.pk]), form)
    assert "Not saved" in r.content.decode()
    a.refresh_from_db()
    assert a.title.startswith("Preparing a UN system-wide contribution") and a.description == "Changed elsewhere"


def _contribution_form(**over):
    data = {"member": Member.objects.get(acronym="UNIDO").pk,
            "activity": Activity.objects.get(accomplishment__code="B", number=2).pk,
            "kind": "time", "year": 2014, "staff_days": "10", "amount_usd": "", "state": "pledged",
            "note": ""}
    data.update(over)
    return data


def test_contribution_edit_conflict(client_as, demo_users, seed_plan):
    client = client_as("unido-focal")
    client.post(reverse("activities:contribution-create"), _contribution_form())
    c = Contribution.objects.get()
    stale = {**_contribution_form(staff_days="20"), "version": 1}
    services.record_update(model=Contribution, pk=c.pk, data={"state": "reported"}, by=demo_users["secretariat"],
                           expected_version=1)
    r = client.post(reverse("activities:contribution-edit", args=[c.pk]), stale)
    assert "Not saved" in r.content.decode() and "“Pledged” → “Reported”" in r.content.decode()
    c.refresh_from_db()
    assert c.staff_days == 10 and c.state == "reported"


# Contributions -------------------------------------------------------------------------------------


def test_focal_point_records_and_sees_totals(client_as, seed_plan):
    client = client_as("unido-focal")
    r = client.post(reverse("activities:contribution-create"), _contribution_form(), follow=True)
    assert "Contribution recorded" in r.content.decode()
    client.post(reverse("activities:contribution-create"),
                _contribution_form(kind="financial", staff_days="", amount_usd="2500.50", year=2015))
    html = client.get(reverse("activities:contribution-mine")).content.decode()
    assert 'id="total-days">10<' in html and 'id="total-usd">2,500.50<' in html


def test_focal_point_cannot_record_for_another_member(client_as, seed_plan):
    r = client_as("unido-focal").post(reverse("activities:contribution-create"),
                                      _contribution_form(member=Member.objects.get(acronym="WMO").pk))
    assert "Select a valid choice" in r.content.decode()
    assert Contribution.objects.count() == 0


@pytest.mark.parametrize("over, message", [
    ({"amount_usd": "-1", "kind": "financial"}, "greater than or equal to 0"),
    ({"amount_usd": "100000000.01", "kind": "financial"}, "less than or equal to 100000000"),
    ({"staff_days": "10000.5"}, "less than or equal to 10000"),
    ({"year": "2016"}, "within the plan period, 2014 to 2015"),
    ({"staff_days": ""}, "Give staff days, an amount in USD, or both."),
])
def test_bad_contribution_refused_and_typed_values_kept(client_as, seed_plan, over, message):
    data = _contribution_form(note="Kept note", **over)
    r = client_as("unido-focal").post(reverse("activities:contribution-create"), data)
    html = r.content.decode()
    assert r.status_code == 200 and message in html
    assert "Kept note" in html
    assert Contribution.objects.count() == 0


def test_delete_asks_for_confirmation_first(client_as, seed_plan):
    client = client_as("unido-focal")
    client.post(reverse("activities:contribution-create"), _contribution_form())
    c = Contribution.objects.get()
    page = client.get(reverse("activities:contribution-delete", args=[c.pk]))
    assert "Yes, delete" in page.content.decode() and Contribution.objects.count() == 1
    assert f'name="version" value="{c.version}"' in page.content.decode()
    r = client.post(reverse("activities:contribution-delete", args=[c.pk]), {"version": c.version}, follow=True)
    assert "deleted" in r.content.decode() and Contribution.objects.count() == 0


# Progress filing and review ---------------------------------------------------------------------


def _update_form(**over):
    data = {"period_start": "2014-01-01", "period_end": "2014-03-31", "reported_status": "on_track",
            "narrative": "The mapping tool went live.", "evidence_links": "https://www.cbd.int/"}
    data.update(over)
    return data


def _pdf():
    return SimpleUploadedFile("report.pdf", b"%PDF-1.4\n%fake but well-formed enough\n", content_type="application/pdf")


def _docx_bytes():
    """A real Word document: evidence is checked by opening it, so a zip with the marker entry alone fails."""
    import docx

    buffer = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("Minutes of the IMG meeting.")
    document.save(buffer)
    return buffer.getvalue()


def test_lead_files_draft_with_attachment_and_submits(client_as, a1a, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = client_as("biodiversity-lead")
    url = reverse("activities:update-create") + f"?milestone={a1a.pk}"
    r = client.post(url, {**_update_form(), "attachments": [_pdf(), SimpleUploadedFile(
        "minutes.docx", _docx_bytes())], "save": "1"}, follow=True)
    assert "Draft saved" in r.content.decode()
    update = ProgressUpdate.objects.get()
    assert update.review_state == "draft"
    files = list(update.files.order_by("original_name"))
    assert [f.original_name for f in files] == ["minutes.docx", "report.pdf"]
    assert all(f.file.name.startswith(f"evidence/{update.pk}/") and "report" not in f.file.name for f in files)
    download = client.get(reverse("activities:evidence-download", args=[files[1].pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    # nobody outside the scope can fetch it
    assert client_as("greeneconomy-lead").get(reverse("activities:evidence-download", args=[files[1].pk])
                                              ).status_code == 404
    client = client_as("biodiversity-lead")
    r = client.post(reverse("activities:update-submit", args=[update.pk]), {"version": update.version}, follow=True)
    assert "submitted for review" in r.content.decode()


@pytest.mark.parametrize("name, content, message", [
    ("virus.exe", b"MZ\x90\x00", "is not an allowed type"),
    ("fake.pdf", b"<html>not a pdf</html>", "does not contain what its name says"),
    ("image.png", b"\xff\xd8\xff\xe0 jpeg really", "does not contain what its name says"),
    ("notes.txt", b"\x00\x01\x02binary", "does not contain what its name says"),
])
def test_bad_attachments_refused(client_as, a1a, name, content, message, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    url = reverse("activities:update-create") + f"?milestone={a1a.pk}"
    r = client_as("biodiversity-lead").post(url, {**_update_form(narrative="Typed narrative kept"),
                                                  "attachments": [SimpleUploadedFile(name, content)]})
    html = r.content.decode()
    assert message in html and "Typed narrative kept" in html
    assert ProgressUpdate.objects.count() == 0 and EvidenceFile.objects.count() == 0


def test_attachment_over_20_mb_refused(client_as, a1a, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    big = SimpleUploadedFile("big.txt", b"a" * (20 * 1024 * 1024 + 1))
    r = client_as("biodiversity-lead").post(reverse("activities:update-create") + f"?milestone={a1a.pk}",
                                            {**_update_form(), "attachments": [big]})
    assert "larger than 20 MB" in r.content.decode()
    assert ProgressUpdate.objects.count() == 0


@pytest.mark.parametrize("over, field_message", [
    ({"reported_status": "at_risk", "narrative": ""}, "Explain in the narrative why the work is at risk or delayed."),
    ({"reported_status": "delayed", "narrative": "  "}, "Explain in the narrative why the work is at risk or delayed."),
    ({"period_start": "2011-01-01"}, "within the plan period (2013–2015)"),
    ({"period_end": "2013-12-01"}, "The reporting period cannot end before it starts."),
    ({"evidence_links": "javascript:alert(1)"}, "is not a web address"),
])
def test_bad_progress_refused(client_as, a1a, over, field_message):
    r = client_as("biodiversity-lead").post(reverse("activities:update-create") + f"?milestone={a1a.pk}",
                                            _update_form(**over))
    assert field_message in r.content.decode()
    assert ProgressUpdate.objects.count() == 0


def test_return_without_reason_refused(client_as, demo_users, a1a):
    lead = demo_users["biodiversity-lead"]
    update = services.progress_update_save(activity=a1a.activity, milestone=a1a, author=lead,
                                           data={"period_start": datetime.date(2014, 1, 1),
                                                 "period_end": datetime.date(2014, 3, 31),
                                                 "reported_status": "on_track", "narrative": "x"})
    services.progress_update_submit(update=update, by=lead, expected_version=update.version)
    r = client_as("secretariat").post(reverse("activities:update-return", args=[update.pk]), {"reason": ""})
    assert "Say why the update is returned." in r.content.decode()
    update.refresh_from_db()
    assert update.review_state == "submitted"


def test_script_in_narrative_shown_as_text(client_as, demo_users, a1a):
    lead = demo_users["biodiversity-lead"]
    client = client_as("biodiversity-lead")
    client.post(reverse("activities:update-create") + f"?milestone={a1a.pk}",
                _update_form(narrative="<script>alert('x')</script><b>bold</b>"))
    update = ProgressUpdate.objects.get(author=lead)
    html = client.get(reverse("activities:update-detail", args=[update.pk])).content.decode()
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    client_as("unido-focal").post(reverse("activities:contribution-create"),
                                  _contribution_form(note="<img src=x onerror=alert(1)>"))
    c = Contribution.objects.get()
    html = client_as("viewer").get(reverse("activities:contribution-detail", args=[c.pk])).content.decode()
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_drafts_visible_only_to_author_and_secretariat(client_as, demo_users, a1a):
    lead = demo_users["biodiversity-lead"]
    services.progress_update_save(activity=a1a.activity, milestone=a1a, author=lead,
                                  data={"period_start": datetime.date(2014, 1, 1),
                                        "period_end": datetime.date(2014, 3, 31), "reported_status": "on_track",
                                        "narrative": "Secret draft words"})
    detail = reverse("activities:milestone-detail", args=[a1a.pk])
    assert "Secret draft words" in client_as("biodiversity-lead").get(detail).content.decode()
    assert "Secret draft words" in client_as("secretariat").get(detail).content.decode()
    for role in ("chair", "viewer", "greeneconomy-lead"):
        assert "Secret draft words" not in client_as(role).get(detail).content.decode()


def test_submitted_progress_visible_to_the_bodys_other_leads_not_to_other_readers(client_as, demo_users, a1a,
                                                                                  client):
    """ProgressUpdate.objects.visible_to: accepted for everyone; submitted also to every lead of the activity's
    body; a draft only to its author (and the secretariat), even for the body's other leads."""
    from django.contrib.auth.models import User

    lead = demo_users["biodiversity-lead"]
    co_lead = User.objects.create_user("co-lead", password="x")
    co_lead.groups.set(lead.groups.all())
    a1a.activity.lead_body.leads.add(co_lead)
    data = {"period_start": datetime.date(2014, 1, 1), "period_end": datetime.date(2014, 3, 31),
            "reported_status": "on_track"}
    draft = services.progress_update_save(activity=a1a.activity, milestone=a1a, author=lead,
                                          data={**data, "narrative": "Draft words"})
    sent = services.progress_update_save(activity=a1a.activity, milestone=a1a, author=lead,
                                         data={**data, "narrative": "Submitted words"})
    services.progress_update_submit(update=sent, by=lead, expected_version=sent.version)
    assert draft.review_state == "draft"
    for url in (reverse("activities:milestone-detail", args=[a1a.pk]),
                reverse("activities:activity-detail", args=[a1a.activity_id])):
        client.force_login(co_lead)
        html = client.get(url).content.decode()
        assert "Submitted words" in html and "Draft words" not in html
        for role in ("chair", "viewer", "greeneconomy-lead"):
            html = client_as(role).get(url).content.decode()
            assert "Submitted words" not in html and "Draft words" not in html
        html = client_as("biodiversity-lead").get(url).content.decode()
        assert "Submitted words" in html and "Draft words" in html
    assert set(ProgressUpdate.objects.visible_to(co_lead).filter(activity=a1a.activity)) == \
        set(ProgressUpdate.objects.filter(activity=a1a.activity).exclude(review_state="draft"))


def test_my_work_lists_own_milestones_with_last_accepted_date(client_as, demo_users, a1a,
                                                              django_assert_max_num_queries):
    lead, sec = demo_users["biodiversity-lead"], demo_users["secretariat"]
    update = services.progress_update_save(activity=a1a.activity, milestone=a1a, author=lead,
                                           data={"period_start": datetime.date(2014, 1, 1),
                                                 "period_end": datetime.date(2014, 3, 31),
                                                 "reported_status": "on_track", "narrative": "ok"})
    services.progress_update_submit(update=update, by=lead, expected_version=update.version)
    update = services.progress_update_accept(update=update, by=sec)
    client = client_as("biodiversity-lead")
    with django_assert_max_num_queries(16):
        html = client.get(reverse("activities:my-work")).content.decode()
    for label in "abcd":
        assert f">A.1({label})</a>" in html
    assert "A.2(a)" not in html
    assert update.reviewed_at.strftime("%-d %b %Y") in html


def test_review_queue_is_paginated(client_as, demo_users, a1a):
    lead = demo_users["biodiversity-lead"]
    for i in range(30):
        u = services.progress_update_save(activity=a1a.activity, milestone=a1a, author=lead,
                                          data={"period_start": datetime.date(2014, 1, 1),
                                                "period_end": datetime.date(2014, 3, 31),
                                                "reported_status": "on_track", "narrative": f"n{i}"})
        services.progress_update_submit(update=u, by=lead, expected_version=u.version)
    html = client_as("secretariat").get(reverse("activities:review-queue")).content.decode()
    assert "Page 1 of 2" in html and html.count("Accept…<span") == 25


def test_secretariat_sets_roles_without_admin(client_as, seed_plan, django_user_model):
    from activities.models import LeadBody

    user = django_user_model.objects.create_user("newlead")
    body = LeadBody.objects.get(short_name="IMG Green Economy")
    client = client_as("secretariat")
    r = client.post(reverse("accounts:user-roles", args=[user.pk]), {"role": "lead", "lead_bodies": []})
    assert "Choose the lead bodies this lead leads." in r.content.decode()
    client.post(reverse("accounts:user-roles", args=[user.pk]), {"role": "lead", "lead_bodies": [body.pk]})
    assert list(user.lead_bodies.all()) == [body] and user.groups.get().name == "lead"


def test_accept_asks_for_confirmation_before_it_acts(client_as, demo_users, a1a):
    lead = demo_users["biodiversity-lead"]
    update = services.progress_update_save(activity=a1a.activity, milestone=a1a, author=lead,
                                           data={"period_start": datetime.date(2014, 1, 1),
                                                 "period_end": datetime.date(2014, 3, 31),
                                                 "reported_status": "at_risk", "narrative": "Slipping."})
    services.progress_update_submit(update=update, by=lead, expected_version=update.version)
    client = client_as("secretariat")
    queue = client.get(reverse("activities:review-queue")).content.decode()
    accept_url = reverse("activities:update-accept", args=[update.pk])
    assert f'href="{accept_url}"' in queue and f'action="{accept_url}"' not in queue  # a link to the question
    page = client.get(accept_url).content.decode()
    assert f"Accept the update on {a1a}?" in page and "sets the milestone's status to <strong>At risk" in page
    update.refresh_from_db()
    a1a.refresh_from_db()
    assert update.review_state == "submitted" and a1a.status != "at_risk"  # asking changed nothing
    r = client.post(accept_url, {"next": reverse("activities:review-queue")})
    assert r.status_code == 302 and r["Location"] == reverse("activities:review-queue")
    update.refresh_from_db()
    assert update.review_state == "accepted"
    # once accepted there is nothing left to confirm (the review rule refuses it)
    assert client.get(accept_url).status_code == 403
