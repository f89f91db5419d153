"""A transaction the database aborts for a deadlock or a serialisation failure runs again once (emgplan.db)."""
import logging

import psycopg2.errors
import pytest
from django.db import IntegrityError, OperationalError, transaction

from accomplishments.models import Member
from emgplan.db import atomic_with_retry, is_transient

pytestmark = pytest.mark.django_db


def aborted(kind=psycopg2.errors.DeadlockDetected, text="deadlock detected"):
    """The error Django raises when PostgreSQL aborts a transaction (the driver's error is its cause)."""
    try:
        raise OperationalError(text) from kind(text)
    except OperationalError as exc:
        return exc


def test_deadlocks_and_serialisation_failures_are_transient():
    assert is_transient(aborted())
    assert is_transient(aborted(psycopg2.errors.SerializationFailure, "could not serialize access"))
    assert not is_transient(OperationalError("server closed the connection unexpectedly"))
    assert not is_transient(IntegrityError("duplicate key value violates unique constraint"))
    assert not is_transient(aborted(psycopg2.errors.LockNotAvailable, "lock timeout"))


def _writer(failures, calls):
    """Saves a row, then fails like an aborted transaction the first `failures` times."""
    def run():
        calls.append(1)
        Member.objects.create(acronym=f"TRY{len(calls)}", name="Tried")
        if len(calls) <= failures:
            raise aborted()
        return len(calls)
    return run


def test_an_aborted_transaction_runs_again_once_and_saves_once(caplog):
    calls, rewound = [], []
    with caplog.at_level(logging.WARNING, logger="emgplan.db"):
        assert atomic_with_retry(_writer(1, calls), before_retry=lambda: rewound.append(1)) == 2
    assert len(calls) == 2 and len(rewound) == 1
    assert list(Member.objects.filter(acronym__startswith="TRY").values_list("acronym", flat=True)) == ["TRY2"]
    assert "running it again (attempt 2 of 2)" in caplog.text


def test_a_second_abort_is_raised_and_nothing_is_saved():
    calls = []
    with pytest.raises(OperationalError) as failed:
        atomic_with_retry(_writer(2, calls))
    assert is_transient(failed.value) and len(calls) == 2
    assert not Member.objects.filter(acronym__startswith="TRY").exists()


def test_other_errors_are_not_retried():
    calls = []

    def broken():
        calls.append(1)
        raise OperationalError("server closed the connection unexpectedly")

    with pytest.raises(OperationalError):
        atomic_with_retry(broken)
    assert len(calls) == 1


def test_inside_an_enclosing_transaction_the_outermost_level_owns_the_retry():
    calls = []
    with pytest.raises(OperationalError), transaction.atomic():
        atomic_with_retry(_writer(1, calls))
    assert len(calls) == 1
