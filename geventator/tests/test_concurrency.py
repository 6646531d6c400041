"""Concurrent API writers on gunicorn workers: no 5xx, no lost or doubled write, exact balances.

The workload is devtools/load_test.py's (creates of sales and submitted expenses, activities and
categories; approvals and payments raced for by several clients; transfers confirmed on both sides;
edits of the same shared draft expenses; membership role changes). The suite runs it small
(LOAD_WRITES writes a client, default 40 on SQLite, 10 on MongoDB); `python devtools/load_test.py
[--mongodb]` runs the full 8 x 500 and prints the figures. The served app gets its own temporary
SQLite file or SecantusDB server (the suite's connection is not involved); each pass runs the
variant of its own store.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from django.conf import settings

from devtools.load_test import load_mongodb, load_sqlite, report

pytestmark = pytest.mark.load

CLIENTS = 8
SQLITE_WRITES = int(os.environ.get("LOAD_WRITES", "40"))
MONGODB_WRITES = int(os.environ.get("LOAD_WRITES", "10"))


def assert_nothing_lost(figures: dict) -> None:
    assert figures["5xx"] == 0, figures["first_failures"]
    assert figures["database_is_locked"] == 0
    assert figures["failures"] == 0, figures["first_failures"]
    assert figures["writes_lost"] == 0
    assert figures["writes_doubled"] == 0
    assert figures["approvals"] > 0 and figures["payments"] > 0 and figures["transfers"] > 0
    assert figures["approvals_twice"] == 0
    assert figures["payments_twice"] == 0
    assert figures["problems"] == []


def concurrent_writers_on_sqlite_lose_nothing(report_figure):
    workdir = Path(tempfile.mkdtemp(prefix="geventator-load-"))
    try:
        figures = load_sqlite(workdir, CLIENTS, SQLITE_WRITES, workers=4)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    report_figure(report("SQLite", CLIENTS, SQLITE_WRITES, figures))
    assert figures["operations"] == CLIENTS * SQLITE_WRITES
    assert_nothing_lost(figures)


def concurrent_writers_on_mongodb_lose_nothing(report_figure):
    figures = load_mongodb(CLIENTS, MONGODB_WRITES, workers=3)

    report_figure(report("MongoDB", CLIENTS, MONGODB_WRITES, figures))
    assert figures["operations"] == CLIENTS * MONGODB_WRITES
    assert_nothing_lost(figures)


def test_concurrent_writers_lose_nothing(report_figure):
    if settings.USES_MONGODB:
        concurrent_writers_on_mongodb_lose_nothing(report_figure)
    else:
        concurrent_writers_on_sqlite_lose_nothing(report_figure)
