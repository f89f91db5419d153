"""The plan's cache version is bumped after the writer's commit, once, and never for a rolled-back change; no
writer waits for another on it. Transactional tests: the after-commit order is the real one here."""
import threading

import pytest
from django.db import connection, connections, transaction

from activities import services
from activities.tests.factories import ContributionFactory, MilestoneFactory, UserFactory
from emgplan.plan_cache import plan_version

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("seed_restored_after")]


@pytest.fixture
def milestone():
    return MilestoneFactory()


@pytest.fixture
def user():
    return UserFactory()


def _set(milestone, status, user):
    return services.milestone_set_status(milestone_id=milestone.pk, status=status, by=user,
                                         expected_version=services.CURRENT_VERSION)


def test_a_change_bumps_the_version_once_its_transaction_commits(milestone, user):
    before = plan_version()
    with transaction.atomic():
        _set(milestone, "on_track", user)
        assert plan_version() == before  # not inside the writer's transaction
    assert plan_version() == before + 1


def test_a_transaction_bumps_once_however_many_rows_it_saves(milestone, user):
    other = MilestoneFactory()
    before = plan_version()
    with transaction.atomic():
        _set(milestone, "on_track", user)
        _set(other, "at_risk", user)
        ContributionFactory()
    assert plan_version() == before + 1


def test_a_rolled_back_change_does_not_bump(milestone, user):
    before = plan_version()
    with pytest.raises(RuntimeError), transaction.atomic():
        _set(milestone, "on_track", user)
        raise RuntimeError("rolled back")
    assert plan_version() == before
    milestone.refresh_from_db()
    assert milestone.status == "not_started"


def test_a_change_after_a_rolled_back_savepoint_still_bumps(milestone, user):
    before = plan_version()
    with transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            _set(milestone, "on_track", user)  # its bump is dropped with the savepoint...
            raise RuntimeError("rolled back")
        _set(milestone, "at_risk", user)  # ...so this one must register its own
    assert plan_version() == before + 1
    milestone.refresh_from_db()
    assert milestone.status == "at_risk"


def test_no_writer_waits_for_another_on_the_version_row(milestone, user):
    """A writer whose transaction is still open holds no lock that another writer of other rows needs."""
    other = MilestoneFactory()
    saved, release, errors = threading.Event(), threading.Event(), []

    def slow_writer():
        try:
            with transaction.atomic():
                _set(milestone, "on_track", user)
                saved.set()
                release.wait(10)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    try:
        assert saved.wait(10)
        before = plan_version()
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET lock_timeout = '2s'")  # fail instead of waiting for the open transaction
        _set(other, "at_risk", user)  # another writer: saves and bumps without waiting
        assert plan_version() == before + 1
    finally:
        release.set()
        thread.join(10)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = 0")
    assert not errors
    assert plan_version() == before + 2
