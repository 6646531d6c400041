from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from finance import rules as steps
from finance.api.filters import CategoryFilter, TransactionFilter
from finance.api.serializers import CategorySerializer, TransactionSerializer
from finance.api.workflow import WorkflowViewSetMixin, as_api_errors
from finance.models import Category, Transaction
from finance.services import approvals
from geventator.db import atomic
from organizers.api.base import EventScopedViewSet
from organizers.api.bulk import BulkCreate


class CategoryViewSet(EventScopedViewSet):
    model = Category
    serializer_class = CategorySerializer
    filterset_class = CategoryFilter
    search_fields = ["name", "description"]
    ordering_fields = ["name"]
    ordering = ["name"]


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class ApproveSerializer(serializers.Serializer):
    override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=2000,
        help_text=_("Owners only: why the expense may go beyond its category's budget (kept on the entry)."),
    )


class TransactionViewSet(BulkCreate, WorkflowViewSetMixin, EventScopedViewSet):
    """The ledger. New expenses are drafts; the workflow actions move them (see
    finance/services/approvals.py). Approved and paid entries answer 409 to a change or delete."""

    model = Transaction
    select_related = ("event", "category", "created_by")
    serializer_class = TransactionSerializer
    filterset_class = TransactionFilter
    search_fields = ["description", "counterparty"]
    ordering_fields = ["date", "amount", "kind", "status", "created_at"]
    ordering = ["-date", "-created_at"]
    workflow_actions = ("submit", "approve", "reject", "pay", "reverse")
    # Each action asks its own permission: finance.submit_transaction, ... (finance/rules.py).
    permission_type_map = {
        **EventScopedViewSet.permission_type_map,
        **{step: step for step in workflow_actions},
        "bulk": "add",
    }

    def explain_refusal(self, user, record: Transaction) -> None:
        if self.action in {"update", "partial_update", "destroy"}:
            steps.refuse_locked(user, record)  # "locked" to whoever could correct it by a reversal
        super().explain_refusal(user, record)

    def perform_create(self, serializer: serializers.BaseSerializer[Transaction]) -> None:
        submit_now = serializer.validated_data.pop("submit", False)

        def create() -> None:
            transaction = serializer.save(created_by=self.request.user)
            if submit_now and transaction.is_expense:
                approvals.submit(transaction, self.request.user)

        with as_api_errors(), atomic():
            create()

    def perform_update(self, serializer: serializers.BaseSerializer[Transaction]) -> None:
        serializer.validated_data.pop("submit", None)
        with as_api_errors():
            serializer.save()

    def perform_destroy(self, instance: Transaction) -> None:
        with as_api_errors():
            instance.delete()

    def _answer(self, transaction: Transaction, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(transaction).data, status=code)

    @extend_schema(request=None, responses=TransactionSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        """Draft or rejected expense → submitted (its creator, or an organizer+ of the event)."""
        with as_api_errors():
            return self._answer(approvals.submit(self.get_object(), request.user))

    @extend_schema(request=ApproveSerializer, responses=TransactionSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """Approve a submitted expense (treasurer, owner or the budget line's owner; never one's
        own). Above the four-eyes threshold the first approval leaves it submitted. Beyond the
        budget only an owner approves, with ``override_reason``."""
        body = ApproveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with as_api_errors():
            tx = approvals.approve(self.get_object(), request.user, body.validated_data["override_reason"])
            return self._answer(tx)

    @extend_schema(request=ReasonSerializer, responses=TransactionSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        """Reject a submitted expense with a ``reason`` (whoever may approve it)."""
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with as_api_errors():
            return self._answer(approvals.reject(self.get_object(), request.user, body.validated_data["reason"]))

    @extend_schema(request=None, responses=TransactionSerializer)
    @action(detail=True, methods=["post"])
    def pay(self, request: Request, pk: str | None = None) -> Response:
        """Approved expense → paid: booked, it now counts in balances (treasurer or owner)."""
        with as_api_errors():
            return self._answer(approvals.mark_paid(self.get_object(), request.user))

    @extend_schema(request=ReasonSerializer, responses={201: TransactionSerializer})
    @action(detail=True, methods=["post"])
    def reverse(self, request: Request, pk: str | None = None) -> Response:
        """Cancel an approved or paid entry with a correcting one (negated amount, same status),
        with a ``reason``; answers the new entry (treasurer or owner)."""
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with as_api_errors():
            reversal = approvals.reverse(self.get_object(), request.user, body.validated_data["reason"])
            return self._answer(reversal, status.HTTP_201_CREATED)
