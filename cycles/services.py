"""Writes for reporting cycles, and the daily reminders.

`reminders_send(today=...)` is the one place the reminder rules live: the beat task and the
`send_reminders` command both call it. It is safe to repeat: what went out is recorded in ReminderSent
(unique per user, cycle, kind and offset), so a rerun on the same day, or a second beat, sends nothing twice.
"""
from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accomplishments.services import refuse_closed_plan
from accounts.models import Notice
from activities import work_sources
from activities.models import LeadBody, ProgressUpdate
from emgplan import clock, roles

from .models import ReminderSent, ReportingCycle
from .selectors import MISSING, SUBMITTED, cycle_completeness, cycle_milestones, cycles_open

logger = logging.getLogger(__name__)


# --- cycles -----------------------------------------------------------------------------------

@transaction.atomic
def cycle_open(*, work_plan, meeting, period_start, cut_off, review_deadline, by) -> ReportingCycle:
    refuse_closed_plan(work_plan)
    cycle = ReportingCycle(work_plan=work_plan, meeting=meeting, period_start=period_start, cut_off=cut_off,
                           review_deadline=review_deadline, opened_by=by)
    cycle.full_clean()
    cycle.save()
    return cycle


@transaction.atomic
def cycle_update(*, cycle: ReportingCycle, by, **fields) -> ReportingCycle:
    refuse_closed_plan(cycle.work_plan)
    refuse_closed_plan(fields.get("work_plan"))
    for name, value in fields.items():
        setattr(cycle, name, value)
    cycle.full_clean()
    cycle.save()
    return cycle


@transaction.atomic
def cycle_close(*, cycle: ReportingCycle, by) -> ReportingCycle:
    """Close the cycle: no more reminders go out for it. Safe to repeat."""
    cycle = ReportingCycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.is_open:
        cycle.status = ReportingCycle.Status.CLOSED
        cycle.closed_by = by
        cycle.closed_at = clock.now()
        cycle.save(update_fields=["status", "closed_by", "closed_at"])
    return cycle


# --- reminders --------------------------------------------------------------------------------

def lead_offsets() -> list[int]:
    return sorted({int(d) for d in getattr(settings, "EMG_REMINDER_OFFSETS", (14, 7, 1))}, reverse=True)


def missing_after() -> int:
    return int(getattr(settings, "EMG_REMINDER_MISSING_AFTER", 1))


def chair_after() -> int:
    return int(getattr(settings, "EMG_REMINDER_CHAIR_AFTER", 7))


def review_after() -> int:
    return int(getattr(settings, "EMG_REVIEW_REMINDER_DAYS", 5))


@dataclass
class Reminder:
    """One e-mail (and notice) to one person."""

    user: User
    cycle: ReportingCycle
    kind: str
    offset: int
    subject: str
    items: list = field(default_factory=list)
    extra: dict = field(default_factory=dict)

    @property
    def count(self) -> int:
        """What the reminder lists: its milestones or updates, and the other work (EMG actions) it names."""
        return len(self.items) + sum(len(work) for _, work in self.extra.get("other_work", []))

    @property
    def template(self) -> str:
        return f"cycles/email/{self.kind}"

    def context(self) -> dict:
        return {"user": self.user, "cycle": self.cycle, "meeting": self.cycle.meeting, "items": self.items,
                "offset": self.offset, "site_url": settings.SITE_URL, "subject": self.subject,
                "cycle_url": settings.SITE_URL + reverse("cycles:cycle-detail", args=[self.cycle.pk]), **self.extra}

    def wants_email(self) -> bool:
        try:
            opted_in = self.user.profile.email_reminders
        except User.profile.RelatedObjectDoesNotExist:
            opted_in = True
        return bool(self.user.email) and opted_in

    def message(self) -> EmailMultiAlternatives:
        ctx = self.context()
        message = EmailMultiAlternatives(subject=f"[EMG] {self.subject}",
                                         body=render_to_string(f"{self.template}.txt", ctx), to=[self.user.email])
        message.attach_alternative(render_to_string(f"{self.template}.html", ctx), "text/html")
        return message


def lead_offset_due(cycle: ReportingCycle, today: datetime.date) -> int | None:
    """The nearest offset before the cut-off that has come (catching up a missed day), or None."""
    if today > cycle.cut_off:
        return None
    come = [d for d in lead_offsets() if cycle.cut_off - datetime.timedelta(days=d) <= today]
    return min(come) if come else None


def _users_with_role(role: str) -> list[User]:
    return list(User.objects.filter(groups__name=role, is_active=True).select_related("profile").order_by("pk"))


def reminders_due(*, today: datetime.date) -> list[Reminder]:
    """What the daily job would send today, minus what was already sent (reads only).

    Query count: one for the open cycles, then per open cycle at most six (milestone states, leads,
    already sent, secretariat, chair, waiting updates) and one per work source on a digest day (the open work
    due at the cycle's meeting, e.g. EMG actions) and on a review reminder's day (the progress on it waiting),
    whatever the number of milestones, actions and leads.
    """
    due: list[Reminder] = []
    roles_cache: dict[str, list[User]] = {}

    def with_role(role):
        if role not in roles_cache:
            roles_cache[role] = _users_with_role(role)
        return roles_cache[role]

    for cycle in cycles_open():
        lead_offset = lead_offset_due(cycle, today)
        after = (today - cycle.cut_off).days
        want_missing = after >= missing_after()
        want_chair = after >= chair_after()
        review_week = (today - cycle.cut_off).days // 7
        sent = set(ReminderSent.objects.filter(cycle=cycle).values_list("user_id", "kind", "offset"))

        def fresh(user, kind, offset, sent=sent):
            return (user.pk, kind, offset) not in sent

        items = []
        if lead_offset is not None or want_missing or want_chair:
            items = list(cycle_milestones(cycle).select_related(
                "activity__accomplishment", "activity__lead_body", "parent", "due_meeting")
                .order_by("activity__accomplishment__order", "activity__number", "parent_id", "order", "label"))
        missing = [m for m in items if m.cycle_state == MISSING]

        # Other work due at the cycle's meeting, nothing filed in the cycle (EMG actions): [(source, [(body, item)])]
        other_due = [(source, source.due_for_cycle(cycle.meeting_id, cycle.period_start))
                     for source in work_sources.sources()] if lead_offset is not None else []
        other_due = [(source, rows) for source, rows in other_due if rows]
        if lead_offset is not None and (missing or other_due):
            bodies = {m.activity.lead_body_id for m in missing if m.activity.lead_body_id}
            bodies |= {body for _, rows in other_due for body, _ in rows if body}
            leads = LeadBody.leads.through.objects.filter(
                leadbody_id__in=bodies, user__is_active=True).select_related("user__profile").order_by("user_id")
            by_lead: dict[int, tuple[User, list]] = {}
            bodies_of: dict[int, set] = defaultdict(set)
            for link in leads:
                by_lead.setdefault(link.user_id, (link.user, []))
                bodies_of[link.user_id].add(link.leadbody_id)
            for user_id, (user, _) in by_lead.items():
                mine = [m for m in missing if m.activity.lead_body_id in bodies_of[user_id]]
                other = [(source, [item for body, item in rows if body in bodies_of[user_id]])
                         for source, rows in other_due]
                other = [(source, items) for source, items in other if items]
                if (mine or other) and fresh(user, ReminderSent.Kind.LEAD_DIGEST, lead_offset):
                    days = (cycle.cut_off - today).days
                    due.append(Reminder(
                        user=user, cycle=cycle, kind=ReminderSent.Kind.LEAD_DIGEST, offset=lead_offset, items=mine,
                        subject=f"{cycle.meeting.code}: progress on {_digest_count(mine, other)} "
                                f"due by {cycle.cut_off:%-d %B %Y}",
                        extra={"days_left": days, "other_work": other}))

        if want_missing:
            waiting = [m for m in items if m.cycle_state == SUBMITTED]
            if missing or waiting:
                for user in with_role(roles.SECRETARIAT):
                    if fresh(user, ReminderSent.Kind.MISSING, -missing_after()):
                        due.append(Reminder(
                            user=user, cycle=cycle, kind=ReminderSent.Kind.MISSING, offset=-missing_after(),
                            items=missing, extra={"waiting": waiting},
                            subject=(f"{cycle.meeting.code}: {len(missing)} milestones without progress "
                                     f"after the cut-off of {cycle.cut_off:%-d %B %Y}")))

        if want_chair:
            chairs = [u for u in with_role(roles.CHAIR) if fresh(u, ReminderSent.Kind.CHAIR_SUMMARY, -chair_after())]
            if chairs:
                completeness = cycle_completeness(cycle)
                for user in chairs:
                    due.append(Reminder(
                        user=user, cycle=cycle, kind=ReminderSent.Kind.CHAIR_SUMMARY, offset=-chair_after(),
                        items=missing, extra={"completeness": completeness},
                        subject=(f"{cycle.meeting.code}: progress is {completeness.overall.percent}% complete "
                                 f"({completeness.overall.accepted} of {completeness.overall.total} milestones)")))

        secretariat = [u for u in with_role(roles.SECRETARIAT) if fresh(u, ReminderSent.Kind.REVIEW, review_week)]
        if secretariat:
            limit = today - datetime.timedelta(days=review_after())
            waiting_updates = list(
                ProgressUpdate.objects.filter(
                    review_state="submitted", activity__accomplishment__work_plan_id=cycle.work_plan_id,
                    submitted_at__date__lt=limit)
                .select_related("activity__accomplishment", "milestone__parent", "milestone__activity__accomplishment",
                                "author").order_by("submitted_at"))
            # Other progress waiting as long (on EMG actions), one query per source.
            before = timezone.make_aware(datetime.datetime.combine(limit, datetime.time.min))
            other_waiting = [(source, items) for source in work_sources.sources()
                             if (items := source.waiting_review(before))]
            total = len(waiting_updates) + sum(len(items) for _, items in other_waiting)
            if total:
                for user in secretariat:
                    due.append(Reminder(
                        user=user, cycle=cycle, kind=ReminderSent.Kind.REVIEW, offset=review_week,
                        items=waiting_updates,
                        extra={"review_after": review_after(), "other_work": other_waiting, "total": total},
                        subject=(f"{cycle.meeting.code}: {total} progress update{'s' if total != 1 else ''} "
                                 f"waiting for review more than {review_after()} days")))
    return due


def _digest_count(milestones: list, other: list) -> str:
    """“3 milestones”, “2 EMG actions”, “3 milestones and 1 EMG action”."""
    counted = [("milestone", len(milestones)), *((source.noun, len(items)) for source, items in other)]
    parts = [f"{n} {noun}{'s' if n != 1 else ''}" for noun, n in counted if n]
    return ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]


def reminders_send(*, today: datetime.date, dry_run: bool = False) -> list[Reminder]:
    """Send today's reminders: a notice for each, and an e-mail unless the user turned reminders off.

    Records each in ReminderSent in the same transaction; e-mails go after commit. If another run
    recorded the same reminder first, this run rolls back and sends nothing. Returns what was sent.
    """
    due = reminders_due(today=today)
    if dry_run or not due:
        return due
    try:
        with transaction.atomic():
            ReminderSent.objects.bulk_create([
                ReminderSent(user=r.user, cycle=r.cycle, kind=r.kind, offset=r.offset, sent_on=today,
                             items=r.count) for r in due])
            emails = [r for r in due if r.wants_email()]
            emailed = {id(r) for r in emails}
            Notice.objects.bulk_create([
                Notice(user=r.user, subject=r.subject, body=render_to_string(f"{r.template}.txt", r.context()),
                       url=reverse("cycles:cycle-detail", args=[r.cycle.pk]), emailed=id(r) in emailed)
                for r in due])
            transaction.on_commit(lambda: _send_all(emails))
    except IntegrityError:
        logger.warning("Reminders for %s were recorded by another run meanwhile; this run sent nothing.", today)
        return []
    return due


def _send_all(reminders: list[Reminder]) -> None:
    if not reminders:
        return
    with get_connection() as connection:
        connection.send_messages([r.message() for r in reminders])
