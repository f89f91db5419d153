"""What changed between two reports of the same kind, read from their snapshots only.

Works with version-2 snapshots (statuses as of each date, updates with `accepted_on`, contributions by
member and state) and degrades gracefully on version-1 ones (no acceptance dates: progress is "included
in the later report and not in the earlier"; contributions are summed from their rows).
"""
from collections import defaultdict
from decimal import Decimal

from .vocabulary import STATE_LABELS


def _flat_milestones(snapshot: dict):
    for ea in snapshot.get("accomplishments", []):
        for activity in ea.get("activities", []):
            for m in activity.get("milestones", []):
                yield activity, m
                for child in m.get("children", []):
                    yield activity, child


def _milestones(snapshot: dict) -> dict:
    return {(a["code"], m["ref"]): m for a, m in _flat_milestones(snapshot)}


def _progress(old: dict, new: dict) -> tuple[list[dict], bool]:
    """Accepted progress between the two as-of dates, oldest first; and whether acceptance dates were known."""
    old_as_of, new_as_of = old.get("as_of") or "", new.get("as_of") or ""
    rows = new.get("progress", [])
    if rows and all(p.get("accepted_on") for p in rows):
        between = [p for p in rows if old_as_of < p["accepted_on"] <= new_as_of]
        return sorted(between, key=lambda p: (p["accepted_on"], p.get("period_start") or "", p.get("id") or 0)), True
    seen = {p.get("id") for p in old.get("progress", [])}
    return [p for p in rows if p.get("id") not in seen], False


def _by_member_state(snapshot: dict) -> dict:
    """{(member, state): [days, usd]} and {member: name}, from by_member_state or else the rows."""
    contributions = snapshot.get("contributions", {})
    sums = defaultdict(lambda: [Decimal(0), Decimal(0)])
    names = {m["acronym"]: m.get("name", "") for m in contributions.get("members", [])}
    source = contributions.get("by_member_state")
    if source is None:
        source = contributions.get("rows", [])
    for row in source:
        bucket = sums[(row["member"], row.get("state") or "")]
        bucket[0] += Decimal(row.get("staff_days") or 0)
        bucket[1] += Decimal(row.get("amount_usd") or 0)
        if row.get("member_name"):
            names[row["member"]] = row["member_name"]
    return sums, names


def _state_order(*snapshots) -> list[str]:
    for s in snapshots:
        states = s.get("contributions", {}).get("states")
        if states:
            return [value for value, _ in states]
    return list(STATE_LABELS)


def _figure(before: Decimal, after: Decimal) -> dict:
    return {"before": str(before), "after": str(after), "change": str(after - before)}


def snapshot_compare(*, old: dict, new: dict) -> dict:
    """Status changes, milestones added or removed, progress accepted between the two dates with its
    narrative, and contributions per member and state with differences. `old` is the earlier report."""
    before, after = _milestones(old), _milestones(new)
    changed = [
        {"activity": key[0], "ref": key[1], "text": m.get("text", ""),
         "before": before[key].get("status_display", before[key].get("status")),
         "after": m.get("status_display", m.get("status")),
         "before_status": before[key].get("status"), "after_status": m.get("status"),
         "completed_on": m.get("completed_on")}
        for key, m in after.items() if key in before and before[key].get("status") != m.get("status")
    ]
    progress, by_acceptance = _progress(old, new)

    old_sums, old_names = _by_member_state(old)
    new_sums, new_names = _by_member_state(new)
    names = old_names | new_names
    order = _state_order(new, old)
    labels = STATE_LABELS | {v: label for s in (old, new) for v, label in s.get("contributions", {}).get("states", [])}
    rank = {state: i for i, state in enumerate(order)}
    keys = sorted(set(old_sums) | set(new_sums), key=lambda k: (k[0], rank.get(k[1], len(rank)), k[1]))
    contributions = []
    for member, state in keys:
        a, b = old_sums.get((member, state), [Decimal(0)] * 2), new_sums.get((member, state), [Decimal(0)] * 2)
        contributions.append({
            "member": member, "member_name": names.get(member, ""), "state": state,
            "state_display": labels.get(state, state), "staff_days": _figure(a[0], b[0]),
            "amount_usd": _figure(a[1], b[1]), "changed": a != b,
        })
    by_state = []
    for state in order:
        a = [sum((v[i] for (_, st), v in old_sums.items() if st == state), Decimal(0)) for i in (0, 1)]
        b = [sum((v[i] for (_, st), v in new_sums.items() if st == state), Decimal(0)) for i in (0, 1)]
        by_state.append({"state": state, "state_display": labels.get(state, state),
                         "staff_days": _figure(a[0], b[0]), "amount_usd": _figure(a[1], b[1])})
    totals = {}
    for field in ("staff_days", "amount_usd"):
        a = Decimal(old.get("contributions", {}).get("totals", {}).get(field) or 0)
        b = Decimal(new.get("contributions", {}).get("totals", {}).get(field) or 0)
        totals[field] = _figure(a, b)
    return {
        "changed": changed,
        "added": [{"activity": k[0], "ref": k[1], "text": m.get("text", "")} for k, m in after.items()
                  if k not in before],
        "removed": [{"activity": k[0], "ref": k[1], "text": m.get("text", "")} for k, m in before.items()
                    if k not in after],
        "new_progress": progress,
        "progress_by_acceptance": by_acceptance,
        "contributions": contributions,
        "contributions_changed": [row for row in contributions if row["changed"]],
        "by_state": by_state,
        "totals": totals,
        "versions": (old.get("version", 1), new.get("version", 1)),
    }
