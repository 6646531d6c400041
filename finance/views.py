"""Finance pages outside the admin and the API router: the receipt download."""

from __future__ import annotations

import logging
import uuid

from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.views import APIView

from finance.models import Receipt

logger = logging.getLogger(__name__)


class ReceiptDownloadView(APIView):
    """The receipt's file, to members of its event (any role); 404 to everybody else.

    An API view, so that both a signed-in browser (the admin's links) and an API token work.
    """

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY}, summary="Download a receipt")
    def get(self, request: Request, pk: uuid.UUID) -> FileResponse:
        # The URL's uuid converter refuses malformed ids; filter().first() rather than
        # get_object_or_404, which raises (a 500) on MongoDB for ids it cannot convert.
        receipt = Receipt.objects.for_user(request.user).filter(pk=pk).first()
        if receipt is None:
            raise Http404
        try:
            handle = receipt.file.open("rb")
        except (FileNotFoundError, ValueError):
            logger.error("Receipt %s has no file at %s", receipt.pk, receipt.file.name)
            raise Http404 from None
        response = FileResponse(
            handle, as_attachment=True, filename=receipt.original_name, content_type=receipt.content_type
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        # Opened in a browser tab anyway: no scripts, no plugins, no same-origin access.
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response

    def perform_content_negotiation(self, request: Request, force: bool = False):
        # The answer is the stored file whatever the client's Accept header asks for.
        return super().perform_content_negotiation(request, force=True)
