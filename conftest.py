"""Shared fixtures: the seed plan, users for each role, and the PostgreSQL gate."""
import os

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from devtools.demo import DEMO_USERS, demo_users_create

FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test rolls its rows back: the shared fragments built from them must go too."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _fragments_retired_at_once_in_test_transaction(monkeypatch):
    """A test's own transaction never commits, so the after-commit retirement of shared fragments would never run
    in it: there it runs at once, in the writer's savepoint. Transactional tests keep the real order."""
    from emgplan import fragments

    real = fragments.after_commit

    def after_commit(func):
        if connection.in_atomic_block and any(getattr(b, "_from_testcase", False) for b in connection.atomic_blocks):
            func()
        else:
            real(func)
    monkeypatch.setattr(fragments, "after_commit", after_commit)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture(autouse=True)
def _postgres_gate(request):
    """Tests marked postgres skip on other databases, unless CI requires PostgreSQL: then they fail."""
    if request.node.get_closest_marker("postgres") is None:
        return
    if connection.vendor != "postgresql":
        if os.environ.get("EMG_REQUIRE_POSTGRES") == "1":
            pytest.fail("This test needs PostgreSQL and EMG_REQUIRE_POSTGRES=1 is set.")
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")


SEED_SYMBOL = "EMG/SOM.19/03/Rev.1"


def _seed_and_demo_users():
    from accomplishments.models import WorkPlan

    if not WorkPlan.objects.filter(symbol=SEED_SYMBOL).exists():
        call_command("load_workplan", verbosity=0, stdout=open(os.devnull, "w"))
    if not Group.objects.filter(name="secretariat").exists() or User.objects.filter(
            username__in=DEMO_USERS).count() < len(DEMO_USERS):
        demo_users_create()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the seed plan and the demo users once per test database; each test rolls its changes back.

    Tests that flush the database (transactional ones, such as the browser tests) leave it empty:
    the fixtures below load the plan again when it is missing.
    """
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        _seed_and_demo_users()


@pytest.fixture(scope="module")
def seed_restored_after(django_db_blocker):
    """For a module of transactional tests (they flush the database): load the seed plan and demo users again
    after the module, so that the tests after it find them instead of each loading them in its transaction."""
    yield
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        _seed_and_demo_users()


@pytest.fixture
def seed_plan(db):
    """The 2014–2015 plan from the seed, loaded as `make run` loads it."""
    from accomplishments.models import WorkPlan

    _seed_and_demo_users()
    return WorkPlan.objects.get(symbol=SEED_SYMBOL)


@pytest.fixture
def demo_users(seed_plan):
    return {u.username: u for u in User.objects.filter(username__in=DEMO_USERS)}


@pytest.fixture
def client_as(client, demo_users):
    """client_as("chair") -> the test client signed in as that demo user."""

    def _as(username):
        client.force_login(demo_users[username])
        return client

    return _as
