"""Reads for the plan at a glance.

Every function here runs a fixed number of queries whatever the size of the plan: figures are
aggregated in the database (Count/Sum with filter=Q(...)); Python only arranges the few result rows.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber

from accomplishments.models import ExpectedAccomplishment, Meeting, WorkPlan
from activities import status as milestone_status
from activities.models import Activity, Contribution, LeadBody, Milestone, ProgressUpdate, label_ref
from activities.status import due_soon_q, overdue_q
from cycles.health import with_health

STATUSES = list(Milestone.Status.choices)
DUE_SOON_DAYS = 60
REPORTED = Contribution.State.REPORTED


def milestones_of_plan(*, plan: WorkPlan):
    """The plan's milestones (sub-items included), annotated with `due_on` and `last_accepted_on`."""
    last_accepted = (
        ProgressUpdate.objects.filter(milestone=OuterRef("pk"), review_state=ProgressUpdate.ReviewState.ACCEPTED)
        .order_by("-period_end").values("period_end")[:1]
    )
    return (
        Milestone.objects.filter(activity__accomplishment__work_plan=plan)
        .with_due()
        .annotate(last_accepted_on=Subquery(last_accepted))
    )


# Sub-items follow their parent: by the parent's place, then the parent itself, then the sub-items.
DOCUMENT_ORDER = ("activity__accomplishment__order", "activity__number", Coalesce("parent__order", "order"),
                  Coalesce("parent__label", "label"), F("parent_id").asc(nulls_first=True), "order", "label")


def milestones_for_list(*, plan: WorkPlan):
    """Milestones with what their row shows, in the order of the document."""
    return milestones_of_plan(plan=plan).select_related(
        "activity__accomplishment", "activity__lead_body", "parent", "due_meeting"
    ).order_by(*DOCUMENT_ORDER)


def contributions_of_plan(*, plan: WorkPlan):
    return Contribution.objects.filter(activity__accomplishment__work_plan=plan).select_related(
        "member", "activity__accomplishment"
    ).order_by("year", "member__acronym", "activity__accomplishment__order", "activity__number", "kind", "pk")


def no_accepted_update_since(qs, since: datetime.date):
    """Milestones without an accepted update for a period ending on or after `since`."""
    recent = ProgressUpdate.objects.filter(
        milestone=OuterRef("pk"), review_state=ProgressUpdate.ReviewState.ACCEPTED, period_end__gte=since
    )
    return qs.filter(~Exists(recent))


# --- the dashboard ---------------------------------------------------------------------------

@dataclass
class StatusRow:
    """Milestone counts by status for one accomplishment or one lead body."""

    key: str
    label: str
    counts: dict[str, int]
    total: int = 0
    overdue: int = 0
    query: str = ""  # the milestone list's filter for these milestones


    @property
    def completed(self) -> int:
        return self.counts.get("completed", 0)

    @property
    def countable(self) -> int:
        """Milestones that can still be completed: all but the cancelled ones."""
        return self.total - self.counts.get("cancelled", 0)

    @property
    def share_completed(self) -> int:
        return round(100 * self.completed / self.countable) if self.countable else 0

    @property
    def segments(self):
        """(status, label, count, start %, width %) for the stacked bar."""
        out, start = [], 0.0
        for value, label in STATUSES:
            n = self.counts.get(value, 0)
            width = 100 * n / self.total if self.total else 0
            out.append((value, label, n, round(start, 3), round(width, 3)))
            start += width
        return out

    @property
    def ordered_counts(self):
        return [(value, label, self.counts.get(value, 0)) for value, label in STATUSES]


def _status_aggregates(today: datetime.date):
    aggregates = {f"n_{value}": Count("id", filter=Q(status=value)) for value, _ in STATUSES}
    aggregates["total"] = Count("id")
    aggregates["overdue"] = Count("id", filter=overdue_q(today))
    return aggregates


def _status_row(key, label, agg, query="") -> StatusRow:
    agg = agg or {}
    return StatusRow(
        key=key, label=label, counts={value: agg.get(f"n_{value}", 0) for value, _ in STATUSES},
        total=agg.get("total", 0), overdue=agg.get("overdue", 0), query=query,
    )


def _milestones_in_year(qs, year: int | None):
    """A year narrows milestones to those due in it; undated milestones count only for both years."""
    return qs.filter(due_on__year=year) if year else qs


def status_by_accomplishment(*, plan: WorkPlan, today: datetime.date, year: int | None = None) -> list[StatusRow]:
    """Two queries: the accomplishments, and the counts grouped by accomplishment."""
    qs = _milestones_in_year(Milestone.objects.filter(activity__accomplishment__work_plan=plan).with_due(), year)
    grouped = {
        row["activity__accomplishment_id"]: row
        for row in qs.order_by().values("activity__accomplishment_id").annotate(**_status_aggregates(today))
    }
    return [
        _status_row(ea.code, f"{ea.code}. {ea.category}", grouped.get(ea.pk), f"accomplishment={ea.pk}")
        for ea in ExpectedAccomplishment.objects.filter(work_plan=plan).order_by("order", "code")
    ]


def _lead_body_counts(plan: WorkPlan, today: datetime.date, year: int | None, *, body_ids=None,
                      no_body: bool = True) -> dict:
    """{lead body id (None: activities without one): its counts}, one query grouped by lead body; `body_ids`
    narrows it to those bodies (and, with `no_body`, the milestones of activities without one)."""
    qs = _milestones_in_year(Milestone.objects.filter(activity__accomplishment__work_plan=plan).with_due(), year)
    if body_ids is not None:
        wanted = Q(activity__lead_body_id__in=body_ids)
        qs = qs.filter(wanted | Q(activity__lead_body__isnull=True) if no_body else wanted)
    return {
        row["activity__lead_body_id"]: row
        for row in qs.order_by().values("activity__lead_body_id").annotate(**_status_aggregates(today))
    }


def lead_bodies_of(plan: WorkPlan):
    """The lead bodies of the plan's activities, by name."""
    return LeadBody.objects.filter(
        pk__in=Activity.objects.filter(accomplishment__work_plan=plan).values("lead_body_id")).order_by("name", "pk")


def _lead_body_row(body_id, name, short_name, agg) -> StatusRow:
    return _status_row(short_name, name, agg, f"lead_body={body_id}")


def _no_lead_body_row(agg) -> StatusRow:
    return _status_row("none", "No lead body named", agg)


def status_by_lead_body(*, plan: WorkPlan, today: datetime.date, year: int | None = None) -> list[StatusRow]:
    """Two queries: the plan's lead bodies, and the counts grouped by lead body."""
    return status_by_lead_body_most_attention(plan=plan, today=today, year=year, limit=None).rows


@dataclass
class LeadBodyStatus:
    """The rows of the dashboard's lead body table and how many lead bodies the plan has (`count`): all of them
    by name, or (`partial`) the `limit` that need most attention."""

    rows: list[StatusRow]
    count: int
    partial: bool = False
    shown: int = 0  # the lead bodies among the rows (not the row of milestones without one)


def _attention(agg) -> tuple[int, int]:
    """What orders lead bodies by the attention they need: most overdue, then most open (neither completed nor
    cancelled)."""
    if not agg:
        return (0, 0)
    return (-agg["overdue"], -sum(agg[f"n_{value}"] for value in milestone_status.OPEN_STATUSES))


def status_by_lead_body_most_attention(*, plan: WorkPlan, today: datetime.date, year: int | None = None,
                                       limit: int | None = 15) -> LeadBodyStatus:
    """Two queries: the counts grouped by lead body (over every milestone: one aggregate, cheap) and the plan's
    lead bodies' names. With more than `limit` bodies, rows only for the `limit` with most overdue milestones,
    then most open ones, then by name; otherwise every body by name. Milestones of activities without a lead
    body follow in a row of their own."""
    grouped = _lead_body_counts(plan, today, year)
    bodies = list(lead_bodies_of(plan).values_list("pk", "name", "short_name"))  # names only: no row built yet
    count = len(bodies)
    partial = limit is not None and count > limit
    if partial:  # sorted() is stable: bodies that need the same attention keep the database's order of names
        bodies = sorted(bodies, key=lambda b: _attention(grouped.get(b[0])))[:limit]
    rows = [_lead_body_row(pk, name, short_name, grouped.get(pk)) for pk, name, short_name in bodies]
    if None in grouped:
        rows.append(_no_lead_body_row(grouped[None]))
    return LeadBodyStatus(rows=rows, count=count, partial=partial, shown=len(bodies))


def status_of_lead_bodies(*, plan: WorkPlan, today: datetime.date, year: int | None = None, bodies,
                          no_body: bool = False) -> list[StatusRow]:
    """The rows of `bodies` (lead bodies, e.g. a page of lead_bodies_of()) in their order, then (`no_body`) the
    row of the milestones without a lead body if there are any: one query, over those bodies' milestones only."""
    bodies = list(bodies)
    grouped = _lead_body_counts(plan, today, year, body_ids=[b.pk for b in bodies], no_body=no_body)
    rows = [_lead_body_row(b.pk, b.name, b.short_name, grouped.get(b.pk)) for b in bodies]
    if no_body and None in grouped:
        rows.append(_no_lead_body_row(grouped[None]))
    return rows


def status_totals(rows: list[StatusRow]) -> StatusRow:
    """The whole plan: the sum of the grouped rows (already-aggregated figures, not data rows)."""
    total = StatusRow(key="all", label="Whole plan", counts={value: 0 for value, _ in STATUSES})
    for row in rows:
        for value in total.counts:
            total.counts[value] += row.counts[value]
        total.total += row.total
        total.overdue += row.overdue
    return total


@dataclass(slots=True)
class DueRow:
    """A milestone of the dashboard's two lists, read as plain values (no model instances): what its rows show."""

    pk: int
    activity_id: int
    accomplishment_code: str
    activity_number: int
    ref: str  # (c), or (c)(ii) for a sub-item
    status: str
    health: str | None
    text: str
    due_meeting_id: int | None
    due_meeting_code: str | None
    due_date: datetime.date | None
    due_on: datetime.date | None


DUE_ROW_FIELDS = ("id", "activity_id", "activity__accomplishment__code", "activity__number", "parent_id",
                  "parent__label", "label", "status", "health", "text", "due_meeting_id", "due_meeting__code",
                  "due_date", "due_on")


def _due_row(v) -> DueRow:
    ref = label_ref(v["label"], v["parent__label"] if v["parent_id"] else None)
    return DueRow(pk=v["id"], activity_id=v["activity_id"], accomplishment_code=v["activity__accomplishment__code"],
                  activity_number=v["activity__number"], ref=ref, status=v["status"], health=v["health"],
                  text=v["text"], due_meeting_id=v["due_meeting_id"], due_meeting_code=v["due_meeting__code"],
                  due_date=v["due_date"], due_on=v["due_on"])


@dataclass
class DueAhead:
    """The dashboard's "next meetings" (each with `plan_milestones`, the first of them, and `plan_milestones_count`,
    how many are due to it) and the first of the "due soon" list (DueRow each) with how many there are."""

    meetings: list
    due_soon: list
    due_soon_count: int = 0
    until: datetime.date | None = None


def milestones_due_ahead(*, plan: WorkPlan, today: datetime.date, year: int | None = None, limit: int = 4,
                         days: int = DUE_SOON_DAYS, per_meeting: int = 10, soon: int = 20) -> DueAhead:
    """The next meetings (from today) with the first `per_meeting` of the plan's milestones due to each (in the
    document's order), and the first `soon` open milestones due from today to today + `days`, soonest first;
    with how many each list has in all. Three queries whatever the size of the plan: the meetings; the milestones
    of both lists numbered and counted by the database (window functions), which returns only those shown; then
    those few read with their due date and health as plain values, shared out here by activities.status's own
    definition of due soon. Health is read for the rows shown only: on every milestone of the lists, it cost most
    of the time at scale 100."""
    meetings = Meeting.objects.filter(end_date__gte=today)
    if year:
        meetings = meetings.filter(start_date__year=year)
    meetings = list(meetings.order_by("start_date", "code")[:limit])
    until = today + datetime.timedelta(days=days)
    meeting_pks = [m.pk for m in meetings]
    in_meeting = Q(due_meeting__in=meeting_pks)
    is_soon = due_soon_q(today, until)
    # The milestones outside a list fall in partitions of their own in its numbering (meeting: NULL; due soon:
    # false or NULL): a bounded few of them come back, and are left out below.
    meeting_of = Case(When(in_meeting, then=F("due_meeting_id")), default=Value(None), output_field=IntegerField())
    soon_of = ExpressionWrapper(is_soon, output_field=BooleanField())
    placed = {v["pk"]: v for v in (
        Milestone.objects.filter(activity__accomplishment__work_plan=plan).with_due().filter(in_meeting | is_soon)
        .annotate(meeting_place=Window(RowNumber(), partition_by=[meeting_of], order_by=list(DOCUMENT_ORDER)),
                  meeting_count=Window(Count("pk"), partition_by=[meeting_of]),
                  soon_place=Window(RowNumber(), partition_by=[soon_of], order_by=[F("due_on").asc(), *DOCUMENT_ORDER]),
                  soon_count=Window(Count("pk"), partition_by=[soon_of]))
        .filter(Q(meeting_place__lte=per_meeting) | Q(soon_place__lte=soon))
        .values("pk", "meeting_place", "meeting_count", "soon_place", "soon_count"))}
    shown = Milestone.objects.filter(pk__in=list(placed)).with_due()
    by_meeting, counts, due_soon, soon_count = {}, {}, [], 0
    for v in with_health(shown, today).order_by(*DOCUMENT_ORDER).values(*DUE_ROW_FIELDS):
        m, place = _due_row(v), placed[v["id"]]
        if m.due_meeting_id in meeting_pks and place["meeting_place"] <= per_meeting:
            by_meeting.setdefault(m.due_meeting_id, []).append(m)
            counts[m.due_meeting_id] = place["meeting_count"]
        if milestone_status.is_due_soon(status=m.status, due=m.due_on, today=today, until=until) \
                and place["soon_place"] <= soon:
            due_soon.append((place["soon_place"], m))
            soon_count = place["soon_count"]
    for meeting in meetings:
        meeting.plan_milestones = by_meeting.get(meeting.pk, [])
        meeting.plan_milestones_count = counts.get(meeting.pk, 0)
        meeting.plan_milestones_more = meeting.plan_milestones_count - len(meeting.plan_milestones)
    # Soonest first, milestones due the same day in the document's order: the database's numbering.
    due_soon = [m for _, m in sorted(due_soon, key=lambda placed: placed[0])]
    return DueAhead(meetings=meetings, due_soon=due_soon, due_soon_count=soon_count, until=until)


def updates_latest_accepted(*, plan: WorkPlan, year: int | None = None, limit: int = 6):
    qs = ProgressUpdate.objects.accepted().filter(activity__accomplishment__work_plan=plan)
    if year:
        qs = qs.filter(period_start__year__lte=year, period_end__year__gte=year)
    return list(qs.select_related("activity__accomplishment", "milestone__parent", "author")
                .order_by("-reviewed_at", "-period_end", "-pk")[:limit])


CONTRIBUTION_SUMS = {
    "days_pledged": Sum("staff_days", filter=~Q(state=REPORTED)),
    "days_reported": Sum("staff_days", filter=Q(state=REPORTED)),
    "usd_pledged": Sum("amount_usd", filter=~Q(state=REPORTED)),
    "usd_reported": Sum("amount_usd", filter=Q(state=REPORTED)),
}


@dataclass
class ContributionSums:
    label: str
    days_pledged: float = 0
    days_reported: float = 0
    usd_pledged: float = 0
    usd_reported: float = 0

    @classmethod
    def from_row(cls, label, row):
        return cls(label=label, **{k: row.get(k) or 0 for k in CONTRIBUTION_SUMS})


def _sums_add(total: dict, row: dict) -> None:
    """Add one group's sums to `total` as SQL's SUM would (NULL for none)."""
    for key in CONTRIBUTION_SUMS:
        if row[key] is not None:
            total[key] = row[key] if total.get(key) is None else total[key] + row[key]


def contributions_summary(*, plan: WorkPlan, year: int | None = None):
    """Staff days and USD, pledged (pledged, budgeted or programmed) vs reported, by member and by kind.

    One query, grouped by member and kind; the sums by member, by kind and in all are added up here from those
    few groups (exact: the figures are decimals).
    """
    qs = Contribution.objects.filter(activity__accomplishment__work_plan=plan)
    if year:
        qs = qs.filter(year=year)
    members, kinds_found, everything = {}, {}, {}
    for row in (qs.order_by("member__acronym", "kind").values("member__acronym", "kind")
                .annotate(**CONTRIBUTION_SUMS)):
        _sums_add(members.setdefault(row["member__acronym"], {k: None for k in CONTRIBUTION_SUMS}), row)
        _sums_add(kinds_found.setdefault(row["kind"], {k: None for k in CONTRIBUTION_SUMS}), row)
        _sums_add(everything, row)
    by_member = [ContributionSums.from_row(acronym, sums) for acronym, sums in members.items()]
    kinds = dict(Contribution.Kind.choices)
    by_kind = [ContributionSums.from_row(label, kinds_found[value])
               for value, label in kinds.items() if value in kinds_found]
    totals = ContributionSums.from_row("Total", everything)
    usd_max = max([max(r.usd_pledged, r.usd_reported) for r in by_member] + [1])
    return {"by_member": by_member, "by_kind": by_kind, "totals": totals, "usd_max": usd_max}


def _sum(a, b):
    """a + b as SQL's SUM adds: an empty value is left out, and nothing but empty values sums to empty."""
    return a if b is None else b if a is None else a + b


def contribution_pivot(qs):
    """Member × kind: staff days and USD per cell, with row, column and grand totals, and how many contributions
    there are (`count`). One query: the totals are the cells' sums, added as SQL's SUM adds (exact decimals)."""
    kinds = list(Contribution.Kind.choices)
    cells, member_totals, kind_totals = {}, {}, {}
    grand = {"days": None, "usd": None}
    count = 0
    rows = qs.order_by().values("member__acronym", "kind").annotate(
        days=Sum("staff_days"), usd=Sum("amount_usd"), n=Count("pk"))
    for row in rows:
        acronym, kind = row["member__acronym"], row["kind"]
        cells[(acronym, kind)] = row
        count += row["n"]
        member_total = member_totals.setdefault(acronym, {"member__acronym": acronym, "days": None, "usd": None})
        kind_total = kind_totals.setdefault(kind, {"kind": kind, "days": None, "usd": None})
        for total in (member_total, kind_total, grand):
            total["days"] = _sum(total["days"], row["days"])
            total["usd"] = _sum(total["usd"], row["usd"])
    rows = [
        {"member": acronym, "cells": [cells.get((acronym, value), {}) for value, _ in kinds], "total": total}
        for acronym, total in sorted(member_totals.items())
    ]
    return {
        "kinds": kinds, "rows": rows,
        "kind_totals": [kind_totals.get(value, {}) for value, _ in kinds], "grand": grand, "count": count,
    }


# --- the timeline ----------------------------------------------------------------------------

LABEL_WIDTH = 300
MONTH_WIDTH = 44
ROW_HEIGHT = 24
GROUP_HEIGHT = 28
AXIS_HEIGHT = 64
MARGIN_RIGHT = 56


# A marker's label ("(a) On track", 9 px) sits above the marker, or below it when the one before would
# overlap; with both places taken it is left out (the marker keeps its name and pop-up).
LABEL_CHAR_WIDTH = 5.6  # DejaVu Sans at 9 px averages about 5.4 px a character
LABEL_OFFSET_X = 9
LABEL_GAP = 4
LABEL_LANES = (-3, 11)  # y of the text's baseline, from the marker's centre


@dataclass
class Marker:
    milestone: Milestone
    x: float
    y: float
    tip_left: bool = False
    label: str = ""
    label_y: float | None = None  # None: no room for the label

    @property
    def label_x(self) -> float:
        return self.x + LABEL_OFFSET_X

    @property
    def label_end(self) -> float:
        return self.label_x + LABEL_CHAR_WIDTH * len(self.label)


def place_marker_labels(markers: list[Marker]) -> None:
    """Give each marker's label the first lane (above, then below) where it clears the label before it."""
    lane_end = [float("-inf")] * len(LABEL_LANES)
    for mk in sorted(markers, key=lambda mk: mk.x):
        for lane, dy in enumerate(LABEL_LANES):
            if mk.label_x >= lane_end[lane] + LABEL_GAP:
                mk.label_y = mk.y + dy
                lane_end[lane] = mk.label_end
                break
        else:
            mk.label_y = None


@dataclass
class Row:
    activity: Activity
    y: float
    markers: list[Marker] = field(default_factory=list)


@dataclass
class Group:
    accomplishment: ExpectedAccomplishment
    y: float
    rows: list[Row] = field(default_factory=list)


@dataclass
class Tick:
    x: float
    label: str
    major: bool = False


@dataclass
class Timeline:
    start: datetime.date
    end: datetime.date
    x0: float
    x1: float
    width: float
    height: float
    groups: list[Group]
    months: list[Tick]
    quarters: list[Tick]
    meetings: list[tuple[Meeting, float]]
    today: datetime.date
    today_x: float | None

    @property
    def last_day(self) -> datetime.date:
        return self.end - datetime.timedelta(days=1)

    def x(self, day: datetime.date) -> float:
        return round(self.x0 + (day - self.start).days * (self.x1 - self.x0) / (self.end - self.start).days, 2)

    @property
    def marker_count(self):
        return sum(len(row.markers) for group in self.groups for row in group.rows)


def _month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


TIMELINE_ORDER = ("accomplishment__order", "accomplishment__code", "number")
MARKER_ORDER = ("due_on", "parent_id", "order", "label")


def _dated_milestones(qs):
    return (qs.with_due().filter(due_on__isnull=False)
            .select_related("activity__accomplishment", "parent", "due_meeting").order_by(*MARKER_ORDER))


def _span(plan: WorkPlan, first: datetime.date | None, last: datetime.date | None):
    """The plan's years, widened by whole months to the first and last dated milestone (None: none dated)."""
    start = datetime.date(plan.first_year, 1, 1)
    end = datetime.date(plan.last_year + 1, 1, 1)
    if first is not None:
        start = min(start, _month_start(first))
        end = max(end, _next_month(last))
    return start, end


def plan_timeline(*, plan: WorkPlan, today: datetime.date) -> Timeline:
    """The plan's period as a Gantt-like layout (three queries: activities, dated milestones, meetings).

    The span is the plan's years, widened by whole months if a milestone falls outside them.
    """
    activities = list(
        Activity.objects.filter(accomplishment__work_plan=plan).select_related("accomplishment", "lead_body")
        .order_by(*TIMELINE_ORDER)
    )
    milestones = list(_dated_milestones(Milestone.objects.filter(activity__accomplishment__work_plan=plan)))
    start, end = _span(plan, min((m.due_on for m in milestones), default=None),
                       max((m.due_on for m in milestones), default=None))
    return _timeline_layout(activities=activities, milestones=milestones, start=start, end=end, today=today)


def timeline_page(*, plan: WorkPlan, activity_ids, today: datetime.date) -> Timeline:
    """One page of the timeline: the rows of these activities of `plan` (in the plan's order) and their dated
    milestones, on the axis of the whole plan, so that every page has the same months (four queries whatever the
    plan's size: the activities, the span of all the plan's dated milestones as one aggregate, the page's
    milestones, the meetings)."""
    activities = list(
        Activity.objects.filter(accomplishment__work_plan=plan, pk__in=list(activity_ids))
        .select_related("accomplishment").order_by(*TIMELINE_ORDER)
    )
    span = Milestone.objects.filter(activity__accomplishment__work_plan=plan).with_due().aggregate(
        first=Min("due_on"), last=Max("due_on"))
    start, end = _span(plan, span["first"], span["last"])
    milestones = list(_dated_milestones(Milestone.objects.filter(activity__in=[a.pk for a in activities])))
    return _timeline_layout(activities=activities, milestones=milestones, start=start, end=end, today=today)


def _timeline_layout(*, activities: list[Activity], milestones: list[Milestone], start: datetime.date,
                     end: datetime.date, today: datetime.date) -> Timeline:
    """The rows of `activities` (grouped by expected accomplishment, in order) with their `milestones` as markers,
    on the months from `start` to `end` (exclusive), with the meetings in them (one query)."""
    meetings = list(Meeting.objects.filter(start_date__gte=start, start_date__lt=end).order_by("start_date"))

    months = []
    day = start
    while day < end:
        months.append(day)
        day = _next_month(day)
    x0, x1 = LABEL_WIDTH, LABEL_WIDTH + MONTH_WIDTH * len(months)
    tl = Timeline(start=start, end=end, x0=x0, x1=x1, width=x1 + MARGIN_RIGHT, height=0, groups=[],
                  months=[], quarters=[], meetings=[], today=today, today_x=None)
    tl.months = [Tick(tl.x(m), m.strftime("%b"), major=m.month == 1) for m in months]
    tl.quarters = [Tick(tl.x(m), f"Q{(m.month - 1) // 3 + 1} {m.year}", major=m.month == 1)
                   for m in months if m.month in (1, 4, 7, 10)]
    tl.meetings = [(meeting, tl.x(meeting.start_date)) for meeting in meetings]
    tl.today_x = tl.x(today) if start <= today <= end else None

    by_activity: dict[int, list[Milestone]] = {}
    for m in milestones:
        by_activity.setdefault(m.activity_id, []).append(m)
    y = AXIS_HEIGHT
    middle = (x0 + x1) / 2
    current = None
    for activity in activities:
        if current is None or current.accomplishment.pk != activity.accomplishment.pk:
            current = Group(accomplishment=activity.accomplishment, y=y)
            tl.groups.append(current)
            y += GROUP_HEIGHT
        row = Row(activity=activity, y=y)
        for m in by_activity.get(activity.pk, []):
            x = tl.x(m.due_on)
            row.markers.append(Marker(milestone=m, x=x, y=y + ROW_HEIGHT / 2, tip_left=x > middle,
                                      label=f"{m.ref} {m.get_status_display()}"))
        place_marker_labels(row.markers)
        current.rows.append(row)
        y += ROW_HEIGHT
    tl.height = y + 8
    return tl
