"""Counting what is really in an account (a cash box, a bank statement) and booking the difference.

A count stores the balance the ledger expected when it was recorded; its difference is what was
found minus that. A treasurer or owner other than the person who counted confirms it (four
eyes); a difference is then booked as an adjustment on the account, with a reason, in the same
atomic block as the confirmation: both are stored or neither.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from finance import rules as steps
from finance.models import AccountKind, CashCount, CountStatus, Kind, Status, Transaction
from finance.models.accounts import Account
from finance.services.balances import balance_of
from geventator.currencies import format_money
from geventator.db import run_atomically

STATE_FIELDS = ["status", "reason", "confirmed_by", "confirmed_at", "adjustment"]


def record_count(account: Account, user, counted_amount: Decimal, counted_at: datetime, reason: str = "") -> CashCount:
    """Record what was found in ``account``; the expected amount is its balance right now."""
    event = account.event
    steps.require(user, steps.RECORD_COUNT, account)
    if account.kind == AccountKind.POCKET:
        # What an organizer paid personally is settled up, not counted.
        raise ValidationError({"account": _("A pocket account is settled up, not counted.")})
    count = CashCount(
        event=event,
        account=account,
        counted_at=counted_at,
        counted_amount=counted_amount,
        expected_amount=balance_of(account),
        reason=reason,
        counted_by=user,
    )
    count.full_clean()
    count.save()
    return count


def confirm_count(count: CashCount, user, reason: str = "") -> CashCount:
    """Confirm a pending count (a treasurer or owner who did not count); book its difference."""
    steps.require(user, steps.CONFIRM_COUNT, count)  # four eyes: not who counted
    reason = (reason or "").strip() or count.reason.strip()

    def step() -> None:
        now = timezone.now()
        claimed = CashCount.objects.filter(pk=count.pk, status=CountStatus.PENDING).update(
            status=CountStatus.CONFIRMED, confirmed_by=user, confirmed_at=now, reason=reason
        )
        if not claimed:
            raise ValidationError(_("This count is no longer pending."))
        stored = CashCount.objects.select_related("event", "account").get(pk=count.pk)
        difference = stored.difference
        if difference:
            if not reason:
                raise ValidationError({"reason": _("The count differs from the books: say why before confirming it.")})
            stored.adjustment = book_adjustment(stored, user, difference, now)
        stored.save()

    run_atomically(step)
    count.refresh_from_db(fields=STATE_FIELDS)
    return count


def book_adjustment(count: CashCount, user, difference: Decimal, now: datetime) -> Transaction:
    """The booked correction that makes the account's balance what was counted."""
    event = count.event
    counted_on = timezone.localtime(count.counted_at, event.tzinfo).date()
    adjustment = Transaction(
        event=event,
        kind=Kind.ADJUSTMENT,
        status=Status.PAID,
        account=count.account,
        amount=difference,
        currency=event.currency,
        date=counted_on,
        description=_("Count of %(account)s on %(date)s: %(difference)s difference")
        % {
            "account": count.account.name,
            "date": counted_on.isoformat(),
            "difference": format_money(difference, event.currency),
        },
        created_by=user,
        paid_by=user,
        paid_at=now,
    )
    adjustment.full_clean()
    adjustment.save()
    return adjustment


def dismiss_count(count: CashCount, user) -> CashCount:
    """Set a pending count aside (a treasurer or owner, or who counted): nothing is booked."""
    steps.require(user, steps.DISMISS_COUNT, count)

    def step() -> None:
        changed = CashCount.objects.filter(pk=count.pk, status=CountStatus.PENDING).update(status=CountStatus.DISMISSED)
        if not changed:
            raise ValidationError(_("This count is no longer pending."))
        CashCount.objects.get(pk=count.pk).save()

    run_atomically(step)
    count.refresh_from_db(fields=STATE_FIELDS)
    return count


def is_editable(count: CashCount) -> bool:
    return count.status == CountStatus.PENDING
