"""Excel annexes: a cover sheet, then milestones, accepted progress and contributions by state.

Every sheet names the document (symbol, meeting, as-of date) in its first row and in its printed header,
prints landscape at the page's width with its header rows repeated, and freezes and filters its header.
Figures are written as numbers (not formulas) so any reader sees the same totals as the PDF and the Word
file; a missing figure is an empty cell, never 0; text is always text (emgplan.spreadsheets).
"""
import datetime
import io
import math
from decimal import Decimal

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from emgplan.spreadsheets import xlsx_append

from . import (
    AUTHOR,
    by_member_state,
    by_state,
    delivered,
    document_meta,
    flat_milestones,
    fmt_date,
    status_table,
    statuses,
)

HEADER_FILL = PatternFill("solid", fgColor="DDDDDD")
BOLD = Font(bold=True)
TOP = Alignment(vertical="top")
WRAP = Alignment(wrap_text=True, vertical="top")
DATE, DAYS, USD, COUNT = "yyyy-mm-dd", "#,##0.0", "#,##0.00", "0"


def _date(value):
    return datetime.date.fromisoformat(value) if value else None


def _figure(value):
    """A row's figure: empty when missing or zero (a contribution of time has no amount, and vice versa)."""
    if value in (None, ""):
        return None
    d = Decimal(value)
    return float(d) if d else None


def _total(value):
    return float(Decimal(value or 0))


def _lines(text, width) -> int:
    """How many lines a wrapped cell takes: a column of width w holds about w characters of 10-point text."""
    per_line = max(int(width * 1.05), 1)
    return sum(max(1, math.ceil(len(part) / per_line)) for part in str(text).split("\n"))


def _heights(ws, widths, first, last):
    """Set each row's height to fit its wrapped text: neither Excel nor LibreOffice fits rows of a generated
    file on opening, and a row of default height shows one line of a long narrative over the next row."""
    for r in range(first, last + 1):
        lines = max((_lines(cell.value, widths[i]) for i, cell in enumerate(ws[r][:len(widths)])
                     if isinstance(cell.value, str)), default=1)
        if lines > 1:
            ws.row_dimensions[r].height = 13 * lines + 2


def _print_setup(ws, meta, title_rows):
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.7
    if title_rows:
        ws.print_title_rows = title_rows
    ws.oddHeader.left.text = f"Environment Management Group — {meta['symbol']}"
    ws.oddHeader.right.text = f"{meta['meeting_name']}; as of {fmt_date(meta['as_of'])}"
    ws.oddHeader.left.size = ws.oddHeader.right.size = 8
    ws.oddFooter.left.text = "&A"
    ws.oddFooter.right.text = "Page &P of &N"
    ws.oddFooter.left.size = ws.oddFooter.right.size = 8


def _sheet(wb, meta, title, columns, rows, totals=()):
    """columns: (header, width, number_format or None). Row 1 names the document, row 2 is the header."""
    ws = wb.create_sheet(title)
    xlsx_append(ws, [f"{meta['symbol']} — {title} — {meta['meeting_name']} — as of {fmt_date(meta['as_of'])}"])
    ws["A1"].font = BOLD
    xlsx_append(ws, [c[0] for c in columns])
    for cell in ws[2]:
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.alignment = WRAP
    for row in rows:
        xlsx_append(ws, row)
    last = ws.max_row
    for i, (_, width, number_format) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
        for (cell,) in ws.iter_rows(min_row=3, max_row=last, min_col=i, max_col=i):
            cell.alignment = TOP if number_format else WRAP
            if number_format:
                cell.number_format = number_format
    _heights(ws, [c[1] for c in columns], 2, ws.max_row)
    ws.freeze_panes = "A3"
    ws.auto_filter.ref = f"A2:{get_column_letter(len(columns))}{max(last, 3)}"
    if totals:
        # Below the filtered range, so filtering never hides or double-counts them.
        xlsx_append(ws, [])
        for total in totals:
            xlsx_append(ws, total)
            for i, (cell, (_, _, number_format)) in enumerate(zip(ws[ws.max_row], columns, strict=False)):
                cell.font = BOLD
                # The label runs on into the empty cells to its right rather than wrapping in a narrow column.
                cell.alignment = TOP if number_format or i == 0 else WRAP
                if number_format and i:
                    cell.number_format = number_format
    _print_setup(ws, meta, "1:2")
    return ws


def _cover(wb, meta, snapshot, sheets):
    ws = wb.create_sheet("Cover")
    xlsx_append(ws, [meta["org"]])
    ws["A1"].font = Font(bold=True, size=14)
    xlsx_append(ws, [])
    fields = [
        ("Symbol", meta["symbol"]), ("Document", meta["kind_line"]), ("Title", meta["title"]),
        ("Meeting", meta["meeting_name"]), ("Dates and place", meta["meeting_where"]),
        ("Agenda item", meta["agenda_item"]), ("Status of data", f"as of {fmt_date(meta['as_of'])}"),
        ("As-of date", _date(meta["as_of"])), ("Date of issue", _date(meta["issued_on"])),
        ("Distribution", meta["distribution"]), ("Original", meta["original_language"]),
        ("Work plan", f"{snapshot['plan']['title']} ({snapshot['plan']['symbol']})"),
    ]
    for label, value in fields:
        xlsx_append(ws, [label, value])
        ws.cell(row=ws.max_row, column=1).font = BOLD
        cell = ws.cell(row=ws.max_row, column=2)
        cell.alignment = WRAP
        if isinstance(value, datetime.date):
            cell.number_format = "d mmmm yyyy"
            cell.alignment = Alignment(horizontal="left", vertical="top")
    xlsx_append(ws, [])
    xlsx_append(ws, ["Sheets"])
    ws.cell(row=ws.max_row, column=1).font = BOLD
    for name, what in sheets:
        xlsx_append(ws, [name, what])
        ws.cell(row=ws.max_row, column=2).alignment = WRAP
    xlsx_append(ws, [])
    xlsx_append(ws, ["Note", "Contributions are shown by state. Only the state “Reported (delivered)” is "
                             "delivered; pledged, budgeted and programmed support is not. An empty cell means no "
                             "figure was recorded."])
    ws.cell(row=ws.max_row, column=1).font = BOLD
    ws.cell(row=ws.max_row, column=2).alignment = WRAP
    ws.column_dimensions["A"].width = 26
    _heights(ws, [26, 100], 1, ws.max_row)
    ws.column_dimensions["B"].width = 100
    _print_setup(ws, meta, None)


def render(snapshot) -> bytes:
    meta = document_meta(snapshot)
    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.title = f"{meta['symbol']}: {meta['title']}"
    wb.properties.subject = meta["kind_line"]
    wb.properties.creator = AUTHOR
    wb.properties.lastModifiedBy = AUTHOR
    now = timezone.now().replace(microsecond=0).astimezone(datetime.UTC).replace(tzinfo=None)
    wb.properties.created = wb.properties.modified = now

    sheets = [
        ("Milestones", f"Annex I: every milestone and sub-item with its status as of {fmt_date(meta['as_of'])}"),
        ("Activities", "Each activity with its lead body and what the work plan asks of it"),
        ("Accepted progress", "Every progress update accepted by the secretariat by the as-of date"),
        ("Contributions", "Every in-kind contribution recorded by the as-of date, with its state"),
        ("By member and state", "Annex II: in-kind contributions by member and state"),
        ("By state", "Contributions by state; only “Reported (delivered)” is delivered"),
        ("Status by accomplishment", "Milestones by status per expected accomplishment"),
    ]
    followup = snapshot.get("followup")
    if followup:
        sheets.append(("Follow-up", f"The actions of {followup['meeting']}: lead, status as of "
                                    f"{fmt_date(meta['as_of'])} and the progress accepted by then"))
    if snapshot.get("emg_decisions"):
        sheets.append(("EMG decisions", "The decisions and actions of the EMG's senior officials in the period"))
    _cover(wb, meta, snapshot, sheets)

    _sheet(wb, meta, "Milestones", [
        ("Activity", 9, None), ("Milestone", 10, None), ("Text", 70, None), ("Due meeting", 13, None),
        ("Due", 12, DATE), ("Status", 12, None), ("Completed on", 13, DATE),
        ("Latest accepted progress (period to)", 16, DATE),
    ], [
        (a["code"], m["ref"], m["text"], m["due_meeting"], _date(m.get("due_date") or m.get("due")),
         m["status_display"], _date(m["completed_on"]),
         _date(m["progress"]["period_end"]) if m.get("progress") else None)
        for a, m in flat_milestones(snapshot)
    ])
    _sheet(wb, meta, "Activities", [
        ("Activity", 9, None), ("Title", 40, None), ("Lead body", 28, None), ("What the work plan asks", 90, None),
    ], [
        (a["code"], a["title"], a["lead_body"], " ".join((a.get("description") or "").split()))
        for ea in snapshot["accomplishments"] for a in ea["activities"]
    ])
    _sheet(wb, meta, "Accepted progress", [
        ("Activity", 9, None), ("Milestone", 10, None), ("Period from", 12, DATE), ("Period to", 12, DATE),
        ("Reported status", 13, None), ("Narrative", 90, None), ("Accepted on", 12, DATE), ("Reported by", 18, None),
    ], [
        (p["activity"], p["milestone"] or "(activity)", _date(p["period_start"]), _date(p["period_end"]),
         p["reported_status_display"], p["narrative"], _date(p.get("accepted_on") or p.get("reviewed_on")),
         p.get("author"))
        for p in snapshot["progress"]
    ])
    c = snapshot["contributions"]
    d = delivered(snapshot)
    _sheet(wb, meta, "Contributions", [
        ("Member", 12, None), ("Activity", 9, None), ("Kind", 14, None), ("Year", 7, COUNT), ("State", 20, None),
        ("Staff days", 11, DAYS), ("USD", 14, USD), ("Recorded on", 12, DATE), ("Note", 40, None),
    ], [
        (r["member"], r["activity"], r["kind_display"], r["year"], r["state_display"], _figure(r["staff_days"]),
         _figure(r["amount_usd"]), _date(r.get("recorded_on")), r.get("note"))
        for r in c["rows"]
    ], totals=[
        ("Delivered (reported)", None, None, None, None, _total(d["staff_days"]), _total(d["amount_usd"])),
        ("All states (not all delivered)", None, None, None, None, _total(c["totals"]["staff_days"]),
         _total(c["totals"]["amount_usd"])),
    ])
    _sheet(wb, meta, "By member and state", [
        ("Member", 12, None), ("Member name", 45, None), ("State", 20, None), ("Staff days", 11, DAYS),
        ("USD", 14, USD),
    ], [
        (r["member"], r["member_name"], r["state_display"], _figure(r["staff_days"]), _figure(r["amount_usd"]))
        for r in by_member_state(snapshot)
    ])
    _sheet(wb, meta, "By state", [
        ("State", 28, None), ("Contributions", 14, COUNT), ("Staff days", 12, DAYS), ("USD", 16, USD),
    ], [
        (r["state_display"], r["count"], _total(r["staff_days"]), _total(r["amount_usd"])) for r in by_state(snapshot)
    ], totals=[
        ("All states (not all delivered)", c["totals"]["count"], _total(c["totals"]["staff_days"]),
         _total(c["totals"]["amount_usd"])),
    ])
    rows, totals = status_table(snapshot)
    codes = statuses(snapshot)
    _sheet(wb, meta, "Status by accomplishment", [
        ("Code", 7, None), ("Expected accomplishment", 30, None), *[(label, 11, COUNT) for _, label in codes],
        ("Total", 9, COUNT),
    ], [
        (r["code"], r["category"], *[r["counts"].get(code, 0) for code, _ in codes], r["total"]) for r in rows
    ], totals=[("Total", None, *[totals.get(code, 0) for code, _ in codes], totals.get("total", 0))])
    if followup:
        _sheet(wb, meta, "Follow-up", [
            ("Action", 16, None), ("Text", 60, None), ("Lead", 24, None), ("Due", 10, None),
            (f"Status as of {fmt_date(meta['as_of'])}", 14, None), ("Accepted progress", 70, None),
        ], [
            (r["reference"], r["text"], r.get("lead_body"), r.get("due_meeting"), r["status_display"],
             "\n\n".join(f"{u['accepted_on']} ({u['author']}): {u['narrative']}" for u in r["progress"]) or None)
            for r in followup["rows"]
        ])
    if snapshot.get("emg_decisions"):
        _sheet(wb, meta, "EMG decisions", [
            ("Reference", 20, None), ("Meeting", 10, None), ("Text", 70, None), ("Lead", 24, None),
            ("Status", 12, None),
        ], [(r["reference"], r.get("meeting"), r["text"], r.get("lead_body"), r.get("status_display") or None)
            for r in snapshot["emg_decisions"]])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
