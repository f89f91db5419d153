"""The timeline's chart is kept in the shared cache (emgplan/fragments.py): built once for everyone who may read
the plan, and never shown stale: every kind of change to what it draws retires it, by whatever path it is made."""
import re

import pytest
from django.db import transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accomplishments.models import Meeting
from activities.models import Activity, Milestone
from emgplan import fragments

pytestmark = pytest.mark.django_db


def _chart(client):
    with CaptureQueriesContext(transaction.get_connection()) as queries:
        html = client.get(reverse("overview:timeline")).content.decode()
    start = html.index("<svg xmlns")
    milestone_reads = [q["sql"] for q in queries.captured_queries if 'FROM "activities_milestone"' in q["sql"]]
    return html[start:html.index("</svg>", start)], milestone_reads


def _marker(svg, milestone):
    return re.search(rf'<a class="ms-marker status-(\w+)"[^>]*data-milestone="{milestone.pk}" data-date="([\d-]+)"',
                     svg)


def test_one_chart_for_every_reader_built_once(client_as, living_plan):
    svg, reads = _chart(client_as("viewer"))
    assert reads  # cold: the chart read the milestones
    for username in ("chair", "secretariat", "biodiversity-lead", "unido-focal"):
        again, reads = _chart(client_as(username))
        assert again == svg and reads == []  # warm: from the shared cache, whoever asks


def test_the_day_and_the_plan_address_are_part_of_the_chart(client_as, living_plan, settings):
    svg, _ = _chart(client_as("viewer"))
    settings.EMG_TODAY = "2014-11-20"
    later, reads = _chart(client_as("viewer"))
    assert reads and "Today 20 Nov 2014" in later and "Today 20 Nov 2014" not in svg
    prefixed = client_as("viewer").get(f"/plans/{living_plan.code}/timeline/").content.decode()
    assert f'href="/plans/{living_plan.code}/activities/' in prefixed  # not the chart cached for the bare address


def test_a_status_change_on_the_page_shows_at_once(client_as, living_plan):
    m = Milestone.objects.get(activity__number=1, activity__accomplishment__code="A", label="d")
    svg, _ = _chart(client_as("viewer"))
    assert _marker(svg, m).group(1) == m.status != "delayed"
    r = client_as("biodiversity-lead").post(reverse("activities:milestone-status", args=[m.pk]), {
        f"m{m.pk}-status": "delayed", f"m{m.pk}-completed_on": "", f"m{m.pk}-version": m.version})
    assert r.status_code == 302
    svg, reads = _chart(client_as("viewer"))
    assert reads and _marker(svg, m).group(1) == "delayed"


def test_a_move_and_a_meeting_change_show_at_once(client_as, living_plan):
    a2 = Activity.objects.get(accomplishment__code="A", number=2)
    svg, _ = _chart(client_as("viewer"))
    rows = re.findall(r'data-activity="(\d+)"', svg)
    # a move writes with QuerySet.update (no signal): the move itself retires the chart
    assert client_as("secretariat").post(reverse("activities:activity-move", args=[a2.pk, "up"])).status_code == 302
    moved, reads = _chart(client_as("viewer"))
    assert reads and re.findall(r'data-activity="(\d+)"', moved) != rows
    # a meeting's new date moves the markers due at it (saved here as the back office or a script would)
    m = Milestone.objects.filter(due_meeting__isnull=False, due_date__isnull=True).select_related("due_meeting")[0]
    meeting = m.due_meeting
    meeting.start_date = meeting.start_date.replace(day=1)
    meeting.end_date = max(meeting.end_date, meeting.start_date)
    meeting.save()
    svg, reads = _chart(client_as("viewer"))
    assert reads and _marker(svg, m).group(2) == meeting.start_date.isoformat()


def test_a_deleted_milestone_leaves_the_chart(client_as, living_plan):
    m = Milestone.objects.filter(due_date__isnull=False, children__isnull=True).first()
    svg, _ = _chart(client_as("viewer"))
    assert _marker(svg, m)
    Milestone.objects.get(pk=m.pk).delete()
    svg, reads = _chart(client_as("viewer"))
    assert reads and _marker(svg, m) is None


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("seed_restored_after")
def test_only_a_committed_change_retires_the_chart(seed_plan):
    """In the real order: the chart's key changes when a change commits, not when it is rolled back."""
    key = fragments.fragment_key("timeline-chart", plan_id=seed_plan.pk, kinds=[fragments.PLAN])
    meeting = Meeting.objects.first()
    with pytest.raises(RuntimeError), transaction.atomic():
        meeting.name = "Renamed, then rolled back"
        meeting.save()
        assert fragments.fragment_key("timeline-chart", plan_id=seed_plan.pk, kinds=[fragments.PLAN]) == key
        raise RuntimeError("roll back")
    assert fragments.fragment_key("timeline-chart", plan_id=seed_plan.pk, kinds=[fragments.PLAN]) == key
    with transaction.atomic():
        Meeting.objects.filter(pk=meeting.pk).get().save()
    assert fragments.fragment_key("timeline-chart", plan_id=seed_plan.pk, kinds=[fragments.PLAN]) != key
