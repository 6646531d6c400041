"""run_atomically(): a multi-row write retried on transient store errors, within a bound."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, OperationalError
from pymongo.errors import OperationFailure

from geventator import db
from organizers.factories import EventFactory
from organizers.models import Event

# Real transactions: the retry only runs outside an outer atomic block (TestCase's on SQLite).
pytestmark = pytest.mark.django_db(transaction=True)


def sqlite_busy() -> Exception:
    return OperationalError("database is locked")


def mongo_write_conflict() -> Exception:
    return OperationFailure("WriteConflict", code=112)


def mongo_transient_label() -> Exception:
    return OperationFailure("transaction aborted", code=251, details={"errorLabels": ["TransientTransactionError"]})


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch):
    monkeypatch.setattr(db, "BACKOFF_SECONDS", 0)


def failing_first(times: int, error):
    """A two-row write that fails ``times`` times after its first row, then succeeds."""
    calls = {"n": 0}

    def write() -> int:
        calls["n"] += 1
        EventFactory(slug=f"attempt-{calls['n']}")
        if calls["n"] <= times:
            raise error()
        EventFactory(slug=f"second-row-{calls['n']}")
        return calls["n"]

    return write


@pytest.mark.parametrize("error", [sqlite_busy, mongo_write_conflict, mongo_transient_label])
def test_transient_error_on_first_attempt_succeeds_on_the_second(error):
    result = db.run_atomically(failing_first(1, error))

    assert result == 2
    # The failed attempt's first row was rolled back: only the successful run's rows remain.
    assert sorted(Event.objects.values_list("slug", flat=True)) == ["attempt-2", "second-row-2"]


def test_transient_error_is_raised_after_the_bound():
    with pytest.raises(OperationalError):
        db.run_atomically(failing_first(3, sqlite_busy), attempts=3)

    assert not Event.objects.exists()


@pytest.mark.parametrize(
    "error", [lambda: IntegrityError("duplicate"), lambda: OperationalError("no such table"), lambda: ValueError()]
)
def test_permanent_error_is_raised_at_once_without_retry(error):
    write = failing_first(1, error)

    with pytest.raises(Exception) as raised:
        db.run_atomically(write)

    assert type(raised.value) is type(error())
    assert not Event.objects.exists()


def test_retrying_decorator_wraps_the_function():
    calls = []

    @db.retrying
    def write(slug: str) -> str:
        calls.append(slug)
        if len(calls) == 1:
            raise sqlite_busy()
        return EventFactory(slug=slug).slug

    assert write("decorated") == "decorated"
    assert calls == ["decorated", "decorated"]


def test_django_wrapped_mongo_error_counts_as_transient():
    wrapped = OperationalError("commit failed")
    wrapped.__cause__ = mongo_write_conflict()

    assert db.is_transient(wrapped)
    assert not db.is_transient(IntegrityError("duplicate key"))
