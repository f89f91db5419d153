"""The dashboard's two lists of milestones (next meetings, due soon) are read as plain values and written as plain
strings (overview.selectors.DueRow, overview_tags.meeting_milestone_item / due_soon_row): the same bytes as the
tags wrote with format_html over model instances, for every row of the seed (with demo progress) and of a generated
plan, on days that give every health and both kinds of due date."""
import datetime
from decimal import Decimal

import pytest
from django.template import engines
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import truncatewords
from django.urls import reverse
from django.utils.html import format_html

from activities.models import Contribution, Milestone
from activities.templatetags.activities_tags import status_badge
from cycles.health import with_health
from cycles.templatetags.cycles_tags import milestone_health
from devtools.demo import demo_progress_create
from devtools.generate import plan_generate
from emgplan.links import pk_url
from overview import selectors
from overview.templatetags.overview_tags import (
    contribution_sum_rows,
    due_soon_row,
    meeting_milestone_item,
    status_row,
    status_row_cells,
)

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


TODAY = datetime.date(2014, 6, 15)


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


# The status tables' rows and the contribution sums, as they were (format_html, a template loop, three queries).

def _status_row(row):
    if row.query:
        name = format_html('<a href="{}?{}">{}</a>', reverse("overview:milestone-list"), row.query, row.label)
    else:
        name = row.label
    return format_html('<tr data-key="{}"><th scope="row">{}</th>{}</tr>', row.key, name, status_row_cells(row))


SUMS_LOOP = """{% load figures %}{% for r in rows %}
    <tr data-key="{{ r.label }}"><th scope="row">{{ r.label }}</th>
      <td class="text-end">{{ r.days_pledged|days }}</td><td class="text-end">{{ r.days_reported|days }}</td>
      <td class="text-end">{{ r.usd_pledged|usd }}</td><td class="text-end">{{ r.usd_reported|usd }}</td></tr>
  {% empty %}
    <tr><td colspan="5" class="text-muted">No contribution recorded.</td></tr>
  {% endfor %}"""


def _contributions_summary(*, plan, year=None):
    qs = Contribution.objects.filter(activity__accomplishment__work_plan=plan)
    if year:
        qs = qs.filter(year=year)
    sums = selectors.CONTRIBUTION_SUMS
    by_member = [selectors.ContributionSums.from_row(row["member__acronym"], row)
                 for row in qs.order_by("member__acronym").values("member__acronym").annotate(**sums)]
    kinds = dict(Contribution.Kind.choices)
    by_kind_rows = {row["kind"]: row for row in qs.order_by().values("kind").annotate(**sums)}
    by_kind = [selectors.ContributionSums.from_row(label, by_kind_rows[value])
               for value, label in kinds.items() if value in by_kind_rows]
    totals = selectors.ContributionSums.from_row("Total", qs.aggregate(**sums))
    usd_max = max([max(r.usd_pledged, r.usd_reported) for r in by_member] + [1])
    return {"by_member": by_member, "by_kind": by_kind, "totals": totals, "usd_max": usd_max}


def test_status_rows_and_contribution_sums_as_they_were(living_plan):
    generated = plan_generate(scale=2)
    loop = engines["django"].from_string(SUMS_LOOP)
    seen = 0
    for plan in (living_plan, generated):
        for year in (None, 2014, 2015, 2016):
            by_accomplishment = selectors.status_by_accomplishment(plan=plan, today=TODAY, year=year)
            rows = [*by_accomplishment, *selectors.status_by_lead_body(plan=plan, today=TODAY, year=year),
                    # the dashboard's few that need most attention, and a page of the full table
                    *selectors.status_by_lead_body_most_attention(plan=plan, today=TODAY, year=year, limit=3).rows,
                    *selectors.status_of_lead_bodies(plan=plan, today=TODAY, year=year, no_body=True,
                                                     bodies=selectors.lead_bodies_of(plan)[:5])]
            rows.append(selectors.StatusRow(key="<k&>", label="<b>Tom & \"Jerry\"</b>'s", counts={}, query="a=1&b=<"))
            for row in rows:
                assert status_row(row) == _status_row(row)
            summary, expected = selectors.contributions_summary(plan=plan, year=year), \
                _contributions_summary(plan=plan, year=year)
            assert summary == expected
            nasty = selectors.ContributionSums(label="<b>&'\"", days_pledged=Decimal("1.5"), usd_reported=None)
            for sums in (summary["by_member"], summary["by_kind"], [nasty], []):
                assert contribution_sum_rows(sums) == loop.render({"rows": sums})
                seen += len(sums)
    assert seen > 50
