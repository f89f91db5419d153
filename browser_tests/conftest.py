"""Browser tests: Debian's headless Chromium driven by Playwright against Django's live server.

Only here: Playwright runs an event loop in the test thread, so the ORM calls of a live_server test
need DJANGO_ALLOW_ASYNC_UNSAFE.
"""
import os
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]


HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items):
    """Mark this folder's tests `browser` (the hook sees the whole session's items: mark only ours), so that
    `pytest -m "not browser"` runs every other test and `-m browser` these."""
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_FLAGS, "headless": True}


@pytest.fixture
def site(live_server, demo_users, settings):
    """The live server with the seed plan and the demo users, as of mid-2014 (as `make run` shows it)."""
    settings.EMG_TODAY = "2014-06-15"
    return live_server


@pytest.fixture
def sign_in(page, site):
    """sign_in("chair") signs in through the form, as a person would."""

    def _sign_in(username, password="emg-demo-2014"):
        page.context.clear_cookies()  # sign out whoever was signed in
        page.goto(f"{site.url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{site.url}/")
        return page

    return _sign_in


@pytest.fixture
def screenshot(page, request):
    """screenshot() saves the page into test-artifacts/ (ignored by git) under the test's name."""

    def _shot(suffix=""):
        ARTIFACTS.mkdir(exist_ok=True)
        name = request.node.name.replace("/", "_") + (f"-{suffix}" if suffix else "")
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    return _shot
