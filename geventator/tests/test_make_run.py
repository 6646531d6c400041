"""`make run` as a newcomer uses it: it serves the demo, and stopping make (SIGTERM, or Ctrl-C to its
process group) leaves no process behind and nothing listening on the port.

Real processes: make, devtools/run.py, runserver and its autoreloader child. The app runs on a
SQLite file of its own and uses none of the suite's databases, so the SQLite pass alone runs these
(`make test-mongo` leaves the devserver marker out).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.devserver,
    pytest.mark.xdist_group("devserver"),
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table from /proc (Linux)"),
    pytest.mark.skipif(shutil.which("make") is None, reason="needs make"),
]

# Generous: migrations on a fresh SQLite file and the autoreloader's start on a busy 2-core machine.
START_SECONDS = 240
STOP_SECONDS = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def session_members(session: int) -> list[str]:
    """The live processes of a session (pid and command line), zombies left out."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # it ended while we looked
            continue
        # "pid (comm) state ppid pgrp session ...": comm may hold spaces, so split after its ")".
        state, _ppid, _group, sid = stat.rpartition(")")[2].split()[:4]
        if int(sid) == session and state != "Z":
            members.append(f"{entry.name}: {command.strip()}")
    return members


def listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class Run:
    make: subprocess.Popen[bytes]
    port: int
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def wait_until_it_answers(self) -> None:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            assert self.make.poll() is None, f"make run ended early:\n{self.output()}"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=5) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.5)
        pytest.fail(f"make run did not answer /healthz within {START_SECONDS} s:\n{self.output()}")

    def wait_until_gone(self) -> list[str]:
        """What is left of the session once make has ended (or the time is up)."""
        deadline = time.monotonic() + STOP_SECONDS
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.make.wait(timeout=STOP_SECONDS)
        while (left := session_members(self.make.pid)) and time.monotonic() < deadline:
            time.sleep(0.2)
        return left


@pytest.fixture
def make_run(tmp_path: Path) -> Iterator[Run]:
    port = free_port()
    log = tmp_path / "make-run.log"
    # pytest-django's test settings and an enclosing make's flags must not reach `make run`.
    inherited = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "DEBUG"}
    }
    environment = {
        **inherited,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'run.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "PYTHONUNBUFFERED": "1",
    }
    with log.open("wb") as output:
        make = subprocess.Popen(  # noqa: S603
            ["make", "--no-print-directory", "run", f"PORT={port}"],  # noqa: S607
            cwd=REPO,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # make leads a session and a process group: what a terminal gives it
        )
    run = Run(make, port, log)
    try:
        yield run
    finally:
        # Whatever a failed test left behind goes, so that it cannot hold the port for other tests.
        for member in session_members(make.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(member.partition(":")[0]), signal.SIGKILL)
        if make.poll() is None:
            make.kill()
        make.wait()


def assert_stopped_cleanly(run: Run) -> None:
    left = run.wait_until_gone()
    assert run.make.poll() is not None, f"make is still running:\n{run.output()}"
    assert left == [], f"left running after make stopped: {left}\n{run.output()}"
    assert not listening(run.port), f"port {run.port} still answers\n{run.output()}"


def test_make_run_installs_only_what_serving_needs(tmp_path: Path):
    # A dry run against a virtualenv that does not exist yet: what a fresh clone would install.
    dry = subprocess.run(  # noqa: S603
        ["make", "--no-print-directory", "-n", "run", f"VENV={tmp_path / 'venv'}"],  # noqa: S607
        cwd=REPO,
        env={key: value for key, value in os.environ.items() if key not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}},
        capture_output=True,
        text=True,
        check=True,
    )

    assert "Installing the packages GEventator needs to serve (requirements/base.txt)" in dry.stdout
    assert "pip install --quiet --disable-pip-version-check -r requirements/base.txt" in dry.stdout
    for unwanted in ("dev.txt", "apt-get", "vagrant"):
        assert unwanted not in dry.stdout


def test_make_run_serves_and_sigterm_to_make_leaves_no_server_behind(make_run: Run):
    make_run.wait_until_it_answers()
    # The autoreloader serves from a child: runserver's processes are more than the one make started.
    assert len(session_members(make_run.make.pid)) >= 4, session_members(make_run.make.pid)
    # The task worker runs beside the server, and goes with it.
    assert any("manage.py db_worker" in member for member in session_members(make_run.make.pid))

    make_run.make.send_signal(signal.SIGTERM)

    assert_stopped_cleanly(make_run)


def test_ctrl_c_to_make_run_leaves_no_server_behind(make_run: Run):
    make_run.wait_until_it_answers()

    os.killpg(make_run.make.pid, signal.SIGINT)  # what the terminal does on Ctrl-C

    assert_stopped_cleanly(make_run)
