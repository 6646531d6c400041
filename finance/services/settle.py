"""Settling up with organizers: what the event owes each of them, or they owe it.

An organizer's pocket account holds what they paid or collected personally for the event. A
negative balance is what the event owes them (they paid out of their own pocket), a positive one
what they owe the event (they collected money). A reimbursement is a transfer between the event's
main account and the pocket that brings the pocket back to zero; like any transfer it counts once
both sides confirmed it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date as Date  # noqa: N812 - the parameter is called date
from decimal import Decimal
from typing import cast
from uuid import UUID

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from finance import rules as steps
from finance.models import Account, AccountKind, Transfer, TransferPurpose, TransferStatus
from finance.services.balances import account_balances, balance_of
from finance.services.transfers import create_transfer
from geventator.db import run_atomically
from organizers.models import Event, Organizer


@dataclass(frozen=True)
class Debt:
    """One pocket to settle. ``amount`` > 0: the event owes the organizer; < 0: they owe the event.

    The suggested transfer moves ``abs(amount)`` from ``from_account_id`` to ``to_account_id``
    (the event's main account and the pocket, in the direction that zeroes the pocket); the main
    account is None when the event has none yet (recording the reimbursement creates it).
    """

    organizer_id: UUID
    organizer_name: str
    account_id: UUID
    account_name: str
    amount: Decimal
    from_account_id: UUID | None
    to_account_id: UUID | None
    pending_transfer_id: UUID | None = None

    @property
    def event_owes(self) -> bool:
        return self.amount > 0


def pocket_for(event: Event, organizer: Organizer) -> Account:
    """The organizer's pocket account in the event, created on first use."""
    pocket = (
        Account.objects.filter(event=event, kind=AccountKind.POCKET, holder=organizer).order_by("created_at").first()
    )
    if pocket is None:
        pocket = Account.objects.create(
            event=event,
            kind=AccountKind.POCKET,
            holder=organizer,
            name=_("Pocket: %(username)s") % {"username": organizer.get_username()},
        )
    return pocket


def settle_up(event: Event) -> list[Debt]:
    """One entry per pocket with a non-zero balance, biggest amount first (six queries at most)."""
    pockets = [b for b in account_balances(event) if b.kind == AccountKind.POCKET and b.balance]
    if not pockets:
        return []
    main = Account.objects.filter(event=event, name=Account.MAIN_NAME).values_list("pk", flat=True).first()
    people = {person.pk: person for person in Organizer.objects.filter(pk__in=[p.holder_id for p in pockets])}
    pending = _pending_reimbursements(event, [p.account_id for p in pockets])
    debts = []
    for pocket in pockets:
        # A pocket is a stored account with a holder: both ids are set (only the stand-in main
        # account of account_balances() has none).
        account_id, holder_id = cast(UUID, pocket.account_id), cast(UUID, pocket.holder_id)
        person = people.get(holder_id)
        event_owes = pocket.balance < 0
        debts.append(
            Debt(
                organizer_id=holder_id,
                organizer_name=str(person) if person else "",
                account_id=account_id,
                account_name=pocket.name,
                amount=-pocket.balance,
                from_account_id=main if event_owes else pocket.account_id,
                to_account_id=pocket.account_id if event_owes else main,
                pending_transfer_id=pending.get(pocket.account_id),
            )
        )
    return sorted(debts, key=lambda debt: (-abs(debt.amount), debt.organizer_name))


def _pending_reimbursements(event: Event, pocket_ids: list) -> dict:
    """{pocket id: a pending reimbursement transfer of it} (one query)."""
    rows = Transfer.objects.filter(
        event=event, purpose=TransferPurpose.REIMBURSEMENT, status=TransferStatus.PENDING
    ).values_list("pk", "from_account_id", "to_account_id")
    found: dict = {}
    wanted = set(pocket_ids)
    for pk, from_id, to_id in rows:
        for account_id in (from_id, to_id):
            if account_id in wanted:
                found.setdefault(account_id, pk)
    return found


def record_reimbursement(
    pocket: Account | Debt,
    user,
    event_account: Account | None = None,
    date: Date | None = None,
) -> Transfer:
    """Record the transfer that settles a pocket (treasurers and owners): pending until both sides
    confirm it. ``event_account`` pays the organizer or receives their money (default: the main
    account); the amount is the pocket's balance now."""
    if isinstance(pocket, Debt):
        pocket = Account.objects.select_related("event", "holder").get(pk=pocket.account_id)
    event = pocket.event
    steps.require(user, steps.SETTLE_UP, pocket)
    if pocket.kind != AccountKind.POCKET:
        raise ValidationError({"account": _("Only an organizer's pocket account is settled up.")})
    event_account = event_account or Account.main_for(event)
    if event_account.event_id != event.pk:
        raise ValidationError({"event_account": _("This account belongs to another event.")})
    if event_account.pk == pocket.pk or event_account.kind == AccountKind.POCKET:
        raise ValidationError({"event_account": _("Settle up through one of the event's own accounts, not a pocket.")})

    def step() -> Transfer:
        Account.objects.filter(pk=pocket.pk).update(settled_up_at=timezone.now())
        if _pending_reimbursements(event, [pocket.pk]):
            raise ValidationError(
                {"account": _("A reimbursement of this pocket is already pending: confirm or cancel it first.")}
            )
        balance = balance_of(pocket)
        if not balance:
            raise ValidationError({"account": _("This pocket is settled: its balance is zero.")})
        owed = balance < 0
        return create_transfer(
            event,
            user,
            from_account=event_account if owed else pocket,
            to_account=pocket if owed else event_account,
            amount=abs(balance),
            date=date or timezone.localdate(timezone=event.tzinfo),
            purpose=TransferPurpose.REIMBURSEMENT,
            description=_("Settling up with %(organizer)s") % {"organizer": pocket.holder},
        )

    return run_atomically(step)
