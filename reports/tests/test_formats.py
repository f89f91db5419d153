"""The three formats of a report, read back as their readers read them: the document a secretariat
tables (masthead, kind line, summary, numbered paragraphs, every activity's text, annexes), Word and
Excel page set-up, scripts (Arabic, Chinese), and text that must never become a spreadsheet formula."""
import csv
import datetime
import io
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from docx import Document
from openpyxl import load_workbook

from accomplishments.models import Meeting, Member
from activities.models import Activity, Contribution, Milestone, ProgressUpdate
from reports.renderers import is_rtl, narrative_blocks, renderer_for
from reports.selectors import report_snapshot

from .test_documents import pdf_text

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2014, 9, 1)
FIRST_PARAGRAPH = "The mapping tool now covers all twenty Aichi targets and forty-one agencies."
SECOND_PARAGRAPH = "A second round of consultations with the CBD secretariat is planned for October."
BULLETS = ["Launch event held in Montreal", "User guide circulated to focal points"]
MULTI = f"{FIRST_PARAGRAPH}\n\n{SECOND_PARAGRAPH}\n\n- {BULLETS[0]}\n- {BULLETS[1]}"
ARABIC = "أطلقت الأمانة أداة الخرائط على الإنترنت وهي تغطي جميع أهداف أيشي."
CHINESE = "秘书处与联合国经社部商定于二零一四年九月在纽约举办第二十次高级官员会议。"
FORMULA = "=1+2"
HYPERLINK = '=HYPERLINK("http://evil.example","click")'
ACTIONS = ["The senior officials may wish to take note of the progress made in the implementation of the work plan.",
           "The senior officials may wish to request the lead bodies to report on the delayed milestones by SOM21."]
STATES = {  # member, activity, state, staff days, USD
    "pledged": ("UNDP", "A.2", Decimal("25"), Decimal("10000")),
    "budgeted": ("UNIDO", "B.2", None, Decimal("48000")),
    "programmed": ("WMO", "C.1", Decimal("4"), None),
    "reported": ("UNEP", "D.1", Decimal("100"), Decimal("15000")),
}
YAML = Path(settings.BASE_DIR) / "workplans" / "data" / "workplan-2014-2015.yaml"
RENDERS = os.environ.get("EMG_RENDERS_DIR")  # set to keep the rendered files and page images for a look


def _activity(code):
    letter, number = code.split(".")
    return Activity.objects.get(accomplishment__code=letter, number=int(number),
                                accomplishment__work_plan__symbol="EMG/SOM.19/03/Rev.1")


def _milestone(code, label):
    return Milestone.objects.get(activity=_activity(code), parent=None, label=label)


def _accept(users, target, narrative, start):
    activity = target if isinstance(target, Activity) else target.activity
    milestone = None if isinstance(target, Activity) else target
    return ProgressUpdate.objects.create(
        activity=activity, milestone=milestone, period_start=start, period_end=start + datetime.timedelta(days=89),
        author=users["biodiversity-lead"], reported_status="on_track", narrative=narrative, review_state="accepted",
        reviewer=users["secretariat"],
        reviewed_at=datetime.datetime.combine(start + datetime.timedelta(days=100), datetime.time(9),
                                              tzinfo=datetime.UTC))


def _dated(obj, day, by):
    """Save with its history dated `day`, as the change would have been recorded then (reports read history)."""
    obj._history_date = datetime.datetime.combine(day, datetime.time(12), datetime.UTC)
    obj._history_user = by
    obj.save()
    return obj


@pytest.fixture
def demo_like(demo_users):
    """Accepted progress in several shapes and scripts, text that looks like formulas, contributions in every state."""
    users = demo_users
    q2 = datetime.date(2014, 4, 1)
    _accept(users, _milestone("A.1", "a"), MULTI, q2)
    _accept(users, _milestone("A.2", "a"), ARABIC, q2)
    _accept(users, _activity("D.1"), CHINESE, q2)
    _accept(users, _milestone("B.1", "a"), FORMULA, q2)
    recorded = datetime.date(2014, 6, 30)
    for label, field, value in (("b", "text", HYPERLINK), ("b", "status", "delayed")):
        milestone = _milestone("B.1" if field == "text" else "A.2", label)
        setattr(milestone, field, value)
        milestone.version += 1
        _dated(milestone, recorded, users["secretariat"])
    formula_member = Member.objects.create(acronym=FORMULA, name="A member whose acronym looks like a formula")
    members = {m.acronym: m for m in Member.objects.all()}
    for state, (acronym, code, days, usd) in STATES.items():
        _dated(Contribution(member=members[acronym], activity=_activity(code), kind="time", year=2014,
                            staff_days=days, amount_usd=usd, state=state), recorded, users["secretariat"])
    _dated(Contribution(member=formula_member, activity=_activity("A.1"), kind="time", year=2014,
                        staff_days=Decimal("1"), state="reported", note=HYPERLINK), recorded, users["secretariat"])
    return users


def _snapshot(plan, kind="som", meeting="SOM20", actions=None):
    s = report_snapshot(plan=plan, kind=kind, meeting=Meeting.objects.get(code=meeting), as_of=AS_OF,
                        symbol="EMG/SOM.20/3", issued_on=datetime.date(2014, 9, 10))
    if actions is not None:  # the document block the request form adds (reports.services)
        s["document"] = {
            "symbol": "EMG/SOM.20/3", "revision": 1, "symbol_display": "EMG/SOM.20/3/Rev.1",
            "issued_on": "2014-09-10", "distribution": "General", "original_language": "English",
            "agenda_item": "Item 3 of the provisional agenda: implementation of the EMG work plan 2014–2015",
            "kind_line": "Note by the secretariat" if kind == "som" else
            "Report by the Chair of the Environment Management Group",
            "suggested_actions": actions,
        }
    return s


def _seed_descriptions():
    data = yaml.safe_load(YAML.read_text())
    return {f"{ea['code']}.{a['number']}": " ".join(a["description"].split())
            for ea in data["accomplishments"] for a in ea["activities"]}


def _keep(name, content):
    if RENDERS:
        Path(RENDERS).mkdir(parents=True, exist_ok=True)
        (Path(RENDERS) / name).write_bytes(content)


# --- the document a secretariat would table ---------------------------------------------------------------

@pytest.mark.parametrize("kind,meeting,kind_line", [
    ("som", "SOM20", "Note by the secretariat"),
    ("unea", "UNEA-1", "Report by the Chair of the Environment Management Group"),
])
def test_pdf_reads_as_a_meeting_document(seed_plan, demo_like, kind, meeting, kind_line):
    content = renderer_for("pdf")(_snapshot(seed_plan, kind, meeting, actions=ACTIONS))
    _keep(f"{kind}.pdf", content)
    text = pdf_text(content)
    raw = subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True, check=True).stdout.decode()
    assert "EMG/SOM.20/3/Rev.1" in raw and "Date of issue: 10 September 2014" in text
    assert "Distribution: General" in text and "Original: English" in text
    assert "Item 3 of the provisional agenda" in text and kind_line in text
    assert Meeting.objects.get(code=meeting).name in text
    # The summary counts milestones by status and says which figure is delivered.
    summary = text[text.index("As of 1 September 2014, the work plan"):text.rindex("I. Introduction")]
    assert "As of 1 September 2014" in summary and "1 delayed" in summary
    assert "delivered (reported) 101 staff days and USD 15,000.00" in summary
    # Numbered paragraphs run on through the body.
    numbers = [int(n) for n in re.findall(r"(?:^|\s)(\d{1,3})\. (?=[A-Z(])", text[text.index("I. Introduction"):])]
    assert numbers[:3] == [1, 2, 3] and max(numbers) > 40
    # Every activity's own text from the plan, D.1–D.3 included, and no "No lettered milestones" instead.
    for code, description in _seed_descriptions().items():
        if description:
            assert description in text, code
    assert "No lettered milestones" not in text
    assert "Annex I — Milestones as of 1 September 2014" in text
    assert "Annex II — In-kind contributions by member and state" in text
    assert "Suggested action by the senior officials" in text and ACTIONS[1] in text
    # Status in words; the accepted narrative with its paragraphs and list; pledges never added to delivered.
    assert "Status: Delayed." in text
    for piece in (FIRST_PARAGRAPH, SECOND_PARAGRAPH, *BULLETS, CHINESE):
        assert piece in text
    assert "Reported (delivered)" in text and "All states (not all delivered)" in text
    if kind == "som":  # the overdue table carries the overdue item's own date
        assert re.search(r"C\.1\(c\)\(i\) Prepare the fifth edition .{0,160}? 30 April 2014 Not started \(overdue\)",
                         text)


def test_suggested_action_is_left_out_when_there_is_none(seed_plan, demo_like):
    for snapshot in (_snapshot(seed_plan, actions=[]), _snapshot(seed_plan)):
        text = pdf_text(renderer_for("pdf")(snapshot))
        assert "Suggested action" not in text
        doc = Document(io.BytesIO(renderer_for("docx")(snapshot)))
        assert not any("Suggested action" in p.text for p in doc.paragraphs)
        raw = subprocess.run(["pdftotext", "-", "-"], input=renderer_for("pdf")(snapshot), capture_output=True,
                             check=True).stdout.decode()
        assert "EMG/SOM.20/3" in raw and "Note by the secretariat" in text  # version 1: the snapshot's own


def test_pdf_keeps_a_narratives_paragraphs_and_list_apart(seed_plan, demo_like):
    content = renderer_for("pdf")(_snapshot(seed_plan))
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(content)
        f.flush()
        raw = subprocess.run(["pdftotext", "-layout", f.name, "-"], capture_output=True, text=True,
                             check=True).stdout
    lines = [line.strip() for line in raw.splitlines()]
    first = next(i for i, line in enumerate(lines) if line.startswith(FIRST_PARAGRAPH[:30]))
    second = next(i for i, line in enumerate(lines) if line.startswith(SECOND_PARAGRAPH[:30]))
    assert second > first
    assert not any(SECOND_PARAGRAPH[:30] in line for line in lines[first:second])  # not run on in one line
    assert any(line.startswith("•") and BULLETS[0] in line for line in lines)


def test_pdf_sets_arabic_right_to_left_and_names_the_cjk_font(seed_plan, demo_like):
    from reports.renderers.pdf import html

    page = html(_snapshot(seed_plan))
    assert re.search(r'<p[^>]*dir="rtl"[^>]*>' + re.escape(ARABIC[:20]), page)
    assert "Noto Sans CJK SC" in page
    assert not re.search(r'<p[^>]*dir="rtl"[^>]*>' + re.escape(FIRST_PARAGRAPH[:20]), page)
    # The HTML is escaped: a narrative cannot inject markup into the document.
    snapshot = _snapshot(seed_plan)
    snapshot["accomplishments"][0]["activities"][0]["description"] = "<script>alert(1)</script> Tools & maps"
    page = html(snapshot)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Tools &amp; maps" in page and "<script>" not in page


def test_narratives_split_into_paragraphs_and_lists():
    assert narrative_blocks(MULTI) == [
        {"t": "p", "text": FIRST_PARAGRAPH, "rtl": False}, {"t": "p", "text": SECOND_PARAGRAPH, "rtl": False},
        {"t": "ul", "items": [{"t": "p", "text": BULLETS[0], "rtl": False},
                              {"t": "p", "text": BULLETS[1], "rtl": False}]},
    ]
    assert narrative_blocks("One line\ncontinued.\r\n\r\n• item") == [
        {"t": "p", "text": "One line continued.", "rtl": False},
        {"t": "ul", "items": [{"t": "p", "text": "item", "rtl": False}]}]
    assert narrative_blocks("") == []
    assert is_rtl(ARABIC) and is_rtl("2014: " + ARABIC) and not is_rtl(CHINESE) and not is_rtl("UNEP " + ARABIC)


# --- Word ---------------------------------------------------------------------------------------------------

def test_docx_is_a4_with_page_numbers_toc_properties_and_scripts(seed_plan, demo_like):
    content = renderer_for("docx")(_snapshot(seed_plan, actions=ACTIONS))
    _keep("som.docx", content)
    doc = Document(io.BytesIO(content))
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    xml = {name: zipfile.ZipFile(io.BytesIO(content)).read(name).decode()
           for name in zipfile.ZipFile(io.BytesIO(content)).namelist() if name.endswith(".xml")}
    footers = "".join(v for k, v in xml.items() if k.startswith("word/footer"))
    assert " PAGE " in footers and " NUMPAGES " in footers
    assert re.search(r'<w:instrText[^>]*> TOC \\o "1-2"', xml["word/document.xml"])
    assert '<w:updateFields w:val="true"/>' in xml["word/settings.xml"]
    cp = doc.core_properties
    assert cp.author == cp.last_modified_by == "EMG secretariat"
    assert cp.title.startswith("Progress report") and "EMG/SOM.20/3/Rev.1" in cp.subject
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    assert abs(cp.created.replace(tzinfo=None) - now) < datetime.timedelta(minutes=5)
    assert "python-docx" not in xml["docProps/core.xml"]
    # Headings: sections, accomplishments, activities; annexes as level-1 headings on their own page.
    headings = [(p.style.name, p.text) for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert ("Heading 1", "Annex I — Milestones as of 1 September 2014") in headings
    assert [t for s, t in headings if s == "Heading 2"] == ["A. Programmatic issues", "B. Operational issues",
                                                            "C. Management issues", "D. Overall cooperation"]
    body = [p.text for p in doc.paragraphs]
    masthead = doc.tables[0].rows[0].cells[1].text
    assert "EMG/SOM.20/3/Rev.1" in masthead and "Date of issue: 10 September 2014" in masthead
    assert "Distribution: General" in masthead and "Original: English" in masthead
    assert "Note by the secretariat" in body and any(t.startswith("Item 3 of the provisional agenda") for t in body)
    numbered = [int(t.split(".")[0]) for t in body if re.match(r"^\d+\.\t", t)]
    assert numbered == list(range(1, len(numbered) + 1)) and len(numbered) > 40
    for description in filter(None, _seed_descriptions().values()):
        assert any(description in t for t in body)
    assert any(t == SECOND_PARAGRAPH for t in body) and any(t == BULLETS[0] for t in body)
    assert any(ACTIONS[0] in t for t in body)
    # Arabic paragraph right-to-left; the East-Asian font set in the styles for Chinese.
    arabic = next(p for p in doc.paragraphs if p.text == ARABIC)
    assert arabic._p.pPr.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}bidi") is not None
    assert "<w:rtl/>" in arabic._p.xml
    english = next(p for p in doc.paragraphs if p.text == FIRST_PARAGRAPH)
    assert "w:bidi" not in english._p.xml
    assert 'w:eastAsia="Noto Sans CJK SC"' in xml["word/styles.xml"]
    # Table columns fit their text: the milestone text column is wider than the reference column.
    annex = next(t for t in doc.tables if t.rows[0].cells[0].text == "Milestone" and len(t.columns) == 5)
    widths = [annex.rows[0].cells[i].width for i in range(5)]
    assert widths[1] > 3 * widths[0] and sum(widths) <= section.page_width - section.left_margin - \
        section.right_margin + 10


# --- Excel --------------------------------------------------------------------------------------------------

def test_xlsx_cover_print_setup_and_empty_cells(seed_plan, demo_like):
    content = renderer_for("xlsx")(_snapshot(seed_plan, actions=ACTIONS))
    _keep("som.xlsx", content)
    wb = load_workbook(io.BytesIO(content))
    assert wb.sheetnames[0] == "Cover"
    cover = {r[0]: r[1] for r in wb["Cover"].iter_rows(values_only=True) if r and r[0]}
    assert cover["Symbol"] == "EMG/SOM.20/3/Rev.1" and cover["Document"] == "Note by the secretariat"
    assert cover["Meeting"].startswith("20th Senior Officials")
    assert cover["As-of date"].date() == AS_OF and cover["Date of issue"].date() == datetime.date(2014, 9, 10)
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0, ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert "EMG/SOM.20/3/Rev.1" in ws.oddHeader.left.text, ws.title
        if ws.title != "Cover":
            assert ws.print_title_rows.replace("$", "") == "1:2" and ws.freeze_panes == "A3", ws.title
            assert ws.auto_filter.ref.startswith("A2:"), ws.title
            assert "EMG/SOM.20/3/Rev.1" in ws["A1"].value and "as of 1 September 2014" in ws["A1"].value
    asks = {r[0]: r[3] for r in wb["Activities"].iter_rows(min_row=3, values_only=True)}
    assert {code: text or "" for code, text in asks.items()} == _seed_descriptions()
    rows = list(wb["Contributions"].iter_rows(min_row=3, values_only=True))
    by_state = {r[4]: r for r in rows if r[0] and r[4]}
    assert by_state["Budgeted"][5] is None and by_state["Budgeted"][6] == 48000  # no days recorded: empty
    assert by_state["Programmed"][6] is None
    delivered = next(r for r in rows if r[0] == "Delivered (reported)")
    assert delivered[5:7] == (101, 15000)
    everything = next(r for r in rows if r[0] == "All states (not all delivered)")
    assert everything[5:7] == (130, 73000)
    states = {r[0]: r for r in wb["By state"].iter_rows(min_row=3, values_only=True) if r[0]}
    assert states["Pledged"][1:] == (1, 25, 10000) and states["Reported (delivered)"][1:] == (2, 101, 15000)


def test_xlsx_keeps_text_that_looks_like_a_formula_as_text(seed_plan, demo_like):
    wb = load_workbook(io.BytesIO(renderer_for("xlsx")(_snapshot(seed_plan))))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)
             and c.value.startswith("=")]
    values = {c.value for c in cells}
    assert {FORMULA, HYPERLINK} <= values
    assert all(c.data_type == "s" for c in cells)
    narrative = next(r for r in wb["Accepted progress"].iter_rows(min_row=3) if r[5].value == FORMULA)[5]
    assert narrative.data_type == "s" and narrative.quotePrefix
    member = next(r for r in wb["Contributions"].iter_rows(min_row=3) if r[0].value == FORMULA)[0]
    assert member.data_type == "s"


# --- LibreOffice opens what Word and Excel users open -------------------------------------------------------

def _soffice():
    path = shutil.which("soffice")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) is required in CI to open the Word and Excel files.")
        pytest.skip("needs LibreOffice (soffice)")
    return path


def _convert(tmp_path, name, content, to):
    """soffice --headless --convert-to, with its own profile so parallel runs do not clash; fails on error."""
    src = tmp_path / name
    src.write_bytes(content)
    profile = tempfile.mkdtemp(prefix="lo-", dir=tmp_path)
    out = tmp_path / "out"
    result = subprocess.run(
        [_soffice(), f"-env:UserInstallation=file://{profile}", "--headless", "--norestore", "--convert-to", to,
         "--outdir", str(out), str(src)], capture_output=True, text=True, timeout=180)
    converted = out / f"{src.stem}.{to.split(':')[0]}"
    assert result.returncode == 0 and converted.exists(), result.stdout + result.stderr
    return converted


@pytest.mark.libreoffice
def test_libreoffice_opens_the_word_file(seed_plan, demo_like, tmp_path):
    content = renderer_for("docx")(_snapshot(seed_plan, actions=ACTIONS))
    pdf = _convert(tmp_path, "report.docx", content, "pdf")
    _keep("som-docx.pdf", pdf.read_bytes())
    text = pdf_text(pdf.read_bytes())
    assert "Note by the secretariat" in text and FIRST_PARAGRAPH in text and "Annex II" in text
    raw = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Page 2 of \d+", raw)


@pytest.mark.libreoffice
def test_libreoffice_reads_formula_like_text_as_text(seed_plan, demo_like, tmp_path):
    content = renderer_for("xlsx")(_snapshot(seed_plan))
    pdf = _convert(tmp_path, "report.xlsx", content, "pdf")
    _keep("som-xlsx.pdf", pdf.read_bytes())
    for sheet in ("Accepted progress", "Milestones", "Contributions"):
        index = load_workbook(io.BytesIO(content)).sheetnames.index(sheet) + 1
        target = tmp_path / sheet.replace(" ", "-")
        target.mkdir()
        src = target / "report.xlsx"
        src.write_bytes(content)
        profile = tempfile.mkdtemp(prefix="lo-", dir=tmp_path)
        # The CSV filter's 12th token picks the sheet (LibreOffice 7.2+).
        subprocess.run([_soffice(), f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                        "--convert-to", f"csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,"
                        f"{index}", "--outdir", str(target), str(src)], capture_output=True, timeout=180, check=True)
        produced = list(target.glob("*.csv"))
        assert produced, sheet
        cells = {cell for row in csv.reader(io.StringIO(produced[0].read_text())) for cell in row}
        expected = {"Accepted progress": FORMULA, "Milestones": HYPERLINK, "Contributions": FORMULA}[sheet]
        assert expected in cells, sheet
        assert "3" not in cells or sheet != "Accepted progress"  # =1+2 was not computed
        assert "click" not in cells


def test_unea_word_and_excel_carry_the_chairs_report(seed_plan, demo_like):
    snapshot = _snapshot(seed_plan, "unea", "UNEA-1", actions=[])
    doc = Document(io.BytesIO(renderer_for("docx")(snapshot)))
    body = [p.text for p in doc.paragraphs]
    assert "Report by the Chair of the Environment Management Group" in body
    assert "III. Completed milestones" in body and FIRST_PARAGRAPH in body and BULLETS[1] in body
    assert not any("Suggested action" in t for t in body)
    cover = {r[0]: r[1] for r in load_workbook(io.BytesIO(renderer_for("xlsx")(snapshot)))["Cover"]
             .iter_rows(values_only=True) if r and r[0]}
    assert cover["Document"] == "Report by the Chair of the Environment Management Group"
    assert cover["Meeting"] == Meeting.objects.get(code="UNEA-1").name
