"""devtools' commands refuse a production database: DEBUG off, or a database not named for development or tests."""
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connections

from devtools.guard import ALLOW_ENV, EXIT_CODE, production_reason

pytestmark = pytest.mark.django_db

COMMANDS = [["generate_plan", "--scale", "1"], ["seed_demo"], ["bench_reports", "--scale", "1"]]


@pytest.fixture
def production_database(monkeypatch):
    """The default connection's settings as production's (only read by the guard: nothing connects with them)."""
    db = connections["default"].settings_dict
    monkeypatch.setitem(db, "ENGINE", "django.db.backends.postgresql")
    monkeypatch.setitem(db, "NAME", "emgplan")


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: a[0])
def test_every_command_refuses_when_debug_is_off(args, settings, monkeypatch):
    monkeypatch.delenv(ALLOW_ENV, raising=False)
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off") as refused:
        call_command(*args, stdout=open(os.devnull, "w"))
    assert refused.value.returncode == EXIT_CODE
    assert ALLOW_ENV in str(refused.value)  # the message says how to run it anyway


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: a[0])
def test_every_command_refuses_a_production_named_database_even_with_debug(args, settings, monkeypatch,
                                                                           production_database):
    monkeypatch.delenv(ALLOW_ENV, raising=False)
    settings.DEBUG = True
    with pytest.raises(CommandError, match="'emgplan' does not look like a development or test one") as refused:
        call_command(*args, stdout=open(os.devnull, "w"))
    assert refused.value.returncode == EXIT_CODE


def test_nothing_was_written_by_a_refused_command(settings, monkeypatch):
    from django.contrib.auth.models import User

    monkeypatch.delenv(ALLOW_ENV, raising=False)
    settings.DEBUG = False
    before = User.objects.count()
    with pytest.raises(CommandError):
        call_command("seed_demo", stdout=open(os.devnull, "w"))
    assert User.objects.count() == before


@pytest.mark.parametrize("name,engine,expected", [
    ("test_emgplan", "django.db.backends.postgresql", None),
    ("test_emgplan_gw1", "django.db.backends.postgresql", None),
    ("emgplan_dev", "django.db.backends.postgresql", None),
    ("emgplan_bench", "django.db.backends.postgresql", None),
    ("emgplan_ci", "django.db.backends.postgresql", None),
    ("/tmp/x.sqlite3", "django.db.backends.sqlite3", None),
    ("emgplan", "django.db.backends.postgresql", "refused"),
    ("emgplan_prod", "django.db.backends.postgresql", "refused"),
    ("contest", "django.db.backends.postgresql", "refused"),  # a word, not a part of one
])
def test_which_databases_count_as_development(name, engine, expected, settings, monkeypatch):
    settings.DEBUG = True
    db = connections["default"].settings_dict
    monkeypatch.setitem(db, "ENGINE", engine)
    monkeypatch.setitem(db, "NAME", name)
    assert (production_reason() and "refused") == expected


def test_the_override_lets_it_run(settings, monkeypatch, production_database):
    settings.DEBUG = True
    monkeypatch.setenv(ALLOW_ENV, "1")
    call_command("generate_plan", "--scale", "1", stdout=open(os.devnull, "w"))


def _manage(*args, **env):
    full = {**os.environ, "SECRET_KEY": "guard-test-" + "x" * 40, **env}
    for name in [ALLOW_ENV, *(k for k, v in env.items() if v is None)]:
        full.pop(name, None)
    return subprocess.run([sys.executable, str(settings.BASE_DIR / "manage.py"), *args], env=full,
                          capture_output=True, text=True, timeout=120)


def test_manage_py_exits_3_with_a_clear_message_when_debug_is_off():
    done = _manage("seed_demo", DEBUG="false", EMG_DEVTOOLS="1")
    assert done.returncode == EXIT_CODE, done.stderr
    assert "seed_demo (demo users with a published password) is development tooling and refuses to run here: " \
           "DEBUG is off" in done.stderr


def test_production_settings_do_not_install_devtools_at_all():
    done = _manage("seed_demo", DEBUG="false", EMG_DEVTOOLS=None, EMG_BENCHMARK=None)
    assert done.returncode != 0
    assert "Unknown command: 'seed_demo'" in done.stderr
