"""Security-relevant events on the "geventator.security" logger (README, "Security").

Sign-ins (admin and API token), failed sign-ins, lockouts, membership changes and changes to a
user's groups or permissions. Signal receivers, connected in OrganizersConfig.ready; who acted is
read from the current request, which SecurityContextMiddleware keeps for the receivers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest, HttpResponse

from geventator.proxies import client_address

logger = logging.getLogger("geventator.security")

_current_request: ContextVar[HttpRequest | None] = ContextVar("geventator_security_request", default=None)


class SecurityContextMiddleware:
    """Keeps the request for the receivers below: model signals carry no request, and the API's
    token user is known only once the view ran (DRF then sets it on this same HttpRequest)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)


def channel(request: Any) -> str:
    path = getattr(request, "path", "") or ""
    return "api" if path.startswith("/api/") else "admin"


def actor() -> str | None:
    """Username of whoever makes the current request (None outside a request: shell, commands)."""
    request = _current_request.get()
    user = getattr(request, "user", None) if request is not None else None
    return user.get_username() if user is not None and user.is_authenticated else None


def log_event(event: str, message: str, *args: Any, **fields: Any) -> None:
    # Fields go to `extra`: the JSON formatter (geventator/logs.py) writes them as keys.
    logger.info(message, *args, extra={"security_event": event, **fields})


def on_logged_in(sender, request, user, **kwargs) -> None:
    log_event(
        "login",
        "Sign-in of %s",
        user.get_username(),
        username=user.get_username(),
        channel=channel(request),
        client=client_address(request),
    )


def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    # Django has already masked the password in `credentials`; the username is kept.
    username = credentials.get("username")
    logger.warning(
        "Failed sign-in for %s",
        username,
        extra={
            "security_event": "login_failed",
            "username": username,
            "channel": channel(request),
            "client": client_address(request),
        },
    )


def on_locked_out(sender, request, username, ip_address, **kwargs) -> None:
    logger.warning(
        "Lockout of %s from %s",
        username,
        ip_address,
        extra={
            "security_event": "lockout",
            "username": username,
            "client": ip_address,
            "channel": channel(request),
        },
    )


def log_token_issued(request: Any, user) -> None:
    log_event(
        "login",
        "API token sign-in of %s",
        user.get_username(),
        username=user.get_username(),
        channel="api",
        client=client_address(request),
    )


def _membership_fields(membership) -> dict[str, Any]:
    return {
        "by": actor(),
        "event_id": str(membership.event_id),
        "member_id": str(membership.organizer_id),
        "role": membership.role,
    }


def on_membership_pre_save(sender, instance, **kwargs) -> None:
    # The role before the change, for the "changed" line (one read, only for memberships).
    if instance._state.adding:
        instance._security_old_role = None
        return
    instance._security_old_role = sender.objects.filter(pk=instance.pk).values_list("role", flat=True).first()


def on_membership_saved(sender, instance, created, **kwargs) -> None:
    fields = _membership_fields(instance)
    if created:
        log_event(
            "membership_created",
            "Membership created: %s is %s of event %s (by %s)",
            fields["member_id"],
            fields["role"],
            fields["event_id"],
            fields["by"],
            **fields,
        )
        return
    old_role = getattr(instance, "_security_old_role", None)
    log_event(
        "membership_changed",
        "Membership changed: %s is %s (was %s) of event %s (by %s)",
        fields["member_id"],
        fields["role"],
        old_role,
        fields["event_id"],
        fields["by"],
        old_role=old_role,
        **fields,
    )


def on_membership_deleted(sender, instance, **kwargs) -> None:
    fields = _membership_fields(instance)
    log_event(
        "membership_deleted",
        "Membership deleted: %s was %s of event %s (by %s)",
        fields["member_id"],
        fields["role"],
        fields["event_id"],
        fields["by"],
        **fields,
    )


def _m2m_receiver(what: str) -> Callable[..., None]:
    def receiver(sender, instance, action, reverse, model, pk_set, **kwargs) -> None:
        if action not in {"post_add", "post_remove", "post_clear"}:
            return
        # reverse: the change was made from the group/permission side (group.user_set.add(user)).
        names = sorted(str(pk) for pk in (pk_set or ()))
        log_event(
            f"user_{what}_changed",
            "User %s changed (%s): %s %s (by %s)",
            what,
            action,
            instance,
            names,
            actor(),
            by=actor(),
            action=action,
            target=str(instance),
            reverse=reverse,
            items=names,
        )

    receiver.__name__ = f"on_user_{what}_changed"
    return receiver


on_groups_changed = _m2m_receiver("groups")
on_permissions_changed = _m2m_receiver("permissions")


def connect() -> None:
    from axes.signals import user_locked_out
    from django.contrib.auth import get_user_model
    from django.contrib.auth.signals import user_logged_in, user_login_failed
    from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

    from organizers.models import Membership

    user_model = get_user_model()
    user_logged_in.connect(on_logged_in, dispatch_uid="geventator.security.login")
    user_login_failed.connect(on_login_failed, dispatch_uid="geventator.security.login_failed")
    user_locked_out.connect(on_locked_out, dispatch_uid="geventator.security.locked_out")
    pre_save.connect(on_membership_pre_save, sender=Membership, dispatch_uid="geventator.security.m_pre")
    post_save.connect(on_membership_saved, sender=Membership, dispatch_uid="geventator.security.m_saved")
    post_delete.connect(on_membership_deleted, sender=Membership, dispatch_uid="geventator.security.m_deleted")
    m2m_changed.connect(on_groups_changed, sender=user_model.groups.through, dispatch_uid="geventator.security.groups")
    m2m_changed.connect(
        on_permissions_changed,
        sender=user_model.user_permissions.through,
        dispatch_uid="geventator.security.permissions",
    )
