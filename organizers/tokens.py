"""API tokens: issued at POST /api/auth/token/ (all the owner's events, read-write) or made in the
admin and at POST /api/tokens/ with a scope (some events, read-only, an expiry of one's choosing);
valid until they expire, revoked by a password change.

A token acts with its owner's current roles, narrowed by its scope, never widened: a request
signed with it sees only its events (organizers.rules.limit_to_events) and a read-only one may
not write.

The key is random (256 bits) and only its SHA-256 digest is stored: a copy of the database or a
backup gives nobody a working key. Keys that random need no salt or slow hash.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.permissions import SAFE_METHODS

from geventator.db import atomic
from organizers import rules as perms
from organizers.models import ApiToken, Event, Organizer
from organizers.security import log_event

# "Last used" is kept to this precision: a write per request would double the API's writes.
LAST_USED_PRECISION = timedelta(hours=1)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


# Live tokens a user may hold: a script that signs in on every run would otherwise add one a run.
# Beyond it the oldest ones go.
TOKENS_PER_USER = 50


def validate_expiry(value) -> None:
    """The expiry one may give a token: in the future, at most API_TOKEN_MAX_TTL ahead. The admin's
    form and the API's serializer both use it (DRF turns the error into a 400 on the field)."""
    now = timezone.now()
    if value <= now:
        raise ValidationError(_("Choose a time in the future."))
    if value > now + settings.API_TOKEN_MAX_TTL:
        raise ValidationError(_("At most %(days)d days ahead.") % {"days": settings.API_TOKEN_MAX_TTL.days})


def issue_token(
    user: Organizer,
    name: str,
    *,
    events: list[Event] | None = None,
    read_only: bool = False,
    expires_at=None,
) -> tuple[ApiToken, str]:
    """A new token of the user and its key (the only time the key is known). ``events`` None: all
    the user's events; ``expires_at`` None: API_TOKEN_TTL from now."""
    now = timezone.now()
    key = secrets.token_urlsafe(32)
    with atomic():
        # The user's expired tokens go: they can never be used again, and would only pile up.
        ApiToken.objects.filter(user=user, expires_at__lte=now).delete()
        token = ApiToken.objects.create(
            user=user,
            name=name,
            digest=digest(key),
            expires_at=expires_at or now + settings.API_TOKEN_TTL,
            all_events=events is None,
            event_ids=[str(event.pk) for event in events or ()],
            read_only=read_only,
        )
        oldest = ApiToken.objects.filter(user=user).order_by("-created_at", "-pk").values_list("pk", flat=True)
        surplus = list(oldest[TOKENS_PER_USER:])
        if surplus:
            ApiToken.objects.filter(pk__in=surplus).delete()
    return token, key


class ApiTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``, as DRF's TokenAuthentication, against ApiToken, narrowed
    to the token's scope. The refusal of writes sits here rather than in a permission class so
    that no view's own permission_classes can leave it out."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None and result[1].read_only and request.method not in SAFE_METHODS:
            raise exceptions.PermissionDenied(_("This API token is read-only."))
        return result

    def authenticate_credentials(self, key: str):
        token = ApiToken.objects.select_related("user").filter(digest=digest(key)).first()
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        now = timezone.now()
        if token.expires_at <= now:
            raise exceptions.AuthenticationFailed(_("This token has expired. Ask POST /api/auth/token/ for a new one."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        if token.last_used_at is None or token.last_used_at < now - LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        scope = token.scope
        if scope is not None:
            perms.limit_to_events(token.user, scope)
        return token.user, token


def revoke_on_password_change(sender, instance, created, **kwargs) -> None:
    # Django's set_password() keeps the new password in `_password` until save() has run: that is
    # every password change (admin forms, changepassword, password reset). A hash upgrade at sign-in
    # clears it first, so it does not sign out the user's tools. A password made unusable (the
    # admin's "disable password-based authentication") ends the tokens too.
    if created:
        return
    if getattr(instance, "_password", None) is not None or not instance.has_usable_password():
        revoked, _by_model = ApiToken.objects.filter(user_id=instance.pk).delete()
        if revoked:
            log_event(
                "tokens_revoked",
                "API tokens of %s revoked: password changed",
                instance.get_username(),
                username=instance.get_username(),
                count=revoked,
            )


def connect() -> None:
    from django.contrib.auth import get_user_model
    from django.db.models.signals import post_save

    post_save.connect(
        revoke_on_password_change, sender=get_user_model(), dispatch_uid="organizers.tokens.password_change"
    )
