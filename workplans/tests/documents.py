"""Test documents for the import: a plan of another period in the seed's layout, and awkward variants."""
import io

import docx
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from workplans.loading import SEED_FILE

SEED_DOCUMENT = SEED_FILE.parent / "EMG-SOM19-03-Rev1-workplan-2014-2015.txt"

MASTHEAD = [
    "UNITED NATIONS ENVIRONMENT PROGRAMME",
    "21st Senior Officials' Meeting of the Environment Management Group¹",
    "EMG/SOM.21/04",
    "14 August 2015",
    "Distribution: EMG members",
    "Proposed work plan 2016 - 2017",
    "Note by the Chair",
    "1. This note presents a proposed work plan for the period 2016 – 2017.",
    "2. It builds on the work plan 2014 – 2015.",
    "¹ Information on the meeting logistics is in EMG/SOM.21/05",
    "Environment Management Group work plan for 2016 – 2017",
]
HEADER = ("Expected accomplishment", "Activities and milestones ²")
# (first column, second column's paragraphs); None as the first column: a page break repeats the heading row
ROWS = [
    ("A. Programmatic issues", []),
    ("Enhanced coherence in programming.", [
        "IMG on biodiversity",
        "1. Biodiversity beyond 2020",
        "Support the post-2020 framework.",
        "(a) Map the contributions of the UN system,",
        "(b) Report on progress to SOM22.",
    ]),
    None,  # the table runs onto the next page here
    ("", [
        "(c) Contribute to the CBD COP 13 through its subsidiary bodies.",
        "2. Exchange of information Facilitate the exchange of information among members.",
    ]),
    ("B. Management issues*", []),  # a footnote mark as an asterisk
    ("Enhanced sustainability of management practices.", [
        "1. Sustainability management",
        "Maintain regular IMG meetings.",
        "(a) The IMG will:",
        "(i) Prepare the seventh edition of the climate neutrality report, to be released by April 2016;",
        "(ii) Expand the on-line tutorial.",
    ]),
]


def text_document(rows=ROWS, masthead=MASTHEAD) -> bytes:
    lines = [*masthead, "\t".join(HEADER)]
    for row in rows:
        if row is None:
            lines += ["", "² Activities will be undertaken with the support of members.", "", "\t".join(HEADER)]
            continue
        first, second = row
        lines.append(f"{first}\t" + " ".join(f"<p>{p}</p>" for p in second))
    return "\n".join(lines).encode()


def docx_document(rows=ROWS, masthead=MASTHEAD, footnote_runs=True) -> bytes:
    """As Word has it: footnote marks as superscript runs; a table split across pages as two tables."""
    doc = docx.Document()
    for line in masthead:
        if footnote_runs and line.endswith("¹"):
            p = doc.add_paragraph(line[:-1])
            p.add_run("1").font.superscript = True
        else:
            doc.add_paragraph(line)

    def table():
        t = doc.add_table(rows=1, cols=2)
        t.rows[0].cells[0].text = HEADER[0]
        p = t.rows[0].cells[1].paragraphs[0]
        p.add_run("Activities and milestones")
        p.add_run("2").font.superscript = True
        return t

    t = table()
    for row in rows:
        if row is None:
            doc.add_paragraph("2 Activities will be undertaken with the support of members.")
            t = table()
            continue
        first, second = row
        cells = t.add_row().cells
        cells[0].text = first
        if first.startswith("A. "):  # a real Word footnote reference in the heading
            run = cells[0].paragraphs[0].add_run()
            reference = OxmlElement("w:footnoteReference")
            reference.set(qn("w:id"), "3")
            run._r.append(reference)
        for n, text in enumerate(second):
            (cells[1].paragraphs[0] if n == 0 else cells[1].add_paragraph()).add_run(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
