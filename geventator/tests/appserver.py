"""The app served by gunicorn in a subprocess, on a store of its own: for fault and load tests.

The suite's own database connection is never involved: the served app gets its own DATABASE_URL
(a temporary SQLite file, or a separate SecantusDB server), is migrated and seeded through
manage.py, and is driven over HTTP like a real client.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))

SEED = """
import json
from organizers.tokens import issue_token
from finance.models import Account, Category
from organizers.factories import EventFactory, OrganizerFactory
from organizers.services import create_event
from organizers.models import Event, Membership
from datetime import date
owner = OrganizerFactory(username="load_owner", is_staff=True)
event = create_event(owner, Event(name="Load", slug="load", start_date=date(2026, 6, 12),
                                  end_date=date(2026, 6, 14), timezone="Europe/Madrid", currency="EUR"))
category = Category.objects.create(event=event, name="Seed")
members = [OrganizerFactory(username=f"load_member_{n}") for n in range(4)]
# Fixed roles for the approval workload: an organizer submits, owner and treasurer approve and pay.
treasurer = OrganizerFactory(username="load_treasurer")
submitter = OrganizerFactory(username="load_organizer")
Membership.objects.create(event=event, organizer=treasurer, role="treasurer")
Membership.objects.create(event=event, organizer=submitter, role="organizer")
bank = Account.main_for(event)
cash = Account.objects.create(event=event, name="Cash", kind="cash", opening_balance="50.00")
print(json.dumps({"token": issue_token(owner, "load")[1], "event": str(event.pk),
                  "category": str(category.pk), "members": [str(m.pk) for m in members],
                  "treasurer_token": issue_token(treasurer, "load")[1],
                  "organizer_token": issue_token(submitter, "load")[1],
                  "accounts": [str(bank.pk), str(cash.pk)]}))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "fault-and-load-tests",
        # DEBUG serves the admin's static files without collectstatic; 503/500 answers are ours.
        "DEBUG": "1",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "geventator.settings",
    }
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(  # noqa: S603 (our own manage.py)
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    if result.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def migrate_and_seed(env: dict[str, str]) -> dict:
    manage(env, "migrate", "--noinput")
    out = manage(env, "shell", "-c", SEED)
    return json.loads(out.strip().splitlines()[-1])


@contextmanager
def gunicorn(env: dict[str, str], workers: int = 1) -> Iterator[str]:
    """Serve the app with the repo's gunicorn.conf.py; yield its base URL."""
    port = free_port()
    proc = subprocess.Popen(  # noqa: S603 (our own gunicorn)
        [GUNICORN, "-c", "gunicorn.conf.py"],
        cwd=ROOT,
        env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(workers)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {proc.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def call(
    base: str, method: str, path: str, token: str, body: dict | None = None, timeout: float = 30, cookie: str = ""
):
    """(status, decoded JSON or text) of one API request."""
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json", "Accept": "application/json"}
    if cookie:
        headers["Cookie"] = cookie
    request = urllib.request.Request(  # noqa: S310 (the loopback test server)
        base + path, method=method, data=None if body is None else json.dumps(body).encode(), headers=headers
    )
    try:
        # The URL is the loopback test server's.
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status, raw, kind = response.status, response.read(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as error:
        status, raw, kind = error.code, error.read(), error.headers.get("Content-Type", "")
    text = raw.decode("utf-8", "replace")
    if "json" in kind and text:
        return status, json.loads(text)
    return status, text
