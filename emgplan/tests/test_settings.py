import subprocess
import sys

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


@pytest.mark.postgres
def test_contribution_year_trigger_installed_on_postgresql():
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname = 'contribution_year_in_plan'")
        assert cursor.fetchall() == [("contribution_year_in_plan",)]


def _settings_with(env):
    code = "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='emgplan.settings'; django.setup(); print('ok')"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)


def test_refuses_to_start_without_secret_key_when_debug_off():
    result = _settings_with({"DEBUG": "false", "PATH": "/usr/bin"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_starts_with_secret_key_when_debug_off():
    result = _settings_with({"DEBUG": "false", "SECRET_KEY": "x" * 50, "PATH": "/usr/bin"})
    assert result.returncode == 0, result.stderr


def test_embedded_default_is_sqlite_and_eager():
    result = subprocess.run(
        [sys.executable, "-c", "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='emgplan.settings';"
         "django.setup(); from django.conf import settings as s;"
         "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER)"],
        env={"PATH": "/usr/bin"}, capture_output=True, text=True,
    )
    assert result.stdout.split() == ["django.db.backends.sqlite3", "True"], result.stderr
