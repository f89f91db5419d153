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
    client = client_as("viewer")
    with django_assert_max_num_queries(14):
        small = client.get("/")
    plan_build(activities_per_accomplishment=25, milestones_per_activity=4)  # 100 activities, 1,200 milestones
    with django_assert_max_num_queries(14):
        large = client.get("/")
    assert large.content.decode().count('<tr id="milestone-') == 1200
    assert small.status_code == large.status_code == 200
