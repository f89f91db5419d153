"""A report states what the history held on its as-of date: statuses, texts, accepted progress, contributions.

The same plan and history (the demo's, dated through 2014) read as of 1 March, 1 September and 31 December
2014, and as of dates around its events.
"""
import datetime
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from django.db.models import Count, Sum

from accomplishments.models import Meeting
from activities.models import Activity, Contribution, Milestone
from devtools.demo import DEMO_CONTRIBUTIONS, demo_progress_create
from devtools.generate import plan_generate
from reports.renderers import flat_milestones
from reports.selectors import report_snapshot

pytestmark = pytest.mark.django_db

MARCH, SEPTEMBER, DECEMBER = datetime.date(2014, 3, 1), datetime.date(2014, 9, 1), datetime.date(2014, 12, 31)
SEED = Path(__file__).resolve().parents[2] / "workplans" / "data" / "workplan-2014-2015.yaml"
Q1_MAPPING = "The online mapping tool now lists the contributions of twelve agencies"


@pytest.fixture
def demo_plan(seed_plan, demo_users):
    demo_progress_create()
    return seed_plan


def _snapshot(plan, as_of, meeting="SOM20"):
    if isinstance(meeting, str):
        meeting = Meeting.objects.get(code=meeting)
    return report_snapshot(plan=plan, kind="som", meeting=meeting, as_of=as_of,
                           symbol="EMG/SOM.20/3", issued_on=datetime.date(2014, 9, 10))


def _milestones(snapshot):
    return {f"{a['code']}{m['ref']}": m for a, m in flat_milestones(snapshot)}


def _narratives(snapshot):
    return [p["narrative"] for p in snapshot["progress"]]


def test_statuses_are_those_recorded_on_each_date(demo_plan):
    march, september, december = (_milestones(_snapshot(demo_plan, day)) for day in (MARCH, SEPTEMBER, DECEMBER))
    # Before any review every milestone stands as the plan was adopted.
    assert {m["status"] for m in march.values()} == {"not_started"}
    assert march["C.1(a)"]["completed_on"] is None
    assert september["A.1(a)"]["status"] == "on_track"
    assert september["A.1(d)"]["status"] == "at_risk"  # its Q3 update waits for review: not yet applied
    assert september["B.2(a)"]["status"] == "delayed"
    assert (september["C.1(a)"]["status"], september["C.1(a)"]["completed_on"]) == ("completed", "2014-04-10")
    assert september["C.1(a)"]["status_display"] == "Completed"
    assert {k: m["status"] for k, m in december.items()} == {k: m["status"] for k, m in september.items()}
    # The day before and the day of an acceptance (10 April): the status moves on the day.
    before = _milestones(_snapshot(demo_plan, datetime.date(2014, 4, 9)))
    on_the_day = _milestones(_snapshot(demo_plan, datetime.date(2014, 4, 10)))
    assert (before["A.1(d)"]["status"], on_the_day["A.1(d)"]["status"]) == ("not_started", "at_risk")


def test_status_table_counts_milestones_and_sub_items_as_of_the_date(demo_plan):
    march, september = _snapshot(demo_plan, MARCH), _snapshot(demo_plan, SEPTEMBER)
    assert march["statuses"][0] == ["not_started", "Not started"] and len(march["statuses"]) == 6
    assert march["status_totals"] == {"not_started": 22, "on_track": 0, "at_risk": 0, "delayed": 0,
                                      "completed": 0, "cancelled": 0, "total": 22}
    rows = {row["code"]: row for row in september["status_table"]}
    assert rows["A"]["counts"] == {"not_started": 5, "on_track": 3, "at_risk": 1, "delayed": 0,
                                  "completed": 0, "cancelled": 0}
    assert rows["C"]["total"] == 8 and rows["C"]["counts"]["completed"] == 1  # C.1(c)'s sub-items count
    assert rows["D"]["total"] == 0
    assert september["status_totals"]["total"] == 22
    assert sum(row["total"] for row in september["status_table"]) == 22


def test_progress_counts_from_its_acceptance_date(demo_plan):
    # The first-quarter narrative was accepted on 10 April: not in a 1 March report nor a 31 March one.
    assert not any(Q1_MAPPING in n for n in _narratives(_snapshot(demo_plan, MARCH)))
    assert not any(Q1_MAPPING in n for n in _narratives(_snapshot(demo_plan, datetime.date(2014, 3, 31))))
    september = _snapshot(demo_plan, SEPTEMBER)
    assert any(Q1_MAPPING in n for n in _narratives(september))
    mapping = _milestones(september)["A.1(a)"]
    assert [u["accepted_on"] for u in mapping["updates"]] == ["2014-04-10", "2014-07-15"]
    assert [u["period_start"] for u in mapping["updates"]] == ["2014-01-01", "2014-04-01"]
    assert mapping["progress"] == mapping["updates"][-1]
    assert mapping["updates"][0]["author"] == "Bea Biodiversity"
    # Paragraphs and list items are kept as typed.
    assert "Targets.\n\nA beta version" in mapping["updates"][0]["narrative"]
    assert "\n- a search by strategic goal;" in mapping["updates"][0]["narrative"]
    # The activity-level update (D.1) sits on its activity.
    d1 = next(a for ea in september["accomplishments"] for a in ea["activities"] if a["code"] == "D.1")
    assert [u["accepted_on"] for u in d1["updates"]] == ["2014-07-15"] and d1["progress"]["author"]
    # The third-quarter update only waits for review, and the draft was never submitted: neither counts.
    december = _snapshot(demo_plan, DECEMBER)
    assert not any("inputs arrived in August" in n or n.startswith("Draft") for n in _narratives(december))
    assert len(december["progress"]) == len(september["progress"]) == 7


def test_the_overdue_table_carries_due_dates(demo_plan):
    march = {(r["activity"], r["ref"]): r for r in _snapshot(demo_plan, MARCH)["attention"]}
    assert ("C.1", "(c)(i)") not in march  # due on 30 April 2014: not yet overdue on 1 March
    attention = {(r["activity"], r["ref"]): r for r in _snapshot(demo_plan, SEPTEMBER)["attention"]}
    overdue = attention[("C.1", "(c)(i)")]
    assert (overdue["due"], overdue["due_date"], overdue["overdue"]) == ("2014-04-30", "2014-04-30", True)
    at_risk = attention[("A.1", "(d)")]
    assert (at_risk["due"], at_risk["due_meeting"], at_risk["overdue"]) == ("2014-10-06", "CBD COP 12", False)
    assert all(r["due"] for r in attention.values() if r["overdue"])


def _hand_count(as_of):
    """Per state (days, USD, count), from the demo's own table: the last state recorded by `as_of`."""
    totals = {state: [Decimal(0), Decimal(0), 0] for state in ("pledged", "budgeted", "programmed", "reported")}
    for *_head, days, usd, states, _note in DEMO_CONTRIBUTIONS:
        known = [state for state, day, _by in states if datetime.date.fromisoformat(day) <= as_of]
        if known:
            totals[known[-1]][0] += Decimal(days or 0)
            totals[known[-1]][1] += Decimal(usd or 0)
            totals[known[-1]][2] += 1
    return totals


@pytest.mark.parametrize("as_of", [MARCH, datetime.date(2014, 6, 15), SEPTEMBER, DECEMBER])
def test_contributions_by_state_as_recorded_on_the_date(demo_plan, as_of):
    contributions = _snapshot(demo_plan, as_of)["contributions"]
    expected = _hand_count(as_of)
    assert [s for s, _ in contributions["states"]] == ["pledged", "budgeted", "programmed", "reported"]
    assert {row["state"]: (Decimal(row["staff_days"]), Decimal(row["amount_usd"]), row["count"])
            for row in contributions["by_state"]} == {s: tuple(v) for s, v in expected.items()}
    assert contributions["delivered"] == {"staff_days": str(contributions["by_state"][3]["staff_days"]),
                                          "amount_usd": str(contributions["by_state"][3]["amount_usd"])}
    assert Decimal(contributions["totals"]["staff_days"]) == sum(v[0] for v in expected.values())
    assert all(row["recorded_on"] <= as_of.isoformat() for row in contributions["rows"])
    # per member and state: the same figures, grouped otherwise
    for state, (days, usd, _n) in expected.items():
        rows = [r for r in contributions["by_member_state"] if r["state"] == state]
        assert sum(Decimal(r["staff_days"]) for r in rows) == days
        assert sum(Decimal(r["amount_usd"]) for r in rows) == usd


def test_contributions_before_and_after_the_june_pledge(demo_plan):
    unea = _snapshot(demo_plan, datetime.date(2014, 6, 20), meeting="UNEA-1")["contributions"]
    assert 2015 not in {row["year"] for row in unea["rows"]}  # the 2015 pledge was recorded on 20 August
    assert unea["delivered"] == {"staff_days": "10.0", "amount_usd": "15000.00"}
    september = _snapshot(demo_plan, SEPTEMBER)["contributions"]
    pledge = next(row for row in september["rows"] if row["year"] == 2015)
    assert (pledge["state"], pledge["recorded_on"], pledge["amount_usd"]) == ("pledged", "2014-08-20", "12000.00")
    assert pledge["note"] == "Travel for the 2015 review of the mapping tool."
    cbd = next(row for row in september["rows"] if row["member"] == "CBD" and row["year"] == 2014)
    assert (cbd["state"], cbd["state_display"]) == ("reported", "Reported (delivered)")
    march_cbd = [row for row in _snapshot(demo_plan, datetime.date(2014, 3, 25))["contributions"]["rows"]
                 if row["member"] == "CBD"]
    assert [row["state"] for row in march_cbd] == ["programmed"]  # as it was recorded then


def test_contribution_totals_against_sql(demo_plan):
    """Once everything is recorded (31 December), the per-state totals equal the database's own aggregate."""
    by_state = {row["state"]: row for row in _snapshot(demo_plan, DECEMBER)["contributions"]["by_state"]}
    in_sql = Contribution.objects.filter(activity__accomplishment__work_plan=demo_plan).values("state") \
        .annotate(days=Sum("staff_days"), usd=Sum("amount_usd"), n=Count("id"))
    assert len(in_sql) == 4
    for row in in_sql:
        got = by_state[row["state"]]
        assert Decimal(got["staff_days"]) == (row["days"] or 0)
        assert Decimal(got["amount_usd"]) == (row["usd"] or 0)
        assert got["count"] == row["n"]


def test_every_activity_carries_its_text_from_the_seed(demo_plan):
    data = yaml.safe_load(SEED.read_text())
    expected = {f"{ea['code']}.{a['number']}": a["description"].strip()
                for ea in data["accomplishments"] for a in ea["activities"]}
    got = {a["code"]: a["description"] for ea in _snapshot(demo_plan, SEPTEMBER)["accomplishments"]
           for a in ea["activities"]}
    assert got == expected
    assert got["D.1"].startswith("Convene the SOM20 of the EMG")
    assert all(got[code] for code in ("D.1", "D.2", "D.3"))


def test_a_snapshot_is_the_same_when_computed_again_and_after_later_changes(demo_plan, demo_users):
    first = _snapshot(demo_plan, SEPTEMBER)
    assert _snapshot(demo_plan, SEPTEMBER) == first
    # Later changes (today, in the real clock) do not move a report about 1 September 2014.
    milestone = Milestone.objects.get(activity__accomplishment__code="A", activity__number=1, label="a",
                                      parent=None)
    milestone.status, milestone.completed_on = "completed", datetime.date.today()
    milestone.save()
    Contribution.objects.filter(member__acronym="WMO").update(state="reported")
    activity = Activity.objects.get(accomplishment__code="D", number=1)
    activity.description = "Rewritten later."
    activity.save()
    # (QuerySet.update writes no history: the WMO row is read from the history it has.)
    assert _snapshot(demo_plan, SEPTEMBER) == first


def test_rows_created_after_or_deleted_before_the_date_are_not_in_it(demo_plan, demo_users):
    activity = Activity.objects.get(accomplishment__code="B", number=1)
    added = Milestone(activity=activity, label="z", order=99, text="A milestone added in June 2014.")
    added._history_date = datetime.datetime(2014, 6, 2, 9, tzinfo=datetime.UTC)
    added.save()
    added._history_date = datetime.datetime(2014, 8, 4, 9, tzinfo=datetime.UTC)
    added.delete()
    assert "B.1(z)" not in _milestones(_snapshot(demo_plan, MARCH))
    assert _milestones(_snapshot(demo_plan, datetime.date(2014, 7, 1)))["B.1(z)"]["text"].startswith("A milestone")
    assert "B.1(z)" not in _milestones(_snapshot(demo_plan, SEPTEMBER))
    # Created today: in no 2014 report.
    Milestone.objects.create(activity=activity, label="y", order=98, text="Added today.")
    assert "B.1(y)" not in _milestones(_snapshot(demo_plan, DECEMBER))


def test_texts_and_dates_as_recorded_then(demo_plan, demo_users):
    milestone = Milestone.objects.get(activity__accomplishment__code="C", activity__number=1, label="i")
    milestone.text, milestone.due_date = "Revised text.", datetime.date(2014, 12, 15)
    milestone._history_date = datetime.datetime(2014, 10, 1, 9, tzinfo=datetime.UTC)
    milestone.save()
    september = _milestones(_snapshot(demo_plan, SEPTEMBER))["C.1(c)(i)"]
    assert september["due_date"] == "2014-04-30" and september["text"] != "Revised text."
    december = _milestones(_snapshot(demo_plan, DECEMBER))["C.1(c)(i)"]
    assert (december["due_date"], december["text"]) == ("2014-12-15", "Revised text.")


def test_as_of_cannot_be_after_the_application_today(demo_plan, settings):
    settings.EMG_TODAY = "2014-09-10"
    assert _snapshot(demo_plan, datetime.date(2014, 9, 10))["as_of"] == "2014-09-10"
    with pytest.raises(ValueError, match="after today"):
        _snapshot(demo_plan, datetime.date(2014, 9, 11))


def test_snapshot_queries_are_fixed_with_history(demo_plan, django_assert_max_num_queries):
    som20 = Meeting.objects.get(code="SOM20")
    # Nine for the plan, three for the follow-up of the previous SOM's actions (decisions.selectors).
    with django_assert_max_num_queries(12):
        small = _snapshot(demo_plan, SEPTEMBER, som20)
    big_plan = plan_generate(scale=10)
    with django_assert_max_num_queries(12):
        big = _snapshot(big_plan, SEPTEMBER, som20)
    assert len(list(flat_milestones(small))) == 22
    assert len(list(flat_milestones(big))) == Milestone.objects.filter(
        activity__accomplishment__work_plan=big_plan).count()


@pytest.mark.parametrize("today", [datetime.date(2014, 4, 30), datetime.date(2014, 5, 1), SEPTEMBER,
                                   datetime.date(2014, 10, 7)])
def test_pages_health_and_reports_agree_on_overdue(demo_plan, today):
    """The one definition: the milestone list's filter, health and the report's table name the same milestones."""
    from activities.status import AT_RISK_STATUSES
    from cycles.health import OVERDUE, with_health

    in_plan = Milestone.objects.filter(activity__accomplishment__work_plan=demo_plan)
    listed = set(in_plan.overdue(today).values_list("pk", flat=True))
    health = set(with_health(in_plan, today).filter(health=OVERDUE).values_list("pk", flat=True))
    attention = _snapshot(demo_plan, today)["attention"]
    reported = {_pk(row) for row in attention if row["overdue"]}
    assert listed == health == reported
    assert (datetime.date(2014, 4, 30) < today) == bool(listed)  # C.1(c)(i) is due on 30 April: late from 1 May
    at_risk = {_pk(row) for row in attention if not row["overdue"]}
    assert at_risk <= set(in_plan.filter(status__in=AT_RISK_STATUSES).values_list("pk", flat=True))


def _pk(row):
    activity, ref = row["activity"], row["ref"]
    labels = ref.strip("()").split(")(")
    milestone = Milestone.objects.get(activity__accomplishment__code=activity[0], activity__number=int(activity[2:]),
                                      parent=None, label=labels[0])
    return milestone.children.get(label=labels[1]).pk if len(labels) > 1 else milestone.pk


def test_status_rules_at_their_edges():
    from activities import status

    day = datetime.date(2014, 4, 30)
    assert not status.is_overdue(status="not_started", due=day, today=day)  # due today: not yet late
    assert status.is_overdue(status="delayed", due=day, today=day + datetime.timedelta(days=1))
    assert not status.is_overdue(status="cancelled", due=day, today=datetime.date(2015, 1, 1))
    assert not status.is_overdue(status="completed", due=day, today=datetime.date(2015, 1, 1))
    assert not status.is_overdue(status="on_track", due=None, today=datetime.date(2015, 1, 1))
    assert status.needs_attention(status="at_risk", due=None, today=day)
    assert not status.needs_attention(status="on_track", due=None, today=day)
    assert status.is_due_soon(status="on_track", due=day, today=day, until=day)
    assert not status.is_due_soon(status="completed", due=day, today=day, until=day)
    assert set(status.OPEN_STATUSES) | set(status.CLOSED_STATUSES) == {v for v, _ in Milestone.Status.choices}


def test_the_as_of_day_ends_at_midnight_in_the_configured_time_zone(demo_plan, settings):
    """An acceptance at 02:00 UTC on 11 April is still 10 April in New York: in a New York report as of that day."""
    from activities.models import ProgressUpdate

    settings.TIME_ZONE = "America/New_York"
    late = datetime.datetime(2014, 4, 11, 2, tzinfo=datetime.UTC)
    update = ProgressUpdate.objects.get(review_state="accepted", milestone__label="a", period_end="2014-03-31",
                                        activity__accomplishment__code="A", activity__number=2)
    ProgressUpdate.objects.filter(pk=update.pk).update(reviewed_at=late)
    ids = [p["id"] for p in _snapshot(demo_plan, datetime.date(2014, 4, 10))["progress"]]
    assert update.pk in ids
    assert next(p for p in _snapshot(demo_plan, datetime.date(2014, 4, 10))["progress"]
                if p["id"] == update.pk)["accepted_on"] == "2014-04-10"
    settings.TIME_ZONE = "UTC"
    assert update.pk not in [p["id"] for p in _snapshot(demo_plan, datetime.date(2014, 4, 10))["progress"]]
