"""Who the event deals with (sponsors, donors, suppliers, customers) and what they promised."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from rules.contrib.models import RulesModel

from finance.models.fields import MoneyField, money_precision_error
from organizers import rules as perms
from organizers.models import Event
from organizers.scoping import EventScopedManager

if TYPE_CHECKING:
    from finance.services.pledges import PledgeFigures


class PartyKind(models.TextChoices):
    SPONSOR = "sponsor", _("sponsor")
    DONOR = "donor", _("donor")
    SUPPLIER = "supplier", _("supplier")
    CUSTOMER = "customer", _("customer")


class Party(RulesModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="parties", verbose_name=_("event"))
    kind = models.CharField(_("kind"), max_length=16, choices=PartyKind.choices)
    name = models.CharField(_("name"), max_length=200)
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    address = models.TextField(_("address"), blank=True)
    tax_id = models.CharField(_("tax id"), max_length=50, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    objects = EventScopedManager()
    # Not stored: the admin's list annotates it (Count of pledges).
    pledge_count: int

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["event", "name"], name="party_name_unique_per_event")]
        indexes = [models.Index(fields=["event", "kind"])]
        rules_permissions = {
            "add": perms.finance_writable(perms.is_organizer),
            "view": perms.is_viewer,
            "change": perms.finance_writable(perms.is_organizer),
            "delete": perms.finance_writable(perms.is_treasurer),
        }

    def __str__(self) -> str:
        return self.name


class Pledge(RulesModel):
    """Money a sponsor or donor promised; received is what linked income transactions brought in."""

    class Kind(models.TextChoices):
        SPONSORSHIP = "sponsorship", _("sponsorship")
        DONATION = "donation", _("donation")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="pledges", verbose_name=_("event"))
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="pledges", verbose_name=_("party"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.SPONSORSHIP)
    amount = MoneyField(_("pledged amount"))
    tier = models.CharField(_("tier"), max_length=100, blank=True, help_text=_("E.g. gold, silver, media partner."))
    deliverables = models.TextField(_("deliverables"), blank=True, help_text=_("What the event gives in return."))
    due_date = models.DateField(_("due date"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = EventScopedManager()
    # Not stored: what the admin attaches to the pledges it lists (one aggregate for the page).
    figures: PledgeFigures

    class Meta:
        verbose_name = _("pledge")
        verbose_name_plural = _("pledges")
        ordering = ["due_date", "party__name"]
        indexes = [models.Index(fields=["event", "due_date"]), models.Index(fields=["event", "party"])]
        rules_permissions = {
            "add": perms.finance_writable(perms.is_organizer),
            "view": perms.is_viewer,
            "change": perms.finance_writable(perms.is_treasurer),
            "delete": perms.finance_writable(perms.is_treasurer),
        }

    def __str__(self) -> str:
        return f"{self.party}: {self.amount} ({self.get_kind_display()})"

    def clean(self) -> None:
        errors: dict[str, object] = {}
        if self.amount is not None and self.amount <= 0:
            errors["amount"] = _("The amount must be greater than zero.")
        if self.event_id:
            if self.party_id and self.party.event_id != self.event_id:
                errors["party"] = _("This party belongs to another event.")
            if "amount" not in errors:
                message = money_precision_error(self.amount, self.event.currency)
                if message:
                    errors["amount"] = message
        if errors:
            raise ValidationError(errors)
