"""Run a command against a local SecantusDB server (a MongoDB-compatible server from PyPI).

    python devtools/mongo.py [--storage DIR|:memory:] [--db NAME] -- COMMAND [ARGS...]

Starts the server on a free loopback port (with the fix in devtools/secantusd.py), runs COMMAND
with DATABASE_URL pointing at it, stops the server and exits with COMMAND's status.
"""

from __future__ import annotations

import argparse
import os
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
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give a command after --")
    with secantus_server(args.storage, args.db) as uri:
        print(f"SecantusDB ready at {uri}", flush=True)
        try:
            return subprocess.call(command, env={**os.environ, "DATABASE_URL": uri})
        except KeyboardInterrupt:
            return 130


if __name__ == "__main__":
    sys.exit(main())
