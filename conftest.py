"""Shared fixtures: the seed plan, users for each role, and the PostgreSQL gate."""
import os

import pytest
from django.core.management import call_command
from django.db import connection

from accomplishments.demo import DEMO_USERS, demo_users_create


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _postgres_gate(request):
    """Tests marked postgres skip on other databases, unless CI requires PostgreSQL: then they fail."""
    if request.node.get_closest_marker("postgres") is None:
        return
    if connection.vendor != "postgresql":
        if os.environ.get("EMG_REQUIRE_POSTGRES") == "1":
            pytest.fail("This test needs PostgreSQL and EMG_REQUIRE_POSTGRES=1 is set.")
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")


@pytest.fixture
def seed_plan(db):
    """The 2014–2015 plan from the seed, loaded as `make run` loads it."""
    call_command("load_workplan", verbosity=0, stdout=open(os.devnull, "w"))
    from accomplishments.models import WorkPlan

    return WorkPlan.objects.get(symbol="EMG/SOM.19/03/Rev.1")


@pytest.fixture
def demo_users(seed_plan):
    from django.contrib.auth.models import User

    demo_users_create()
    return {u.username: u for u in User.objects.filter(username__in=DEMO_USERS)}


@pytest.fixture
def client_as(client, demo_users):
    """client_as("chair") -> the test client signed in as that demo user."""

    def _as(username):
        client.force_login(demo_users[username])
        return client

    return _as
