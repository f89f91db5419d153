"""The secretariat imports the proposed 2016–2017 plan from its Word document, corrects an item in the review,
creates the draft plan and goes on to record its adoption."""
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from accomplishments.models import WorkPlan
from activities.models import Milestone
from workplans.tests.documents import docx_document

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("seed_restored_after")]
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"


@pytest.fixture
def browser_context_args(browser_context_args):
    # axe is injected as an inline script, which the Content-Security-Policy rightly refuses.
    return {**browser_context_args, "bypass_csp": True}


def _accessible(page):
    """axe-core finds nothing on the page, and the page is no wider than the window."""
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate("axe.run().then(r => r.violations)")
    assert [(v["id"], [n["target"] for n in v["nodes"][:3]]) for v in violations] == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_secretariat_imports_reviews_and_creates_the_draft_plan(sign_in, page, site, screenshot):
    sign_in("secretariat")
    page.get_by_role("button", name="More").click()
    page.get_by_role("link", name="Import a work plan document").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import a work plan from its document")
    _accessible(page)
    page.get_by_label("Word file (.docx) or text file").set_input_files(
        files=[{"name": "EMG-SOM21-04.docx", "mimeType": DOCX, "buffer": docx_document()}])
    page.get_by_role("button", name="Read the document").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Review the plan read from EMG-SOM21-04.docx")
    # each item beside the words it came from; what could not be placed is listed with its place
    item = page.locator('[data-item="A.1(b)"]')
    expect(item).to_contain_text("from table 1, row 3")
    expect(item.locator("blockquote")).to_have_text("(b) Report on progress to SOM22.")
    expect(page.locator("#flags")).to_contain_text("SOM22, which is not among the meetings")
    assert WorkPlan.objects.filter(symbol="EMG/SOM.21/04").count() == 0  # nothing saved by reading it
    _accessible(page)
    # the correction: SOM22 is not planned yet, the report goes to SOM21
    item.get_by_label("Text").fill("Report on progress to SOM21.")
    item.get_by_label("Due meeting").select_option("SOM21")
    screenshot("review")
    page.get_by_role("button", name="Create draft plan").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Draft plan EMG/SOM.21/04 created")
    expect(page.get_by_role("status")).to_contain_text("Draft plan EMG/SOM.21/04 created from EMG-SOM21-04.docx")
    expect(page.locator("main")).to_contain_text("Its status is Draft")
    expect(page.locator("#carry-over-link")).to_have_attribute("href", re.compile(r"/work-plans/\d+/carry-over/$"))
    _accessible(page)
    plan = WorkPlan.objects.get(symbol="EMG/SOM.21/04")
    assert plan.status == WorkPlan.Status.DRAFT
    corrected = Milestone.objects.get(activity__accomplishment__work_plan=plan, activity__accomplishment__code="A",
                                      activity__number=1, label="b")
    assert (corrected.text, corrected.due_meeting.code) == ("Report on progress to SOM21.", "SOM21")
    screenshot("created")

    # its adoption at SOM21 is recorded: it becomes the current plan, the 2014–2015 plan a past one
    page.get_by_role("link", name="Record its adoption").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record the adoption of the 2016–2017 plan")
    page.get_by_label("Adopted at").select_option(label="SOM21")
    page.get_by_role("button", name="Record the adoption").click()
    expect(page.get_by_role("status")).to_contain_text("The 2016–2017 plan was adopted at SOM21 and is now current.")
    expect(page.locator("#plan-2016-2017")).to_contain_text("Current")
    expect(page.locator("#plan-2014-2015")).to_contain_text("Past")
    page.get_by_role("link", name="Plan", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Environment Management Group work plan for 2016 – 2017")
    plan.refresh_from_db()
    assert plan.status == WorkPlan.Status.CURRENT
    screenshot("current")
