"""Reads for reports: the snapshot a report is compiled from, in a fixed number of queries.

The snapshot is plain JSON (strings, numbers, lists, dicts): it is stored in the Report row so the same
document can be rebuilt or compared later, whatever happens to the plan afterwards. Money and staff
days are kept as decimal strings so no figure is rounded on the way.
"""
import datetime
from collections import defaultdict
from decimal import Decimal

from accomplishments.models import ExpectedAccomplishment, Meeting, WorkPlan
from activities.models import Activity, Contribution, Milestone, ProgressUpdate

from .models import Report

SNAPSHOT_VERSION = 1
OPEN = {"not_started", "on_track", "at_risk", "delayed"}
ATTENTION = {"at_risk", "delayed"}


def _d(value) -> str:
    return str(value if value is not None else Decimal("0"))


def _date(value) -> str | None:
    return value.isoformat() if value else None


def _meeting(m: Meeting | None) -> dict | None:
    if m is None:
        return None
    return {"code": m.code, "name": m.name, "start_date": _date(m.start_date), "end_date": _date(m.end_date),
            "dates": m.dates_display, "place": m.place}


def _update(u: ProgressUpdate) -> dict:
    return {
        "id": u.pk, "narrative": u.narrative, "period_start": _date(u.period_start), "period_end": _date(u.period_end),
        "reported_status": u.reported_status, "reported_status_display": u.get_reported_status_display(),
        "reviewed_on": _date(u.reviewed_at.date()) if u.reviewed_at else None, "links": u.links,
    }


def report_snapshot(*, plan: WorkPlan, kind: str, meeting: Meeting, as_of: datetime.date, symbol: str,
                    issued_on: datetime.date) -> dict:
    """Everything a report shows, as JSON. Six queries, whatever the size of the plan."""
    accomplishments = list(ExpectedAccomplishment.objects.filter(work_plan=plan).order_by("order", "code"))
    activities = list(
        Activity.objects.filter(accomplishment__work_plan=plan).select_related("lead_body")
        .order_by("accomplishment__order", "accomplishment__code", "number")
    )
    milestones = list(
        Milestone.objects.filter(activity__accomplishment__work_plan=plan).select_related("due_meeting")
        .order_by("activity_id", "order", "label")
    )
    # Only reviewed and accepted progress counts; drafts, submissions and returned updates never appear.
    updates = list(
        ProgressUpdate.objects.accepted()
        .filter(activity__accomplishment__work_plan=plan, period_start__lte=as_of)
        .order_by("period_end", "reviewed_at", "id")
    )
    contributions = list(
        Contribution.objects.filter(activity__accomplishment__work_plan=plan, year__lte=as_of.year)
        .select_related("member").order_by("member__acronym", "activity_id", "year", "kind", "id")
    )
    next_meeting = (
        Meeting.objects.filter(start_date__gt=meeting.end_date, code__istartswith="SOM").order_by("start_date").first()
    )

    # Latest accepted update per milestone and per activity (updates are in period order: last wins).
    latest_for_milestone, latest_for_activity = {}, {}
    for u in updates:
        if u.milestone_id:
            latest_for_milestone[u.milestone_id] = u
        else:
            latest_for_activity[u.activity_id] = u

    activity_code = {}
    ea_by_id = {ea.pk: ea for ea in accomplishments}
    for a in activities:
        activity_code[a.pk] = f"{ea_by_id[a.accomplishment_id].code}.{a.number}"

    by_id = {m.pk: m for m in milestones}
    rows, children = {}, defaultdict(list)
    attention, completed = [], []
    for m in milestones:
        parent = by_id.get(m.parent_id)
        ref = f"({parent.label})({m.label})" if parent else f"({m.label})"
        due = m.due_date or (m.due_meeting.start_date if m.due_meeting else None)
        latest = latest_for_milestone.get(m.pk)
        row = {
            "id": m.pk, "activity": activity_code[m.activity_id], "ref": ref, "label": m.label, "text": m.text,
            "parent": f"({parent.label})" if parent else None,
            "due_meeting": m.due_meeting.code if m.due_meeting else None, "due_date": _date(m.due_date),
            "due": _date(due), "status": m.status, "status_display": m.get_status_display(),
            "completed_on": _date(m.completed_on), "progress": _update(latest) if latest else None, "children": [],
        }
        rows[m.pk] = row
        if parent:
            children[parent.pk].append(row)
        overdue = m.status in OPEN and due is not None and due < as_of
        if m.status in ATTENTION or overdue:
            attention.append({
                "activity": row["activity"], "ref": ref, "text": m.text, "due": row["due"],
                "due_meeting": row["due_meeting"], "status": m.status, "status_display": row["status_display"],
                "overdue": overdue,
            })
        if m.status == Milestone.Status.COMPLETED:
            completed.append(
                {"activity": row["activity"], "ref": ref, "text": m.text, "completed_on": row["completed_on"]}
            )
    for parent_id, kids in children.items():
        rows[parent_id]["children"] = kids
    tops = defaultdict(list)
    for m in milestones:
        if not m.parent_id:
            tops[m.activity_id].append(rows[m.pk])

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
        latest = latest_for_activity.get(a.pk)
        ea_index[a.accomplishment_id]["activities"].append({
            "id": a.pk, "code": activity_code[a.pk], "title": a.title, "description": a.description,
            "lead_body": a.lead_body.name if a.lead_body else None,
            "progress": _update(latest) if latest else None, "milestones": tops[a.pk], "outputs": outputs[a.pk],
        })

    return {
        "version": SNAPSHOT_VERSION,
        "kind": kind, "kind_display": Report.Kind(kind).label,
        "plan": {"title": plan.title, "symbol": plan.symbol, "first_year": plan.first_year,
                 "last_year": plan.last_year},
        "meeting": _meeting(meeting), "next_meeting": _meeting(next_meeting),
        "as_of": _date(as_of), "issued_on": _date(issued_on), "symbol": symbol, "distribution": "EMG members",
        "accomplishments": ea_rows,
        "progress": [
            _update(u) | {"activity": activity_code[u.activity_id],
                          "milestone": rows[u.milestone_id]["ref"] if u.milestone_id else None}
            for u in updates
        ],
        "attention": attention,
        "completed": completed,
        "contributions": _contributions(contributions, activity_code),
    }


def _contributions(contributions, activity_code) -> dict:
    by_member_kind = defaultdict(lambda: [Decimal(0), Decimal(0)])
    by_activity = defaultdict(lambda: [Decimal(0), Decimal(0)])
    members = {}
    rows = []
    total_days, total_usd = Decimal(0), Decimal(0)
    kind_label = dict(Contribution.Kind.choices)
    for c in contributions:
        days, usd = c.staff_days or Decimal(0), c.amount_usd or Decimal(0)
        members[c.member.acronym] = c.member.name
        for bucket in (by_member_kind[(c.member.acronym, c.kind)], by_activity[activity_code[c.activity_id]]):
            bucket[0] += days
            bucket[1] += usd
        total_days += days
        total_usd += usd
        rows.append({
            "member": c.member.acronym, "activity": activity_code[c.activity_id], "kind": c.kind,
            "kind_display": kind_label[c.kind], "year": c.year, "state": c.state,
            "state_display": c.get_state_display(), "staff_days": _d(c.staff_days), "amount_usd": _d(c.amount_usd),
        })
    activity_order = list(activity_code.values())
    return {
        "rows": rows,
        "by_member_kind": [
            {"member": member, "member_name": members[member], "kind": kind, "kind_display": kind_label[kind],
             "staff_days": _d(v[0]), "amount_usd": _d(v[1])}
            for (member, kind), v in sorted(by_member_kind.items())
        ],
        "by_activity": [
            {"activity": code, "staff_days": _d(by_activity[code][0]), "amount_usd": _d(by_activity[code][1])}
            for code in activity_order if code in by_activity
        ],
        "members": [{"acronym": acronym, "name": name} for acronym, name in sorted(members.items())],
        "totals": {"staff_days": _d(total_days), "amount_usd": _d(total_usd), "count": len(rows)},
    }


def report_list_queryset():
    return Report.objects.for_list()

