from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from rules.contrib.models import RulesModel

from geventator.currencies import minor_unit, quantize, validate_currency
from organizers import rules as perms
from organizers.models import Event
from organizers.scoping import EventScopedManager


class Category(RulesModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="categories", verbose_name=_("event"))
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)

    objects = EventScopedManager()

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["event", "name"], name="category_name_unique_per_event")]
        rules_permissions = {
            "add": perms.writable(perms.is_treasurer),
            "view": perms.is_viewer,
            "change": perms.writable(perms.is_treasurer),
            "delete": perms.writable(perms.is_treasurer),
        }

    def __str__(self) -> str:
        return self.name


class Kind(models.TextChoices):
    PURCHASE = "purchase", _("purchase")
    SALE = "sale", _("sale")
    INVESTMENT = "investment", _("investment")
    DONATION = "donation", _("donation")
    SPONSORSHIP = "sponsorship", _("sponsorship")


# Money coming into the event; every other kind is money going out.
INCOME_KINDS = frozenset({Kind.SALE, Kind.DONATION, Kind.SPONSORSHIP})
EXPENSE_KINDS = frozenset({Kind.PURCHASE, Kind.INVESTMENT})


class Transaction(RulesModel):
    """One entry of the event's ledger, in the event's base currency."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="transactions", verbose_name=_("event"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    # Three decimal places hold every minor unit in use (e.g. KWD); clean() refuses more
    # precision than the transaction's currency has.
    amount = models.DecimalField(
        _("amount"), max_digits=15, decimal_places=3, validators=[MinValueValidator(Decimal("0.001"))]
    )
    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])
    date = models.DateField(_("date"))
    description = models.CharField(_("description"), max_length=300)
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transactions",
        verbose_name=_("category"),
    )
    counterparty = models.CharField(
        _("counterparty"), max_length=200, blank=True, help_text=_("Who was paid, or who paid.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = EventScopedManager()

    class Meta:
        verbose_name = _("transaction")
        verbose_name_plural = _("transactions")
        ordering = ["-date", "-created_at"]
        indexes = [
            models.Index(fields=["event", "date"]),
            models.Index(fields=["event", "kind"]),
            models.Index(fields=["event", "category"]),
        ]
        rules_permissions = {
            "add": perms.writable(perms.is_organizer),
            "view": perms.is_viewer,
            "change": perms.writable(perms.is_treasurer),
            "delete": perms.writable(perms.is_treasurer),
        }

    def __str__(self) -> str:
        amount = quantize(self.amount, self.currency) if self.currency else self.amount
        return f"{self.date} {self.get_kind_display()} {amount} {self.currency}: {self.description}"

    @property
    def is_income(self) -> bool:
        return self.kind in INCOME_KINDS

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.amount is not None and self.amount <= 0:
            errors["amount"] = _("The amount must be greater than zero.")
        event = self.event if self.event_id else None
        if event is not None:
            if not self.currency:
                self.currency = event.currency
            if self.currency and self.currency != event.currency:
                errors["currency"] = _("Transactions are kept in the event's base currency (%(currency)s).") % {
                    "currency": event.currency
                }
            if self.category_id and self.category.event_id != self.event_id:
                errors["category"] = _("This category belongs to another event.")
        if "currency" not in errors and "amount" not in errors and self.amount is not None and self.currency:
            try:
                validate_currency(self.currency)
            except ValidationError:
                pass  # the field validator reports the unknown code
            else:
                if self.amount != self.amount.quantize(minor_unit(self.currency)):
                    errors["amount"] = _("%(currency)s amounts have at most %(places)s decimal places.") % {
                        "currency": self.currency,
                        "places": -minor_unit(self.currency).as_tuple().exponent,
                    }
        if errors:
            raise ValidationError(errors)
