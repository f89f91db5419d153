"""What the three documents say, read back the way their readers would read them."""
import io
import re
import subprocess
import tempfile
from decimal import Decimal

import pytest
from django.core.management import call_command
from docx import Document
from openpyxl import load_workbook

from accomplishments.models import Meeting
from activities.models import Activity, Contribution, Milestone
from reports.renderers import renderer_for
from reports.selectors import report_snapshot

from .conftest import ACCEPTED, AS_OF, DRAFT, RETURNED, SUBMITTED, SUPERSEDED, TOO_LATE

pytestmark = pytest.mark.django_db


def _snapshot(plan, kind="som", meeting="SOM20"):
    return report_snapshot(plan=plan, kind=kind, meeting=Meeting.objects.get(code=meeting), as_of=AS_OF,
                           symbol="EMG/SOM.20/3", issued_on=AS_OF)


PAGE_FURNITURE = re.compile(r"^(Environment Management Group|EMG/[A-Za-z0-9./-]+|Page \d+ of \d+)$")


def pdf_text(content: bytes) -> str:
    """The PDF's words in reading order, without the running header and footer between pages."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(content)
        f.flush()
        text = subprocess.run(["pdftotext", f.name, "-"], capture_output=True, text=True, check=True).stdout
    lines = [line for line in text.replace("\f", "\n").splitlines() if not PAGE_FURNITURE.match(line.strip())]
    # Lines break after a hyphen in the text ("UN-|DESA"); no hyphen is added (hyphenation is off).
    return " ".join(re.sub(r"-\n+", "-", "\n".join(lines)).split())


def _activities(plan):
    return list(Activity.objects.filter(accomplishment__work_plan=plan)
                .order_by("accomplishment__order", "number").select_related("accomplishment"))


def test_pdf_has_every_activity_every_accepted_narrative_and_the_totals(seed_plan, progress):
    snapshot = _snapshot(seed_plan)
    content = renderer_for("pdf")(snapshot)
    text = pdf_text(content)
    raw = subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True).stdout.decode()
    assert "Environment Management Group" in raw and "EMG/SOM.20/3" in raw and "Page 1 of" in raw
    assert "20th Senior Officials' Meeting" in text and "Distribution: EMG members" in text
    assert "as of 1 September 2014" in text
    for a in _activities(seed_plan):
        assert f"{a.code} {' '.join(a.title.split())}" in text
    for narrative in ACCEPTED.values():
        assert narrative in text
    for hidden in (DRAFT, RETURNED, SUBMITTED, TOO_LATE):
        assert hidden not in text
    # A version-2 snapshot carries every accepted update of the period, and the document shows them all;
    # a version-1 snapshot only the latest one per milestone.
    assert (SUPERSEDED in text) == (snapshot.get("version", 1) >= 2)
    # Totals up to the as-of year: 12.5 + 3 + 20 staff days; 25,000.00 + 1,500.50 + 4,000.25 USD, all
    # reported (delivered), shown by state and never as a bare "Total".
    assert "Reported (delivered) 4 35.5 30,500.75" in text and "All states (not all delivered) 4 35.5 30,500.75" in text
    assert "Status: At risk" in text
    assert "IV. Milestones overdue or at risk" in text and "V. Next steps" in text


def test_docx_headings_are_the_accomplishments_and_activities_in_order(seed_plan, progress):
    doc = Document(io.BytesIO(renderer_for("docx")(_snapshot(seed_plan))))
    headings = [(p.style.name, p.text) for p in doc.paragraphs if p.style.name.startswith("Heading")]
    level2 = [text for style, text in headings if style == "Heading 2"]
    level3 = [text for style, text in headings if style == "Heading 3"]
    assert level2 == ["A. Programmatic issues", "B. Operational issues", "C. Management issues",
                      "D. Overall cooperation"]
    assert level3 == [f"{a.code} {a.title}" for a in _activities(seed_plan)]
    assert [text for style, text in headings if style == "Heading 1"][:2] == ["Summary", "I. Introduction"]
    body = "\n".join(p.text for p in doc.paragraphs)
    assert ACCEPTED[("A.1", "a")] in body and DRAFT not in body
    assert len(doc.tables) >= 3  # contributions by member and kind, by activity, and the attention list


def test_xlsx_has_one_row_per_milestone_and_totals_that_match_the_database(seed_plan, progress):
    wb = load_workbook(io.BytesIO(renderer_for("xlsx")(_snapshot(seed_plan))))
    assert wb.sheetnames[:5] == ["Cover", "Milestones", "Activities", "Accepted progress", "Contributions"]
    ms = wb["Milestones"]  # row 1 names the document, row 2 is the header
    assert ms.freeze_panes == "A3" and ms.auto_filter.ref.startswith("A2:")
    assert ms.column_dimensions["C"].width == 70
    rows = list(ms.iter_rows(min_row=3, values_only=True))
    assert len(rows) == Milestone.objects.filter(activity__accomplishment__work_plan=seed_plan).count()
    assert ("A.2", "(b)") in [(r[0], r[1]) for r in rows if r[5] == "At risk"]
    assert ("C.1", "(c)(ii)") in [(r[0], r[1]) for r in rows]

    progress_rows = list(wb["Accepted progress"].iter_rows(min_row=3, values_only=True))
    narratives = {r[5] for r in progress_rows}
    assert set(ACCEPTED.values()) | {SUPERSEDED} == narratives

    contributions = wb["Contributions"]
    totals = ("Delivered (reported)", "All states (not all delivered)")
    data = [r for r in contributions.iter_rows(min_row=3, values_only=True) if r[0] and r[0] not in totals]
    total = [r for r in contributions.iter_rows(min_row=3, values_only=True) if r[0] == totals[1]][0]
    db = Contribution.objects.filter(year__lte=AS_OF.year).totals()
    assert len(data) == db["count"] == 4
    assert Decimal(str(sum(r[5] or 0 for r in data))) == db["staff_days"] == Decimal(str(total[5]))
    assert round(Decimal(str(total[6])), 2) == db["amount_usd"]
    by_member = list(wb["By member and state"].iter_rows(min_row=3, values_only=True))
    assert sum(r[3] or 0 for r in by_member) == total[5] and round(sum(r[4] or 0 for r in by_member), 2) == total[6]


def test_unea_report_has_completed_milestones_and_contributing_members(seed_plan, progress):
    text = pdf_text(renderer_for("pdf")(_snapshot(seed_plan, kind="unea", meeting="UNEA-1")))
    assert "Report of the Chair of the Environment Management Group" in text
    assert "III. Completed milestones" in text and "B.2(a)" in text
    for name in ("United Nations Industrial Development Organization (UNIDO)", "World Meteorological Organization"):
        assert name in text
    assert ACCEPTED[("B.2", "a")] in text and DRAFT not in text


def test_compile_report_command_writes_three_files(seed_plan, progress, tmp_path, capsys):
    call_command("compile_report", "--kind", "som", "--meeting", "SOM20", "--as-of", "2014-09-01",
                 "--out", str(tmp_path / "out"))
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert files == ["EMG-SOM-20-3.docx", "EMG-SOM-20-3.pdf", "EMG-SOM-20-3.xlsx"]
    assert ACCEPTED[("A.1", "a")] in pdf_text((tmp_path / "out" / "EMG-SOM-20-3.pdf").read_bytes())


def test_compile_report_command_takes_the_masthead_and_the_suggested_action(seed_plan, progress, tmp_path):
    call_command("compile_report", "--meeting", "SOM20", "--as-of", "2014-09-01", "--issued-on", "2014-09-10",
                 "--agenda-item", "Item 3: Progress on the work plan", "--action", "Take note of the progress.",
                 "--action", "Ask the IMG to report at CBD COP 12.", "--out", str(tmp_path))
    text = pdf_text((tmp_path / "EMG-SOM-20-3.pdf").read_bytes())
    for words in ("Note by the secretariat", "Item 3: Progress on the work plan", "10 September 2014",
                  "Suggested action by the senior officials", "Take note of the progress.",
                  "Ask the IMG to report at CBD COP 12."):
        assert words in text, words
