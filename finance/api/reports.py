"""GET /api/events/{id}/report/ and /summary/: the event's financial report (finance/services/reports.py)
and its short summary."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from finance.api.accounts import DebtSerializer
from finance.api.budgets import BudgetReportSerializer
from finance.api.fields import MoneyField
from finance.api.parties import PledgeReportSerializer
from finance.api.serializers import EventSummarySerializer
from finance.models import Kind
from finance.services import event_summary
from finance.services.reports import event_report
from organizers.api.base import visible_event
from organizers.models import Event


class KindLineSerializer(serializers.Serializer):
    # Plain text, not a second use of the transactions' kind enum (its schema name would collide).
    kind = serializers.CharField(help_text=_("A transaction kind: %(kinds)s.") % {"kinds": ", ".join(Kind.values)})
    # Not a choice field: "direction" is an enum of two values (income, expense) in the budget's schema.
    direction = serializers.CharField(help_text=_("income, expense or adjustment (a signed correction)."))
    count = serializers.IntegerField(help_text=_("Booked entries of this kind."))
    amount = MoneyField(help_text=_("Σ base amounts; an adjustment's sign is kept (negative: money missing)."))


class GroupFiguresSerializer(serializers.Serializer):
    income = MoneyField(help_text=_("Σ base amounts of booked income."))
    expenses = MoneyField(help_text=_("Σ base amounts of booked expenses."))
    net = MoneyField(help_text=_("Σ signed amounts: income − expenses + adjustments."))
    count = serializers.IntegerField(help_text=_("Booked entries."))


class CategoryLineSerializer(GroupFiguresSerializer):
    category = serializers.UUIDField(source="category_id", allow_null=True, help_text=_("None: no category."))
    name = serializers.CharField()


class AccountLineSerializer(GroupFiguresSerializer):
    account = serializers.UUIDField(source="account_id", allow_null=True)
    name = serializers.CharField()
    kind = serializers.CharField()


class MonthLineSerializer(GroupFiguresSerializer):
    month = serializers.DateField(help_text=_("First day of the month; every month from the first to the last."))


class OpenExpensesSerializer(serializers.Serializer):
    drafts = serializers.IntegerField()
    drafts_amount = MoneyField()
    submitted = serializers.IntegerField()
    submitted_amount = MoneyField()
    approved = serializers.IntegerField(help_text=_("Approved, not paid yet: committed."))
    approved_amount = MoneyField()
    count = serializers.IntegerField()
    amount = MoneyField()


class EventReportSerializer(serializers.Serializer):
    event = serializers.UUIDField(source="event_id")
    event_name = serializers.CharField()
    currency = serializers.CharField(help_text=_("The event's base currency: every amount is in it."))
    booked_count = serializers.IntegerField(help_text=_("Booked (paid) entries: the ones the figures add up."))
    income = MoneyField()
    expenses = MoneyField()
    adjustments = MoneyField(help_text=_("Σ of the cash-count adjustments (signed)."))
    net = MoneyField(help_text=_("The event's net result: income − expenses + adjustments."))
    open_expenses = OpenExpensesSerializer(help_text=_("Expenses entered but not booked (rejected ones left out)."))
    by_kind = KindLineSerializer(many=True)
    by_category = CategoryLineSerializer(many=True)
    by_account = AccountLineSerializer(many=True)
    by_month = MonthLineSerializer(many=True)
    budget = BudgetReportSerializer()
    pledges = PledgeReportSerializer()
    reimbursements = DebtSerializer(many=True, help_text=_("Organizers' pockets to settle."))
    owed_to_organizers = MoneyField()
    owed_by_organizers = MoneyField()


class EventReportView(GenericAPIView):
    serializer_class = EventReportSerializer
    filter_backends: list = []
    pagination_class = None

    def get_queryset(self):
        return Event.objects.for_user(self.request.user)

    @extend_schema(summary="The event's financial report")
    def get(self, request: Request, pk) -> Response:
        """Booked income and expenses by kind, category, account and month, the net result, open
        expenses, budget against actual, pledges and what organizers are owed, in the event's base
        currency. Any member of the event."""
        return Response(self.get_serializer(event_report(self.get_object())).data)


class EventSummaryView(APIView):
    @extend_schema(summary="The event's income, expenses and balance", responses=EventSummarySerializer)
    def get(self, request: Request, pk) -> Response:
        """Income, expenses and balance of the event, by kind and by category. Any member of the event."""
        return Response(EventSummarySerializer(event_summary(visible_event(request.user, pk))).data)
