"""Structured logs: the JSON formatter, gunicorn's access fields and the remote syslog handler."""

import json
import logging
import re
import runpy
import socket
import ssl
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.utils.module_loading import import_string
from gunicorn.glogging import SafeAtoms

from geventator.logs import JsonFormatter, logging_config, syslog_handler_config

ROOT = Path(__file__).resolve().parents[2]


def _record(name: str = "finance.services", level: int = logging.WARNING, msg: str = "Totals for %s", args=("A",)):
    return logging.LogRecord(name, level, __file__, 1, msg, args, None)


def _build_handler(env: dict[str, str]) -> logging.Handler:
    """What dictConfig does with the handler entry, without reconfiguring the test's logging."""
    config = syslog_handler_config(env)
    factory = import_string(config.pop("()"))
    config.pop("formatter")
    handler = factory(**config)
    handler.setFormatter(JsonFormatter())
    return handler


def test_formatter_writes_one_json_object_with_time_level_logger_and_message():
    record = _record()
    record.event_id = "e-1"  # as logger.warning(..., extra={"event_id": ...}) sets it

    line = JsonFormatter().format(record)

    data = json.loads(line)
    assert "\n" not in line
    assert data["level"] == "WARNING"
    assert data["logger"] == "finance.services"
    assert data["message"] == "Totals for A"
    assert data["event_id"] == "e-1"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+\+00:00", data["time"])


def test_formatter_keeps_the_traceback_inside_the_json_object():
    try:
        raise ValueError("bad amount")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), exc_info=sys.exc_info())

    data = json.loads(JsonFormatter().format(record))

    assert "ValueError: bad amount" in data["exc_info"]


def test_gunicorn_access_lines_carry_request_fields():
    access_log_format = runpy.run_path(str(ROOT / "gunicorn.conf.py"))["access_log_format"]
    atoms = SafeAtoms(
        {
            "h": "203.0.113.7",
            "r": "GET /api/events/?page=2 HTTP/1.1",
            "m": "GET",
            "U": "/api/events/",
            "q": "page=2",
            "H": "HTTP/1.1",
            "s": "200",
            "B": 512,
            "M": 12,
            "a": 'curl/8 "quoted"',
            "f": "-",
        }
    )
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, access_log_format, (atoms,), None)

    data = json.loads(JsonFormatter().format(record))

    assert data["message"] == '203.0.113.7 "GET /api/events/?page=2 HTTP/1.1" 200 512 12ms'
    assert {k: data[k] for k in ("method", "path", "query", "status", "bytes", "duration_ms")} == {
        "method": "GET",
        "path": "/api/events/",
        "query": "page=2",
        "status": 200,
        "bytes": 512,
        "duration_ms": 12,
    }
    assert data["remote_addr"] == "203.0.113.7"
    assert data["user_agent"] == 'curl/8 "quoted"'
    assert "referer" not in data


def test_logging_config_sends_everything_to_stdout_as_json_without_syslog():
    config = logging_config({"LOG_LEVEL": "warning"})

    assert config["handlers"] == {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json",
            "filters": ["feed_tokens"],
        }
    }
    assert config["root"] == {"handlers": ["console"], "level": "WARNING"}
    assert config["loggers"]["gunicorn.access"]["handlers"] == ["console"]
    assert config["loggers"]["gunicorn.access"]["propagate"] is False


def test_logging_config_adds_the_syslog_handler_to_every_logger():
    config = logging_config({"SYSLOG_ADDRESS": "logs.example.net:6514", "SYSLOG_TLS": "1"})

    assert config["handlers"]["syslog"]["()"] == "geventator.logs.SyslogTcpHandler"
    assert config["root"]["handlers"] == ["console", "syslog"]
    assert config["loggers"]["gunicorn.error"]["handlers"] == ["console", "syslog"]
    assert config["loggers"]["gunicorn.access"]["handlers"] == ["console", "syslog"]


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, None),
        (
            {"SYSLOG_ADDRESS": "logs.example.net:514"},
            {"()": "geventator.logs.SyslogTcpHandler", "host": "logs.example.net", "port": 514, "tls": False},
        ),
        (
            {"SYSLOG_ADDRESS": "logs.example.net:6514", "SYSLOG_TLS": "true", "SYSLOG_TLS_CA": "/etc/ca.pem"},
            {"()": "geventator.logs.SyslogTcpHandler", "port": 6514, "tls": True, "ca_file": "/etc/ca.pem"},
        ),
        (
            {"SYSLOG_ADDRESS": "[::1]:514", "SYSLOG_PROTOCOL": "UDP", "SYSLOG_FACILITY": "local0"},
            {"()": "geventator.logs.SyslogUdpHandler", "host": "::1", "port": 514, "facility": 16},
        ),
        (
            # Empty variables (as compose passes them through) mean the defaults.
            {"SYSLOG_ADDRESS": "h:1", "SYSLOG_PROTOCOL": "", "SYSLOG_FACILITY": "", "SYSLOG_TLS": ""},
            {"()": "geventator.logs.SyslogTcpHandler", "facility": 1, "app_name": "geventator", "tls": False},
        ),
        (
            {"SYSLOG_ADDRESS": "h:1", "SYSLOG_STRUCTURED_DATA": '[token@41058 key="abc"]', "SYSLOG_APP_NAME": "ge v"},
            {"structured_data": '[token@41058 key="abc"]', "app_name": "ge_v", "facility": 1},
        ),
    ],
)
def test_syslog_handler_config_comes_from_the_environment(env, expected):
    config = syslog_handler_config(env)

    if expected is None:
        assert config is None
    else:
        assert {key: config[key] for key in expected} == expected


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SYSLOG_ADDRESS": "logs.example.net"}, "host:port"),
        ({"SYSLOG_ADDRESS": "logs.example.net:x"}, "host:port"),
        ({"SYSLOG_ADDRESS": "h:514", "SYSLOG_PROTOCOL": "udp", "SYSLOG_TLS": "1"}, "SYSLOG_TLS needs"),
        ({"SYSLOG_ADDRESS": "h:514", "SYSLOG_PROTOCOL": "relp"}, "SYSLOG_PROTOCOL"),
        ({"SYSLOG_ADDRESS": "h:514", "SYSLOG_FACILITY": "nowhere"}, "SYSLOG_FACILITY"),
    ],
)
def test_syslog_misconfiguration_is_refused_at_start(env, message):
    with pytest.raises(ValueError, match=message):
        syslog_handler_config(env)


def test_syslog_message_follows_rfc_5424():
    handler = _build_handler({"SYSLOG_ADDRESS": "127.0.0.1:9", "SYSLOG_STRUCTURED_DATA": '[t@41058 k="v"]'})

    message = handler.rfc5424(_record(level=logging.INFO)).decode()

    header, payload = message.split(" {", 1)
    pri_version, timestamp, hostname, app, procid, msgid, sd = header.split(" ", 6)
    assert pri_version == "<14>1"  # facility user (1) * 8 + severity informational (6)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", timestamp)
    assert hostname == socket.gethostname()
    assert (app, msgid, sd) == ("geventator", "finance.services", '[t@41058 k="v"]')
    assert procid.isdigit()
    assert json.loads("{" + payload)["message"] == "Totals for A"


def _newline_framed(data: bytes) -> bool:
    return data.endswith(b"\n")


def _octet_counted(data: bytes) -> bool:
    length, sep, message = data.partition(b" ")
    return bool(sep) and length.isdigit() and len(message) >= int(length)


def _serve_once(server: socket.socket, complete, wrap=None) -> tuple[threading.Thread, dict]:
    """Accepts one connection in a thread and keeps what it receives until ``complete(data)``."""
    received: dict[str, bytes] = {}

    def receive() -> None:
        conn, _ = server.accept()
        conn.settimeout(10)
        if wrap is not None:
            conn = wrap(conn)
        with conn:
            data = b""
            while not complete(data):
                chunk = conn.recv(65536)
                if not chunk:
                    break
                data += chunk
            received["data"] = data

    thread = threading.Thread(target=receive, daemon=True)
    thread.start()
    return thread, received


def test_syslog_over_plain_tcp_delivers_one_newline_framed_line():
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        thread, received = _serve_once(server, _newline_framed)
        handler = _build_handler({"SYSLOG_ADDRESS": f"127.0.0.1:{port}"})

        handler.handle(_record(level=logging.ERROR, msg="Ledger write failed", args=()))
        thread.join(timeout=10)
        handler.close()

    line = received["data"]
    assert line.startswith(b"<11>1 ")  # user (1) * 8 + error (3)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert json.loads(line[line.index(b"{") :])["message"] == "Ledger write failed"


def test_syslog_over_udp_sends_one_datagram():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as server:
        server.bind(("127.0.0.1", 0))
        server.settimeout(10)
        handler = _build_handler({"SYSLOG_ADDRESS": f"127.0.0.1:{server.getsockname()[1]}", "SYSLOG_PROTOCOL": "udp"})

        handler.handle(_record(level=logging.DEBUG, msg="tick", args=()))
        datagram = server.recv(65536)
        handler.close()

    assert datagram.startswith(b"<15>1 ")
    assert json.loads(datagram[datagram.index(b"{") :])["message"] == "tick"


def test_syslog_over_tls_verifies_the_server_and_uses_octet_counting(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(  # noqa: S603
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost"]
        + ["-addext", "subjectAltName=DNS:localhost", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        thread, received = _serve_once(
            server, _octet_counted, wrap=lambda conn: server_context.wrap_socket(conn, server_side=True)
        )
        handler = _build_handler({"SYSLOG_ADDRESS": f"localhost:{port}", "SYSLOG_TLS": "1", "SYSLOG_TLS_CA": str(cert)})

        handler.handle(_record(level=logging.INFO, msg="over TLS", args=()))
        thread.join(timeout=10)
        handler.close()

    frame = received["data"]
    length, message = frame.split(b" ", 1)
    assert int(length) == len(message)
    assert json.loads(message[message.index(b"{") :])["message"] == "over TLS"
