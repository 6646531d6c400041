from __future__ import annotations

import uuid
import zoneinfo
from datetime import date

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from rules.contrib.models import RulesModel

from geventator.currencies import validate_currency
from organizers import rules as perms
from organizers.scoping import EventScopedManager


class Organizer(AbstractUser):
    """A person who organizes one or more events (the project's user model)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)

    class Meta(AbstractUser.Meta):  # type: ignore[name-defined]  # django-stubs declares no AbstractUser.Meta
        verbose_name = _("organizer")
        verbose_name_plural = _("organizers")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username


def validate_timezone(name: str) -> None:
    if name not in zoneinfo.available_timezones():
        raise ValidationError(_("%(name)s is not a known time zone."), code="unknown_timezone", params={"name": name})


class EventQuerySet(models.QuerySet["Event"]):
    def for_user(self, user) -> EventQuerySet:
        """Events the user may see: all for a superuser, else those they are a member of."""
        if user.is_superuser:
            return self
        return self.filter(pk__in=list(perms.roles_for(user)))


class Event(RulesModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    timezone = models.CharField(
        _("time zone"),
        max_length=64,
        default="UTC",
        validators=[validate_timezone],
        help_text=_("IANA name, e.g. Europe/Madrid. Activity times are shown in this zone."),
    )
    currency = models.CharField(
        _("base currency"),
        max_length=3,
        default="EUR",
        validators=[validate_currency],
        help_text=_("ISO 4217 code, e.g. EUR. The ledger is kept in this currency."),
    )
    description = models.TextField(_("description"), blank=True)
    # Set by archive_event(): the event is then read-only (organizers/rules.py, writable()) and may
    # be deleted with its ledger; until then its transactions protect it from deletion.
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True, editable=False)
    # Expenses above this amount (base currency) need two different approvers; empty: never.
    four_eyes_threshold = models.DecimalField(
        _("four-eyes threshold"),
        max_digits=15,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_("Expenses above this amount need two different approvers. Empty: one approver is enough."),
    )
    # Set by finance.services.closing.close_event(): the books are final, the ledger read-only.
    closed_at = models.DateTimeField(_("books closed at"), null=True, blank=True, editable=False)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-start_date", "name"]
        indexes = [models.Index(fields=["start_date"])]
        rules_permissions = {
            "add": perms.can_create_event,
            "view": perms.is_viewer,
            "change": perms.writable(perms.is_owner),
            "delete": perms.is_owner,
        }

    def __str__(self) -> str:
        return self.name

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The event cannot end before it starts.")})
        if self.pk and self.currency:
            stored = Event.objects.filter(pk=self.pk).values_list("currency", flat=True).first()
            if stored and stored != self.currency and self.transactions.exists():
                raise ValidationError(
                    {"currency": _("The base currency cannot change once the event has transactions.")}
                )

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def covers(self, day: date) -> bool:
        return self.start_date <= day <= self.end_date


class Role(models.TextChoices):
    """Roles are ranked: each includes what the roles below it may do."""

    VIEWER = "viewer", _("viewer")
    ORGANIZER = "organizer", _("organizer")
    TREASURER = "treasurer", _("treasurer")
    OWNER = "owner", _("owner")

    @property
    def rank(self) -> int:
        return list(Role).index(self)


class Membership(RulesModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("event"))
    organizer = models.ForeignKey(
        Organizer, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("organizer")
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = EventScopedManager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["event", "organizer__username"]
        constraints = [
            models.UniqueConstraint(fields=["event", "organizer"], name="membership_unique_per_event"),
        ]
        indexes = [models.Index(fields=["organizer", "event"])]
        rules_permissions = {
            "add": perms.writable(perms.is_owner),
            "view": perms.is_viewer,
            "change": perms.writable(perms.is_owner),
            "delete": perms.writable(perms.is_owner),
        }

    def __str__(self) -> str:
        return f"{self.organizer} – {self.event} ({self.get_role_display()})"

    def clean(self) -> None:
        # An event must keep an owner, or nobody could manage its members any more.
        if self.pk and self.role != Role.OWNER and self._is_last_owner():
            raise ValidationError({"role": _("This is the event's last owner: name another owner first.")})

    def _is_last_owner(self) -> bool:
        owners = Membership.objects.filter(event_id=self.event_id, role=Role.OWNER)
        return owners.filter(pk=self.pk).exists() and owners.count() == 1


class ApiToken(models.Model):
    """A key for the API, one per tool or device. Only its digest is stored (organizers/tokens.py):
    the key itself is shown once, when it is made."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        Organizer, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("organizer")
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("The tool or device that uses the token."))
    digest = models.CharField(_("digest"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    # Scope. A token made by signing in (POST /api/auth/token/) reaches all of its owner's events;
    # one made in the admin or at POST /api/tokens/ may be narrowed to some and to reading. Either
    # way it acts with its owner's current roles: never more (organizers/tokens.py).
    all_events = models.BooleanField(
        _("all my events"), default=True, help_text=_("Every event its owner belongs to, now and later.")
    )
    # Ids, not a many-to-many: MongoDB cannot prefetch one, and a scope needs no join: it is only
    # ever intersected with the owner's memberships (a deleted event's id matches none).
    event_ids = models.JSONField(
        _("events"),
        default=list,
        blank=True,
        help_text=_("Ids of the only events it may touch, unless it has all the owner's events."),
    )
    read_only = models.BooleanField(_("read-only"), default=False, help_text=_("Reads only: every write is refused."))

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "created_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.user})"

    @property
    def scope(self) -> frozenset[uuid.UUID] | None:
        """The events it is limited to; None: all of the owner's."""
        return None if self.all_events else frozenset(uuid.UUID(str(pk)) for pk in self.event_ids)


class IdempotentRequest(models.Model):
    """The first answer to a POST sent with an ``Idempotency-Key`` (organizers/idempotency.py): a
    retry with the same key and body gets it again instead of a second record. The unique (user,
    key) pair lets the store, not a check-then-write, settle two copies racing each other."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(Organizer, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)  # SHA-256 of method, path and body
    created_at = models.DateTimeField(auto_now_add=True)
    # None while the first request is still being answered.
    status_code = models.PositiveSmallIntegerField(null=True)
    body = models.JSONField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user")]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created_at")]
