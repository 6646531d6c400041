"""API-wide pieces: the exception handler that turns model errors into 4xx answers, and list ordering."""

from __future__ import annotations

import io
import re

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, ParseError, PermissionDenied
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.parsers import JSONParser
from rest_framework.views import exception_handler as drf_exception_handler

from geventator.db import is_transient, run_atomically
from geventator.faults import WRITE_CONFLICT, is_store_fault
from geventator.search import search_refusal


class StillReferenced(APIException):
    """409: the record is still in use (e.g. an event with a ledger, a category with transactions)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = _("This record is still in use by other records and cannot be deleted.")
    default_code = "protected"


class BodyTooLarge(APIException):
    """413: the body is above settings.DATA_UPLOAD_MAX_MEMORY_SIZE."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "too_large"


class WriteConflict(APIException):
    """409: another write to the same records won every retry; nothing of this one was saved."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = WRITE_CONFLICT
    default_code = "write_conflict"


class RetriedWrites:
    """Create, update (PATCH too) and delete of a viewset run from scratch in one transaction,
    again when the store reports a transient conflict (geventator.db.run_atomically).

    Each try validates the body and reads the record anew, so a retry never saves what a rolled-
    back try read. Put it before the ModelViewSet in the bases.
    """

    def create(self, request, *args, **kwargs):
        return self._retried(super().create, request, *args, **kwargs)

    def update(self, request, *args, **kwargs):
        return self._retried(super().update, request, *args, **kwargs)

    def destroy(self, request, *args, **kwargs):
        return self._retried(super().destroy, request, *args, **kwargs)

    def forget_read_records(self) -> None:
        """Drop records the view keeps between reads: a rolled-back try may have changed them."""

    def _retried(self, write, *args, **kwargs):
        tries = 0

        def attempt():
            nonlocal tries
            if tries:
                self.forget_read_records()
            tries += 1
            return write(*args, **kwargs)

        return run_atomically(attempt)


def exception_handler(exc, context):
    # Model clean() raises Django's ValidationError; answer it like a serializer error (400 with
    # field messages) instead of letting it become a 500.
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = serializers.ValidationError(detail)
    # on_delete=PROTECT keeps the ledger and the schedule intact: deleting what they still use is a
    # conflict with the stored data, not a server error.
    elif isinstance(exc, ProtectedError | RestrictedError):
        exc = StillReferenced()
    # A service's refusal says why (e.g. "you submitted this expense"); DRF's own handler would
    # answer its generic 403 text instead.
    elif isinstance(exc, DjangoPermissionDenied) and str(exc):
        exc = PermissionDenied(str(exc))
    # Django refuses to read such a body; without this it would surface as an HTML 400 page.
    elif isinstance(exc, RequestDataTooBig):
        exc = BodyTooLarge()
    # A conflict that outlasted the retries (or a write outside them): the client may send it
    # again. A store that is unreachable or locked stays the 503 of geventator.faults.
    elif is_transient(exc) and not is_store_fault(exc):
        exc = WriteConflict()
    return drf_exception_handler(exc, context)


class StableOrderingFilter(OrderingFilter):
    """The requested (or default) order, then the primary key.

    Rows often tie on what a list sorts by (same date, same amount; MongoDB keeps times to the
    millisecond). Neither store promises one order among ties, so without a last unique key a row
    could show on two pages, or on none, as a client pages through.
    """

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        if not ordering or any(field.lstrip("-") in ("pk", "id") for field in ordering):
            return ordering
        return [*ordering, "pk"]


class BoundedSearchFilter(SearchFilter):
    """?search= within geventator.search's bounds; beyond them, 400 saying the limit."""

    def get_search_terms(self, request):
        words = super().get_search_terms(request)
        refusal = search_refusal(request.query_params.get(self.search_param, ""), words)
        if refusal is not None:
            raise serializers.ValidationError({self.search_param: [refusal]})
        return words


MAX_JSON_DEPTH = 32
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_BRACKET = re.compile(r"[\[\]{}]")


def exceeds_json_depth(text: str, limit: int) -> bool:
    """Whether the JSON ``text`` nests arrays and objects deeper than ``limit``, counted without
    parsing (brackets inside strings do not count)."""
    depth = 0
    for bracket in _JSON_BRACKET.finditer(_JSON_STRING.sub('""', text)):
        depth += 1 if bracket.group() in "[{" else -1
        if depth > limit:
            return True
    return False


class BoundedJSONParser(JSONParser):
    """JSON bodies nested at most MAX_JSON_DEPTH deep (no resource needs more than a few levels).

    Python's json parser and everything that walks the data after it recurse once per level: a
    body nested 50,000 deep raised RecursionError, a 500. Refuse it as a parse error (400) first.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        body = stream.read()
        try:
            text = body.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            message = _("JSON parse error - the body is not valid %(encoding)s.") % {"encoding": encoding}
            raise ParseError(message) from exc
        if exceeds_json_depth(text, MAX_JSON_DEPTH):
            raise ParseError(_("The JSON body is nested deeper than %(limit)d levels.") % {"limit": MAX_JSON_DEPTH})
        try:
            return super().parse(io.BytesIO(body), media_type, parser_context)
        except RecursionError as exc:  # the scan and the parser disagree on invalid JSON
            raise ParseError(_("The JSON body is nested too deeply.")) from exc
