"""Run a command against a local SecantusDB server (a MongoDB-compatible server from PyPI).

    python devtools/mongo.py [--storage DIR|:memory:] [--db NAME] [--servers N] -- COMMAND [ARGS...]

Starts the server on a free loopback port (with the fix in devtools/secantusd.py), runs COMMAND
with DATABASE_URL pointing at it, stops the server and exits with COMMAND's status.

``--servers N`` (throwaway stores only) starts N servers and also passes all their URIs in
SECANTUS_URIS (comma-separated): the test suite's parallel workers take one each (conftest.py),
since one SecantusDB process answers one request at a time.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LAUNCHER = Path(__file__).with_name("secantusd.py")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(uri: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    import pymongo

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"SecantusDB exited with status {proc.returncode}")
        try:
            pymongo.MongoClient(uri, serverSelectionTimeoutMS=500).admin.command("ping")
            return
        except pymongo.errors.PyMongoError:
            time.sleep(0.2)
    raise RuntimeError(f"SecantusDB did not answer within {timeout} s")


@contextmanager
def secantus_server(storage: str = ":memory:", db: str = "geventator", port: int | None = None) -> Iterator[str]:
    """Yield the URI of a fresh server; stop it (SIGTERM, then SIGKILL) afterwards.

    ``port``: a given one, e.g. to start a server again where a stopped one was (fault tests).
    """
    if storage != ":memory:":
        Path(storage).mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            str(LAUNCHER),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--storage-path",
            storage,
            "--log-level",
            "WARNING",
        ],
    )
    uri = f"mongodb://127.0.0.1:{port}/{db}?directConnection=true"
    try:
        _wait_until_up(uri, proc)
        yield uri
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--storage", default=":memory:", help="data folder, or :memory: (default)")
    parser.add_argument("--db", default="geventator", help="database name (default: geventator)")
    parser.add_argument("--servers", type=int, default=1, help="how many servers (default: 1)")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give a command after --")
    if args.servers < 1 or (args.servers > 1 and args.storage != ":memory:"):
        parser.error("--servers: at least 1, and more than 1 only with the :memory: store")
    with contextlib.ExitStack() as servers:
        uris = [servers.enter_context(secantus_server(args.storage, args.db)) for _ in range(args.servers)]
        print(f"SecantusDB ready at {', '.join(uris)}", flush=True)
        child = subprocess.Popen(command, env={**os.environ, "DATABASE_URL": uris[0], "SECANTUS_URIS": ",".join(uris)})
        # The servers stop only after the command has: SIGTERM is passed on to it, and Ctrl-C (which
        # the terminal sends to the command too) waits for it instead of killing it mid-shutdown.
        signal.signal(signal.SIGTERM, lambda signum, _frame: child.send_signal(signum))
        while True:
            try:
                return child.wait()
            except KeyboardInterrupt:
                continue


if __name__ == "__main__":
    sys.exit(main())
