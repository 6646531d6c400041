from __future__ import annotations

from datetime import date
from decimal import Decimal

import factory

from finance.models import Category, Kind, Transaction
from organizers.factories import EventFactory


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    event = factory.SubFactory(EventFactory)
    name = factory.Sequence(lambda n: f"Category {n}")


class TransactionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Transaction

    event = factory.SubFactory(EventFactory)
    kind = Kind.PURCHASE
    amount = Decimal("10.00")
    currency = factory.LazyAttribute(lambda t: t.event.currency)
    date = date(2026, 6, 12)
    description = factory.Sequence(lambda n: f"Transaction {n}")
