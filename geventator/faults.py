"""503 instead of 500 when the store is unreachable or unwritable (a fault, not a bug), and 409
when a write lost to a concurrent one on every retry (geventator.db.run_atomically).

A load balancer or client retries a 503 later, a user sends a 409's form again; nothing is
half-written, since every multi-row write runs in one transaction (geventator.db). Integrity errors
and the like stay what they are.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from geventator.db import is_transient

logger = logging.getLogger(__name__)

# SQLite's messages for a file that cannot be opened or written right now.
SQLITE_FAULTS = (
    "attempt to write a readonly database",
    "unable to open database file",
    "disk i/o error",
    "database or disk is full",
    "database is locked",
    "readonly database",
)


def _chain(exc: BaseException):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def is_store_fault(exc: BaseException) -> bool:
    """Whether exc (or what caused it) says the store is unavailable, rather than the data wrong."""
    try:
        from pymongo.errors import ConnectionFailure
    except ImportError:  # pragma: no cover
        ConnectionFailure = ()  # noqa: N806
    for error in _chain(exc):
        # AutoReconnect, NetworkTimeout and ServerSelectionTimeoutError are ConnectionFailures.
        if ConnectionFailure and isinstance(error, ConnectionFailure):
            return True
        if isinstance(error, DatabaseError) and any(text in str(error).lower() for text in SQLITE_FAULTS):
            return True
    return False


def unavailable_response(request: HttpRequest) -> HttpResponse:
    message = _("The data store is unavailable right now; nothing was saved. Please try again shortly.")
    if request.path_info.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": message}, status=503)
    else:
        response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = "30"
    return response


# One wording for a write that lost every retry, in the admin and the API (geventator.api).
WRITE_CONFLICT = gettext_lazy(
    "Someone else changed these records at the same time; nothing was saved. Please try again."
)


def conflict_response(request: HttpRequest) -> HttpResponse:
    message = str(WRITE_CONFLICT)
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": message}, status=409)
    return HttpResponse(message, status=409, content_type="text/plain; charset=utf-8")


class StoreUnavailableMiddleware:
    """Turns store faults raised by any view (admin or API) into a 503, and write conflicts that
    outlasted their retries (the admin's saves, any view's write) into a 409."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if is_store_fault(exc):
            return self._answer(request, exc)
        if is_transient(exc):
            logger.warning("Write conflict: %s %s answered 409: %s", request.method, request.path, exc)
            return conflict_response(request)
        return None

    @staticmethod
    def _answer(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.error("Store unavailable: %s %s answered 503: %s", request.method, request.path, exc)
        return unavailable_response(request)
