"""A write that loses to a concurrent one is run again, or answered 409: never a 500.

The conflict is injected where MongoDB reports it (after the write, before the commit), as the
store's own error, so the tests run the same on both stores.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import DatabaseError
from django.urls import reverse
from pymongo.errors import OperationFailure

from finance.factories import CategoryFactory, TransactionFactory
from finance.models import Category, Kind, Status, Transaction
from geventator import db

# Real transactions: a retry runs only outside an outer atomic block (TestCase's on SQLite).
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch):
    monkeypatch.setattr(db, "BACKOFF_SECONDS", 0)


def write_conflict() -> Exception:
    """MongoDB's WriteConflict as django-mongodb-backend raises it: wrapped in Django's error."""
    error = DatabaseError("commit failed")
    labels = {"errorLabels": ["TransientTransactionError"]}
    error.__cause__ = OperationFailure("WriteConflict", code=112, details=labels)
    return error


def conflicting(monkeypatch, model, method: str, times: int) -> dict:
    """``model.method`` does its write, then reports a conflict the first ``times`` times."""
    original = getattr(model, method)
    calls = {"n": 0}

    def write(self, *args, **kwargs):
        calls["n"] += 1
        result = original(self, *args, **kwargs)
        if calls["n"] <= times:
            raise write_conflict()
        return result

    monkeypatch.setattr(model, method, write)
    return calls


@pytest.fixture
def shared_draft(event_a):
    return TransactionFactory(
        event=event_a, kind=Kind.PURCHASE, status=Status.DRAFT, amount=Decimal("100.00"), description="before"
    )


def test_patch_that_loses_a_write_conflict_is_retried_and_saved_once(api, treasurer, shared_draft, monkeypatch):
    calls = conflicting(monkeypatch, Transaction, "save", times=2)

    response = api.as_user(treasurer).patch(f"/api/transactions/{shared_draft.pk}/", {"description": "after"})

    assert response.status_code == 200, response.content
    assert response.json()["description"] == "after"
    assert calls["n"] == 3
    shared_draft.refresh_from_db()
    assert shared_draft.description == "after"
    # The rolled-back tries left no trace: one version for the creation, one for the change.
    assert shared_draft.history.count() == 2


def test_patch_that_always_conflicts_answers_409_and_saves_nothing(api, treasurer, shared_draft, monkeypatch):
    calls = conflicting(monkeypatch, Transaction, "save", times=1000)

    response = api.as_user(treasurer).patch(f"/api/transactions/{shared_draft.pk}/", {"description": "after"})

    assert response.status_code == 409
    assert "at the same time" in response.json()["detail"]
    assert calls["n"] == db.DEFAULT_ATTEMPTS
    shared_draft.refresh_from_db()
    assert shared_draft.description == "before"
    assert shared_draft.history.count() == 1


def test_create_that_always_conflicts_answers_409_and_creates_nothing(api, owner, event_a, monkeypatch):
    conflicting(monkeypatch, Category, "save", times=1000)

    response = api.as_user(owner).post("/api/categories/", {"event": str(event_a.pk), "name": "Bar"})

    assert response.status_code == 409
    assert not Category.objects.filter(name="Bar").exists()


def test_delete_that_loses_a_write_conflict_is_retried(api, owner, shared_draft, monkeypatch):
    conflicting(monkeypatch, Transaction, "delete", times=1)

    response = api.as_user(owner).delete(f"/api/transactions/{shared_draft.pk}/")

    assert response.status_code == 204
    assert not Transaction.objects.filter(pk=shared_draft.pk).exists()


def test_admin_delete_that_loses_a_write_conflict_is_retried(client, owner, event_a, monkeypatch):
    category = CategoryFactory(event=event_a, name="Bar")
    conflicting(monkeypatch, Category, "delete", times=1)
    client.force_login(owner)

    response = client.post(reverse("admin:finance_category_delete", args=[category.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not Category.objects.filter(pk=category.pk).exists()


def test_admin_delete_that_always_conflicts_answers_409_and_keeps_the_record(client, owner, event_a, monkeypatch):
    category = CategoryFactory(event=event_a, name="Bar")
    conflicting(monkeypatch, Category, "delete", times=1000)
    client.force_login(owner)

    response = client.post(reverse("admin:finance_category_delete", args=[category.pk]), {"post": "yes"})

    assert response.status_code == 409
    assert "at the same time" in response.content.decode()
    assert Category.objects.filter(pk=category.pk).exists()
