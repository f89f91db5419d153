"""Derived health of a milestone: computed from dates, status and accepted progress, never stored.

The rules, in order (the first that applies wins):

- closed: the milestone is completed or cancelled; nothing more is expected of it.
- overdue: its due date (own date, else its meeting's first day) is before today.
(closed, due and overdue are activities.status's definitions, shared with pages, reminders and reports.)
- due soon: due from today up to the first day of the meeting of the plan's current cycle (the open cycle
  with the nearest meeting still ahead); without such a cycle, within settings.EMG_DUE_SOON_DAYS.
- stale: no accepted update for a reporting period ending on or after the later of
  (today - settings.EMG_STALE_DAYS) and the current cycle's start. An update ending exactly
  EMG_STALE_DAYS ago still counts.
- on track otherwise.

`with_health(qs, today)` annotates `health` in the database (the current cycle is a subquery, so the
annotation adds no query); `milestone_health(...)` applies the same rules to one object in Python.
"""
from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import (
    Case,
    CharField,
    DateField,
    Exists,
    F,
    OuterRef,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest

from activities import status as milestone_status

CLOSED, OVERDUE, DUE_SOON, STALE, ON_TRACK = "closed", "overdue", "due_soon", "stale", "on_track"
HEALTH = {
    OVERDUE: ("Overdue", "■"),
    DUE_SOON: ("Due soon", "◐"),
    STALE: ("Stale", "◌"),
    ON_TRACK: ("On track", "●"),
    CLOSED: ("Closed", "—"),
}
HEALTH_CHOICES = [(value, label) for value, (label, _) in HEALTH.items()]
CLOSED_STATUSES = milestone_status.CLOSED_STATUSES


def stale_days() -> int:
    return int(getattr(settings, "EMG_STALE_DAYS", 90))


def due_soon_days() -> int:
    return int(getattr(settings, "EMG_DUE_SOON_DAYS", 30))


def current_cycle_queryset(today: datetime.date):
    """Open cycles whose meeting has not started, nearest meeting first."""
    from .models import ReportingCycle

    return ReportingCycle.objects.filter(status=ReportingCycle.Status.OPEN, meeting__start_date__gte=today) \
        .order_by("meeting__start_date", "pk")


def current_cycle(*, plan, today: datetime.date):
    return current_cycle_queryset(today).filter(work_plan=plan).select_related("meeting").first()


def with_health(qs, today: datetime.date):
    """Annotate `health` on a Milestone queryset (no extra query: the plan's current cycle is a subquery)."""
    from activities.models import ProgressUpdate

    cycles = current_cycle_queryset(today).filter(work_plan=OuterRef("activity__accomplishment__work_plan"))
    stale_since = today - datetime.timedelta(days=stale_days())
    date = DateField()
    accepted_recently = ProgressUpdate.objects.filter(
        milestone=OuterRef("pk"), review_state="accepted", period_end__gte=OuterRef("health_since"))
    # A queryset that already annotates `due_on` (MilestoneQuerySet.with_due) is not given the expression twice.
    due = F("due_on") if "due_on" in qs.query.annotations else milestone_status.due_expression()
    return qs.alias(
        health_due=due,
        health_soon_until=Coalesce(Subquery(cycles.values("meeting__start_date")[:1]),
                                   Value(today + datetime.timedelta(days=due_soon_days()), output_field=date),
                                   output_field=date),
        # GREATEST ignores NULL on PostgreSQL but not on SQLite: the outer Coalesce evens that out.
        health_since=Coalesce(Greatest(Subquery(cycles.values("period_start")[:1]),
                                       Value(stale_since, output_field=date), output_field=date),
                              Value(stale_since, output_field=date), output_field=date),
    ).annotate(health=Case(
        When(status__in=CLOSED_STATUSES, then=Value(CLOSED)),
        When(health_due__lt=today, then=Value(OVERDUE)),
        When(milestone_status.due_soon_q(today, F("health_soon_until"), due_field="health_due"),
             then=Value(DUE_SOON)),
        When(~Exists(accepted_recently), then=Value(STALE)),
        default=Value(ON_TRACK), output_field=CharField(),
    ))




def milestone_health(*, status: str, due_on: datetime.date | None, accepted_period_ends, today: datetime.date,
                     cycle=None) -> str:
    """The same rules for one milestone in Python; `cycle` is the plan's current cycle (or None)."""
    if milestone_status.is_closed(status):
        return CLOSED
    if milestone_status.is_overdue(status=status, due=due_on, today=today):
        return OVERDUE
    soon_until = cycle.meeting.start_date if cycle else today + datetime.timedelta(days=due_soon_days())
    if milestone_status.is_due_soon(status=status, due=due_on, today=today, until=soon_until):
        return DUE_SOON
    since = today - datetime.timedelta(days=stale_days())
    if cycle is not None:
        since = max(since, cycle.period_start)
    if not any(end >= since for end in accepted_period_ends):
        return STALE
    return ON_TRACK


def health_of(milestone, *, today: datetime.date) -> str:
    """One milestone's health, reading what it needs (two or three queries): for detail pages and tests."""
    cycle = current_cycle(plan=milestone.activity.accomplishment.work_plan_id, today=today)
    ends = list(milestone.updates.filter(review_state="accepted").values_list("period_end", flat=True))
    return milestone_health(status=milestone.status, due_on=milestone.due, accepted_period_ends=ends,
                            today=today, cycle=cycle)
