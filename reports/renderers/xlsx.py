"""Excel annexes: milestones, accepted progress and contributions; frozen header rows, filters, set widths.

Figures are written as numbers (not formulas) so any reader, including ones that do not compute
formulas, sees the same totals as the PDF and the Word file.
"""
import datetime
import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from . import flat_milestones, title_of

HEADER_FILL = PatternFill("solid", fgColor="DDDDDD")
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")


def _date(value):
    return datetime.date.fromisoformat(value) if value else None


def _sheet(wb, title, columns, rows, total=None):
    """columns: (header, width, number_format or None)."""
    ws = wb.create_sheet(title)
    ws.append([c[0] for c in columns])
    for cell in ws[1]:
        cell.font = BOLD
        cell.fill = HEADER_FILL
    for row in rows:
        ws.append(row)
    last = ws.max_row
    for i, (_, width, number_format) in enumerate(columns, start=1):
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = width
        if number_format:
            for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                cell.number_format = number_format
        if width >= 40:
            for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                cell.alignment = WRAP
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(last, 2)}"
    if total:
        # Below the filtered range, so filtering never hides or double-counts it.
        ws.append([])
        ws.append(total)
        for cell in ws[ws.max_row]:
            cell.font = BOLD
        for i, (_, _, number_format) in enumerate(columns, start=1):
            if number_format:
                ws.cell(row=ws.max_row, column=i).number_format = number_format
    return ws


def render(snapshot) -> bytes:
    wb = Workbook(write_only=False)
    wb.remove(wb.active)
    wb.properties.title = f"{snapshot['symbol']}: {title_of(snapshot)}"
    wb.properties.creator = "Environment Management Group"
    date_fmt, days_fmt, usd_fmt = "yyyy-mm-dd", "#,##0.0", "#,##0.00"

    _sheet(wb, "Milestones", [
        ("Activity", 10, None), ("Milestone", 10, None), ("Text", 60, None), ("Due meeting", 14, None),
        ("Due date", 12, date_fmt), ("Status", 12, None), ("Completed on", 13, date_fmt),
        ("Latest accepted progress (period to)", 16, date_fmt),
    ], [
        (a["code"], m["ref"], m["text"], m["due_meeting"] or "", _date(m["due_date"]), m["status_display"],
         _date(m["completed_on"]), _date(m["progress"]["period_end"]) if m["progress"] else None)
        for a, m in flat_milestones(snapshot)
    ])
    _sheet(wb, "Accepted progress", [
        ("Activity", 10, None), ("Milestone", 10, None), ("Period from", 12, date_fmt), ("Period to", 12, date_fmt),
        ("Reported status", 14, None), ("Narrative", 90, None), ("Reviewed on", 12, date_fmt),
    ], [
        (p["activity"], p["milestone"] or "(activity)", _date(p["period_start"]), _date(p["period_end"]),
         p["reported_status_display"], p["narrative"], _date(p["reviewed_on"]))
        for p in snapshot["progress"]
    ])
    c = snapshot["contributions"]
    totals = c["totals"]
    _sheet(wb, "Contributions", [
        ("Member", 12, None), ("Activity", 10, None), ("Kind", 14, None), ("Year", 8, None), ("State", 12, None),
        ("Staff days", 12, days_fmt), ("USD", 16, usd_fmt),
    ], [
        (r["member"], r["activity"], r["kind_display"], r["year"], r["state_display"], float(Decimal(r["staff_days"])),
         float(Decimal(r["amount_usd"])))
        for r in c["rows"]
    ], total=("Total", "", "", "", "", float(Decimal(totals["staff_days"])), float(Decimal(totals["amount_usd"]))))
    _sheet(wb, "By member and kind", [
        ("Member", 12, None), ("Kind", 14, None), ("Staff days", 12, days_fmt), ("USD", 16, usd_fmt),
    ], [
        (r["member"], r["kind_display"], float(Decimal(r["staff_days"])), float(Decimal(r["amount_usd"])))
        for r in c["by_member_kind"]
    ], total=("Total", "", float(Decimal(totals["staff_days"])), float(Decimal(totals["amount_usd"]))))
    _sheet(wb, "By activity", [("Activity", 10, None), ("Staff days", 12, days_fmt), ("USD", 16, usd_fmt)], [
        (r["activity"], float(Decimal(r["staff_days"])), float(Decimal(r["amount_usd"]))) for r in c["by_activity"]
    ], total=("Total", float(Decimal(totals["staff_days"])), float(Decimal(totals["amount_usd"]))))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
