import pytest
from playwright.sync_api import expect

from devtools.demo import demo_progress_create

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def living_site(site, settings):
    settings.EMG_TODAY = "2014-06-15"
    demo_progress_create()
    return site


def test_dashboard_renders(sign_in, page, living_site, screenshot):
    sign_in("chair")
    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Where the plan stands")
    table = page.locator("#status-by-accomplishment")
    expect(table.locator("tbody tr")).to_have_count(4)
    expect(table.locator("tfoot [data-total]")).to_have_text("22")
    expect(page.locator(".status-bar").first).to_be_visible()
    expect(page.get_by_role("heading", name="Latest accepted progress")).to_be_visible()
    page.get_by_label("Year").select_option("2014")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(f"{living_site.url}/dashboard/?year=2014")
    screenshot()


def test_timeline_renders_and_shows_a_milestone_on_focus(sign_in, page, living_site, screenshot):
    sign_in("viewer")
    page.goto(f"{living_site.url}/timeline/")
    svg = page.locator("#timeline-svg")
    expect(svg).to_be_visible()
    expect(page.locator("a.ms-marker")).to_have_count(7)
    expect(page.locator(".meeting-line")).to_have_count(4)
    marker = page.locator("a.ms-marker[data-status=at_risk]").first
    tip = marker.locator(".tip")
    expect(tip).to_be_hidden()
    marker.focus()
    expect(tip).to_be_visible()
    expect(tip).to_contain_text("A.1(d) · At risk")
    screenshot()
    href = marker.get_attribute("href")
    assert href.endswith(f"#milestone-{marker.get_attribute('data-milestone')}")
    marker.locator("path.shape").click()
    expect(page).to_have_url(f"{living_site.url}{href}")


def test_filtered_milestone_list_renders(sign_in, page, living_site, screenshot):
    sign_in("secretariat")
    page.goto(f"{living_site.url}/milestones/")
    expect(page.locator("#milestone-table tbody tr")).to_have_count(22)
    page.get_by_label("Lead body").select_option(label="IMG on biodiversity")
    page.get_by_label("At risk", exact=True).check()
    page.get_by_label("On track", exact=True).check()
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#milestone-table tbody tr")).to_have_count(2)
    assert "status=at_risk" in page.url and "lead_body=" in page.url
    page.get_by_role("link", name="Due").click()
    expect(page.locator("th[aria-sort=ascending]")).to_have_text("Due ▲")
    screenshot()


def test_as_of_control_in_the_header(sign_in, page, living_site, screenshot):
    sign_in("viewer")
    page.get_by_label("Plan as of").fill("2014-09-30")
    page.get_by_role("button", name="View the plan as of this date").click()
    expect(page.get_by_role("status").filter(has_text="Viewing the plan as of 30 September 2014")).to_be_visible()
    page.goto(f"{living_site.url}/timeline/")
    expect(page.locator(".today-label")).to_have_text("Today 30 Sep 2014")
    page.get_by_role("button", name="Back to today").click()
    expect(page.get_by_text("Viewing the plan as of")).to_have_count(0)
    screenshot()
