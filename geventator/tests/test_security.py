"""Hardening: login lockout, API throttling, password rules, HTTPS/HSTS/CSP and the security log."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone

ROOT = Path(__file__).resolve().parents[2]
LOGIN = "/admin/login/"
TOKEN = "/api/auth/token/"
PASSWORD = "correct horse battery"  # organizers.factories.OrganizerFactory


def security_records(caplog, event: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "geventator.security" and getattr(r, "security_event", "") == event]


# --- Lockout (django-axes) -----------------------------------------------------------------------


def fail_admin_login(client, username: str, times: int) -> list[int]:
    return [client.post(LOGIN, {"username": username, "password": "wrong"}).status_code for _ in range(times)]


def test_admin_login_locks_out_after_the_failure_limit_even_with_the_right_password(client, viewer, settings):
    settings.AXES_FAILURE_LIMIT = 3

    statuses = fail_admin_login(client, viewer.username, 3)
    locked = client.post(LOGIN, {"username": viewer.username, "password": PASSWORD})

    assert statuses[:2] == [200, 200]  # the form again, with its error
    assert statuses[2] == 429
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_ends_after_the_cool_off_time(client, viewer, settings):
    from axes.models import AccessAttempt

    settings.AXES_FAILURE_LIMIT = 2
    fail_admin_login(client, viewer.username, 2)
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(minutes=1))

    response = client.post(LOGIN, {"username": viewer.username, "password": PASSWORD})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(viewer.pk)


def test_lockout_of_one_username_leaves_other_users_alone(client, viewer, organizer, settings):
    settings.AXES_FAILURE_LIMIT = 2
    fail_admin_login(client, viewer.username, 2)

    response = client.post(LOGIN, {"username": organizer.username, "password": PASSWORD})

    assert response.status_code == 302


def test_token_endpoint_locks_out_after_the_failure_limit(api, viewer, settings):
    settings.AXES_FAILURE_LIMIT = 3

    failures = [api.post(TOKEN, {"username": viewer.username, "password": "wrong"}).status_code for _ in range(3)]
    locked = api.post(TOKEN, {"username": viewer.username, "password": PASSWORD})

    assert failures == [400, 400, 429]
    assert locked.status_code == 429
    assert "token" not in locked.json()


def test_token_endpoint_still_hands_out_tokens(api, viewer):
    response = api.post(TOKEN, {"username": viewer.username, "password": PASSWORD})

    assert response.status_code == 200
    assert len(response.json()["token"]) == 43  # 256 random bits (organizers/tokens.py)


def test_failure_limit_and_cool_off_come_from_the_environment():
    code = "from django.conf import settings as s; print(s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME.total_seconds())"
    env = os.environ | {
        "AXES_FAILURE_LIMIT": "7",
        "AXES_COOLOFF_MINUTES": "2",
        "DJANGO_SETTINGS_MODULE": "geventator.test_settings",
    }

    out = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip

    assert out.split() == ["7", "120.0"]


# --- Throttling ----------------------------------------------------------------------------------


@pytest.fixture
def rates(monkeypatch):
    """Small API rates for one test (DRF reads them once, into the throttle class)."""
    from rest_framework.throttling import SimpleRateThrottle

    def set_rates(**values: str) -> None:
        monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, **values})

    return set_rates


@pytest.mark.django_db
def test_anonymous_api_requests_are_throttled(api, rates):
    rates(anon="2/minute")

    statuses = [api.get("/api/schema/").status_code for _ in range(3)]

    assert statuses == [200, 200, 429]


def test_signed_in_api_requests_are_throttled_per_user(api, viewer, organizer, rates):
    rates(user="2/minute")
    api.as_user(viewer)
    statuses = [api.get("/api/events/").status_code for _ in range(3)]

    other = api.as_user(organizer).get("/api/events/")

    assert statuses == [200, 200, 429]
    assert other.status_code == 200


def test_token_endpoint_has_its_own_tighter_rate(api, viewer, rates):
    rates(token="2/minute")

    statuses = [api.post(TOKEN, {"username": viewer.username, "password": PASSWORD}).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]


# --- Passwords -----------------------------------------------------------------------------------


@pytest.mark.parametrize("password", ["short1", "password123", "12345678901", "vera_viewer_1"])
def test_weak_passwords_are_refused(password, viewer):
    with pytest.raises(ValidationError):
        validate_password(password, user=viewer)


def test_a_long_uncommon_password_is_accepted(viewer):
    validate_password("lantern-orbit-quince-47", user=viewer)


# --- HTTPS, HSTS, CSP ----------------------------------------------------------------------------


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    # A production environment has none of the test run's overrides; DJANGO_ALLOW_ASYNC_UNSAFE is
    # set in this process while the browser tests' Playwright loop lives (browser/fixtures.py), so
    # on the worker that ran them it would leak into the check and fail it (async.E001).
    overrides = ("SECURE_", "SESSION_", "CSRF_", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if not k.startswith(overrides)} | {
        "DJANGO_SETTINGS_MODULE": "geventator.settings",
        "DEBUG": "0",
        "SECRET_KEY": "k8#Qz1v!pL0m@Xr7e$Tn3w&Ua9s*Yb2c^Hd6f(Jg4h)Ki5jOl-Zp_Rq+St=Vu",
        "ALLOWED_HOSTS": "events.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "STATIC_ROOT": str(tmp_path / "static"),
    }

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_plain_http_is_redirected_to_https_but_healthz_answers_probes(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 3600

    page = client.get("/admin/login/")
    probe = client.get("/healthz")
    secure = client.get("/admin/login/", secure=True)

    assert page.status_code == 301
    assert page["Location"] == "https://testserver/admin/login/"
    assert probe.status_code == 200
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"].startswith("max-age=3600")


def scripts_of(html: str) -> list[str | None]:
    """The src of each <script> of a page (None for an inline script)."""
    matches = [re.search(r'src="([^"]+)"', tag) for tag in re.findall(r"<script[^>]*>", html)]
    return [match.group(1) if match else None for match in matches]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/docs/", "/admin/login/"])
def test_pages_send_a_csp_that_allows_their_own_scripts_only(client, path):
    response = client.get(path)

    policy = response["Content-Security-Policy"]
    scripts = scripts_of(response.content.decode())
    assert response.status_code == 200
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert scripts, "the page loads scripts"
    assert None not in scripts, "an inline script would be blocked by the policy"
    assert all(src.startswith("/") and not src.startswith("//") for src in scripts), scripts


@pytest.mark.django_db
def test_swagger_ui_start_up_script_is_served_from_our_origin(client):
    page = client.get("/api/docs/").content.decode()
    start_up = next(src for src in scripts_of(page) if "script" in src.split("?")[-1])

    response = client.get(start_up.replace("&amp;", "&"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in response.content


def test_cookies_are_secure_and_https_is_on_without_debug():
    code = (
        "from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0)"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SECURE_", "SESSION_", "CSRF_"))}
    runs = {}
    for debug in ("0", "1"):
        runs[debug] = subprocess.run(  # noqa: S603 (our own interpreter and code)
            [sys.executable, "-c", f"import django; django.setup(); {code}"],
            cwd=ROOT, capture_output=True, text=True, check=True, timeout=60,
            env=env | {"DEBUG": debug, "SECRET_KEY": "x" * 50, "DJANGO_SETTINGS_MODULE": "geventator.settings"},
        ).stdout.split()  # fmt: skip

    assert runs["0"] == ["True", "True", "True", "True"]
    assert runs["1"] == ["False", "False", "False", "False"]  # plain-HTTP development run


# --- Security log ---------------------------------------------------------------------------------


def test_admin_sign_in_and_failed_sign_in_are_logged(client, viewer, caplog):
    caplog.set_level(logging.INFO, logger="geventator.security")

    client.post(LOGIN, {"username": viewer.username, "password": "wrong"})
    client.post(LOGIN, {"username": viewer.username, "password": PASSWORD})

    failed, ok = security_records(caplog, "login_failed"), security_records(caplog, "login")
    assert [(r.username, r.channel, r.levelname) for r in failed] == [(viewer.username, "admin", "WARNING")]
    assert [(r.username, r.channel) for r in ok] == [(viewer.username, "admin")]
    assert "wrong" not in caplog.text


def test_api_token_sign_in_failure_and_lockout_are_logged(api, viewer, caplog, settings):
    settings.AXES_FAILURE_LIMIT = 2
    caplog.set_level(logging.INFO, logger="geventator.security")

    api.post(TOKEN, {"username": viewer.username, "password": PASSWORD})
    for _ in range(2):
        api.post(TOKEN, {"username": viewer.username, "password": "wrong"})

    assert [(r.username, r.channel) for r in security_records(caplog, "login")] == [(viewer.username, "api")]
    assert [r.channel for r in security_records(caplog, "login_failed")] == ["api", "api"]
    assert [r.username for r in security_records(caplog, "lockout")] == [viewer.username]


def test_membership_changes_are_logged_with_who_which_event_and_role(api, owner, event_a, caplog):
    from organizers.factories import OrganizerFactory

    newcomer = OrganizerFactory(username="nina_new")
    caplog.set_level(logging.INFO, logger="geventator.security")
    api.as_user(owner)

    created = api.post("/api/memberships/", {"event": str(event_a.pk), "organizer": str(newcomer.pk), "role": "viewer"})
    url = f"/api/memberships/{created.json()['id']}/"
    api.patch(url, {"role": "treasurer"})
    api.delete(url)

    records = {
        r.security_event: r for r in caplog.records if getattr(r, "security_event", "").startswith("membership_")
    }
    assert created.status_code == 201
    assert {event: (r.by, r.event_id, r.member_id, r.role) for event, r in records.items()} == {
        "membership_created": (owner.username, str(event_a.pk), str(newcomer.pk), "viewer"),
        "membership_changed": (owner.username, str(event_a.pk), str(newcomer.pk), "treasurer"),
        "membership_deleted": (owner.username, str(event_a.pk), str(newcomer.pk), "treasurer"),
    }
    assert records["membership_changed"].old_role == "viewer"


def test_group_and_permission_changes_of_a_user_are_logged(client, superuser, viewer, caplog):
    from django.contrib.auth.models import Group, Permission

    group = Group.objects.create(name="auditors")
    permission = Permission.objects.get(codename="view_event")
    caplog.set_level(logging.INFO, logger="geventator.security")

    viewer.groups.add(group)
    viewer.user_permissions.add(permission)
    viewer.groups.remove(group)

    events = [(r.security_event, r.action, r.items) for r in caplog.records if r.name == "geventator.security"]
    assert events == [
        ("user_groups_changed", "post_add", [str(group.pk)]),
        ("user_permissions_changed", "post_add", [str(permission.pk)]),
        ("user_groups_changed", "post_remove", [str(group.pk)]),
    ]
