"""Closing the books: refused while anything is open (listing every reason), read-only finance
records once closed, reopened by an owner. Services, permissions, API and admin page."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from finance.factories import (
    AccountFactory,
    BudgetLineFactory,
    CategoryFactory,
    PartyFactory,
    PledgeFactory,
    TransactionFactory,
    TransferFactory,
)
from finance.models import (
    Account,
    AccountKind,
    BudgetLine,
    CashCount,
    Category,
    Party,
    Pledge,
    Receipt,
    Transaction,
    Transfer,
)
from finance.services.closing import close_event, closing_blockers, reopen_event
from finance.services.custody import confirm_count, record_count
from finance.services.settle import pocket_for
from organizers.models import Event
from organizers.tests.admin_support import admin_url, form_errors

pytestmark = pytest.mark.django_db

FINANCE_MODELS = [Category, Account, Transfer, CashCount, BudgetLine, Party, Pledge, Receipt, Transaction]


def moment(event, hour: int = 23) -> datetime:
    return datetime(2026, 6, 12, hour, 0, tzinfo=event.tzinfo)


@pytest.fixture
def bank(event_a):
    """The main account: a 200.00 sponsorship came in."""
    account = Account.main_for(event_a)
    TransactionFactory(event=event_a, account=account, kind="sponsorship", amount=Decimal("200.00"))
    return account


def count_and_confirm(account, counter, confirmer, amount: Decimal, reason: str = "Counted") -> CashCount:
    return confirm_count(record_count(account, counter, amount, moment(account.event)), confirmer, reason=reason)


def kinds(event) -> list[str]:
    return sorted(blocker.kind for blocker in closing_blockers(event))


# --- What keeps the books open ------------------------------------------------------------------


def test_an_event_without_money_closes_and_reopens(event_a, owner):
    AccountFactory(event=event_a, name="Unused cash box", kind=AccountKind.CASH)

    close_event(event_a, owner)
    closed_at = Event.objects.get(pk=event_a.pk).closed_at
    reopen_event(event_a, owner)

    assert closed_at is not None
    assert Event.objects.get(pk=event_a.pk).closed_at is None
    assert event_a.closed_at is None


def test_every_open_item_is_listed_and_the_books_stay_open(event_a, bank, organizer, treasurer, owner):
    pocket = pocket_for(event_a, organizer)
    TransactionFactory(event=event_a, account=pocket, kind="purchase", amount=Decimal("12.00"))
    cash = AccountFactory(event=event_a, name="Cash box", kind=AccountKind.CASH, holder=organizer)
    TransferFactory(event=event_a, from_account=bank, to_account=cash, amount=Decimal("50.00"))
    record_count(cash, organizer, Decimal("0"), moment(event_a))

    with pytest.raises(ValidationError) as refused:
        close_event(event_a, owner)

    messages = refused.value.messages
    assert len(messages) == 4
    assert any("Pocket: oscar_organizer is not settled" in m and "€12.00" in m for m in messages)
    assert any("still pending" in m and "€50.00" in m for m in messages)
    assert any("waits for a confirmation" in m and "Cash box" in m for m in messages)
    assert any("Main account has no confirmed count" in m for m in messages)
    assert Event.objects.get(pk=event_a.pk).closed_at is None


def test_a_count_that_matches_reconciles_the_account(event_a, bank, organizer, treasurer, owner):
    count_and_confirm(bank, organizer, treasurer, Decimal("200.00"))

    assert closing_blockers(event_a) == []
    close_event(event_a, owner)
    assert Event.objects.get(pk=event_a.pk).closed_at is not None


def test_a_confirmed_difference_is_booked_and_then_reconciles(event_a, bank, organizer, treasurer):
    count_and_confirm(bank, organizer, treasurer, Decimal("195.00"), reason="Bank fees")

    assert closing_blockers(event_a) == []


def test_an_account_that_moved_after_its_count_must_be_counted_again(event_a, bank, organizer, treasurer):
    count_and_confirm(bank, organizer, treasurer, Decimal("200.00"))
    # In and out again: the balance is as counted, but money moved that nobody counted.
    TransactionFactory(event=event_a, account=bank, kind="sale", amount=Decimal("10.00"))
    TransactionFactory(event=event_a, account=bank, kind="purchase", amount=Decimal("10.00"))

    blockers = closing_blockers(event_a)

    assert [(b.kind, b.object_id) for b in blockers] == [("reconciliation", str(bank.pk))]
    assert "moved since its last count" in blockers[0].message


def test_an_account_whose_balance_differs_from_its_last_count(event_a, bank, organizer, treasurer):
    count_and_confirm(bank, organizer, treasurer, Decimal("200.00"))
    TransactionFactory(event=event_a, account=bank, kind="sale", amount=Decimal("10.00"))

    assert "does not reconcile" in closing_blockers(event_a)[0].message


def test_an_account_back_at_zero_after_moving_needs_a_count(event_a, organizer, treasurer):
    cash = AccountFactory(event=event_a, name="Cash box", kind=AccountKind.CASH)
    TransactionFactory(event=event_a, account=cash, kind="sale", amount=Decimal("5.00"))
    TransactionFactory(event=event_a, account=cash, kind="purchase", amount=Decimal("5.00"))

    assert kinds(event_a) == ["reconciliation"]
    count_and_confirm(cash, organizer, treasurer, Decimal("0"))
    assert kinds(event_a) == []


def test_a_settled_pocket_needs_no_count(event_a, bank, organizer, treasurer):
    pocket = pocket_for(event_a, organizer)
    TransactionFactory(event=event_a, account=pocket, kind="purchase", amount=Decimal("12.00"))
    TransferFactory(event=event_a, from_account=bank, to_account=pocket, amount=Decimal("12.00"), status="confirmed")
    count_and_confirm(bank, organizer, treasurer, Decimal("188.00"))

    assert closing_blockers(event_a) == []


# --- Who closes ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["viewer", "organizer", "treasurer", "outsider"])
def test_only_an_owner_closes_or_reopens(request, event_a, role):
    user = request.getfixturevalue(role)

    with pytest.raises(PermissionDenied):
        close_event(event_a, user)
    Event.objects.filter(pk=event_a.pk).update(closed_at=timezone.now())
    event_a.refresh_from_db()
    with pytest.raises(PermissionDenied):
        reopen_event(event_a, user)

    assert Event.objects.get(pk=event_a.pk).closed_at is not None


def test_an_archived_event_is_not_closed(event_a, owner):
    event_a.archived_at = timezone.now()
    event_a.save()

    with pytest.raises(PermissionDenied):
        close_event(event_a, owner)

    assert Event.objects.get(pk=event_a.pk).closed_at is None


def test_closing_twice_is_refused_also_from_a_stale_read(event_a, owner):
    stale = Event.objects.get(pk=event_a.pk)
    close_event(event_a, owner)
    first = Event.objects.get(pk=event_a.pk).closed_at

    with pytest.raises(ValidationError, match="already closed"):
        close_event(event_a, owner)
    with pytest.raises(ValidationError, match="already closed"):
        close_event(stale, owner)

    assert Event.objects.get(pk=event_a.pk).closed_at == first


def test_reopening_open_books_is_refused(event_a, owner):
    with pytest.raises(ValidationError, match="not closed"):
        reopen_event(event_a, owner)


# --- Read-only once closed -------------------------------------------------------------------------


@pytest.fixture
def closed_records(event_a, owner):
    """One record of every finance model in event A, then the books closed."""
    transaction = TransactionFactory(event=event_a)
    party = PartyFactory(event=event_a)
    records = {
        Category: CategoryFactory(event=event_a),
        Account: AccountFactory(event=event_a),
        Transfer: TransferFactory(event=event_a),
        CashCount: CashCount(
            event=event_a, account=Account.main_for(event_a), counted_at=timezone.now(), counted_amount=0
        ),
        BudgetLine: BudgetLineFactory(event=event_a),
        Party: party,
        Pledge: PledgeFactory(event=event_a, party=party),
        Receipt: Receipt(event=event_a, transaction=transaction),
        Transaction: transaction,
    }
    Event.objects.filter(pk=event_a.pk).update(closed_at=timezone.now())
    event_a.refresh_from_db()
    for record in records.values():
        record.event = event_a
    return records


@pytest.mark.parametrize("model", FINANCE_MODELS, ids=lambda model: model.__name__)
def test_closed_books_are_read_only_for_every_role_but_superusers(
    closed_records, event_a, owner, treasurer, superuser, model
):
    record = closed_records[model]

    for user in (owner, treasurer):
        assert user.has_perm(model.get_perm("view"), record)
        for action in ("add", "change", "delete"):
            assert not user.has_perm(model.get_perm(action), record), (user, action)
        assert not user.has_perm(model.get_perm("add"), event_a)
    assert all(superuser.has_perm(model.get_perm(action), record) for action in ("add", "change", "delete"))


def test_reopened_books_are_writable_again(closed_records, event_a, owner, treasurer):
    reopen_event(event_a, owner)

    assert treasurer.has_perm(Category.get_perm("change"), closed_records[Category])
    assert treasurer.has_perm(Transfer.get_perm("delete"), closed_records[Transfer])
    assert treasurer.has_perm(Transaction.get_perm("add"), event_a)


def test_api_refuses_writes_to_closed_books(api, closed_records, event_a, treasurer):
    create = api.as_user(treasurer).post(
        "/api/transactions/",
        {"event": str(event_a.pk), "kind": "sale", "amount": "1.00", "date": "2026-06-12", "description": "Late"},
        format="json",
    )
    change = api.as_user(treasurer).patch(
        f"/api/categories/{closed_records[Category].pk}/", {"name": "Renamed"}, format="json"
    )

    assert (create.status_code, change.status_code) == (403, 403)
    assert Transaction.objects.count() == 1
    assert not Category.objects.filter(name="Renamed").exists()


def test_admin_refuses_writes_to_closed_books(client, closed_records, event_a, treasurer):
    client.force_login(treasurer)
    category = closed_records[Category]

    change = client.post(admin_url(category, "change"), {"name": "Renamed", "description": ""})
    add = client.post(admin_url(Category, "add"), {"event": str(event_a.pk), "name": "New", "description": ""})

    assert change.status_code == 403
    assert "event" in form_errors(add)
    assert not Category.objects.filter(name__in=["Renamed", "New"]).exists()


# --- API ------------------------------------------------------------------------------------------


def books_url(event, action: str = "close-books") -> str:
    return f"/api/events/{event.pk}/{action}/"


def test_api_shows_what_keeps_the_books_open(api, event_a, bank, viewer):
    response = api.as_user(viewer).get(books_url(event_a))

    assert response.status_code == 200
    data = response.json()
    assert data["closed_at"] is None
    assert [(b["kind"], b["object_id"]) for b in data["blockers"]] == [("reconciliation", str(bank.pk))]


def test_api_close_refused_with_every_reason(api, event_a, bank, owner):
    response = api.as_user(owner).post(books_url(event_a))

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": [closing_blockers(event_a)[0].message]}
    assert Event.objects.get(pk=event_a.pk).closed_at is None


def test_api_owner_closes_and_reopens(api, event_a, owner):
    closed = api.as_user(owner).post(books_url(event_a))
    again = api.as_user(owner).post(books_url(event_a))
    reopened = api.as_user(owner).post(books_url(event_a, "reopen-books"))

    assert closed.status_code == 200
    assert closed.json()["closed_at"] is not None
    assert again.status_code == 400
    assert reopened.status_code == 200
    assert reopened.json() == {"closed_at": None, "blockers": []}


def test_api_close_refusals(api, event_a, treasurer, outsider):
    assert api.as_user(treasurer).post(books_url(event_a)).status_code == 403
    assert api.as_user(outsider).post(books_url(event_a)).status_code == 404
    assert api.as_user(outsider).get(books_url(event_a)).status_code == 404
    assert api.as_user(None).post(books_url(event_a)).status_code == 401
    assert Event.objects.get(pk=event_a.pk).closed_at is None


# --- Admin page -------------------------------------------------------------------------------------


def page_url(event) -> str:
    return reverse("admin:finance_account_close_books", args=[event.pk])


def test_admin_page_lists_the_blockers(client, event_a, bank, viewer):
    client.force_login(viewer)

    response = client.get(page_url(event_a))

    content = response.content.decode()
    assert response.status_code == 200
    assert "Main account has no confirmed count" in content
    assert 'value="close"' not in content  # only owners get the button


def test_admin_owner_closes_and_reopens(client, event_a, owner):
    client.force_login(owner)

    page = client.get(page_url(event_a))
    closed = client.post(page_url(event_a), {"do": "close"})
    closed_at = Event.objects.get(pk=event_a.pk).closed_at
    shown = client.get(page_url(event_a)).content.decode()
    client.post(page_url(event_a), {"do": "reopen"})

    assert "Nothing is open" in page.content.decode()
    assert closed.status_code == 302
    assert closed_at is not None
    assert "The books were closed" in shown
    assert Event.objects.get(pk=event_a.pk).closed_at is None


def test_admin_close_with_blockers_stays_open(client, event_a, bank, owner):
    client.force_login(owner)

    response = client.post(page_url(event_a), {"do": "close"}, follow=True)

    assert "The books stay open" in response.content.decode()
    assert Event.objects.get(pk=event_a.pk).closed_at is None


def test_admin_close_refusals(client, event_a, treasurer, outsider):
    client.force_login(treasurer)
    by_treasurer = client.post(page_url(event_a), {"do": "close"})
    client.force_login(outsider)
    other = client.get(page_url(event_a))
    other_post = client.post(page_url(event_a), {"do": "close"})

    assert (by_treasurer.status_code, other.status_code, other_post.status_code) == (403, 404, 404)
    assert Event.objects.get(pk=event_a.pk).closed_at is None
