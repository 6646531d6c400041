"""What the organizers planned to spend and earn, per category."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from rules.contrib.models import RulesModel

from finance.models.fields import MoneyField, money_precision_error
from organizers import rules as perms
from organizers.models import Event
from organizers.scoping import EventScopedManager

if TYPE_CHECKING:
    from finance.services.budgets import Figures


class Direction(models.TextChoices):
    INCOME = "income", _("income")
    EXPENSE = "expense", _("expense")


class BudgetLine(RulesModel):
    """Planned income or expense of one category, in the event's base currency."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="budget_lines", verbose_name=_("event"))
    category = models.ForeignKey(
        "finance.Category", on_delete=models.PROTECT, related_name="budget_lines", verbose_name=_("category")
    )
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices, default=Direction.EXPENSE)
    planned = MoneyField(_("planned amount"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="budget_lines",
        verbose_name=_("owner"),
        help_text=_("The organizer responsible for this part of the event; they approve its expenses."),
    )
    notes = models.TextField(_("notes"), blank=True)

    objects = EventScopedManager()
    # Not stored: what the admin attaches to the lines it lists (one aggregate for the page).
    figures: Figures

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["direction", "category__name"]
        constraints = [
            models.UniqueConstraint(fields=["event", "category", "direction"], name="budget_line_unique_per_category")
        ]
        indexes = [models.Index(fields=["event", "direction"])]
        rules_permissions = {
            "add": perms.finance_writable(perms.is_treasurer),
            "view": perms.is_viewer,
            "change": perms.finance_writable(perms.is_treasurer),
            "delete": perms.finance_writable(perms.is_treasurer),
        }

    def __str__(self) -> str:
        return f"{self.category} ({self.get_direction_display()})"

    def clean(self) -> None:
        errors: dict[str, object] = {}
        if self.planned is not None and self.planned < 0:
            errors["planned"] = _("A planned amount cannot be negative.")
        if self.event_id:
            if self.category_id and self.category.event_id != self.event_id:
                errors["category"] = _("This category belongs to another event.")
            if self.owner_id and not perms.has_role(self.owner, self.event, "organizer"):
                # The owner approves the line's expenses: an organizer (or more) of this event.
                errors["owner"] = _("The owner of a budget line is an organizer, treasurer or owner of the event.")
            if "planned" not in errors:
                message = money_precision_error(self.planned, self.event.currency)
                if message:
                    errors["planned"] = message
        if errors:
            raise ValidationError(errors)
