"""The dashboard shows as much whatever the size of the plan: the 15 lead bodies that need most attention (every one
on a page of its own, "Milestones by lead body"), 20 milestones due soon and 10 per meeting ahead, each with how many
there are in all and a link to the list of every one. Figures are checked against counts computed here from the ORM.
"""
import datetime
import re
from collections import Counter

import pytest
from django.core.cache import cache
from django.urls import reverse

from accomplishments.models import ExpectedAccomplishment, Meeting
from activities.models import Activity, LeadBody, Milestone
from activities.status import OPEN_STATUSES
from devtools.generate import plan_generate
from overview import views

from .helpers import cell, status_cells, table_rows

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2014, 6, 15)
EXTRA_BODIES = 45  # with the generated plan's, more than a page of the full table (50)


def _crowd(settings):
    """A generated plan (made current) crowded past each of the dashboard's bounds: more lead bodies than it shows,
    some without a milestone and more than a page of them; a meeting ahead with more milestones due to it than it
    lists; more open milestones due in the next 60 days than it lists."""
    settings.EMG_TODAY = TODAY.isoformat()
    plan = plan_generate(scale=4)
    accomplishment = ExpectedAccomplishment.objects.filter(work_plan=plan).order_by("order").first()
    for k in range(EXTRA_BODIES):
        body = LeadBody.objects.create(kind=LeadBody.Kind.values[0], name=f"Added body {k:02d}", short_name=f"ADD{k}")
        Activity.objects.create(accomplishment=accomplishment, number=900 + k, title=f"Added activity {k}",
                                lead_body=body)
    meeting = Meeting.objects.filter(start_date__gt=TODAY).order_by("start_date", "code").first()
    open_ones = list(Milestone.objects.filter(activity__accomplishment__work_plan=plan, status__in=OPEN_STATUSES)
                     .order_by("pk").values_list("pk", flat=True))
    Milestone.objects.filter(pk__in=open_ones[:14]).update(due_meeting=meeting, due_date=None)
    for i, pk in enumerate(open_ones[14:40]):
        Milestone.objects.filter(pk=pk).update(due_meeting=None, due_date=TODAY + datetime.timedelta(days=2 * i))
    # an activity without a lead body: its milestones have a row of their own, after the lead bodies
    Activity.objects.filter(pk=Milestone.objects.get(pk=open_ones[-1]).activity_id).update(lead_body=None)
    return plan, meeting


@pytest.fixture
def crowded(demo_users, settings):
    return _crowd(settings)


def _milestones(plan, year=None):
    ms = list(Milestone.objects.filter(activity__accomplishment__work_plan=plan).select_related(
        "activity", "due_meeting"))
    return [m for m in ms if year is None or (m.due and m.due.year == year)]


def _expected_bodies(plan, year=None):
    """The plan's lead bodies by name, each with its counts: status, total, overdue, open."""
    bodies = list(LeadBody.objects.filter(activities__accomplishment__work_plan=plan).distinct().order_by("name"))
    figures = {}
    for key, pk in [*((b.short_name, b.pk) for b in bodies), ("none", None)]:
        mine = [m for m in _milestones(plan, year) if m.activity.lead_body_id == pk]
        figures[key] = {
            "counts": {s: sum(m.status == s for m in mine) for s in Milestone.Status.values},
            "total": len(mine),
            "overdue": sum(1 for m in mine if m.status in OPEN_STATUSES and m.due and m.due < TODAY),
            "open": sum(1 for m in mine if m.status in OPEN_STATUSES),
        }
    return bodies, figures


def _get(client, url):
    cache.clear()  # cold: built from the database
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _text(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


@pytest.mark.parametrize("year", [None, 2014])
def test_dashboard_shows_the_15_lead_bodies_that_need_most_attention(client_as, crowded, year):
    plan, _ = crowded
    bodies, figures = _expected_bodies(plan, year)
    assert len(bodies) > 50
    # most overdue, then most open, then by name (sorted() keeps the database's order of names among equals)
    attention = sorted(bodies, key=lambda b: (-figures[b.short_name]["overdue"], -figures[b.short_name]["open"]))
    query = f"?year={year}" if year else ""
    html = _get(client_as("viewer"), reverse("overview:dashboard") + query)
    rows = table_rows(html, "status-by-lead-body")
    assert figures["none"]["total"] and list(rows) == [
        *(b.short_name for b in attention[:views.DASHBOARD_LEAD_BODIES]), "none"]
    assert len({figures[k]["overdue"] for k in rows}) > 1  # the order is not by name alone
    for key, row in rows.items():
        assert status_cells(row) == figures[key]["counts"]
        assert int(cell(row, "data-overdue")) == figures[key]["overdue"]
    n = len(bodies)
    assert f"15 of {n} lead bodies, those with most overdue milestones" in _text(html)
    assert f"<caption>Milestones by status for 15 of {n} lead bodies, those with most overdue milestones</caption>" \
        in html
    assert f'<a href="{reverse("overview:lead-body-status")}{query}">All {n} lead bodies</a>' in html


def _walk(client, url):
    """Every page of the full table: its rows in order, the pages' HTML."""
    rows, pages = {}, []
    while url:
        html = _get(client, url)
        pages.append(html)
        page_rows = table_rows(html, "status-by-lead-body")
        assert not set(page_rows) & set(rows)
        rows.update(page_rows)
        following = re.search(r'<a class="page-link" href="\?([^"]+)">Next</a>', html)
        url = reverse("overview:lead-body-status") + "?" + following.group(1).replace("&amp;", "&") \
            if following else None
    return rows, pages


@pytest.mark.parametrize("year", [None, 2014])
def test_the_lead_body_page_lists_every_body_by_name_with_its_figures(client_as, crowded, year):
    plan, _ = crowded
    bodies, figures = _expected_bodies(plan, year)
    url = reverse("overview:lead-body-status") + (f"?year={year}" if year else "")
    rows, pages = _walk(client_as("chair"), url)
    assert len(pages) == 2 and len(table_rows(pages[0], "status-by-lead-body")) == views.PAGE_SIZE
    # every one, by name, across the pages; then the milestones without a lead body, as on the dashboard
    assert list(rows) == [*(b.short_name for b in bodies), "none"]
    for key, row in rows.items():
        assert status_cells(row) == figures[key]["counts"]
        assert int(cell(row, "data-total")) == figures[key]["total"]
        assert int(cell(row, "data-overdue")) == figures[key]["overdue"]
    for body in bodies:  # each links to the milestone list, as on the dashboard
        assert f'href="/milestones/?lead_body={body.pk}"' in rows[body.short_name]
    assert any(f["total"] == 0 for f in figures.values())  # a body without a milestone is listed too
    for html in pages:
        assert f"{len(bodies)} lead bodies, by name." in _text(html)
        assert "Page " in html and '<label for="lead-bodies-year"' in html
        levels = [int(level) for level in re.findall(r"<h([1-6])\b", html)]
        assert levels.count(1) == 1 and all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False))
    if year:
        assert f"year={year}&amp;page=2" in pages[0] and f"year={year}&amp;page=1" in pages[1]


def _list_ids(client, url):
    """The ids of every milestone the milestone list shows at `url` (every page), and the count it states."""
    ids, stated = [], None
    page = 1
    while True:
        html = _get(client, f"{url}&page={page}")
        stated = int(re.search(r"(\d+) rows? selected", html).group(1))
        ids += [int(pk) for pk in re.findall(r'<tr data-id="(\d+)"', html)]
        if 'rel="next"' not in html:
            return ids, stated
        page += 1


def test_due_soon_shows_20_and_links_to_every_one(client_as, crowded):
    plan, _ = crowded
    until = TODAY + datetime.timedelta(days=60)
    expected = {m.pk for m in _milestones(plan) if m.status in OPEN_STATUSES and m.due and TODAY <= m.due <= until}
    n = len(expected)
    assert n > views.DASHBOARD_DUE_SOON
    client = client_as("viewer")
    html = _get(client, reverse("overview:dashboard"))
    table = html[html.index('id="due-soon"'):]
    table = table[:table.index("</table>")]
    assert table.count('<tr><th scope="row">') == 20
    assert f"20 of {n} open milestones due in the next 60 days" in _text(html)
    link = re.search(r'<a href="([^"]+)">All (\d+) of them</a>', html)
    assert int(link.group(2)) == n
    ids, stated = _list_ids(client, link.group(1).replace("&amp;", "&"))
    assert stated == n and set(ids) == expected and len(ids) == n


def test_a_meeting_lists_10_and_links_to_the_rest(client_as, crowded):
    plan, meeting = crowded
    expected = {m.pk for m in _milestones(plan) if m.due_meeting_id == meeting.pk}
    assert len(expected) > views.DASHBOARD_MEETING_MILESTONES
    client = client_as("viewer")
    html = _get(client, reverse("overview:dashboard"))
    items = html[html.index(f'data-meeting="{meeting.code}"'):]
    assert items[:items.index("</ul>")].count("<li") == 10
    more = re.search(rf'<a href="([^"]+)" data-more="{re.escape(meeting.code)}">and (\d+) more', html)
    assert int(more.group(2)) == len(expected) - 10
    assert more.group(1) == f"{reverse('overview:milestone-list')}?due_meeting={meeting.pk}"
    ids, stated = _list_ids(client, more.group(1))
    assert stated == len(expected) and set(ids) == expected


def test_a_small_plan_shows_everything_as_before(client_as, living_plan):
    html = _get(client_as("viewer"), reverse("overview:dashboard"))
    rows = table_rows(html, "status-by-lead-body")
    bodies = LeadBody.objects.filter(activities__accomplishment__work_plan=living_plan).distinct().order_by("name")
    assert [k for k in rows if k != "none"] == [b.short_name for b in bodies]
    assert "<caption>Milestones by status for each lead body</caption>" in html
    for absent in ('id="lead-bodies-shown"', "data-more=", 'id="due-soon-shown"'):
        assert absent not in html
    counted = Counter(m.due_meeting_id for m in Milestone.objects.filter(due_meeting__isnull=False))
    assert max(counted.values()) <= views.DASHBOARD_MEETING_MILESTONES  # the seed's meetings fit


BUDGET = {"overview:dashboard": 14, "overview:lead-body-status": 7}
PAGES = [(name, query) for name in BUDGET for query in ("", "?year=2014")]


def test_query_budgets_equal_on_a_small_and_a_crowded_plan(client_as, seed_plan, settings,
                                                           django_assert_max_num_queries):
    settings.EMG_TODAY = TODAY.isoformat()
    client = client_as("viewer")
    counts = {}

    def measure():
        for name, query in PAGES:
            cache.clear()
            for warm in (False, True):  # cold, then with the dashboard's sections in the shared cache
                with django_assert_max_num_queries(BUDGET[name]) as ctx:
                    assert client.get(reverse(name) + query).status_code == 200
                counts.setdefault((name, query, warm), []).append(len(ctx.captured_queries))

    measure()
    _crowd(settings)
    measure()
    # the last page of the crowded plan's table (milestones without a lead body are asked for as well), cold
    cache.clear()
    with django_assert_max_num_queries(BUDGET["overview:lead-body-status"]) as ctx:
        assert client.get(reverse("overview:lead-body-status") + "?page=2").status_code == 200
    for key, (small, crowded) in counts.items():
        assert small == crowded, f"{key}: {small} queries on the seed plan, {crowded} on the crowded one"
    assert len(ctx.captured_queries) == counts[("overview:lead-body-status", "", False)][0]
    print("\nqueries (seed, crowded):", counts)


def test_the_bounded_sections_are_shared_as_built(client_as, crowded):
    """Built once for every reader: the second reader gets the same bytes, without reading a milestone."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cold = _get(client_as("viewer"), reverse("overview:dashboard"))
    with CaptureQueriesContext(connection) as queries:
        warm = client_as("chair").get(reverse("overview:dashboard")).content.decode()
    start, end = '<section aria-labelledby="h-ea"', '<section aria-labelledby="h-contrib"'
    assert warm[warm.index(start):warm.index(end)] == cold[cold.index(start):cold.index(end)]
    assert 'id="lead-bodies-shown"' in warm and 'id="due-soon-shown"' in warm and "data-more=" in warm
    assert not [q for q in queries.captured_queries if 'FROM "activities_milestone"' in q["sql"]]
