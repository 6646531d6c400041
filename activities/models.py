from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rules.contrib.models import RulesModel

from organizers import rules as perms
from organizers.models import Event
from organizers.scoping import EventScopedManager


class Location(RulesModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="locations", verbose_name=_("event"))
    name = models.CharField(_("name"), max_length=120)
    address = models.CharField(_("address"), max_length=250, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)

    objects = EventScopedManager()

    class Meta:
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["event", "name"], name="location_name_unique_per_event")]
        rules_permissions = {
            "add": perms.writable(perms.is_organizer),
            "view": perms.is_viewer,
            "change": perms.writable(perms.is_organizer),
            "delete": perms.writable(perms.is_organizer),
        }

    def __str__(self) -> str:
        return self.name


class Status(models.TextChoices):
    PLANNED = "planned", _("planned")
    CONFIRMED = "confirmed", _("confirmed")
    CANCELLED = "cancelled", _("cancelled")
    DONE = "done", _("done")


class Kind(models.TextChoices):
    TALK = "talk", _("talk")
    WORKSHOP = "workshop", _("workshop")
    CONCERT = "concert", _("concert")
    PERFORMANCE = "performance", _("performance")
    MEAL = "meal", _("meal")
    MEETING = "meeting", _("meeting")
    LOGISTICS = "logistics", _("logistics")
    OTHER = "other", _("other")


class Activity(RulesModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="activities", verbose_name=_("event"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    # RESTRICT, not PROTECT: a location in use cannot be deleted on its own, but deleting the whole
    # event removes its activities and locations together (PROTECT would block that too).
    location = models.ForeignKey(
        Location,
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("location"),
    )
    responsible = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="activities", verbose_name=_("responsible organizers")
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PLANNED)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.OTHER)
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True, help_text=_("How many people the activity expects at most.")
    )
    is_public = models.BooleanField(
        _("public"), default=False, help_text=_("Shown in the event's public calendar feed.")
    )
    transactions = models.ManyToManyField(
        "finance.Transaction",
        blank=True,
        related_name="activities",
        verbose_name=_("transactions"),
        help_text=_("What the activity costs and brings in."),
    )
    budget_lines = models.ManyToManyField(
        "finance.BudgetLine",
        blank=True,
        related_name="activities",
        verbose_name=_("budget lines"),
        help_text=_("The parts of the budget this activity draws on or earns for."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = EventScopedManager()

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["start", "title"]
        indexes = [
            models.Index(fields=["event", "start"]),
            models.Index(fields=["event", "status"]),
            models.Index(fields=["event", "location"]),
            models.Index(fields=["location", "start"]),
            models.Index(fields=["event", "is_public", "start"]),
        ]
        rules_permissions = {
            "add": perms.writable(perms.is_organizer),
            "view": perms.is_viewer,
            "change": perms.writable(perms.is_organizer),
            "delete": perms.writable(perms.is_organizer),
        }

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.start and self.end and self.end <= self.start:
            errors["end"] = _("The activity must end after it starts.")
        if self.event_id:
            event = self.event
            tz = event.tzinfo
            # An activity may end at midnight after the last day: check the instant just before.
            bounds = {"start": self.start, "end": self.end and self.end - timedelta(microseconds=1)}
            for field, value in bounds.items():
                if value and field not in errors and not event.covers(timezone.localtime(value, tz).date()):
                    errors[field] = _("%(when)s is outside the event's dates (%(start)s – %(end)s).") % {
                        "when": timezone.localtime(getattr(self, field), tz).strftime("%Y-%m-%d %H:%M"),
                        "start": event.start_date,
                        "end": event.end_date,
                    }
            if self.location_id and self.location.event_id != self.event_id:
                errors["location"] = _("This location belongs to another event.")
        if not errors and self.location_id and self.status != Status.CANCELLED:
            clash = self.overlapping_in_location().select_related("location").first()
            if clash is not None:
                tz = self.event.tzinfo
                errors["location"] = _("%(location)s is taken by “%(title)s” from %(start)s to %(end)s.") % {
                    "location": clash.location,
                    "title": clash.title,
                    "start": timezone.localtime(clash.start, tz).strftime("%Y-%m-%d %H:%M"),
                    "end": timezone.localtime(clash.end, tz).strftime("%H:%M"),
                }
        if errors:
            raise ValidationError(errors)

    def overlapping_in_location(self) -> models.QuerySet[Activity]:
        """Other scheduled (not cancelled) activities in the same location at an overlapping time."""
        return (
            Activity.objects.filter(location_id=self.location_id, start__lt=self.end, end__gt=self.start)
            .exclude(pk=self.pk)
            .exclude(status=Status.CANCELLED)
            .order_by("start")
        )

    @staticmethod
    def validate_responsible(event: Event, organizers) -> None:
        """Responsible organizers must be members of the activity's event (admin and API call this)."""
        member_ids = set(event.memberships.order_by().values_list("organizer_id", flat=True))
        outsiders = [str(o) for o in organizers if o.pk not in member_ids]
        if outsiders:
            raise ValidationError(
                _("Not a member of this event: %(names)s.") % {"names": ", ".join(outsiders)},
                code="not_a_member",
            )

    @staticmethod
    def validate_transactions(event: Event, transactions) -> None:
        """Linked transactions must be in the activity's event's ledger (admin and API call this).

        Callers pass only transactions the user may see, so naming them leaks nothing.
        """
        strangers = [str(t) for t in transactions if t.event_id != event.pk]
        if strangers:
            raise ValidationError(
                _("Not in this event's ledger: %(transactions)s.") % {"transactions": "; ".join(strangers)},
                code="other_event",
            )

    @staticmethod
    def validate_budget_lines(event: Event, lines) -> None:
        """Linked budget lines must be in the activity's event's budget (admin and API call this)."""
        strangers = [str(line) for line in lines if line.event_id != event.pk]
        if strangers:
            raise ValidationError(
                _("Not in this event's budget: %(lines)s.") % {"lines": "; ".join(strangers)},
                code="other_event",
            )


def new_calendar_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarToken(models.Model):
    """The secret in an organizer's personal calendar feed URL; regenerating it revokes the old URL."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organizer = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="calendar_token",
        verbose_name=_("organizer"),
    )
    token = models.CharField(_("token"), max_length=64, unique=True, default=new_calendar_token)
    created_at = models.DateTimeField(_("created at"), auto_now=True)

    class Meta:
        verbose_name = _("calendar token")
        verbose_name_plural = _("calendar tokens")

    def __str__(self) -> str:
        return str(self.organizer)

    def regenerate(self) -> None:
        self.token = new_calendar_token()
        self.save(update_fields=["token", "created_at"])
