"""/healthz: 200 while the store answers, 503 (never 500) when it does not; no login, no cache."""

import pytest
from django.db import DatabaseError, OperationalError, connection
from pymongo.errors import AutoReconnect, ServerSelectionTimeoutError

pytestmark = pytest.mark.django_db


def _fail(error: Exception):
    def raise_error(*args, **kwargs):
        raise error

    return raise_error


def test_healthz_answers_ok_without_login_when_the_database_answers(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response.headers["Cache-Control"]


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("unable to open database file"),
        DatabaseError("connection lost"),
        ServerSelectionTimeoutError("No servers found yet"),
        AutoReconnect("connection reset"),
        OSError("network unreachable"),
        RuntimeError("unexpected driver state"),
    ],
    ids=lambda error: type(error).__name__,
)
def test_healthz_answers_503_when_the_database_cannot_be_reached(client, monkeypatch, error):
    # Both stores connect through ensure_connection (SQLite's cursor() calls it too).
    monkeypatch.setattr(connection, "ensure_connection", _fail(error))

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}
    assert "no-store" in response.headers["Cache-Control"]


def test_healthz_answers_503_when_the_database_query_fails(client, monkeypatch):
    # The store-specific probe itself: SQLite's SELECT 1, MongoDB's ping command.
    if connection.vendor == "mongodb":
        from pymongo.database import Database

        monkeypatch.setattr(Database, "command", _fail(ServerSelectionTimeoutError("ping timed out")))
    else:
        monkeypatch.setattr(connection, "cursor", _fail(OperationalError("database is locked")))

    response = client.get("/healthz")

    assert response.status_code == 503


def test_healthz_answers_probes_that_use_a_host_outside_allowed_hosts(client, settings):
    settings.ALLOWED_HOSTS = ["events.example.org"]

    probe = client.get("/healthz", HTTP_HOST="10.0.0.5:8000")
    other_page = client.get("/admin/login/", HTTP_HOST="10.0.0.5:8000")

    assert probe.status_code == 200
    assert other_page.status_code == 400


def test_healthz_url_resolves_without_the_middleware(client, settings):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != "geventator.health.HealthCheckMiddleware"]

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize(("method", "expected"), [("head", 200), ("post", 405)])
def test_healthz_only_answers_safe_methods(client, method, expected):
    response = getattr(client, method)("/healthz")

    assert response.status_code == expected
