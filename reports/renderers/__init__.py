"""Renderers: each turns one snapshot into the bytes of one file format. They never touch the database."""
import datetime
from decimal import Decimal


def renderer_for(fmt: str):
    """The render(snapshot) -> bytes function of a format (imported late: WeasyPrint is heavy)."""
    if fmt == "pdf":
        from .pdf import render
    elif fmt == "docx":
        from .docx import render
    elif fmt == "xlsx":
        from .xlsx import render
    else:
        raise ValueError(f"unknown format {fmt!r}")
    return render


def flat_milestones(snapshot):
    """Every milestone and sub-item in document order, with its accomplishment's activity row."""
    for ea in snapshot["accomplishments"]:
        for activity in ea["activities"]:
            for m in activity["milestones"]:
                yield activity, m
                for child in m["children"]:
                    yield activity, child


def fmt_date(value: str | None, pattern="%-d %B %Y") -> str:
    return datetime.date.fromisoformat(value).strftime(pattern) if value else ""


def fmt_days(value: str) -> str:
    d = Decimal(value)
    return f"{d:,.1f}" if d % 1 else f"{d:,.0f}"


def fmt_usd(value: str) -> str:
    return f"{Decimal(value):,.2f}"


def due_text(m: dict) -> str:
    parts = []
    if m.get("due_meeting"):
        parts.append(m["due_meeting"])
    if m.get("due_date"):
        parts.append(fmt_date(m["due_date"]))
    return ", ".join(parts) or "no date set"


def title_of(snapshot) -> str:
    meeting = snapshot["meeting"]
    if snapshot["kind"] == "unea":
        return ("Report of the Chair of the Environment Management Group on its accomplishments to the "
                f"{meeting['name']}")
    return f"Progress report on the implementation of the EMG work plan {snapshot['plan']['first_year']}–" \
           f"{snapshot['plan']['last_year']}"


def _counts(snapshot):
    counts = {}
    for _, m in flat_milestones(snapshot):
        counts[m["status"]] = counts.get(m["status"], 0) + 1
    return counts


def introduction(snapshot) -> list[str]:
    """The introduction's paragraphs, shared by every format so all three say the same."""
    meeting, plan, totals = snapshot["meeting"], snapshot["plan"], snapshot["contributions"]["totals"]
    as_of = fmt_date(snapshot["as_of"])
    where = f", held on {meeting['dates']}" + (f" in {meeting['place']}" if meeting["place"] else "")
    if snapshot["kind"] == "unea":
        return [
            f"The Chair of the Environment Management Group (EMG) submits this report to the {meeting['name']}"
            f"{where}, on the accomplishments of the EMG under its work plan {plan['first_year']}–"
            f"{plan['last_year']} ({plan['symbol']}), as of {as_of}.",
            f"It summarises, for each expected accomplishment, what the members of the EMG achieved together, "
            f"lists the {len(snapshot['completed'])} milestones completed and the key outputs, and names the "
            f"{len(snapshot['contributions']['members'])} members that contributed in kind.",
        ]
    n = sum(len(ea["activities"]) for ea in snapshot["accomplishments"])
    return [
        f"This report is submitted to the {meeting['name']}{where}. It reports progress on the implementation "
        f"of the EMG work plan {plan['first_year']}–{plan['last_year']} ({plan['symbol']}) as of {as_of}.",
        f"For each of the {len(snapshot['accomplishments'])} expected accomplishments and its {n} activities, it "
        f"gives the status of every milestone and the latest progress reported by the lead bodies and accepted by "
        f"the secretariat. It then sets out the in-kind contributions of members ({totals['count']} contributions: "
        f"{fmt_days(totals['staff_days'])} staff days and USD {fmt_usd(totals['amount_usd'])}), the "
        f"{len(snapshot['attention'])} milestones that are overdue or at risk, and the next steps.",
    ]


def next_steps(snapshot) -> list[str]:
    counts = _counts(snapshot)
    open_count = sum(counts.get(s, 0) for s in ("not_started", "on_track", "at_risk", "delayed"))
    nxt = snapshot["next_meeting"]
    toward = f"the {nxt['name']} ({nxt['dates']})" if nxt else "the next Senior Officials' Meeting"
    steps = [
        f"Lead bodies to continue work on the {open_count} open milestones and report progress to the secretariat "
        f"in time for {toward}.",
    ]
    if snapshot["attention"]:
        steps.append(
            f"Lead bodies of the {len(snapshot['attention'])} milestones overdue or at risk to propose revised dates "
            f"or remedial action to the secretariat."
        )
    steps.append("Members to confirm pledged contributions and report the contributions they have delivered.")
    steps.append(f"The secretariat to prepare the next progress report for {toward}.")
    return steps


def status_summary(activities_or_ea) -> str:
    counts = {}
    for activity in activities_or_ea["activities"]:
        for m in activity["milestones"]:
            for x in [m, *m["children"]]:
                counts[x["status_display"]] = counts.get(x["status_display"], 0) + 1
    total = sum(counts.values())
    if not total:
        return "No lettered milestones."
    parts = ", ".join(f"{n} {label.lower()}" for label, n in sorted(counts.items()))
    return f"{total} milestones: {parts}."


def ea_narrative(ea) -> list[tuple[str, str]]:
    """For the UNEA report: per activity, its title and its most recent accepted narrative."""
    out = []
    for activity in ea["activities"]:
        candidates = [activity["progress"]] if activity["progress"] else []
        for m in activity["milestones"]:
            candidates += [x["progress"] for x in [m, *m["children"]] if x["progress"]]
        if candidates:
            latest = max(candidates, key=lambda p: (p["period_end"], p["id"]))
            out.append((f"{activity['code']} {activity['title']}", latest["narrative"]))
    return out
