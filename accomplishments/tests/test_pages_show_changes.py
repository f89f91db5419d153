"""The lists, the activity page, My work, the review queue and the exports show every change at once."""
import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accomplishments.models import Member
from activities import services
from activities.models import Activity, LeadBody, Milestone
from activities.tests.factories import ContributionFactory, ProgressUpdateFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def a1a(seed_plan):
    return Milestone.objects.get(activity__accomplishment__code="A", activity__number=1, label="a", parent=None)


def _main(response):
    """The page's content: outside it the layout carries a fresh CSRF token on every response."""
    html = response.content.decode()
    main = html[html.index("<main"):html.index("</main>")]
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", main)


PAGES = [
    ("milestone list", "viewer", lambda a1a: reverse("overview:milestone-list") + "?status=not_started&o=-due"),
    ("contribution list", "unido-focal", lambda a1a: reverse("overview:contribution-list") + "?year=2014"),
    ("activity", "biodiversity-lead", lambda a1a: reverse("activities:activity-detail", args=[a1a.activity_id])),
    ("my work", "biodiversity-lead", lambda a1a: reverse("activities:my-work")),
    ("review queue", "secretariat", lambda a1a: reverse("activities:review-queue")),
]


@pytest.fixture
def submitted(a1a, demo_users):
    """An update waiting in the review queue."""
    return ProgressUpdateFactory(milestone=a1a, review_state="submitted", author=demo_users["biodiversity-lead"],
                                 narrative="The mapping tool is in beta.")


def _status_on(client, url, m):
    """The status the page shows in milestone m's row (found by its id, or its link to the milestone)."""
    html = client.get(url).content.decode()
    detail = reverse("activities:milestone-detail", args=[m.pk])
    markers = [f'id="milestone-{m.pk}"', f'#milestone-{m.pk}"', f'href="{detail}"']
    at = min(i for i in (html.find(marker) for marker in markers) if i >= 0)
    row = html[html.rindex("<tr", 0, at):html.index("</tr>", at)]
    return re.search(r'class="badge status status-(\w+)"', row).group(1)


@pytest.mark.parametrize("username,url", [
    ("viewer", lambda a1a: reverse("overview:milestone-list") + "?lead_body=&o=ref"),
    ("biodiversity-lead", lambda a1a: reverse("activities:activity-detail", args=[a1a.activity_id])),
    ("biodiversity-lead", lambda a1a: reverse("activities:my-work")),
], ids=["milestone list", "activity", "my work"])
def test_a_status_change_shows_at_once(client_as, demo_users, a1a, username, url):
    client = client_as(username)
    assert _status_on(client, url(a1a), a1a) == "not_started"
    services.milestone_set_status(milestone_id=a1a.pk, status="at_risk", by=demo_users["secretariat"],
                                  expected_version=a1a.version)
    assert _status_on(client, url(a1a), a1a) == "at_risk"


def test_a_filter_is_not_served_another_filters_page(client_as, demo_users, a1a):
    client = client_as("viewer")
    url = reverse("overview:milestone-list")
    services.milestone_set_status(milestone_id=a1a.pk, status="at_risk", by=demo_users["secretariat"],
                                  expected_version=a1a.version)
    at_risk = client.get(url, {"status": "at_risk"}).context["object_list"]
    assert [m.pk for m in at_risk] == [a1a.pk]
    assert a1a not in client.get(url, {"status": "on_track"}).context["object_list"]


def test_the_review_queue_shows_a_new_submission_at_once(client_as, demo_users, a1a, submitted):
    client = client_as("secretariat")
    url = reverse("activities:review-queue")
    assert "The mapping tool is in beta." in _main(client.get(url))
    services.progress_update_return(update=submitted, by=demo_users["secretariat"], reason="Name the agencies.")
    assert "Nothing is waiting for review." in _main(client.get(url))


def test_a_new_contribution_shows_at_once_in_the_list_and_the_export(client_as, seed_plan):
    client = client_as("unido-focal")
    activity = Activity.objects.get(accomplishment__code="B", number=2)
    member = Member.objects.get(acronym="UNIDO")
    list_url, export_url = reverse("overview:contribution-list"), reverse("overview:contribution-export",
                                                                             args=["csv"])
    days_before = _main(client.get(list_url))
    assert "Cached-page check" not in client.get(export_url).content.decode()
    ContributionFactory(member=member, activity=activity, year=2015, staff_days=37, note="Cached-page check")
    assert _main(client.get(list_url)) != days_before
    assert "Cached-page check" in client.get(export_url).content.decode()


def test_the_export_follows_its_filter_and_shows_a_change(client_as, demo_users, a1a):
    client = client_as("viewer")
    url = reverse("overview:milestone-export", args=["csv"])
    first = client.get(url, {"status": "at_risk"})
    assert first["Content-Disposition"].startswith('attachment; filename="emg-milestones-')
    assert a1a.text[:30] not in first.content.decode()
    assert a1a.text[:30] in client.get(url, {"status": "not_started"}).content.decode()
    services.milestone_set_status(milestone_id=a1a.pk, status="at_risk", by=demo_users["secretariat"],
                                  expected_version=a1a.version)
    assert a1a.text[:30] in client.get(url, {"status": "at_risk"}).content.decode()


def test_a_role_or_lead_change_shows_at_once(client_as, demo_users, a1a):
    lead = demo_users["biodiversity-lead"]
    client = client_as("biodiversity-lead")
    url = reverse("activities:activity-detail", args=[a1a.activity_id])
    filing = "File progress on A.1"
    assert filing in _main(client.get(url)) and filing in _main(client.get(url))
    LeadBody.objects.get(pk=a1a.activity.lead_body_id).leads.remove(lead)
    assert filing not in _main(client.get(url))
    assert "Edit activity" not in _main(client.get(url))
    lead.groups.add(Group.objects.get(name="secretariat"))
    assert "Edit activity" in _main(client.get(url))


def test_a_renamed_author_shows_at_once(client_as, demo_users, submitted):
    client = client_as("secretariat")
    url = reverse("activities:review-queue")
    author = demo_users["biodiversity-lead"]
    assert author.get_full_name() and author.get_full_name() in _main(client.get(url))
    author.first_name = "Renamed"
    author.save()
    assert "Renamed" in _main(client.get(url))


def test_a_rule_decides_its_permission_alone_and_staff_keep_the_admins(demo_users, django_assert_num_queries):
    secretariat = demo_users["secretariat"]
    with django_assert_num_queries(1):  # the roles, once; no permission tables for the rule that says no
        assert not secretariat.has_perm("activities.my_work")
        assert secretariat.has_perm("activities.manage_plan")
    assert secretariat.has_perm("activities.change_milestone")  # a model permission: the admin's
    assert not demo_users["viewer"].has_perm("activities.change_milestone")
