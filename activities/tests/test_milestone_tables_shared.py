"""The milestone tables of the plan and activity pages come from the shared cache (activities/tables.py): one per
activity and per what the reader may do, built once for everyone, never shown stale. A change to a milestone or
its progress rebuilds its activity's table only; a change to the plan's frame rebuilds them all."""
import datetime
import re
import uuid

import pytest
from django.db import transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accomplishments.models import Meeting
from activities.models import Activity, Milestone, ProgressUpdate
from activities.tables import SCOPE
from devtools.demo import demo_progress_create
from emgplan import fragments

pytestmark = pytest.mark.django_db


def _page(client, url=None):
    """The page's HTML and the ids of the activities whose milestones it read from the database."""
    with CaptureQueriesContext(transaction.get_connection()) as queries:
        r = client.get(url or reverse("activities:plan"))
    assert r.status_code == 200
    read = set()
    for q in queries.captured_queries:
        if q["sql"].startswith('SELECT') and 'FROM "activities_milestone"' in q["sql"] and "parent_id" in q["sql"]:
            for ids in re.findall(r'"activities_milestone"\."activity_id" IN \(([\d, ]+)\)', q["sql"]):
                read |= {int(i) for i in ids.split(",")}
    return r.content.decode(), read


def _table(html, activity):
    """The milestone table of one activity on the page."""
    start = html.index(f'aria-label="Milestones of {activity.code}"')
    return html[start:html.index("</table>", start)]


def _activities(plan):
    return list(Activity.objects.filter(accomplishment__work_plan=plan).select_related("accomplishment"))


def test_built_once_for_every_reader_and_the_same_as_built_without_cache(client_as, seed_plan):
    every = {a.pk for a in _activities(seed_plan)}
    first, read = _page(client_as("chair"))
    assert read == every
    for username in ("viewer", "unido-focal", "chair"):
        again, read = _page(client_as(username))
        assert read == set() and again.count("<table") == first.count("<table")
    with override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}):
        built, read = _page(client_as("chair"))
    assert read == every
    cached, _ = _page(client_as("chair"))
    masked = re.compile(r"[A-Za-z0-9]{64}")  # the CSRF token, masked afresh on every page
    assert masked.sub("", cached) == masked.sub("", built)  # byte for byte


def test_what_the_reader_may_do_is_not_shown_to_another(client_as, seed_plan):
    a1 = Activity.objects.get(accomplishment__code="A", number=1, accomplishment__work_plan=seed_plan)
    a2 = Activity.objects.get(accomplishment__code="A", number=2, accomplishment__work_plan=seed_plan)
    viewer, _ = _page(client_as("viewer"))
    lead, read = _page(client_as("biodiversity-lead"))  # leads A.1
    assert read == {a1.pk}  # the other tables are the viewer's: the lead may do nothing more there
    assert "Change status" in _table(lead, a1) and "Change status" not in _table(lead, a2)
    again, read = _page(client_as("viewer"))
    assert read == set() and "Change status" not in again and _table(again, a1) == _table(viewer, a1)
    secretariat, _ = _page(client_as("secretariat"))
    assert "Change status" in _table(secretariat, a2)
    # The link comes back to the page it was on: another section of the plan is another table.
    section, read = _page(client_as("secretariat"), reverse("activities:plan") + "?ea=A")
    assert a1.pk in read and "next=/%3Fea%3DA" in _table(section, a1).replace("%2F", "/")


def test_a_status_change_shows_at_once_and_rebuilds_one_table(client_as, seed_plan):
    m = Milestone.objects.get(activity__accomplishment__code="A", activity__number=1, label="a", parent=None)
    _page(client_as("chair"))
    r = client_as("biodiversity-lead").post(reverse("activities:milestone-status", args=[m.pk]), {
        f"m{m.pk}-status": "delayed", f"m{m.pk}-completed_on": "", f"m{m.pk}-version": m.version,
        f"m{m.pk}-reason": "Waiting for the partners' data."})
    assert r.status_code in (200, 302)
    html, read = _page(client_as("chair"))
    assert read == {m.activity_id}
    row = _table(html, m.activity)
    row = row[row.index(f'id="milestone-{m.pk}"'):]
    assert "Delayed" in row[:row.index("</tr>")]
    url = reverse("activities:activity-detail", args=[m.activity_id])
    detail, read = _page(client_as("chair"), url)
    assert read == {m.activity_id} and "Delayed" in _table(detail, m.activity)
    again, read = _page(client_as("viewer"), url)
    assert read == set() and _table(again, m.activity) == _table(detail, m.activity)


def test_accepted_progress_changes_health_at_once(client_as, seed_plan, settings):
    settings.EMG_TODAY = "2014-06-15"
    demo_progress_create()
    update = ProgressUpdate.objects.filter(review_state="submitted", milestone__isnull=False).first()
    _page(client_as("chair"))
    assert client_as("secretariat").post(reverse("activities:update-accept", args=[update.pk])).status_code == 302
    html, read = _page(client_as("chair"))
    assert read == {update.activity_id}


def test_a_draft_filed_or_submitted_rebuilds_no_table_accepting_it_one(client_as, seed_plan, settings):
    settings.EMG_TODAY = "2014-06-15"
    m = Milestone.objects.get(activity__accomplishment__code="A", activity__number=1, label="a", parent=None)
    before, _ = _page(client_as("chair"))
    for submit in ({}, {"submit": "1"}):  # a draft saved, then one sent for review: neither changes a table
        narrative = f"Progress {len(submit)}"
        r = client_as("biodiversity-lead").post(reverse("activities:update-create") + f"?milestone={m.pk}", {
            "period_start": "2014-04-01", "period_end": "2014-06-14", "reported_status": "at_risk",
            "narrative": narrative, "evidence_links": "", "form_key": str(uuid.uuid4()), **submit})
        assert r.status_code == 302
        html, read = _page(client_as("chair"))
        assert read == set() and _table(html, m.activity) == _table(before, m.activity)
    update = ProgressUpdate.objects.get(narrative="Progress 1", review_state="submitted")
    assert client_as("secretariat").post(reverse("activities:update-accept", args=[update.pk])).status_code == 302
    html, read = _page(client_as("chair"))
    assert read == {m.activity_id} and _table(html, m.activity) != _table(before, m.activity)


def test_arranging_the_plan_is_built_for_the_secretariat_alone(client_as, seed_plan):
    every = {a.pk for a in _activities(seed_plan)}
    _page(client_as("secretariat"))
    arranging, read = _page(client_as("secretariat"), reverse("activities:plan") + "?arrange=1")
    assert read == every and arranging.count("Move up") > len(every)  # each activity's controls, with its token
    again, read = _page(client_as("secretariat"), reverse("activities:plan") + "?arrange=1")
    assert read == every
    plain, read = _page(client_as("secretariat"))
    assert read == set() and "Move up" not in plain


def test_the_plans_frame_rebuilds_every_table(client_as, seed_plan):
    every = {a.pk for a in _activities(seed_plan)}
    m = Milestone.objects.filter(due_meeting__isnull=False, due_date__isnull=True,
                                 activity__accomplishment__work_plan=seed_plan).select_related("due_meeting").first()
    _page(client_as("chair"))
    meeting = Meeting.objects.get(pk=m.due_meeting_id)
    meeting.code = "SOM20bis"
    meeting.save()
    html, read = _page(client_as("chair"))
    assert read == every and "SOM20bis" in _table(html, m.activity)
    activity = Activity.objects.get(pk=m.activity_id)
    activity.title = "A title of its own"
    activity.save()
    _, read = _page(client_as("chair"))
    assert read == every


def test_a_milestone_moved_to_another_activity_leaves_both_tables(client_as, seed_plan):
    m = Milestone.objects.get(activity__accomplishment__code="A", activity__number=1, label="a", parent=None)
    a1 = m.activity
    a2 = Activity.objects.get(accomplishment__code="A", number=2, accomplishment__work_plan=seed_plan)
    _page(client_as("chair"))
    r = client_as("secretariat").post(reverse("activities:milestone-edit", args=[m.pk]), {
        "activity": a2.pk, "parent": "", "label": "z", "order": 99, "text": "Moved here from A.1",
        "due_meeting": m.due_meeting_id or "", "due_date": "", "status": m.status, "completed_on": "",
        "version": m.version})
    assert r.status_code == 302 and Milestone.objects.get(pk=m.pk).activity_id == a2.pk
    html, read = _page(client_as("chair"))
    assert read == {a1.pk, a2.pk}
    assert "Moved here from A.1" in _table(html, a2) and "Moved here from A.1" not in _table(html, a1)


def test_progress_filed_before_a_move_retires_the_table_the_milestone_is_in_now(client_as, demo_users, seed_plan):
    from activities import services

    m = Milestone.objects.get(activity__accomplishment__code="A", activity__number=1, label="a", parent=None)
    a1 = m.activity
    a2 = Activity.objects.get(accomplishment__code="A", number=2, accomplishment__work_plan=seed_plan)
    lead = demo_users["biodiversity-lead"]
    update = services.progress_update_save(activity=a1, milestone=m, author=lead, data={
        "period_start": datetime.date(2014, 4, 1), "period_end": datetime.date(2014, 6, 1),
        "reported_status": m.status, "narrative": "Filed before the move"})  # accepting it saves no milestone
    update = services.progress_update_submit(update=update, by=lead, expected_version=update.version)
    m.activity = a2
    m.label = "z"
    m.save()
    assert ProgressUpdate.objects.get(pk=update.pk).activity_id == a1.pk  # the update stays where it was filed
    _page(client_as("chair"))
    assert client_as("secretariat").post(reverse("activities:update-accept", args=[update.pk])).status_code == 302
    _, read = _page(client_as("chair"))
    assert a2.pk in read  # the moved milestone's health is shown in A.2's table


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_retires_nothing_a_committed_one_its_table(seed_plan):
    m = Milestone.objects.filter(activity__accomplishment__work_plan=seed_plan).first()
    batch = lambda: fragments.Batch("t", plan_id=1, kinds=[fragments.FRAME], scope=SCOPE, ids=[m.activity_id])  # noqa: E731
    key = batch().keys[m.activity_id]
    with pytest.raises(RuntimeError), transaction.atomic():
        m.text = "Never saved"
        m.save()
        raise RuntimeError
    assert batch().keys[m.activity_id] == key
    m.refresh_from_db()
    m.completed_on, m.status = datetime.date(2014, 5, 1), "completed"
    m.save()
    assert batch().keys[m.activity_id] != key


def test_a_long_section_is_shown_a_page_of_activities_at_a_time(client_as, seed_plan, monkeypatch,
                                                               django_assert_max_num_queries):
    from activities import selectors

    monkeypatch.setattr(selectors, "ACTIVITIES_PER_PAGE", 3)
    order = [a.pk for a in Activity.objects.filter(accomplishment__work_plan=seed_plan)
             .order_by("accomplishment__order", "accomplishment__code", "number")]
    assert len(order) == 10
    client = client_as("chair")
    seen = []
    for page in (1, 2, 3, 4):
        with django_assert_max_num_queries(12):
            html, _ = _page(client, reverse("activities:plan") + f"?ea=all&page={page}")
        ids = [int(i) for i in re.findall(r'<article class="[^"]*" aria-labelledby="act-(\d+)"', html)]
        assert 1 <= len(ids) <= 3
        seen += ids
        assert f"Page {page} of 4" in html
        first = 3 * (page - 1) + 1
        assert f"Activities {first}–{first + len(ids) - 1} of 10" in html
        if page < 4:
            assert f'href="?ea=all&amp;page={page + 1}">Next</a>' in html
    assert seen == order  # every activity once, in the document's order
    # Accomplishment headings only where their activities are: page 1 holds A.1-A.3, all under A.
    html, _ = _page(client, reverse("activities:plan") + "?ea=all&page=1")
    assert 'id="ea-A"' in html and 'id="ea-D"' not in html
    for bad in ("abc", "0", "999"):  # the first or the last page, never an error
        assert client.get(reverse("activities:plan") + f"?ea=all&page={bad}").status_code == 200
    html, _ = _page(client_as("secretariat"), reverse("activities:plan") + "?ea=all&arrange=1")
    assert 'href="?ea=all&amp;arrange=1&amp;page=2">Next</a>' in html  # arranging goes on over the pages


def test_the_parts_counts_follow_a_milestone_added_and_deleted_at_once(client_as, seed_plan):
    """The parts with their counts of activities and milestones (the chooser) are kept in the shared cache."""
    a1 = Activity.objects.get(accomplishment__code="A", number=1, accomplishment__work_plan=seed_plan)

    def count_of_a(html):
        return int(re.search(r'>A\. [^<]*<span class="text-nowrap">\(\d+ activit(?:y|ies), (\d+) milestones?\)',
                             html)[1])

    client = client_as("secretariat")
    url = reverse("activities:plan") + "?ea=A"
    before = count_of_a(_page(client, url)[0])
    assert before == Milestone.objects.filter(activity__accomplishment=a1.accomplishment).count()
    r = client.post(reverse("activities:milestone-create") + f"?activity={a1.pk}", {
        "activity": a1.pk, "parent": "", "label": "q", "order": 9, "text": "Added through its page",
        "due_meeting": "", "due_date": "2015-03-01", "status": "not_started", "completed_on": ""})
    assert r.status_code == 302
    assert count_of_a(_page(client, url)[0]) == before + 1
    m = Milestone.objects.get(text="Added through its page")
    r = client.post(reverse("activities:milestone-delete", args=[m.pk]), {"version": m.version})
    assert r.status_code == 302 and not Milestone.objects.filter(pk=m.pk).exists()
    assert count_of_a(_page(client, url)[0]) == before
