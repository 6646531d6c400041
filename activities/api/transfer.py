"""CSV export and all-or-nothing CSV import of activities (see activities/transfer.py)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from activities import transfer
from activities.models import Activity
from geventator.spreadsheets import check_upload_size
from organizers import rules as perms
from organizers.api.base import visible_event
from organizers.idempotency import IdempotentPosts


class ActivityExportView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("event", OpenApiTypes.UUID, description="Only this event (default: all yours)")],
        responses={(200, "text/csv"): OpenApiTypes.STR},
        summary="Activities as CSV (the columns the import reads)",
    )
    def get(self, request: Request) -> HttpResponse:
        activities = Activity.objects.for_user(request.user)
        name = "activities"
        if request.query_params.get("event"):
            event = visible_event(request.user, request.query_params["event"])
            activities, name = activities.filter(event=event), f"activities-{event.slug}"
        response = HttpResponse(transfer.export_csv(activities), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response


ImportResultSerializer = inline_serializer(
    "ActivityImportResult", {"created": serializers.IntegerField(), "updated": serializers.IntegerField()}
)


class ActivityImportView(IdempotentPosts, APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request=inline_serializer(
            "ActivityImport", {"file": serializers.FileField(), "event": serializers.UUIDField()}
        ),
        responses={200: ImportResultSerializer, 400: OpenApiTypes.OBJECT},
        summary="Import a CSV of activities into an event: every row valid, or nothing saved",
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
        if not (request.user.is_superuser or perms.has_role(request.user, event, "organizer")):
            raise exceptions.PermissionDenied(_("Your role in this event does not allow this."))
        report = transfer.import_csv(upload.read(), request.user, event=event)
        if not report.ok:
            return Response({"errors": report.errors}, status=status.HTTP_400_BAD_REQUEST)
        return Response({"created": report.created, "updated": report.updated})
