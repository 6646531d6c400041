"""Which address is the client: TRUSTED_PROXY_COUNT, read by the login lockout (django-axes), the
API throttles (DRF) and the security log alike (geventator/proxies.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import RequestFactory

from geventator.proxies import client_address

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "/api/auth/token/"
PASSWORD = "correct horse battery"  # organizers.factories.OrganizerFactory
NGINX = "127.0.0.1"  # the deployment's proxy, on the same host as gunicorn
ALICE = "203.0.113.5"
BOB = "198.51.100.7"


@pytest.fixture
def proxies(settings):
    """Sets TRUSTED_PROXY_COUNT and what settings.py derives from it, as a start-up with it would."""

    def trust(count: int) -> None:
        settings.TRUSTED_PROXY_COUNT = count
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": count}

    return trust


@pytest.fixture
def token_rate(monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, "token": "2/minute"}
    )


def sign_in(api, username: str, password: str, forwarded_for: str | None = None) -> int:
    headers = {"REMOTE_ADDR": NGINX}
    if forwarded_for is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return api.post(TOKEN, {"username": username, "password": password}, **headers).status_code


# --- Direct connections (the default: 0) -----------------------------------------------------------


def test_without_trusted_proxies_a_rotated_forwarded_for_does_not_escape_the_token_rate(api, viewer, token_rate):
    statuses = [sign_in(api, viewer.username, PASSWORD, forwarded_for=f"10.0.0.{n}") for n in range(3)]

    assert statuses == [200, 200, 429]


def test_without_trusted_proxies_a_rotated_forwarded_for_does_not_escape_the_lockout(api, viewer, settings):
    from axes.models import AccessAttempt

    settings.AXES_FAILURE_LIMIT = 3

    failures = [sign_in(api, viewer.username, "wrong", forwarded_for=f"10.0.0.{n}") for n in range(3)]
    locked = sign_in(api, viewer.username, PASSWORD, forwarded_for="10.0.0.99")

    assert failures == [400, 400, 429]
    assert locked == 429
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [NGINX]


# --- Behind one proxy (the deployment's nginx: 1) ----------------------------------------------------


def test_behind_the_proxy_each_client_has_its_own_token_rate(api, viewer, proxies, token_rate):
    proxies(1)

    alice = [sign_in(api, viewer.username, PASSWORD, forwarded_for=ALICE) for _ in range(3)]
    bob = sign_in(api, viewer.username, PASSWORD, forwarded_for=BOB)
    # What the client itself wrote comes first; nginx appends the address it saw.
    alice_spoofing = sign_in(api, viewer.username, PASSWORD, forwarded_for=f"10.9.9.9, {ALICE}")

    assert alice == [200, 200, 429]
    assert bob == 200
    assert alice_spoofing == 429


def test_behind_the_proxy_a_lockout_holds_the_guessing_client_only(api, viewer, proxies, settings):
    from axes.models import AccessAttempt

    proxies(1)
    settings.AXES_FAILURE_LIMIT = 3

    failures = [sign_in(api, viewer.username, "wrong", forwarded_for=ALICE) for _ in range(3)]
    alice_spoofing = sign_in(api, viewer.username, PASSWORD, forwarded_for=f"10.9.9.9, {ALICE}")
    bob = sign_in(api, viewer.username, PASSWORD, forwarded_for=BOB)

    assert failures == [400, 400, 429]
    assert alice_spoofing == 429
    assert bob == 200
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [ALICE]


def test_behind_the_proxy_the_admin_login_locks_out_the_client_address(client, viewer, proxies, settings):
    from axes.models import AccessAttempt

    proxies(1)
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(2):
        client.post(
            "/admin/login/",
            {"username": viewer.username, "password": "wrong"},
            REMOTE_ADDR=NGINX,
            HTTP_X_FORWARDED_FOR=ALICE,
        )

    bob = client.post(
        "/admin/login/",
        {"username": viewer.username, "password": PASSWORD},
        REMOTE_ADDR=NGINX,
        HTTP_X_FORWARDED_FOR=BOB,
    )

    assert bob.status_code == 302
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [ALICE]


@pytest.mark.parametrize(
    ("count", "forwarded_for", "expected"),
    [
        (0, ALICE, NGINX),
        (1, None, NGINX),  # reached directly, past the proxy: the peer
        (1, f"10.9.9.9, {ALICE}", ALICE),
        (2, f"10.9.9.9, {ALICE}, 10.0.0.2", ALICE),  # a load balancer, then nginx
        (3, ALICE, ALICE),  # fewer entries than proxies: the first one
        (1, "not-an-address", NGINX),  # a misconfigured proxy: never stored as an address
    ],
)
def test_client_address_is_counted_from_the_right(settings, count, forwarded_for, expected):
    settings.TRUSTED_PROXY_COUNT = count
    headers = {"REMOTE_ADDR": NGINX} | ({"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for else {})

    assert client_address(RequestFactory().get("/", **headers)) == expected


# --- The setting ---------------------------------------------------------------------------------------


def start(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.TRUSTED_PROXY_COUNT, s.REST_FRAMEWORK['NUM_PROXIES'], s.AXES_CLIENT_IP_CALLABLE)"
    )
    inherited = {k: v for k, v in os.environ.items() if k not in {"TRUSTED_PROXY_COUNT", "AXES_PROXY_COUNT"}}
    return subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", code],
        cwd=ROOT, env=inherited | {"DJANGO_SETTINGS_MODULE": "geventator.test_settings"} | env,
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip


def test_lockout_and_throttles_take_the_proxy_count_from_the_environment():
    assert start({}).stdout.split() == ["0", "0", "geventator.proxies.client_address"]
    assert start({"TRUSTED_PROXY_COUNT": "2"}).stdout.split() == ["2", "2", "geventator.proxies.client_address"]


@pytest.mark.parametrize(
    "env", [{"TRUSTED_PROXY_COUNT": "-1"}, {"TRUSTED_PROXY_COUNT": "one"}, {"AXES_PROXY_COUNT": "1"}]
)
def test_a_bad_proxy_count_stops_the_start(env):
    result = start(env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert ("AXES_PROXY_COUNT" if "AXES_PROXY_COUNT" in env else "TRUSTED_PROXY_COUNT") in result.stderr
