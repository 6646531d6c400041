"""Money moving between two accounts of an event: recorded, confirmed by both sides, or cancelled.

A transfer counts in the balances only once both sides confirmed it: the sending side that the
money left, the receiving side that it arrived. A side is confirmed by the holder of its account
(an organizer's pocket, a cash box someone keeps) or, for an account without a holder (a bank
account, a payment provider), by a treasurer or owner. The same person confirms both sides only
when they legitimately are both, e.g. a treasurer moving money between two bank accounts.

Each state change is a compare-and-swap on the stored row inside ``run_atomically``: of two
concurrent confirmations of one side, exactly one succeeds. Each ends with ``save()`` so the
change history records it.
"""

from __future__ import annotations

from datetime import date as Date  # noqa: N812 - the field is called date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from finance import rules as steps
from finance.models import Account, Transfer, TransferPurpose, TransferStatus
from geventator.db import run_atomically
from organizers.models import Event

SENT = "sent"
RECEIVED = "received"
# side: (account field, confirmed-by field, confirmed-at field)
SIDES = {
    SENT: ("from_account", "sent_confirmed_by", "sent_confirmed_at"),
    RECEIVED: ("to_account", "received_confirmed_by", "received_confirmed_at"),
}
STATE_FIELDS = [
    "status",
    "sent_confirmed_by",
    "sent_confirmed_at",
    "received_confirmed_by",
    "received_confirmed_at",
    "updated_at",
]


def is_editable(transfer: Transfer) -> bool:
    """Amount, accounts and date may change only while nobody has confirmed anything."""
    return (
        transfer.status == TransferStatus.PENDING
        and transfer.sent_confirmed_by_id is None
        and transfer.received_confirmed_by_id is None
    )


def is_deletable(transfer: Transfer) -> bool:
    """A confirmed transfer, or one a side has confirmed, is history: corrected by a transfer back."""
    return (
        transfer.status != TransferStatus.CONFIRMED
        and transfer.sent_confirmed_by_id is None
        and transfer.received_confirmed_by_id is None
    )


def create_transfer(
    event: Event,
    user,
    from_account: Account,
    to_account: Account,
    amount: Decimal,
    date: Date,
    purpose: str = TransferPurpose.TRANSFER,
    description: str = "",
) -> Transfer:
    """Record a pending transfer (organizers and up); nothing counts until both sides confirm."""
    steps.require(user, steps.RECORD_TRANSFER, event)
    transfer = Transfer(
        event=event,
        from_account=from_account,
        to_account=to_account,
        amount=amount,
        date=date,
        purpose=purpose,
        description=description,
        created_by=user,
    )
    validate_transfer(transfer)
    transfer.save()
    return transfer


def validate_transfer(transfer: Transfer) -> None:
    """The model's checks plus: no money moves from or to an account that is no longer in use."""
    errors: dict[str, list] = {}
    try:
        transfer.full_clean()
    except ValidationError as exc:
        errors = exc.message_dict
    for name in ("from_account", "to_account"):
        account = getattr(transfer, name) if getattr(transfer, f"{name}_id") else None
        if account is not None and not account.is_active and name not in errors:
            errors[name] = [_("This account is no longer in use.")]
    if errors:
        raise ValidationError(errors)


def _confirm(transfer: Transfer, user, side: str) -> Transfer:
    _account, by_field, at_field = SIDES[side]
    steps.require(user, steps.CONFIRM_SENT if side == SENT else steps.CONFIRM_RECEIVED, transfer)

    def step() -> Transfer:
        claimed = Transfer.objects.filter(
            pk=transfer.pk, status=TransferStatus.PENDING, **{f"{by_field}__isnull": True}
        ).update(**{by_field: user, at_field: timezone.now()})
        if not claimed:
            stored = Transfer.objects.filter(pk=transfer.pk).values("status", f"{by_field}_id").first()
            if stored is None or stored["status"] != TransferStatus.PENDING:
                raise ValidationError(_("This transfer is no longer pending."))
            if side == SENT:
                raise ValidationError(_("The sending side of this transfer is already confirmed."))
            raise ValidationError(_("The receiving side of this transfer is already confirmed."))
        # Both sides now? Then the money moved: it counts in the balances from here on.
        Transfer.objects.filter(
            pk=transfer.pk,
            status=TransferStatus.PENDING,
            sent_confirmed_by__isnull=False,
            received_confirmed_by__isnull=False,
        ).update(status=TransferStatus.CONFIRMED)
        stored = Transfer.objects.get(pk=transfer.pk)
        stored.save()
        return stored

    run_atomically(step)
    transfer.refresh_from_db(fields=STATE_FIELDS)
    return transfer


def confirm_sent(transfer: Transfer, user) -> Transfer:
    """The sending side confirms the money left its account."""
    return _confirm(transfer, user, SENT)


def confirm_received(transfer: Transfer, user) -> Transfer:
    """The receiving side confirms the money arrived in its account."""
    return _confirm(transfer, user, RECEIVED)


def cancel(transfer: Transfer, user) -> Transfer:
    """Cancel a pending transfer (its creator, a treasurer or an owner); a confirmed one stays."""
    steps.require(user, steps.CANCEL_TRANSFER, transfer)

    def step() -> None:
        changed = Transfer.objects.filter(pk=transfer.pk, status=TransferStatus.PENDING).update(
            status=TransferStatus.CANCELLED
        )
        if not changed:
            raise ValidationError(
                _("Only a pending transfer can be cancelled; a confirmed one is undone by a transfer back.")
            )
        Transfer.objects.get(pk=transfer.pk).save()

    run_atomically(step)
    transfer.refresh_from_db(fields=STATE_FIELDS)
    return transfer
