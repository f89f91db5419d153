import datetime
from collections import Counter
from decimal import Decimal

import pytest
from django.urls import reverse

from accomplishments.models import ExpectedAccomplishment
from activities.models import Contribution, Milestone, ProgressUpdate
from activities.querysets import OPEN_STATUSES

from .helpers import cell, status_cells, table_rows

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2014, 6, 15)


def _expected(milestones):
    """Counts computed here in Python, independently of the dashboard's SQL."""
    counts = Counter(m.status for m in milestones)
    overdue = sum(1 for m in milestones if m.status in OPEN_STATUSES and m.due and m.due < TODAY)
    countable = len(milestones) - counts["cancelled"]
    share = round(100 * counts["completed"] / countable) if countable else 0
    return counts, overdue, share


@pytest.mark.parametrize("year", [None, 2014, 2015])
def test_status_figures_match_independent_counts(client_as, living_plan, year):
    html = client_as("chair").get(reverse("overview:dashboard") + (f"?year={year}" if year else "")).content.decode()
    rows = table_rows(html, "status-by-accomplishment")
    everything = list(Milestone.objects.select_related("due_meeting", "activity__accomplishment"))
    in_year = [m for m in everything if year is None or (m.due and m.due.year == year)]
    for code in "ABCD":
        mine = [m for m in in_year if m.activity.accomplishment.code == code]
        counts, overdue, share = _expected(mine)
        shown = status_cells(rows[code])
        assert shown == {s: counts[s] for s in Milestone.Status.values}, code
        assert int(cell(rows[code], "data-total")) == len(mine)
        assert int(cell(rows[code], "data-overdue")) == overdue
        assert cell(rows[code], "data-share") == f"{share}%"
    if year is None:  # each row links to its milestones, and the overdue count to the overdue ones
        c = ExpectedAccomplishment.objects.get(work_plan=living_plan, code="C")
        assert f'href="/milestones/?accomplishment={c.pk}&amp;overdue=on"' in rows["C"]
    counts, overdue, _ = _expected(in_year)
    assert status_cells(rows["all"]) == {s: counts[s] for s in Milestone.Status.values}
    assert int(cell(rows["all"], "data-overdue")) == overdue


def test_lead_body_figures_match(client_as, living_plan):
    html = client_as("viewer").get(reverse("overview:dashboard")).content.decode()
    rows = table_rows(html, "status-by-lead-body")
    milestones = list(Milestone.objects.select_related("activity__lead_body", "due_meeting"))
    for short_name in {m.activity.lead_body.short_name for m in milestones}:
        mine = [m for m in milestones if m.activity.lead_body.short_name == short_name]
        counts, overdue, _ = _expected(mine)
        assert status_cells(rows[short_name]) == {s: counts[s] for s in Milestone.Status.values}
        assert int(cell(rows[short_name], "data-overdue")) == overdue


def test_the_demo_plan_has_moved(living_plan):
    """The demo gives the dashboard something to show: not everything is still 'not started'."""
    assert Milestone.objects.exclude(status="not_started").count() >= 5
    assert ProgressUpdate.objects.accepted().count() >= 3
    assert Contribution.objects.count() >= 5


def test_status_is_shown_in_words_and_shapes(client_as, living_plan):
    html = client_as("viewer").get(reverse("overview:dashboard")).content.decode()
    for _value, label in Milestone.Status.choices:
        assert label in html
    assert 'class="status-seg status-on_track"' in html and 'class="status-shape"' in html
    assert 'role="img" aria-label="A. Programmatic issues:' in html


def test_next_meetings_due_soon_and_updates(client_as, living_plan, settings):
    response = client_as("secretariat").get(reverse("overview:dashboard"))
    ctx = response.context
    assert [m.code for m in ctx["meetings"]][:2] == ["UNEA-1", "SOM20"]
    som20 = next(m for m in ctx["meetings"] if m.code == "SOM20")
    assert {m.pk for m in som20.plan_milestones} == set(
        Milestone.objects.filter(due_meeting__code="SOM20").values_list("pk", flat=True))
    # due within 60 days of 15 June 2014: nothing dated in the seed except via meetings (UNEA-1 has none)
    expected_soon = [m for m in Milestone.objects.all()
                     if m.due and TODAY <= m.due <= TODAY + datetime.timedelta(days=60) and m.status in OPEN_STATUSES]
    assert len(ctx["due_soon"]) == len(expected_soon)
    # the six latest accepted (the demo has seven), most recently accepted first
    accepted = ProgressUpdate.objects.accepted().order_by("-reviewed_at", "-period_end", "-pk")
    assert [u.pk for u in ctx["updates"]] == list(accepted.values_list("pk", flat=True)[:6])
    html = response.content.decode()
    assert "Draft, not yet submitted" not in html  # the draft narrative never reaches the dashboard
    assert "The members&#x27; inputs arrived in August" not in html  # nor the submitted one
    assert "The members' inputs arrived in August" not in html


def test_due_soon_follows_the_as_of_date(client_as, living_plan):
    client = client_as("viewer")
    client.post(reverse("overview:as-of"), {"as_of": "2014-08-20"})
    ctx = client.get(reverse("overview:dashboard")).context
    assert ctx["today"] == datetime.date(2014, 8, 20)
    due = {m.pk for m in ctx["due_soon"]}
    expected = {m.pk for m in Milestone.objects.all()
                if m.due and datetime.date(2014, 8, 20) <= m.due <= datetime.date(2014, 10, 19)
                and m.status in OPEN_STATUSES}
    assert due == expected and expected  # SOM20 and CBD COP 12 fall in that window


def test_contribution_figures(client_as, living_plan):
    ctx = client_as("chair").get(reverse("overview:dashboard")).context["contributions"]
    rows = list(Contribution.objects.select_related("member"))
    for r in ctx["by_member"]:
        mine = [c for c in rows if c.member.acronym == r.label]
        assert r.days_pledged == sum((c.staff_days or 0 for c in mine if c.state != "reported"), Decimal(0))
        assert r.days_reported == sum((c.staff_days or 0 for c in mine if c.state == "reported"), Decimal(0))
        assert r.usd_pledged == sum((c.amount_usd or 0 for c in mine if c.state != "reported"), Decimal(0))
        assert r.usd_reported == sum((c.amount_usd or 0 for c in mine if c.state == "reported"), Decimal(0))
    assert ctx["totals"].usd_pledged + ctx["totals"].usd_reported == sum(c.amount_usd or 0 for c in rows)
    html = client_as("chair").get(reverse("overview:dashboard") + "?year=2015").content.decode()
    by_member = table_rows(html, "contrib-by-member")
    assert set(by_member) == {"CBD", "total"}  # only CBD pledged for 2015 in the demo


def test_rows_written_by_code_escape_free_text(client_as, living_plan):
    """The status bars and the chart are written by template tags, not templates: a name with markup stays text."""
    from activities.models import LeadBody

    body = LeadBody.objects.filter(activities__accomplishment__work_plan=living_plan).first()
    LeadBody.objects.filter(pk=body.pk).update(name='<b>Evil & "quoted"</b>')
    html = client_as("viewer").get(reverse("overview:dashboard")).content.decode()
    assert "<b>Evil" not in html
    assert 'aria-label="&lt;b&gt;Evil &amp; &quot;quoted&quot;&lt;/b&gt;: ' in html
