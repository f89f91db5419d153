"""Reads for decisions: the trace of what a decision mandated, and the follow-up reports give of actions."""
import datetime
from collections import Counter, defaultdict

from django.db.models import OuterRef, Prefetch, Q, Subquery

from accomplishments.models import Meeting
from activities.models import Activity, Milestone

from .models import ActionUpdate, Decision

MILESTONE_STATUS = dict(Milestone.Status.choices)
ACTION_STATUS = dict(Decision.Status.choices)


def decisions_visible(user):
    """Confirmed decisions for every reader; drafts too for those who keep them."""
    qs = Decision.objects.for_list()
    if not user.has_perm("decisions.manage_decisions"):
        qs = qs.confirmed()
    return qs


def decision_trace(decision: Decision) -> dict:
    """Everything the decision mandated and where each stands, in a fixed number of queries.

    Milestones counted once each: those mandated directly and those of the mandated activities
    (with their sub-items), by their status today.
    """
    activities = list(decision.activities.select_related("accomplishment", "lead_body")
                      .order_by("accomplishment__order", "number"))
    direct = list(decision.milestones.select_related("activity__accomplishment", "parent", "due_meeting"))
    of_activities = list(Milestone.objects.filter(activity__in=activities).select_related("parent"))
    by_activity = defaultdict(Counter)
    for m in of_activities:
        by_activity[m.activity_id][m.status] += 1
    rows = [{"activity": a, "counts": [(MILESTONE_STATUS[s], by_activity[a.pk][s]) for s in MILESTONE_STATUS
                                       if by_activity[a.pk][s]],
             "total": sum(by_activity[a.pk].values())} for a in activities]
    counted = {m.pk: m.status for m in [*of_activities, *direct]}
    totals = Counter(counted.values())
    actions = []
    if decision.body == Decision.Body.SOM and decision.meeting_id and not decision.is_action:
        actions = list(Decision.objects.confirmed().actions().filter(meeting_id=decision.meeting_id)
                       .select_related("lead_body", "due_meeting").order_by("order", "reference"))
    return {
        "activities": rows, "milestones": direct, "actions": actions,
        "milestone_totals": [(MILESTONE_STATUS[s], totals[s]) for s in MILESTONE_STATUS if totals[s]],
        "milestone_count": len(counted),
        "action_totals": [(ACTION_STATUS[s], n) for s, n in Counter(a.status for a in actions).items()],
    }


def mandates_of(objs) -> dict:
    """{object pk: [confirmed decisions]} for activities or milestones, in one query."""
    objs = list(objs)
    if not objs:
        return {}
    field = "activities" if isinstance(objs[0], Activity) else "milestones"
    through = getattr(Decision, field).through
    key = "activity_id" if field == "activities" else "milestone_id"
    links = through.objects.filter(**{f"{key}__in": [o.pk for o in objs]}, decision__state="confirmed") \
        .select_related("decision").order_by("decision__reference")
    out = defaultdict(list)
    for link in links:
        out[getattr(link, key)].append(link.decision)
    return out


def _local_cutoff(as_of: datetime.date) -> datetime.datetime:
    import zoneinfo

    from django.conf import settings

    return datetime.datetime.combine(as_of + datetime.timedelta(days=1), datetime.time.min,
                                     tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))


def actions_as_of(*, cutoff: datetime.datetime, **scope) -> list:
    """Confirmed actions as their history recorded them before `cutoff` (historical records), in order.

    Three queries: the records in force, the lead bodies and due meetings are read with them.
    """
    history = Decision.history.model
    in_force = history.objects.filter(id=OuterRef("id"), history_date__lt=cutoff) \
        .order_by("-history_date", "-history_id").values("history_id")[:1]
    return list(history.objects.filter(history_id=Subquery(in_force), kind="action", state="confirmed", **scope)
                .exclude(history_type="-").select_related("lead_body", "due_meeting").order_by("order", "reference"))


def followup_section(*, meeting: Meeting, as_of: datetime.date, cutoff: datetime.datetime | None = None) -> dict | None:
    """The actions of the SOM before `meeting`, each with its lead, its status as of the date and the progress
    accepted by then; None when that SOM recorded no action. Plain JSON for a report's snapshot; four queries."""
    cutoff = cutoff or _local_cutoff(as_of)
    previous = (Meeting.objects.filter(start_date__lt=meeting.start_date, code__istartswith="SOM",
                                       decisions__kind="action").order_by("-start_date").first())
    if previous is None:
        return None
    actions = actions_as_of(cutoff=cutoff, meeting_id=previous.pk)
    if not actions:
        return None
    updates = defaultdict(list)
    for u in (ActionUpdate.objects.filter(decision_id__in=[a.id for a in actions], review_state="accepted",
                                          reviewed_at__lt=cutoff).select_related("author").order_by("reviewed_at")):
        updates[u.decision_id].append({
            "narrative": u.narrative, "reported_status": u.reported_status,
            "reported_status_display": ACTION_STATUS.get(u.reported_status, u.reported_status),
            "accepted_on": u.reviewed_at.date().isoformat(),
            "author": u.author.get_full_name() or u.author.get_username()})
    rows = [{"reference": a.reference, "text": a.text,
             "lead_body": a.lead_body.name if a.lead_body else None,
             "due_meeting": a.due_meeting.code if a.due_meeting else None,
             "status": a.status, "status_display": ACTION_STATUS.get(a.status, a.status),
             "progress": updates[a.id]} for a in actions]
    return {"meeting": previous.code, "rows": rows,
            "counts": {s: sum(1 for r in rows if r["status"] == s) for s in ACTION_STATUS}}


def decisions_in_period(*, start: datetime.date, as_of: datetime.date, cutoff: datetime.datetime | None = None) -> list:
    """The EMG's own decisions and actions taken from `start` to `as_of`, as recorded then (JSON rows)."""
    cutoff = cutoff or _local_cutoff(as_of)
    history = Decision.history.model
    in_force = history.objects.filter(id=OuterRef("id"), history_date__lt=cutoff) \
        .order_by("-history_date", "-history_id").values("history_id")[:1]
    records = (history.objects.filter(history_id=Subquery(in_force), body="som", state="confirmed")
               .filter(Q(meeting__start_date__range=(start, as_of))
                       | Q(meeting__isnull=True, date__range=(start, as_of)))
               .exclude(history_type="-").select_related("meeting", "lead_body")
               .order_by("meeting__start_date", "date", "order", "reference"))
    return [{"reference": r.reference, "text": r.text, "meeting": r.meeting.code if r.meeting else None,
             "kind": r.kind, "lead_body": r.lead_body.name if r.lead_body else None,
             "status_display": ACTION_STATUS.get(r.status, r.status) if r.kind == "action" else ""}
            for r in records]


def action_counts_by_meeting() -> list[str]:
    """Dashboard lines: "SOM20 actions: 5 open, 2 done" for each SOM with confirmed actions (one query)."""
    counts = defaultdict(Counter)
    for code, status in (Decision.objects.confirmed().actions().exclude(meeting=None)
                         .order_by("meeting__start_date").values_list("meeting__code", "status")):
        counts[code][status] += 1
    return [f"{code} actions: " + ", ".join(f"{c[s]} {ACTION_STATUS[s].lower()}" for s in ACTION_STATUS if c[s])
            for code, c in counts.items()]


def action_updates_prefetch():
    return Prefetch("updates", queryset=ActionUpdate.objects.select_related("author", "reviewer"))
