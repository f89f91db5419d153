"""Users in the back office: a role set in the application while the user's admin form is open stays."""
import pytest
from django.test import Client
from django.urls import reverse

from activities.models import LeadBody
from emgplan.tests.admin_helpers import admin_change_form, admin_url

pytestmark = pytest.mark.django_db


def test_a_role_set_in_the_app_survives_a_stale_user_form(client_as, demo_users):
    viewer = demo_users["viewer"]
    admin_client = client_as("secretariat")
    stale = admin_change_form(admin_client, viewer)
    assert [g.name for g in viewer.groups.all()] == ["viewer"]

    app = Client()
    app.force_login(demo_users["secretariat"])
    body = LeadBody.objects.get(short_name="IMG Green Economy")
    app.post(reverse("accounts:user-roles", args=[viewer.pk]), {"role": "lead", "lead_bodies": [body.pk]})
    assert [g.name for g in viewer.groups.all()] == ["lead"]

    r = admin_client.post(admin_url(viewer), {**stale, "first_name": "Victor"})
    assert r.status_code == 200
    html = r.content.decode()
    assert "Not saved: someone (or the application) changed this record" in html
    assert "groups (now “lead”)" in html
    assert 'value="Victor"' in html
    viewer.refresh_from_db()
    assert viewer.first_name == "Vic" and [g.name for g in viewer.groups.all()] == ["lead"]
    assert list(viewer.lead_bodies.all()) == [body]


def test_a_fresh_user_form_saves_and_the_log_names_the_author(client_as, demo_users):
    from django.contrib.admin.models import LogEntry

    viewer = demo_users["viewer"]
    client = client_as("secretariat")
    r = client.post(admin_url(viewer), {**admin_change_form(client, viewer), "first_name": "Victor"})
    assert r.status_code == 302, (r.context["adminform"].form.errors, r.context["errors"])
    viewer.refresh_from_db()
    assert viewer.first_name == "Victor" and [g.name for g in viewer.groups.all()] == ["viewer"]
    entry = LogEntry.objects.get(object_id=str(viewer.pk), content_type__model="user")
    assert entry.user.username == "secretariat"


def test_a_user_changed_in_another_admin_tab_names_who_did_it(client_as, demo_users):
    viewer = demo_users["viewer"]
    client = client_as("secretariat")
    first_tab = admin_change_form(client, viewer)
    assert client.post(admin_url(viewer), {**admin_change_form(client, viewer), "email": "vic@unep.org"}
                       ).status_code == 302
    r = client.post(admin_url(viewer), {**first_tab, "last_name": "Viewing"})
    html = r.content.decode()
    assert "Not saved: Sam Secretariat changed this record on" in html and "email address (now “vic@unep.org”)" in html
    viewer.refresh_from_db()
    assert viewer.email == "vic@unep.org" and viewer.last_name == "Viewer"
