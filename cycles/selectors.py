"""Reads about reporting cycles that pages, the reminders and (after merging) the report form share.

Every function runs a fixed number of queries whatever the size of the plan.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case, CharField, Count, Exists, F, OuterRef, Q, Value, When
from django.db.models.functions import Coalesce

from activities.models import LeadBody, Milestone, ProgressUpdate
from activities.status import CANCELLED, COMPLETED

from .models import ReportingCycle

ACCEPTED, SUBMITTED, MISSING = "accepted", "submitted", "missing"
STATE_LABELS = {ACCEPTED: "Accepted", SUBMITTED: "Submitted, waiting for review", MISSING: "Missing"}


def cycle_for_meeting(meeting) -> ReportingCycle | None:
    """The cycle for a meeting: the open one if any, else the latest closed one (one query)."""
    return (ReportingCycle.objects.filter(meeting=meeting).select_related("meeting", "work_plan")
            .order_by(Case(When(status="open", then=Value(0)), default=Value(1)), "-cut_off", "-pk").first())


def cycles_open():
    """Open cycles of plans that are not closed (a closed plan is a read-only record: nobody is reminded of it)."""
    return ReportingCycle.objects.filter(status=ReportingCycle.Status.OPEN).exclude(work_plan__status="closed") \
        .select_related("meeting", "work_plan").order_by("cut_off", "pk")


def cycle_milestones(cycle: ReportingCycle):
    """The milestones a cycle expects progress on, annotated with `cycle_state` (accepted / submitted / missing).

    All milestones of the cycle's plan except cancelled ones and those completed before the cycle began.
    An update counts for the cycle when its reporting period ends on or after the cycle's start.
    """
    in_cycle = ProgressUpdate.objects.filter(milestone=OuterRef("pk"), period_end__gte=cycle.period_start)
    return (
        Milestone.objects.filter(activity__accomplishment__work_plan_id=cycle.work_plan_id)
        .exclude(status=CANCELLED)
        .exclude(status=COMPLETED, completed_on__lt=cycle.period_start)
        .with_due()
        .annotate(cycle_state=Case(
            When(Exists(in_cycle.filter(review_state="accepted")), then=Value(ACCEPTED)),
            When(Exists(in_cycle.filter(review_state="submitted")), then=Value(SUBMITTED)),
            default=Value(MISSING), output_field=CharField(),
        ))
    )


def cycle_milestones_for_page(cycle: ReportingCycle):
    """In the order of the cycle page: by lead body, then the document's order."""
    return cycle_milestones(cycle).select_related(
        "activity__accomplishment", "activity__lead_body", "parent", "due_meeting"
    ).order_by(Coalesce("activity__lead_body__name", Value("~")), "activity__accomplishment__order",
               "activity__number", Coalesce("parent__order", "order"), Coalesce("parent__label", "label"),
               F("parent_id").asc(nulls_first=True), "order", "label")


@dataclass
class Completeness:
    """Milestones of a cycle by state, for one lead body or the whole plan."""

    label: str
    accepted: int = 0
    submitted: int = 0
    missing: int = 0
    lead_body_id: int | None = None

    @property
    def total(self) -> int:
        return self.accepted + self.submitted + self.missing

    @property
    def percent(self) -> int:
        """Share of milestones with accepted progress, rounded down (100 only when all are accepted)."""
        return 100 * self.accepted // self.total if self.total else 100

    @property
    def complete(self) -> bool:
        return self.accepted == self.total


@dataclass
class CycleCompleteness:
    cycle: ReportingCycle
    by_lead_body: list[Completeness]
    overall: Completeness

    @property
    def complete(self) -> bool:
        return self.overall.complete


def cycle_completeness(cycle: ReportingCycle) -> CycleCompleteness:
    """Completeness per lead body and overall (two queries: the grouped counts and the bodies' names)."""
    rows = (cycle_milestones(cycle).order_by().values("activity__lead_body_id")
            .annotate(**{state: Count("id", filter=Q(cycle_state=state)) for state in STATE_LABELS}))
    grouped = {row["activity__lead_body_id"]: row for row in rows}
    names = dict(LeadBody.objects.filter(pk__in=[pk for pk in grouped if pk]).values_list("pk", "name"))
    by_body = [
        Completeness(label=names[pk], lead_body_id=pk, **{s: grouped[pk][s] for s in STATE_LABELS})
        for pk in sorted((pk for pk in grouped if pk), key=lambda pk: names[pk])
    ]
    if None in grouped:
        by_body.append(Completeness(label="No lead body named", **{s: grouped[None][s] for s in STATE_LABELS}))
    overall = Completeness(label="All lead bodies", **{s: sum(getattr(r, s) for r in by_body) for s in STATE_LABELS})
    return CycleCompleteness(cycle=cycle, by_lead_body=by_body, overall=overall)
