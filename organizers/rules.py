"""Who may do what: event roles as django-rules predicates.

The admin and the API both ask ``user.has_perm(perm, obj)``; the predicates below answer from the
user's memberships. ``obj`` is an Event, an object that belongs to one (has ``event_id``), or None,
which asks "does the user have this role in at least one event?" (list pages, add buttons).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import rules
from django.apps import apps

ROLE_RANK = {"viewer": 0, "organizer": 1, "treasurer": 2, "owner": 3}
_CACHE_ATTR = "_geventator_event_roles"
_SCOPE_ATTR = "_geventator_token_events"


def roles_for(user) -> dict[UUID, str]:
    """{event id: role} of the user's memberships, read once per user object (one request)."""
    if not getattr(user, "is_authenticated", False):
        return {}
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        membership = apps.get_model("organizers", "Membership")
        # order_by(): Membership's default order joins events and organizers, which this needs not
        # (on MongoDB the joins would run over every membership before the filter, each request).
        cached = dict(membership.objects.filter(organizer_id=user.pk).order_by().values_list("event_id", "role"))
        scope = token_events(user)
        if scope is not None:
            cached = {event_id: role for event_id, role in cached.items() if event_id in scope}
        setattr(user, _CACHE_ATTR, cached)
    return cached


def limit_to_events(user, event_ids) -> None:
    """Narrow the signed-in user object, for this request, to some of their events (a scoped API
    token). Every check asks roles_for(), so the user's roles elsewhere stop counting everywhere;
    superuser powers go too (the object is never saved), or a superuser's token scoped to one
    event would still reach them all."""
    setattr(user, _SCOPE_ATTR, frozenset(event_ids))
    user.is_superuser = False
    forget_roles(user)


def token_events(user) -> frozenset[UUID] | None:
    """The events a scoped token limits this request to; None when it is not limited."""
    return getattr(user, _SCOPE_ATTR, None)


def fellow_member_ids(user) -> set[UUID]:
    """Ids of the organizers who share an event with the user (the user too). Two plain queries
    (roles, then this) rather than a join with distinct(): the same shape on both stores."""
    membership = apps.get_model("organizers", "Membership")
    rows = membership.objects.filter(event_id__in=list(roles_for(user))).order_by()  # no joins (see above)
    return set(rows.values_list("organizer_id", flat=True))


def fellow_organizers(user):
    """Organizers the user may name (account holder, budget line owner, responsible): anyone for a
    superuser, otherwise those who share an event with the user."""
    organizer = apps.get_model("organizers", "Organizer")
    if user.is_superuser:
        return organizer.objects.all()
    return organizer.objects.filter(pk__in=list(fellow_member_ids(user)))


def forget_roles(user) -> None:
    """Drop the cached roles, e.g. after the user's memberships changed in this request."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def event_id_of(obj: Any) -> UUID | None:
    if obj is None:
        return None
    if obj._meta.label == "organizers.Event":
        return obj.pk
    return obj.event_id


def has_role(user, obj: Any, minimum: str) -> bool:
    """Whether the user holds at least ``minimum`` in obj's event (or in any event if obj is None)."""
    roles = roles_for(user)
    needed = ROLE_RANK[minimum]
    if obj is None:
        return any(ROLE_RANK[role] >= needed for role in roles.values())
    event_id = event_id_of(obj)
    role = roles.get(event_id) if event_id is not None else None
    return role is not None and ROLE_RANK[role] >= needed


def events_with_role(user, minimum: str) -> list[UUID]:
    needed = ROLE_RANK[minimum]
    return [event_id for event_id, role in roles_for(user).items() if ROLE_RANK[role] >= needed]


def _role_predicate(minimum: str) -> rules.Predicate:
    @rules.predicate(name=f"is_{minimum}")
    def check(user, obj=None) -> bool:
        return has_role(user, obj, minimum)

    return check


is_viewer = _role_predicate("viewer")
is_organizer = _role_predicate("organizer")
is_treasurer = _role_predicate("treasurer")
is_owner = _role_predicate("owner")


@rules.predicate
def can_create_event(user, obj=None) -> bool:
    # Any signed-in organizer may start a new event; they become its owner. Not through a token
    # narrowed to some events: the new event would be outside what the token may touch.
    return bool(user.is_authenticated and user.is_active and token_events(user) is None)


def event_is_archived(obj: Any) -> bool:
    """Whether obj (an Event or a record of one) belongs to an archived event; None: no."""
    if obj is None:
        return False
    if obj._meta.label == "organizers.Event":
        return obj.archived_at is not None
    if getattr(obj, "event_id", None) is None:
        return False
    return obj.event.archived_at is not None


@rules.predicate
def is_archived(user, obj=None) -> bool:
    # An archived event is frozen: its records are kept as they were, read-only for all but a
    # superuser (whom Django answers before any rule). Combined into every add/change/delete rule.
    return event_is_archived(obj)


def writable(role: rules.Predicate) -> rules.Predicate:
    """``role`` in an event that is not archived."""
    return role & ~is_archived


def event_books_closed(obj: Any) -> bool:
    """Whether obj (an Event or a record of one) belongs to an event whose books are closed."""
    if obj is None:
        return False
    if obj._meta.label == "organizers.Event":
        return obj.closed_at is not None
    if getattr(obj, "event_id", None) is None:
        return False
    return obj.event.closed_at is not None


@rules.predicate
def is_books_closed(user, obj=None) -> bool:
    # Closed books (finance.services.closing.close_event) are final: the event's finance records
    # are read-only for all but a superuser until an owner reopens them.
    return event_books_closed(obj)


def finance_writable(role: rules.Predicate) -> rules.Predicate:
    """``role`` in an event that is neither archived nor has its books closed (finance records)."""
    return writable(role) & ~is_books_closed
