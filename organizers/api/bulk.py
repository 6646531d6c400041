"""POST /api/<resource>/bulk/: many records in one request, all or nothing.

Each item is checked as a single POST checks it (same serializer, same role rules, same save), in
one transaction: when any item is refused, nothing is stored and the answer lists, for each item in
order, its errors (``{}`` for an item that was fine).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from geventator.db import run_atomically

MAX_ITEMS = 500


class ItemsRefused(Exception):  # noqa: N818 (it carries the answer out of the rolled-back transaction)
    def __init__(self, errors: list) -> None:
        self.errors = errors


class BulkCreate:
    """For an EventScopedViewSet: the ``bulk`` action, asking the model's ``add`` permission."""

    @extend_schema(
        summary="Create many records, all or nothing",
        description=str(
            _(
                "A JSON list of up to 500 records, each as a single create takes it. Either all are created "
                "(201, the new records in order) or none (400, errors per item in order)."
            )
        ),
    )
    @action(detail=False, methods=["post"])
    def bulk(self, request: Request) -> Response:
        items = request.data
        if not isinstance(items, list) or not items:
            raise exceptions.ValidationError({"non_field_errors": [_("Send a JSON list of records.")]})
        if len(items) > MAX_ITEMS:
            raise exceptions.ValidationError(
                {"non_field_errors": [_("At most %(max)d records per request.") % {"max": MAX_ITEMS}]}
            )

        def create_all() -> list:
            # Item by item, each checked after the ones before it are saved (in this transaction),
            # so that two items clashing with each other (one room booked twice) are caught too.
            # After a refusal the rest are still checked, not saved: the answer lists every error.
            errors: list = []
            created = []
            for item in items:
                serializer = self.get_serializer(data=item)
                if not serializer.is_valid():
                    errors.append(serializer.errors)
                    continue
                if any(errors):
                    errors.append({})
                    continue
                try:
                    self.perform_create(serializer)
                except exceptions.ValidationError as refusal:
                    detail = refusal.detail
                    errors.append(detail if isinstance(detail, dict) else {"non_field_errors": detail})
                    continue
                errors.append({})
                created.append(serializer.data)
            if any(errors):
                raise ItemsRefused(errors)  # rolls back what was saved
            return created

        try:
            created = run_atomically(create_all)
        except ItemsRefused as refused:
            return Response({"errors": refused.errors}, status=status.HTTP_400_BAD_REQUEST)
        return Response(created, status=status.HTTP_201_CREATED)
