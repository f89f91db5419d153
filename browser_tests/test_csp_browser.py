"""The Content-Security-Policy (no inline script or style allowed) breaks nothing the pages need."""
import pytest
from playwright.sync_api import expect

from devtools.demo import demo_progress_create

pytestmark = pytest.mark.django_db(transaction=True)

PAGES = ["/", "/dashboard/", "/timeline/", "/milestones/", "/reports/", "/review/", "/admin/",
         "/admin/auth/user/"]


def test_pages_raise_no_csp_violation(sign_in, page, site, settings):
    demo_progress_create()
    violations = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    sign_in("secretariat")
    for path in PAGES:
        page.goto(f"{site.url}{path}")
        page.wait_for_load_state("networkidle")
    assert violations == []
    page.goto(f"{site.url}/dashboard/")
    segment = page.locator(".status-seg").first
    expect(segment).to_be_visible()
    width = segment.evaluate("e => e.getBoundingClientRect().width / e.parentElement.getBoundingClientRect().width")
    assert 0 < width < 1  # the width comes from the stylesheet, not an inline style
    page.goto(f"{site.url}/timeline/")
    assert page.locator(".timeline .today-line").evaluate("e => getComputedStyle(e).stroke") == "rgb(176, 0, 32)"


def test_a_text_area_counts_its_characters(sign_in, page, site, seed_plan):
    from activities.models import Milestone

    milestone = Milestone.objects.get(activity__accomplishment__code="A", activity__number=1, label="a",
                                      parent=None)
    sign_in("biodiversity-lead")
    page.goto(f"{site.url}/progress/new/?milestone={milestone.pk}")
    counter = page.locator("#id_narrative-counter")
    expect(counter).to_have_text("0 of 20,000 characters")
    page.locator("#id_narrative").fill("The mapping tool went live.")
    expect(counter).to_have_text("27 of 20,000 characters")
