"""One way to scope querysets to the events a user belongs to, used by admin, API and reports."""

from __future__ import annotations

from typing import TypeVar

from django.db import models

from organizers import rules as perms

_M = TypeVar("_M", bound=models.Model)


class EventScopedQuerySet(models.QuerySet[_M]):
    """QuerySet of a model with an ``event`` foreign key."""

    def for_user(self, user, minimum_role: str = "viewer") -> EventScopedQuerySet[_M]:
        if user.is_superuser:
            return self
        return self.filter(event_id__in=perms.events_with_role(user, minimum_role))

    def for_event(self, event) -> EventScopedQuerySet[_M]:
        return self.filter(event=event)


EventScopedManager = models.Manager.from_queryset(EventScopedQuerySet)
