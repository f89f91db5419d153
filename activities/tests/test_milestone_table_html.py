"""The plan and activity pages' milestone tables, and the plan page's activities, are written by code
(activities/tables.py) with the same bytes as their templates (partials/_milestone_table.html with an include of
_milestone_row.html per row, and partials/_plan_activity.html): for every milestone of the seed and of a generated
plan, in every variant (read, file progress, change status; sub-items; due to a meeting, on a date, both or
neither; completed), with texts that need escaping."""
import datetime
import re

import pytest
from django.db.models import Prefetch, prefetch_related_objects
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils.html import format_html

from accomplishments.models import Meeting
from activities import tables
from activities.models import Activity, LeadBody, Milestone
from activities.permissions import Rights
from activities.row_figures import milestones_annotated
from activities.tables import milestone_rows, milestone_table_html, milestones_read, plan_activity_html
from activities.templatetags.activities_tags import status_badge_of
from cycles.health import HEALTH
from cycles.templatetags.cycles_tags import HELP, health_badge
from devtools.generate import plan_generate

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2014, 6, 15)
NASTY = "<b>Tom & \"Jerry\"</b>'s"


def milestones_prefetch(*, today: datetime.date):
    """What the templates read (the reference the code is compared with): top-level milestones with their
    sub-items, in document order, each with the figures other apps derive (its health: activities.row_figures)."""
    children = milestones_annotated(
        Milestone.objects.select_related("due_meeting", "activity__accomplishment").order_by("order", "label"), today)
    return Prefetch(
        "milestones",
        queryset=milestones_annotated(Milestone.objects.filter(parent__isnull=True), today)
        .select_related("due_meeting")
        .prefetch_related(Prefetch("children", queryset=children))
        .order_by("order", "label"),
        to_attr="top_milestones",
    )


@pytest.fixture
def plans(seed_plan):
    """The seed and a generated plan, with the variants a plan may not have by itself."""
    generated = plan_generate(scale=2)
    milestones = Milestone.objects.filter(activity__accomplishment__work_plan=seed_plan).order_by("pk")
    meeting = Meeting.objects.order_by("start_date").first()
    both, neither, nasty = milestones[0], milestones[1], milestones[2]
    Milestone.objects.filter(pk=both.pk).update(due_meeting=meeting, due_date=datetime.date(2014, 9, 30))
    Milestone.objects.filter(pk=neither.pk).update(due_meeting=None, due_date=None)
    Milestone.objects.filter(pk=nasty.pk).update(text=NASTY, status="completed", completed_on=TODAY)
    Meeting.objects.filter(pk=meeting.pk).update(code="SOM<&>")
    activity = Activity.objects.filter(accomplishment__work_plan=seed_plan).order_by("pk").first()
    Activity.objects.filter(pk=activity.pk).update(description=NASTY, title=NASTY)
    LeadBody.objects.filter(pk=activity.lead_body_id).update(name=NASTY)
    Activity.objects.filter(accomplishment__work_plan=seed_plan).order_by("-pk").filter(
        pk=Activity.objects.filter(accomplishment__work_plan=seed_plan).order_by("-pk").first().pk).update(
        lead_body=None, description="")
    # A sub-item left in another activity than its parent's (nothing forbids it): shown under its parent.
    child = Milestone.objects.filter(parent__isnull=False, activity__accomplishment__work_plan=seed_plan).first()
    other = Activity.objects.filter(accomplishment__work_plan=seed_plan).exclude(pk=child.activity_id).first()
    Milestone.objects.filter(pk=child.pk).update(activity=other)
    return [seed_plan, generated]


def _activities(plans):
    activities = list(Activity.objects.filter(accomplishment__work_plan__in=plans)
                      .select_related("accomplishment", "lead_body").order_by("pk"))
    assert len(activities) >= 30
    return activities


def _rights(activities):
    every = frozenset(a.pk for a in activities)
    half = frozenset(a.pk for a in activities[::2])
    return [Rights(), Rights(progress=every), Rights(status=every, progress=every),
            Rights(status=half, progress=half), Rights(progress=half)]


def _request():
    return RequestFactory().get(reverse("activities:plan") + "?ea=A&x=<'\">é")


def test_every_table_is_the_templates_bytes(plans):
    activities = _activities(plans)
    prefetch_related_objects(activities, milestones_prefetch(today=TODAY))  # the templates' milestones
    rows = milestone_rows([a.pk for a in activities], today=TODAY)
    request = _request()
    shown = [m for a in activities for top in a.top_milestones for m in [top, *top.children.all()]]
    # Every variant is there to compare.
    assert any(m.parent_id for m in shown) and any(m.activity_id != m.parent.activity_id for m in shown if m.parent_id)
    assert any(m.due_meeting_id and m.due_date for m in shown)
    assert any(m.due_meeting_id and not m.due_date for m in shown)
    assert any(m.due_date and not m.due_meeting_id for m in shown)
    assert any(not m.due_date and not m.due_meeting_id for m in shown)
    assert any(m.completed_on for m in shown) and any(m.text == NASTY for m in shown)
    assert {m.health for m in shown} >= {"closed", "overdue", "stale"}
    assert any(not a.top_milestones for a in activities)
    assert len(shown) == sum(1 + len(children) for a in activities for _, children in rows.get(a.pk, []))
    for rights in _rights(activities):
        for activity in activities:
            expected = render_to_string("activities/partials/_milestone_table.html",
                                        {"activity": activity, "rights": rights, "request": request})
            written = milestone_table_html(activity, rows.get(activity.pk, []), rights=rights,
                                           back=request.get_full_path())
            assert written == expected, activity.code


def test_every_plan_activity_is_the_templates_bytes(plans):
    activities = _activities(plans)
    milestones_read(activities, today=TODAY)
    request = _request()
    assert any(a.description for a in activities) and any(not a.description for a in activities)
    assert any(a.lead_body_id is None for a in activities)
    for rights in _rights(activities):
        for activity in activities:
            expected = render_to_string("activities/partials/_plan_activity.html", {
                "activity": activity, "a": activity.accomplishment, "rights": rights, "request": request,
                "arrange": False})
            assert plan_activity_html(activity, rights=rights, back=request.get_full_path()) == expected


def test_the_badges_are_the_tags_bytes():
    """One badge per value, written once: the bytes the tags wrote for each row."""
    for value in [*Milestone.Status.values, "odd<&>"]:
        m = Milestone(status=value)
        assert status_badge_of(value) == format_html(
            '<span class="badge status status-{}"><span class="visually-hidden">Reported status: </span>'
            '<span aria-hidden="true" class="status-shape"></span> {}</span>', m.status, m.get_status_display())
    for value, (label, shape) in HEALTH.items():
        assert health_badge(value) == format_html(
            '<span class="badge health health-{}" title="Derived health: {}"><span class="health-prefix">Health'
            '<span class="visually-hidden">:</span></span> <span aria-hidden="true">{}</span> {}</span>',
            value, HELP[value], shape, label)
    assert health_badge(None) == ""


def _by_templates(monkeypatch):
    """Build the tables and the plan's activities from their templates instead of by code."""
    def table(activity, rows, *, rights, back):
        prefetch_related_objects([activity], milestones_prefetch(today=TODAY))
        return render_to_string("activities/partials/_milestone_table.html", {
            "activity": activity, "rights": rights, "request": RequestFactory().get(back)})

    def plan_activity(activity, *, rights, back):
        return render_to_string("activities/partials/_plan_activity.html", {
            "activity": activity, "a": activity.accomplishment, "rights": rights,
            "request": RequestFactory().get(back), "arrange": False})

    monkeypatch.setattr(tables, "milestone_table_html", table)
    monkeypatch.setattr(tables, "plan_activity_html", plan_activity)


@pytest.mark.parametrize("username, url", [
    ("secretariat", "activities:plan"), ("viewer", "activities:plan"), ("biodiversity-lead", "activities:plan"),
    ("secretariat", "activities:plan?ea=B"), ("biodiversity-lead", "activities:activity-detail"),
    ("viewer", "activities:activity-detail")])
def test_the_pages_are_the_same_as_built_from_the_templates(client_as, seed_plan, settings, monkeypatch,
                                                             username, url):
    settings.EMG_TODAY = TODAY.isoformat()
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    name, _, query = url.partition("?")
    activity = Activity.objects.get(accomplishment__work_plan=seed_plan, accomplishment__code="A", number=1)
    path = reverse(name, args=[activity.pk] if "detail" in name else []) + (f"?{query}" if query else "")
    client = client_as(username)
    by_code = client.get(path).content.decode()
    _by_templates(monkeypatch)
    by_templates = client.get(path).content.decode()
    masked = re.compile(r"[A-Za-z0-9]{64}")  # the CSRF token, masked afresh on every page
    assert "<table hx-target" in by_code and masked.sub("", by_code) == masked.sub("", by_templates)
