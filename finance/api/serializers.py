from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from finance.api.fields import MoneyField
from finance.models import Account, Category, Party, Pledge, Transaction
from finance.models.ledger import refuse_adjustment
from geventator.currencies import quantize, validate_currency
from organizers.api.base import EventScopedSerializer, ScopedRelatedField


class CategorySerializer(EventScopedSerializer):
    class Meta:
        model = Category
        fields = ["id", "event", "name", "description"]


class TransactionSerializer(EventScopedSerializer):
    category = ScopedRelatedField(queryset=Category.objects.all(), allow_null=True, required=False)
    account = ScopedRelatedField(
        queryset=Account.objects.all(),
        allow_null=True,
        required=False,
        help_text=_("Where the money went in or out; defaults to the event's main account."),
    )
    party = ScopedRelatedField(queryset=Party.objects.all(), allow_null=True, required=False)
    pledge = ScopedRelatedField(queryset=Pledge.objects.all(), allow_null=True, required=False)
    currency = serializers.CharField(
        max_length=3,
        required=False,
        validators=[validate_currency],
        help_text=_("ISO 4217 code; defaults to the event's base currency."),
    )
    is_income = serializers.BooleanField(read_only=True)
    submit = serializers.BooleanField(
        write_only=True,
        required=False,
        help_text=_("On creation of an expense: submit it for approval at once (else it stays a draft)."),
    )
    # allow_null, not default=None: a default is skipped in a PATCH answer, and the field must be there.
    created_by = serializers.CharField(source="created_by.username", read_only=True, allow_null=True)

    class Meta:
        model = Transaction
        fields = [
            "id",
            "event",
            "kind",
            "is_income",
            "status",
            "submit",
            "account",
            "amount",
            "currency",
            "exchange_rate",
            "base_amount",
            "signed_amount",
            "date",
            "description",
            "category",
            "counterparty",
            "party",
            "pledge",
            "reversal_of",
            "approval_count",
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
        read_only_fields = [
            "status",
            "base_amount",
            "signed_amount",
            "reversal_of",
            "approval_count",
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
            "last_changed_by",
            "created_at",
            "updated_at",
        ]

    def validate_kind(self, kind: str) -> str:
        refuse_adjustment(kind)
        return kind

    def validate(self, attrs: dict) -> dict:
        # Not a model field: kept aside while the model validates the rest.
        submit = attrs.pop("submit", None)
        self._refuse_status_change(attrs)
        attrs = super().validate(attrs)
        if submit is not None:
            attrs["submit"] = submit
        return attrs

    def _refuse_status_change(self, attrs: dict) -> None:
        """``status`` is read-only: sending the current one (a PUT of what GET gave) is fine, another is
        refused rather than ignored, so that no client believes it approved or paid an entry."""
        sent = self.initial_data.get("status") if hasattr(self.initial_data, "get") else None
        if sent in (None, ""):
            return
        if self.instance is not None:
            current = self.instance.status
        else:
            current = Transaction(kind=attrs.get("kind", "")).default_status()
        if sent != current:
            raise serializers.ValidationError(
                {
                    "status": [
                        _(
                            "The status changes only through the workflow: submit, approve, reject, pay "
                            "and reverse (POST /api/transactions/{id}/<action>/)."
                        )
                    ]
                }
            )

    def prepare_for_clean(self, instance: Transaction, attrs: dict) -> None:
        # The model's default rate (1) must not convert a foreign amount the client sent without
        # its rate: a new foreign entry, or a change of currency, needs the rate said out loud.
        currency_changed = self.instance is None or attrs.get("currency", instance.currency) != self.instance.currency
        if "exchange_rate" not in attrs and currency_changed:
            instance.exchange_rate = None  # type: ignore[assignment]  # clean() then asks for the rate

    def to_representation(self, instance: Transaction) -> dict:
        data = super().to_representation(instance)
        data["amount"] = str(quantize(instance.amount, instance.currency))
        # Converted figures in the event's base currency, to its minor unit ("9.20", "1513").
        for name in ("base_amount", "signed_amount"):
            if getattr(instance, name) is not None:
                data[name] = str(quantize(getattr(instance, name), instance.event.currency))
        return data


class CategoryTotalsSerializer(serializers.Serializer):
    category_id = serializers.UUIDField(allow_null=True)
    name = serializers.CharField()
    income = MoneyField()
    expenses = MoneyField()
    balance = MoneyField()


class EventSummarySerializer(serializers.Serializer):
    currency = serializers.CharField()
    income = MoneyField()
    expenses = MoneyField()
    adjustments = MoneyField()
    balance = MoneyField()
    by_kind = serializers.DictField(child=MoneyField())
    by_category = CategoryTotalsSerializer(many=True)
