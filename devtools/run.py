"""``make run``: migrate, load the demo and serve with Django's runserver until told to stop.

make passes SIGTERM on to this process, and Ctrl-C sends SIGINT to make's process group; neither
reaches the whole server by itself: runserver's autoreloader serves from a child process that
outlives its parent when only the parent is signalled. So each step runs in a process group of its
own, and on SIGINT, SIGTERM or SIGHUP this process ends that group as a whole (SIGTERM, then SIGKILL
after a grace period) and waits until none of it is left. As a child subreaper (Linux) it is also
the parent of the reloader's child once that child is orphaned, so it can wait for it.

Usage: python devtools/run.py [--host 127.0.0.1] [--port 8000] [--noreload]
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
GRACE_SECONDS = 10.0
# <linux/prctl.h>
PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36


def _prctl(option: int, value: int) -> None:
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    libc.prctl(option, value, 0, 0, 0)


def _die_with_parent() -> None:
    # A backstop for when this process is killed without a chance to end the group (SIGKILL).
    _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class Supervisor:
    def __init__(self) -> None:
        self.stopped_by: int | None = None
        self.group: int | None = None
        for signum in STOP_SIGNALS:
            signal.signal(signum, self._stop)
        _prctl(PR_SET_CHILD_SUBREAPER, 1)

    def _stop(self, signum: int, _frame: object) -> None:
        self.stopped_by = signum
        self._signal_group(signal.SIGTERM)

    def _signal_group(self, signum: int) -> bool:
        if self.group is None:
            return False
        try:
            os.killpg(self.group, signum)
        except ProcessLookupError:
            return False
        return True

    def run(self, args: list[str]) -> int:
        """Run one step to its end (or until a stop signal), then leave nothing of its group behind."""
        if self.stopped_by is not None:
            return 128 + self.stopped_by
        process = subprocess.Popen(args, cwd=REPO, process_group=0, preexec_fn=_die_with_parent)
        self.group = process.pid
        if self.stopped_by is not None:  # the signal came while the step was starting
            self._signal_group(signal.SIGTERM)
        try:
            returncode = process.wait()
        finally:
            self._end_group()
        return returncode

    def _end_group(self) -> None:
        deadline = time.monotonic() + GRACE_SECONDS
        self._signal_group(signal.SIGTERM)
        while self._signal_group(0):
            self._reap_orphans()
            if time.monotonic() > deadline:
                self._signal_group(signal.SIGKILL)
                deadline = float("inf")
            time.sleep(0.05)
        self._reap_orphans()
        self.group = None

    @staticmethod
    def _reap_orphans() -> None:
        # Orphans of the group are ours (subreaper): their exit has to be collected, or their
        # zombies would keep the group alive.
        try:
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        except ChildProcessError:
            pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", default="8000")
    parser.add_argument("--noreload", action="store_true", help="Do not restart the server when code changes.")
    options = parser.parse_args()

    supervisor = Supervisor()
    manage = [sys.executable, str(REPO / "manage.py")]
    address = f"{options.host}:{options.port}"
    steps = [
        [*manage, "migrate", "--noinput"],
        [*manage, "load_demo", "--base-url", f"http://{address}"],
        # The task worker (webhooks, e-mail) runs in the server's process group: it is stopped with
        # the server, and ends when the server ends.
        [
            "/bin/sh",
            "-c",
            f"{shlex.join([*manage, 'db_worker'])} & exec "
            + shlex.join([*manage, "runserver", address, *(["--noreload"] if options.noreload else [])]),
        ],
    ]
    for step in steps:
        returncode = supervisor.run(step)
        if supervisor.stopped_by is not None:
            print("Stopped: nothing of the server is left running.", file=sys.stderr)
            # Die of the signal as asked, so that make and the shell see how it ended.
            signal.signal(supervisor.stopped_by, signal.SIG_DFL)
            os.kill(os.getpid(), supervisor.stopped_by)
        if returncode != 0:
            return returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
