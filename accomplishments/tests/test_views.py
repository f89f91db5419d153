import re

import pytest
from django.urls import reverse

from activities.models import Activity, Milestone
from activities.tests.factories import plan_build

pytestmark = pytest.mark.django_db


def test_anonymous_redirected_to_sign_in(client, seed_plan):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    activity = Activity.objects.first()
    assert client.get(activity and reverse("activities:activity-detail", args=[activity.pk])).status_code == 302


@pytest.mark.parametrize("username", ["secretariat", "chair", "biodiversity-lead", "unido-focal", "viewer"])
def test_signed_in_users_see_the_whole_plan(client_as, username):
    html = client_as(username).get("/").content.decode()
    for activity in Activity.objects.select_related("accomplishment"):
        assert f"{activity.code} {activity.title}".replace("’", "&#x27;") in html.replace("’", "&#x27;")
    for m in Milestone.objects.all():
        assert m.text.replace("“", "").split(",")[0][:40].replace("“", "") in html.replace("“", "")
    assert html.count('<tr id="milestone-') == 22


def test_user_without_role_is_refused(client, seed_plan, django_user_model):
    client.force_login(django_user_model.objects.create_user("nobody"))
    assert client.get("/").status_code == 403


def test_activity_page_shows_sub_items(client_as):
    c1 = Activity.objects.get(accomplishment__code="C", number=1)
    html = client_as("viewer").get(reverse("activities:activity-detail", args=[c1.pk])).content.decode()
    assert "C.1 UN Sustainability management" in html
    assert html.count('class="milestone-sub') == 5
    assert "30 Apr 2014" in html


def test_sign_in_page_and_sign_in(client, demo_users):
    response = client.post(reverse("login"), {"username": "chair", "password": "emg-demo-2014"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_overview_query_count_does_not_grow(client_as, django_assert_max_num_queries):
    # 14 -> 10: session, user, roles, plans, the sections, the part shown, its activities, their milestones and
    # sub-items (health included), and the bodies the user leads (the rows' rights, read once: rights_on)
    client = client_as("viewer")
    with django_assert_max_num_queries(10):
        small = client.get("/")
    plan_build(activities_per_accomplishment=25, milestones_per_activity=4)  # 100 activities, 1,200 milestones
    with django_assert_max_num_queries(10):
        large = client.get("/")
    assert large.content.decode().count('<tr id="milestone-') == 300  # a large plan opens at its first part
    rows = 0
    for page in (1, 2, 3, 4):  # the whole plan, 30 activities a page (activities.selectors.ACTIVITIES_PER_PAGE)
        with django_assert_max_num_queries(10):
            whole = client.get("/", {"ea": "all", "page": page})
        assert whole.status_code == 200
        rows += whole.content.decode().count('<tr id="milestone-')
    assert rows == 1200
    assert small.status_code == large.status_code == 200


def test_a_small_plan_shows_whole_and_a_large_one_by_expected_accomplishment(client_as, seed_plan):
    from devtools.generate import plan_generate

    client = client_as("viewer")

    def shown(**query):
        html = client.get("/", query).content.decode()
        current = re.search(r'class="nav-link active" aria-current="page" href="\?ea=(\w+)"', html).group(1)
        return current, re.findall(r'<h2 id="ea-(\w)"', html)

    assert shown() == ("all", ["A", "B", "C", "D"])  # the 2014–2015 plan: 22 milestones on one page
    assert shown(ea="C") == ("C", ["C"])
    plan_generate(scale=10)  # 226 milestones: the page opens at A, the rest a link away
    assert shown() == ("A", ["A"])
    assert shown(ea="B") == ("B", ["B"])
    assert shown(ea="Z") == ("A", ["A"])  # an unknown part: the default, not an error page
    parts = []
    for page in (1, 2, 3, 4):  # 100 activities: the whole plan in pages of 30, each part's heading where it is
        current, headings = shown(ea="all", page=page)
        assert current == "all"
        parts += [h for h in headings if h not in parts]
    assert parts == ["A", "B", "C", "D"]


def test_the_secretariat_arranges_the_plan_in_a_mode_of_its_own(client_as, seed_plan):
    a2 = Activity.objects.get(accomplishment__code="A", number=2)
    move_up = f'action="{reverse("activities:activity-move", args=[a2.pk, "up"])}"'
    client = client_as("secretariat")
    everyday = client.get("/").content.decode()
    assert move_up not in everyday and 'href="/?arrange=1">Arrange the plan</a>' in everyday
    arranging = client.get("/", {"arrange": "1"}).content.decode()
    assert move_up in arranging and 'name="next" value="/?arrange=1"' in arranging
    assert "Add an activity under A" in arranging and ">Done arranging</a>" in arranging
    r = client.post(reverse("activities:activity-move", args=[a2.pk, "up"]), {"next": "/?arrange=1"})
    assert r.status_code == 302 and r["Location"] == "/?arrange=1"
    a2.refresh_from_db()
    assert a2.number == 1
    viewer = client_as("viewer").get("/", {"arrange": "1"}).content.decode()
    assert "Move up" not in viewer and "Arrange the plan" not in viewer
