"""Account balances and the event's result: exact figures, the invariant on random ledgers, and a
fixed number of queries however big the ledger is."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from finance.factories import AccountFactory, TransactionFactory, TransferFactory
from finance.models import (
    EXPENSE_KINDS,
    Account,
    AccountKind,
    Kind,
    Status,
    Transaction,
    Transfer,
    TransferStatus,
)
from finance.services.balances import account_balances, balances_of, event_balances, event_result
from organizers.factories import EventFactory, OrganizerFactory

pytestmark = pytest.mark.django_db


def balances(event) -> dict[str, Decimal]:
    return {b.name: b.balance for b in account_balances(event)}


@pytest.fixture
def accounts(event_a, organizer):
    return {
        "bank": AccountFactory(event=event_a, name="Bank", opening_balance=Decimal("1000.00")),
        "cash": AccountFactory(event=event_a, name="Cash box", kind=AccountKind.CASH, opening_balance=Decimal("50")),
        "pocket": AccountFactory(event=event_a, name="Pocket", kind=AccountKind.POCKET, holder=organizer),
    }


def test_balance_adds_opening_booked_entries_and_confirmed_transfers(event_a, accounts):
    bank, cash, pocket = accounts["bank"], accounts["cash"], accounts["pocket"]
    TransactionFactory(event=event_a, account=bank, kind=Kind.SPONSORSHIP, amount=Decimal("500.00"))
    TransactionFactory(event=event_a, account=bank, kind=Kind.PURCHASE, amount=Decimal("120.10"))
    TransactionFactory(event=event_a, account=cash, kind=Kind.SALE, amount=Decimal("0.10"))
    TransactionFactory(event=event_a, account=cash, kind=Kind.SALE, amount=Decimal("0.20"))
    TransactionFactory(event=event_a, account=cash, kind=Kind.ADJUSTMENT, amount=Decimal("-0.05"))
    TransactionFactory(event=event_a, account=pocket, kind=Kind.PURCHASE, amount=Decimal("35.00"))
    # Not booked: an expense waiting for approval, an approved one not paid yet, a rejected one.
    for status in (Status.DRAFT, Status.SUBMITTED, Status.APPROVED, Status.REJECTED):
        TransactionFactory(event=event_a, account=bank, kind=Kind.PURCHASE, status=status, amount=Decimal("999"))
    TransferFactory(event=event_a, from_account=bank, to_account=cash, amount=Decimal("20.00"), status="confirmed")
    # Pending and cancelled transfers move nothing.
    TransferFactory(event=event_a, from_account=bank, to_account=cash, amount=Decimal("77.00"))
    TransferFactory(event=event_a, from_account=cash, to_account=bank, amount=Decimal("5.00"), status="cancelled")

    assert balances(event_a) == {
        "Bank": Decimal("1359.90"),
        "Cash box": Decimal("70.25"),
        "Pocket": Decimal("-35.00"),
    }
    assert event_result(event_a) == Decimal("345.15")


def test_a_reversal_cancels_its_original_in_balance_and_result(event_a, accounts):
    original = TransactionFactory(event=event_a, account=accounts["bank"], kind=Kind.PURCHASE, amount=Decimal("40"))
    TransactionFactory(
        event=event_a, account=accounts["bank"], kind=Kind.PURCHASE, amount=Decimal("-40"), reversal_of=original
    )

    assert balances(event_a)["Bank"] == Decimal("1000.00")
    assert event_result(event_a) == Decimal("0.00")


def test_foreign_currency_entries_count_at_their_base_amount(event_a, accounts):
    TransactionFactory(
        event=event_a,
        account=accounts["bank"],
        kind=Kind.PURCHASE,
        amount=Decimal("100.00"),
        currency="USD",
        exchange_rate=Decimal("0.91234"),
    )

    assert balances(event_a)["Bank"] == Decimal("908.77")
    assert event_result(event_a) == Decimal("-91.23")


def test_other_events_do_not_count(event_a, event_b, accounts):
    foreign = AccountFactory(event=event_b, name="Bank B", opening_balance=Decimal("7"))
    TransactionFactory(event=event_b, account=foreign, kind=Kind.SALE, amount=Decimal("300.00"))

    assert balances(event_a) == {"Bank": Decimal("1000.00"), "Cash box": Decimal("50.00"), "Pocket": Decimal("0.00")}
    assert event_result(event_a) == Decimal("0.00")
    assert balances(event_b) == {"Bank B": Decimal("307.00")}


def test_an_entry_saved_without_an_account_lands_in_the_main_account(event_a):
    TransactionFactory(event=event_a, kind=Kind.SALE, amount=Decimal("12.00"))

    assert balances(event_a) == {Account.MAIN_NAME: Decimal("12.00")}


def test_entries_stored_without_any_account_still_add_up(event_a):
    # Only a bulk write can store an entry without an account (save() always names one).
    Transaction.objects.bulk_create(
        [
            Transaction(
                event=event_a,
                kind=Kind.SALE,
                status=Status.PAID,
                amount=Decimal("8.00"),
                currency="EUR",
                base_amount=Decimal("8.00"),
                signed_amount=Decimal("8.00"),
                date=date(2026, 6, 12),
                description="Bulk",
            )
        ]
    )

    figures = event_balances(event_a)

    assert [(b.account_id, b.name, b.balance) for b in figures.accounts] == [(None, Account.MAIN_NAME, Decimal("8.00"))]
    assert figures.balanced


def test_balances_of_a_page_of_accounts_across_events(event_a, event_b, accounts):
    foreign = AccountFactory(event=event_b, name="Bank B", opening_balance=Decimal("3"))
    TransferFactory(
        event=event_a,
        from_account=accounts["bank"],
        to_account=accounts["pocket"],
        amount=Decimal("9"),
        status="confirmed",
    )
    page = list(Account.objects.filter(pk__in=[accounts["pocket"].pk, foreign.pk]).select_related("event"))

    assert balances_of(page) == {accounts["pocket"].pk: Decimal("9.00"), foreign.pk: Decimal("3.00")}


def test_event_balances_show_the_invariants_figures(event_a, accounts):
    TransactionFactory(event=event_a, account=accounts["cash"], kind=Kind.SALE, amount=Decimal("30.00"))
    TransactionFactory(event=event_a, account=accounts["pocket"], kind=Kind.PURCHASE, amount=Decimal("12.50"))

    figures = event_balances(event_a)

    assert (figures.total, figures.opening, figures.result) == (
        Decimal("1067.50"),
        Decimal("1050.00"),
        Decimal("17.50"),
    )
    assert figures.balanced
    assert figures.unexplained == Decimal("0.00")


# --- A fixed number of queries ---------------------------------------------------------------------


def _ledger(event, accounts: int, rows: int, holder) -> None:
    made = [AccountFactory(event=event, kind=AccountKind.CASH) for _ in range(accounts)]
    made.append(AccountFactory(event=event, kind=AccountKind.POCKET, holder=holder))
    for index in range(rows):
        account = made[index % len(made)]
        TransactionFactory(event=event, account=account, kind=Kind.SALE, amount=Decimal(index + 1))
        TransferFactory(event=event, from_account=account, to_account=made[(index + 1) % len(made)], status="confirmed")


def _queries(fn) -> int:
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured.captured_queries)


def test_balances_and_result_take_the_same_few_queries_for_any_ledger_size(organizer):
    small, big = EventFactory(), EventFactory()
    _ledger(small, accounts=1, rows=1, holder=organizer)
    _ledger(big, accounts=8, rows=40, holder=organizer)

    per_size = [
        (_queries(lambda e=event: account_balances(e)), _queries(lambda e=event: event_result(e)))
        for event in (small, big)
    ]

    assert per_size[0] == per_size[1]
    assert per_size[0] == (3, 1)


def test_balances_of_a_page_take_two_queries(organizer, django_assert_num_queries):
    event = EventFactory()
    _ledger(event, accounts=6, rows=20, holder=organizer)
    page = list(Account.objects.filter(event=event).select_related("event"))

    with django_assert_num_queries(2):
        balances_of(page)


# --- The invariant on random ledgers --------------------------------------------------------------

KINDS = list(Kind)
STATUSES = list(Status)
money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999.99"), places=2)


@st.composite
def ledgers(draw):
    """Accounts with opening balances, entries of every kind, status and currency (reversals
    included), and transfers in every state."""
    accounts = draw(
        st.lists(
            st.tuples(
                st.sampled_from(list(AccountKind)),
                st.decimals(min_value=Decimal("-500"), max_value=Decimal("500"), places=2),
            ),
            min_size=1,
            max_size=4,
        )
    )
    account_choice = st.one_of(st.none(), st.integers(0, len(accounts) - 1))
    entries = []
    for _ in range(draw(st.integers(0, 12))):
        reversible = [i for i, entry in enumerate(entries) if entry["reversal_of"] is None and not entry["reversed"]]
        if reversible and draw(st.booleans()) and draw(st.booleans()):
            original = draw(st.sampled_from(reversible))
            entries[original]["reversed"] = True
            entries.append({**entries[original], "amount": -entries[original]["amount"], "reversal_of": original})
            continue
        kind = draw(st.sampled_from(KINDS))
        amount = draw(money)
        if kind == Kind.ADJUSTMENT and draw(st.booleans()):
            amount = -amount
        foreign = draw(st.booleans())
        entries.append(
            {
                "kind": kind,
                "status": draw(st.sampled_from(STATUSES)) if kind in EXPENSE_KINDS else Status.PAID,
                "account": draw(account_choice),
                "amount": amount,
                "currency": "USD" if foreign else "EUR",
                "rate": draw(st.decimals(min_value=Decimal("0.1"), max_value=Decimal("3"), places=5)),
                "reversal_of": None,
                "reversed": False,
            }
        )
    transfers = []
    if len(accounts) > 1:
        pairs = st.tuples(st.integers(0, len(accounts) - 1), st.integers(0, len(accounts) - 1)).filter(
            lambda pair: pair[0] != pair[1]
        )
        transfers = draw(st.lists(st.tuples(pairs, money, st.sampled_from(list(TransferStatus))), max_size=6))
    return accounts, entries, transfers


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ledger=ledgers())
def test_balances_add_up_to_result_plus_opening_balances_on_any_ledger(db, ledger):
    # A fresh event per example: examples share the database (no rollback between them).
    account_specs, entry_specs, transfer_specs = ledger
    event = EventFactory()
    holder = OrganizerFactory()
    accounts = [
        Account.objects.create(
            event=event,
            name=f"Account {index}",
            kind=kind,
            holder=holder if kind == AccountKind.POCKET else None,
            opening_balance=opening,
        )
        for index, (kind, opening) in enumerate(account_specs)
    ]
    created: list[Transaction] = []
    for index, spec in enumerate(entry_specs):
        entry = Transaction(
            event=event,
            kind=spec["kind"],
            status=spec["status"],
            account=accounts[spec["account"]] if spec["account"] is not None else None,
            amount=spec["amount"],
            currency=spec["currency"],
            exchange_rate=spec["rate"],
            reversal_of=created[spec["reversal_of"]] if spec["reversal_of"] is not None else None,
            date=date(2026, 6, 12),
            description=f"Entry {index}",
        )
        entry.full_clean()
        entry.save()
        created.append(entry)
    for (source, target), amount, status in transfer_specs:
        Transfer.objects.create(
            event=event,
            from_account=accounts[source],
            to_account=accounts[target],
            amount=amount,
            date=date(2026, 6, 12),
            status=status,
        )

    # What the balances must be, added up here from the saved rows, one by one.
    expected = {account.pk: account.opening_balance for account in Account.objects.filter(event=event)}
    booked = [entry for entry in created if entry.status == Status.PAID]
    for entry in booked:
        expected[entry.account_id] += entry.signed_amount
    for transfer in Transfer.objects.filter(event=event, status=TransferStatus.CONFIRMED):
        expected[transfer.from_account_id] -= transfer.amount
        expected[transfer.to_account_id] += transfer.amount
    figures = event_balances(event)

    assert {b.account_id: b.balance for b in figures.accounts} == expected
    assert figures.result == sum((entry.signed_amount for entry in booked), Decimal(0))
    assert figures.opening == sum((opening for _kind, opening in account_specs), Decimal(0))
    assert figures.total == figures.result + figures.opening
    assert figures.balanced
