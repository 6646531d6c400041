"""Store faults answer a clear 503, leave nothing half-written, and the app recovers by itself.

The fault tests serve the app with gunicorn in a subprocess, on a store of its own (a temporary
SQLite file, a separate SecantusDB server), so the suite's own connection is never affected; each
pass runs the fault of its own store (test_store_fault_answers_503_and_the_app_recovers).

Making an SQLite file unwritable as root: root ignores file modes (CAP_DAC_OVERRIDE), so as root
(CI, containers) the file gets the immutable attribute (``chattr +i``, needs CAP_LINUX_IMMUTABLE
and ext4/xfs/btrfs, which root in a default Docker container has); as an ordinary user
``chmod 0444`` does it. Either way SQLite opens the main file read-only: reads keep working (the
-wal and -shm files stay writable), writes fail with "attempt to write a readonly database", and
since every request opens a fresh connection (CONN_MAX_AGE 0), lifting it makes writes work again
without a restart.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.db import IntegrityError, OperationalError
from pymongo.errors import AutoReconnect, ServerSelectionTimeoutError

from devtools.mongo import free_port, secantus_server
from geventator.faults import is_store_fault
from geventator.tests.appserver import app_env, call, gunicorn, migrate_and_seed


def make_read_only(path: Path, read_only: bool) -> None:
    if os.geteuid() != 0:
        path.chmod(0o444 if read_only else 0o644)
        return
    result = subprocess.run(["chattr", "+i" if read_only else "-i", str(path)], capture_output=True, text=True)  # noqa: S603, S607
    if result.returncode:
        pytest.fail(
            f"chattr failed ({result.stderr.strip()}): run the suite as a non-root user or give CAP_LINUX_IMMUTABLE"
        )


def transaction(seed: dict, description: str) -> dict:
    return {
        "event": seed["event"],
        "kind": "sale",
        "amount": "12.50",
        "date": "2026-06-12",
        "description": description,
    }


def new_event(slug: str) -> dict:
    return {"name": slug, "slug": slug, "start_date": "2026-07-01", "end_date": "2026-07-02", "currency": "EUR"}


def descriptions(base: str, seed: dict) -> list[str]:
    status, body = call(base, "GET", f"/api/transactions/?event={seed['event']}", seed["token"])
    assert status == 200, body
    return sorted(row["description"] for row in body["results"])


def slugs(base: str, seed: dict) -> list[str]:
    status, body = call(base, "GET", "/api/events/", seed["token"])
    assert status == 200, body
    return sorted(row["slug"] for row in body["results"])


@pytest.fixture
def workdir():
    # Outside pytest's tmp_path, which keeps the last runs: the SecantusDB data is thrown away.
    path = Path(tempfile.mkdtemp(prefix="geventator-fault-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.mark.parametrize(
    ("error", "fault"),
    [
        (ServerSelectionTimeoutError("no servers"), True),
        (AutoReconnect("connection reset"), True),
        (OperationalError("attempt to write a readonly database"), True),
        (OperationalError("unable to open database file"), True),
        (IntegrityError("UNIQUE constraint failed"), False),
        (OperationalError("no such table: finance_transaction"), False),
        (ValueError("bad input"), False),
    ],
)
def test_store_fault_is_told_apart_from_a_bug(error, fault):
    assert is_store_fault(error) is fault


@pytest.mark.parametrize(("path", "json"), [("/api/events/", True), ("/admin/organizers/event/", False)])
def test_view_that_loses_the_store_answers_503(client, superuser, monkeypatch, path, json):
    from rest_framework.viewsets import ModelViewSet

    from organizers.admin import EventAdmin

    def unreachable(*args, **kwargs):
        raise ServerSelectionTimeoutError("127.0.0.1:27017: connection refused")

    monkeypatch.setattr(ModelViewSet, "list", unreachable)
    # Looked up at request time (the admin's URLs keep its bound views from the first request on).
    monkeypatch.setattr(EventAdmin, "get_queryset", unreachable)
    client.force_login(superuser)

    response = client.get(path, HTTP_ACCEPT="application/json")

    assert response.status_code == 503
    assert response["Retry-After"]
    if json:
        assert "unavailable" in response.json()["detail"]
    else:
        assert response["Content-Type"].startswith("text/plain")


def sqlite_file_made_unwritable_answers_503_on_writes_and_recovers(workdir: Path, report_figure) -> None:
    database = workdir / "app.sqlite3"
    env = app_env(f"sqlite:///{database}")
    seed = migrate_and_seed(env)

    with gunicorn(env) as base:
        before = call(base, "POST", "/api/transactions/", seed["token"], transaction(seed, "before"))[0]
        make_read_only(database, True)
        try:
            refused = call(base, "POST", "/api/transactions/", seed["token"], transaction(seed, "during"))
            refused_event = call(base, "POST", "/api/events/", seed["token"], new_event("during-fault"))
            read_during = descriptions(base, seed)
        finally:
            make_read_only(database, False)
        after = call(base, "POST", "/api/transactions/", seed["token"], transaction(seed, "after"))[0]
        stored, events = descriptions(base, seed), slugs(base, seed)

    report_figure(f"SQLite fault: write during fault -> {refused[0]}, reads during fault -> 200")
    assert before == 201
    assert refused[0] == 503 and "unavailable" in refused[1]["detail"]
    assert refused_event[0] == 503
    assert read_during == ["before"]
    assert after == 201
    assert stored == ["after", "before"]
    assert events == ["load"]  # the event refused during the fault left no half (event without owner)


def mongodb_server_gone_answers_503_and_the_app_recovers_without_restart(workdir: Path, report_figure) -> None:
    port = free_port()
    storage = str(workdir / "secantus")
    uri = f"mongodb://127.0.0.1:{port}/faults?directConnection=true&serverSelectionTimeoutMS=1500"
    env = app_env(uri)

    with gunicorn(env) as base:
        with secantus_server(storage, db="faults", port=port):
            seed = migrate_and_seed(env)
            before = call(base, "POST", "/api/transactions/", seed["token"], transaction(seed, "before"))[0]
        # The server is stopped: every request that needs it fails fast with a 503.
        refused = call(base, "POST", "/api/transactions/", seed["token"], transaction(seed, "during"))
        refused_event = call(base, "POST", "/api/events/", seed["token"], new_event("during-fault"))
        refused_read = call(base, "GET", "/api/events/", seed["token"])
        admin = call(base, "GET", "/admin/", "-", None, cookie="sessionid=" + "a" * 32)
        with secantus_server(storage, db="faults", port=port):
            after = call(base, "POST", "/api/transactions/", seed["token"], transaction(seed, "after"))[0]
            stored, events = descriptions(base, seed), slugs(base, seed)

    report_figure(f"MongoDB fault: requests while the server is down -> {refused[0]}, {refused_read[0]}")
    assert before == 201
    assert refused[0] == 503 and "unavailable" in refused[1]["detail"]
    assert refused_event[0] == 503
    assert refused_read[0] == 503
    assert admin[0] == 503 and isinstance(admin[1], str)  # a plain page: the session lookup failed
    assert after == 201
    assert stored == ["after", "before"]
    assert events == ["load"]


def test_store_fault_answers_503_and_the_app_recovers(workdir, report_figure):
    if settings.USES_MONGODB:
        mongodb_server_gone_answers_503_and_the_app_recovers_without_restart(workdir, report_figure)
    else:
        sqlite_file_made_unwritable_answers_503_on_writes_and_recovers(workdir, report_figure)
