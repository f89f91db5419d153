import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_secretariat_signs_in_and_sees_the_plan(sign_in, page, screenshot):
    sign_in("secretariat")
    expect(page.get_by_role("heading", level=1)).to_contain_text("work plan for 2014 – 2015")
    headings = ["A. Programmatic issues", "B. Operational issues", "C. Management issues", "D. Overall cooperation"]
    for heading in headings:
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    expect(page.locator("tr[id^=milestone-]")).to_have_count(22)
    screenshot()


def test_anonymous_is_sent_to_sign_in(page, site):
    page.goto(site.url + "/")
    expect(page).to_have_url(f"{site.url}/accounts/login/?next=/")
