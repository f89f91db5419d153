"""The main journeys of each role, in a real browser."""
import re

import pytest
from playwright.sync_api import expect

from activities.models import Milestone

pytestmark = pytest.mark.django_db(transaction=True)


def _milestone(code, label):
    letter, number = code.split(".")
    return Milestone.objects.get(activity__accomplishment__code=letter, activity__number=int(number), label=label,
                                 parent=None)


def test_secretariat_changes_status_inline_and_sees_history(sign_in, page, site, screenshot):
    sign_in("secretariat")
    m = _milestone("A.1", "a")
    row = page.locator(f"#milestone-{m.pk}")
    # The form is fetched on demand; Cancel puts the row back as it was.
    page.get_by_role("link", name="Change status of A.1(a)", exact=True).click()
    expect(page.get_by_label("Status of A.1(a)", exact=True)).to_be_focused()
    page.get_by_role("link", name="Cancel the change of A.1(a)").click()
    expect(page.get_by_label("Status of A.1(a)", exact=True)).to_have_count(0)
    page.get_by_role("link", name="Change status of A.1(a)", exact=True).click()
    page.get_by_label("Status of A.1(a)", exact=True).select_option(label="On track")
    page.get_by_role("button", name="Save A.1(a)", exact=True).click()
    expect(row).to_contain_text("status set to On track")  # the row was swapped in place by htmx
    expect(row.locator(".status")).to_contain_text("On track")
    assert page.url == f"{site.url}/"
    row.get_by_role("link", name="Milestone A.1(a)").click()
    history = page.locator("section", has=page.get_by_role("heading", name="History"))
    expect(history).to_contain_text("Not started → On track")
    expect(history).to_contain_text("Sam Secretariat")
    screenshot()


def test_progress_filed_returned_revised_and_accepted(sign_in, page, site, screenshot, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    evidence = tmp_path / "workshop-notes.txt"
    evidence.write_text("Notes of the mapping tool workshop.")
    m = _milestone("A.1", "a")

    sign_in("biodiversity-lead")
    page.goto(f"{site.url}/milestones/{m.pk}/")
    page.get_by_role("link", name="File progress on A.1(a)").click()
    page.get_by_label("Status").select_option(label="At risk")
    page.get_by_label("Narrative").fill("The mapping tool is in beta; two agencies still to report.")
    page.get_by_label("Evidence links").fill("https://www.cbd.int/sp/")
    page.get_by_label("Attach files").set_input_files(str(evidence))
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_role("status")).to_contain_text("submitted for review")
    expect(page.get_by_role("link", name="workshop-notes.txt")).to_be_visible()

    sign_in("secretariat")
    page.goto(f"{site.url}/review/")
    page.get_by_role("link", name="Return update on A.1(a)").click()
    page.get_by_label("Reason for returning").fill("Please name the two agencies.")
    page.get_by_role("button", name="Return to author").click()
    expect(page.get_by_role("status")).to_contain_text("returned to its author")

    sign_in("biodiversity-lead")
    page.goto(f"{site.url}/my-work/")
    expect(page.get_by_text("returned because: Please name the two agencies.")).to_be_visible()
    page.get_by_role("link", name=re.compile(r"A\.1\(a\), Jan 2014|A\.1\(a\), .*2014")).first.click()
    page.get_by_role("button", name="Revise and resubmit").click()
    page.get_by_label("Narrative").fill("The mapping tool is in beta; UNDP and WMO still to report.")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_role("status")).to_contain_text("submitted for review")

    sign_in("secretariat")
    page.goto(f"{site.url}/review/")
    page.get_by_role("link", name="Accept… update on A.1(a)").click()  # a confirmation step first
    expect(page.get_by_role("heading", name="Accept the update on A.1(a)?")).to_be_visible()
    page.get_by_role("button", name="Accept the update").click()
    expect(page.get_by_role("status")).to_contain_text("accepted")
    page.goto(f"{site.url}/milestones/{m.pk}/")
    expect(page.locator("dd").first).to_contain_text("At risk")
    expect(page.get_by_text("UNDP and WMO still to report")).to_be_visible()
    expect(page.locator("section", has=page.get_by_role("heading", name="History"))).to_contain_text(
        "Not started → At risk")
    screenshot()


def test_focal_point_records_contribution_and_totals_change(sign_in, page, site, screenshot):
    sign_in("unido-focal")
    page.get_by_role("link", name="My contributions").click()
    expect(page.locator("#total-days")).to_have_text("0")
    page.get_by_role("link", name="Record a contribution").click()
    page.get_by_label("Activity").select_option(label="B.2 Peer-Reviews of environmental profiles of the EMG members")
    page.get_by_label("Kind").select_option(label="Personal time")
    page.get_by_label("Year").fill("2014")
    page.get_by_label("Staff days").fill("12.5")
    page.get_by_label("State").select_option(label="Pledged")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Contribution recorded")
    expect(page.locator("#total-days")).to_have_text("12.5")
    screenshot()


def test_green_economy_lead_cannot_reach_biodiversity_milestone_edit(sign_in, page, site, screenshot):
    m = _milestone("A.1", "a")
    sign_in("greeneconomy-lead")
    for path in (f"/milestones/{m.pk}/status/", f"/milestones/{m.pk}/edit/"):
        response = page.goto(site.url + path)
        assert response.status == 403
    page.goto(f"{site.url}/milestones/{m.pk}/")
    expect(page.get_by_label("Status of A.1(a)")).to_have_count(0)
    expect(page.get_by_role("link", name="Change status of A.1(a)")).to_have_count(0)
    expect(page.get_by_role("link", name="File progress on A.1(a)")).to_have_count(0)
    screenshot()


def test_secretariat_arranges_the_plan_and_moves_an_activity(sign_in, page, site, screenshot):
    sign_in("secretariat")
    headings = page.locator("article h3")
    expect(headings.nth(0)).to_contain_text("A.1 IMG on biodiversity")
    expect(page.get_by_role("button", name="Move up A.2")).to_have_count(0)  # not on the everyday page
    page.get_by_role("link", name="Arrange the plan").click()
    page.get_by_role("button", name="Move up A.2", exact=True).click()
    expect(headings.nth(0)).to_contain_text("A.1 IMG on Green Economy")
    expect(headings.nth(1)).to_contain_text("A.2 IMG on biodiversity")
    assert page.url == f"{site.url}/?arrange=1"
    screenshot()
    page.get_by_role("link", name="Done arranging").click()
    expect(page.get_by_role("link", name="Arrange the plan")).to_be_visible()
    expect(headings.nth(0)).to_contain_text("A.1 IMG on Green Economy")
