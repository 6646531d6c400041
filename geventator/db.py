"""Storage helpers that behave the same on SQLite and on MongoDB."""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import ParamSpec, TypeVar

from django.db import DEFAULT_DB_ALIAS, OperationalError, connections, transaction

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

# How often a multi-row write is tried when the store reports a transient conflict, and the base
# of the jittered backoff between tries (seconds): short, since the competing write is brief. Three
# tries were not enough for eight clients editing the same entry on MongoDB (a third conflict in a
# row answered 500); five, with the backoff doubling from 0.05 s, wait at most about 1.1 s.
DEFAULT_ATTEMPTS = 5
BACKOFF_SECONDS = 0.05
# MongoDB's WriteConflict: two transactions touched the same document; retrying the loser is safe.
MONGODB_WRITE_CONFLICT = 112


def atomic(using: str = DEFAULT_DB_ALIAS) -> AbstractContextManager:
    """All-or-nothing block for writes that touch several rows or documents.

    Django's ``transaction.atomic`` does nothing on django-mongodb-backend; its own ``atomic``
    runs a multi-document transaction (needs a replica set). Use this helper for every
    multi-row write so both stores get a real transaction.
    """
    if connections[using].vendor == "mongodb":
        from django_mongodb_backend import transaction as mongo_transaction

        return mongo_transaction.atomic(using)
    return transaction.atomic(using=using)


def is_transient(exc: BaseException) -> bool:
    """Whether retrying the whole transaction may succeed: a lock or conflict, not bad data."""
    message = str(exc).lower()
    if isinstance(exc, OperationalError) and ("database is locked" in message or "database is busy" in message):
        # SQLite: another worker held the write lock beyond the busy timeout.
        return True
    try:
        from pymongo.errors import OperationFailure, PyMongoError
    except ImportError:  # pragma: no cover - pymongo is always installed with the MongoDB backend
        return False
    # django-mongodb-backend lets pymongo's errors through, sometimes wrapped in Django's (once or
    # more: a DatabaseError raised while handling another), so the whole chain is asked.
    seen: set[int] = set()
    error: BaseException | None = exc
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, PyMongoError) and (
            error.has_error_label("TransientTransactionError")
            or (isinstance(error, OperationFailure) and error.code == MONGODB_WRITE_CONFLICT)
        ):
            return True
        error = error.__cause__ or error.__context__
    return False


def run_atomically(
    fn: Callable[P, R],
    *args: P.args,
    attempts: int = DEFAULT_ATTEMPTS,
    using: str = DEFAULT_DB_ALIAS,
    **kwargs: P.kwargs,
) -> R:
    """Run ``fn`` in one atomic() block; on a transient store error, roll back and run it again.

    At most ``attempts`` runs, with a short jittered backoff so that competing writers do not
    collide again in step; any other error, or a transient one on the last run, is raised. ``fn``
    must be safe to repeat: it runs from scratch each time (nothing of a failed run is kept).
    Inside an outer atomic() block a retry would not help (the outer transaction is already
    broken), so there it runs once.
    """
    connection = connections[using]
    if connection.in_atomic_block or getattr(connection, "in_atomic_block_mongo", False):
        attempts = 1
    for attempt in range(1, attempts + 1):
        try:
            with atomic(using):
                return fn(*args, **kwargs)
        except Exception as exc:
            if attempt == attempts or not is_transient(exc):
                raise
            delay = BACKOFF_SECONDS * (2 ** (attempt - 1)) * (0.5 + random.random())  # noqa: S311
            logger.warning("Transient store error (attempt %s of %s), retrying: %s", attempt, attempts, exc)
            time.sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


def retrying(fn: Callable[P, R]) -> Callable[P, R]:
    """Decorator form of run_atomically() with the default bound."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        return run_atomically(fn, *args, **kwargs)

    return wrapper
