"""Every main page, for each role that sees distinct content, at a laptop and a phone width:
no page wider than the window, and axe-core (vendored, see vendor/axe-core/README) finds nothing.

One test per role walks both widths, so the demo progress is seeded once per role (these tests flush
the database). Screenshots of every page at both widths go to test-artifacts/a11y/.
"""
import re
from pathlib import Path

import pytest

from devtools.demo import demo_progress_create

from .conftest import ARTIFACTS

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
WIDTHS = {"laptop": (1280, 800), "phone": (390, 844)}
COMMON = ["/", "/dashboard/", "/dashboard/lead-bodies/", "/timeline/", "/milestones/", "/milestones/?health=zzz",
          "/contributions/", "/cycles/", "/search/?q=biodiversity", "/meetings/", "/members/", "/lead-bodies/",
          "/notices/", "/profile/", "/work-plans/", "/decisions/", "/decisions/?kind=action"]
BY_ROLE = {
    "secretariat": ["/review/", "/reports/", "/reports/new/", "/users/", "/my-contributions/", "/activities/new/"],
    "biodiversity-lead": ["/my-work/", "/reports/"],
    "unido-focal": ["/my-contributions/", "/contributions/new/"],
    "chair": ["/reports/", "/reports/new/"],
    "viewer": [],
}
# Detail pages, found by following the first matching link from a list the role sees.
DETAILS = [("/", r"^/activities/\d+/$"), ("/", r"^/milestones/\d+/$"),
           ("/review/", r"^/progress/\d+/$"), ("/my-work/", r"^/progress/\d+/$"),
           ("/review/", r"^/progress/\d+/accept/$"), ("/review/", r"^/progress/\d+/return/$"),
           ("/cycles/", r"^/cycles/\d+/$"), ("/my-contributions/", r"^/contributions/\d+/$"),
           ("/reports/", r"^/reports/\d+/$"), ("/work-plans/", r"^/work-plans/\d+/carry-over/$"),
           ("/decisions/", r"^/decisions/\d+/$"), ("/decisions/?kind=action", r"^/decisions/\d+/$")]


def _cycle_and_report(settings):
    """A reporting cycle, a compiled report and EMG actions, so that their pages are walked too; returns the
    addresses of pages of these objects to walk, by role."""
    import datetime

    from django.contrib.auth.models import User

    from accomplishments.models import Meeting, WorkPlan
    from cycles.services import cycle_open
    from reports.services import report_request

    settings.EMG_TODAY = "2014-09-10"
    plan, som20, secretariat = WorkPlan.objects.get(), Meeting.objects.get(code="SOM20"), User.objects.get(
        username="secretariat")
    cycle_open(work_plan=plan, meeting=som20, period_start=datetime.date(2014, 7, 1),
               cut_off=datetime.date(2014, 9, 12), review_deadline=datetime.date(2014, 9, 19), by=secretariat)
    report = report_request(by=User.objects.get(username="chair"), plan=plan, kind="som", meeting=som20,
                            as_of=datetime.date(2014, 9, 1), symbol="EMG/SOM.20/3",
                            issued_on=datetime.date(2014, 9, 10),
                            suggested_actions="The senior officials may wish to take note of the progress made.")
    # An EMG action with progress waiting for review, for the decisions pages, My work and the review queue.
    from decisions.services import action_update_file
    from decisions.tests.factories import som20_action

    lead, secretariat = User.objects.get(username="biodiversity-lead"), User.objects.get(username="secretariat")
    action_update_file(decision=som20_action(1), by=lead, reported_status="in_progress",
                       narrative="Terms of reference drafted.")
    # A returned update its author may revise, and a draft decision the secretariat may delete.
    from decisions.services import action_update_return

    returned = action_update_file(decision=som20_action(2), by=lead, reported_status="done", narrative="Done.")
    action_update_return(update=returned, by=secretariat, reason="Say what was delivered.")
    draft = som20_action(3, state="draft")
    return {"secretariat": [f"/reports/{report.pk}/decisions/", f"/decisions/{draft.pk}/delete/"],
            "biodiversity-lead": [f"/decisions/progress/{returned.pk}/revise/"]}


def _links(page, pattern):
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    return [h for h in hrefs if re.match(pattern, h)]


def _check(page, url, label):
    """Problems on the page now shown: wider than the window, or axe violations (with where they are)."""
    problems = []
    scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if scroll_width > inner_width:
        problems.append(f"{label} {url}: page is {scroll_width}px wide in a {inner_width}px window")
    page.add_script_tag(path=str(AXE))
    for v in page.evaluate("axe.run().then(r => r.violations)"):
        targets = [n["target"] for n in v["nodes"][:3]]
        problems.append(f"{label} {url}: {v['id']} ({v['impact']}) at {targets}")
    return problems


@pytest.mark.parametrize("role", list(BY_ROLE))
def test_every_page_fits_and_has_no_axe_violation(browser, site, role, settings):
    demo_progress_create()
    pages_of = _cycle_and_report(settings)  # pages of objects made there, by role
    shots = ARTIFACTS / "a11y"
    shots.mkdir(parents=True, exist_ok=True)
    problems, visited = [], 0
    for width_name, (width, height) in WIDTHS.items():
        # bypass_csp: axe is injected as an inline script, which the Content-Security-Policy rightly refuses.
        context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
        page = context.new_page()
        page.goto(f"{site.url}/accounts/login/")
        if role == "viewer":  # the sign-in page, once
            problems += _check(page, "/accounts/login/", width_name)
        page.get_by_label("Username").fill(role)
        page.get_by_label("Password").fill("emg-demo-2014")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{site.url}/")
        urls = COMMON + BY_ROLE[role]
        urls = [*urls, *pages_of.get(role, [])]
        if width_name == "laptop":
            details = []
            for start, pattern in DETAILS:
                if start in urls:
                    page.goto(site.url + start)
                    details += _links(page, pattern)[:1]
        for url in urls + details:
            response = page.goto(site.url + url)
            assert response.status == 200, f"{role} {url}: {response.status}"
            visited += 1
            problems += _check(page, url, width_name)
            name = re.sub(r"[^a-z0-9]+", "-", url.lower()).strip("-") or "plan"
            page.screenshot(path=str(shots / f"{role}-{width_name}-{name}.png"), full_page=True)
        context.close()
    assert visited >= 2 * len(COMMON)
    assert not problems, "\n".join(problems)
