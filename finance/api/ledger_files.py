"""Export of an event's transactions (CSV, XLSX) and their all-or-nothing CSV import (the API side).

The work is done in finance/services/ledger_files.py; these views check who asks for which event.
"""

from __future__ import annotations

from typing import cast

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from finance.api.filters import TransactionFilter
from finance.models import Transaction
from finance.services import ledger_files
from geventator.spreadsheets import check_upload_size
from organizers.api.base import visible_event
from organizers.idempotency import IdempotentPosts
from organizers.models import Organizer


class FileFormatNegotiation(DefaultContentNegotiation):
    """``?format=`` names the exported file here, not one of DRF's renderers: errors answer in JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


ERRORS = OpenApiResponse(OpenApiTypes.OBJECT, description="Field errors, or {errors: [{line, errors}]}")


class TransactionExportView(GenericAPIView):
    queryset = Transaction.objects.all()
    filter_backends = [DjangoFilterBackend]
    filterset_class = TransactionFilter
    pagination_class = None
    renderer_classes = [JSONRenderer]
    content_negotiation_class = FileFormatNegotiation

    def get_queryset(self):
        return Transaction.objects.for_user(self.request.user)

    @extend_schema(
        filters=True,
        parameters=[
            OpenApiParameter("event", OpenApiTypes.UUID, required=True, description="The event to export"),
            OpenApiParameter("format", OpenApiTypes.STR, enum=list(ledger_files.FORMATS), description="csv (default)"),
        ],
        responses={
            (200, "text/csv"): OpenApiTypes.STR,
            (200, ledger_files.XLSX_TYPE): OpenApiTypes.BINARY,
            (400, "application/json"): ERRORS,
            (404, "application/json"): OpenApiTypes.OBJECT,
        },
        summary="An event's transactions as CSV or XLSX (the list's filters apply)",
    )
    def get(self, request: Request) -> HttpResponse:
        file_format = request.query_params.get("format") or "csv"
        if file_format not in ledger_files.FORMATS:
            raise exceptions.ValidationError({"format": [_("Choose csv or xlsx.")]})
        event = visible_event(request.user, request.query_params.get("event"))
        transactions = self.filter_queryset(self.get_queryset()).filter(event=event)
        content = ledger_files.export_transactions(transactions, file_format, title=event.name)
        response = HttpResponse(content, content_type=ledger_files.FORMATS[file_format])
        response["Content-Disposition"] = f'attachment; filename="{ledger_files.export_filename(event, file_format)}"'
        return response


class TransactionImportView(IdempotentPosts, APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request=inline_serializer(
            "TransactionImport", {"file": serializers.FileField(), "event": serializers.UUIDField()}
        ),
        responses={
            200: inline_serializer(
                "TransactionImportResult",
                {
                    "created": serializers.IntegerField(),
                    "drafts": serializers.IntegerField(help_text=_("Imported expenses, saved as drafts")),
                },
            ),
            400: ERRORS,
            403: OpenApiTypes.OBJECT,
            404: OpenApiTypes.OBJECT,
        },
        summary="Add a CSV of transactions to an event: every row valid, or nothing saved",
    )
    def post(self, request: Request) -> Response:
        upload = request.FILES.get("file")
        if upload is None:
            raise exceptions.ValidationError({"file": [_("Attach a CSV file.")]})
        try:
            check_upload_size(upload)
        except DjangoValidationError as exc:
            raise exceptions.ValidationError({"file": exc.messages}) from None
        event = visible_event(request.user, request.data.get("event"))
        if not request.user.has_perm(Transaction.get_perm("add"), event):
            raise exceptions.PermissionDenied(_("Your role in this event does not allow this."))
        # Only authenticated users get here (DEFAULT_PERMISSION_CLASSES).
        report = ledger_files.import_transactions(upload.read(), event, cast(Organizer, request.user))
        if not report.ok:
            return Response({"errors": report.errors}, status=status.HTTP_400_BAD_REQUEST)
        return Response({"created": report.created, "drafts": report.drafts})
