"""ETag and If-Match on the API's records: no lost updates. A record's answer carries an ``ETag``
(a digest of its representation, so any change of what a reader sees changes it); a PUT, PATCH or
DELETE sent with ``If-Match`` is refused with 412 when the record changed since that ETag was read,
instead of overwriting another person's change. Without If-Match a write proceeds, as before.

The comparison happens when the view reads the record to change it, inside the write's transaction
(RetriedWrites), so the record checked is the record written.
"""

from __future__ import annotations

import hashlib
import json
import re

from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.utils.encoders import JSONEncoder

GUARDED_METHODS = {"PUT", "PATCH", "DELETE"}
TAGGED_ACTIONS = {"retrieve", "create", "update", "partial_update"}


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _(
        "The record changed since you read it (its ETag differs from If-Match): read it again and redo your change."
    )
    default_code = "precondition_failed"


# MongoDB keeps times to the millisecond: an answer made from the record just saved (microseconds)
# and one read back later must give the same tag, so fractions of a second count to the millisecond.
SUB_MILLISECONDS = re.compile(r"(T\d\d:\d\d:\d\d\.\d{3})\d+")


def etag_of(representation: object) -> str:
    text = json.dumps(representation, cls=JSONEncoder, sort_keys=True, separators=(",", ":"))
    text = SUB_MILLISECONDS.sub(r"\1", text)
    return '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'


def matches(header: str, etag: str) -> bool:
    """RFC 9110 If-Match: ``*`` or a list of tags; a weak tag (W/) is compared by its value."""
    tags = [tag.strip().removeprefix("W/") for tag in header.split(",")]
    return "*" in tags or etag in tags


class ConditionalWrites:
    """For a ModelViewSet: ETag on each record's answer, If-Match checked on PUT, PATCH and DELETE."""

    def get_object(self):
        instance = super().get_object()  # type: ignore[misc]
        header = self.request.headers.get("If-Match")  # type: ignore[attr-defined]
        if header is not None and self.request.method in GUARDED_METHODS:  # type: ignore[attr-defined]
            current = etag_of(self.get_serializer(instance).data)  # type: ignore[attr-defined]
            if not matches(header, current):
                raise PreconditionFailed
        return instance

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        action = getattr(self, "action", None)
        data = getattr(response, "data", None)
        if action in TAGGED_ACTIONS and status.is_success(response.status_code) and isinstance(data, dict):
            response["ETag"] = etag_of(data)
        return response


def document_headers(result, generator, request, public):
    """drf-spectacular postprocessing hook: the records' writes say they take If-Match."""
    parameter = {
        "in": "header",
        "name": "If-Match",
        "required": False,
        "schema": {"type": "string"},
        "description": str(
            _("The ETag of the record as you read it: if it changed since, the write is refused with 412.")
        ),
    }
    for path, operations in result.get("paths", {}).items():
        if not path.endswith("{id}/"):
            continue
        for method in ("put", "patch", "delete"):
            if method in operations:
                operations[method].setdefault("parameters", []).append(parameter)
    return result
