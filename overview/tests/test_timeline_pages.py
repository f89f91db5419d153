"""The timeline of a large plan comes a page of activities at a time: the plan page's part and pages
(activities.selectors.plan_sections), each page's chart holding its activities' rows and their dated milestones,
on the months of the whole plan, so that every page has the same axis. Its cost does not grow with the plan."""
import datetime
import re

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accomplishments.selectors import workplan_current
from activities.models import Activity, Milestone
from activities.selectors import ACTIVITIES_PER_PAGE
from devtools.generate import plan_generate

pytestmark = pytest.mark.django_db

TIMELINE = reverse("overview:timeline")
NO_CACHE = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}


@pytest.fixture
def large(seed_plan):
    """80 activities (A 32, B 16, C 8, D 24) and about 180 milestones: the plan opens at A, in pages of 30."""
    plan = plan_generate(scale=8)
    assert workplan_current() == plan
    return plan


def _get(client, query=None):
    """The page's HTML, its chart and the SQL of the queries that read milestones."""
    with CaptureQueriesContext(transaction.get_connection()) as queries:
        r = client.get(TIMELINE, query or {})
    assert r.status_code == 200
    html = r.content.decode()
    start = html.index("<svg xmlns")
    svg = html[start:html.index("</svg>", start)]
    return html, svg, [q["sql"] for q in queries.captured_queries if 'FROM "activities_milestone"' in q["sql"]]


def _rows(svg):
    """The activities' rows, top to bottom (the chart draws them bottom-up)."""
    return [int(pk) for pk in re.findall(r'<g class="activity-row" data-activity="(\d+)">', svg)][::-1]


def _markers(svg):
    return [int(pk) for pk in re.findall(r'<a class="ms-marker [^"]*" href="[^"]*" data-milestone="(\d+)"', svg)]


def _axis(svg):
    return (re.search(r'data-start="([^"]+)" data-end="([^"]+)" data-x0="([^"]+)" data-x1="([^"]+)"', svg).groups(),
            re.findall(r'<text class="month-tick" x="(\d+)" y="52">(\w+)</text>', svg),
            re.findall(r'<text class="quarter" x="(\d+)" y="34">([^<]+)</text>', svg))


def _ordered(plan, code=None):
    qs = Activity.objects.filter(accomplishment__work_plan=plan)
    if code:
        qs = qs.filter(accomplishment__code=code)
    return list(qs.order_by("accomplishment__order", "accomplishment__code", "number").values_list("pk", flat=True))


def _dated(plan):
    """{milestone id: activity id} of the plan's milestones that have a date (their own or their meeting's)."""
    return {m.pk: m.activity_id for m in Milestone.objects.filter(activity__accomplishment__work_plan=plan)
            .select_related("due_meeting") if m.due}


def _span(plan):
    """The whole plan's months as the chart should draw them: its years, widened to every dated milestone."""
    dues = [m.due for m in Milestone.objects.filter(activity__accomplishment__work_plan=plan)
            .select_related("due_meeting") if m.due]
    start = min(datetime.date(plan.first_year, 1, 1), min(dues).replace(day=1))
    last = max(dues)
    end = max(datetime.date(plan.last_year + 1, 1, 1),
              datetime.date(last.year + last.month // 12, last.month % 12 + 1, 1))
    return start, end


def test_a_plan_on_one_page_is_drawn_as_the_whole_plan_was(client_as, living_plan):
    """The 2014–2015 plan fits one page: its chart is the whole plan's layout (the PDF's), byte for byte."""
    from overview.selectors import plan_timeline
    from overview.timeline_svg import timeline_svg

    html, svg, _ = _get(client_as("viewer"))
    whole = str(timeline_svg(plan_timeline(plan=living_plan, today=datetime.date(2014, 6, 15)), plan=living_plan))
    assert svg + "</svg>" == whole
    assert "Page 1 of" not in html and "Activities 1–" not in html


def test_each_page_holds_its_activities_and_every_dated_milestone_is_on_exactly_one(client_as, large):
    client = client_as("viewer")
    order = _ordered(large)
    dated = _dated(large)
    pages = -(-len(order) // ACTIVITIES_PER_PAGE)
    assert len(order) == 80 and pages == 3
    seen, axes = [], set()
    for page in range(1, pages + 1):
        html, svg, _ = _get(client, {"ea": "all", "page": page})
        expected = order[(page - 1) * ACTIVITIES_PER_PAGE:page * ACTIVITIES_PER_PAGE]
        assert _rows(svg) == expected
        markers = _markers(svg)
        assert sorted(markers) == sorted(pk for pk, activity in dated.items() if activity in expected)
        seen += markers
        axes.add(repr(_axis(svg)))
        first, last = (page - 1) * ACTIVITIES_PER_PAGE + 1, min(page * ACTIVITIES_PER_PAGE, len(order))
        assert f"Activities {first}–{last} of {len(order)}" in html
        assert f"activities {first}–{last} of {len(order)})</title>" in svg  # the chart's title says which
        assert f'<span class="page-link">Page {page} of {pages}</span>' in html
    assert sorted(seen) == sorted(dated) and len(dated) > 120  # every dated milestone, once
    assert len(axes) == 1  # the same months on every page: the whole plan's
    start, end = _span(large)
    (data_start, data_end, _x0, _x1), months, _quarters = _axis(svg)
    assert (data_start, data_end) == (start.isoformat(), end.isoformat()) == ("2014-01-01", "2016-01-01")
    assert len(months) == 24


def test_a_milestone_dated_beyond_the_plan_on_the_last_page_widens_the_first(client_as, large):
    client = client_as("viewer")
    _, first, _ = _get(client, {"ea": "all", "page": 1})
    late = Milestone.objects.filter(activity__in=_ordered(large)[60:], parent=None).first()  # on the last page
    late.due_date, late.due_meeting = datetime.date(2016, 3, 10), None
    late.save()
    _, widened, reads = _get(client, {"ea": "all", "page": 1})
    assert reads and late.pk not in _markers(widened)
    (start, end, _x0, _x1), months, quarters = _axis(widened)
    assert (start, end) == ("2014-01-01", "2016-04-01") == tuple(d.isoformat() for d in _span(large))
    assert len(months) == 27 and quarters[-1][1] == "Q1 2016" and len(_axis(first)[1]) == 24
    _, last, _ = _get(client, {"ea": "all", "page": 3})
    assert _axis(last) == _axis(widened) and late.pk in _markers(last)


def test_the_part_chooser_and_the_pages_are_the_plan_pages(client_as, large):
    client = client_as("viewer")
    plan_page = reverse("activities:plan")
    for query in ({}, {"ea": "A", "page": 2}, {"ea": "B"}, {"ea": "all", "page": 2}, {"ea": "all", "page": 3},
                  {"ea": "all", "page": "999"}, {"ea": "all", "page": "x"}, {"ea": "Z"}):
        html, svg, _ = _get(client, query)
        plan = client.get(plan_page, query).content.decode()
        assert _rows(svg) == [int(pk) for pk in re.findall(r'<h3 id="act-(\d+)"', plan)], query
        current = r'class="nav-link active" aria-current="page" href="\?ea=(\w+)"'
        assert re.search(current, html).group(1) == re.search(current, plan).group(1)
        pager = r'<span class="page-link">Page (\d+) of (\d+)</span>'
        assert re.findall(pager, html) == re.findall(pager, plan)
    # a large plan opens at its first part, and a part chosen shows its own activities alone, with its filter kept
    html, svg, _ = _get(client)
    assert _rows(svg) == _ordered(large, "A")[:ACTIVITIES_PER_PAGE]
    html, svg, _ = _get(client, {"ea": "A", "page": 2})
    assert _rows(svg) == _ordered(large, "A")[ACTIVITIES_PER_PAGE:]
    assert "(A. Programmatic issues; activities 31–32 of 32)</title>" in svg
    assert 'href="?ea=A&amp;page=1">Previous</a>' in html  # the pager keeps the part
    a = large.accomplishments.get(code="A")
    assert f'href="{reverse("overview:milestone-list")}?o=due&amp;accomplishment={a.pk}"' in html
    listed = client.get(reverse("overview:milestone-list"), {"o": "due", "accomplishment": a.pk}).content.decode()
    ids = {int(pk) for pk in re.findall(r'<tr data-id="(\d+)">', listed)}
    assert ids and ids <= set(Milestone.objects.filter(activity__accomplishment=a).values_list("pk", flat=True))
    html, svg, _ = _get(client, {"ea": "C"})
    assert _rows(svg) == _ordered(large, "C") and "Page 1 of" not in html and "C. Management issues" in svg
    assert "A. Programmatic issues" not in svg
    # invalid values: the default part, the last page for a page past the end, the first for one that is no number
    assert _rows(_get(client, {"ea": "all", "page": "999"})[1]) == _ordered(large)[60:]
    assert _rows(_get(client, {"ea": "all", "page": "x"})[1]) == _ordered(large)[:30]
    assert _rows(_get(client, {"ea": "Z"})[1]) == _ordered(large, "A")[:30]


def test_a_part_continued_from_the_page_before_keeps_its_heading(client_as, large):
    client = client_as("viewer")
    headings = []
    for page in (1, 2, 3):
        _, svg, _ = _get(client, {"ea": "all", "page": page})
        headings.append(re.findall(r'<text class="group-label" x="6" y="\d+">(\w)\. ', svg))
    # A 1–32, B 33–48, C 49–56, D 57–80
    assert headings == [["A"], ["A", "B", "C", "D"], ["D"]]


def test_a_page_is_the_same_with_and_without_the_shared_cache(client_as, large):
    client = client_as("viewer")
    with override_settings(CACHES=NO_CACHE):
        _, fresh, reads = _get(client, {"ea": "all", "page": 2})
    assert reads
    _, cold, reads = _get(client, {"ea": "all", "page": 2})
    assert reads
    _, warm, reads = _get(client, {"ea": "all", "page": 2})
    assert reads == [] and warm == cold == fresh  # byte for byte
    _, other, _ = _get(client, {"ea": "all", "page": 3})
    assert other != warm  # each page is its own fragment


def test_a_status_change_through_its_view_shows_at_once_on_its_page(client_as, large):
    client = client_as("viewer")
    order = _ordered(large)
    m = Milestone.objects.filter(activity__in=order[60:], due_date__isnull=False).exclude(status="delayed").first()
    _, before, _ = _get(client, {"ea": "all", "page": 3})
    assert re.search(rf'status-(\w+)" href="[^"]*" data-milestone="{m.pk}"', before).group(1) == m.status
    client.force_login(m.activity.lead_body.leads.order_by("pk").first())
    r = client.post(reverse("activities:milestone-status", args=[m.pk]), {
        f"m{m.pk}-status": "delayed", f"m{m.pk}-completed_on": "", f"m{m.pk}-version": m.version,
        f"m{m.pk}-reason": "Waiting for the members' replies."})
    assert r.status_code in (200, 302)
    m.refresh_from_db()
    assert m.status == "delayed"
    client = client_as("viewer")
    _, after, reads = _get(client, {"ea": "all", "page": 3})
    assert reads and re.search(rf'status-(\w+)" href="[^"]*" data-milestone="{m.pk}"', after).group(1) == "delayed"


def test_queries_are_the_same_for_the_seed_and_a_large_plan_first_and_last_page(client_as, seed_plan,
                                                                               django_assert_max_num_queries):
    client = client_as("viewer")

    def measure(pages):
        counts = []
        for page in pages:
            for cold in (True, False):
                if cold:
                    cache.clear()
                with django_assert_max_num_queries(BUDGET) as ctx:
                    r = client.get(TIMELINE, {"ea": "all", "page": page})
                assert r.status_code == 200
                counts.append(len(ctx.captured_queries))
        return counts

    small = measure([1, 1])  # the seed plan is one page: its first page is its last
    plan_generate(scale=8)
    large = measure([1, 3])
    assert small == large == [BUDGET, WARM] * 2


# The session, the user and the role check (3), the page shown (2: how many activities, the page's; the parts
# with their counts are in the shared cache, activities.selectors.plan_sections); cold, the list of plans and the
# parts (2, then from the shared cache) and the chart's four: the page's activities, the whole plan's span, their
# milestones, the meetings.
WARM = 5
BUDGET = WARM + 2 + 4
