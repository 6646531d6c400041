"""`make bench` runs end to end and writes every figure (#13), so the benchmark cannot rot.

A tiny size (200 entries), one second of load. On its own SQLite file, not the suite's store: the
benchmark serves the seeded data from a separate gunicorn process, which cannot see a test
database's uncommitted transaction (nor, on MongoDB, the per-worker SecantusDB the suite made).
No figure is compared with a time: only that each is there and is a positive number.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.run import COLUMNS

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.bench


def test_bench_runs_end_to_end_and_writes_every_figure(tmp_path):
    output = tmp_path / "bench.json"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    tiny = ["--sizes", "200", "--activities", "20", "--organizers", "5", "--small-events", "2"]
    done = subprocess.run(  # noqa: S603 (our script, our arguments)
        [sys.executable, "bench/run.py", *tiny, "--seconds", "1", "--repeat", "1", f"--output={output}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(output.read_text())
    (result,) = report["results"]
    assert result["transactions"] == 200
    assert result["summary"]["figures_match"] is True
    for name, cell in COLUMNS:
        assert isinstance(cell(result), int | float) and cell(result) > 0, name
    assert result["api_list"]["requests"] > 0 and result["bare_view"]["requests"] > 0
    assert "list req/s" in done.stdout  # the table
