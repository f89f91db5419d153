"""Request bodies over the limit are refused from Content-Length before they are read."""
import io

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


class _Unreadable(io.RawIOBase):
    """A request body that fails the test if anyone reads it."""

    read_count = 0

    def readable(self):
        return True

    def read(self, *args):
        type(self).read_count += 1
        raise AssertionError("the body was read")

    readinto = readline = read


@pytest.mark.parametrize("who", ["visitor", "biodiversity-lead"])
def test_an_oversized_body_is_refused_unread_with_a_clear_page(demo_users, settings, who):
    client = Client()
    if who != "visitor":
        client.force_login(demo_users[who])
    size = 150 * 1024 * 1024
    response = client.generic("POST", reverse("activities:update-create") + "?milestone=1", b"",
                              content_type="multipart/form-data; boundary=x",
                              CONTENT_LENGTH=str(size), **{"wsgi.input": _Unreadable()})
    assert response.status_code == 413
    html = response.content.decode()
    assert "What you sent is too large" in html and "at most 25 MB" in html and "Nothing was saved" in html
    assert _Unreadable.read_count == 0


def test_a_body_within_the_limit_goes_through(client_as, settings):
    settings.MAX_REQUEST_BYTES = 25 * 1024 * 1024
    response = client_as("viewer").post(reverse("accounts:profile"), {"x": "y" * 1000})
    assert response.status_code in (200, 302)


@pytest.mark.parametrize("url", [
    "/search/?q=%00", "/search/?q=a%00b", "/progress/new/?milestone=abc", "/progress/new/?milestone=1.5",
    "/progress/new/?milestone=%00", "/progress/new/?activity=abc", "/progress/new/?milestone=%EF%BC%91",
    "/progress/new/?milestone=99999999999999999999999",
])
def test_malformed_parameters_are_a_400_not_a_500(client_as, url, settings):
    settings.DEBUG = False
    response = client_as("biodiversity-lead").get(url)
    assert response.status_code == 400
    assert "This request could not be understood" in response.content.decode()


def test_a_well_formed_unknown_id_is_still_a_404(client_as):
    assert client_as("biodiversity-lead").get("/progress/new/?milestone=99999999").status_code == 404
