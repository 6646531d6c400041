"""Closing an event's books: the final state of its ledger, read-only until an owner reopens it.

The books close only when nothing is left open: every organizer's pocket is settled (zero), no
transfer and no count waits for a confirmation, and every account where money really sits (bank,
cash box, payment provider) reconciles: its latest confirmed count found exactly its current
balance and nothing was booked on it after that count. An account that never held anything (zero
balance, no movement) reconciles without a count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from finance import rules as steps
from finance.models import AccountKind, CashCount, CountStatus, Status, Transaction, Transfer, TransferStatus
from finance.services.balances import AccountBalance, account_balances
from geventator.currencies import format_money
from geventator.db import run_atomically
from organizers.models import Event

COUNTED_KINDS = frozenset({AccountKind.BANK, AccountKind.CASH, AccountKind.PROVIDER})


@dataclass(frozen=True)
class Blocker:
    """One reason the books cannot close yet; ``object_id`` names the account, transfer or count."""

    kind: str  # "pocket", "transfer", "count" or "reconciliation"
    message: str
    object_id: str | None = None


@dataclass(frozen=True)
class _LatestCount:
    counted_amount: object
    created_at: datetime
    adjustment_id: object


def closing_blockers(event: Event) -> list[Blocker]:
    """Everything that keeps the books from closing, in a fixed number of queries."""
    currency = event.currency
    balances = account_balances(event)
    blockers: list[Blocker] = []
    for pocket in (b for b in balances if b.kind == AccountKind.POCKET and b.balance):
        blockers.append(
            Blocker(
                "pocket",
                _("%(account)s is not settled: its balance is %(amount)s.")
                % {"account": pocket.name, "amount": format_money(pocket.balance, currency)},
                str(pocket.account_id),
            )
        )
    pending = Transfer.objects.filter(event=event, status=TransferStatus.PENDING).select_related(
        "from_account", "to_account"
    )
    for transfer in pending.order_by("date", "created_at"):
        blockers.append(
            Blocker(
                "transfer",
                _("The transfer of %(amount)s from %(from)s to %(to)s on %(date)s is still pending.")
                % {
                    "amount": format_money(transfer.amount, currency),
                    "from": transfer.from_account.name,
                    "to": transfer.to_account.name,
                    "date": transfer.date.isoformat(),
                },
                str(transfer.pk),
            )
        )
    counts = CashCount.objects.filter(event=event, status=CountStatus.PENDING).select_related("account")
    for count in counts.order_by("counted_at"):
        blockers.append(
            Blocker(
                "count",
                _("The count of %(account)s of %(when)s waits for a confirmation.")
                % {
                    "account": count.account.name,
                    "when": timezone.localtime(count.counted_at, event.tzinfo).strftime("%Y-%m-%d %H:%M"),
                },
                str(count.pk),
            )
        )
    blockers.extend(_reconciliation_blockers(event, [b for b in balances if b.kind in COUNTED_KINDS]))
    return blockers


def _reconciliation_blockers(event: Event, accounts: list[AccountBalance]) -> list[Blocker]:
    latest: dict = {}
    confirmed = CashCount.objects.filter(event=event, status=CountStatus.CONFIRMED).order_by(
        "-counted_at", "-created_at"
    )
    for account_id, amount, created_at, adjustment_id in confirmed.values_list(
        "account_id", "counted_amount", "created_at", "adjustment_id"
    ):
        latest.setdefault(account_id, _LatestCount(amount, created_at, adjustment_id))
    # Last movement per account: booked entries (but the latest counts' own adjustments, which
    # are part of the count) and confirmed transfers.
    last_moved: dict = {}
    own_adjustments = [count.adjustment_id for count in latest.values() if count.adjustment_id]
    booked = (
        Transaction.objects.filter(event=event, status=Status.PAID)
        .exclude(pk__in=own_adjustments)
        .order_by()
        .values("account_id")
        .annotate(last=Max("updated_at"))
    )
    moves = [(row["account_id"], row["last"]) for row in booked]
    transfers = (
        Transfer.objects.filter(event=event, status=TransferStatus.CONFIRMED)
        .order_by()
        .values("from_account_id", "to_account_id")
        .annotate(last=Max("updated_at"))
    )
    for row in transfers:
        moves += [(row["from_account_id"], row["last"]), (row["to_account_id"], row["last"])]
    for account_id, moment in moves:
        if account_id not in last_moved or moment > last_moved[account_id]:
            last_moved[account_id] = moment

    blockers = []
    for account in accounts:
        count = latest.get(account.account_id)
        moved_at = last_moved.get(account.account_id)
        if count is None:
            if account.balance == 0 and moved_at is None:
                continue
            message = _("%(account)s has no confirmed count: count it (or enter its statement) and confirm.")
        elif count.counted_amount != account.balance:
            message = _("%(account)s does not reconcile: its last count found %(counted)s, the books say %(balance)s.")
        elif moved_at is not None and moved_at > count.created_at:
            message = _("%(account)s has moved since its last count: count it again.")
        else:
            continue
        blockers.append(
            Blocker(
                "reconciliation",
                message
                % {
                    "account": account.name,
                    "counted": format_money(count.counted_amount, event.currency) if count else "",
                    "balance": format_money(account.balance, event.currency),
                },
                str(account.account_id) if account.account_id else None,
            )
        )
    return blockers


def close_event(event: Event, user) -> Event:
    """Close the books (owners), or raise ValidationError listing everything still open."""
    steps.require(user, steps.CLOSE_BOOKS, event)
    if event.closed_at is not None:
        raise ValidationError(_("The books of this event are already closed."))
    blockers = closing_blockers(event)
    if blockers:
        raise ValidationError([blocker.message for blocker in blockers])
    _set_closed_at(event, timezone.now())
    return event


def reopen_event(event: Event, user) -> Event:
    """Make the event's finance records writable again (owners)."""
    steps.require(user, steps.REOPEN_BOOKS, event)
    if event.closed_at is None:
        raise ValidationError(_("The books of this event are not closed."))
    _set_closed_at(event, None)
    return event


def _set_closed_at(event: Event, moment: datetime | None) -> None:
    def step() -> Event:
        # Compare-and-swap: of two owners closing (or reopening) at once, one does it.
        changed = Event.objects.filter(pk=event.pk, closed_at__isnull=moment is not None).update(closed_at=moment)
        if not changed:
            raise ValidationError(
                _("The books of this event are already closed.")
                if moment is not None
                else _("The books of this event are not closed.")
            )
        stored = Event.objects.get(pk=event.pk)
        stored.save()
        return stored

    event.closed_at = run_atomically(step).closed_at
