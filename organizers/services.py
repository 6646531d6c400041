"""Operations on events and memberships that touch several records."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from geventator.db import atomic
from organizers import rules as perms
from organizers.models import Event, Membership, Organizer, Role


def create_event(creator: Organizer, event: Event) -> Event:
    """Save a new event and make its creator an owner, both or neither."""
    with atomic():
        event.save()
        Membership.objects.create(event=event, organizer=creator, role=Role.OWNER)
    perms.forget_roles(creator)
    return event


def remove_membership(membership: Membership) -> None:
    if membership.role == Role.OWNER and membership._is_last_owner():
        raise ValidationError(_("This is the event's last owner: name another owner first."))
    membership.delete()
