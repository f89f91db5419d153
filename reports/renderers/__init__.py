"""Renderers: each turns one snapshot into the bytes of one file format. They never touch the database.

The document's content is decided once, here, as a list of blocks (headings, numbered paragraphs,
narrative paragraphs and lists, tables, annex titles); the PDF, Word and Excel renderers lay out the
same blocks, so the three formats say the same thing. Snapshots of version 1 (stored before the
snapshot carried status tables, contribution states, every accepted update and the `document` block)
still render: what they lack is derived from what they hold.
"""
import datetime
import re
import unicodedata
from decimal import Decimal

from activities.status import OPEN_STATUSES
from emgplan.figures import fmt_days, fmt_usd

from ..vocabulary import ACTION_STATUSES, CONTRIBUTION_STATES, KIND_LINES, STATUSES

ORG = "Environment Management Group"
AUTHOR = "EMG secretariat"
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]


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


def due_text(m: dict) -> str:
    """"SOM20, 25 September 2014", "30 April 2014" or "no date set": attention rows carry `due` only."""
    parts = []
    if m.get("due_meeting"):
        parts.append(m["due_meeting"])
    if m.get("due_date"):
        parts.append(fmt_date(m["due_date"]))
    elif m.get("due"):  # the meeting's first day (attention rows carry only this)
        return f"{parts[0]} ({fmt_date(m['due'])})" if parts else fmt_date(m["due"])
    return ", ".join(parts) or "no date set"


def title_of(snapshot) -> str:
    meeting = snapshot["meeting"]
    if snapshot["kind"] == "unea":
        return ("Report of the Chair of the Environment Management Group on its accomplishments to the "
                f"{meeting['name']}")
    return f"Progress report on the implementation of the EMG work plan {snapshot['plan']['first_year']}–" \
           f"{snapshot['plan']['last_year']}"


# --- scripts -------------------------------------------------------------------------------------------

def is_rtl(text: str) -> bool:
    """True when the paragraph's first strong character is right-to-left (the rule of dir="auto")."""
    for ch in text:
        bidi = unicodedata.bidirectional(ch)
        if bidi in ("R", "AL"):
            return True
        if bidi == "L":
            return False
    return False


LIST_ITEM = re.compile(r"^\s*(?:[-*•])\s+")


def narrative_blocks(text: str) -> list[dict]:
    """A narrative as typed -> [{"t": "p", "text"} | {"t": "ul", "items": [...]}].

    Paragraphs are separated by blank lines; lines starting with "- ", "* " or "• " are list items;
    other line breaks inside a paragraph are soft (joined with a space), as a reader of the form expects.
    """
    blocks = []
    for chunk in re.split(r"\n\s*\n", (text or "").replace("\r\n", "\n").replace("\r", "\n")):
        lines = [line.strip() for line in chunk.split("\n") if line.strip()]
        para = []
        for line in lines:
            if LIST_ITEM.match(line):
                if para:
                    blocks.append(_p(" ".join(para)))
                    para = []
                item = LIST_ITEM.sub("", line, count=1)
                if blocks and blocks[-1]["t"] == "ul" and blocks[-1].get("open"):
                    blocks[-1]["items"].append(_p(item))
                else:
                    blocks.append({"t": "ul", "items": [_p(item)], "open": True})
            else:
                if blocks and blocks[-1]["t"] == "ul" and blocks[-1].get("open") and not para and line[:1].islower():
                    # A wrapped list item: its continuation line.
                    last = blocks[-1]["items"][-1]
                    blocks[-1]["items"][-1] = _p(f"{last['text']} {line}")
                    continue
                if blocks and blocks[-1]["t"] == "ul":
                    blocks[-1]["open"] = False
                para.append(line)
        if para:
            blocks.append(_p(" ".join(para)))
        if blocks and blocks[-1]["t"] == "ul":
            blocks[-1]["open"] = False
    for b in blocks:
        b.pop("open", None)
    return blocks


def _p(text, **extra):
    return {"t": "p", "text": text, "rtl": is_rtl(text), **extra}


# --- what the document says ----------------------------------------------------------------------------

def document_meta(s) -> dict:
    """The masthead: the `document` block when the snapshot has one, else the snapshot's own fields."""
    doc = s.get("document") or {}
    symbol = doc.get("symbol_display") or doc.get("symbol") or s.get("symbol") or ""
    meeting = s.get("meeting") or {}
    where = ", ".join(x for x in (meeting.get("dates"), meeting.get("place")) if x)
    return {
        "org": ORG,
        "symbol": symbol,
        "issued_on": doc.get("issued_on") or s.get("issued_on"),
        "distribution": doc.get("distribution") or s.get("distribution") or "General",
        "original_language": doc.get("original_language") or "English",
        "meeting_name": meeting.get("name", ""),
        "meeting_where": where,
        "agenda_item": doc.get("agenda_item") or "",
        "kind_line": doc.get("kind_line") or KIND_LINES.get(s["kind"], ""),
        "title": title_of(s),
        "as_of": s["as_of"],
        "suggested_actions": [a for a in (doc.get("suggested_actions") or []) if str(a).strip()],
    }


def statuses(s):
    return [tuple(x) for x in s.get("statuses") or STATUSES]


def status_table(s) -> tuple[list[dict], dict]:
    """Milestones and sub-items by status per expected accomplishment, and the totals, as of the date."""
    if s.get("status_table") is not None:
        rows = s["status_table"]
        totals = s.get("status_totals") or _sum_counts(rows, s)
        return rows, totals
    rows = []
    for ea in s["accomplishments"]:
        counts = {code: 0 for code, _ in statuses(s)}
        for activity in ea["activities"]:
            for m in activity["milestones"]:
                for x in [m, *m["children"]]:
                    counts[x["status"]] = counts.get(x["status"], 0) + 1
        rows.append({"code": ea["code"], "category": ea["category"], "counts": counts, "total": sum(counts.values())})
    return rows, _sum_counts(rows, s)


def _sum_counts(rows, s):
    totals = {code: sum(r["counts"].get(code, 0) for r in rows) for code, _ in statuses(s)}
    totals["total"] = sum(r["total"] for r in rows)
    return totals


def contribution_states(s):
    return [tuple(x) for x in s["contributions"].get("states") or CONTRIBUTION_STATES]


def by_state(s) -> list[dict]:
    """Staff days, USD and count per state (all four, zeros kept), from the snapshot or its rows."""
    c = s["contributions"]
    if c.get("by_state") is not None:
        return c["by_state"]
    out = []
    for code, label in contribution_states(s):
        rows = [r for r in c["rows"] if r.get("state") == code]
        out.append({"state": code, "state_display": label, "count": len(rows),
                    "staff_days": str(sum((Decimal(r["staff_days"]) for r in rows), Decimal(0))),
                    "amount_usd": str(sum((Decimal(r["amount_usd"]) for r in rows), Decimal(0)))})
    return out


def by_member_state(s) -> list[dict]:
    c = s["contributions"]
    if c.get("by_member_state") is not None:
        return c["by_member_state"]
    names = {m["acronym"]: m["name"] for m in c.get("members", [])}
    labels = dict(contribution_states(s))
    order = {code: i for i, (code, _) in enumerate(contribution_states(s))}
    sums = {}
    for r in c["rows"]:
        key = (r["member"], r.get("state", ""))
        days, usd = sums.get(key, (Decimal(0), Decimal(0)))
        sums[key] = (days + Decimal(r["staff_days"]), usd + Decimal(r["amount_usd"]))
    return [{"member": m, "member_name": names.get(m, m), "state": st, "state_display": labels.get(st, st),
             "staff_days": str(v[0]), "amount_usd": str(v[1])}
            for (m, st), v in sorted(sums.items(), key=lambda kv: (kv[0][0], order.get(kv[0][1], 99)))]


def delivered(s) -> dict:
    c = s["contributions"]
    if c.get("delivered"):
        return c["delivered"]
    row = next((r for r in by_state(s) if r["state"] == "reported"), None)
    return {"staff_days": row["staff_days"] if row else "0", "amount_usd": row["amount_usd"] if row else "0"}


def updates_of(row) -> list[dict]:
    """Every accepted update of a milestone or activity row, oldest first (version 1: the latest only)."""
    if row.get("updates") is not None:
        return row["updates"]
    return [row["progress"]] if row.get("progress") else []


def _plural(n, one, many=None):
    return f"{n} {one if n == 1 else (many or one + 's')}"


def summary(s) -> str:
    """One paragraph from the figures: milestones by status, completed, attention, contributions."""
    as_of = fmt_date(s["as_of"])
    _, totals = status_table(s)
    parts = [f"{totals.get(code, 0)} {label.lower()}" for code, label in statuses(s) if totals.get(code, 0)]
    overdue = sum(1 for m in s["attention"] if m.get("overdue"))
    at_risk = sum(1 for m in s["attention"] if m.get("status") == "at_risk")
    delayed = sum(1 for m in s["attention"] if m.get("status") == "delayed")
    d = delivered(s)
    promised = [r for r in by_state(s) if r["state"] != "reported"]
    p_days = sum((Decimal(r["staff_days"]) for r in promised), Decimal(0))
    p_usd = sum((Decimal(r["amount_usd"]) for r in promised), Decimal(0))
    text = (f"As of {as_of}, the work plan counts {_plural(totals.get('total', 0), 'milestone')} and sub-items"
            f"{': ' + ', '.join(parts) if parts else ''}. "
            f"{_plural(totals.get('completed', 0), 'milestone has', 'milestones have')} been completed; "
            f"{at_risk} {'is' if at_risk == 1 else 'are'} at risk, {delayed} delayed and {overdue} overdue. "
            f"Members have delivered (reported) {fmt_days(d['staff_days'])} staff days and USD "
            f"{fmt_usd(d['amount_usd'])} in kind; a further {fmt_days(str(p_days))} staff days and USD "
            f"{fmt_usd(str(p_usd))} are pledged, budgeted or programmed and not yet delivered.")
    return text


def introduction(snapshot) -> list[str]:
    """The introduction's paragraphs, shared by every format so all three say the same."""
    meeting, plan = snapshot["meeting"], snapshot["plan"]
    as_of = fmt_date(snapshot["as_of"])
    where = f", held on {meeting['dates']}" + (f" in {meeting['place']}" if meeting["place"] else "")
    n = sum(len(ea["activities"]) for ea in snapshot["accomplishments"])
    if snapshot["kind"] == "unea":
        return [
            f"The Chair of the Environment Management Group (EMG) submits this report to the {meeting['name']}"
            f"{where}, on the accomplishments of the EMG under its work plan {plan['first_year']}–"
            f"{plan['last_year']} ({plan['symbol']}), as of {as_of}.",
            f"For each expected accomplishment and its {n} activities, it recalls what the work plan asks, gives the "
            f"status of every milestone and all the progress reported by the lead bodies and accepted by the "
            f"secretariat up to {as_of}, lists the {len(snapshot['completed'])} milestones completed and the key "
            f"outputs, and sets out the in-kind contributions of the "
            f"{len(snapshot['contributions']['members'])} contributing members by state.",
        ]
    return [
        f"This note is submitted to the {meeting['name']}{where}. It reports progress on the implementation "
        f"of the EMG work plan {plan['first_year']}–{plan['last_year']} ({plan['symbol']}) as of {as_of}.",
        f"For each of the {len(snapshot['accomplishments'])} expected accomplishments and its {n} activities, it "
        f"recalls what the work plan asks, gives the status of every milestone as of {as_of} and the progress "
        f"reported by the lead bodies and accepted by the secretariat. It then sets out the in-kind contributions "
        f"of members by state (pledged, budgeted, programmed and delivered), the "
        f"{len(snapshot['attention'])} milestones that are overdue or at risk, and the next steps. Annex I lists "
        f"every milestone as of that date; annex II the contributions by member and state.",
    ]


def next_steps(snapshot) -> list[str]:
    open_count = sum(1 for _, m in flat_milestones(snapshot)
                     if m["status"] in OPEN_STATUSES)
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


def milestone_line(m: dict) -> str:
    """The milestone as one sentence with its due date and its status in words."""
    status = m["status_display"]
    if m.get("completed_on"):
        status += f" on {fmt_date(m['completed_on'])}"
    text = m["text"].rstrip().rstrip(",;.")
    return f"{m['ref']} {text}. Due: {due_text(m)}. Status: {status}."


def update_head(u: dict) -> str:
    period = f"{fmt_date(u['period_start'])} to {fmt_date(u['period_end'])}"
    accepted = u.get("accepted_on") or u.get("reviewed_on")
    bits = [f"reported status: {u['reported_status_display']}"] if u.get("reported_status_display") else []
    if accepted:
        bits.append(f"accepted on {fmt_date(accepted)}")
    if u.get("author"):
        bits.append(f"reported by {u['author']}")
    return f"Progress for {period}" + (f" ({'; '.join(bits)})" if bits else "") + ":"


class _Builder:
    """Collects blocks and numbers the body's paragraphs continuously, as UN documents do."""

    def __init__(self):
        self.blocks, self.n = [], 0

    def heading(self, level, text, anchor=None):
        self.blocks.append({"t": "h", "level": level, "text": text, "id": anchor, "rtl": is_rtl(text)})

    def para(self, text, numbered=True, cls="", indent=0):
        if numbered:
            self.n += 1
        self.blocks.append(_p(text, num=self.n if numbered else None, cls=cls, indent=indent))

    def narrative(self, u, indent):
        self.para(update_head(u), numbered=False, cls="progress-head", indent=indent)
        for b in narrative_blocks(u["narrative"]):
            self.blocks.append(b | {"cls": "narrative", "indent": indent, "num": None})

    def table(self, header, rows, widths, numeric=(), total=None, cls=""):
        self.blocks.append({"t": "table", "header": list(header), "rows": [list(r) for r in rows],
                            "widths": list(widths), "numeric": list(numeric), "total": list(total) if total else None,
                            "cls": cls})


def outline(s) -> list[dict]:
    """The document's body after the masthead, as blocks every renderer lays out the same way."""
    meta = document_meta(s)
    as_of = fmt_date(s["as_of"])
    b = _Builder()
    unea = s["kind"] == "unea"

    b.heading(1, "Summary", "summary")
    b.para(summary(s), numbered=False, cls="summary")
    rows, totals = status_table(s)
    codes = statuses(s)
    b.table(["Expected accomplishment", *[label for _, label in codes], "Total"],
            [[f"{r['code']}. {r['category']}", *[r["counts"].get(c, 0) for c, _ in codes], r["total"]] for r in rows],
            [22, *[11.5] * len(codes), 9], numeric=range(1, len(codes) + 2),
            total=["Total", *[totals.get(c, 0) for c, _ in codes], totals.get("total", 0)], cls="status")

    sections = ["Introduction", "Accomplishments" if unea else "Progress by expected accomplishment"]
    sections += ["Completed milestones", "Key outputs", "In-kind contributions"] if unea else [
        "In-kind contributions", "Milestones overdue or at risk", "Next steps"]
    followup = s.get("followup")
    followup_title = f"Follow-up to the actions of {followup['meeting']}" if followup else None
    if followup:
        sections.insert(sections.index("Next steps"), followup_title)
    if unea:
        sections.append("Decisions of the EMG in the period")
    if meta["suggested_actions"]:
        sections.append("Suggested action by the senior officials")
    number = {name: f"{ROMAN[i]}. {name}" for i, name in enumerate(sections)}

    b.heading(1, number["Introduction"], "intro")
    for text in introduction(s):
        b.para(text)

    b.heading(1, number[sections[1]], "progress")
    for ea in s["accomplishments"]:
        b.heading(2, f"{ea['code']}. {ea['category']}", f"ea-{ea['code']}")
        b.para(f"Expected accomplishment: {ea['statement']}", cls="statement")
        for a in ea["activities"]:
            b.heading(3, f"{a['code']} {a['title']}", f"activity-{a['code']}")
            b.para(f"Lead: {a['lead_body'] or 'not named'}", numbered=False, cls="lead")
            if (a.get("description") or "").strip():
                b.para(" ".join(a["description"].split()))
            else:
                b.para("The work plan sets this activity out through its milestones below.")
            for u in updates_of(a):
                b.narrative(u, indent=1)
            for m in a["milestones"]:
                b.para(milestone_line(m), cls="milestone")
                for u in updates_of(m):
                    b.narrative(u, indent=1)
                for child in m["children"]:
                    b.para(milestone_line(child), cls="milestone sub", indent=1)
                    for u in updates_of(child):
                        b.narrative(u, indent=2)

    if unea:
        b.heading(1, number["Completed milestones"], "completed")
        if s["completed"]:
            b.para(f"{_plural(len(s['completed']), 'milestone was', 'milestones were')} completed by {as_of}:")
            b.table(["Milestone", "Text", "Completed"],
                    [[f"{m['activity']}{m['ref']}", m["text"], fmt_date(m["completed_on"])] for m in s["completed"]],
                    [14, 66, 20])
        else:
            b.para(f"No milestone was completed as of {as_of}.")
        b.heading(1, number["Key outputs"], "outputs")
        outputs = [(a, a["outputs"]) for ea in s["accomplishments"] for a in ea["activities"] if a.get("outputs")]
        if outputs:
            for a, links in outputs:
                b.para(f"{a['code']} {a['title']}:")
                b.blocks.append({"t": "ul", "items": [_p(link) for link in links], "indent": 1, "cls": ""})
        else:
            b.para("No outputs were recorded with the accepted progress.")

    _contributions(b, s, number["In-kind contributions"])

    if not unea:
        b.heading(1, number["Milestones overdue or at risk"], "attention")
        if s["attention"]:
            b.para(f"As of {as_of}, {_plural(len(s['attention']), 'milestone is', 'milestones are')} overdue or at "
                   f"risk:")
            b.table(["Milestone", "Text", "Due", "Status"],
                    [[f"{m['activity']}{m['ref']}", m["text"], due_text(m),
                      m["status_display"] + (" (overdue)" if m.get("overdue") else "")] for m in s["attention"]],
                    [13, 53, 18, 16])
        else:
            b.para(f"No milestone is overdue or at risk as of {as_of}.")
        if followup:
            _followup(b, s, followup, number[followup_title])
        b.heading(1, number["Next steps"], "next")
        for text in next_steps(s):
            b.para(text)

    if unea:
        b.heading(1, number["Decisions of the EMG in the period"], "decisions")
        rows = s.get("emg_decisions") or []
        if rows:
            n_actions = sum(1 for r in rows if r.get("kind") == "action")
            took = [part for n, part in ((len(rows) - n_actions, f"took {_plural(len(rows) - n_actions, 'decision')}"),
                                         (n_actions, f"approved {_plural(n_actions, 'action')}")) if n]
            b.para(f"In the period, the senior officials of the EMG {' and '.join(took)}, as recorded on {as_of}:")
            b.table(["Reference", "Text", "Lead", "Status"],
                    [[r["reference"], r["text"], r.get("lead_body") or "—", r.get("status_display") or "—"]
                     for r in rows], [18, 52, 16, 14])
        else:
            b.para(f"No decision of the EMG's senior officials was recorded for the period by {as_of}.")

    if meta["suggested_actions"]:
        b.heading(1, number["Suggested action by the senior officials"], "action")
        for text in meta["suggested_actions"]:
            b.para(" ".join(str(text).split()))

    b.blocks.append({"t": "annex", "text": f"Annex I — Milestones as of {as_of}", "id": "annex-1"})
    b.table(["Milestone", "Text", "Due", "Status", "Completed"],
            [[f"{a['code']}{m['ref']}", m["text"], due_text(m), m["status_display"], fmt_date(m.get("completed_on"))]
             for a, m in flat_milestones(s)],
            [12, 44, 17, 13, 14], cls="annex")
    b.blocks.append({"t": "annex", "text": "Annex II — In-kind contributions by member and state", "id": "annex-2"})
    ms = by_member_state(s)
    if ms:
        b.table(["Member", "State", "Staff days", "USD"],
                [[f"{r['member_name']} ({r['member']})", r["state_display"], fmt_days(r["staff_days"]),
                  fmt_usd(r["amount_usd"])] for r in ms],
                [52, 20, 12, 16], numeric=(2, 3), cls="annex")
    else:
        b.para(f"No contribution was recorded by {as_of}.", numbered=False)
    return b.blocks


def _followup(b, s, followup, heading):
    """Each action of the previous SOM: its lead, its status as of the report's date and the progress accepted."""
    as_of = fmt_date(s["as_of"])
    rows = followup["rows"]
    counts = ", ".join(f"{n} {label.lower()}" for code, label in ACTION_STATUSES if (n := followup["counts"].get(code)))
    b.heading(1, heading, "followup")
    b.para(f"The senior officials at {followup['meeting']} approved {_plural(len(rows), 'action')}. As of {as_of}: "
           f"{counts}.")
    b.table(["Action", "Text", "Lead", "Status"],
            [[r["reference"], r["text"], r.get("lead_body") or "—", r["status_display"]] for r in rows],
            [16, 54, 16, 14], cls="followup")
    for r in rows:
        for u in r["progress"]:
            b.para(f"{r['reference']}: progress reported by {u['author']} and accepted on "
                   f"{fmt_date(u['accepted_on'])} ({u['reported_status_display'].lower()}):", numbered=False,
                   cls="progress-head", indent=1)
            for block in narrative_blocks(u["narrative"]):
                b.blocks.append(block | {"cls": "narrative", "indent": 1, "num": None})


def _contributions(b, s, heading):
    c = s["contributions"]
    as_of = fmt_date(s["as_of"])
    b.heading(1, heading, "contributions")
    d = delivered(s)
    states = by_state(s)
    if not c["rows"]:
        b.para(f"No in-kind contribution was recorded by {as_of}.")
        return
    members = "; ".join(f"{m['name']} ({m['acronym']})" for m in c.get("members", []))
    b.para(f"As of {as_of}, {_plural(len(c.get('members', [])), 'member')} recorded "
           f"{_plural(c['totals']['count'], 'contribution')} in kind: {members}.")
    b.para(f"Of these, the contributions reported as delivered amount to {fmt_days(d['staff_days'])} staff days "
           f"and USD {fmt_usd(d['amount_usd'])}. Pledged, budgeted and programmed support is shown separately "
           f"below and is not counted as delivered; annex II gives the figures by member and state.")
    b.table(["State", "Contributions", "Staff days", "USD"],
            [[r["state_display"], r["count"], fmt_days(r["staff_days"]), fmt_usd(r["amount_usd"])] for r in states],
            [40, 18, 18, 24], numeric=(1, 2, 3),
            total=["All states (not all delivered)", c["totals"]["count"], fmt_days(c["totals"]["staff_days"]),
                   fmt_usd(c["totals"]["amount_usd"])])


def toc_entries(blocks) -> list[tuple[int, str, str]]:
    """(level, text, anchor) of the headings a table of contents lists: sections, accomplishments, annexes."""
    out = []
    for b in blocks:
        if b["t"] == "h" and b["level"] <= 2:
            out.append((b["level"], b["text"], b["id"]))
        elif b["t"] == "annex":
            out.append((1, b["text"], b["id"]))
    return out
