"""The event's change feed: every version of its finance records, newest first (organizers/history.py)."""

from __future__ import annotations

import heapq
import uuid
from itertools import islice

from django.db.models import QuerySet
from django.utils.dateparse import parse_datetime
from django.utils.timezone import is_naive, make_aware
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from finance.models.history import TRACKED
from organizers.api.base import HistoryEntrySerializer, history_data, visible_event
from organizers.history import HistoricalRecord, entries, history_model
from organizers.models import Event

# ?model= names: "transaction", "cashcount", "budgetline", ...
FEED_MODELS = {str(model._meta.model_name): model for model in TRACKED}


class EventHistoryEntrySerializer(HistoryEntrySerializer):
    model = serializers.ChoiceField(choices=sorted(FEED_MODELS), help_text=_("The kind of record."))
    object_id = serializers.UUIDField(help_text=_("The record's id (its own /history/ has every version)."))


class _Merged:
    """The newest-first union of several newest-first querysets, sliceable for the paginator: a
    page of N from offset K reads at most K + N rows of each."""

    def __init__(self, querysets: dict[str, QuerySet]) -> None:
        self.querysets = querysets

    def count(self) -> int:
        return sum(queryset.count() for queryset in self.querysets.values())

    @staticmethod
    def _tagged(name: str, records: QuerySet):
        for record in records:
            yield name, record

    def __getitem__(self, window: slice) -> list[tuple[str, HistoricalRecord]]:
        start, stop = window.start or 0, window.stop
        streams = [self._tagged(name, queryset[:stop]) for name, queryset in self.querysets.items()]
        newest_first = heapq.merge(*streams, key=lambda item: (item[1].history_date, item[1].history_id), reverse=True)
        return list(islice(newest_first, start, stop))


def _records_of_event(model, event: Event) -> QuerySet:
    records = history_model(model).objects.filter(event_id=event.pk)
    return records.select_related("history_user").order_by("-history_date", "-history_id")


class EventHistoryView(GenericAPIView):
    serializer_class = EventHistoryEntrySerializer
    filter_backends: list = []

    @extend_schema(
        summary="Change feed of the event's finance records",
        parameters=[
            OpenApiParameter("model", str, enum=sorted(FEED_MODELS), description=_("Only this kind of record.")),
            OpenApiParameter("since", OpenApiTypes.DATETIME, description=_("Only changes from this time on.")),
        ],
        responses=EventHistoryEntrySerializer(many=True),
    )
    def get(self, request: Request, pk: uuid.UUID) -> Response:
        """Every change to the event's finance records (any member), newest first, paginated: the
        entries of the records' own ``/history/`` with the kind of record and its id."""
        event = visible_event(request.user, pk)
        name = request.query_params.get("model")
        if name is not None and name not in FEED_MODELS:
            raise exceptions.ValidationError({"model": [_("Choose one of: %s.") % ", ".join(sorted(FEED_MODELS))]})
        since = self._since(request.query_params.get("since"))
        querysets = {}
        for key, model in FEED_MODELS.items():
            if name in (None, key):
                records = _records_of_event(model, event)
                querysets[key] = records.filter(history_date__gte=since) if since else records
        # The paginator only counts and slices, which _Merged does as a QuerySet would.
        page: list[tuple[str, HistoricalRecord]] | None = self.paginate_queryset(_Merged(querysets))  # type: ignore[arg-type]
        return self.get_paginated_response(self._data(page or []))

    @staticmethod
    def _since(value: str | None):
        if value is None:
            return None
        try:
            moment = parse_datetime(value)
        except ValueError:
            moment = None
        if moment is None:
            message = _("Give a date and time in ISO 8601, e.g. 2026-06-12T10:00Z.")
            raise exceptions.ValidationError({"since": [message]})
        return make_aware(moment) if is_naive(moment) else moment

    @staticmethod
    def _data(page: list[tuple[str, HistoricalRecord]]) -> list[dict]:
        """Each record compared with the version before it (read once per kind of record)."""
        by_model: dict[str, set] = {}
        for name, record in page:
            by_model.setdefault(name, set()).add(record.id)
        previous = {}
        for name, ids in by_model.items():
            chains: dict = {}
            historical = history_model(FEED_MODELS[name])
            for record in historical.objects.filter(id__in=list(ids)).order_by("history_date", "history_id"):
                chains.setdefault(record.id, []).append(record)
            for chain in chains.values():
                for older, newer in zip(chain, chain[1:], strict=False):
                    previous[newer.history_id] = older
        rows = history_data([entries([record], older=previous.get(record.history_id))[0] for _name, record in page])
        for row, (name, record) in zip(rows, page, strict=True):
            row["model"] = name
            row["object_id"] = str(record.id)
        return rows
