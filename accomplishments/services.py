"""Writes to the frame of the plan."""
import datetime
from collections import Counter
from pathlib import Path

import yaml
from django.db import transaction

from activities.models import Activity, LeadBody, Milestone

from .models import ExpectedAccomplishment, Meeting, Member, WorkPlan, WorkPlanApproval

SEED_FILE = Path(__file__).resolve().parent / "data" / "workplan-2014-2015.yaml"


def _upsert(model, counts: Counter, lookup: dict, values: dict, adopted_at=None):
    """Create the row, or update it only where a value differs (so a rerun writes no history).

    A created row's first history is dated at the plan's adoption (when given): the plan stood as
    written from that day, so a report as of any later date finds it.
    """
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        obj.full_clean()
        if adopted_at is not None:
            obj._history_date = adopted_at
            obj._change_reason = "Adopted with the work plan"
        obj.save()
        counts[f"{model._meta.verbose_name_plural} created"] += 1
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.full_clean()
        obj.save(update_fields=changed)
        counts[f"{model._meta.verbose_name_plural} updated"] += 1
    return obj


def _set_m2m(manager, wanted, counts: Counter, label: str):
    if set(manager.all()) != set(wanted):
        manager.set(wanted)
        counts[label] += 1


def _adoption_datetime(data: dict) -> datetime.datetime | None:
    """When the plan was adopted: the first day of the meeting that approved its first year (else its issue date)."""
    wp = data["work_plan"]
    approvals = sorted(wp.get("approvals") or [], key=lambda a: a["year"])
    starts = {m["code"]: m["start_date"] for m in data["meetings"]}
    day = starts.get(approvals[0]["meeting"]) if approvals else None
    day = day or wp.get("issued_on")
    if not day:
        return None
    return datetime.datetime.combine(day, datetime.time(0), tzinfo=datetime.UTC)


@transaction.atomic
def workplan_load(*, path: Path = SEED_FILE) -> tuple[WorkPlan, Counter]:
    """Load a work plan from its YAML transcription. Safe to repeat: a second run changes nothing."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    counts: Counter = Counter()
    adopted_at = _adoption_datetime(data)

    def upsert(model, counts, lookup, values):
        return _upsert(model, counts, lookup, values, adopted_at=adopted_at)

    meetings = {
        m["code"]: upsert(Meeting, counts, {"code": m["code"]}, {k: v for k, v in m.items() if k != "code"})
        for m in data["meetings"]
    }
    members = {
        m["acronym"]: upsert(Member, counts, {"acronym": m["acronym"]}, {"name": m["name"], "kind": m["kind"]})
        for m in data["members"]
    }
    bodies = {}
    for b in data["lead_bodies"]:
        body = upsert(
            LeadBody, counts, {"short_name": b["short_name"]},
            {"name": b["name"], "kind": b["kind"], "lead_member": members.get(b.get("lead_member"))},
        )
        if "members" in b:
            _set_m2m(body.members, [members[a] for a in b["members"]], counts, "lead body members set")
        bodies[b["short_name"]] = body

    wp = data["work_plan"]
    plan = upsert(
        WorkPlan, counts, {"symbol": wp["symbol"]},
        {k: wp[k] for k in ("title", "issued_on", "first_year", "last_year", "status")},
    )
    for approval in wp.get("approvals", []):
        upsert(
            WorkPlanApproval, counts, {"work_plan": plan, "year": approval["year"]},
            {"meeting": meetings[approval["meeting"]]},
        )

    for order, a in enumerate(data["accomplishments"], start=1):
        accomplishment = upsert(
            ExpectedAccomplishment, counts, {"work_plan": plan, "code": a["code"]},
            {"category": a["category"], "statement": a["statement"], "order": order},
        )
        for act in a["activities"]:
            activity = upsert(
                Activity, counts, {"accomplishment": accomplishment, "number": act["number"]},
                {"title": act["title"], "description": act.get("description") or "",
                 "lead_body": bodies.get(act.get("lead_body"))},
            )
            _set_m2m(activity.partners, [members[p] for p in act.get("partners", [])], counts,
                     "activity partners set")
            _load_milestones(activity, None, act.get("milestones") or [], meetings, counts, upsert)
    return plan, counts


def _load_milestones(activity, parent, items, meetings, counts, upsert):
    for order, m in enumerate(items, start=1):
        milestone = upsert(
            Milestone, counts, {"activity": activity, "parent": parent, "label": m["label"]},
            {"text": m["text"], "order": order, "due_meeting": meetings.get(m.get("due_meeting")),
             "due_date": m.get("due_date")},
        )
        _load_milestones(activity, milestone, m.get("children") or [], meetings, counts, upsert)
