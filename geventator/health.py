"""``/healthz``: 200 while the database answers, 503 otherwise; for load balancers and probes."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

HEALTHZ_PATH = "/healthz"
# A probe must answer before the prober gives up (Docker's default: 30 s), and before
# gunicorn's worker timeout: bound the MongoDB ping (server selection included).
MONGODB_PING_TIMEOUT = 3.0


def database_is_up(alias: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether the store answers a trivial request right now."""
    connection = connections[alias]
    try:
        if connection.vendor == "mongodb":
            import pymongo

            connection.ensure_connection()  # the client is lazy: ping makes it reach a server
            with pymongo.timeout(MONGODB_PING_TIMEOUT):
                connection.database.command("ping")
        else:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
    except Exception:
        # Whatever the driver raises (DatabaseError, PyMongoError, OSError, ...), the answer is
        # "unavailable", never a 500: a probe reads the status code.
        logger.warning("Health check: the database does not answer.", exc_info=True)
        return False
    return True


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    if database_is_up():
        return JsonResponse({"status": "ok"})
    return JsonResponse({"status": "unavailable"}, status=503)


class HealthCheckMiddleware:
    """Answers /healthz before Django validates the Host header.

    Probes (Docker's HEALTHCHECK, a load balancer) call the app by its IP or ``localhost``,
    names that ALLOWED_HOSTS rightly leaves out; the view never reads the Host header, so
    answering them is safe. Placed first in MIDDLEWARE.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == HEALTHZ_PATH:
            return healthz(request)
        return self.get_response(request)
