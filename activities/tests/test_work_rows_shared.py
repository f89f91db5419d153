"""The rows of My work and of the review queue come from the shared cache (activities/work_tables.py): each
activity's milestone rows as any of its leads sees them, each submitted update's row as every reviewer sees it,
built once, byte for byte what the page shows without the cache, and never stale: each kind of change made
through its page shows at once, and rebuilds only the rows it touches."""
import datetime
import re
import uuid

import pytest
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accomplishments.models import Meeting
from activities.models import Activity, LeadBody, Milestone, ProgressUpdate
from activities.work_tables import review_batch, review_queue_queryset
from emgplan import roles

pytestmark = pytest.mark.django_db

MY_WORK, QUEUE = reverse("activities:my-work"), reverse("activities:review-queue")
NO_CACHE = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}


@pytest.fixture
def a1a(seed_plan):
    return Milestone.objects.get(activity__accomplishment__code="A", activity__number=1, label="a", parent=None)


def _page(client, url=MY_WORK):
    """The page's main content (CSRF tokens masked), and the ids of the activities whose milestones and of the
    updates whose rows it read from the database."""
    with CaptureQueriesContext(transaction.get_connection()) as queries:
        r = client.get(url)
    assert r.status_code == 200
    activities, updates = set(), set()
    for q in queries.captured_queries:
        sql = q["sql"]
        if sql.startswith("SELECT") and 'FROM "activities_milestone"' in sql and '"last_accepted"' in sql:
            for ids in re.findall(r'"activities_milestone"\."activity_id" IN \(([\d, ]+)\)', sql):
                activities |= {int(i) for i in ids.split(",")}
        if sql.startswith("SELECT") and 'FROM "activities_progressupdate"' in sql:
            for ids in re.findall(r'"activities_progressupdate"\."id" IN \(([\d, ]+)\)', sql):
                updates |= {int(i) for i in ids.split(",")}
    html = r.content.decode()
    main = html[html.index("<main"):html.index("</main>")]
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", main), activities | updates


def _table(html):
    return html[html.index("<tbody>"):html.index("</tbody>")]


def _row(html, needle):
    """The table row that holds `needle`."""
    at = html.index(needle)
    return html[html.rindex("<tr>", 0, at):html.index("</tr>", at)]


def _led(username):
    return set(Activity.objects.filter(lead_body__leads__username=username).values_list("pk", flat=True))


def _user(username, group, lead_body=None, **names):
    user = User.objects.create_user(username, **names)
    user.groups.add(Group.objects.get_or_create(name=group)[0])
    if lead_body:
        LeadBody.objects.get(short_name=lead_body).leads.add(user)
    return user


def _submit(client, milestone, narrative="The mapping tool went live."):
    r = client.post(reverse("activities:update-create") + f"?milestone={milestone.pk}", {
        "period_start": "2014-04-01", "period_end": "2014-06-30", "reported_status": "at_risk",
        "narrative": narrative, "evidence_links": "", "form_key": str(uuid.uuid4()), "submit": "1"})
    assert r.status_code == 302
    return ProgressUpdate.objects.get(narrative=narrative)


# My work --------------------------------------------------------------------------------------------------


def test_my_work_rows_are_built_once_for_every_lead_and_as_without_cache(client, client_as, seed_plan):
    led = _led("biodiversity-lead")
    first, read = _page(client_as("biodiversity-lead"))
    assert read == led and ">A.1(a)</a>" in first
    co_lead = _user("co-lead", roles.LEAD, "IMG Biodiversity")
    client.force_login(co_lead)
    again, read = _page(client)
    assert read == set() and _table(again) == _table(first)
    other, read = _page(client_as("greeneconomy-lead"))  # another body's activities: rows of their own
    assert read == _led("greeneconomy-lead") and ">A.1(a)</a>" not in other
    with override_settings(CACHES=NO_CACHE):
        built, read = _page(client_as("biodiversity-lead"))
    assert read == led
    cached, read = _page(client_as("biodiversity-lead"))
    assert read == set() and cached == built  # byte for byte


def test_a_status_change_through_its_page_shows_at_once_and_rebuilds_one_activity(client_as, a1a):
    html, _ = _page(client_as("biodiversity-lead"))
    assert "Delayed" not in _row(html, ">A.1(a)</a>")
    r = client_as("biodiversity-lead").post(reverse("activities:milestone-status", args=[a1a.pk]), {
        f"m{a1a.pk}-status": "delayed", f"m{a1a.pk}-completed_on": "", f"m{a1a.pk}-version": a1a.version,
        f"m{a1a.pk}-reason": "Waiting for the partners' data."})
    assert r.status_code in (200, 302) and Milestone.objects.get(pk=a1a.pk).status == "delayed"
    html, read = _page(client_as("biodiversity-lead"))
    assert read == {a1a.activity_id} and "Delayed" in _row(html, ">A.1(a)</a>")


def test_progress_filed_and_accepted_shows_at_once(client_as, a1a):
    before, _ = _page(client_as("biodiversity-lead"))
    update = _submit(client_as("biodiversity-lead"), a1a)
    html, read = _page(client_as("biodiversity-lead"))
    # Nothing accepted yet: the rows (health, last accepted) are the same, kept; the lead's own list shows the update.
    assert read == set() and "<strong>Submitted</strong>" in html
    assert _row(html, ">A.1(a)</a>") == _row(before, ">A.1(a)</a>")
    assert client_as("secretariat").post(reverse("activities:update-accept", args=[update.pk])).status_code == 302
    update.refresh_from_db()
    html, read = _page(client_as("biodiversity-lead"))
    assert read == {a1a.activity_id}
    assert update.reviewed_at.strftime("%-d %b %Y") in _row(html, ">A.1(a)</a>")
    assert "At risk" in _row(html, ">A.1(a)</a>")  # the accepted update's status is the milestone's now


def test_a_milestone_edited_or_a_meeting_renamed_shows_at_once(client_as, a1a, seed_plan):
    _page(client_as("biodiversity-lead"))
    r = client_as("secretariat").post(reverse("activities:milestone-edit", args=[a1a.pk]), {
        "activity": a1a.activity_id, "parent": "", "label": "a", "order": a1a.order, "text": "Words of its own",
        "due_meeting": a1a.due_meeting_id or "", "due_date": "", "status": a1a.status, "completed_on": "",
        "version": a1a.version})
    assert r.status_code == 302
    html, read = _page(client_as("biodiversity-lead"))
    assert read == {a1a.activity_id} and "Words of its own" in _row(html, ">A.1(a)</a>")
    m = Milestone.objects.filter(activity__lead_body__short_name="IMG Biodiversity", due_meeting__isnull=False,
                                 due_date__isnull=True).select_related("due_meeting", "activity").first()
    meeting = Meeting.objects.get(pk=m.due_meeting_id)
    meeting.code = "SOM20bis"
    meeting.save()
    html, read = _page(client_as("biodiversity-lead"))
    assert read == _led("biodiversity-lead") and "SOM20bis" in _row(html, f">{m}</a>")


def test_my_work_reads_a_fixed_number_of_queries(client_as, seed_plan, django_assert_max_num_queries):
    client = client_as("biodiversity-lead")  # leads three activities
    with CaptureQueriesContext(transaction.get_connection()) as cold:
        client.get(MY_WORK)
    with CaptureQueriesContext(transaction.get_connection()) as warm:
        client.get(MY_WORK)
    assert len(warm.captured_queries) == len(cold.captured_queries) - 2  # the milestones and the plans, read once
    client = client_as("greeneconomy-lead")
    with django_assert_max_num_queries(len(cold.captured_queries)):
        client.get(MY_WORK)


# The review queue -------------------------------------------------------------------------------------------


def test_review_rows_are_built_once_for_every_reviewer_and_as_without_cache(client, client_as, a1a):
    first_update = _submit(client_as("biodiversity-lead"), a1a)
    a2a = Milestone.objects.get(activity__accomplishment__code="A", activity__number=2, label="a", parent=None)
    second_update = _submit(client_as("greeneconomy-lead"), a2a, "Toolkits went out.")
    html, read = _page(client_as("secretariat"), QUEUE)
    assert read == {first_update.pk, second_update.pk}
    assert "The mapping tool went live." in html and "Bea Biodiversity" in html and "Gene Green-Economy" in html
    client.force_login(_user("second-secretary", roles.SECRETARIAT))
    again, read = _page(client, QUEUE)
    assert read == set() and _table(again) == _table(html)
    with override_settings(CACHES=NO_CACHE):
        built, read = _page(client_as("secretariat"), QUEUE)
    assert read == {first_update.pk, second_update.pk}
    cached, read = _page(client_as("secretariat"), QUEUE)
    assert read == set() and cached == built  # byte for byte


def test_submitting_returning_and_accepting_show_at_once(client_as, a1a):
    assert "Nothing is waiting for review." in _page(client_as("secretariat"), QUEUE)[0]
    update = _submit(client_as("biodiversity-lead"), a1a)
    html, read = _page(client_as("secretariat"), QUEUE)
    assert read == {update.pk} and "The mapping tool went live." in html
    r = client_as("secretariat").post(reverse("activities:update-return", args=[update.pk]),
                                      {"reason": "Name the agencies."})
    assert r.status_code == 302
    assert "Nothing is waiting for review." in _page(client_as("secretariat"), QUEUE)[0]
    draft = _submit(client_as("biodiversity-lead"), a1a, "Again, with the agencies.")
    html, _ = _page(client_as("secretariat"), QUEUE)
    assert "Again, with the agencies." in html
    assert client_as("secretariat").post(reverse("activities:update-accept", args=[draft.pk])).status_code == 302
    assert "Nothing is waiting for review." in _page(client_as("secretariat"), QUEUE)[0]


def test_what_a_row_names_shows_at_once(client_as, a1a, demo_users):
    update = _submit(client_as("biodiversity-lead"), a1a)
    _page(client_as("secretariat"), QUEUE)
    r = client_as("secretariat").post(reverse("activities:milestone-edit", args=[a1a.pk]), {
        "activity": a1a.activity_id, "parent": "", "label": "z", "order": a1a.order, "text": a1a.text,
        "due_meeting": a1a.due_meeting_id or "", "due_date": "", "status": a1a.status, "completed_on": "",
        "version": a1a.version})
    assert r.status_code == 302
    html, read = _page(client_as("secretariat"), QUEUE)
    assert read == {update.pk} and ">A.1(z)</a>" in _row(html, "The mapping tool went live.")
    body = LeadBody.objects.get(short_name="IMG Biodiversity")
    body.short_name = "IMG Nature"
    body.save()
    html, read = _page(client_as("secretariat"), QUEUE)
    assert read == {update.pk} and ">IMG Nature</td>" in _row(html, "The mapping tool went live.")
    author = demo_users["biodiversity-lead"]
    author.first_name = "Beatrice"
    author.save()  # no plan data changed: the name is the page's own, not the cached row's
    html, read = _page(client_as("secretariat"), QUEUE)
    assert read == set() and ">Beatrice Biodiversity</td>" in _row(html, "The mapping tool went live.")


def test_a_milestone_moved_and_renamed_shows_in_the_row_of_an_update_filed_before(client_as, a1a, seed_plan):
    update = _submit(client_as("biodiversity-lead"), a1a)
    a2 = Activity.objects.get(accomplishment__code="A", number=2, accomplishment__work_plan=seed_plan)
    a1a.activity = a2
    a1a.label = "y"
    a1a.save()  # moved: the update stays filed under A.1
    html, read = _page(client_as("secretariat"), QUEUE)
    assert read == {update.pk} and ">A.2(y)</a>" in _row(html, "The mapping tool went live.")
    r = client_as("secretariat").post(reverse("activities:milestone-edit", args=[a1a.pk]), {
        "activity": a2.pk, "parent": "", "label": "x", "order": a1a.order, "text": a1a.text,
        "due_meeting": a1a.due_meeting_id or "", "due_date": "", "status": a1a.status, "completed_on": "",
        "version": Milestone.objects.get(pk=a1a.pk).version})
    assert r.status_code == 302  # renamed in A.2 only: the row filed under A.1 must still show it
    html, read = _page(client_as("secretariat"), QUEUE)
    assert read == {update.pk} and ">A.2(x)</a>" in _row(html, "The mapping tool went live.")


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_retires_no_row_a_committed_one_its_activitys(seed_restored_after, seed_plan):
    m = Milestone.objects.filter(activity__accomplishment__work_plan=seed_plan).first()
    author = User.objects.create_user("rollback-author")
    update = ProgressUpdate.objects.create(activity=m.activity, milestone=m, author=author, review_state="submitted",
                                           period_start=datetime.date(2014, 1, 1),
                                           period_end=datetime.date(2014, 3, 31), reported_status="on_track",
                                           narrative="First words.")
    other = Milestone.objects.filter(activity__accomplishment__work_plan=seed_plan).exclude(activity=m.activity).first()
    elsewhere = ProgressUpdate.objects.create(activity=other.activity, milestone=other, author=author,
                                              review_state="submitted", period_start=datetime.date(2014, 1, 1),
                                              period_end=datetime.date(2014, 3, 31), reported_status="on_track",
                                              narrative="Elsewhere.")

    def keys():
        return review_batch(list(review_queue_queryset(seed_plan)), plan_id=seed_plan.pk).keys

    before = keys()
    with pytest.raises(RuntimeError), transaction.atomic():
        update.narrative = "Never saved"
        update.save()
        raise RuntimeError
    assert keys() == before
    update.narrative = "Second words."
    update.save()
    after = keys()
    assert after[update.pk] != before[update.pk] and after[elsewhere.pk] == before[elsewhere.pk]


def test_my_updates_in_progress_are_written_as_from_the_updates_themselves(client_as, a1a, demo_users, seed_plan):
    """My work's list of the lead's own updates is read as values: each line is what the update's own fields and
    names (Milestone's str, the review state's label) give, for a milestone, a sub-item, a moved milestone, the
    whole activity, and a returned update whose reason needs escaping."""
    from django.template.defaultfilters import date as date_filter
    from django.utils.html import format_html

    from activities.templatetags.activities_tags import my_update_item
    from activities.work_tables import my_updates_in_progress
    from emgplan.links import pk_url

    lead = demo_users["biodiversity-lead"]
    sub = Milestone.objects.filter(activity=a1a.activity, parent__isnull=False).first() or Milestone.objects.create(
        activity=a1a.activity, parent=a1a, label="i", order=1, text="A sub-item")
    a2 = Activity.objects.get(accomplishment__code="A", number=2, accomplishment__work_plan=seed_plan)
    moved = Milestone.objects.create(activity=a2, label="q", order=9, text="Moved here")
    made = []
    for milestone, state, reason in [(a1a, "draft", ""), (sub, "submitted", ""), (None, "draft", ""),
                                     (moved, "returned", "<b>Name</b> the agencies & \"partners\""),
                                     (a1a, "accepted", "")]:
        extra = {"reviewer": demo_users["secretariat"]} if state == "accepted" else {}
        made.append(ProgressUpdate.objects.create(
            activity=a1a.activity, milestone=milestone, author=lead, review_state=state, return_reason=reason,
            period_start=datetime.date(2014, 1, 1), period_end=datetime.date(2014, 3 + len(made), 28),
            reported_status="on_track", narrative=f"Update {len(made)}", **extra))
    rows = my_updates_in_progress(lead, seed_plan)
    expected_updates = sorted([u for u in made if u.review_state != "accepted"], key=lambda u: u.period_end,
                              reverse=True)
    assert [r["pk"] for r in rows] == [u.pk for u in expected_updates]
    for row, u in zip(rows, expected_updates, strict=True):
        u = ProgressUpdate.objects.select_related("milestone__parent", "milestone__activity__accomplishment",
                                                  "activity__accomplishment").get(pk=u.pk)
        returned = format_html(" — returned because: {}", u.return_reason) if u.review_state == "returned" else ""
        assert my_update_item(row) == format_html(
            '<li><a href="{}">{}, {} – {}</a>: <strong>{}</strong>{}</li>', pk_url("activities:update-detail", u.pk),
            u.milestone if u.milestone_id else u.activity.code, date_filter(u.period_start, "M Y"),
            date_filter(u.period_end, "M Y"), u.get_review_state_display(), returned)
    html, _ = _page(client_as("biodiversity-lead"))
    assert "A.2(q)" in html and "returned because: &lt;b&gt;Name&lt;/b&gt;" in html and "Update 4" not in html
