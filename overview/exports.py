"""CSV and Excel renderings of the two lists: the columns on screen, plus the ids."""
import csv
import datetime
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import F
from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font

from activities.models import Milestone, milestone_name
from emgplan.spreadsheets import csv_safe, xlsx_append

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable
    width: int = 14


def _activity(obj):
    a = obj.activity
    return f"{a.accomplishment.code}.{a.number} {a.title}"


def _milestone_ref(m) -> str:
    """Milestone's str, A.1(c) or A.1(c)(ii), from a row of MILESTONE_VALUES."""
    return milestone_name(m["ea_code"], m["activity_number"], m["label"], m["parent_label"] if m["parent_id"] else None)


# What the milestone export reads of each row, as plain values (no model instances: a file of the whole plan reads
# every milestone), from milestones_for_list's queryset and its annotations (due_on, last_accepted_on):
# rows.values(*MILESTONE_FIELDS, **MILESTONE_VALUES).
MILESTONE_FIELDS = ("pk", "label", "parent_id", "text", "activity_id", "status")
MILESTONE_VALUES = {
    "parent_label": F("parent__label"), "ea_code": F("activity__accomplishment__code"),
    "activity_number": F("activity__number"), "activity_title": F("activity__title"),
    "lead_body": F("activity__lead_body__name"), "due": F("due_on"), "meeting": F("due_meeting__code"),
    "last_accepted": F("last_accepted_on"),
}
_STATUSES = dict(Milestone.Status.choices)

MILESTONE_COLUMNS = [
    Column("Id", lambda m: m["pk"], 8),
    Column("Ref", _milestone_ref, 10),
    Column("Milestone", lambda m: m["text"], 60),
    Column("Activity id", lambda m: m["activity_id"], 10),
    Column("Activity", lambda m: f"{m['ea_code']}.{m['activity_number']} {m['activity_title']}", 40),
    Column("Lead body", lambda m: m["lead_body"] or "", 30),
    Column("Due", lambda m: m["due"], 12),
    Column("Due meeting", lambda m: m["meeting"] or "", 12),
    Column("Status", lambda m: _STATUSES.get(m["status"], m["status"]), 12),
    Column("Last accepted update (period end)", lambda m: m["last_accepted"], 16),
]

CONTRIBUTION_COLUMNS = [
    Column("Id", lambda c: c.pk, 8),
    Column("Member", lambda c: c.member.acronym, 12),
    Column("Activity id", lambda c: c.activity_id, 10),
    Column("Activity", _activity, 40),
    Column("Kind", lambda c: c.get_kind_display(), 14),
    Column("Year", lambda c: c.year, 8),
    Column("Staff days", lambda c: c.staff_days, 10),
    Column("Amount (USD)", lambda c: c.amount_usd, 14),
    Column("State", lambda c: c.get_state_display(), 12),
    Column("Note", lambda c: c.note, 40),
]


def export_filename(stem, ext, today):
    """The Content-Disposition of an export."""
    return f'attachment; filename="emg-{stem}-{today:%Y-%m-%d}.{ext}"'


def export_csv(*, rows: Iterable, columns: list[Column], stem: str, today: datetime.date) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = export_filename(stem, "csv", today)
    response.write("\ufeff")  # so that Excel reads the file as UTF-8
    writer = csv.writer(response)
    writer.writerow([c.header for c in columns])
    for obj in rows:
        writer.writerow([csv_safe(c.value(obj)) for c in columns])
    return response


def export_xlsx(*, rows: Iterable, columns: list[Column], stem: str, title: str, today: datetime.date) -> HttpResponse:
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append([c.header for c in columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for obj in rows:
        xlsx_append(ws, [c.value(obj) for c in columns])
    for idx, column in enumerate(columns, start=1):
        ws.column_dimensions[ws.cell(row=1, column=idx).column_letter].width = column.width
        if column.header.startswith("Due") or column.header.startswith("Last accepted"):
            for (cell,) in ws.iter_rows(min_row=2, min_col=idx, max_col=idx):
                cell.number_format = "yyyy-mm-dd"
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    buffer = io.BytesIO()
    wb.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = export_filename(stem, "xlsx", today)
    return response
