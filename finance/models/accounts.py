"""Where the event's money sits, how it moves between places, and who counted it."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from rules.contrib.models import RulesModel

from finance.models.fields import ActorField, MoneyField, money_precision_error
from organizers import rules as perms
from organizers.models import Event
from organizers.scoping import EventScopedManager


class AccountKind(models.TextChoices):
    BANK = "bank", _("bank account")
    CASH = "cash", _("cash box")
    PROVIDER = "provider", _("payment provider")
    # Money an organizer paid or collected personally: a negative balance is what the event owes
    # them, a positive one what they owe the event.
    POCKET = "pocket", _("organizer's pocket")


class Account(RulesModel):
    """A place where the event's money sits, always in the event's base currency."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="accounts", verbose_name=_("event"))
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=AccountKind.choices, default=AccountKind.BANK)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="held_accounts",
        verbose_name=_("holder"),
        help_text=_("Who physically holds this money: the organizer of a pocket, the keeper of a cash box."),
    )
    opening_balance = MoneyField(_("opening balance"), default=Decimal(0))
    is_active = models.BooleanField(_("active"), default=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Written first by every settle-up of a pocket: two at once then write the same record, so
    # one of them waits (SQLite) or conflicts and retries (MongoDB), and sees the other's transfer.
    settled_up_at = models.DateTimeField(_("last settle-up recorded"), null=True, blank=True, editable=False)

    objects = EventScopedManager()
    # Not stored: the API's list annotates it, its serializer computes it for a single account.
    current_balance: Decimal

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["event", "name"], name="account_name_unique_per_event")]
        indexes = [models.Index(fields=["event", "kind"]), models.Index(fields=["event", "holder"])]
        rules_permissions = {
            "add": perms.finance_writable(perms.is_treasurer),
            "view": perms.is_viewer,
            "change": perms.finance_writable(perms.is_treasurer),
            "delete": perms.finance_writable(perms.is_treasurer),
        }

    def __str__(self) -> str:
        return self.name

    # The account a transaction lands in when none is named (and where older ledgers were moved).
    MAIN_NAME = "Main account"

    @classmethod
    def main_for(cls, event: Event) -> Account:
        account, _created = cls.objects.get_or_create(
            event=event, name=cls.MAIN_NAME, defaults={"kind": AccountKind.BANK}
        )
        return account

    def clean(self) -> None:
        errors: dict[str, object] = {}
        if self.kind == AccountKind.POCKET and not self.holder_id:
            errors["holder"] = _("A pocket account belongs to an organizer: name them.")
        if self.event_id and self.opening_balance is not None:
            message = money_precision_error(self.opening_balance, self.event.currency)
            if message:
                errors["opening_balance"] = message
        if errors:
            raise ValidationError(errors)


class TransferPurpose(models.TextChoices):
    TRANSFER = "transfer", _("transfer")
    HANDOVER = "handover", _("handover")
    REIMBURSEMENT = "reimbursement", _("reimbursement")


class TransferStatus(models.TextChoices):
    # Counted in balances only once both sides confirmed: the giver that it left, the receiver
    # that it arrived.
    PENDING = "pending", _("pending")
    CONFIRMED = "confirmed", _("confirmed")
    CANCELLED = "cancelled", _("cancelled")


class Transfer(RulesModel):
    """Money moved between two accounts of the same event; it never changes the event's result."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="transfers", verbose_name=_("event"))
    from_account = models.ForeignKey(
        Account, on_delete=models.RESTRICT, related_name="transfers_out", verbose_name=_("from account")
    )
    to_account = models.ForeignKey(
        Account, on_delete=models.RESTRICT, related_name="transfers_in", verbose_name=_("to account")
    )
    amount = MoneyField(_("amount"))
    date = models.DateField(_("date"))
    purpose = models.CharField(
        _("purpose"), max_length=16, choices=TransferPurpose.choices, default=TransferPurpose.TRANSFER
    )
    description = models.CharField(_("description"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=TransferStatus.choices, default=TransferStatus.PENDING
    )
    created_by = ActorField(_("created by"))
    sent_confirmed_by = ActorField(_("sending side confirmed by"))
    sent_confirmed_at = models.DateTimeField(_("sending side confirmed at"), null=True, blank=True, editable=False)
    received_confirmed_by = ActorField(_("receiving side confirmed by"))
    received_confirmed_at = models.DateTimeField(
        _("receiving side confirmed at"), null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = EventScopedManager()

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-date", "-created_at"]
        indexes = [
            models.Index(fields=["event", "date"]),
            models.Index(fields=["event", "status"]),
            models.Index(fields=["from_account", "status"]),
            models.Index(fields=["to_account", "status"]),
        ]
        rules_permissions = {
            "add": perms.finance_writable(perms.is_organizer),
            "view": perms.is_viewer,
            "change": perms.finance_writable(perms.is_treasurer),
            "delete": perms.finance_writable(perms.is_treasurer),
        }

    def __str__(self) -> str:
        return f"{self.date} {self.from_account} → {self.to_account}: {self.amount}"

    def clean(self) -> None:
        errors: dict[str, object] = {}
        if self.amount is not None and self.amount <= 0:
            errors["amount"] = _("The amount must be greater than zero.")
        if self.from_account_id and self.to_account_id and self.from_account_id == self.to_account_id:
            errors["to_account"] = _("Money must move to another account.")
        if self.event_id:
            for name in ("from_account", "to_account"):
                account = getattr(self, name) if getattr(self, f"{name}_id") else None
                if account is not None and account.event_id != self.event_id:
                    errors[name] = _("This account belongs to another event.")
            if "amount" not in errors:
                message = money_precision_error(self.amount, self.event.currency)
                if message:
                    errors["amount"] = message
        if errors:
            raise ValidationError(errors)


class CountStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    # A count is masculine in Spanish, a transfer feminine: the same English word, two contexts.
    CONFIRMED = "confirmed", pgettext_lazy("cash count", "confirmed")
    DISMISSED = "dismissed", _("dismissed")


class CashCount(RulesModel):
    """The money found in an account (a counted cash box, a bank statement) at a moment."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="cash_counts", verbose_name=_("event"))
    account = models.ForeignKey(Account, on_delete=models.RESTRICT, related_name="counts", verbose_name=_("account"))
    counted_at = models.DateTimeField(_("counted at"))
    counted_amount = MoneyField(_("counted amount"))
    # The computed balance when the count was recorded: the difference is judged against it.
    expected_amount = MoneyField(_("expected amount"), editable=False, default=Decimal(0))
    status = models.CharField(_("status"), max_length=16, choices=CountStatus.choices, default=CountStatus.PENDING)
    reason = models.TextField(_("reason"), blank=True, help_text=_("Why the counted amount differs, if it does."))
    counted_by = ActorField(_("counted by"))
    confirmed_by = ActorField(_("confirmed by"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True, editable=False)
    adjustment = models.OneToOneField(
        "finance.Transaction",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        editable=False,
        related_name="cash_count",
        verbose_name=_("adjustment"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = EventScopedManager()

    class Meta:
        verbose_name = _("cash count")
        verbose_name_plural = _("cash counts")
        ordering = ["-counted_at"]
        indexes = [models.Index(fields=["account", "counted_at"]), models.Index(fields=["event", "status"])]
        rules_permissions = {
            "add": perms.finance_writable(perms.is_organizer),
            "view": perms.is_viewer,
            "change": perms.finance_writable(perms.is_treasurer),
            "delete": perms.finance_writable(perms.is_treasurer),
        }

    def __str__(self) -> str:
        return f"{self.account} @ {self.counted_at:%Y-%m-%d %H:%M}: {self.counted_amount}"

    @property
    def difference(self) -> Decimal:
        return self.counted_amount - self.expected_amount

    def clean(self) -> None:
        errors: dict[str, object] = {}
        if self.counted_amount is not None and self.counted_amount < 0:
            errors["counted_amount"] = _("A counted amount cannot be negative.")
        if self.event_id:
            if self.account_id and self.account.event_id != self.event_id:
                errors["account"] = _("This account belongs to another event.")
            if "counted_amount" not in errors:
                message = money_precision_error(self.counted_amount, self.event.currency)
                if message:
                    errors["counted_amount"] = message
        if errors:
            raise ValidationError(errors)
