"""The ledger endpoint: roles, event scoping, money validation, filters and query cost."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from finance.factories import CategoryFactory, TransactionFactory
from finance.models import Kind, Transaction
from organizers.factories import EventFactory, MembershipFactory
from organizers.models import Role

pytestmark = pytest.mark.django_db

TRANSACTIONS = "/api/transactions/"


def detail(transaction) -> str:
    return f"{TRANSACTIONS}{transaction.pk}/"


def payload(event_, **changes) -> dict:
    return {
        "event": str(event_.pk),
        "kind": "purchase",
        "amount": "12.50",
        "date": "2026-06-12",
        "description": "Gaffer tape",
        **changes,
    }


def ids(response) -> list[str]:
    return [row["id"] for row in response.json()["results"]]


# role in event A → expected status of each action on a draft expense of someone else in event A
# (approved and paid entries are locked: test_approvals.py).
ROLE_TABLE = {
    "viewer": {"list": 200, "retrieve": 200, "create": 403, "update": 403, "delete": 403},
    "organizer": {"list": 200, "retrieve": 200, "create": 201, "update": 403, "delete": 403},
    "treasurer": {"list": 200, "retrieve": 200, "create": 201, "update": 200, "delete": 204},
    "owner": {"list": 200, "retrieve": 200, "create": 201, "update": 200, "delete": 204},
}


@pytest.mark.parametrize("role", list(ROLE_TABLE))
def test_each_role_may_do_what_its_rank_allows_on_transactions(request, api, event_a, role):
    user = request.getfixturevalue(role)
    existing = TransactionFactory(event=event_a, description="Stage rental", status="draft")
    api.as_user(user)

    statuses = {
        "list": api.get(TRANSACTIONS).status_code,
        "retrieve": api.get(detail(existing)).status_code,
        "create": api.post(TRANSACTIONS, payload(event_a)).status_code,
        "update": api.patch(detail(existing), {"amount": "11.00"}).status_code,
        "delete": api.delete(detail(existing)).status_code,
    }

    assert statuses == ROLE_TABLE[role]
    assert Transaction.objects.filter(description="Gaffer tape").exists() is (role != "viewer")
    still_there = Transaction.objects.filter(pk=existing.pk, amount=Decimal("10.00")).exists()
    assert still_there is (role in {"viewer", "organizer"})


def test_new_transaction_takes_the_event_currency_and_its_author(api, organizer, event_a):
    response = api.as_user(organizer).post(TRANSACTIONS, payload(event_a, amount="12.5"), format="json")

    assert response.status_code == 201
    assert response.json()["amount"] == "12.50"
    assert response.json()["currency"] == "EUR"
    assert response.json()["created_by"] == "oscar_organizer"
    stored = Transaction.objects.get(pk=response.json()["id"])
    assert (stored.currency, stored.amount, stored.created_by) == ("EUR", Decimal("12.50"), organizer)


def test_jpy_amounts_are_shown_without_decimals(api, organizer, event_a):
    event_a.currency = "JPY"
    event_a.save()

    response = api.as_user(organizer).post(TRANSACTIONS, payload(event_a, amount="1500"), format="json")

    assert response.status_code == 201
    assert response.json()["amount"] == "1500"
    assert response.json()["currency"] == "JPY"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "-5.00"}, "amount"),
        ({"amount": "1.005"}, "amount"),
        ({"amount": "1.0001"}, "amount"),
        ({"amount": "lots"}, "amount"),
        ({"currency": "XXX"}, "currency"),
        # A foreign currency needs its rate.
        ({"currency": "USD"}, "exchange_rate"),
        ({"currency": "USD", "exchange_rate": "-1.1"}, "exchange_rate"),
        ({"kind": "theft"}, "kind"),
        ({"date": "2026-02-30"}, "date"),
        ({"description": ""}, "description"),
        ({"event": "not-a-uuid"}, "event"),
        ({"category": "not-a-uuid"}, "category"),
        ({"category": "00000000-0000-0000-0000-000000000000"}, "category"),
    ],
)
def test_bad_transaction_input_is_refused_on_its_field_and_nothing_is_stored(api, organizer, event_a, changes, field):
    response = api.as_user(organizer).post(TRANSACTIONS, payload(event_a, **changes), format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert response.json()[field]  # a message the user can read
    assert not Transaction.objects.exists()


def test_an_unknown_currency_is_named_as_such(api, organizer, event_a):
    response = api.as_user(organizer).post(TRANSACTIONS, payload(event_a, currency="XXX"), format="json")

    assert response.json() == {"currency": ["XXX is not a currency in use (ISO 4217)."]}


def test_a_yen_amount_with_cents_is_refused(api, organizer, event_a):
    event_a.currency = "JPY"
    event_a.save()

    response = api.as_user(organizer).post(TRANSACTIONS, payload(event_a, amount="1.5"), format="json")

    assert response.status_code == 400
    assert "JPY amounts have at most 0 decimal places." in response.json()["amount"]
    assert not Transaction.objects.exists()


def test_update_with_a_bad_amount_leaves_the_record_as_it_was(api, treasurer, event_a):
    transaction = TransactionFactory(event=event_a, amount=Decimal("10.00"), status="draft")

    response = api.as_user(treasurer).patch(detail(transaction), {"amount": "3.333"}, format="json")

    assert response.status_code == 400
    assert "amount" in response.json()
    transaction.refresh_from_db()
    assert transaction.amount == Decimal("10.00")


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_another_events_transaction_is_not_found(api, owner, event_b, outsider, method):
    theirs = TransactionFactory(event=event_b, amount=Decimal("99.00"))

    response = getattr(api.as_user(owner), method)(detail(theirs), {"amount": "1.00"})

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.amount == Decimal("99.00")


def test_list_never_holds_another_events_transactions(api, viewer, event_a, event_b):
    ours = TransactionFactory(event=event_a)
    TransactionFactory(event=event_b)

    response = api.as_user(viewer).get(TRANSACTIONS)

    assert ids(response) == [str(ours.pk)]
    # Asking for the other event by name does not reveal it either.
    assert ids(api.get(TRANSACTIONS, {"event": str(event_b.pk)})) == []


def test_creating_in_an_event_one_does_not_belong_to_is_refused_on_event(api, owner, event_b, outsider):
    response = api.as_user(owner).post(TRANSACTIONS, payload(event_b, currency="USD"), format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["event"]
    assert not Transaction.objects.exists()


def test_another_events_category_is_not_found_for_a_member_of_one_event(api, treasurer, event_a, event_b):
    their_category = CategoryFactory(event=event_b)

    response = api.as_user(treasurer).post(
        TRANSACTIONS, payload(event_a, category=str(their_category.pk)), format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["category"]
    assert not Transaction.objects.exists()


def test_a_category_of_another_event_is_refused_even_for_a_member_of_both(api, treasurer, event_a, event_b):
    MembershipFactory(event=event_b, organizer=treasurer, role=Role.TREASURER)
    their_category = CategoryFactory(event=event_b)

    response = api.as_user(treasurer).post(
        TRANSACTIONS, payload(event_a, category=str(their_category.pk)), format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"category": ["This category belongs to another event."]}
    assert not Transaction.objects.exists()


def test_a_transaction_cannot_move_to_another_event(api, treasurer, event_a):
    other = EventFactory(name="Sister event")
    MembershipFactory(event=other, organizer=treasurer, role=Role.TREASURER)
    transaction = TransactionFactory(event=event_a, status="draft")

    response = api.as_user(treasurer).patch(detail(transaction), {"event": str(other.pk)}, format="json")

    assert response.status_code == 400
    assert "event" in response.json()
    transaction.refresh_from_db()
    assert transaction.event_id == event_a.pk


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "1", "00000000-0000-0000-0000-000000000000"])
def test_malformed_id_in_url_is_not_found(api, treasurer, bad_id):
    api.as_user(treasurer)

    assert api.get(f"{TRANSACTIONS}{bad_id}/").status_code == 404
    assert api.delete(f"{TRANSACTIONS}{bad_id}/").status_code == 404


@pytest.fixture
def ledger(event_a):
    """Four entries of event A on different days, kinds and categories (and one of event B)."""
    catering = CategoryFactory(event=event_a, name="Catering")
    tickets = CategoryFactory(event=event_a, name="Tickets")
    rows = {
        "bread": TransactionFactory(
            event=event_a, kind=Kind.PURCHASE, amount=Decimal("30.00"), date=date(2026, 6, 10),
            description="Bread", counterparty="Bakery Sol", category=catering,
        ),
        "tickets": TransactionFactory(
            event=event_a, kind=Kind.SALE, amount=Decimal("500.00"), date=date(2026, 6, 12),
            description="Ticket sales", category=tickets,
        ),
        "gift": TransactionFactory(
            event=event_a, kind=Kind.DONATION, amount=Decimal("20.00"), date=date(2026, 6, 13),
            description="Gift", counterparty="Ana",
        ),
        "wine": TransactionFactory(
            event=event_a, kind=Kind.PURCHASE, amount=Decimal("80.00"), date=date(2026, 6, 14),
            description="Wine", counterparty="Bodega", category=catering,
        ),
    }  # fmt: skip
    TransactionFactory(event=EventFactory(name="Elsewhere"), description="Bread elsewhere")
    return {"catering": catering, "tickets": tickets, **rows}


def names(response) -> list[str]:
    return [row["description"] for row in response.json()["results"]]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["Wine", "Gift", "Ticket sales", "Bread"]),
        ({"kind": "purchase"}, ["Wine", "Bread"]),
        ({"kind": ["sale", "donation"]}, ["Gift", "Ticket sales"]),
        ({"category": "catering"}, ["Wine", "Bread"]),
        ({"date_after": "2026-06-12"}, ["Wine", "Gift", "Ticket sales"]),
        ({"date_before": "2026-06-12"}, ["Ticket sales", "Bread"]),
        ({"date_after": "2026-06-11", "date_before": "2026-06-13"}, ["Gift", "Ticket sales"]),
        ({"event": "event_a", "kind": "purchase", "date_after": "2026-06-11"}, ["Wine"]),
        ({"search": "bread"}, ["Bread"]),
        ({"search": "bodega"}, ["Wine"]),
        ({"ordering": "amount"}, ["Gift", "Bread", "Wine", "Ticket sales"]),
        ({"ordering": "-amount"}, ["Ticket sales", "Wine", "Bread", "Gift"]),
        ({"ordering": "date"}, ["Bread", "Ticket sales", "Gift", "Wine"]),
    ],
)
def test_transactions_filter_search_and_order(api, viewer, event_a, ledger, params, expected):
    resolved = {
        key: str(ledger[value].pk) if key == "category" else str(event_a.pk) if value == "event_a" else value
        for key, value in params.items()
    }

    response = api.as_user(viewer).get(TRANSACTIONS, resolved)

    assert response.status_code == 200
    assert names(response) == expected


@pytest.mark.parametrize(
    "params",
    [
        {"event": "not-a-uuid"},
        {"category": "not-a-uuid"},
        {"kind": "theft"},
        {"date_after": "yesterday"},
        {"date_before": "2026-02-30"},
    ],
)
def test_malformed_filters_are_refused_with_the_filter_named(api, viewer, event_a, params):
    response = api.as_user(viewer).get(TRANSACTIONS, params)

    assert response.status_code == 400
    assert set(response.json()) & {*params, "date"}


def test_transactions_are_paginated(api, viewer, event_a):
    Transaction.objects.bulk_create(
        TransactionFactory.build(event=event_a, description=f"Entry {n:02}", amount=Decimal(n + 1)) for n in range(53)
    )
    api.as_user(viewer)

    first = api.get(TRANSACTIONS, {"ordering": "amount"}).json()
    second = api.get(TRANSACTIONS, {"ordering": "amount", "page": 2}).json()

    assert first["count"] == 53
    assert len(first["results"]) == 50
    assert first["next"] is not None
    assert [row["description"] for row in second["results"]] == ["Entry 50", "Entry 51", "Entry 52"]
    assert second["next"] is None
    assert api.get(TRANSACTIONS, {"page": 3}).status_code == 404


@pytest.mark.parametrize("ordering", [None, "amount", "-date"])
def test_rows_that_tie_keep_one_order_across_pages(api, viewer, event_a, ordering):
    Transaction.objects.bulk_create(
        TransactionFactory.build(event=event_a, description=f"Same {n:02}", amount=Decimal("5"), date=date(2026, 6, 1))
        for n in range(53)
    )
    Transaction.objects.update(created_at=Transaction.objects.earliest("created_at").created_at)
    params = {"ordering": ordering} if ordering else {}
    api.as_user(viewer)

    rows = ids(api.get(TRANSACTIONS, params)) + ids(api.get(TRANSACTIONS, {**params, "page": 2}))

    # the primary key decides among ties, so every row shows once, on a page a client can predict
    assert rows == sorted(str(pk) for pk in Transaction.objects.values_list("pk", flat=True))


def _queries_to_list(api, event, rows: int) -> int:
    category = CategoryFactory(event=event)
    for n in range(rows - Transaction.objects.count()):
        TransactionFactory(
            event=event, category=category if n % 2 else None, created_by=event.memberships.first().organizer
        )
    with CaptureQueriesContext(connection) as captured:
        response = api.get(TRANSACTIONS)
    assert response.status_code == 200
    assert response.json()["count"] == rows
    return len(captured)


def test_transactions_list_costs_the_same_queries_for_5_or_30_rows(
    api, treasurer, event_a, django_assert_max_num_queries
):
    api.as_user(treasurer)
    few = _queries_to_list(api, event_a, 5)
    many = _queries_to_list(api, event_a, 30)

    assert many == few
    # Token, roles, count and page (4 on both stores; MongoDB counts commands): a small fixed bound.
    with django_assert_max_num_queries(6):
        api.get(TRANSACTIONS)


def test_a_role_high_enough_elsewhere_does_not_count_in_this_event(api, viewer, event_a):
    # Organizer of another event, viewer of A: may add transactions in general, not in A.
    MembershipFactory(event=EventFactory(name="Side event"), organizer=viewer, role=Role.ORGANIZER)

    response = api.as_user(viewer).post(TRANSACTIONS, payload(event_a), format="json")

    assert response.status_code == 403
    assert not Transaction.objects.exists()


def test_treasurer_replaces_a_draft_transaction_with_put(api, treasurer, event_a):
    transaction = TransactionFactory(event=event_a, kind=Kind.PURCHASE, amount=Decimal("10.00"), status="draft")
    stage = CategoryFactory(event=event_a, name="Stage")

    response = api.as_user(treasurer).put(
        detail(transaction),
        payload(event_a, kind="investment", amount="1250", category=str(stage.pk), description="Truss"),
        format="json",
    )

    assert response.status_code == 200
    assert (response.json()["amount"], response.json()["is_income"]) == ("1250.00", False)
    transaction.refresh_from_db()
    assert (transaction.kind, transaction.amount, transaction.category, transaction.currency) == (
        Kind.INVESTMENT,
        Decimal("1250.00"),
        stage,
        "EUR",
    )
