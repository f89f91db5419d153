"""Writes to the frame of the plan."""
from collections import Counter
from pathlib import Path

import yaml
from django.db import transaction

from activities.models import Activity, LeadBody, Milestone

from .models import ExpectedAccomplishment, Meeting, Member, WorkPlan, WorkPlanApproval

SEED_FILE = Path(__file__).resolve().parent / "data" / "workplan-2014-2015.yaml"


def _upsert(model, counts: Counter, lookup: dict, values: dict):
    """Create the row, or update it only where a value differs (so a rerun writes no history)."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        obj.full_clean()
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


@transaction.atomic
def workplan_load(*, path: Path = SEED_FILE) -> tuple[WorkPlan, Counter]:
    """Load a work plan from its YAML transcription. Safe to repeat: a second run changes nothing."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    counts: Counter = Counter()

    meetings = {
        m["code"]: _upsert(Meeting, counts, {"code": m["code"]}, {k: v for k, v in m.items() if k != "code"})
        for m in data["meetings"]
    }
    members = {
        m["acronym"]: _upsert(Member, counts, {"acronym": m["acronym"]}, {"name": m["name"], "kind": m["kind"]})
        for m in data["members"]
    }
    bodies = {}
    for b in data["lead_bodies"]:
        body = _upsert(
            LeadBody, counts, {"short_name": b["short_name"]},
            {"name": b["name"], "kind": b["kind"], "lead_member": members.get(b.get("lead_member"))},
        )
        if "members" in b:
            _set_m2m(body.members, [members[a] for a in b["members"]], counts, "lead body members set")
        bodies[b["short_name"]] = body

    wp = data["work_plan"]
    plan = _upsert(
        WorkPlan, counts, {"symbol": wp["symbol"]},
        {k: wp[k] for k in ("title", "issued_on", "first_year", "last_year", "status")},
    )
    for approval in wp.get("approvals", []):
        _upsert(
            WorkPlanApproval, counts, {"work_plan": plan, "year": approval["year"]},
            {"meeting": meetings[approval["meeting"]]},
        )

    for order, a in enumerate(data["accomplishments"], start=1):
        accomplishment = _upsert(
            ExpectedAccomplishment, counts, {"work_plan": plan, "code": a["code"]},
            {"category": a["category"], "statement": a["statement"], "order": order},
        )
        for act in a["activities"]:
            activity = _upsert(
                Activity, counts, {"accomplishment": accomplishment, "number": act["number"]},
                {"title": act["title"], "description": act.get("description") or "",
                 "lead_body": bodies.get(act.get("lead_body"))},
            )
            _set_m2m(activity.partners, [members[p] for p in act.get("partners", [])], counts,
                     "activity partners set")
            _load_milestones(activity, None, act.get("milestones") or [], meetings, counts)
    return plan, counts


def _load_milestones(activity, parent, items, meetings, counts):
    for order, m in enumerate(items, start=1):
        milestone = _upsert(
            Milestone, counts, {"activity": activity, "parent": parent, "label": m["label"]},
            {"text": m["text"], "order": order, "due_meeting": meetings.get(m.get("due_meeting")),
             "due_date": m.get("due_date")},
        )
        _load_milestones(activity, milestone, m.get("children") or [], meetings, counts)
