"""Every page of the back office renders for the secretariat, who is staff and uses it."""

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from emgplan.tests.admin_helpers import admin_sample_row

pytestmark = pytest.mark.django_db


def test_every_admin_page_renders_for_the_secretariat(client_as, demo_users, settings, tmp_path, admin_user):
    """Walk the back office: the index, and for each model its list, add form (or 403), change form and history.

    The secretariat's group holds the back office's permissions; models outside it (reporting cycles)
    are walked as a superuser. The third-party schedules of django-celery-beat are left to their authors.
    """
    settings.MEDIA_ROOT = tmp_path
    secretariat = client_as("secretariat")
    assert secretariat.get(reverse("admin:index")).status_code == 200
    superuser = Client()
    superuser.force_login(admin_user)
    walked = []
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        if opts.app_label == "django_celery_beat":
            continue
        # models the secretariat may only view (groups: roles are set in the application) are walked as a superuser
        staff_may = demo_users["secretariat"].has_perm(f"{opts.app_label}.change_{opts.model_name}")
        who = secretariat if staff_may else superuser
        base = f"admin:{opts.app_label}_{opts.model_name}"
        changelist = who.get(reverse(f"{base}_changelist"))
        assert changelist.status_code == 200, model
        if getattr(model_admin, "app_list_url_name", None):  # read-only here: the list says where to edit
            assert f'href="{reverse(model_admin.app_list_url_name)}"' in changelist.content.decode(), model
        obj = admin_sample_row(model, demo_users)
        page = who.get(reverse(f"{base}_change", args=[obj.pk]))
        assert page.status_code == 200, model
        html = page.content.decode()
        editable = model_admin.has_change_permission(page.wsgi_request, obj)
        assert ('name="_emg_lock"' in html) == editable, model  # every editable form carries its version mark
        assert ("read-only in the back office" in html or "it is not edited" in html) == (not editable), model
        assert who.get(reverse(f"{base}_history", args=[obj.pk])).status_code == 200, model
        add = who.get(reverse(f"{base}_add"))
        assert add.status_code == (200 if model_admin.has_add_permission(add.wsgi_request) else 403), model
        walked.append(model.__name__)
    assert {"Activity", "Milestone", "ProgressUpdate", "Contribution", "LeadBody", "Meeting", "Member",
            "ExpectedAccomplishment", "WorkPlan", "Report", "User", "Group", "ReportingCycle", "ReminderSent"
            } <= set(walked)
