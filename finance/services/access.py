"""Role checks the finance services share (the models' rules say the same for plain CRUD)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from organizers import rules as perms
from organizers.models import Event


def may_write(user, event: Event, minimum: str) -> bool:
    """Whether ``user`` holds ``minimum`` in the event and its finance records are writable
    (neither archived nor closed). A superuser may always, as Django answers them before any rule."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return perms.has_role(user, event, minimum) and not perms.event_is_archived(event) and event.closed_at is None


def require_write(user, event: Event, minimum: str) -> None:
    if not may_write(user, event, minimum):
        if perms.has_role(user, event, minimum) and perms.event_is_archived(event):
            raise PermissionDenied(_("This event is archived: its records are read-only."))
        if perms.has_role(user, event, minimum) and event.closed_at is not None:
            raise PermissionDenied(_("The books of this event are closed: its finance records are read-only."))
        raise PermissionDenied(_("Your role in this event does not allow this."))


def require_open(user, event: Event) -> None:
    """Refuse with the reason when the event's finance records are frozen (archived or closed)."""
    if getattr(user, "is_superuser", False):
        return
    if perms.event_is_archived(event):
        raise PermissionDenied(_("This event is archived: its records are read-only."))
    if event.closed_at is not None:
        raise PermissionDenied(_("The books of this event are closed: its finance records are read-only."))
