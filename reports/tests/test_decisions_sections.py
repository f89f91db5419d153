"""The UNEA report's "Decisions of the EMG in the period", compiled by the job and read back from its files."""
import datetime
import io

import pytest
from docx import Document
from openpyxl import load_workbook

from accomplishments.models import Meeting
from decisions.models import Decision
from decisions.tests.factories import som20_action
from reports import services

from .test_documents import pdf_text

pytestmark = pytest.mark.django_db

RECORDED = datetime.datetime(2014, 10, 1, 12, tzinfo=datetime.UTC)
DONE = datetime.datetime(2015, 3, 2, 12, tzinfo=datetime.UTC)
SHOW = None  # a pathlib.Path to keep the PDF of the first report, to look at it
SOM19 = "SOM19 decision on chemicals and on financing for environmental cooperation"


def _dated(decision, moment):
    decision.history.filter(history_id=decision.history.latest().history_id).update(history_date=moment)


@pytest.fixture
def decisions(seed_plan, demo_users):
    """SOM20's actions recorded on 1 October 2014; the first done on 2 March 2015; an outside decision and a
    draft that no report names."""
    a1 = som20_action(1, text="Deliver the mapping tool to CBD COP 12.")
    a2 = som20_action(2, lead="IMG Green Economy", text="Finalize the coordination approach on Green Economy.")
    for a in (a1, a2):
        _dated(a, RECORDED)
    a1.status = "done"
    a1.save()
    _dated(a1, DONE)
    Decision.objects.create(body="som", body_name="SOM20", meeting=Meeting.objects.get(code="SOM20"),
                            reference="SOM20 draft", text="Not confirmed yet.", state="draft")
    Decision.objects.create(body="unea", body_name="UNEA-1", date=datetime.date(2014, 6, 27),
                            reference="UNEA resolution 1/1", text="An outside body's decision.")
    return a1, a2


def _compile(plan, chair, as_of, capture, symbol):
    unea2 = Meeting.objects.get_or_create(code="UNEA-2", defaults={
        "name": "Second session of the United Nations Environment Assembly", "start_date": datetime.date(2016, 5, 23),
        "end_date": datetime.date(2016, 5, 27), "place": "Nairobi"})[0]
    with capture(execute=True):
        report = services.report_request(by=chair, plan=plan, kind="unea", meeting=unea2, as_of=as_of, symbol=symbol,
                                         issued_on=as_of)
    report.refresh_from_db()
    assert report.state == "ready", report.failure_reason
    return report


def test_the_unea_report_lists_the_emg_decisions_as_of_its_date(
        seed_plan, demo_users, decisions, django_capture_on_commit_callbacks):
    later = _compile(seed_plan, demo_users["chair"], datetime.date(2015, 6, 1), django_capture_on_commit_callbacks,
                     "EMG/UNEA.2/1")
    content = later.pdf.read()
    text = pdf_text(content)
    if SHOW:
        SHOW.write_bytes(content)
    heading = "Decisions of the EMG in the period"
    assert f"VI. {heading}" in text  # after the introduction, accomplishments, completed, outputs, contributions
    section = text[text.rindex(heading):]
    assert ("In the period, the senior officials of the EMG took 1 decision and approved 2 actions, as recorded on "
            "1 June 2015:") in section
    assert SOM19 in section
    assert "SOM20 action 1 Deliver the mapping tool to CBD COP 12. IMG on biodiversity Done" in section
    assert "SOM20 action 2 Finalize the coordination approach on Green Economy. IMG on Green Economy Open" in section
    assert "SOM20 draft" not in text and "UNEA resolution 1/1" not in text  # a draft, and not the EMG's

    body = "\n".join(p.text for p in Document(io.BytesIO(later.docx.read())).paragraphs)
    assert heading in body and "approved 2 actions" in body
    sheet = load_workbook(io.BytesIO(later.xlsx.read()))["EMG decisions"]
    rows = [r for r in sheet.iter_rows(values_only=True) if r[0] and str(r[0]).startswith(("SOM19", "SOM20"))]
    assert [(r[0], r[1], r[4]) for r in rows] == [(SOM19, "SOM19", None), ("SOM20 action 1", "SOM20", "Done"),
                                                  ("SOM20 action 2", "SOM20", "Open")]

    # As of a day before SOM20's actions were recorded: only SOM19's decision, and action 1 was not done yet
    # in a report as of a day before it was.
    before = pdf_text(_compile(seed_plan, demo_users["chair"], datetime.date(2014, 9, 30),
                               django_capture_on_commit_callbacks, "EMG/UNEA.2/2").pdf.read())
    section = before[before.rindex(heading):]
    assert "took 1 decision, as recorded on 30 September 2014:" in section and "SOM20 action" not in before
    between = pdf_text(_compile(seed_plan, demo_users["chair"], datetime.date(2015, 1, 15),
                                django_capture_on_commit_callbacks, "EMG/UNEA.2/3").pdf.read())
    assert "SOM20 action 1 Deliver the mapping tool to CBD COP 12. IMG on biodiversity Open" in between
