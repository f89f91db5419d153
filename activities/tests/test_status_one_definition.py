"""activities.status is the one module that says which statuses are open, at risk, completed or closed: no other
product module spells such a set out again (a page, report and reminder must never disagree)."""
import re
from pathlib import Path

from django.conf import settings

PRODUCT_APPS = ["accomplishments", "activities", "workplans", "accounts", "cycles", "reports", "overview", "backups",
                "emgplan"]
# Two or more of the statuses named together (a tuple, list or set of them) is a definition of a group.
NAMES = ["not_started", "on_track", "at_risk", "delayed", "completed", "cancelled"]
STATUS = rf"""(?:[\w.]*Status\.(?:{"|".join(n.upper() for n in NAMES)})|["'](?:{"|".join(NAMES)})["'])"""
GROUP = re.compile(rf"[(\[{{]\s*{STATUS}\s*,\s*{STATUS}")


def _product_modules():
    for app in PRODUCT_APPS:
        for path in (Path(settings.BASE_DIR) / app).rglob("*.py"):
            if "tests" in path.parts or "migrations" in path.parts or path.name == "status.py":
                continue
            yield path


def test_no_module_but_activities_status_defines_a_group_of_statuses():
    found = [f"{path.relative_to(settings.BASE_DIR)}: {m.group(0)}" for path in _product_modules()
             for m in GROUP.finditer(path.read_text())]
    assert found == []


def test_the_check_finds_a_definition_where_there_is_one():
    text = (Path(settings.BASE_DIR) / "activities" / "status.py").read_text()
    assert GROUP.search(text)  # status.py itself names them: ("not_started", "on_track", ...)
    assert GROUP.search('late = ("at_risk", "delayed")')
    assert GROUP.search("if s in (Milestone.Status.AT_RISK, Milestone.Status.DELAYED):")
