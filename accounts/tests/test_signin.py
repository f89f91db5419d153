"""Sign-in protection: lockout and unlock, password change and reset, and no way to grant rights in /admin/."""
import re

import pytest
from django.contrib.auth.models import Group, User
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db

PASSWORD = "emg-demo-2014"


def _sign_in(client, username, password, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def _fail(client, username, times, **extra):
    for _ in range(times):
        response = _sign_in(client, username, "wrong-password", **extra)
        assert response.status_code in (200, 429)
    return response


def _visible_text(response):
    text = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", re.sub(r"\d\d:\d\d|\d+ minutes|[+-]\d{4}|UTC", "T", text))


def test_ten_failures_lock_the_username_even_with_the_right_password_then(client, demo_users, settings):
    response = _fail(client, "chair", 9)
    assert response.status_code == 200 and "Please enter a correct username and password" in response.content.decode()
    locked = _fail(client, "chair", 1)
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Sign-in paused" in page and "Try again after" in page and "in about 15 minutes" in page
    assert "ask the EMG secretariat to unlock" in page
    right = _sign_in(client, "chair", PASSWORD)
    assert right.status_code == 429 and "_auth_user_id" not in client.session
    # the lockout is per username: another person from another address signs in
    assert _sign_in(client, "viewer", PASSWORD, REMOTE_ADDR="10.0.0.9").status_code == 302


def test_ten_failures_from_one_address_lock_that_address_for_every_username(client, demo_users):
    for name in ("a", "b", "c", "d", "e", "f", "g", "h", "i", "j"):
        _sign_in(client, f"guess-{name}", "x", REMOTE_ADDR="10.1.1.1")
    assert _sign_in(client, "viewer", PASSWORD, REMOTE_ADDR="10.1.1.1").status_code == 429
    assert _sign_in(client, "viewer", PASSWORD, REMOTE_ADDR="10.1.1.2").status_code == 302


def test_the_lockout_says_the_same_for_a_user_that_does_not_exist(client, demo_users):
    real = _fail(client, "chair", 10, REMOTE_ADDR="10.2.0.1")
    unknown = _fail(client, "no-such-user", 10, REMOTE_ADDR="10.2.0.2")
    assert real.status_code == unknown.status_code == 429
    assert _visible_text(real) == _visible_text(unknown)
    before = _sign_in(client, "no-such-user-2", "x", REMOTE_ADDR="10.2.0.3").content.decode()
    assert "Please enter a correct username and password" in before


def test_secretariat_sees_and_lifts_a_lockout(client, client_as, demo_users):
    _fail(client, "chair", 10, REMOTE_ADDR="10.3.0.1")
    for name in "abcdefghij":
        _sign_in(client, f"guess-{name}", "x", REMOTE_ADDR="10.3.0.2")
    secretariat = client_as("secretariat")
    page = secretariat.get(reverse("accounts:lockout-list"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "chair" in html and "10.3.0.1" in html and "10.3.0.2" in html and "Unlock" in html
    response = secretariat.post(reverse("accounts:lockout-list"), {"username": "chair"}, follow=True)
    assert "chair may sign in again." in response.content.decode()
    response = secretariat.post(reverse("accounts:lockout-list"), {"ip_address": "10.3.0.2"}, follow=True)
    assert "10.3.0.2 may sign in again." in response.content.decode()
    assert "None locked out." in response.content.decode()
    again = secretariat.post(reverse("accounts:lockout-list"), {"username": "chair"}, follow=True)
    assert "Nothing to unlock" in again.content.decode()
    secretariat.logout()
    assert _sign_in(client, "chair", PASSWORD, REMOTE_ADDR="10.3.0.1").status_code == 302
    client.logout()
    assert _sign_in(client, "viewer", PASSWORD, REMOTE_ADDR="10.3.0.2").status_code == 302


@pytest.mark.parametrize("username", ["chair", "viewer", "biodiversity-lead"])
def test_only_the_secretariat_reaches_the_lockouts(client_as, username):
    client = client_as(username)
    assert client.get(reverse("accounts:lockout-list")).status_code == 403
    assert client.post(reverse("accounts:lockout-list"), {"username": "x"}).status_code == 403


def test_a_visitor_is_sent_to_sign_in_for_the_lockouts(client, demo_users):
    assert client.get(reverse("accounts:lockout-list"))["Location"].startswith(reverse("login"))


def test_every_user_changes_their_password(client_as, client):
    viewer = client_as("viewer")
    page = viewer.get(reverse("password_change"))
    assert page.status_code == 200 and "Change your password" in page.content.decode()
    assert 'href="/accounts/password_change/"' in page.content.decode()  # the header links to it
    wrong = viewer.post(reverse("password_change"), {"old_password": "nope", "new_password1": "Kestrel-lake-2014",
                                                     "new_password2": "Kestrel-lake-2014"})
    assert wrong.status_code == 200 and "Your old password was entered incorrectly" in wrong.content.decode()
    done = viewer.post(reverse("password_change"), {"old_password": PASSWORD, "new_password1": "Kestrel-lake-2014",
                                                    "new_password2": "Kestrel-lake-2014"}, follow=True)
    assert "Password changed" in done.content.decode()
    viewer.logout()
    assert _sign_in(client, "viewer", "Kestrel-lake-2014").status_code == 302


def test_password_reset_by_email(client, demo_users, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert 'href="/accounts/password_reset/"' in client.get(reverse("login")).content.decode()
    response = client.post(reverse("password_reset"), {"email": "unido-focal@emg.example.org"}, follow=True)
    assert "Check your e-mail" in response.content.decode()
    (message,) = mail.outbox
    assert message.to == ["unido-focal@emg.example.org"] and message.subject == "EMG work plan: reset your password"
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", message.body).group(1)
    form = client.get(link, follow=True)
    assert "Choose a new password" in form.content.decode()
    done = client.post(form.redirect_chain[-1][0], {"new_password1": "Heron-river-2015",
                                                    "new_password2": "Heron-river-2015"}, follow=True)
    assert "Password set" in done.content.decode()
    assert _sign_in(client, "unido-focal", "Heron-river-2015").status_code == 302
    client.logout()
    reused = client.get(link, follow=True)
    assert "This link no longer works" in reused.content.decode()


def test_password_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(client, demo_users, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    known = client.post(reverse("password_reset"), {"email": "chair@emg.example.org"}, follow=True)
    unknown = client.post(reverse("password_reset"), {"email": "nobody@example.org"}, follow=True)
    assert _visible_text(known) == _visible_text(unknown) and len(mail.outbox) == 1


def test_secretariat_cannot_make_itself_superuser_in_the_admin(client_as, demo_users):
    secretariat = demo_users["secretariat"]
    client = client_as("secretariat")
    url = reverse("admin:auth_user_change", args=[secretariat.pk])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="is_superuser"' not in html and 'name="is_staff"' not in html and 'name="groups"' not in html
    assert 'name="user_permissions"' not in html
    lock = re.search(r'name="_emg_lock" value="([^"]*)"', html).group(1)  # the form's version mark
    client.post(url, {"_emg_lock": lock, "username": "secretariat", "email": "s@example.org", "is_superuser": "on",
                      "is_staff": "on", "is_active": "on",
                      "groups": [g.pk for g in Group.objects.all()], "first_name": "Sec", "last_name": "Retariat"})
    secretariat.refresh_from_db()
    assert secretariat.email == "s@example.org"  # the form was saved, without the privileges
    assert secretariat.is_superuser is False and secretariat.user_permissions.count() == 0
    assert list(secretariat.groups.values_list("name", flat=True)) == ["secretariat"]
    # the group's own rights: no permission or group editing
    codenames = set(Group.objects.get(name="secretariat").permissions.filter(content_type__app_label="auth")
                    .values_list("codename", flat=True))
    assert codenames == {"view_user", "add_user", "change_user", "view_group"}
    group = Group.objects.get(name="secretariat")
    assert client.post(reverse("admin:auth_group_change", args=[group.pk]), {"name": "secretariat"}).status_code == 403


def test_secretariat_cannot_take_over_a_superuser_account(client_as, demo_users):
    root = User.objects.create_superuser("root", "root@example.org", "Root-pass-2014")
    client = client_as("secretariat")
    assert client.get(reverse("admin:auth_user_change", args=[root.pk])).status_code in (200, 403)
    response = client.post(reverse("admin:auth_user_password_change", args=[root.pk]),
                           {"password1": "Taken-over-2014", "password2": "Taken-over-2014"})
    assert response.status_code == 403
    root.refresh_from_db()
    assert root.check_password("Root-pass-2014")
    assert client.post(reverse("admin:auth_user_delete", args=[root.pk]), {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=root.pk).exists()


def test_behind_the_proxy_the_lockout_counts_the_address_the_proxy_saw(client, demo_users, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for name in "abcdefghij":  # a client that forges X-Forwarded-For still gets its real address counted
        _sign_in(client, f"guess-{name}", "x", HTTP_X_FORWARDED_FOR=f"192.0.2.{ord(name)}, 203.0.113.7")
    assert _sign_in(client, "viewer", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 429
    assert _sign_in(client, "viewer", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 302
