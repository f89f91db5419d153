"""devtools' commands make synthetic plans, demo users with a published password and benchmark rows: none of that
may reach a production database. Each command calls refuse_production() first."""
import os
import re

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connections

ALLOW_ENV = "EMG_DEVTOOLS_ALLOW"
EXIT_CODE = 3
# A database counts as a development or test one if it is SQLite or its name has one of these words
# (test_emgplan, emgplan_dev, emgplan_bench, emgplan_ci…).
DEV_WORDS = {"test", "dev", "demo", "bench", "ci", "local", "tmp", "scratch"}


def production_reason(using: str = "default") -> str | None:
    """Why this looks like production (a sentence), or None when it is clearly development or tests."""
    if not settings.DEBUG:
        return "DEBUG is off"
    db = connections[using].settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return None
    name = str(db.get("NAME") or "")
    if DEV_WORDS & set(re.split(r"[^a-z0-9]+", name.lower())):
        return None
    return (f"the database {name!r} does not look like a development or test one (SQLite, or a name with one of "
            f"the words {', '.join(sorted(DEV_WORDS))})")


def refuse_production(command: str, using: str = "default") -> None:
    """Raise CommandError (exit code 3) unless this is a development or test setup, or ALLOW_ENV=1 says so."""
    if os.environ.get(ALLOW_ENV) == "1":
        return
    reason = production_reason(using)
    if reason:
        raise CommandError(f"{command} is development tooling and refuses to run here: {reason}. "
                           f"Set {ALLOW_ENV}=1 to run it anyway.", returncode=EXIT_CODE)
