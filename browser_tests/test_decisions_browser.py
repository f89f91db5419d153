"""The loop in a real browser: SOM20's suggested actions become actions, a lead reports on one, the secretariat
accepts it, and the Chair's SOM21 report follows up every SOM20 action."""
import pytest
from playwright.sync_api import expect

from devtools.demo import DEMO_SOM20_REPORT, demo_som20_report_create
from reports.tests.test_documents import pdf_text

pytestmark = pytest.mark.django_db(transaction=True)

LEADS = ["EMG secretariat (hosted by UNEP)", "IMG on biodiversity", "IMG on Green Economy",
         "IMG on Environmental Sustainability Management", "EMG secretariat (hosted by UNEP)"]
NARRATIVE = "The IMG agreed the coordination approach in draft and circulated it to the UNCTs for comment."


def test_from_the_som20_report_to_the_som21_follow_up(sign_in, page, site, screenshot, settings, tmp_path):
    settings.EMG_TODAY = "2014-10-01"  # SOM20 (25 September 2014) is over
    settings.MEDIA_ROOT = tmp_path / "media"
    som20 = demo_som20_report_create()  # the SOM20 report of `make run`, compiled in-process
    som20.refresh_from_db()
    assert som20.state == "ready"

    # The secretariat records the actions SOM20 approved from the report's suggested actions.
    sign_in("secretariat")
    page.get_by_role("link", name="Reports").click()
    page.get_by_role("link", name="EMG/SOM.20/3").first.click()
    page.get_by_role("link", name="Record the actions the meeting approved").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record the actions SOM20 approved")
    for n, lead in enumerate(LEADS, start=1):
        draft = page.get_by_role("group", name=f"Suggested action {n}")
        expect(draft.get_by_label("Approved wording")).to_have_value(DEMO_SOM20_REPORT["suggested_actions"][n - 1])
        expect(draft.get_by_label("Reference")).to_have_value(f"SOM20 action {n}")
        draft.get_by_label("Lead body").select_option(label=lead)
        expect(draft.get_by_label("Due meeting").locator("option:checked")).to_contain_text("SOM21")
    page.get_by_role("button", name="Confirm and record these actions").click()
    expect(page.get_by_role("status").first).to_contain_text("5 actions of SOM20 recorded.")
    for n in range(1, 6):
        expect(page.get_by_role("link", name=f"SOM20 action {n}", exact=True)).to_be_visible()

    # The Green Economy lead finds the action in My work and reports on it.
    sign_in("greeneconomy-lead")
    page.get_by_role("link", name="My work").click()
    mine = page.get_by_role("region", name="Actions of the senior officials")
    expect(mine.get_by_role("row").filter(has_text="SOM20 action 3")).to_contain_text("SOM21")  # due at SOM21
    mine.get_by_role("link", name="SOM20 action 3", exact=True).click()
    page.get_by_role("link", name="Report progress on SOM20 action 3").click()
    page.get_by_label("Status of the action").select_option(label="In progress")
    page.get_by_label("What was done").fill(NARRATIVE)
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_role("status").first).to_contain_text("sent to the secretariat for review")

    # The secretariat accepts it from the review queue.
    sign_in("secretariat")
    page.get_by_role("link", name="Review queue").click()
    page.get_by_role("region", name="Actions of the senior officials").get_by_role(
        "link", name="SOM20 action 3", exact=True).click()
    page.get_by_role("button", name="Accept").click()
    expect(page.get_by_role("status").first).to_contain_text("Accepted: SOM20 action 3 is now in progress.")

    # The Chair requests the SOM21 report: its follow-up section answers every SOM20 action.
    sign_in("chair")
    page.get_by_role("link", name="Reports").click()
    page.get_by_role("link", name="Request a report").click()
    meeting = page.get_by_label("For the meeting")
    meeting.select_option(label=page.locator("#id_meeting option", has_text="SOM21").inner_text())
    expect(page.get_by_label("Document symbol")).to_have_value("EMG/SOM.21/3")
    page.get_by_label("Progress as of").fill("2014-10-01")
    page.get_by_role("button", name="Request the report").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("SOM progress report: SOM21", timeout=60_000)
    expect(page.locator("[data-state]")).to_have_attribute("data-state", "ready", timeout=60_000)
    screenshot()
    with page.expect_download() as info:
        page.get_by_role("link", name="PDF, for circulation").click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    text = pdf_text(path.read_bytes())
    section = text[text.index("Follow-up to the actions of SOM20", text.index("Summary")):]
    assert "The senior officials at SOM20 approved 5 actions. As of 1 October 2014: 4 open, 1 in progress." in section
    table = section[:section.index("SOM20 action 3: progress reported")]
    # Each action in order, with its lead (wrapped cells may split a name across lines: compare without spaces).
    squeezed = table.replace(" ", "")
    at = [squeezed.index(f"SOM20action{n}") for n in range(1, 6)]
    assert at == sorted(at)
    for n, lead in enumerate(LEADS, start=1):
        row = squeezed[at[n - 1]:at[n] if n < 5 else None]
        assert lead.replace(" ", "") in row, (n, row)
    assert "IMG on Green Economy In progress" in section
    assert f"SOM20 action 3: progress reported by Gene Green-Economy and accepted on 1 October 2014 (in progress): " \
           f"{NARRATIVE}" in section
