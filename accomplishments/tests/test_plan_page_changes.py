"""The plan page, the timeline and the dashboard show every change at once; each user gets their own controls."""
import pytest
from django.urls import reverse

from activities import services
from activities.models import Activity, Milestone
from devtools.generate import plan_generate

pytestmark = pytest.mark.django_db


@pytest.fixture
def a1a(seed_plan):
    return Milestone.objects.get(activity__accomplishment__code="A", activity__number=1, label="a", parent=None)


def _row(html, m):
    start = html.index(f'<tr id="milestone-{m.pk}"')
    return html[start:html.index("</tr>", start)]


def test_a_status_change_shows_at_once(client_as, demo_users, a1a):
    client = client_as("viewer")
    assert "Not started" in _row(client.get("/").content.decode(), a1a)
    services.milestone_set_status(milestone_id=a1a.pk, status="at_risk", by=demo_users["secretariat"],
                                  expected_version=a1a.version)
    assert "At risk" in _row(client.get("/").content.decode(), a1a)


def test_a_move_without_signals_shows_at_once(client_as, demo_users, seed_plan):
    client = client_as("viewer")
    html = client.get("/").content.decode()
    assert html.index("A.1 IMG on biodiversity") < html.index("A.2 IMG on Green Economy")
    services.plan_item_move(obj=Activity.objects.get(accomplishment__code="A", number=2), direction="up",
                            by=demo_users["secretariat"])
    html = client.get("/").content.decode()
    assert html.index("A.1 IMG on Green Economy") < html.index("A.2 IMG on biodiversity")


def test_each_user_gets_their_own_controls(client_as, a1a):
    change = f'hx-get="{reverse("activities:milestone-status", args=[a1a.pk])}"'
    assert change in client_as("secretariat").get("/").content.decode()
    assert change not in client_as("viewer").get("/").content.decode()


def test_the_plan_page_reads_the_same_at_scale(client_as, django_assert_max_num_queries):
    # Built for the user every time (no page cache): session, user, roles, plans, then the plan's own reads
    # (13 -> 9: health read with the milestones; the secretariat's row rights need no query). Each page is read
    # with the shared cache empty (the list of plans and the tables are kept there).
    from django.core.cache import cache

    client = client_as("secretariat")
    cache.clear()
    with django_assert_max_num_queries(9) as small:
        client.get("/")
    plan_generate(scale=10)
    rows = 0
    for page in (1, 2, 3, 4):  # 100 activities, 30 a page
        cache.clear()
        with django_assert_max_num_queries(9) as large:
            html = client.get(f"/?ea=all&page={page}").content.decode()
        rows += html.count('<tr id="milestone-')
        assert len(small.captured_queries) == len(large.captured_queries)
    assert rows == 226


def test_timeline_and_dashboard_show_a_change_at_once(client_as, demo_users, seed_plan):
    import re

    a1d = Milestone.objects.get(activity__accomplishment__code="A", activity__number=1, label="d", parent=None)
    client = client_as("chair")

    def marker_status():
        svg = client.get(reverse("overview:timeline")).content.decode()
        return re.search(rf'<a class="ms-marker status-(\w+)" href="[^"]*#milestone-{a1d.pk}"', svg).group(1)

    def dashboard():
        response = client.get(reverse("overview:dashboard"))
        html = response.content.decode()
        main = html[html.index("<main"):html.index("</main>")]  # the page outside carries a fresh CSRF token
        return main, response

    def at_risk(response):
        return response.context["plan_totals"].counts["at_risk"]

    assert marker_status() == "not_started"
    html_before, rendered_before = dashboard()
    services.milestone_set_status(milestone_id=a1d.pk, status="at_risk", by=demo_users["secretariat"],
                                  expected_version=a1d.version)
    assert marker_status() == "at_risk"
    html_after, rendered_after = dashboard()
    assert at_risk(rendered_after) == at_risk(rendered_before) + 1 and html_after != html_before
