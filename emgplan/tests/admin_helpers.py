"""Driving the back office's change forms through the test client, as a browser would."""
import datetime
import re

import pytest
from django.forms import MultiWidget
from django.urls import reverse

from emgplan.admin_tools import LOCK_FIELD


def admin_url(obj, view="change"):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_{view}", args=[obj.pk])


def _form_values(form) -> dict:
    data = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form.initial.get(name, field.initial)
        if callable(value):
            value = value()
        if value is None:
            continue
        if isinstance(value, bool):
            if value:
                data[form.add_prefix(name)] = "on"
            continue
        if isinstance(field.widget, MultiWidget):  # a date and a time in two inputs, say
            for i, part in enumerate(field.widget.decompress(value)):
                if part is not None:
                    data[f"{form.add_prefix(name)}_{i}"] = part
            continue
        if isinstance(value, list | tuple) or hasattr(value, "all"):
            value = value.all() if hasattr(value, "all") else value
            data[form.add_prefix(name)] = [getattr(v, "pk", v) for v in value]
        else:
            data[form.add_prefix(name)] = getattr(value, "pk", value)
    return data


def admin_change_form(client, obj) -> dict:
    """What the change page of `obj` would send if saved unchanged: its fields, its inlines, its version mark."""
    page = client.get(admin_url(obj))
    assert page.status_code == 200
    data = _form_values(page.context["adminform"].form)
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(_form_values(formset.management_form))
        for form in formset.initial_forms:
            data.update(_form_values(form))
    token = re.search(rf'name="{LOCK_FIELD}" value="([^"]+)"', page.content.decode())
    if token:
        data[LOCK_FIELD] = token.group(1)
    return data


def admin_sample_row(model, users):
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
    from decisions.models import ActionUpdate, Decision

    if model is ActionUpdate:
        decision = Decision.objects.order_by("pk").first()
        return ActionUpdate.objects.create(decision=decision, author=users["biodiversity-lead"],
                                           reported_status=Decision.Status.IN_PROGRESS, narrative="x")
    pytest.fail(f"no row of {model.__name__} to open: teach admin_sample_row to make one")
