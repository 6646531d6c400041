"""Transactions in another currency: stored as given, converted at their rate into the base currency.

base_amount = amount × exchange_rate, rounded half-even to the base currency's minor unit; the
foreign amount keeps its own currency's precision (JPY none, KWD three decimals).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from finance.factories import TransactionFactory
from finance.models import Kind, Status, Transaction
from finance.services import event_summary
from organizers.factories import EventFactory
from organizers.tests.admin_support import admin_url, form_errors

pytestmark = pytest.mark.django_db

TRANSACTIONS = "/api/transactions/"


def _errors(transaction: Transaction) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        transaction.full_clean()
    return caught.value.message_dict


# --- Conversion and rounding ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "currency", "amount", "rate", "expected"),
    [
        ("EUR", "USD", "10.00", "0.92", "9.20"),
        # Exactly half a cent: to the even cent (0.125 → 0.12, 0.135 → 0.14).
        ("EUR", "USD", "1.00", "0.125", "0.12"),
        ("EUR", "USD", "1.00", "0.135", "0.14"),
        ("EUR", "KWD", "2.125", "3.02", "6.42"),
        ("EUR", "JPY", "1500", "0.0061", "9.15"),
        # Yen have no decimals: half a yen goes to the even yen.
        ("JPY", "USD", "0.50", "5", "2"),
        ("JPY", "USD", "1.50", "5", "8"),
        ("JPY", "USD", "10.05", "150.5", "1513"),
        # Dinars have three: half a fils goes to the even fils.
        ("KWD", "EUR", "1.00", "0.3305", "0.330"),
        ("KWD", "EUR", "1.00", "0.3315", "0.332"),
        ("USD", "JPY", "3", "0.005", "0.02"),
        ("USD", "JPY", "5", "0.005", "0.02"),
    ],
)
def test_foreign_amount_is_converted_and_rounded_half_even_to_the_base_unit(base, currency, amount, rate, expected):
    event = EventFactory(currency=base)
    transaction = TransactionFactory.build(
        event=event, kind=Kind.SALE, currency=currency, amount=Decimal(amount), exchange_rate=Decimal(rate)
    )

    transaction.full_clean()
    transaction.save()

    stored = Transaction.objects.get(pk=transaction.pk)
    assert (stored.currency, stored.amount, stored.exchange_rate) == (currency, Decimal(amount), Decimal(rate))
    assert str(stored.base_amount.normalize()) == str(Decimal(expected).normalize())
    assert stored.base_amount == stored.signed_amount  # income: positive


def test_foreign_expense_counts_negative_in_the_base_currency(event_a):
    transaction = TransactionFactory.build(
        event=event_a, kind=Kind.PURCHASE, currency="GBP", amount=Decimal("100.00"), exchange_rate=Decimal("1.1712")
    )

    transaction.full_clean()

    assert (transaction.base_amount, transaction.signed_amount) == (Decimal("117.12"), Decimal("-117.12"))


def test_a_rate_given_for_the_base_currency_is_ignored(event_a):
    transaction = TransactionFactory.build(event=event_a, currency="EUR", exchange_rate=Decimal("2"))

    transaction.full_clean()

    assert (transaction.exchange_rate, transaction.base_amount) == (Decimal(1), Decimal("10.00"))


# --- Refusals -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("currency", "amount", "accepted"),
    [
        ("JPY", "1500", True),
        ("JPY", "1500.5", False),
        ("KWD", "2.125", True),
        ("KWD", "2.1255", False),
        ("USD", "1.05", True),
        ("USD", "1.005", False),
    ],
)
def test_foreign_amount_keeps_its_own_currencys_precision(event_a, currency, amount, accepted):
    transaction = TransactionFactory.build(
        event=event_a, currency=currency, amount=Decimal(amount), exchange_rate=Decimal("0.5")
    )

    if accepted:
        transaction.full_clean()
    else:
        assert list(_errors(transaction)) == ["amount"]


def test_a_yen_amount_with_decimals_names_the_yens_precision(event_a):
    transaction = TransactionFactory.build(
        event=event_a, currency="JPY", amount=Decimal("1500.5"), exchange_rate=Decimal("0.0061")
    )

    assert _errors(transaction) == {"amount": ["JPY amounts have at most 0 decimal places."]}


@pytest.mark.parametrize("rate", ["0", "-0.92"])
def test_a_rate_of_zero_or_below_is_refused(event_a, rate):
    transaction = TransactionFactory.build(event=event_a, currency="USD", exchange_rate=Decimal(rate))

    assert _errors(transaction) == {"exchange_rate": ["The exchange rate must be greater than zero."]}


def test_a_rate_with_more_than_eight_decimals_is_refused(event_a):
    transaction = TransactionFactory.build(event=event_a, currency="USD", exchange_rate=Decimal("0.123456789"))

    assert "exchange_rate" in _errors(transaction)


def test_an_amount_too_large_once_converted_is_refused(event_a):
    transaction = TransactionFactory.build(
        event=event_a, currency="USD", amount=Decimal("999999999.99"), exchange_rate=Decimal("10000")
    )

    assert _errors(transaction) == {"amount": ["Converted into EUR this amount is too large."]}


def test_save_without_clean_never_converts_at_a_made_up_rate(event_a):
    with pytest.raises(ValidationError) as caught:
        TransactionFactory(event=event_a, currency="USD", exchange_rate=None)

    assert list(caught.value.message_dict) == ["exchange_rate"]
    assert not Transaction.objects.exists()


# --- Reports add up the base amounts --------------------------------------------------------------


def test_summary_adds_up_the_converted_amounts(event_a):
    TransactionFactory(event=event_a, kind=Kind.SALE, amount=Decimal("100.00"))
    TransactionFactory(
        event=event_a, kind=Kind.SPONSORSHIP, currency="USD", amount=Decimal("500.00"), exchange_rate=Decimal("0.9")
    )
    TransactionFactory(
        event=event_a, kind=Kind.PURCHASE, currency="JPY", amount=Decimal("10000"), exchange_rate=Decimal("0.0061")
    )

    summary = event_summary(event_a)

    assert (summary.income, summary.expenses, summary.balance) == (
        Decimal("550.00"),
        Decimal("61.00"),
        Decimal("489.00"),
    )
    assert summary.by_kind["sponsorship"] == Decimal("450.00")


# --- API ------------------------------------------------------------------------------------------


def _payload(event, **changes) -> dict:
    return {
        "event": str(event.pk),
        "kind": "purchase",
        "amount": "10.00",
        "currency": "USD",
        "exchange_rate": "0.92",
        "date": "2026-06-12",
        "description": "Cables from a US shop",
        **changes,
    }


def test_api_stores_a_foreign_transaction_with_its_rate_and_base_amount(api, organizer, event_a):
    response = api.as_user(organizer).post(TRANSACTIONS, _payload(event_a), format="json")

    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["amount"], data["currency"], data["base_amount"], data["signed_amount"]) == (
        "10.00",
        "USD",
        "9.20",
        "-9.20",
    )
    assert Decimal(data["exchange_rate"]) == Decimal("0.92")
    stored = Transaction.objects.get(pk=data["id"])
    assert (stored.currency, stored.amount, stored.exchange_rate, stored.base_amount) == (
        "USD",
        Decimal("10.00"),
        Decimal("0.92"),
        Decimal("9.20"),
    )


def test_api_shows_yen_base_amounts_without_decimals(api, organizer):
    from organizers.factories import MembershipFactory

    event = EventFactory(currency="JPY")
    MembershipFactory(event=event, organizer=organizer, role="organizer")

    response = api.as_user(organizer).post(
        TRANSACTIONS, _payload(event, amount="10.05", exchange_rate="150.5"), format="json"
    )

    assert response.status_code == 201, response.json()
    assert (response.json()["base_amount"], response.json()["signed_amount"]) == ("1513", "-1513")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"exchange_rate": None}, "Give the rate used to convert USD into EUR."),
        ({"exchange_rate": "0"}, "The exchange rate must be greater than zero."),
        ({"currency": "JPY", "amount": "1500.5"}, "JPY amounts have at most 0 decimal places."),
    ],
)
def test_api_refuses_a_foreign_transaction_on_the_field_and_stores_nothing(api, organizer, event_a, changes, message):
    body = {key: value for key, value in _payload(event_a, **changes).items() if value is not None}

    response = api.as_user(organizer).post(TRANSACTIONS, body, format="json")

    assert response.status_code == 400
    field = "amount" if "amount" in changes else "exchange_rate"
    assert response.json() == {field: [message]}
    assert not Transaction.objects.exists()


def test_api_change_to_a_foreign_currency_needs_the_rate(api, treasurer, event_a):
    draft = TransactionFactory(event=event_a, status=Status.DRAFT, amount=Decimal("10.00"))
    api.as_user(treasurer)
    url = f"{TRANSACTIONS}{draft.pk}/"

    without = api.patch(url, {"currency": "USD"}, format="json")
    draft.refresh_from_db()
    unchanged = (draft.currency, draft.base_amount)
    with_rate = api.patch(url, {"currency": "USD", "exchange_rate": "0.5"}, format="json")

    assert (without.status_code, list(without.json())) == (400, ["exchange_rate"])
    assert unchanged == ("EUR", Decimal("10.00"))
    assert with_rate.status_code == 200, with_rate.json()
    draft.refresh_from_db()
    assert (draft.currency, draft.base_amount) == ("USD", Decimal("5.00"))


def test_api_change_of_the_amount_keeps_the_stored_rate(api, treasurer, event_a):
    draft = TransactionFactory(
        event=event_a, status=Status.DRAFT, currency="USD", amount=Decimal("10.00"), exchange_rate=Decimal("0.5")
    )

    response = api.as_user(treasurer).patch(f"{TRANSACTIONS}{draft.pk}/", {"amount": "20.00"}, format="json")

    assert response.status_code == 200, response.json()
    draft.refresh_from_db()
    assert (draft.exchange_rate, draft.base_amount) == (Decimal("0.5"), Decimal("10.00"))


# --- Admin ----------------------------------------------------------------------------------------


def _form(event, **changes) -> dict[str, str]:
    return {
        "event": str(event.pk),
        "kind": "purchase",
        "amount": "1500",
        "currency": "JPY",
        "exchange_rate": "0.0061",
        "date": "2026-06-12",
        "description": "Tea from Kyoto",
        **changes,
    }


def test_admin_stores_a_foreign_transaction_converted(client, event_a, organizer):
    client.force_login(organizer)

    response = client.post(admin_url(Transaction, "add"), _form(event_a))

    assert response.status_code == 302
    stored = Transaction.objects.get(description="Tea from Kyoto")
    assert (stored.currency, stored.amount, stored.base_amount) == ("JPY", Decimal("1500"), Decimal("9.15"))


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"exchange_rate": ""}, "exchange_rate", "Give the rate used to convert JPY into EUR."),
        ({"exchange_rate": "-1"}, "exchange_rate", "The exchange rate must be greater than zero."),
        ({"amount": "1500.50"}, "amount", "JPY amounts have at most 0 decimal places."),
    ],
)
def test_admin_refuses_a_foreign_transaction_with_a_field_message(client, event_a, organizer, changes, field, message):
    client.force_login(organizer)

    response = client.post(admin_url(Transaction, "add"), _form(event_a, **changes))

    assert form_errors(response)[field] == [message]
    assert not Transaction.objects.exists()


def test_admin_add_form_starts_without_a_rate(client, event_a, organizer):
    # A pre-filled 1 would convert a foreign amount 1:1 if the user forgot the rate.
    client.force_login(organizer)

    form = client.get(admin_url(Transaction, "add")).context["adminform"].form

    assert form["exchange_rate"].value() in (None, "")
