"""The one definition of what is open, due, overdue, at risk and completed.

Pages (the overview), health (cycles.health), reminders (cycles) and reports all ask this module, in SQL
(the Q objects and the `due` expression) or in Python (the functions over a status and a date), so a
milestone that a page calls overdue is overdue in the report and in the reminder too.

- completed: status "completed". closed: completed or cancelled; nothing more is expected of it.
- open: any other status (not started, on track, at risk, delayed).
- due: the milestone's own date, else the first day of the meeting it is due to (none without either).
- overdue: open and due before the day in question (today, or a report's as-of date): a milestone due
  on that very day is not yet overdue.
- due soon: open and due from the day in question up to a limit the caller names (the dashboard's
  window, or health's: the current cycle's meeting).
- at risk: open with status "at risk" or "delayed" (what the lead reported as needing attention).
- needs attention: at risk or overdue (a report's "overdue or at risk" table).
"""
from __future__ import annotations

import datetime

from django.db.models import Q
from django.db.models.functions import Coalesce

NOT_STARTED, ON_TRACK, AT_RISK, DELAYED, COMPLETED, CANCELLED = (
    "not_started", "on_track", "at_risk", "delayed", "completed", "cancelled")
OPEN_STATUSES = (NOT_STARTED, ON_TRACK, AT_RISK, DELAYED)
CLOSED_STATUSES = (COMPLETED, CANCELLED)
AT_RISK_STATUSES = (AT_RISK, DELAYED)


def due_expression(prefix: str = ""):
    """SQL: the date a milestone is due (own date, else its meeting's first day); `prefix` for a related milestone."""
    return Coalesce(f"{prefix}due_date", f"{prefix}due_meeting__start_date")


def open_q(prefix: str = "") -> Q:
    return Q(**{f"{prefix}status__in": OPEN_STATUSES})


def overdue_q(today: datetime.date, *, due_field: str = "due_on", prefix: str = "") -> Q:
    """SQL: open and due before `today`; `due_field` names the annotated due date (see `due_expression`)."""
    return open_q(prefix) & Q(**{f"{due_field}__lt": today})


def due_soon_q(today: datetime.date, until, *, due_field: str = "due_on", prefix: str = "") -> Q:
    """SQL: open and due from `today` up to `until` (a date, or an expression such as F("...") )."""
    return open_q(prefix) & Q(**{f"{due_field}__gte": today, f"{due_field}__lte": until})


def due_of(*, due_date: datetime.date | None, meeting_start: datetime.date | None) -> datetime.date | None:
    return due_date or meeting_start


def is_open(status: str) -> bool:
    return status in OPEN_STATUSES


def is_closed(status: str) -> bool:
    return status in CLOSED_STATUSES


def is_completed(status: str) -> bool:
    return status == COMPLETED


def is_overdue(*, status: str, due: datetime.date | None, today: datetime.date) -> bool:
    return is_open(status) and due is not None and due < today


def is_due_soon(*, status: str, due: datetime.date | None, today: datetime.date, until: datetime.date) -> bool:
    return is_open(status) and due is not None and today <= due <= until


def is_at_risk(status: str) -> bool:
    return status in AT_RISK_STATUSES


def needs_attention(*, status: str, due: datetime.date | None, today: datetime.date) -> bool:
    return is_at_risk(status) or is_overdue(status=status, due=due, today=today)
