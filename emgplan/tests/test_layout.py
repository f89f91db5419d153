"""What every page's layout promises: the header's unread count, tables in labelled scroll regions,
the milestone filter's checkbox groups, and form-level errors said once."""
import re

import pytest
from django.urls import reverse

from accounts.services import notice_send
from activities.models import Activity

pytestmark = pytest.mark.django_db


def test_the_header_counts_unread_notices_without_an_extra_query(client_as, demo_users, django_assert_num_queries,
                                                                  django_assert_max_num_queries):
    client = client_as("viewer")
    client.get(reverse("overview:dashboard"))  # warm what is cached per process
    with django_assert_max_num_queries(100) as before:
        html = client.get(reverse("overview:dashboard")).content.decode()
    assert "text-bg-warning" not in html.split("</nav>")[0]
    for i in range(3):
        notice_send(user=demo_users["viewer"], subject=f"Notice {i}")
    with django_assert_num_queries(len(before.captured_queries)):
        html = client.get(reverse("overview:dashboard")).content.decode()
    header = html.split("</nav>")[0]
    assert re.search(r'Notices <span class="badge[^"]*">3<span class="visually-hidden"> unread</span>', header)
    client.post(reverse("accounts:notice-read-all"))
    header = client.get(reverse("overview:dashboard")).content.decode().split("</nav>")[0]
    assert "Notices" in header and "unread" not in header
    # someone else's notices are not counted
    assert "unread" not in client_as("chair").get("/").content.decode().split("</nav>")[0]


@pytest.mark.parametrize("name", ["overview:dashboard", "overview:milestone-list", "accomplishments:meeting-list",
                                  "activities:leadbody-list", "accomplishments:member-list"])
def test_wide_tables_scroll_in_a_labelled_focusable_region(client_as, name):
    html = client_as("secretariat").get(reverse(name)).content.decode()
    main = html.split('<main id="main"', 1)[1]
    tables = main.count("<table")
    assert tables
    regions = re.findall(r'<div class="table-responsive" role="region" aria-label="([^"]+)" tabindex="0">\s*<table',
                         main)
    assert len(regions) == tables and all(regions)


def test_milestone_filter_groups_each_checkbox_set_under_its_legend(client_as):
    html = client_as("viewer").get(reverse("overview:milestone-list"), {"health": "nonsense"}).content.decode()
    form = html.split('class="filter-form', 1)[1].split("</form>", 1)[0]
    assert "Reported status</legend>" in form and "Derived health</legend>" in form
    health = re.findall(r'<input type="checkbox" name="health" value="(\w+)"[^>]*?id="([^"]+)"', form)
    assert [v for v, _ in health] == ["overdue", "due_soon", "stale", "on_track", "closed"]
    for _, input_id in health:  # every box has its own label; no box without one
        assert f'for="{input_id}"' in form
    assert "Health: due soon" in form and "due-soon" not in form
    assert form.count('type="checkbox"') == form.count('class="form-check-label"')
    assert form.count("nonsense is not one of the available choices") == 1


def test_a_form_level_error_is_shown_once(client_as, seed_plan):
    activity = Activity.objects.order_by("pk").first()
    client = client_as("secretariat")
    r = client.post(reverse("activities:activity-edit", args=[activity.pk]),
                    {"title": "Changed", "number": activity.number, "description": ""})
    page = r.content.decode() if r.status_code == 200 else client.get(r["Location"]).content.decode()
    assert page.count("sent without the version of the record") == 1
    activity.refresh_from_db()
    assert activity.title != "Changed"


def test_reported_status_and_derived_health_are_told_apart(client_as):
    html = client_as("viewer").get(reverse("overview:milestone-list")).content.decode()
    assert "Reported status · health" in html and "Reading the badges:" in html
    row = html.split('id="milestone-table"', 1)[1].split("<tbody>", 1)[1].split("</tr>", 1)[0]
    status = re.search(r'<span class="badge status [^"]+"><span class="visually-hidden">Reported status: </span>', row)
    health = re.search(r'<span class="badge health [^"]+"[^>]*><span class="health-prefix">Health<span '
                       r'class="visually-hidden">:</span></span> <span aria-hidden="true">.</span> \w', row)
    assert status and health


def test_favicon_is_linked_and_served(client_as):
    html = client_as("viewer").get("/").content.decode()
    assert re.search(r'<link rel="icon" href="/static/favicon[^"]*\.svg"', html)
    r = client_as("viewer").get("/favicon.ico")
    assert r.status_code == 301 and r["Location"].startswith("/static/favicon")
    anonymous = client_as("viewer")
    anonymous.logout()
    assert anonymous.get("/favicon.ico").status_code == 301  # before signing in too
    from django.contrib.staticfiles import finders

    assert finders.find("favicon.svg")


def test_repeated_links_say_what_they_open(client_as, seed_plan):
    from activities.tests.test_views import _contribution_form

    client = client_as("unido-focal")
    client.post(reverse("activities:contribution-create"), _contribution_form())
    client.post(reverse("activities:contribution-create"),
                _contribution_form(kind="financial", staff_days="", amount_usd="2500.50", year=2015))
    html = client.get(reverse("activities:contribution-mine")).content.decode()
    names = [re.sub(r"<[^>]+>", "", link) for link in re.findall(r'<a href="/contributions/\d+/">(.*?)</a>', html)]
    assert len(names) == 2 and len(set(names)) == 2 and all(n.startswith("View ") for n in names)


def test_figures_are_written_one_way_on_every_page(client_as, seed_plan):
    from activities.models import Contribution
    from activities.tests.test_views import _contribution_form

    client = client_as("unido-focal")
    client.post(reverse("activities:contribution-create"),
                _contribution_form(kind="financial", staff_days="", amount_usd="1234567.5", year=2015))
    c = Contribution.objects.get(amount_usd="1234567.5")
    detail = client.get(reverse("activities:contribution-detail", args=[c.pk])).content.decode()
    assert "1,234,567.50 USD" in detail
    for name in ("activities:contribution-mine", "overview:contribution-list"):
        html = client.get(reverse(name)).content.decode()
        assert "1,234,567.50" in html and "1234567" not in html.replace("1,234,567", ""), name
    activity = client.get(reverse("activities:activity-detail", args=[c.activity_id])).content.decode()
    assert "1,234,567.50" in activity
