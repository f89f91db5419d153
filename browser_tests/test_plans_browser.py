"""Several work plans in the browser: the secretariat carries unfinished work into the proposed plan, records its
adoption, works in it, and switches back to the past plan, which stays readable."""
import pytest
from playwright.sync_api import expect

from browser_tests.test_a11y_browser import _check

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def proposed_plan(site):
    from accomplishments.models import WorkPlan

    return WorkPlan.objects.create(title="Environment Management Group work plan for 2016 – 2017",
                                   symbol="EMG/SOM.21/03", first_year=2016, last_year=2017)


@pytest.fixture
def new_context(browser):
    # axe is injected as an inline script, which the Content-Security-Policy rightly refuses (as in the a11y walk).
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    yield context
    context.close()


@pytest.fixture
def page(new_context):
    return new_context.new_page()


def test_secretariat_carries_over_adopts_and_switches_plans(sign_in, page, site, proposed_plan, screenshot):
    sign_in("secretariat")
    page.get_by_role("button", name="Plan 2014–2015").click()
    page.get_by_role("link", name="All work plans").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Work plans")
    row = page.locator("#plan-2016-2017")
    expect(row).to_contain_text("Draft")

    # Carry two unfinished milestones of 2014–2015 over into the draft.
    row.get_by_role("link", name="Carry over into the 2016–2017 plan").click()
    page.get_by_label("A.1(b)").check()
    page.get_by_label("A.2(a)").check()
    page.get_by_role("button", name="Carry the chosen milestones over").click()
    expect(page.get_by_role("status").filter(has_text="2 milestones carried over")).to_be_visible()
    expect(page.get_by_role("link", name="A.1(b)")).to_be_visible()  # the copy, in the new plan
    problems = _check(page, "carry-over", "laptop")

    # Record the adoption at SOM21: asked first, then current.
    page.goto(f"{site.url}/work-plans/")
    page.locator("#plan-2016-2017").get_by_role("link", name="Record adoption of the 2016–2017 plan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record the adoption of the 2016–2017 plan")
    page.get_by_label("Adopted at").select_option(label="SOM21")
    page.get_by_role("button", name="Record the adoption").click()
    expect(page.get_by_role("status").filter(has_text="is now current")).to_be_visible()
    expect(page.locator("#plan-2016-2017")).to_contain_text("Current")
    expect(page.locator("#plan-2014-2015")).to_contain_text("Past")
    problems += _check(page, "work plans", "laptop")
    screenshot("adopted")

    # The plan pages now show 2016–2017, with the carried milestones.
    page.get_by_role("link", name="EMG Work Plan").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("2016 – 2017")
    expect(page.locator("tr[id^=milestone-]")).to_have_count(2)

    # Switch to 2014–2015: its address names it, every page keeps it, and the banner says it is past.
    page.get_by_role("button", name="Plan 2016–2017").click()
    page.get_by_role("link", name="2014–2015 (past)").click()
    expect(page).to_have_url(f"{site.url}/plans/2014-2015/")
    expect(page.locator("#plan-banner")).to_contain_text("You are viewing the 2014–2015 plan (past)")
    expect(page.locator("tr[id^=milestone-]")).to_have_count(22)
    page.get_by_role("link", name="Milestones").first.click()
    expect(page).to_have_url(f"{site.url}/plans/2014-2015/milestones/")
    expect(page.locator("#plan-banner")).to_be_visible()
    page.get_by_role("button", name="Plan 2014–2015").click()  # the switcher open
    problems += _check(page, "past plan", "laptop")
    assert not problems, "\n".join(problems)
    screenshot("past-plan")
