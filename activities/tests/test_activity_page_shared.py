"""The activity page's parts that every reader sees alike (lead, mandates, partners, description; contributions;
history) come from the shared cache (activities.tables.activity_fragments), never stale; so does the progress list
for the readers who may see only accepted updates (activities.tables.accepted_updates_fragment), while those who
see more (drafts, submitted or returned updates) have it built for them, as the reader's own buttons are."""
import datetime
import re
import uuid

import pytest
from django.db import transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accomplishments.models import Member
from activities.models import Activity, Contribution
from decisions.models import Decision

pytestmark = pytest.mark.django_db
MASK = re.compile(r"[A-Za-z0-9]{64}")  # the CSRF token, masked afresh on every page


@pytest.fixture
def b2(seed_plan):
    return Activity.objects.get(accomplishment__code="B", number=2, accomplishment__work_plan=seed_plan)


def _page(client, activity, django_assert_max_num_queries=None, budget=None):
    url = reverse("activities:activity-detail", args=[activity.pk])
    if budget is None:
        return MASK.sub("", client.get(url).content.decode())
    with django_assert_max_num_queries(budget):
        return MASK.sub("", client.get(url).content.decode())


def _form(activity, **over):
    return {"member": Member.objects.get(acronym="UNIDO").pk, "activity": activity.pk, "kind": "time", "year": 2014,
            "staff_days": "10", "amount_usd": "", "state": "pledged", "note": "", **over}


def test_the_same_for_every_reader_and_as_built_without_cache(client_as, b2, django_assert_max_num_queries):
    with override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}):
        built = {u: _page(client_as(u), b2) for u in ("viewer", "secretariat", "unido-focal")}
    for username in ("viewer", "secretariat", "unido-focal"):
        _page(client_as(username), b2)
    # Filled: the page reads neither contributions, partners, mandates nor history (session, user, roles,
    # plans, the activity, the reader's progress and bodies)
    for username in ("viewer", "secretariat", "unido-focal"):
        assert _page(client_as(username), b2, django_assert_max_num_queries, 8) == built[username]
    assert "Record a mandate" in built["secretariat"] and "Record a mandate" not in built["viewer"]


def test_a_contribution_recorded_edited_and_moved_shows_at_once(client_as, b2, seed_plan):
    b1 = Activity.objects.get(accomplishment__code="B", number=1, accomplishment__work_plan=seed_plan)
    _page(client_as("viewer"), b2), _page(client_as("viewer"), b1)
    focal = client_as("unido-focal")
    assert focal.post(reverse("activities:contribution-create"), _form(b2, staff_days="17")).status_code == 302
    html = _page(client_as("viewer"), b2)
    assert "No contributions recorded" not in html and ">17<" in html.replace(" ", "").replace(".0<", "<")
    c = Contribution.objects.get(activity=b2, staff_days=17)
    r = client_as("secretariat").post(reverse("activities:contribution-edit", args=[c.pk]),
                   {**_form(b1, staff_days="17"), "version": c.version})
    assert r.status_code == 302 and Contribution.objects.get(pk=c.pk).activity_id == b1.pk
    assert "No contributions recorded" in _page(client_as("viewer"), b2)  # left the one it was on
    assert f'href="{reverse("activities:contribution-detail", args=[c.pk])}"' in _page(client_as("viewer"), b1)


def test_a_mandate_a_partner_name_and_an_edit_show_at_once(client_as, b2, demo_users):
    _page(client_as("viewer"), b2)
    decision = Decision.objects.filter(state="confirmed").first()
    decision.activities.add(b2)  # what the decision's page does when the secretariat records the mandate
    assert decision.reference in _page(client_as("viewer"), b2)
    member = Member.objects.get(acronym="UNIDO")
    b2.partners.add(member)
    b2.save()
    html = _page(client_as("viewer"), b2)
    assert re.search(r"Partners</dt><dd[^>]*>[^<]*UNIDO", html)
    member.acronym = "UNIDO-X"
    member.save()
    assert "UNIDO-X" in _page(client_as("viewer"), b2)
    form = {"accomplishment": b2.accomplishment_id, "number": b2.number, "title": b2.title,
            "description": "A description written today", "lead_body": b2.lead_body_id, "partners": [member.pk],
            "version": Activity.objects.get(pk=b2.pk).version}
    assert client_as("secretariat").post(reverse("activities:activity-edit", args=[b2.pk]), form).status_code == 302
    html = _page(client_as("viewer"), b2)
    assert "<p>A description written today</p>" in html
    history = html[html.index('id="history-heading"'):]
    assert "A description written today" in history  # the change, at the top of the history


# The progress list ------------------------------------------------------------------------------------------


def _progress(html):
    start = html.index('<h2 class="h4 mt-4">Progress</h2>')
    return html[start:html.index("</ul>", start) + 5] if "<ul" in html[start:start + 200] else html[start:start + 300]


@pytest.fixture
def a1(seed_plan, demo_users):
    """A.1 (led by biodiversity-lead) with an accepted update, a submitted one and a draft of its lead's."""
    from activities.models import Milestone, ProgressUpdate

    a1 = Activity.objects.get(accomplishment__code="A", number=1, accomplishment__work_plan=seed_plan)
    m = Milestone.objects.get(activity=a1, label="a", parent=None)
    lead, secretariat = demo_users["biodiversity-lead"], demo_users["secretariat"]
    for state, words in [("accepted", "Accepted words"), ("submitted", "Submitted words"), ("draft", "Draft words")]:
        ProgressUpdate.objects.create(activity=a1, milestone=m, author=lead, review_state=state, narrative=words,
                                      period_start=datetime.date(2014, 1, 1), period_end=datetime.date(2014, 3, 31),
                                      reported_status="on_track",
                                      **({"reviewer": secretariat} if state == "accepted" else {}))
    return a1


def _reads_progress(client, activity):
    """The page, and whether it read the progress list's updates from the database."""
    with CaptureQueriesContext(transaction.get_connection()) as queries:
        html = _page(client, activity)
    return html, any('"activities_progressupdate"."narrative"' in q["sql"] for q in queries.captured_queries)


def test_the_progress_list_of_accepted_updates_is_shared_and_as_built_without_cache(client_as, a1):
    readers = ("viewer", "chair", "unido-focal", "secretariat", "biodiversity-lead")
    with override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}):
        built = {u: _progress(_page(client_as(u), a1)) for u in readers}
    first, read = _reads_progress(client_as("viewer"), a1)
    assert read and _progress(first) == built["viewer"]
    for username in ("chair", "unido-focal", "viewer"):
        html, read = _reads_progress(client_as(username), a1)
        assert not read and _progress(html) == built[username] == built["viewer"]
    assert "Accepted words" in built["viewer"] and "Submitted words" not in built["viewer"]
    # Those who see more are never given the shared list, nor is it built from what they see.
    for username, sees in [("secretariat", "Draft words"), ("biodiversity-lead", "Submitted words")]:
        html, read = _reads_progress(client_as(username), a1)
        assert read and _progress(html) == built[username] and sees in built[username]
    assert "Submitted words" not in _progress(_page(client_as("viewer"), a1))


def test_a_reader_with_an_update_of_their_own_waiting_sees_it(client_as, a1, demo_users):
    """A former lead (no longer of the body) still sees their own draft, as ProgressUpdate.visible_to says."""
    from activities.models import ProgressUpdate

    _page(client_as("viewer"), a1)
    viewer = demo_users["viewer"]
    ProgressUpdate.objects.create(activity=a1, milestone=None, author=viewer, narrative="My own words",
                                  period_start=datetime.date(2014, 1, 1), period_end=datetime.date(2014, 3, 31),
                                  reported_status="on_track")
    html, read = _reads_progress(client_as("viewer"), a1)
    assert read and "My own words" in _progress(html) and "Accepted words" in _progress(html)
    assert "My own words" not in _progress(_page(client_as("chair"), a1))


def test_accepting_shows_at_once_a_draft_rebuilds_nothing(client_as, a1):
    from activities.models import ProgressUpdate

    _page(client_as("viewer"), a1)
    lead = client_as("biodiversity-lead")
    r = lead.post(reverse("activities:update-create") + f"?activity={a1.pk}", {
        "period_start": "2014-04-01", "period_end": "2014-06-14", "reported_status": "on_track",
        "narrative": "Another draft", "evidence_links": "", "form_key": str(uuid.uuid4())})
    assert r.status_code == 302
    html, read = _reads_progress(client_as("viewer"), a1)
    assert not read and "Another draft" not in html
    submitted = ProgressUpdate.objects.get(narrative="Submitted words")
    assert client_as("secretariat").post(reverse("activities:update-accept", args=[submitted.pk])).status_code == 302
    html, read = _reads_progress(client_as("viewer"), a1)
    assert read and "Submitted words" in _progress(html)


def test_what_the_list_names_shows_at_once(client_as, a1, demo_users, seed_plan):
    """Its milestone renamed, even after it moved to another activity (the update stays under A.1), and its
    author's name."""
    from activities.models import Milestone

    m = Milestone.objects.get(activity=a1, label="a", parent=None)
    a2 = Activity.objects.get(accomplishment__code="A", number=2, accomplishment__work_plan=seed_plan)
    assert "A.1(a)" in _progress(_page(client_as("viewer"), a1))
    m.activity, m.label = a2, "y"
    m.save()
    assert "A.2(y)" in _progress(_page(client_as("viewer"), a1))
    r = client_as("secretariat").post(reverse("activities:milestone-edit", args=[m.pk]), {
        "activity": a2.pk, "parent": "", "label": "x", "order": m.order, "text": m.text,
        "due_meeting": m.due_meeting_id or "", "due_date": "", "status": m.status, "completed_on": "",
        "version": Milestone.objects.get(pk=m.pk).version})
    assert r.status_code == 302  # renamed within A.2: the list of A.1, where the update was filed, names it
    assert "A.2(x)" in _progress(_page(client_as("viewer"), a1))
    author = demo_users["biodiversity-lead"]
    author.first_name = "Beatrice"
    author.save()
    assert "Beatrice" in _progress(_page(client_as("viewer"), a1))
