"""Storage helpers that behave the same on SQLite and on MongoDB."""

from __future__ import annotations

from contextlib import AbstractContextManager

from django.db import DEFAULT_DB_ALIAS, connections, transaction


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
