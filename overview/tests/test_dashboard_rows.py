"""The dashboard's two lists of milestones (next meetings, due soon) are read as plain values and written as plain
strings (overview.selectors.DueRow, overview_tags.meeting_milestone_item / due_soon_row): the same bytes as the
tags wrote with format_html over model instances, for every row of the seed (with demo progress) and of a generated
plan, on days that give every health and both kinds of due date."""
import datetime

import pytest
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import truncatewords
from django.utils.html import format_html

from activities.models import Milestone
from activities.templatetags.activities_tags import status_badge
from cycles.health import with_health
from cycles.templatetags.cycles_tags import milestone_health
from devtools.demo import demo_progress_create
from devtools.generate import plan_generate
from emgplan.links import pk_url
from overview import selectors
from overview.templatetags.overview_tags import due_soon_row, meeting_milestone_item

pytestmark = pytest.mark.django_db

NASTY = "<b>Tom & \"Jerry\"</b>'s text, long enough to be cut: " + " ".join(f"word{i}" for i in range(30))


# The tags as they were, on model instances (the reference).

def _ref(m):
    return format_html('<a href="{}#milestone-{}">{}.{}{}</a>', pk_url("activities:activity-detail", m.activity_id),
                       m.pk, m.activity.accomplishment.code, m.activity.number, m.ref)


def _meeting_item(m):
    return format_html('<li class="mb-1">{} {} {} <span class="small">{}</span></li>', _ref(m), status_badge(m),
                       milestone_health(m), truncatewords(m.text, 18))


def _due_soon_row(m):
    meeting = f" ({m.due_meeting.code})" if m.due_meeting_id and not m.due_date else ""
    return format_html('<tr><th scope="row">{}</th><td>{}{}</td><td>{} {}</td><td class="small">{}</td></tr>',
                       _ref(m), date_filter(m.due_on, "j M Y"), meeting, status_badge(m), milestone_health(m),
                       truncatewords(m.text, 14))


def _instances(pks, today):
    qs = Milestone.objects.filter(pk__in=pks).with_due().select_related(
        "activity__accomplishment", "activity__lead_body", "parent", "due_meeting")
    return {m.pk: m for m in with_health(qs, today)}


def test_every_row_is_the_tags_bytes(seed_plan, settings):
    settings.EMG_TODAY = "2014-06-15"
    demo_progress_create()
    generated = plan_generate(scale=2)
    sub_item = Milestone.objects.filter(parent__isnull=False, activity__accomplishment__work_plan=seed_plan).first()
    Milestone.objects.filter(pk=sub_item.pk).update(text=NASTY, due_date=datetime.date(2014, 7, 1))
    compared, healths, meetings_only, dated, nasty = 0, set(), 0, 0, 0
    for plan in (seed_plan, generated):
        for today in (datetime.date(2014, 6, 15), datetime.date(2014, 8, 20), datetime.date(2015, 1, 10)):
            for year in (None, today.year):
                ahead = selectors.milestones_due_ahead(plan=plan, today=today, year=year)
                rows = [m for meeting in ahead.meetings for m in meeting.plan_milestones]
                instances = _instances([m.pk for m in rows + ahead.due_soon], today)
                for row in rows:
                    assert meeting_milestone_item(row) == _meeting_item(instances[row.pk])
                for row in ahead.due_soon:
                    assert due_soon_row(row) == _due_soon_row(instances[row.pk])
                    meetings_only += bool(row.due_meeting_id and not row.due_date)
                    dated += bool(row.due_date)
                compared += len(rows) + len(ahead.due_soon)
                healths |= {row.health for row in rows + ahead.due_soon}
                nasty += sum(row.text == NASTY for row in rows + ahead.due_soon)
    assert compared > 100 and meetings_only and dated
    assert healths >= {"due_soon", "stale", "on_track", "closed"}
    assert nasty  # a text that needs escaping and cutting was among them


def test_the_lists_keep_their_order_and_members(seed_plan, settings):
    """The same milestones, in the same order, as the model instances read with the same query."""
    today = datetime.date(2014, 8, 20)
    ahead = selectors.milestones_due_ahead(plan=seed_plan, today=today)
    qs = Milestone.objects.filter(activity__accomplishment__work_plan=seed_plan).with_due().filter(
        due_meeting__in=[m.pk for m in ahead.meetings]).order_by(*selectors.DOCUMENT_ORDER)
    assert [m.pk for meeting in ahead.meetings for m in meeting.plan_milestones] == [
        m.pk for meeting in ahead.meetings for m in qs if m.due_meeting_id == meeting.pk]
    assert ahead.due_soon and [m.due_on for m in ahead.due_soon] == sorted(m.due_on for m in ahead.due_soon)
