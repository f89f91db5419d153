"""Every page of the back office renders for the secretariat, who is staff and uses it."""
import datetime

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _one(model, users):
    """A row of the model, made if the seed plan and demo users hold none."""
    from accomplishments.models import Meeting, WorkPlan
    from activities import services
    from activities.models import Contribution, Milestone, ProgressUpdate
    from cycles.models import ReminderSent, ReportingCycle
    from reports.models import Report

    obj = model._default_manager.order_by("pk").first()
    if obj is not None:
        return obj
    milestone = Milestone.objects.order_by("pk").first()
    if model is ProgressUpdate:
        return services.progress_update_save(
            activity=milestone.activity, milestone=milestone, author=users["biodiversity-lead"],
            data={"period_start": datetime.date(2014, 1, 1), "period_end": datetime.date(2014, 3, 31),
                  "reported_status": "on_track", "narrative": "x", "evidence_links": "https://www.cbd.int/"})
    if model is Contribution:
        return services.contribution_record(
            data={"member": users["unido-focal"].focal_for.get(), "activity": milestone.activity,
                  "kind": Contribution.Kind.PERSONAL_TIME, "year": 2014, "staff_days": 5}, by=users["unido-focal"])
    plan, meeting = WorkPlan.objects.first(), Meeting.objects.get(code="SOM20")
    if model is Report:
        return Report.objects.create(work_plan=plan, meeting=meeting, as_of=datetime.date(2014, 6, 1),
                                     symbol="EMG/SOM.20/INF.1", issued_on=datetime.date(2014, 6, 1),
                                     requested_by=users["chair"])
    if model in (ReportingCycle, ReminderSent):
        cycle = ReportingCycle.objects.first() or ReportingCycle.objects.create(
            work_plan=plan, meeting=meeting, period_start=datetime.date(2014, 1, 1),
            cut_off=datetime.date(2014, 8, 15), review_deadline=datetime.date(2014, 8, 31),
            opened_by=users["secretariat"])
        if model is ReportingCycle:
            return cycle
        return ReminderSent.objects.create(user=users["esm-lead"], cycle=cycle, kind=ReminderSent.Kind.choices[0][0],
                                           offset=7, sent_on=datetime.date(2014, 8, 8))
    pytest.fail(f"no row of {model.__name__} to open: teach _one to make one")


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
        obj = _one(model, demo_users)
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
