from __future__ import annotations

import uuid
from decimal import Decimal

import rules
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from rules.contrib.models import RulesModel
from simple_history.models import HistoricalRecords

from finance.models.fields import ActorField, MoneyField, money_precision_error
from geventator.currencies import active_currencies, quantize, validate_currency
from geventator.db import run_atomically
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
            "add": perms.finance_writable(perms.is_treasurer),
            "view": perms.is_viewer,
            "change": perms.finance_writable(perms.is_treasurer),
            "delete": perms.finance_writable(perms.is_treasurer),
        }

    def __str__(self) -> str:
        return self.name


class Kind(models.TextChoices):
    PURCHASE = "purchase", _("purchase")
    SALE = "sale", _("sale")
    INVESTMENT = "investment", _("investment")
    DONATION = "donation", _("donation")
    SPONSORSHIP = "sponsorship", _("sponsorship")
    # A correction found by a cash count: signed, positive when more money was found than booked.
    ADJUSTMENT = "adjustment", _("adjustment")


# Adjustments are booked only by a confirmed cash count (finance.services.custody.book_adjustment):
# a signed entry anyone could write would move money into their own pocket.
ADJUSTMENT_REFUSED = _("Adjustments come only from confirmed cash counts: choose another kind.")
BOOKABLE_KINDS = [(value, label) for value, label in Kind.choices if value != Kind.ADJUSTMENT]


def refuse_adjustment(kind: str) -> None:
    """Validator of the kind a person writes (admin forms, the API)."""
    if kind == Kind.ADJUSTMENT:
        raise ValidationError(ADJUSTMENT_REFUSED, code="adjustment")


# Money coming into the event; money going out. An adjustment is neither: its amount is signed.
INCOME_KINDS = frozenset({Kind.SALE, Kind.DONATION, Kind.SPONSORSHIP})
EXPENSE_KINDS = frozenset({Kind.PURCHASE, Kind.INVESTMENT})


class Status(models.TextChoices):
    """Expenses go draft → submitted → approved → paid, or rejected; income is booked as paid."""

    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted")
    APPROVED = "approved", _("approved")
    PAID = "paid", _("paid")
    REJECTED = "rejected", _("rejected")


# Only these count in account balances and the event's result: money that actually moved.
BOOKED_STATUSES = frozenset({Status.PAID})
# Approved and paid entries are history: corrected by a reversing entry, never edited or deleted.
LOCKED_STATUSES = frozenset({Status.APPROVED, Status.PAID})


def direction_of(kind: str) -> int:
    """+1 for money in, -1 for money out (an adjustment carries its sign in its amount)."""
    return -1 if kind in EXPENSE_KINDS else 1


# What an approver approves: a change of any of these on a submitted entry sends it back to draft
# (its approvals go, the history keeps them), so nobody approves a figure other than the one seen.
MONEY_FIELDS = (
    "kind",
    "amount",
    "currency",
    "exchange_rate",
    "category_id",
    "account_id",
    "party_id",
    "counterparty",
    "pledge_id",
)


# Statuses an organizer may still correct on their own expense (a rejected one goes back for review
# through submit()).
CORRECTABLE_STATUSES = frozenset({Status.DRAFT, Status.REJECTED})


def acting_user(record):
    """Who is saving ``record``: the user a service named (``_history_user``), else the signed-in
    user of the request being answered (django-simple-history's middleware keeps it), else None."""
    user = getattr(record, "_history_user", None)
    if user is None:
        request = getattr(HistoricalRecords.context, "request", None)
        user = getattr(request, "user", None)
    return user if getattr(user, "is_authenticated", False) else None


class LockedEntryError(ValidationError):
    """A change or deletion of an approved or paid entry (or a stale copy of one): refused."""

    def __init__(self, message=None) -> None:
        super().__init__(
            message or _("Approved and paid entries cannot be changed or deleted: correct them with a reversal."),
            code="locked",
        )


@rules.predicate
def is_unlocked(user, transaction=None) -> bool:
    # None (or the event) asks "may the user change some entry (there)?": the role decides.
    return not isinstance(transaction, Transaction) or transaction.status not in LOCKED_STATUSES


@rules.predicate
def is_own_correctable_expense(user, transaction=None) -> bool:
    if not isinstance(transaction, Transaction):
        return True
    return (
        transaction.created_by_id is not None
        and transaction.created_by_id == user.pk
        and transaction.kind in EXPENSE_KINDS
        and transaction.status in CORRECTABLE_STATUSES
    )


# Change or delete an entry: a treasurer or owner any unlocked one, an organizer their own draft or
# rejected expense. Workflow fields (status, approvals, payment) change only through
# finance.services.approvals.
may_correct_entry = (perms.is_treasurer & is_unlocked) | (perms.is_organizer & is_own_correctable_expense)


class Transaction(RulesModel):
    """One entry of the event's ledger: money into or out of one of its accounts.

    ``amount`` is in ``currency``; ``base_amount`` is that converted at ``exchange_rate`` into
    the event's base currency and rounded to its minor unit, and ``signed_amount`` is the effect
    on the account and the event's result (negative for expenses). Reports add up the stored
    base figures, so a total is one database aggregate.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="transactions", verbose_name=_("event"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, blank=True)
    account = models.ForeignKey(
        "finance.Account",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="transactions",
        verbose_name=_("account"),
        help_text=_("Where the money went in or out; defaults to the event's main account."),
    )
    amount = MoneyField(_("amount"))
    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])
    exchange_rate = models.DecimalField(
        _("exchange rate"),
        max_digits=18,
        decimal_places=8,
        default=Decimal(1),
        blank=True,
        help_text=_("Units of the event's base currency for one unit of this currency (1 for the base currency)."),
    )
    base_amount = MoneyField(_("amount in base currency"), editable=False, default=Decimal(0))
    signed_amount = MoneyField(_("effect on balance"), editable=False, default=Decimal(0))
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
    party = models.ForeignKey(
        "finance.Party",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transactions",
        verbose_name=_("party"),
    )
    pledge = models.ForeignKey(
        "finance.Pledge",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transactions",
        verbose_name=_("pledge"),
        help_text=_("The sponsorship or donation pledge this income fulfils."),
    )
    reversal_of = models.OneToOneField(
        "self",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        editable=False,
        related_name="reversal",
        verbose_name=_("reverses"),
    )
    # Workflow: who did each step and when (approvals themselves are Approval rows).
    approval_count = models.PositiveSmallIntegerField(_("approvals"), default=0, editable=False)
    submitted_by = ActorField(_("submitted by"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True, editable=False)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True, editable=False)
    paid_by = ActorField(_("marked paid by"))
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True, editable=False)
    rejected_by = ActorField(_("rejected by"))
    rejected_at = models.DateTimeField(_("rejected at"), null=True, blank=True, editable=False)
    rejection_reason = models.TextField(_("rejection reason"), blank=True, editable=False)
    budget_override_by = ActorField(_("budget overrun allowed by"))
    budget_override_reason = models.TextField(_("budget overrun reason"), blank=True, editable=False)
    created_by = ActorField(_("created by"))
    # Whoever last changed the entry itself (not a workflow step): they may not approve it.
    last_changed_by = ActorField(_("last changed by"))
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
            models.Index(fields=["event", "status"]),
            models.Index(fields=["account", "status"]),
            models.Index(fields=["event", "party"]),
        ]
        rules_permissions = {
            "add": perms.finance_writable(perms.is_organizer),
            "view": perms.is_viewer,
            # Approved and paid entries are locked for everyone (corrected by a reversal); an
            # organizer may change or delete their own draft or rejected expenses.
            "change": perms.finance_writable(may_correct_entry),
            "delete": perms.finance_writable(may_correct_entry),
        }

    def __str__(self) -> str:
        amount = quantize(self.amount, self.currency) if self.currency else self.amount
        return f"{self.date} {self.get_kind_display()} {amount} {self.currency}: {self.description}"

    @property
    def is_income(self) -> bool:
        return self.kind in INCOME_KINDS

    @property
    def is_expense(self) -> bool:
        return self.kind in EXPENSE_KINDS

    @property
    def is_locked(self) -> bool:
        return self.status in LOCKED_STATUSES

    def default_status(self) -> str:
        return Status.DRAFT if self.kind in EXPENSE_KINDS else Status.PAID

    def compute_base_amounts(self) -> None:
        """Fill base_amount and signed_amount from amount, exchange_rate and the event's currency.

        base_amount = amount × rate, rounded half-even to the base currency's minor unit. A foreign
        amount is never converted at a made-up rate: without a rate above zero this refuses
        (clean() reports it on the field first; a save() that skipped clean() gets it here).
        """
        if self.amount is None or not self.event_id:
            return
        base = self.event.currency
        if not self.currency or self.currency == base:
            self.exchange_rate = Decimal(1)
        elif self.exchange_rate is None or self.exchange_rate <= 0:
            raise ValidationError(
                {
                    "exchange_rate": _("Give the rate used to convert %(currency)s into %(base)s.")
                    % {"currency": self.currency, "base": base}
                }
            )
        self.base_amount = quantize(self.amount * self.exchange_rate, base)
        self.signed_amount = self.base_amount * direction_of(self.kind)

    def clean(self) -> None:
        errors: dict[str, object] = {}
        signed_allowed = self.kind == Kind.ADJUSTMENT or self.reversal_of_id is not None
        if self.amount is not None and (self.amount == 0 or (self.amount < 0 and not signed_allowed)):
            errors["amount"] = _("The amount must be greater than zero.")
        if not self.status:
            self.status = self.default_status()
        if self.status != Status.PAID and self.kind not in EXPENSE_KINDS:
            errors["status"] = _("Only expenses go through approval; income is booked as received.")
        event = self.event if self.event_id else None
        if event is not None:
            if not self.currency:
                self.currency = event.currency
            if self.currency == event.currency:
                self.exchange_rate = Decimal(1)
            elif self.currency not in active_currencies():
                pass  # the currency field reports the unknown code; no rate to ask for
            elif self.exchange_rate is None:
                errors["exchange_rate"] = _("Give the rate used to convert %(currency)s into %(base)s.") % {
                    "currency": self.currency,
                    "base": event.currency,
                }
            elif self.exchange_rate <= 0:
                errors["exchange_rate"] = _("The exchange rate must be greater than zero.")
            foreign = {
                "category": _("This category belongs to another event."),
                "account": _("This account belongs to another event."),
                "party": _("This party belongs to another event."),
                "pledge": _("This pledge belongs to another event."),
            }
            for name, message in foreign.items():
                if getattr(self, f"{name}_id") and getattr(self, name).event_id != self.event_id:
                    errors[name] = message
            if self.pledge_id and self.kind not in (Kind.SPONSORSHIP, Kind.DONATION):
                errors["pledge"] = _("Only a sponsorship or donation can fulfil a pledge.")
        if "currency" not in errors and "amount" not in errors:
            message = money_precision_error(abs(self.amount) if self.amount is not None else None, self.currency)
            if message:
                errors["amount"] = message
        if errors:
            raise ValidationError(errors)
        self.compute_base_amounts()
        from finance.models.fields import MONEY_DIGITS, MONEY_PLACES

        too_large = Decimal(10) ** (MONEY_DIGITS - MONEY_PLACES)
        if event is not None and self.base_amount is not None and abs(self.base_amount) >= too_large:
            raise ValidationError(
                {"amount": _("Converted into %(base)s this amount is too large.") % {"base": event.currency}}
            )

    def save(self, *args, workflow: bool = False, **kwargs) -> None:
        """Save; an existing entry only while it is unlocked and its stored status is the one read.

        ``workflow=True`` is for finance.services.approvals alone: its compare-and-swap already
        checked the stored status, and it is what moves an entry into (or within) the locked states.
        Everything else (admin, API, shell, superusers too) gets a LockedEntryError for an approved
        or paid entry and for a status that differs from the stored one: status changes only through
        the workflow, and a copy read before someone else approved it must not overwrite that.
        """
        if not self.status:
            self.status = self.default_status()
        if self.event_id and not self.currency:
            self.currency = self.event.currency
        if self.event_id and not self.account_id:
            from finance.models.accounts import Account

            self.account = Account.main_for(self.event)
        self.compute_base_amounts()
        save = super().save
        if workflow:
            save(*args, **kwargs)
            return
        editor = acting_user(self)
        if editor is not None:
            self.last_changed_by = editor
        if self._state.adding:
            save(*args, **kwargs)
            return

        def checked_save() -> None:
            stored = Transaction.objects.filter(pk=self.pk).values("status", *MONEY_FIELDS).first()
            status = stored["status"] if stored else None
            if self.status in LOCKED_STATUSES or status in LOCKED_STATUSES:
                raise LockedEntryError
            if status is not None and status != self.status:
                raise LockedEntryError(
                    _("This entry changed meanwhile (it is now %(status)s): reload it and try again.")
                    % {"status": Status(status).label}
                )
            dropped = status == Status.SUBMITTED and any(stored[name] != getattr(self, name) for name in MONEY_FIELDS)
            if dropped:
                self._back_to_draft()
            save(*args, **kwargs)
            if dropped:
                # One by one, so the history keeps each approval that went.
                for approval in Approval.objects.filter(transaction_id=self.pk):
                    approval._history_user = editor  # type: ignore[attr-defined]  # simple-history's author
                    approval.delete()

        # One transaction: the status read and the write cannot be split by an approval.
        run_atomically(checked_save)

    def _back_to_draft(self) -> None:
        """A submitted entry whose money changed: its approvals were of other figures."""
        self.status = Status.DRAFT
        self.approval_count = 0
        self.submitted_by = None
        self.submitted_at = None
        self.approved_at = None
        self.budget_override_by = None
        self.budget_override_reason = ""

    def delete(self, *args, **kwargs):
        """Delete an unlocked entry; approved and paid ones are refused (LockedEntryError), to anyone.

        (Deleting a whole archived event removes its ledger with a queryset delete, on purpose.)
        """
        delete = super().delete

        def checked_delete():
            stored = Transaction.objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if self.status in LOCKED_STATUSES or stored in LOCKED_STATUSES:
                raise LockedEntryError
            return delete(*args, **kwargs)

        return run_atomically(checked_delete)


class Approval(models.Model):
    """One approver's yes to a submitted expense; four-eyes expenses need two of them."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Its transaction's event, kept on the approval (set on save) so that the event's records, and
    # their history, are found by event like every other finance record: by an indexed field,
    # not through the list of the event's transactions.
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="+", editable=False, verbose_name=_("event")
    )
    transaction = models.ForeignKey(
        Transaction, on_delete=models.CASCADE, related_name="approvals", verbose_name=_("transaction")
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("approver")
    )
    created_at = models.DateTimeField(_("approved at"), auto_now_add=True)

    class Meta:
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        ordering = ["created_at"]
        constraints = [models.UniqueConstraint(fields=["transaction", "approver"], name="approval_once_per_approver")]

    def __str__(self) -> str:
        return f"{self.approver} ✓ {self.transaction_id}"

    def save(self, *args, **kwargs) -> None:
        if self.transaction_id and not self.event_id:
            self.event_id = self.transaction.event_id
        super().save(*args, **kwargs)
