"""Reads for reports: the snapshot a report is compiled from, in a fixed number of queries.

The snapshot is plain JSON (strings, numbers, lists, dicts): it is stored in the Report row so the same
document can be rebuilt or compared later, whatever happens to the plan afterwards. Money and staff
days are kept as decimal strings so no figure is rounded on the way.

Everything in it is true as of the report's date (the end of that day in settings.TIME_ZONE): activities,
milestones and contributions are read from their history record in force then (a row created later, or
deleted before, is not in it; a row without any history, such as generated test data, is taken as it
stands), progress counts once it was accepted, and contributions once they were recorded.
"""
import datetime
import zoneinfo
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.db.models import Exists, OuterRef, Subquery

from accomplishments.models import ExpectedAccomplishment, Meeting, WorkPlan
from activities import status as milestone_status
from activities.models import Activity, Contribution, Milestone, ProgressUpdate
from decisions.selectors import decisions_in_period, followup_section
from emgplan.clock import configured_today

from .models import Report
from .vocabulary import STATE_LABELS

SNAPSHOT_VERSION = 2
STATUS_LABELS = dict(Milestone.Status.choices)
DELIVERED = Contribution.State.REPORTED


def _d(value) -> str:
    return str(value if value is not None else Decimal("0"))


def _date(value) -> str | None:
    return value.isoformat() if value else None


def _meeting(m: Meeting | None) -> dict | None:
    if m is None:
        return None
    return {"code": m.code, "name": m.name, "start_date": _date(m.start_date), "end_date": _date(m.end_date),
            "dates": m.dates_display, "place": m.place}


def _local_date(moment: datetime.datetime | None) -> datetime.date | None:
    if moment is None:
        return None
    return moment.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE)).date()


def _update(u: ProgressUpdate) -> dict:
    reviewed = _local_date(u.reviewed_at)
    return {
        "id": u.pk, "narrative": u.narrative, "period_start": _date(u.period_start), "period_end": _date(u.period_end),
        "reported_status": u.reported_status, "reported_status_display": u.get_reported_status_display(),
        "reviewed_on": _date(reviewed), "accepted_on": _date(reviewed), "links": u.links,
        "author": u.author.get_full_name() or u.author.get_username(),
    }


def as_of_cutoff(as_of: datetime.date) -> datetime.datetime:
    """The first moment after the as-of date: what was recorded before it is true as of that date."""
    return datetime.datetime.combine(as_of + datetime.timedelta(days=1), datetime.time.min,
                                     tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))


def rows_as_of(model, *, cutoff: datetime.datetime, **scope):
    """Each row of `model` as its history recorded it before `cutoff`, plus the rows that have no history.

    Two queries whatever the number of rows. Returns (historical records, current rows without history);
    a historical record of a deletion (history_type "-") means the row was gone by then and is left out.
    The historical records carry `first_recorded` (the date of the row's first history).
    """
    history = model.history.model
    in_force = history.objects.filter(id=OuterRef("id"), history_date__lt=cutoff) \
        .order_by("-history_date", "-history_id").values("history_id")[:1]
    first = history.objects.filter(id=OuterRef("id")).order_by("history_date", "history_id").values("history_date")[:1]
    recorded = history.objects.filter(**scope, history_id=Subquery(in_force)).exclude(history_type="-") \
        .annotate(first_recorded=Subquery(first))
    untracked = model._default_manager.filter(**scope).filter(~Exists(history.objects.filter(id=OuterRef("pk"))))
    return recorded, untracked


def report_snapshot(*, plan: WorkPlan, kind: str, meeting: Meeting, as_of: datetime.date, symbol: str,
                    issued_on: datetime.date) -> dict:
    """Everything a report shows, true as of `as_of`, as JSON. Twelve queries at most (nine for the plan, three for
    the previous SOM's actions or one for the EMG's decisions), whatever the size of the plan.

    Raises ValueError when `as_of` is later than the application's today (nothing is known of it yet).
    """
    today = configured_today()
    if as_of > today:
        raise ValueError(f"A report cannot be as of {as_of:%-d %B %Y}, after today ({today:%-d %B %Y}).")
    cutoff = as_of_cutoff(as_of)
    accomplishments = list(ExpectedAccomplishment.objects.filter(work_plan=plan).order_by("order", "code"))
    ea_by_id = {ea.pk: ea for ea in accomplishments}

    recorded, untracked = rows_as_of(Activity, cutoff=cutoff, accomplishment__work_plan=plan)
    activities = [a for qs in (recorded.select_related("lead_body"), untracked.select_related("lead_body"))
                  for a in qs if a.accomplishment_id in ea_by_id]
    activities.sort(key=lambda a: (ea_by_id[a.accomplishment_id].order, ea_by_id[a.accomplishment_id].code,
                                   a.number, a.id))
    activity_code = {a.id: f"{ea_by_id[a.accomplishment_id].code}.{a.number}" for a in activities}

    recorded, untracked = rows_as_of(Milestone, cutoff=cutoff, activity__accomplishment__work_plan=plan)
    milestones = [m for qs in (recorded.select_related("due_meeting"), untracked.select_related("due_meeting"))
                  for m in qs if m.activity_id in activity_code]
    milestones.sort(key=lambda m: (m.activity_id, m.order, m.label, m.id))

    # Only progress accepted by the as-of date counts; drafts, submissions and returned updates never appear.
    updates = list(
        ProgressUpdate.objects.accepted()
        .filter(activity__accomplishment__work_plan=plan, reviewed_at__lt=cutoff)
        .select_related("author").order_by("period_start", "period_end", "reviewed_at", "id")
    )
    recorded, untracked = rows_as_of(Contribution, cutoff=cutoff, activity__accomplishment__work_plan=plan)
    contributions = [c for qs in (recorded.select_related("member"), untracked.select_related("member"))
                     for c in qs if c.activity_id in activity_code]
    contributions.sort(key=lambda c: (c.member.acronym, c.activity_id, c.year, c.kind, c.id))
    next_meeting = (
        Meeting.objects.filter(start_date__gt=meeting.end_date, code__istartswith="SOM").order_by("start_date").first()
    )

    # Accepted updates per milestone and per activity, oldest period first (the last one is the latest).
    for_milestone, for_activity = defaultdict(list), defaultdict(list)
    for u in updates:
        if u.milestone_id:
            for_milestone[u.milestone_id].append(u)
        else:
            for_activity[u.activity_id].append(u)

    by_id = {m.id: m for m in milestones}
    rows, children = {}, defaultdict(list)
    attention, completed = [], []
    counts = defaultdict(lambda: defaultdict(int))
    for m in milestones:
        parent = by_id.get(m.parent_id)
        if m.parent_id and parent is None:
            continue  # a sub-item whose parent was not in the plan on that date
        ref = f"({parent.label})({m.label})" if parent else f"({m.label})"
        due = milestone_status.due_of(due_date=m.due_date,
                                      meeting_start=m.due_meeting.start_date if m.due_meeting else None)
        mine = [_update(u) for u in for_milestone.get(m.id, [])]
        row = {
            "id": m.id, "activity": activity_code[m.activity_id], "ref": ref, "label": m.label, "text": m.text,
            "parent": f"({parent.label})" if parent else None,
            "due_meeting": m.due_meeting.code if m.due_meeting else None, "due_date": _date(m.due_date),
            "due": _date(due), "status": m.status, "status_display": STATUS_LABELS.get(m.status, m.status),
            "completed_on": _date(m.completed_on), "progress": mine[-1] if mine else None, "updates": mine,
            "children": [],
        }
        rows[m.id] = row
        counts[activity_code[m.activity_id].split(".")[0]][m.status] += 1
        if parent:
            children[parent.id].append(row)
        overdue = milestone_status.is_overdue(status=m.status, due=due, today=as_of)
        if milestone_status.needs_attention(status=m.status, due=due, today=as_of):
            attention.append({
                "activity": row["activity"], "ref": ref, "text": m.text, "due": row["due"],
                "due_date": row["due_date"], "due_meeting": row["due_meeting"], "status": m.status,
                "status_display": row["status_display"], "overdue": overdue,
            })
        if milestone_status.is_completed(m.status):
            completed.append(
                {"activity": row["activity"], "ref": ref, "text": m.text, "completed_on": row["completed_on"]}
            )
    for parent_id, kids in children.items():
        rows[parent_id]["children"] = kids
    tops = defaultdict(list)
    for m in milestones:
        if not m.parent_id:
            tops[m.activity_id].append(rows[m.id])

    outputs = defaultdict(list)
    for u in updates:
        for link in u.links:
            if link not in outputs[u.activity_id]:
                outputs[u.activity_id].append(link)

    ea_rows = []
    for ea in accomplishments:
        ea_rows.append({"code": ea.code, "category": ea.category, "statement": ea.statement, "activities": []})
    ea_index = {ea.pk: row for ea, row in zip(accomplishments, ea_rows, strict=True)}
    for a in activities:
        mine = [_update(u) for u in for_activity.get(a.id, [])]
        ea_index[a.accomplishment_id]["activities"].append({
            "id": a.id, "code": activity_code[a.id], "title": a.title, "description": a.description,
            "lead_body": a.lead_body.name if a.lead_body else None,
            "progress": mine[-1] if mine else None, "updates": mine, "milestones": tops[a.id],
            "outputs": outputs[a.id],
        })

    statuses = list(Milestone.Status.choices)
    status_table = []
    status_totals = {value: 0 for value, _ in statuses} | {"total": 0}
    for ea in accomplishments:
        row_counts = {value: counts[ea.code][value] for value, _ in statuses}
        total = sum(row_counts.values())
        status_table.append({"code": ea.code, "category": ea.category, "counts": row_counts, "total": total})
        for value, n in row_counts.items():
            status_totals[value] += n
        status_totals["total"] += total

    return {
        "version": SNAPSHOT_VERSION,
        "kind": kind, "kind_display": Report.Kind(kind).label,
        "plan": {"title": plan.title, "symbol": plan.symbol, "first_year": plan.first_year,
                 "last_year": plan.last_year},
        "meeting": _meeting(meeting), "next_meeting": _meeting(next_meeting),
        "as_of": _date(as_of), "issued_on": _date(issued_on), "symbol": symbol, "distribution": "EMG members",
        "statuses": [list(choice) for choice in statuses],
        "status_table": status_table,
        "status_totals": status_totals,
        "accomplishments": ea_rows,
        "progress": [
            _update(u) | {"activity": activity_code[u.activity_id],
                          "milestone": rows[u.milestone_id]["ref"] if u.milestone_id in rows else None}
            for u in updates if u.activity_id in activity_code
        ],
        "attention": attention,
        "completed": completed,
        "contributions": _contributions(contributions, activity_code),
        # What became of the previous SOM's actions (SOM reports), and the EMG's decisions (UNEA reports).
        "followup": followup_section(meeting=meeting, as_of=as_of, cutoff=cutoff) if kind == "som" else None,
        "emg_decisions": decisions_in_period(start=datetime.date(plan.first_year - 1, 1, 1), as_of=as_of,
                                             cutoff=cutoff) if kind == "unea" else [],
    }


def _contributions(contributions, activity_code) -> dict:
    by_member_kind = defaultdict(lambda: [Decimal(0), Decimal(0)])
    by_member_state = defaultdict(lambda: [Decimal(0), Decimal(0)])
    by_state = {state: [Decimal(0), Decimal(0), 0] for state in STATE_LABELS}
    by_activity = defaultdict(lambda: [Decimal(0), Decimal(0)])
    members = {}
    rows = []
    total_days, total_usd = Decimal(0), Decimal(0)
    kind_label = dict(Contribution.Kind.choices)
    for c in contributions:
        days, usd = c.staff_days or Decimal(0), c.amount_usd or Decimal(0)
        members[c.member.acronym] = c.member.name
        for bucket in (by_member_kind[(c.member.acronym, c.kind)], by_activity[activity_code[c.activity_id]],
                       by_member_state[(c.member.acronym, c.state)], by_state.setdefault(c.state, [0, 0, 0])):
            bucket[0] += days
            bucket[1] += usd
        by_state[c.state][2] += 1
        total_days += days
        total_usd += usd
        rows.append({
            "member": c.member.acronym, "activity": activity_code[c.activity_id], "kind": c.kind,
            "kind_display": kind_label.get(c.kind, c.kind), "year": c.year, "state": c.state,
            "state_display": STATE_LABELS.get(c.state, c.state), "staff_days": _d(c.staff_days),
            "amount_usd": _d(c.amount_usd), "note": c.note,
            "recorded_on": _date(_local_date(getattr(c, "first_recorded", None))),
        })
    state_order = list(STATE_LABELS)
    activity_order = list(activity_code.values())
    delivered = by_state[DELIVERED]
    return {
        "rows": rows,
        "by_member_kind": [
            {"member": member, "member_name": members[member], "kind": kind,
             "kind_display": kind_label.get(kind, kind), "staff_days": _d(v[0]), "amount_usd": _d(v[1])}
            for (member, kind), v in sorted(by_member_kind.items())
        ],
        "by_activity": [
            {"activity": code, "staff_days": _d(by_activity[code][0]), "amount_usd": _d(by_activity[code][1])}
            for code in activity_order if code in by_activity
        ],
        "members": [{"acronym": acronym, "name": name} for acronym, name in sorted(members.items())],
        "totals": {"staff_days": _d(total_days), "amount_usd": _d(total_usd), "count": len(rows)},
        "states": [[state, label] for state, label in STATE_LABELS.items()],
        "by_state": [
            {"state": state, "state_display": STATE_LABELS[state], "staff_days": _d(by_state[state][0]),
             "amount_usd": _d(by_state[state][1]), "count": by_state[state][2]}
            for state in state_order
        ],
        "by_member_state": [
            {"member": member, "member_name": members[member], "state": state,
             "state_display": STATE_LABELS.get(state, state), "staff_days": _d(v[0]), "amount_usd": _d(v[1])}
            for (member, state), v in sorted(by_member_state.items(),
                                             key=lambda item: (item[0][0], state_order.index(item[0][1])
                                                               if item[0][1] in state_order else 99))
        ],
        "delivered": {"staff_days": _d(delivered[0]), "amount_usd": _d(delivered[1])},
    }


def report_list_queryset():

    return Report.objects.for_list()

