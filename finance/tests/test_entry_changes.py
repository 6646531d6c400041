"""Trust holes of issue #10 closed in the ledger itself: a submitted expense whose money changes goes
back to draft without its approvals, whoever changed it last does not approve it, and adjustments
come only from confirmed cash counts (never from the API or the admin forms)."""

from __future__ import annotations

from decimal import Decimal
from typing import cast

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from finance.factories import AccountFactory, CategoryFactory, PartyFactory, TransactionFactory
from finance.models import Approval, Kind, Status, Transaction
from finance.services import approvals
from organizers.factories import MembershipFactory, OrganizerFactory
from organizers.tests.admin_support import admin_url, form_errors

pytestmark = pytest.mark.django_db

TRANSACTIONS = "/api/transactions/"


def detail(transaction, action: str = "") -> str:
    return f"{TRANSACTIONS}{transaction.pk}/{action + '/' if action else ''}"


def stored(transaction) -> Transaction:
    return Transaction.objects.get(pk=transaction.pk)


@pytest.fixture
def crew(event_a):
    return MembershipFactory(
        event=event_a, organizer=OrganizerFactory(username="carla_crew"), role="organizer"
    ).organizer


@pytest.fixture
def four_eyes(event_a):
    event_a.four_eyes_threshold = Decimal("4000.00")
    event_a.save()
    return event_a


def submitted_expense(event, crew, amount: str) -> Transaction:
    tx = TransactionFactory(
        event=event, kind=Kind.PURCHASE, status=Status.DRAFT, created_by=crew, amount=Decimal(amount)
    )
    return approvals.submit(cast(Transaction, tx), crew)


def withdrawn_approvals(tx: Transaction) -> int:
    history = Approval.history  # type: ignore[attr-defined]  # simple-history adds it
    return history.filter(transaction_id=tx.pk, history_type="-").count()


# --- Hole 1: editing after approval -------------------------------------------------------------


def test_api_rewrite_of_a_half_approved_expense_sends_it_back_to_draft(api, four_eyes, crew, treasurer, owner):
    tx = submitted_expense(four_eyes, crew, "4500.00")
    approvals.approve(tx, owner)

    rewrite = api.as_user(treasurer).patch(
        detail(tx), {"amount": "95000.00", "counterparty": "Tomas Treasurer"}, format="json"
    )
    approve = api.post(detail(tx, "approve"), {}, format="json")
    pay = api.post(detail(tx, "pay"), {}, format="json")

    assert rewrite.status_code == 200
    assert (rewrite.json()["status"], rewrite.json()["approval_count"]) == ("draft", 0)
    assert (approve.status_code, pay.status_code) == (403, 400)  # his own rewrite; a draft is not paid
    changed = stored(tx)
    assert (changed.status, changed.approval_count, changed.submitted_by_id) == (Status.DRAFT, 0, None)
    assert changed.last_changed_by == treasurer
    assert not Approval.objects.filter(transaction_id=tx.pk).exists()
    assert withdrawn_approvals(tx) == 1  # the history keeps the approval that went


def test_whoever_rewrote_an_expense_cannot_approve_it_after_resubmission(api, four_eyes, crew, treasurer, owner):
    tx = submitted_expense(four_eyes, crew, "4500.00")
    approvals.approve(tx, owner)
    api.as_user(treasurer).patch(detail(tx), {"amount": "95000.00", "counterparty": "Tomas"}, format="json")
    approvals.submit(stored(tx), crew)

    refused = api.as_user(treasurer).post(detail(tx, "approve"), {}, format="json")
    owner_first = api.as_user(owner).post(detail(tx, "approve"), {}, format="json")
    still_refused = api.as_user(treasurer).post(detail(tx, "approve"), {}, format="json")

    assert refused.status_code == 403
    assert "changed last" in refused.json()["detail"]
    assert owner_first.status_code == 200
    assert still_refused.status_code == 403
    assert (stored(tx).status, stored(tx).approval_count) == (Status.SUBMITTED, 1)


def test_below_the_threshold_the_treasurer_who_rewrote_it_cannot_approve_it(api, four_eyes, crew, treasurer, owner):
    tx = submitted_expense(four_eyes, crew, "500.00")

    rewrite = api.as_user(treasurer).patch(
        detail(tx), {"amount": "3900.00", "counterparty": "Tomas Treasurer"}, format="json"
    )
    approvals.submit(stored(tx), crew)
    refused = api.as_user(treasurer).post(detail(tx, "approve"), {}, format="json")

    assert rewrite.json()["status"] == "draft"
    assert refused.status_code == 403
    assert stored(tx).status == Status.SUBMITTED
    assert approvals.approve(stored(tx), owner).status == Status.APPROVED


def test_a_change_of_words_keeps_the_approvals_but_not_the_editors_approval(api, four_eyes, crew, treasurer, owner):
    tx = submitted_expense(four_eyes, crew, "4500.00")
    approvals.approve(tx, owner)

    api.as_user(treasurer).patch(detail(tx), {"description": "Stage, with roof"}, format="json")
    refused = api.post(detail(tx, "approve"), {}, format="json")

    assert (stored(tx).status, stored(tx).approval_count) == (Status.SUBMITTED, 1)
    assert refused.status_code == 403


@pytest.mark.parametrize("field", ["amount", "currency", "kind", "category", "account", "party", "counterparty"])
def test_any_money_field_change_of_a_submitted_expense_drops_its_approvals(event_a, crew, treasurer, owner, field):
    tx = submitted_expense(event_a, crew, "40.00")
    event_a.four_eyes_threshold = Decimal("10.00")
    event_a.save()
    approvals.approve(tx, owner)
    copy = stored(tx)
    changes = {
        "amount": {"amount": Decimal("41.00")},
        "currency": {"currency": "USD", "exchange_rate": Decimal("0.9")},
        "kind": {"kind": Kind.INVESTMENT},
        "category": {"category": CategoryFactory(event=event_a)},
        "account": {"account": AccountFactory(event=event_a)},
        "party": {"party": PartyFactory(event=event_a)},
        "counterparty": {"counterparty": "Someone else"},
    }[field]
    for name, value in changes.items():
        setattr(copy, name, value)
    copy._history_user = treasurer  # as a service would say who acts

    copy.full_clean()
    copy.save()

    assert (stored(tx).status, stored(tx).approval_count) == (Status.DRAFT, 0)
    assert stored(tx).last_changed_by == treasurer
    assert not Approval.objects.filter(transaction_id=tx.pk).exists()
    with pytest.raises(PermissionDenied):
        approvals.approve(approvals.submit(stored(tx), crew), treasurer)


def admin_form(tx: Transaction, **changes) -> dict:
    data = {
        "event": str(tx.event_id),
        "kind": tx.kind,
        "account": str(tx.account_id),
        "amount": str(tx.amount),
        "currency": tx.currency,
        "exchange_rate": str(tx.exchange_rate),
        "date": tx.date.isoformat(),
        "description": tx.description,
        "category": str(tx.category_id or ""),
        "counterparty": tx.counterparty,
        "receipts-TOTAL_FORM_COUNT": "0",
        "receipts-INITIAL_FORM_COUNT": "0",
    }
    return {**data, **changes}


def test_admin_rewrite_of_a_half_approved_expense_sends_it_back_and_its_editor_cannot_approve(
    client, four_eyes, crew, treasurer, owner
):
    tx = submitted_expense(four_eyes, crew, "4500.00")
    approvals.approve(tx, owner)
    client.force_login(treasurer)

    saved = client.post(admin_url(tx, "change"), admin_form(stored(tx), amount="95000.00", counterparty="Tomas"))
    approvals.submit(stored(tx), crew)
    page = client.get(admin_url(tx, "change"))
    step = client.post(reverse("admin:finance_transaction_approve", args=[tx.pk]), {})

    assert saved.status_code == 302, form_errors(saved)
    assert any("draft again" in str(message) for message in get_messages(saved.wsgi_request))
    assert (stored(tx).amount, stored(tx).status, stored(tx).approval_count) == (
        Decimal("95000.00"),
        Status.SUBMITTED,
        0,
    )
    assert stored(tx).last_changed_by == treasurer
    assert withdrawn_approvals(tx) == 1
    assert reverse("admin:finance_transaction_approve", args=[tx.pk]) not in page.content.decode()
    assert step.status_code == 403
    assert stored(tx).approval_count == 0


# --- Hole 2: adjustments only from cash counts ----------------------------------------------------


def test_api_refuses_to_book_an_adjustment(api, event_a, treasurer, owner):
    body = {
        "event": str(event_a.pk),
        "kind": "adjustment",
        "amount": "-750.00",
        "date": "2026-06-12",
        "description": "Into my pocket",
    }

    created = api.as_user(owner).post(TRANSACTIONS, body, format="json")

    assert created.status_code == 400
    assert list(created.json()) == ["kind"]
    assert "cash counts" in created.json()["kind"][0]
    assert not Transaction.objects.exists()


def test_api_refuses_to_turn_an_entry_into_an_adjustment(api, event_a, treasurer):
    tx = TransactionFactory(event=event_a, kind=Kind.PURCHASE, status=Status.DRAFT, amount=Decimal("750.00"))

    response = api.as_user(treasurer).patch(detail(tx), {"kind": "adjustment", "amount": "-750.00"}, format="json")

    assert response.status_code == 400
    assert "kind" in response.json()
    assert (stored(tx).kind, stored(tx).amount) == (Kind.PURCHASE, Decimal("750.00"))


def test_admin_does_not_offer_nor_book_an_adjustment(client, event_a, owner):
    client.force_login(owner)
    form = {
        "event": str(event_a.pk),
        "kind": "adjustment",
        "amount": "-750.00",
        "currency": event_a.currency,
        "exchange_rate": "",
        "date": "2026-06-12",
        "description": "Into my pocket",
        "receipts-TOTAL_FORM_COUNT": "0",
        "receipts-INITIAL_FORM_COUNT": "0",
    }

    page = client.get(admin_url(Transaction, "add"))
    response = client.post(admin_url(Transaction, "add"), form)

    assert 'value="adjustment"' not in page.content.decode()
    assert 'value="purchase"' in page.content.decode()
    assert "cash counts" in " ".join(form_errors(response)["kind"])
    assert not Transaction.objects.exists()


def test_admin_refuses_to_turn_an_entry_into_an_adjustment(client, event_a, treasurer):
    tx = TransactionFactory(event=event_a, kind=Kind.PURCHASE, status=Status.DRAFT, amount=Decimal("750.00"))
    client.force_login(treasurer)

    response = client.post(admin_url(tx, "change"), admin_form(tx, kind="adjustment", amount="-750.00"))

    assert "cash counts" in " ".join(form_errors(response)["kind"])
    assert stored(tx).kind == Kind.PURCHASE
