"""The comparison of two reports as a Word annex: A4, heading styles, tables with a repeated header row."""
import datetime
import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

from . import fmt_date, fmt_days, fmt_usd


def _repeat_header(row):
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def _table(doc, header, rows, widths, numeric=()):
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.autofit = False
    for i, text in enumerate(header):
        cell = table.rows[0].cells[i]
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    _repeat_header(table.rows[0])
    for row in rows:
        cells = table.add_row().cells
        for i, text in enumerate(row):
            cells[i].text = str(text)
            if i in numeric:
                cells[i].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Cm(width)
    return table


def _paragraphs(doc, text):
    """A narrative as typed: blank lines separate paragraphs; "- ", "* ", "• " lines are list items."""
    for block in (text or "").replace("\r\n", "\n").split("\n\n"):
        lines = [line.rstrip() for line in block.split("\n") if line.strip()]
        prose = []
        for line in lines:
            stripped = line.lstrip()
            if stripped[:2] in ("- ", "* ", "• "):
                if prose:
                    doc.add_paragraph(" ".join(prose))
                    prose = []
                doc.add_paragraph(stripped[2:].strip(), style="List Bullet")
            else:
                prose.append(stripped)
        if prose:
            doc.add_paragraph(" ".join(prose))


def _signed(value: str, fmt) -> str:
    text = fmt(value)
    return f"+{text}" if not text.startswith("-") and text.strip("0.,") else text


def render(*, diff: dict, old: dict, new: dict) -> bytes:
    """The annex as DOCX bytes. `old`/`new`: symbol, as_of, meeting, kind, issued_on of the two reports."""
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Cm(2)
    doc.styles["Normal"].font.name = "Calibri"
    doc.styles["Normal"].font.size = Pt(10)
    props = doc.core_properties
    props.title = f"Changes from {old['symbol']} to {new['symbol']}"
    props.subject = f"{new['kind']}: changes between {fmt_date(old['as_of'])} and {fmt_date(new['as_of'])}"
    props.author = props.last_modified_by = "EMG secretariat"
    props.created = props.modified = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    props.comments = ""

    doc.add_heading("Annex: changes between two reports", level=1)
    doc.add_paragraph(
        f"From {old['symbol']} ({old['meeting']}, as of {fmt_date(old['as_of'])}) to {new['symbol']} "
        f"({new['meeting']}, as of {fmt_date(new['as_of'])})."
    )

    doc.add_heading(f"A. Milestones whose status changed ({len(diff['changed'])})", level=2)
    if diff["changed"]:
        _table(doc, ["Milestone", "Text", "From", "To"],
               [[f"{m['activity']}{m['ref']}", m["text"], m["before"], m["after"]] for m in diff["changed"]],
               widths=[2.2, 9.3, 2.75, 2.75])
    else:
        doc.add_paragraph("No status changed.")
    if diff["added"] or diff["removed"]:
        doc.add_paragraph(f"{len(diff['added'])} milestones added, {len(diff['removed'])} removed.")

    title = (f"B. Progress accepted between {fmt_date(old['as_of'])} and {fmt_date(new['as_of'])}"
             if diff.get("progress_by_acceptance") else "B. Progress in the later report only")
    doc.add_heading(f"{title} ({len(diff['new_progress'])})", level=2)
    for p in diff["new_progress"]:
        heading = f"{p.get('activity', '')}{p.get('milestone') or ''}, period {fmt_date(p.get('period_start'))} to " \
                  f"{fmt_date(p.get('period_end'))}"
        if p.get("accepted_on"):
            heading += f", accepted {fmt_date(p['accepted_on'])}"
        doc.add_heading(heading, level=3)
        _paragraphs(doc, p.get("narrative", ""))
    if not diff["new_progress"]:
        doc.add_paragraph("None.")

    doc.add_heading("C. Contributions by member and state", level=2)
    if diff["contributions"]:
        rows = [[c["member"], c["state_display"],
                 fmt_days(c["staff_days"]["before"]), fmt_days(c["staff_days"]["after"]),
                 _signed(c["staff_days"]["change"], fmt_days) if c["changed"] else "",
                 fmt_usd(c["amount_usd"]["before"]), fmt_usd(c["amount_usd"]["after"]),
                 _signed(c["amount_usd"]["change"], fmt_usd) if c["changed"] else ""] for c in diff["contributions"]]
        rows += [["All members", s["state_display"], fmt_days(s["staff_days"]["before"]),
                  fmt_days(s["staff_days"]["after"]), _signed(s["staff_days"]["change"], fmt_days),
                  fmt_usd(s["amount_usd"]["before"]), fmt_usd(s["amount_usd"]["after"]),
                  _signed(s["amount_usd"]["change"], fmt_usd)] for s in diff["by_state"]]
        _table(doc, ["Member", "State", "Days before", "Days after", "Change", "USD before", "USD after", "Change"],
               rows, widths=[1.9, 2.6, 1.7, 1.7, 1.5, 2.6, 2.6, 2.3], numeric=(2, 3, 4, 5, 6, 7))
    else:
        doc.add_paragraph("No contribution recorded in either report.")

    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
