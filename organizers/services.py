"""Operations on events and memberships that touch several records."""

from __future__ import annotations

from django.apps import apps
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from geventator.db import run_atomically
from organizers import rules as perms
from organizers.models import Event, Membership, Organizer, Role


def create_event(creator: Organizer, event: Event) -> Event:
    """Save a new event and make its creator an owner, both or neither."""

    def save_both() -> None:
        event.save()
        Membership.objects.create(event=event, organizer=creator, role=Role.OWNER)

    run_atomically(save_both)
    perms.forget_roles(creator)
    return event


def archive_event(event: Event) -> Event:
    """Freeze the event: read-only for all but superusers, and deletable with its ledger."""
    if event.archived_at is None:
        event.archived_at = timezone.now()
        event.save(update_fields=["archived_at"])
    return event


def unarchive_event(event: Event) -> Event:
    if event.archived_at is not None:
        event.archived_at = None
        event.save(update_fields=["archived_at"])
    return event


def delete_event(event: Event) -> None:
    """Delete the event with everything in it, its ledger only if it was archived first.

    Transactions (and transfers, counts, pledges, receipts) PROTECT their event: deleting an event
    that has any raises ProtectedError (the API answers 409, the admin lists them) unless the event
    is archived, the deliberate step that says "this ledger may go". All or nothing.
    """
    # The ledger's records protect each other (a count its adjustment, a pledge its payments, a
    # budget line its category): delete them referrers first. Receipt files go on commit.
    ledger = [
        apps.get_model("finance", name)
        for name in ("Receipt", "CashCount", "Transfer", "Transaction", "Pledge", "BudgetLine")
    ]

    def delete_all() -> None:
        stored = Event.objects.get(pk=event.pk)  # archived now, not when the caller read it
        if stored.archived_at is not None:
            for model in ledger:
                model.objects.filter(event_id=stored.pk).delete()
        stored.delete()

    run_atomically(delete_all)


def remove_membership(membership: Membership) -> None:
    if membership.role == Role.OWNER and membership._is_last_owner():
        raise ValidationError(_("This is the event's last owner: name another owner first."))
    membership.delete()
