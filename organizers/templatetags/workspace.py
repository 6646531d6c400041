"""The admin index's first block: the user's events, each a link to its workspace (the event page)."""

from __future__ import annotations

from django import template

from organizers.models import Event

register = template.Library()

SHOWN = 20


@register.simple_tag(takes_context=True)
def my_events(context) -> list[Event]:
    """The events the user may see, newest first (one query after the roles')."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return []
    return list(
        Event.objects.for_user(request.user).filter(archived_at__isnull=True).order_by("-start_date", "name")[:SHOWN]
    )
