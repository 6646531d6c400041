from __future__ import annotations

from datetime import date
from decimal import Decimal

import factory

from finance.models import (
    Account,
    AccountKind,
    BudgetLine,
    Category,
    Direction,
    Kind,
    Party,
    PartyKind,
    Pledge,
    Status,
    Transaction,
    Transfer,
)
from organizers.factories import EventFactory


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    event = factory.SubFactory(EventFactory)
    name = factory.Sequence(lambda n: f"Category {n}")


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    event = factory.SubFactory(EventFactory)
    name = factory.Sequence(lambda n: f"Account {n}")
    kind = AccountKind.BANK


class TransactionFactory(factory.django.DjangoModelFactory[Transaction]):
    """A booked entry (status paid) unless told otherwise: what most ledger tests add up."""

    class Meta:
        model = Transaction

    event = factory.SubFactory(EventFactory)
    kind = Kind.PURCHASE
    status = Status.PAID
    amount = Decimal("10.00")
    currency = factory.LazyAttribute(lambda t: t.event.currency)
    date = date(2026, 6, 12)
    description = factory.Sequence(lambda n: f"Transaction {n}")


class TransferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Transfer

    event = factory.SubFactory(EventFactory)
    from_account = factory.SubFactory(AccountFactory, event=factory.SelfAttribute("..event"))
    to_account = factory.SubFactory(AccountFactory, event=factory.SelfAttribute("..event"))
    amount = Decimal("5.00")
    date = date(2026, 6, 12)


class BudgetLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BudgetLine

    event = factory.SubFactory(EventFactory)
    category = factory.SubFactory(CategoryFactory, event=factory.SelfAttribute("..event"))
    direction = Direction.EXPENSE
    planned = Decimal("100.00")


class PartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Party

    event = factory.SubFactory(EventFactory)
    kind = PartyKind.SPONSOR
    name = factory.Sequence(lambda n: f"Party {n}")


class PledgeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pledge

    event = factory.SubFactory(EventFactory)
    party = factory.SubFactory(PartyFactory, event=factory.SelfAttribute("..event"))
    amount = Decimal("1000.00")
    due_date = date(2026, 6, 1)


# The smallest file the receipt check accepts as a PDF.
RECEIPT_PDF = b"%PDF-1.4\n%receipt\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class ReceiptFactory(factory.django.DjangoModelFactory):
    """A stored PDF: set settings.MEDIA_ROOT to a temporary folder first (the file is written)."""

    class Meta:
        model = "finance.Receipt"

    transaction = factory.SubFactory(TransactionFactory)
    event = factory.SelfAttribute("transaction.event")
    file = factory.django.FileField(filename="invoice.pdf", data=RECEIPT_PDF)
    original_name = "invoice.pdf"
    content_type = "application/pdf"
    size = len(RECEIPT_PDF)
