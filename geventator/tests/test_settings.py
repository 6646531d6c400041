"""Settings come from the environment; checked in a fresh interpreter per case."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _django(code: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DEBUG", "DATABASE_URL", "MONGODB_WRITE_CONCERN", "TRUST_X_FORWARDED_PROTO"}
    }
    environment.update(env, DJANGO_SETTINGS_MODULE="geventator.settings")
    script = f"import django; django.setup(); {code}"
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )


def test_refuses_to_start_without_secret_key_when_debug_is_off():
    result = _django("", DEBUG="0")

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off." in result.stderr


def test_starts_with_a_secret_key():
    result = _django("from django.conf import settings; print(settings.DEBUG)", DEBUG="0", SECRET_KEY="s3cret")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_embedded_sqlite_uses_wal_busy_timeout_and_immediate_transactions(tmp_path):
    code = (
        "from django.db import connection; c = connection.cursor();"
        "print(c.execute('PRAGMA journal_mode').fetchone()[0], c.execute('PRAGMA busy_timeout').fetchone()[0],"
        " connection.transaction_mode)"
    )
    result = _django(code, DEBUG="1", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["wal", "20000", "IMMEDIATE"]


def test_mongodb_url_selects_the_mongodb_backend_with_majority_writes():
    code = (
        "from django.conf import settings; d = settings.DATABASES['default'];"
        "print(d['ENGINE'], d['NAME'], d['OPTIONS']['w'], settings.MIGRATION_MODULES['auth'])"
    )
    url = "mongodb+srv://app:pw@cluster0.example.net/festival?retryWrites=true"
    result = _django(code, DEBUG="1", DATABASE_URL=url)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django_mongodb_backend",
        "festival",
        "majority",
        "geventator.mongo_migrations.auth",
    ]


def test_proxy_https_header_is_trusted_only_when_told():
    code = "from django.conf import settings; print(getattr(settings, 'SECURE_PROXY_SSL_HEADER', None))"

    assert _django(code, DEBUG="1").stdout.strip() == "None"
    trusted = _django(code, DEBUG="1", TRUST_X_FORWARDED_PROTO="1")
    assert trusted.stdout.strip() == "('HTTP_X_FORWARDED_PROTO', 'https')"


def test_email_is_sent_by_smtp_from_the_environment_in_production():
    code = (
        "from django.conf import settings as s;"
        "print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, s.EMAIL_HOST_PASSWORD,"
        " s.EMAIL_USE_TLS, s.DEFAULT_FROM_EMAIL)"
    )
    result = _django(
        code,
        DEBUG="0",
        SECRET_KEY="s3cret",
        EMAIL_HOST="smtp.example.org",
        EMAIL_PORT="587",
        EMAIL_HOST_USER="mailer",
        EMAIL_HOST_PASSWORD="pw",
        EMAIL_USE_TLS="1",
        DEFAULT_FROM_EMAIL="events@example.org",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.core.mail.backends.smtp.EmailBackend",
        "smtp.example.org",
        "587",
        "mailer",
        "pw",
        "True",
        "events@example.org",
    ]


def test_email_goes_to_the_console_with_debug_on():
    result = _django("from django.conf import settings; print(settings.EMAIL_BACKEND)", DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.core.mail.backends.console.EmailBackend"
