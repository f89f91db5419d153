"""A refused stale write, in a real browser: htmx swaps the 409 answer into the row."""
import pytest
from playwright.sync_api import expect

from activities import services
from activities.models import Milestone

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_stale_inline_status_change_shows_what_changed_in_its_row(sign_in, page, site, demo_users):
    sign_in("secretariat")
    m = Milestone.objects.get(activity__accomplishment__code="A", activity__number=1, label="a", parent=None)
    row = page.locator(f"#milestone-{m.pk}")
    page.get_by_role("link", name="Change status of A.1(a)", exact=True).click()
    page.get_by_label("Status of A.1(a)", exact=True).select_option(label="Delayed")
    # Meanwhile the lead moves the same milestone.
    services.milestone_set_status(milestone_id=m.pk, status="at_risk", by=demo_users["biodiversity-lead"],
                                  expected_version=m.version)
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Save A.1(a)", exact=True).click()
    assert answer.value.status == 409
    expect(row).to_contain_text("Not saved: Bea Biodiversity changed this record after you opened it")
    expect(row).to_contain_text("“Not started” → “At risk”")
    expect(page.get_by_label("Status of A.1(a)", exact=True)).to_have_value("at_risk")  # the form, as it is now
    m.refresh_from_db()
    assert m.status == "at_risk"
    # Saving again from the refreshed row applies the change on top of the lead's.
    page.get_by_label("Status of A.1(a)", exact=True).select_option(label="Delayed")
    page.get_by_role("button", name="Save A.1(a)", exact=True).click()
    expect(row).to_contain_text("status set to Delayed")
    m.refresh_from_db()
    assert m.status == "delayed" and m.version == 3
