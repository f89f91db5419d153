import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_chair_requests_the_som20_report_and_downloads_the_pdf(sign_in, page, screenshot, settings, tmp_path):
    settings.EMG_TODAY = "2014-09-20"
    settings.MEDIA_ROOT = tmp_path / "media"
    sign_in("chair")
    page.get_by_role("link", name="Reports").click()
    page.get_by_role("link", name="Request a report").click()
    expect(page.get_by_label("For the meeting")).to_have_value(
        page.locator("#id_meeting option", has_text="SOM20").get_attribute("value"))
    page.get_by_label("Progress as of").fill("2014-09-01")
    page.get_by_label("Document symbol").fill("EMG/SOM.20/3")
    page.get_by_role("button", name="Request the report").click()

    # In eager mode the request compiles the report before the page answers: allow for a busy machine.
    expect(page.get_by_role("heading", level=1)).to_contain_text("SOM progress report: SOM20", timeout=60_000)
    expect(page.locator("[data-state]")).to_have_attribute("data-state", "ready", timeout=60_000)
    with page.expect_download() as info:
        page.get_by_role("link", name="PDF, for circulation").click()
    download = info.value
    assert download.suggested_filename == "EMG-SOM-20-3.pdf"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")
    screenshot()


def test_the_symbol_follows_the_meeting_chosen(sign_in, page, site, settings):
    settings.EMG_TODAY = "2014-09-20"
    sign_in("chair")
    page.goto(f"{site.url}/reports/new/")
    symbol = page.get_by_label("Document symbol")
    expect(symbol).to_have_value("EMG/SOM.20/3")
    meeting = page.get_by_label("For the meeting")
    for code, expected in (("UNEA-1", "EMG/UNEA.1/1"), ("SOM21", "EMG/SOM.21/3")):
        meeting.select_option(label=page.locator("#id_meeting option", has_text=code).inner_text())
        expect(page.get_by_label("Document symbol")).to_have_value(expected)
    assert page.get_by_label("Document symbol").get_attribute("aria-describedby") == "id_symbol_helptext"
