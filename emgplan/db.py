"""Transactions that PostgreSQL aborts to resolve a conflict between writers are run again once.

PostgreSQL ends one of two deadlocked transactions with SQLSTATE 40P01 (deadlock_detected), and a
transaction that cannot be serialised with 40001 (serialization_failure). Nothing of the aborted
transaction was saved, so running the whole of it again is safe, provided it started at the outermost
level (a retry inside an enclosing transaction would keep that transaction's locks and its failed state)
and everything it does outside the database waits for the commit (transaction.on_commit).

Lock order, so that two writers never wait for each other in a circle: a transaction that locks more
than one row locks them in the plan's order, activity → milestone → progress update → evidence file;
a contribution, a reporting cycle or a report is locked alone. Foreign keys are checked at commit
(Django's constraints are DEFERRABLE INITIALLY DEFERRED), so the shared key locks an INSERT takes on the
rows it points at come last, after every row lock of the transaction: those are shared and never wait
for each other.
No row is locked by every write.
"""
import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction

logger = logging.getLogger(__name__)

T = TypeVar("T")

DEADLOCK_DETECTED = "40P01"
SERIALIZATION_FAILURE = "40001"
TRANSIENT_CODES = {DEADLOCK_DETECTED, SERIALIZATION_FAILURE}
RETRY_PAUSE = 0.05  # seconds, at most, before the retry: lets the transaction that won finish first


def is_transient(exc: BaseException) -> bool:
    """Whether the database aborted the transaction to resolve a conflict (deadlock, serialisation failure).

    Django wraps the driver's error (the cause); psycopg2 gives its SQLSTATE as pgcode, and its error classes
    say the same when built by hand (in tests).
    """
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if getattr(exc, "pgcode", None) in TRANSIENT_CODES or getattr(exc, "sqlstate", None) in TRANSIENT_CODES:
            return True
        if type(exc).__name__ in ("DeadlockDetected", "SerializationFailure"):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def outermost(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether a transaction started now would be the outermost one (a test case's own transaction aside)."""
    blocks = connections[using].atomic_blocks
    return all(getattr(block, "_from_testcase", False) for block in blocks)


def atomic_with_retry(func: Callable[[], T], *, using: str = DEFAULT_DB_ALIAS, attempts: int = 2,
                      before_retry: Callable[[], None] | None = None) -> T:
    """Run func() in a transaction; if the database aborts it for a deadlock or a serialisation failure, run it
    again (once by default) after rolling back. The last failure is raised.

    Safe to use only for work whose effects outside the database wait for the commit. Inside an enclosing
    transaction it runs once, in a savepoint: the outermost level owns the retry. before_retry() rewinds
    what the first run consumed (uploaded files).
    """
    retry = outermost(using)
    for attempt in range(1, attempts + 1):
        try:
            with transaction.atomic(using=using):
                return func()
        except DatabaseError as exc:
            if not (retry and attempt < attempts and is_transient(exc)):
                raise
            logger.warning("Transaction aborted by the database; running it again (attempt %d of %d): %s",
                           attempt + 1, attempts, str(exc).strip())
            time.sleep(random.uniform(0, RETRY_PAUSE))
            if before_retry is not None:
                before_retry()
    raise AssertionError("unreachable")  # pragma: no cover
