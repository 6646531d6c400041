"""What each account of an event holds, and the event's result, computed by the database.

Balance of an account = opening balance + Σ signed amounts of its booked (paid) transactions
+ Σ confirmed transfers in − Σ confirmed transfers out. The event's result is Σ signed amounts of
its booked transactions. Transfers stay inside the event, so they cancel out across accounts:
Σ balances = result + Σ opening balances.

Every figure comes from a fixed number of grouped queries, however many rows there are.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db.models import Q, Sum

from finance.models import Account, AccountKind, Status, Transaction, Transfer, TransferStatus
from finance.services.totals import ledger_totals
from geventator.currencies import quantize
from organizers.models import Event


@dataclass(frozen=True)
class AccountBalance:
    account_id: UUID | None
    name: str
    kind: str
    holder_id: UUID | None
    opening: Decimal
    balance: Decimal

    @property
    def movement(self) -> Decimal:
        """What changed since the opening balance."""
        return self.balance - self.opening


def _movements(account_ids: list, transactions, main_ids: set) -> dict:
    """{account id: Σ booked signed amounts + Σ confirmed transfers in − out} in two queries.

    ``transactions``: the booked entries to add up (already limited to the accounts' events);
    entries stored without an account belong to the event's main account (``Transaction.save``
    puts them there; only a bulk write could leave one out) and are counted for ``main_ids``, or
    under the key None when there is no main account yet.
    """
    totals: dict = defaultdict(Decimal)
    rows = transactions.order_by().values("account_id").annotate(total=Sum("signed_amount"))
    for row in rows:
        account_id = row["account_id"]
        if account_id is None:
            for main_id in main_ids or {None}:
                totals[main_id] += row["total"] or 0
        else:
            totals[account_id] += row["total"] or 0
    # One group per (from, to) pair: both directions of every account in one query.
    pairs = (
        Transfer.objects.filter(status=TransferStatus.CONFIRMED)
        .filter(Q(from_account_id__in=account_ids) | Q(to_account_id__in=account_ids))
        .order_by()
        .values("from_account_id", "to_account_id")
        .annotate(total=Sum("amount"))
    )
    for row in pairs:
        amount = row["total"] or 0
        totals[row["from_account_id"]] -= amount
        totals[row["to_account_id"]] += amount
    return totals


def balances_of(accounts: Iterable[Account]) -> dict[UUID, Decimal]:
    """{account id: current balance} of some accounts (e.g. a page of a list), in two queries.

    The accounts need their event loaded (select_related) for its currency.
    """
    accounts = list(accounts)
    if not accounts:
        return {}
    ids = [account.pk for account in accounts]
    main_ids = {account.pk for account in accounts if account.name == Account.MAIN_NAME}
    events = {account.event_id for account in accounts if account.pk in main_ids}
    booked = Q(account_id__in=ids)
    if events:
        booked |= Q(account__isnull=True, event_id__in=list(events))
    totals = _movements(ids, Transaction.objects.filter(booked, status=Status.PAID), main_ids)
    return {
        account.pk: quantize(account.opening_balance + totals.get(account.pk, 0), account.event.currency)
        for account in accounts
    }


def balance_of(account: Account) -> Decimal:
    return balances_of([account])[account.pk]


def account_balances(event: Event) -> list[AccountBalance]:
    """Every account of the event with its opening and current balance (three queries)."""
    currency = event.currency
    accounts: list[Mapping[str, Any]] = list(
        Account.objects.filter(event=event)
        .order_by("name")
        .values("id", "name", "kind", "holder_id", "opening_balance")
    )
    ids = [row["id"] for row in accounts]
    main_ids = {row["id"] for row in accounts if row["name"] == Account.MAIN_NAME}
    totals = _movements(ids, Transaction.objects.filter(event=event, status=Status.PAID), main_ids)
    if None in totals:
        # Booked entries without an account and no main account to hold them: show them as the
        # main account they belong to, so that the balances still add up to the result.
        accounts.append(
            {"id": None, "name": Account.MAIN_NAME, "kind": AccountKind.BANK, "holder_id": None, "opening_balance": 0}
        )
    return [
        AccountBalance(
            account_id=row["id"],
            name=row["name"],
            kind=row["kind"],
            holder_id=row["holder_id"],
            opening=quantize(row["opening_balance"], currency),
            balance=quantize(row["opening_balance"] + totals.get(row["id"], 0), currency),
        )
        for row in accounts
    ]


def event_result(event: Event) -> Decimal:
    """The event's net result: Σ signed amounts of its booked transactions (one query), the
    summary's balance and the report's net (finance.services.totals)."""
    return ledger_totals(event).net


@dataclass(frozen=True)
class EventBalances:
    """The accounts, their totals, and the figures of the invariant Σ balances = result + Σ opening."""

    currency: str
    accounts: list[AccountBalance]
    total: Decimal
    opening: Decimal
    result: Decimal

    @property
    def balanced(self) -> bool:
        return self.total == self.result + self.opening

    @property
    def unexplained(self) -> Decimal:
        """What the accounts hold beyond result + opening balances: zero unless data is broken."""
        return self.total - self.result - self.opening


def event_balances(event: Event) -> EventBalances:
    accounts = account_balances(event)
    currency = event.currency
    return EventBalances(
        currency=currency,
        accounts=accounts,
        total=quantize(sum((a.balance for a in accounts), Decimal(0)), currency),
        opening=quantize(sum((a.opening for a in accounts), Decimal(0)), currency),
        result=event_result(event),
    )
