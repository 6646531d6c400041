"""API of accounts, transfers and cash counts, and the event's balances, settle-up and closing.

Lists show each account's balance, computed for the whole page in two grouped queries. State
changes (confirming a transfer or a count, closing the books) go through finance/services: a role
too low answers 403, a bad state or input 400 with field messages, another event's id 404.
"""

from __future__ import annotations

from typing import cast

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from finance import rules as steps
from finance.api.fields import MoneyField
from finance.api.workflow import WorkflowViewSetMixin
from finance.models import (
    Account,
    AccountKind,
    CashCount,
    CountStatus,
    Transfer,
    TransferPurpose,
    TransferStatus,
)
from finance.services import closing, custody, settle, transfers
from finance.services.balances import balance_of, balances_of, event_balances
from geventator.currencies import quantize
from organizers import rules as perms
from organizers.api.base import EventScopedSerializer, EventScopedViewSet, ScopedRelatedField, visible_event
from organizers.idempotency import IdempotentPosts
from organizers.models import Event, Membership


def _username(source: str) -> serializers.CharField:
    # allow_null, not default=None: a default is skipped in a PATCH answer, and the field must be there.
    return serializers.CharField(source=f"{source}.username", read_only=True, allow_null=True)


# --- Accounts -------------------------------------------------------------------------------------


class HolderField(serializers.PrimaryKeyRelatedField):
    """An organizer who belongs to one of the requesting user's events (others are "not found")."""

    def get_queryset(self):
        return perms.fellow_organizers(self.context["request"].user)


class AccountSerializer(EventScopedSerializer):
    holder = HolderField(
        allow_null=True,
        required=False,
        help_text=_("Who physically holds this money: the organizer of a pocket, the keeper of a cash box."),
    )
    holder_username = _username("holder")
    balance = MoneyField(
        source="current_balance",
        help_text=_("Opening balance + booked transactions + confirmed transfers in − out, in the event's currency."),
    )

    class Meta:
        model = Account
        fields = [
            "id",
            "event",
            "name",
            "kind",
            "holder",
            "holder_username",
            "opening_balance",
            "balance",
            "is_active",
            "notes",
            "created_at",
        ]
        read_only_fields = ["created_at"]

    def validate(self, attrs: dict) -> dict:
        attrs = super().validate(attrs)
        event = attrs.get("event") or (self.instance.event if self.instance else None)
        holder = attrs.get("holder", self.instance.holder if self.instance else None)
        if (
            event is not None
            and holder is not None
            and not Membership.objects.filter(event=event, organizer=holder).exists()
        ):
            raise serializers.ValidationError({"holder": _("The holder must be a member of the event.")})
        return attrs

    def to_representation(self, instance: Account) -> dict:
        if not hasattr(instance, "current_balance"):
            instance.current_balance = balance_of(instance)
        data = super().to_representation(instance)
        data["opening_balance"] = str(quantize(instance.opening_balance, instance.event.currency))
        return data


class AccountFilter(django_filters.FilterSet):
    event = django_filters.UUIDFilter(field_name="event_id")
    kind = django_filters.MultipleChoiceFilter(choices=AccountKind.choices)
    holder = django_filters.UUIDFilter(field_name="holder_id")

    class Meta:
        model = Account
        fields = ["event", "kind", "holder", "is_active"]


class AccountViewSet(EventScopedViewSet):
    model = Account
    select_related = ("event", "holder")
    serializer_class = AccountSerializer
    filterset_class = AccountFilter
    search_fields = ["name", "notes"]
    ordering_fields = ["name", "kind", "created_at"]
    ordering = ["name"]

    def get_serializer(self, *args, **kwargs):
        if args and kwargs.get("many"):
            # A page of accounts: their balances in one go, not one query per row.
            accounts = list(args[0])
            balances = balances_of(accounts)
            for account in accounts:
                account.current_balance = balances[account.pk]
            args = (accounts, *args[1:])
        return super().get_serializer(*args, **kwargs)


# --- Transfers ------------------------------------------------------------------------------------


class TransferSerializer(EventScopedSerializer):
    from_account = ScopedRelatedField(queryset=Account.objects.all())
    to_account = ScopedRelatedField(queryset=Account.objects.all())
    created_by = _username("created_by")
    sent_confirmed_by = _username("sent_confirmed_by")
    received_confirmed_by = _username("received_confirmed_by")

    class Meta:
        model = Transfer
        fields = [
            "id",
            "event",
            "from_account",
            "to_account",
            "amount",
            "date",
            "purpose",
            "description",
            "status",
            "created_by",
            "sent_confirmed_by",
            "sent_confirmed_at",
            "received_confirmed_by",
            "received_confirmed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["status", "sent_confirmed_at", "received_confirmed_at", "created_at", "updated_at"]

    def to_representation(self, instance: Transfer) -> dict:
        data = super().to_representation(instance)
        data["amount"] = str(quantize(instance.amount, instance.event.currency))
        return data


class TransferFilter(django_filters.FilterSet):
    event = django_filters.UUIDFilter(field_name="event_id")
    status = django_filters.MultipleChoiceFilter(choices=TransferStatus.choices)
    purpose = django_filters.MultipleChoiceFilter(choices=TransferPurpose.choices)
    account = django_filters.UUIDFilter(method="filter_account", label=_("From or to this account"))
    date = django_filters.DateFromToRangeFilter()

    class Meta:
        model = Transfer
        fields = ["event", "status", "purpose", "account", "date"]

    def filter_account(self, queryset, name, value):
        return queryset.filter(Q(from_account_id=value) | Q(to_account_id=value))


class TransferViewSet(WorkflowViewSetMixin, EventScopedViewSet):
    model = Transfer
    select_related = (
        "event",
        "from_account__holder",
        "to_account__holder",
        "created_by",
        "sent_confirmed_by",
        "received_confirmed_by",
    )
    serializer_class = TransferSerializer
    filterset_class = TransferFilter
    search_fields = ["description"]
    ordering_fields = ["date", "amount", "status", "created_at"]
    ordering = ["-date", "-created_at"]
    # finance.confirm_sent_transfer, ... (finance/rules.py: a holder confirms their own side).
    workflow_actions = ("confirm_sent", "confirm_received", "cancel")
    permission_type_map = {**EventScopedViewSet.permission_type_map, **{step: step for step in workflow_actions}}

    def perform_create(self, serializer: serializers.BaseSerializer[Transfer]) -> None:
        data = serializer.validated_data
        serializer.instance = transfers.create_transfer(
            data["event"],
            self.request.user,
            from_account=data["from_account"],
            to_account=data["to_account"],
            amount=data["amount"],
            date=data["date"],
            purpose=data.get("purpose", TransferPurpose.TRANSFER),
            description=data.get("description", ""),
        )

    def perform_update(self, serializer: serializers.BaseSerializer[Transfer]) -> None:
        if not transfers.is_editable(cast(Transfer, serializer.instance)):  # an update: it has one
            raise DjangoValidationError(
                _("Only a transfer nobody has confirmed yet can change; a confirmed one is undone by a transfer back.")
            )
        serializer.save()

    def perform_destroy(self, instance: Transfer) -> None:
        if not transfers.is_deletable(instance):
            raise DjangoValidationError(
                _("A confirmed transfer, or one a side has confirmed, stays: cancel it or record a transfer back.")
            )
        instance.delete()

    def _transition(self, step) -> Response:
        transfer = step(self.get_object(), self.request.user)
        return Response(self.get_serializer(transfer).data)

    @extend_schema(request=None, responses=TransferSerializer)
    @action(detail=True, methods=["post"], url_path="confirm-sent")
    def confirm_sent(self, request: Request, pk: str | None = None) -> Response:
        """The sending side confirms the money left (the account's holder, or a treasurer for an
        account without one)."""
        return self._transition(transfers.confirm_sent)

    @extend_schema(request=None, responses=TransferSerializer)
    @action(detail=True, methods=["post"], url_path="confirm-received")
    def confirm_received(self, request: Request, pk: str | None = None) -> Response:
        """The receiving side confirms the money arrived; with both sides it counts in the balances."""
        return self._transition(transfers.confirm_received)

    @extend_schema(request=None, responses=TransferSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Cancel a pending transfer (who recorded it, a treasurer or an owner)."""
        return self._transition(transfers.cancel)


# --- Cash counts ----------------------------------------------------------------------------------


class CashCountSerializer(EventScopedSerializer):
    account = ScopedRelatedField(queryset=Account.objects.all())
    expected_amount = MoneyField(help_text=_("The account's balance when the count was recorded."))
    difference = MoneyField(help_text=_("Counted minus expected: what a confirmation books as an adjustment."))
    counted_by = _username("counted_by")
    confirmed_by = _username("confirmed_by")

    class Meta:
        model = CashCount
        fields = [
            "id",
            "event",
            "account",
            "counted_at",
            "counted_amount",
            "expected_amount",
            "difference",
            "status",
            "reason",
            "counted_by",
            "confirmed_by",
            "confirmed_at",
            "adjustment",
            "created_at",
        ]
        read_only_fields = ["status", "confirmed_at", "adjustment", "created_at"]

    def validate(self, attrs: dict) -> dict:
        if self.instance is not None:
            # What was counted is a fact: a wrong count is dismissed and counted again. (Else the
            # treasurer could edit the figure and confirm it alone, past the four-eyes rule.)
            changed = [
                name
                for name in ("account", "counted_at", "counted_amount")
                if name in attrs and attrs[name] != getattr(self.instance, name)
            ]
            if changed:
                raise serializers.ValidationError(
                    {name: _("A recorded count cannot change: dismiss it and count again.") for name in changed}
                )
        return super().validate(attrs)

    def to_representation(self, instance: CashCount) -> dict:
        data = super().to_representation(instance)
        currency = instance.event.currency
        for name in ("counted_amount", "expected_amount", "difference"):
            data[name] = str(quantize(getattr(instance, name), currency))
        return data


class ConfirmCountSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text=_("Why the counted amount differs; required when it does (unless the count gives one)."),
    )


class CashCountFilter(django_filters.FilterSet):
    event = django_filters.UUIDFilter(field_name="event_id")
    account = django_filters.UUIDFilter(field_name="account_id")
    status = django_filters.MultipleChoiceFilter(choices=CountStatus.choices)

    class Meta:
        model = CashCount
        fields = ["event", "account", "status"]


class CashCountViewSet(WorkflowViewSetMixin, EventScopedViewSet):
    model = CashCount
    select_related = ("event", "account", "counted_by", "confirmed_by")
    serializer_class = CashCountSerializer
    filterset_class = CashCountFilter
    search_fields = ["reason"]
    ordering_fields = ["counted_at", "status", "created_at"]
    ordering = ["-counted_at"]
    # finance.confirm_cashcount and finance.dismiss_cashcount (finance/rules.py).
    workflow_actions = ("confirm", "dismiss")
    permission_type_map = {**EventScopedViewSet.permission_type_map, **{step: step for step in workflow_actions}}

    def perform_create(self, serializer: serializers.BaseSerializer[CashCount]) -> None:
        data = serializer.validated_data
        serializer.instance = custody.record_count(
            data["account"],
            self.request.user,
            counted_amount=data["counted_amount"],
            counted_at=data["counted_at"],
            reason=data.get("reason", ""),
        )

    def perform_update(self, serializer: serializers.BaseSerializer[CashCount]) -> None:
        if not custody.is_editable(cast(CashCount, serializer.instance)):  # an update: it has one
            raise DjangoValidationError(_("Only a pending count can change."))
        serializer.save()

    def perform_destroy(self, instance: CashCount) -> None:
        if not custody.is_editable(instance):
            raise DjangoValidationError(_("Only a pending count can be deleted."))
        instance.delete()

    @extend_schema(request=ConfirmCountSerializer, responses=CashCountSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: str | None = None) -> Response:
        """Confirm a pending count (a treasurer or owner who did not count it); a difference is
        booked as an adjustment on the account and needs a reason."""
        count = self.get_object()
        body = ConfirmCountSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        count = custody.confirm_count(count, request.user, reason=body.validated_data.get("reason", ""))
        return Response(self.get_serializer(count).data)

    @extend_schema(request=None, responses=CashCountSerializer)
    @action(detail=True, methods=["post"])
    def dismiss(self, request: Request, pk: str | None = None) -> Response:
        """Set a pending count aside (who counted, a treasurer or an owner): nothing is booked."""
        count = custody.dismiss_count(self.get_object(), request.user)
        return Response(self.get_serializer(count).data)


# --- The event's balances, settle-up and closing ----------------------------------------------


class AccountBalanceSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="account_id", allow_null=True)
    name = serializers.CharField()
    kind = serializers.CharField()
    holder = serializers.UUIDField(source="holder_id", allow_null=True)
    opening = MoneyField()
    balance = MoneyField()


class EventBalancesSerializer(serializers.Serializer):
    currency = serializers.CharField()
    accounts = AccountBalanceSerializer(many=True)
    total = MoneyField(help_text=_("Σ of the accounts' balances."))
    opening = MoneyField(help_text=_("Σ of the accounts' opening balances."))
    result = MoneyField(help_text=_("The event's net result: Σ of its booked transactions."))
    unexplained = MoneyField(help_text=_("total − result − opening: zero when the books add up."))
    balanced = serializers.BooleanField(help_text=_("Whether total = result + opening."))


class DebtSerializer(serializers.Serializer):
    organizer = serializers.UUIDField(source="organizer_id")
    organizer_name = serializers.CharField()
    account = serializers.UUIDField(source="account_id")
    account_name = serializers.CharField()
    amount = MoneyField(help_text=_("Positive: the event owes the organizer; negative: the organizer owes the event."))
    from_account = serializers.UUIDField(
        source="from_account_id", allow_null=True, help_text=_("The suggested transfer's sending account.")
    )
    to_account = serializers.UUIDField(
        source="to_account_id", allow_null=True, help_text=_("The suggested transfer's receiving account.")
    )
    pending_transfer = serializers.UUIDField(
        source="pending_transfer_id", allow_null=True, help_text=_("A reimbursement already recorded, if any.")
    )


class SettleUpSerializer(serializers.Serializer):
    currency = serializers.CharField()
    debts = DebtSerializer(many=True)


class ReimbursementSerializer(serializers.Serializer):
    account = ScopedRelatedField(queryset=Account.objects.all(), help_text=_("The organizer's pocket account."))
    event_account = ScopedRelatedField(
        queryset=Account.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("The event's account that pays or receives; defaults to the main account."),
    )
    date = serializers.DateField(required=False, allow_null=True)


class BlockerSerializer(serializers.Serializer):
    kind = serializers.CharField()
    message = serializers.CharField()
    object_id = serializers.UUIDField(allow_null=True)


class BooksSerializer(serializers.Serializer):
    closed_at = serializers.DateTimeField(allow_null=True)
    blockers = BlockerSerializer(many=True, help_text=_("What keeps the books from closing (empty once closed)."))


class EventBalancesView(APIView):
    @extend_schema(responses=EventBalancesSerializer)
    def get(self, request: Request, pk) -> Response:
        """Every account's opening and current balance, their totals and the event's result
        (Σ balances = result + Σ opening balances)."""
        return Response(EventBalancesSerializer(event_balances(visible_event(request.user, pk))).data)


class EventSettleUpView(IdempotentPosts, APIView):
    @extend_schema(responses=SettleUpSerializer)
    def get(self, request: Request, pk) -> Response:
        """What the event owes each organizer (positive) or they owe it (negative), with the
        transfer that settles it."""
        event = visible_event(request.user, pk)
        return Response(SettleUpSerializer({"currency": event.currency, "debts": settle.settle_up(event)}).data)

    @extend_schema(request=ReimbursementSerializer, responses={201: TransferSerializer})
    def post(self, request: Request, pk) -> Response:
        """Record the reimbursement transfer that settles a pocket (treasurers and owners); it
        counts once both sides confirmed it."""
        event = visible_event(request.user, pk)
        steps.require(request.user, steps.SETTLE_UP, event)
        body = ReimbursementSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if data["account"].event_id != event.pk:
            raise serializers.ValidationError({"account": _("This account belongs to another event.")})
        transfer = settle.record_reimbursement(
            data["account"], request.user, event_account=data.get("event_account"), date=data.get("date")
        )
        return Response(TransferSerializer(transfer, context={"request": request}).data, status=status.HTTP_201_CREATED)


def _books(event: Event, with_blockers: bool) -> dict:
    blockers = closing.closing_blockers(event) if with_blockers and event.closed_at is None else []
    return {"closed_at": event.closed_at, "blockers": blockers}


class EventCloseBooksView(IdempotentPosts, APIView):
    @extend_schema(responses=BooksSerializer)
    def get(self, request: Request, pk) -> Response:
        """Whether the books are closed and, if not, what still keeps them from closing."""
        return Response(BooksSerializer(_books(visible_event(request.user, pk), with_blockers=True)).data)

    @extend_schema(request=None, responses=BooksSerializer)
    def post(self, request: Request, pk) -> Response:
        """Close the books (owners): refused with every reason while anything is still open."""
        event = closing.close_event(visible_event(request.user, pk), request.user)
        return Response(BooksSerializer(_books(event, with_blockers=False)).data)


class EventReopenBooksView(IdempotentPosts, APIView):
    @extend_schema(request=None, responses=BooksSerializer)
    def post(self, request: Request, pk) -> Response:
        """Reopen closed books (owners): the finance records become writable again."""
        event = closing.reopen_event(visible_event(request.user, pk), request.user)
        return Response(BooksSerializer(_books(event, with_blockers=True)).data)
