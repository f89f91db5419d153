"""Word: real heading styles (the navigation pane shows sections, A–D and activities) and real tables."""
import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from . import (
    due_text,
    ea_narrative,
    fmt_date,
    fmt_days,
    fmt_usd,
    introduction,
    next_steps,
    status_summary,
    title_of,
)


def _table(doc, header, rows, total=None, numeric=()):
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for i, text in enumerate(header):
        cell = table.rows[0].cells[i]
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    _repeat_header(table.rows[0])
    for row in [*rows, *([total] if total else [])]:
        cells = table.add_row().cells
        for i, text in enumerate(row):
            cells[i].text = str(text)
            if i in numeric:
                cells[i].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
            if total is row:
                for run in cells[i].paragraphs[0].runs:
                    run.bold = True
    return table


def _para(doc, text="", style_id=None):
    """add_paragraph with a style id: python-docx's lookup by style name is slow for long documents."""
    p = doc.add_paragraph(text)
    if style_id:
        p._p.style = style_id
    return p


def _heading(doc, text, level):
    return _para(doc, text, f"Heading{level}")


def _repeat_header(row):
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def _header_block(doc, s, title):
    section = doc.sections[0]
    section.header.paragraphs[0].text = f"Environment Management Group\t\t{s['symbol']}"
    p = doc.add_paragraph()
    run = p.add_run("Environment Management Group")
    run.bold = True
    run.font.size = Pt(14)
    m = s["meeting"]
    doc.add_paragraph(", ".join(x for x in (m["name"], m["dates"], m["place"]) if x))
    for label, value in (("Document symbol", s["symbol"]), ("Date", fmt_date(s["issued_on"])),
                         ("Distribution", s["distribution"]), ("Status of data", f"as of {fmt_date(s['as_of'])}")):
        p = doc.add_paragraph()
        p.add_run(f"{label}: ")
        p.add_run(value).bold = True
    _para(doc, title, "Title")


def _milestone(doc, m, indent):
    p = _para(doc, style_id="ListParagraph")
    p.paragraph_format.left_indent = Pt(indent)
    p.add_run(f"{m['ref']} ").bold = True
    p.add_run(m["text"])
    done = f" on {fmt_date(m['completed_on'])}" if m["completed_on"] else ""
    meta = doc.add_paragraph(f"Due: {due_text(m)} · Status: {m['status_display']}{done}")
    meta.paragraph_format.left_indent = Pt(indent)
    if m["progress"]:
        _progress(doc, m["progress"], indent + 12, "Latest accepted progress")


def _progress(doc, progress, indent, label):
    p = doc.add_paragraph()
    p.paragraph_format.left_indent = Pt(indent)
    period = f"{fmt_date(progress['period_start'])} to {fmt_date(progress['period_end'])}"
    p.add_run(f"{label}, period {period}: ").italic = True
    p.add_run(progress["narrative"])


def _som(doc, s):
    _heading(doc, "I. Introduction", 1)
    for text in introduction(s):
        doc.add_paragraph(text)
    _heading(doc, "II. Progress by expected accomplishment", 1)
    for ea in s["accomplishments"]:
        _heading(doc, f"{ea['code']}. {ea['category']}", 2)
        doc.add_paragraph(f"Expected accomplishment: {ea['statement']}").runs[0].italic = True
        for a in ea["activities"]:
            _heading(doc, f"{a['code']} {a['title']}", 3)
            doc.add_paragraph(f"Lead: {a['lead_body'] or 'not named'}")
            if a["progress"]:
                _progress(doc, a["progress"], 0, "Latest accepted progress on the activity")
            for m in a["milestones"]:
                _milestone(doc, m, 0)
                for child in m["children"]:
                    _milestone(doc, child, 24)
            if not a["milestones"]:
                doc.add_paragraph("No lettered milestones.")
    c = s["contributions"]
    _heading(doc, "III. In-kind contributions", 1)
    doc.add_paragraph(f"Contributions recorded up to {s['as_of'][:4]}, in staff days and US dollars.")
    total = ("Total", "", fmt_days(c["totals"]["staff_days"]), fmt_usd(c["totals"]["amount_usd"]))
    _table(doc, ("Member", "Kind", "Staff days", "USD"),
           [(r["member"], r["kind_display"], fmt_days(r["staff_days"]), fmt_usd(r["amount_usd"]))
            for r in c["by_member_kind"]], total, numeric=(2, 3))
    doc.add_paragraph("By activity:")
    _table(doc, ("Activity", "Staff days", "USD"),
           [(r["activity"], fmt_days(r["staff_days"]), fmt_usd(r["amount_usd"])) for r in c["by_activity"]],
           (total[0], total[2], total[3]), numeric=(1, 2))
    _heading(doc, "IV. Milestones overdue or at risk", 1)
    if s["attention"]:
        _table(doc, ("Milestone", "Text", "Due", "Status"),
               [(f"{m['activity']}{m['ref']}", m["text"], due_text(m),
                 m["status_display"] + (" (overdue)" if m["overdue"] else "")) for m in s["attention"]])
    else:
        doc.add_paragraph(f"No milestone is overdue or at risk as of {fmt_date(s['as_of'])}.")
    _heading(doc, "V. Next steps", 1)
    for text in next_steps(s):
        _para(doc, text, "ListNumber")


def _unea(doc, s):
    _heading(doc, "I. Introduction", 1)
    for text in introduction(s):
        doc.add_paragraph(text)
    _heading(doc, "II. Accomplishments", 1)
    for ea in s["accomplishments"]:
        _heading(doc, f"{ea['code']}. {ea['category']}", 2)
        doc.add_paragraph(ea["statement"]).runs[0].italic = True
        doc.add_paragraph(status_summary(ea))
        for title, text in ea_narrative(ea):
            _heading(doc, title, 3)
            doc.add_paragraph(text)
    _heading(doc, "III. Completed milestones", 1)
    if s["completed"]:
        _table(doc, ("Milestone", "Text", "Completed"),
               [(f"{m['activity']}{m['ref']}", m["text"], fmt_date(m["completed_on"])) for m in s["completed"]])
    else:
        doc.add_paragraph(f"No milestone completed as of {fmt_date(s['as_of'])}.")
    _heading(doc, "IV. Key outputs", 1)
    any_output = False
    for ea in s["accomplishments"]:
        for a in ea["activities"]:
            if a["outputs"]:
                any_output = True
                doc.add_paragraph(f"{a['code']} {a['title']}").runs[0].bold = True
                for link in a["outputs"]:
                    _para(doc, link, "ListBullet")
    if not any_output:
        doc.add_paragraph("No outputs recorded with the accepted progress.")
    c = s["contributions"]
    _heading(doc, "V. Contributing members", 1)
    doc.add_paragraph("; ".join(f"{m['name']} ({m['acronym']})" for m in c["members"]) or "No contributions recorded.")
    doc.add_paragraph(f"In all, {c['totals']['count']} contributions: {fmt_days(c['totals']['staff_days'])} staff "
                      f"days and USD {fmt_usd(c['totals']['amount_usd'])}.")


def render(snapshot) -> bytes:
    doc = Document()
    doc.core_properties.title = title_of(snapshot)
    doc.core_properties.subject = snapshot["symbol"]
    doc.core_properties.author = "Environment Management Group"
    _header_block(doc, snapshot, title_of(snapshot))
    (_unea if snapshot["kind"] == "unea" else _som)(doc, snapshot)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
