"""gunicorn settings for every deployment path (Docker, compose, systemd): `gunicorn -c gunicorn.conf.py`.

Each value can be changed through the environment; see README, "Configuration".
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
# The app and geventator.logs import from here, whatever directory gunicorn starts in.
sys.path.insert(0, str(ROOT))

from geventator.logs import logging_config  # noqa: E402


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


wsgi_app = "geventator.wsgi:application"
chdir = str(ROOT)
bind = [address.strip() for address in os.environ.get("GUNICORN_BIND", "0.0.0.0:8000").split(",") if address.strip()]

# Sync workers: the usual 2 x cores + 1; WEB_CONCURRENCY (the common PaaS name) overrides it.
workers = _int("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1)
# A worker silent for this long is killed and replaced (stuck request, hung store).
timeout = _int("GUNICORN_TIMEOUT", 30)
# On restart or SIGTERM, requests in flight get this long to finish.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Seconds an idle keep-alive connection stays open; a little above a typical proxy's reuse window.
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycling workers now and then bounds any slow memory growth; the jitter avoids all at once.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = max_requests // 10
# Heartbeat files in memory rather than on a possibly slow (container overlay) disk.
if Path("/dev/shm").is_dir():  # noqa: S108 (a tmpfs, not a shared temp file)
    worker_tmp_dir = "/dev/shm"  # noqa: S108

# JSON logs on stdout (and remote syslog when configured), the same configuration as Django's.
# Access lines: this short message plus fields (method, path, status, duration_ms, ...) that
# geventator.logs.JsonFormatter takes from gunicorn's atoms.
loglevel = os.environ.get("LOG_LEVEL", "INFO").lower()
logconfig_dict = logging_config(os.environ)
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms'
