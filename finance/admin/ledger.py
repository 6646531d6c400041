from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from finance.models import Category, Transaction
from geventator.currencies import format_money
from organizers.admin_mixins import EventScopedAdmin


@admin.register(Category)
class CategoryAdmin(EventScopedAdmin):
    list_display = ["name", "event"]
    list_filter = [("event", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "description", "event__name"]
    autocomplete_fields = ["event"]


@admin.register(Transaction)
class TransactionAdmin(EventScopedAdmin):
    list_display = ["date", "kind", "money", "description", "category", "counterparty", "event", "created_by"]
    list_filter = [
        ("event", admin.RelatedOnlyFieldListFilter),
        "kind",
        ("category", admin.RelatedOnlyFieldListFilter),
        "date",
    ]
    search_fields = ["description", "counterparty"]
    date_hierarchy = "date"
    autocomplete_fields = ["event", "category"]
    list_select_related = ["event", "category", "created_by"]
    readonly_fields = ["created_by", "created_at", "updated_at"]
    fields = [
        "event",
        "kind",
        "amount",
        "currency",
        "date",
        "description",
        "category",
        "counterparty",
        "created_by",
        "created_at",
        "updated_at",
    ]

    @admin.display(description=_("amount"), ordering="amount")
    def money(self, transaction: Transaction) -> str:
        return format_money(transaction.amount, transaction.currency)

    def save_model(self, request: HttpRequest, obj: Transaction, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
