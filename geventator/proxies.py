"""The client's address, read the same way by the login lockout (django-axes), the API throttles
(DRF's NUM_PROXIES) and the security log.

TRUSTED_PROXY_COUNT says how many reverse proxies stand in front of the app. Each of them appends
the address it was called from to X-Forwarded-For, so the client is the entry that many places from
the right; everything left of it was written by the client and proves nothing. With 0 the header
is ignored and the peer of the connection (REMOTE_ADDR) is the client.
"""

from __future__ import annotations

import ipaddress
import os
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def trusted_proxy_count(environ: os._Environ[str] | dict[str, str]) -> int:
    if "AXES_PROXY_COUNT" in environ:
        # Never read (django-ipware is not installed): refuse it rather than let an operator
        # believe the lockout sees client addresses.
        raise ImproperlyConfigured("AXES_PROXY_COUNT is no longer read: set TRUSTED_PROXY_COUNT instead.")
    raw = environ.get("TRUSTED_PROXY_COUNT", "").strip() or "0"
    try:
        count = int(raw)
    except ValueError:
        count = -1
    if count < 0:
        raise ImproperlyConfigured(f"TRUSTED_PROXY_COUNT must be a whole number ≥ 0, not {raw!r}.")
    return count


def client_address(request: Any) -> str | None:
    """DRF's throttling rule (rest_framework.throttling.BaseThrottle.get_ident), with a forwarded
    entry that is no address (a misconfigured proxy) falling back to the peer: axes stores it in an
    IP address field."""
    if request is None:
        return None
    peer = request.META.get("REMOTE_ADDR")
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if not count or not forwarded:
        return peer
    entries = forwarded.split(",")
    candidate = entries[-min(count, len(entries))].strip()
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return peer
