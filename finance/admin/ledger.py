from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Count, Sum
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from finance.admin.approvals import TransactionWorkflowAdminMixin
from finance.admin.receipts import ReceiptInline
from finance.admin.tools import LedgerToolsAdminMixin
from finance.models import INCOME_KINDS, Category, Kind, Transaction
from finance.models.ledger import BOOKABLE_KINDS, refuse_adjustment
from finance.services.totals import EXPENSE, INCOME
from geventator.currencies import format_money
from organizers.admin_mixins import EventScopedAdmin, admin_user
from organizers.models import Event


@admin.register(Category)
class CategoryAdmin(EventScopedAdmin):
    list_display = ["name", "event"]
    list_filter = [("event", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "description", "event__name"]
    autocomplete_fields = ["event"]


def listed_totals(queryset) -> list[dict]:
    """Income and expenses of the listed (filtered) entries, per currency: one grouped query."""
    rows = (
        queryset.order_by()
        .values("currency")
        .annotate(income=Sum("amount", filter=INCOME), expenses=Sum("amount", filter=EXPENSE), count=Count("pk"))
        .order_by("currency")
    )
    return [
        {
            "currency": row["currency"],
            "count": row["count"],
            "income": format_money(row["income"] or Decimal(0), row["currency"]),
            "expenses": format_money(row["expenses"] or Decimal(0), row["currency"]),
            "net": format_money((row["income"] or Decimal(0)) - (row["expenses"] or Decimal(0)), row["currency"]),
        }
        for row in rows
    ]


@admin.register(Transaction)
class TransactionAdmin(TransactionWorkflowAdminMixin, LedgerToolsAdminMixin, EventScopedAdmin):
    """The ledger. New expenses are drafts; the workflow steps are actions and buttons
    (finance/admin/approvals.py). Approved and paid entries are shown read-only."""

    # No COUNT(*) of the whole ledger on every page (it grew with the ledger: #13, make bench).
    show_full_result_count = False

    inlines = [ReceiptInline]
    list_display = [
        "date",
        "kind",
        "status",
        "money",
        "description",
        "category",
        "account",
        "counterparty",
        "event",
        "created_by",
    ]
    list_filter = [
        ("event", admin.RelatedOnlyFieldListFilter),
        "kind",
        "status",
        ("category", admin.RelatedOnlyFieldListFilter),
        ("account", admin.RelatedOnlyFieldListFilter),
        "date",
    ]
    search_fields = ["description", "counterparty"]
    date_hierarchy = "date"
    autocomplete_fields = ["event", "category"]
    list_select_related = ["event", "category", "account", "created_by"]
    readonly_fields = [
        "status",
        "base_amount",
        "reversal_of",
        "submitted_by",
        "submitted_at",
        "approved_at",
        "paid_by",
        "paid_at",
        "rejected_by",
        "rejected_at",
        "rejection_reason",
        "budget_override_by",
        "budget_override_reason",
        "created_by",
        "last_changed_by",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "event",
                    "kind",
                    "status",
                    "account",
                    "amount",
                    "currency",
                    "exchange_rate",
                    "base_amount",
                    "date",
                    "description",
                    "category",
                    "counterparty",
                    "party",
                    "pledge",
                    "reversal_of",
                ]
            },
        ),
        (
            _("Approval"),
            {
                "fields": [
                    "submitted_by",
                    "submitted_at",
                    "approved_at",
                    "paid_by",
                    "paid_at",
                    "rejected_by",
                    "rejected_at",
                    "rejection_reason",
                    "budget_override_by",
                    "budget_override_reason",
                ]
            },
        ),
        (None, {"fields": ["created_by", "last_changed_by", "created_at", "updated_at"]}),
    ]

    class Media:
        css = {"all": ["organizers/workspace.css"]}  # the signed amounts' colours

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        """A new entry starts in the user's event when they have one to add to (or the one the
        address names), in that event's currency."""
        initial: dict[str, Any] = dict(super().get_changeform_initial_data(request))
        events = [
            event
            for event in Event.objects.for_user(request.user).filter(archived_at__isnull=True)
            if request.user.has_perm(Transaction.get_perm("add"), event)
        ]
        chosen = [event for event in events if str(event.pk) == str(initial.get("event", ""))]
        event = chosen[0] if chosen else (events[0] if len(events) == 1 and "event" not in initial else None)
        if event is not None:
            initial.setdefault("event", event.pk)
            initial.setdefault("currency", event.currency)
        return initial

    def changelist_view(self, request: HttpRequest, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            response.context_data["listed_totals"] = listed_totals(changelist.queryset)
        return response

    @admin.display(description=_("amount"), ordering="amount")
    def money(self, transaction: Transaction) -> str:
        """Signed as it moves the balance: income +, expenses −, an adjustment by its own sign."""
        amount = format_money(abs(transaction.amount), transaction.currency)
        if transaction.kind in INCOME_KINDS or (transaction.kind == Kind.ADJUSTMENT and transaction.signed_amount >= 0):
            return format_html('<span class="amount amount-positive">+{}</span>', amount)
        return format_html('<span class="amount amount-negative">−{}</span>', amount)

    def formfield_for_dbfield(self, db_field, request: HttpRequest, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "exchange_rate" and field is not None:
            # Not the model's 1: a foreign amount left at a made-up rate would convert 1:1. Empty
            # is read as 1 for the base currency and refused ("give the rate") for another.
            field.initial = None
        if db_field.name == "kind" and field is not None:
            # Adjustments come only from confirmed cash counts: not offered, and refused if forged.
            field.widget.choices = [("", "---------"), *BOOKABLE_KINDS]
            field.validators.append(refuse_adjustment)
        if db_field.name == "pledge" and isinstance(field, forms.ModelChoiceField) and field.queryset is not None:
            # A pledge is named with its party: read the parties with the pledges, not one per option.
            field.queryset = field.queryset.select_related("party")
        return field

    def save_model(self, request: HttpRequest, obj: Transaction, form, change: bool) -> None:
        if not change:
            obj.created_by = admin_user(request)
        super().save_model(request, obj, form, change)
