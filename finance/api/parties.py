"""Sponsors, donors and other parties; their pledges with what came in; the event's pledge report."""

from __future__ import annotations

import uuid

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from finance.api.fields import MoneyField
from finance.models import Party, PartyKind, Pledge
from finance.services.pledges import PledgeFigures, figures_for, overdue_ids, pledge_status
from geventator.currencies import quantize
from organizers.api.base import EventScopedSerializer, EventScopedViewSet, ScopedRelatedField, visible_event

# --- Parties --------------------------------------------------------------------------------------


class PartyFilter(django_filters.FilterSet):
    event = django_filters.UUIDFilter(field_name="event_id")
    kind = django_filters.MultipleChoiceFilter(choices=PartyKind.choices)

    class Meta:
        model = Party
        fields = ["event", "kind"]


class PartySerializer(EventScopedSerializer):
    class Meta:
        model = Party
        fields = ["id", "event", "kind", "name", "contact_name", "email", "phone", "address", "tax_id", "notes"]


class PartyViewSet(EventScopedViewSet):
    model = Party
    serializer_class = PartySerializer
    filterset_class = PartyFilter
    search_fields = ["name", "contact_name", "email", "tax_id"]
    ordering_fields = ["name", "kind"]
    ordering = ["name"]


# --- Pledges --------------------------------------------------------------------------------------


class PledgeFilter(django_filters.FilterSet):
    event = django_filters.UUIDFilter(field_name="event_id")
    party = django_filters.UUIDFilter(field_name="party_id")
    kind = django_filters.MultipleChoiceFilter(choices=Pledge.Kind.choices)
    due_date = django_filters.DateFromToRangeFilter()
    overdue = django_filters.ChoiceFilter(
        choices=[("true", _("yes")), ("false", _("no"))],
        method="filter_overdue",
        label=_("Overdue: due before the event's today and not fully received"),
    )

    class Meta:
        model = Pledge
        fields = ["event", "party", "kind", "due_date", "overdue"]

    def filter_overdue(self, queryset, name: str, value: str):
        late = overdue_ids(queryset)
        return queryset.filter(pk__in=late) if value == "true" else queryset.exclude(pk__in=late)


class PledgeSerializer(EventScopedSerializer):
    party = ScopedRelatedField(queryset=Party.objects.all())
    party_name = serializers.CharField(source="party.name", read_only=True)
    received = serializers.SerializerMethodField(help_text=_("Booked income linked to this pledge (base currency)."))
    outstanding = serializers.SerializerMethodField(help_text=_("Still to come: pledged − received, at least 0."))
    overpaid = serializers.SerializerMethodField(help_text=_("Received beyond the pledged amount, if any."))
    overdue = serializers.SerializerMethodField(help_text=_("Due before the event's today, and not fully received."))

    class Meta:
        model = Pledge
        fields = [
            "id",
            "event",
            "party",
            "party_name",
            "kind",
            "amount",
            "tier",
            "deliverables",
            "due_date",
            "notes",
            "received",
            "outstanding",
            "overpaid",
            "overdue",
            "created_at",
        ]
        read_only_fields = ["created_at"]

    def _figures(self, pledge: Pledge) -> PledgeFigures:
        # A list page computes every row's figures at once (PledgeViewSet.list); a single
        # pledge (retrieve, create, update) costs one query of its own.
        figures = self.context.get("figures") or {}
        if pledge.pk not in figures:
            figures = figures_for([pledge])
        return figures[pledge.pk]

    def get_received(self, pledge: Pledge) -> str:
        return str(self._figures(pledge).received)

    def get_outstanding(self, pledge: Pledge) -> str:
        return str(self._figures(pledge).outstanding)

    def get_overpaid(self, pledge: Pledge) -> str:
        return str(self._figures(pledge).overpaid)

    def get_overdue(self, pledge: Pledge) -> bool:
        return self._figures(pledge).overdue

    def to_representation(self, instance: Pledge) -> dict:
        data = super().to_representation(instance)
        data["amount"] = str(quantize(instance.amount, instance.event.currency))
        return data


class PledgeViewSet(EventScopedViewSet):
    model = Pledge
    select_related = ("event", "party")
    serializer_class = PledgeSerializer
    filterset_class = PledgeFilter
    search_fields = ["party__name", "tier", "deliverables", "notes"]
    ordering_fields = ["due_date", "amount", "created_at"]
    ordering = ["due_date", "party__name"]

    def list(self, request: Request, *args, **kwargs) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = list(page if page is not None else queryset)
        context = {**self.get_serializer_context(), "figures": figures_for(rows)}
        data = self.get_serializer_class()(rows, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)


# --- The event's pledge report --------------------------------------------------------------------


class PledgeLineSerializer(serializers.Serializer):
    pledge_id = serializers.UUIDField()
    party_id = serializers.UUIDField()
    party = serializers.CharField()
    kind = serializers.CharField()
    tier = serializers.CharField()
    amount = MoneyField()
    received = MoneyField()
    outstanding = MoneyField()
    overpaid = MoneyField()
    due_date = serializers.DateField(allow_null=True)
    overdue = serializers.BooleanField()


class PledgeTotalsSerializer(serializers.Serializer):
    pledged = MoneyField()
    received = MoneyField()
    outstanding = MoneyField()
    overpaid = MoneyField()
    overdue = MoneyField()
    overdue_count = serializers.IntegerField()


class PledgeReportSerializer(serializers.Serializer):
    currency = serializers.CharField()
    today = serializers.DateField()
    lines = PledgeLineSerializer(many=True)
    totals = PledgeTotalsSerializer()


class EventPledgesView(APIView):
    @extend_schema(responses=PledgeReportSerializer, summary="Pledges of the event: pledged, received, outstanding")
    def get(self, request: Request, pk: uuid.UUID) -> Response:
        """Every pledge of the event with what came in (booked income linked to it, in the base
        currency), what is still outstanding and whether it is overdue (event's today)."""
        event = visible_event(request.user, pk)
        return Response(PledgeReportSerializer(pledge_status(event)).data)
