"""API of budget lines and the event's budget report (budget against actual, per category)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from finance.api.fields import MoneyField
from finance.models import BudgetLine, Category, Direction
from finance.services.budgets import budget_vs_actual
from organizers import rules as perms
from organizers.api.base import EventScopedSerializer, EventScopedViewSet, ScopedRelatedField, visible_event


class LineOwnerField(serializers.PrimaryKeyRelatedField):
    """An organizer of one of the requesting user's events (others are "not found"); the model
    then checks they are an organizer or more of the line's event."""

    def get_queryset(self):
        return perms.fellow_organizers(self.context["request"].user)


class BudgetLineSerializer(EventScopedSerializer):
    category = ScopedRelatedField(queryset=Category.objects.all())
    owner = LineOwnerField(
        allow_null=True,
        required=False,
        help_text=_("The organizer responsible for this part of the event; they approve its expenses."),
    )
    owner_username = serializers.CharField(source="owner.username", read_only=True, allow_null=True)

    class Meta:
        model = BudgetLine
        fields = ["id", "event", "category", "direction", "planned", "owner", "owner_username", "notes"]


class BudgetLineFilter(django_filters.FilterSet):
    event = django_filters.UUIDFilter(field_name="event_id")
    category = django_filters.UUIDFilter(field_name="category_id")
    direction = django_filters.ChoiceFilter(choices=Direction.choices)
    owner = django_filters.UUIDFilter(field_name="owner_id")

    class Meta:
        model = BudgetLine
        fields = ["event", "category", "direction", "owner"]


class BudgetLineViewSet(EventScopedViewSet):
    """Planned income or expense per category; treasurers and owners manage them, members read."""

    model = BudgetLine
    select_related = ("event", "category", "owner")
    serializer_class = BudgetLineSerializer
    filterset_class = BudgetLineFilter
    search_fields = ["category__name", "notes"]
    ordering_fields = ["planned", "direction"]
    ordering = ["direction", "category__name"]


# --- The event's budget report ----------------------------------------------------------------------


class BudgetLineReportSerializer(serializers.Serializer):
    budget_line = serializers.UUIDField(source="budget_line_id")
    category = serializers.UUIDField(source="category_id")
    category_name = serializers.CharField()
    direction = serializers.ChoiceField(choices=Direction.choices)
    owner = serializers.UUIDField(source="owner_id", allow_null=True)
    planned = MoneyField()
    actual = MoneyField(help_text=_("Booked (paid) entries of the category in this direction."))
    committed = MoneyField(help_text=_("Approved expenses not paid yet."))
    variance = MoneyField(help_text=_("planned − (actual + committed): what is left; negative when over."))


class DirectionTotalsSerializer(serializers.Serializer):
    planned = MoneyField()
    actual = MoneyField()
    committed = MoneyField()
    variance = MoneyField()
    unbudgeted = MoneyField(help_text=_("Booked and committed amounts of categories without a budget line."))


class BudgetTotalsSerializer(serializers.Serializer):
    income = DirectionTotalsSerializer()
    expense = DirectionTotalsSerializer()


class BudgetReportSerializer(serializers.Serializer):
    currency = serializers.CharField()
    lines = BudgetLineReportSerializer(many=True)
    totals = BudgetTotalsSerializer()


class EventBudgetView(APIView):
    @extend_schema(responses=BudgetReportSerializer, summary="Budget against actual of the event")
    def get(self, request: Request, pk) -> Response:
        """Each budget line with planned, actual (paid), committed (approved, not paid) and variance,
        and the totals per direction, in the event's base currency. Any member."""
        event = visible_event(request.user, pk)
        return Response(BudgetReportSerializer(budget_vs_actual(event)).data)
