"""Error pages in the site's layout: why and what to do, with sign-out, for a visitor and a signed-in user."""
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

SIGN_OUT = 'action="/accounts/logout/"'


@pytest.fixture(autouse=True)
def _production(settings):
    settings.DEBUG = False  # Django shows its technical pages instead while DEBUG is on


@pytest.fixture
def quiet_client(demo_users):
    """A client that receives the 500 page instead of the exception."""
    return Client(raise_request_exception=False)


def _page(response):
    html = response.content.decode()
    assert "EMG Work Plan Tracker" in html and "Back to the work plan" in html  # the site's layout
    return html


@pytest.mark.parametrize("who", ["visitor", "viewer"])
def test_404(quiet_client, demo_users, who):
    if who == "viewer":
        quiet_client.force_login(demo_users["viewer"])
    response = quiet_client.get("/no/such/page/")
    assert response.status_code == 404
    html = _page(response)
    assert "Page not found" in html and "mistyped" in html
    assert (SIGN_OUT in html) == (who == "viewer") and ('href="/accounts/login/"' in html) == (who == "visitor")
    assert "reference " in html


@pytest.mark.parametrize("who", ["visitor", "viewer"])
def test_400_for_a_host_that_is_not_ours(quiet_client, demo_users, who):
    if who == "viewer":
        quiet_client.force_login(demo_users["viewer"])
    response = quiet_client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    html = response.content.decode()
    assert "could not be understood" in html or "Bad request" in html


def test_403_says_the_role_does_not_allow_it_with_sign_out(client_as):
    response = client_as("viewer").get(reverse("accounts:user-list"))
    assert response.status_code == 403
    html = _page(response)
    assert "You may not do this" in html and "ask the EMG secretariat" in html and SIGN_OUT in html


def test_a_user_without_a_role_is_told_whom_to_ask(client, demo_users):
    demo_users["secretariat"].email = "emg.secretariat@unep.example.org"
    demo_users["secretariat"].save()
    client.force_login(User.objects.create_user("newcomer", "newcomer@example.org"))
    response = client.get(reverse("activities:plan"))
    assert response.status_code == 403
    html = _page(response)
    assert "Your account has no role yet" in html and "newcomer" in html
    assert 'href="mailto:emg.secretariat@unep.example.org"' in html and SIGN_OUT in html


@pytest.mark.parametrize("who", ["visitor", "viewer"])
def test_csrf_failure_explains_and_keeps_the_layout(demo_users, who):
    client = Client(enforce_csrf_checks=True)
    if who == "viewer":
        client.force_login(demo_users["viewer"])
        response = client.post(reverse("accounts:profile"), {})
    else:
        response = client.post(reverse("login"), {"username": "viewer", "password": "x"})
    assert response.status_code == 403
    html = _page(response)
    assert "This form has expired" in html and "reload the page" in html
    assert (SIGN_OUT in html) == (who == "viewer")


@pytest.mark.parametrize("who", ["visitor", "viewer"])
def test_500_in_the_layout_with_a_reference(quiet_client, demo_users, who):
    if who == "viewer":
        quiet_client.force_login(demo_users["viewer"])
    with mock.patch("emgplan.health.health_report", side_effect=RuntimeError("boom")):
        response = quiet_client.get(reverse("healthz"), HTTP_X_REQUEST_ID="ref-for-the-user-1")
    assert response.status_code == 500
    html = _page(response)
    assert "Something went wrong on our side" in html and "ref-for-the-user-1" in html and "boom" not in html
    assert (SIGN_OUT in html) == (who == "viewer")


def test_500_when_even_the_layout_fails_is_a_plain_page(quiet_client):
    with mock.patch("emgplan.health.health_report", side_effect=RuntimeError("boom")), \
            mock.patch("emgplan.errors.render_to_string", side_effect=RuntimeError("database down")):
        response = quiet_client.get(reverse("healthz"), HTTP_X_REQUEST_ID="ref-for-the-user-2")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong" in html and "ref-for-the-user-2" in html and "database down" not in html


def test_lockout_page_in_the_layout(client, demo_users):
    for _ in range(10):
        response = client.post(reverse("login"), {"username": "chair", "password": "wrong"})
    assert response.status_code == 429
    html = response.content.decode()
    assert "EMG Work Plan Tracker" in html and "Sign-in paused" in html and "Try again after" in html


@pytest.mark.parametrize("referer, expected", [
    ("https://evil.example/phish", "/"),
    ("http://testserver/milestones/?status=delayed", "http://testserver/milestones/?status=delayed"),
    ("javascript:alert(1)", "/"),
    ("", "/"),
])
def test_cancel_stays_on_the_site(client_as, referer, expected):
    client = client_as("viewer")
    page = client.get(reverse("accounts:profile"), HTTP_REFERER=referer).content.decode()
    assert f'href="{expected}">Cancel</a>' in page
