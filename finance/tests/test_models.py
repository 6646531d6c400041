from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from finance.factories import CategoryFactory, TransactionFactory
from finance.models import Transaction
from organizers.factories import EventFactory

pytestmark = pytest.mark.django_db


def _errors(transaction: Transaction) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        transaction.full_clean()
    return caught.value.message_dict


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-5.00")])
def test_non_positive_amount_is_refused(event_a, amount):
    transaction = TransactionFactory.build(event=event_a, amount=amount)

    assert "The amount must be greater than zero." in _errors(transaction)["amount"]


def test_unknown_currency_is_refused(event_a):
    transaction = TransactionFactory.build(event=event_a, currency="XXQ")

    assert "XXQ is not a currency in use (ISO 4217)." in _errors(transaction)["currency"]


def test_retired_currency_is_refused(event_a):
    # DEM is in ISO 4217's history but no longer legal tender anywhere.
    assert "currency" in _errors(TransactionFactory.build(event=event_a, currency="DEM"))


def test_currency_other_than_the_events_needs_an_exchange_rate(event_a):
    transaction = TransactionFactory.build(event=event_a, currency="USD", exchange_rate=None)

    assert _errors(transaction) == {"exchange_rate": ["Give the rate used to convert USD into EUR."]}


def test_currency_other_than_the_events_is_converted_at_its_rate(event_a):
    transaction = TransactionFactory.build(event=event_a, currency="USD", exchange_rate=Decimal("0.92"))

    transaction.full_clean()

    assert (transaction.currency, transaction.base_amount, transaction.signed_amount) == (
        "USD",
        Decimal("9.20"),
        Decimal("-9.20"),
    )


def test_currency_defaults_to_the_events(event_a):
    transaction = TransactionFactory.build(event=event_a, currency="")

    transaction.clean()

    assert transaction.currency == "EUR"


@pytest.mark.parametrize(
    ("currency", "amount", "accepted"),
    [
        ("EUR", Decimal("10.05"), True),
        ("EUR", Decimal("10.005"), False),
        ("JPY", Decimal("1500"), True),
        ("JPY", Decimal("1500.5"), False),
        ("KWD", Decimal("2.125"), True),
    ],
)
def test_amount_precision_follows_the_currency(currency, amount, accepted):
    event = EventFactory(currency=currency)
    transaction = TransactionFactory.build(event=event, amount=amount)

    if accepted:
        transaction.full_clean()
    else:
        assert "amount" in _errors(transaction)


def test_category_of_another_event_is_refused(event_a, event_b):
    transaction = TransactionFactory.build(event=event_a, category=CategoryFactory(event=event_b))

    assert _errors(transaction)["category"] == ["This category belongs to another event."]


@pytest.mark.parametrize(
    ("kind", "is_income"),
    [("sale", True), ("donation", True), ("sponsorship", True), ("purchase", False), ("investment", False)],
)
def test_income_or_expense_follows_the_kind(event_a, kind, is_income):
    assert TransactionFactory.build(event=event_a, kind=kind).is_income is is_income


def test_deleting_an_event_with_transactions_is_refused(event_a):
    from django.db.models import ProtectedError

    TransactionFactory(event=event_a)

    with pytest.raises(ProtectedError):
        event_a.delete()


def test_transaction_shows_its_amount_in_the_currencys_minor_unit(event_a):
    transaction = TransactionFactory(event=event_a, amount=Decimal("12.5"), description="Tape")

    assert "12.50 EUR" in str(Transaction.objects.get(pk=transaction.pk))
