"""A personal calendar feed's token (the key to someone's calendar) never reaches a log line whole."""

import io
import json
import logging
import runpy
from pathlib import Path

from django.utils.module_loading import import_string
from gunicorn.glogging import SafeAtoms

from geventator.logs import logging_config, mask_feed_tokens

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "Zq3xLmN8pR2sT5vW7yA9bC1dE4fG6hJ0"


def test_mask_keeps_four_characters_of_the_token_and_nothing_else_changes():
    assert mask_feed_tokens(f"GET /calendar/organizers/{TOKEN}.ics?x=1 HTTP/1.1") == (
        "GET /calendar/organizers/Zq3x….ics?x=1 HTTP/1.1"
    )
    assert mask_feed_tokens("/calendar/events/festival-a.ics") == "/calendar/events/festival-a.ics"
    assert mask_feed_tokens("/api/events/?page=2") == "/api/events/?page=2"


def _configured_handler() -> tuple[logging.Handler, io.StringIO]:
    """The console handler of the project's logging configuration, writing to a string."""
    config = logging_config({"LOG_LEVEL": "info"})
    stream = io.StringIO()
    handler_config = config["handlers"]["console"]
    handler = logging.StreamHandler(stream)
    formatter_factory = config["formatters"]["json"]["()"]
    handler.setFormatter(import_string(formatter_factory)())
    for filter_name in handler_config["filters"]:
        handler.addFilter(import_string(config["filters"][filter_name]["()"])())
    return handler, stream


def test_gunicorn_access_line_of_a_personal_feed_lacks_the_token():
    access_log_format = runpy.run_path(str(ROOT / "gunicorn.conf.py"))["access_log_format"]
    path = f"/calendar/organizers/{TOKEN}.ics"
    atoms = SafeAtoms(
        {
            "h": "203.0.113.7",
            "r": f"GET {path} HTTP/1.1",
            "m": "GET",
            "U": path,
            "q": "",
            "s": "200",
            "B": 512,
            "M": 12,
            "f": f"https://geventator.example{path}",
        }
    )
    handler, stream = _configured_handler()

    handler.handle(logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, access_log_format, (atoms,), None))

    line = stream.getvalue()
    assert TOKEN not in line
    assert TOKEN[:5] not in line
    data = json.loads(line)
    assert data["path"] == "/calendar/organizers/Zq3x….ics"
    assert data["message"] == '203.0.113.7 "GET /calendar/organizers/Zq3x….ics HTTP/1.1" 200 512 12ms'


def test_django_not_found_warning_lacks_the_token():
    handler, stream = _configured_handler()
    path = f"/calendar/organizers/{TOKEN}.ics"

    handler.handle(logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Not Found: %s", (path,), None))

    assert TOKEN not in stream.getvalue()
    assert json.loads(stream.getvalue())["message"] == "Not Found: /calendar/organizers/Zq3x….ics"
