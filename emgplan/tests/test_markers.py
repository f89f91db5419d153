"""`pytest -m "not browser"` runs every test but the browser ones, and `-m browser` exactly those."""
import re
import subprocess
import sys

from django.conf import settings


def _collect(*args) -> list[str]:
    done = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:randomly", "-n", "0",
                           *args], cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    return [line for line in done.stdout.splitlines() if re.match(r"^[\w/]+\.py::", line)]


def test_the_browser_marker_selects_the_browser_tests_and_only_them():
    everything = _collect()
    browser = _collect("-m", "browser")
    not_browser = _collect("-m", "not browser")
    assert browser and all(node.startswith("browser_tests/") for node in browser)
    assert set(browser) == {node for node in everything if node.startswith("browser_tests/")}
    assert len(not_browser) > 10 * len(browser)  # hundreds of non-browser tests are still selected
    assert "emgplan/tests/test_markers.py::test_the_browser_marker_selects_the_browser_tests_and_only_them" \
        in not_browser
    assert sorted(browser + not_browser) == sorted(everything)
