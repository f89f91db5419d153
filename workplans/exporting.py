"""The work plan as its document: a Word file in the layout of EMG/SOM.19/03/Rev.1.

Masthead (the tabling meeting, the symbol, the date, the distribution, the period), the note by the Chair, then
the two-column table: a row per expected accomplishment's category, its statement beside its first activity,
each further activity in a row of its own. The lead body's name heads each activity, and every title stands in
a paragraph of its own, so that `workplans.document` reads the file back into the same plan.
"""
import io

from django.db.models import Prefetch
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from accomplishments.models import WorkPlan
from activities.models import Activity, Milestone

ORDINAL = {1: "st", 2: "nd", 3: "rd"}


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else ORDINAL.get(n % 10, 'th')}"


def _tabling_meeting(plan: WorkPlan):
    approval = plan.approvals.select_related("meeting").order_by("year").first() \
        if hasattr(plan, "approvals") else None
    return approval.meeting if approval else None


def _repeat_header(row):
    tr_pr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)


def workplan_docx(*, plan: WorkPlan) -> bytes:
    """The plan as a .docx (bytes). Reads the plan in a fixed number of queries."""
    milestones = Milestone.objects.filter(parent=None).select_related("due_meeting").prefetch_related(
        Prefetch("children", queryset=Milestone.objects.select_related("due_meeting").order_by("order", "label")))
    accomplishments = plan.accomplishments.order_by("order", "code").prefetch_related(Prefetch(
        "activities", queryset=Activity.objects.select_related("lead_body").order_by("number").prefetch_related(
            Prefetch("milestones", queryset=milestones.order_by("order", "label")))))
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name, style.font.size = "Times New Roman", Pt(11)
    for section in doc.sections:
        section.left_margin = section.right_margin = Cm(2)

    def para(text, bold=False, align=None, size=None):
        p = doc.add_paragraph()
        run = p.add_run(text)
        run.bold = bold
        if size:
            run.font.size = Pt(size)
        if align:
            p.alignment = align
        return p

    para("UNITED NATIONS ENVIRONMENT PROGRAMME", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    meeting = _tabling_meeting(plan)
    if meeting is not None and meeting.code.upper().startswith("SOM") and meeting.code[3:].isdigit():
        para(f"{_ordinal(int(meeting.code[3:]))} Senior Officials' Meeting of the Environment Management Group",
             bold=True)
        if meeting.place:
            para(meeting.place)
    para(plan.symbol, bold=True, align=WD_ALIGN_PARAGRAPH.RIGHT)
    if plan.issued_on:
        para(f"{plan.issued_on.day} {plan.issued_on:%B %Y}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    para("Distribution: EMG members", align=WD_ALIGN_PARAGRAPH.RIGHT)
    para(f"Proposed work plan {plan.first_year} - {plan.last_year}", bold=True, size=14)
    para("Note by the Chair", bold=True)
    para("Introduction", bold=True)
    para(f"1. This note presents the work plan of the Environment Management Group (EMG) for the period "
         f"{plan.first_year} – {plan.last_year} (both years included), subject to annual approval by the senior "
         "officials.")
    para(f"2. The plan has {len(accomplishments)} expected accomplishments; its activities and milestones are "
         "set out in the table below.")
    para(plan.title, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)

    table = doc.add_table(rows=1, cols=2)
    table.style = "Table Grid"
    head = table.rows[0]
    _repeat_header(head)
    for cell, text in zip(head.cells, ("Expected accomplishment", "Activities and milestones"), strict=True):
        cell.paragraphs[0].add_run(text).bold = True
    for acc in accomplishments:
        row = table.add_row()
        row.cells[0].paragraphs[0].add_run(f"{acc.code}. {acc.category}").bold = True
        activities = list(acc.activities.all()) or [None]
        for n, activity in enumerate(activities):
            row = table.add_row()
            if n == 0:
                row.cells[0].paragraphs[0].add_run(acc.statement)
            if activity is None:
                continue
            cell = row.cells[1]
            first = cell.paragraphs[0]
            if activity.lead_body is not None:
                first.add_run(activity.lead_body.name).italic = True
                first = cell.add_paragraph()
            first.add_run(f"{activity.number}. {activity.title}").bold = True
            if activity.description:
                for text in activity.description.split("\n\n"):
                    cell.add_paragraph(text)
            for ms in activity.milestones.all():
                cell.add_paragraph(f"({ms.label}) {ms.text}")
                for child in ms.children.all():
                    p = cell.add_paragraph(f"({child.label}) {child.text}")
                    p.paragraph_format.left_indent = Cm(0.8)
    for row in table.rows:
        row.cells[0].width, row.cells[1].width = Cm(5.5), Cm(11.5)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def workplan_docx_name(plan: WorkPlan) -> str:
    return f"{plan.symbol.replace('/', '-').replace('.', '')}-workplan-{plan.first_year}-{plan.last_year}.docx"
