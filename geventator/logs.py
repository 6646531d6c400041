"""Structured logging: JSON lines on stdout, optionally copied to a remote syslog service.

One logging configuration (``logging_config``) serves Django (settings.LOGGING) and gunicorn
(gunicorn.conf.py's ``logconfig_dict``), so application, error and access logs look alike.
This module imports nothing from Django: gunicorn's master loads it before Django is set up.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import re
import socket
import ssl
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pythonjsonlogger.json import JsonFormatter as _BaseJsonFormatter

# gunicorn's access atoms (glogging.Logger.atoms) worth a field of their own.
_ACCESS_FIELDS = {
    "h": "remote_addr",
    "m": "method",
    "U": "path",
    "q": "query",
    "H": "protocol",
    "s": "status",
    "B": "bytes",
    "M": "duration_ms",
    "a": "user_agent",
    "f": "referer",
    "{x-request-id}i": "request_id",
}

# The personal calendar feed's secret is its URL (calendar/organizers/<token>.ics): a log line
# keeps enough of the token to tell feeds apart, not enough to read someone's calendar.
_FEED_TOKEN = re.compile(r"(/calendar/organizers/)([A-Za-z0-9_-]{1,4})[A-Za-z0-9_-]*")
_TOKEN_KEPT = 4

# RFC 5424 severities, by Python level (the nearest one at or below).
_SEVERITIES = ((logging.CRITICAL, 2), (logging.ERROR, 3), (logging.WARNING, 4), (logging.INFO, 6))
_DEBUG_SEVERITY = 7


class JsonFormatter(_BaseJsonFormatter):
    """One JSON object a line: time, level, logger, message (+ extra fields and exc_info).

    gunicorn logs each request with its atoms as the record's args; their useful ones become
    fields (method, path, status, duration_ms, ...) rather than text inside the message.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("fmt", "{levelname}{name}{message}")
        kwargs.setdefault("style", "{")
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        kwargs.setdefault("timestamp", "time")
        super().__init__(**kwargs)

    def add_fields(self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]) -> None:
        super().add_fields(log_data, record, message_dict)
        if record.name == "gunicorn.access" and isinstance(record.args, Mapping):
            for atom, field in _ACCESS_FIELDS.items():
                value = record.args.get(atom)
                if value in (None, "-", ""):
                    continue
                if isinstance(value, str):
                    # gunicorn's SafeAtoms escapes quotes for its text format; JSON escapes its own.
                    value = value.replace('\\"', '"')
                    if field == "status" and value.isdigit():
                        value = int(value)
                log_data[field] = value


def mask_feed_tokens(text: str) -> str:
    """The text with every calendar feed token cut to its first four characters and "…"."""
    return _FEED_TOKEN.sub(lambda match: f"{match[1]}{match[2]}…", text)


class FeedTokenFilter(logging.Filter):
    """Masks feed tokens in every record a handler writes: gunicorn's access lines (the request
    line, path and referer atoms) as well as Django's "Not Found: <path>" warnings."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = mask_feed_tokens(record.msg)
        if isinstance(record.args, dict):
            # In place: gunicorn's SafeAtoms answers "-" for atoms it lacks; a plain dict would not.
            for key, value in record.args.items():
                if isinstance(value, str):
                    record.args[key] = mask_feed_tokens(value)
        elif isinstance(record.args, tuple):
            record.args = tuple(mask_feed_tokens(arg) if isinstance(arg, str) else arg for arg in record.args)
        return True


class _Rfc5424Mixin:
    """Turns a record into an RFC 5424 syslog message (the formatter's JSON as MSG)."""

    facility: int
    app_name: str
    structured_data: str
    framing: str  # "octet-counting" (RFC 5425, TLS), "newline" (RFC 6587, plain TCP) or "datagram"
    hostname = socket.gethostname()[:255] or "-"

    def makePickle(self, record: logging.LogRecord) -> bytes:  # noqa: N802 (SocketHandler's name)
        return self.frame(self.rfc5424(record))

    def rfc5424(self, record: logging.LogRecord) -> bytes:
        severity = next((sev for level, sev in _SEVERITIES if record.levelno >= level), _DEBUG_SEVERITY)
        timestamp = datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="microseconds")
        header = " ".join(
            [
                f"<{self.facility * 8 + severity}>1",
                timestamp.replace("+00:00", "Z"),
                self.hostname,
                self.app_name,
                str(record.process or "-"),
                _printable(record.name, 32),
                self.structured_data,
            ]
        )
        # A JSON line has no raw newline, so newline framing stays unambiguous.
        return f"{header} {self.format(record)}".encode()  # type: ignore[attr-defined]  # logging.Handler

    def frame(self, message: bytes) -> bytes:
        if self.framing == "octet-counting":
            return str(len(message)).encode() + b" " + message
        if self.framing == "newline":
            return message + b"\n"
        return message


def _printable(value: str, limit: int) -> str:
    """RFC 5424 header fields are printable US-ASCII without spaces."""
    cleaned = "".join(ch if 33 <= ord(ch) <= 126 else "_" for ch in value)[:limit]
    return cleaned or "-"


class SyslogTcpHandler(_Rfc5424Mixin, logging.handlers.SocketHandler):
    """RFC 5424 over TCP, optionally TLS (RFC 5425), what hosted log services accept.

    SocketHandler reconnects on its own, with back-off, after the service drops the connection.
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        tls: bool,
        ca_file: str | None,
        facility: int,
        app_name: str,
        structured_data: str,
    ) -> None:
        super().__init__(host, port)
        self.ssl_context = ssl.create_default_context(cafile=ca_file) if tls else None
        self.framing = "octet-counting" if tls else "newline"
        self.facility, self.app_name, self.structured_data = facility, app_name, structured_data

    def makeSocket(self, timeout: float = 1) -> socket.socket:  # noqa: N802 (SocketHandler's name)
        sock = super().makeSocket(timeout)
        if self.ssl_context is None:
            return sock
        try:
            return self.ssl_context.wrap_socket(sock, server_hostname=self.host)
        except (OSError, ssl.SSLError):
            sock.close()
            raise


class SyslogUdpHandler(_Rfc5424Mixin, logging.handlers.DatagramHandler):
    """RFC 5424 over UDP (RFC 5426): one message a datagram."""

    framing = "datagram"

    def __init__(self, host: str, port: int, *, facility: int, app_name: str, structured_data: str) -> None:
        super().__init__(host, port)
        self.facility, self.app_name, self.structured_data = facility, app_name, structured_data


def _env_bool(env: Mapping[str, str], name: str) -> bool:
    return env.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def parse_address(address: str) -> tuple[str, int]:
    """``host:port`` or ``[ipv6]:port``."""
    host, sep, port = address.strip().rpartition(":")
    if not sep or not host or not port.isdigit():
        raise ValueError(f"SYSLOG_ADDRESS must be host:port, not {address!r}.")
    return host.strip("[]"), int(port)


def syslog_handler_config(env: Mapping[str, str]) -> dict[str, Any] | None:
    """The dictConfig entry of the remote syslog handler the environment asks for, if any.

    An empty variable counts as unset (compose passes ``${SYSLOG_PROTOCOL:-}`` through as "").
    """
    address = env.get("SYSLOG_ADDRESS", "").strip()
    if not address:
        return None
    host, port = parse_address(address)
    facility_name = env.get("SYSLOG_FACILITY", "").strip().lower() or "user"
    if facility_name not in logging.handlers.SysLogHandler.facility_names:
        raise ValueError(f"Unknown SYSLOG_FACILITY {facility_name!r}.")
    common = {
        "host": host,
        "port": port,
        "facility": logging.handlers.SysLogHandler.facility_names[facility_name],
        "app_name": _printable(env.get("SYSLOG_APP_NAME", "").strip() or "geventator", 48),
        "structured_data": env.get("SYSLOG_STRUCTURED_DATA", "").strip() or "-",
        "formatter": "json",
    }
    tls = _env_bool(env, "SYSLOG_TLS")
    protocol = env.get("SYSLOG_PROTOCOL", "").strip().lower() or "tcp"
    if protocol not in {"tcp", "udp"}:
        raise ValueError(f"SYSLOG_PROTOCOL must be tcp or udp, not {protocol!r}.")
    if protocol == "udp":
        if tls:
            raise ValueError("SYSLOG_TLS needs SYSLOG_PROTOCOL=tcp.")
        return {"()": "geventator.logs.SyslogUdpHandler", **common}
    return {
        "()": "geventator.logs.SyslogTcpHandler",
        "tls": tls,
        "ca_file": env.get("SYSLOG_TLS_CA", "").strip() or None,
        **common,
    }


def logging_config(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """dictConfig for Django and gunicorn: JSON on stdout, plus remote syslog when configured."""
    env = os.environ if env is None else env
    level = env.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
    handlers: dict[str, Any] = {
        "console": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "json"},
    }
    syslog = syslog_handler_config(env)
    if syslog is not None:
        handlers["syslog"] = syslog
    for handler in handlers.values():
        handler["filters"] = ["feed_tokens"]
    names = list(handlers)
    # gunicorn's loggers get the same handlers and do not propagate: one copy of each line.
    gunicorn_logger = {"handlers": names, "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "geventator.logs.JsonFormatter"}},
        "filters": {"feed_tokens": {"()": "geventator.logs.FeedTokenFilter"}},
        "handlers": handlers,
        "root": {"handlers": names, "level": level},
        "loggers": {
            "gunicorn.error": {**gunicorn_logger, "level": level},
            "gunicorn.access": {**gunicorn_logger, "level": "INFO"},
        },
    }
