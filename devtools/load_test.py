"""Concurrent writers against the app served by gunicorn: nothing lost, nothing doubled, exact sums.

    python devtools/load_test.py [--clients 8] [--writes 500] [--workers 4] [--mongodb]

Serves the app (repo's gunicorn.conf.py) on a temporary SQLite file, or with --mongodb on a
throwaway SecantusDB server, runs CLIENTS threads x WRITES API writes each (creates of
transactions, activities and categories; edits of the same shared transactions; membership role
changes), then checks the stored data and prints the figures. The test suite runs the same
workload smaller (geventator/tests/test_concurrency.py). Approvals and transfers (issue 3) do not
exist yet, so they are not part of the workload.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from geventator.tests.appserver import app_env, call, gunicorn, migrate_and_seed  # noqa: E402

ROLES = ["viewer", "organizer", "treasurer"]


@dataclass
class Write:
    """An acknowledged edit of a shared record: its value and when it was sent and answered."""

    value: str
    sent: float
    answered: float


@dataclass
class Results:
    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    locked: int = 0
    failures: list[str] = field(default_factory=list)
    created: dict[str, dict[str, tuple[str, Decimal]]] = field(default_factory=lambda: defaultdict(dict))
    refused: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    edits: dict[str, list[Write]] = field(default_factory=lambda: defaultdict(list))
    seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _record(results: Results, status: int, body, what: str) -> bool:
    with results.lock:
        results.requests += 1
        results.statuses[status // 100 * 100] += 1
        if "database is locked" in str(body):
            results.locked += 1
        if status >= 300:
            results.failures.append(f"{what}: {status} {str(body)[:200]}")
    return status < 300


def _expect(status: int, wanted: int, body) -> None:
    if status != wanted:
        raise RuntimeError(f"expected {wanted}, got {status}: {body}")


def setup(base: str, seed: dict) -> dict:
    """Memberships to change roles of, and two transactions that every client edits."""
    token, event = seed["token"], seed["event"]
    memberships = []
    for member in seed["members"]:
        status, body = call(base, "POST", "/api/memberships/", token, {"event": event, "organizer": member})
        _expect(status, 201, body)
        memberships.append(body["id"])
    shared = []
    for n in range(2):
        payload = {"event": event, "kind": "sale", "amount": "100.00", "date": "2026-06-12", "description": f"s{n}"}
        status, body = call(base, "POST", "/api/transactions/", token, payload)
        _expect(status, 201, body)
        shared.append(body["id"])
    return {"memberships": memberships, "shared": shared}


def client(base: str, seed: dict, targets: dict, number: int, writes: int, results: Results) -> None:
    token, event = seed["token"], seed["event"]
    rng = random.Random(number)  # noqa: S311 (reproducible test data, not secrets)
    for n in range(writes):
        marker = f"c{number}-w{n}"
        op = n % 5
        if op in (0, 1):
            kind = "sale" if rng.random() < 0.6 else "purchase"
            amount = Decimal(rng.randint(1, 99999)) / 100
            payload = {
                "event": event,
                "kind": kind,
                "amount": str(amount),
                "date": "2026-06-13",
                "description": marker,
            }
            status, body = call(base, "POST", "/api/transactions/", token, payload)
            if _record(results, status, body, marker):
                results.created["transaction"][marker] = (kind, amount)
            else:
                results.refused["transaction"].add(marker)
        elif op == 2 and n % 10 == 2:
            start = f"2026-06-1{2 + n % 3}T{8 + n % 12:02d}:00:00+02:00"
            payload = {"event": event, "title": marker, "start": start, "end": start.replace(":00:00", ":30:00")}
            status, body = call(base, "POST", "/api/activities/", token, payload)
            if _record(results, status, body, marker):
                results.created["activity"][marker] = ("", Decimal(0))
        elif op == 2:
            status, body = call(base, "POST", "/api/categories/", token, {"event": event, "name": marker})
            if _record(results, status, body, marker):
                results.created["category"][marker] = ("", Decimal(0))
        elif op == 3:
            target = targets["shared"][rng.randrange(2)]
            sent = time.monotonic()
            status, body = call(base, "PATCH", f"/api/transactions/{target}/", token, {"description": marker})
            if _record(results, status, body, marker):
                with results.lock:
                    results.edits[target].append(Write(marker, sent, time.monotonic()))
        else:
            target = targets["memberships"][rng.randrange(len(targets["memberships"]))]
            role = ROLES[rng.randrange(3)]
            sent = time.monotonic()
            status, body = call(base, "PATCH", f"/api/memberships/{target}/", token, {"role": role})
            if _record(results, status, body, marker):
                with results.lock:
                    results.edits[target].append(Write(role, sent, time.monotonic()))


def possibly_last(writes: list[Write]) -> set[str]:
    """Values that may be the final one: no other acknowledged write began after this one ended."""
    return {w.value for w in writes if not any(other.sent > w.answered for other in writes)}


def fetch_all(base: str, token: str, path: str) -> list[dict]:
    rows, page = [], f"{path}&page_size=500" if "?" in path else f"{path}?page_size=500"
    url = page
    n = 1
    while True:
        status, body = call(base, "GET", f"{url}&page={n}", token, timeout=120)
        _expect(status, 200, body)
        rows += body["results"]
        if not body.get("next"):
            return rows
        n += 1


def verify(base: str, seed: dict, targets: dict, results: Results) -> dict:
    """Compare what the server stores with what it acknowledged; return the figures."""
    token, event = seed["token"], seed["event"]
    problems = []
    lost = doubled = 0
    stored = {
        "transaction": fetch_all(base, token, f"/api/transactions/?event={event}"),
        "activity": fetch_all(base, token, f"/api/activities/?event={event}"),
        "category": fetch_all(base, token, f"/api/categories/?event={event}"),
    }
    for kind, rows in stored.items():
        key = "title" if kind == "activity" else "name" if kind == "category" else "description"
        markers = Counter(row[key] for row in rows)
        for marker in results.created[kind]:
            if markers[marker] == 0:
                lost += 1
            elif markers[marker] > 1:
                doubled += 1
        for marker in results.refused[kind]:
            if markers[marker]:
                problems.append(f"refused {kind} {marker} was stored anyway")
    current = {row["id"]: row["description"] for row in stored["transaction"] if row["id"] in targets["shared"]}
    _, members = call(base, "GET", f"/api/memberships/?event={event}&page_size=50", token)
    current.update({row["id"]: row["role"] for row in members["results"]})
    for target, writes in results.edits.items():
        if writes and current.get(target) not in possibly_last(writes):
            problems.append(f"{target}: final value {current.get(target)!r} is not the last acknowledged write")
    income = sum((a for k, a in results.created["transaction"].values() if k == "sale"), Decimal("200.00"))
    expenses = sum((a for k, a in results.created["transaction"].values() if k == "purchase"), Decimal(0))
    _, summary = call(base, "GET", f"/api/events/{event}/summary/", token)
    if (Decimal(summary["income"]), Decimal(summary["expenses"])) != (income, expenses):
        problems.append(f"summary {summary['income']}/{summary['expenses']} != acknowledged {income}/{expenses}")
    return {
        "requests": results.requests,
        "seconds": round(results.seconds, 1),
        "requests_per_second": round(results.requests / results.seconds, 1) if results.seconds else 0,
        "2xx": results.statuses[200],
        "4xx": results.statuses[400],
        "5xx": results.statuses[500],
        "database_is_locked": results.locked,
        "failures": len(results.failures),
        "writes_lost": lost,
        "writes_doubled": doubled,
        "balance": str(income - expenses),
        "problems": problems,
        "first_failures": results.failures[:5],
    }


def run(base: str, seed: dict, clients: int, writes: int) -> dict:
    targets = setup(base, seed)
    results = Results()
    threads = [
        threading.Thread(target=client, args=(base, seed, targets, number, writes, results))
        for number in range(clients)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.seconds = time.monotonic() - started
    return verify(base, seed, targets, results)


def load_sqlite(workdir: Path, clients: int, writes: int, workers: int) -> dict:
    env = app_env(f"sqlite:///{workdir / 'load.sqlite3'}")
    seed = migrate_and_seed(env)
    with gunicorn(env, workers=workers) as base:
        return run(base, seed, clients, writes)


def load_mongodb(clients: int, writes: int, workers: int) -> dict:
    from devtools.mongo import secantus_server

    with secantus_server(db="load") as uri:
        env = app_env(uri)
        seed = migrate_and_seed(env)
        with gunicorn(env, workers=workers) as base:
            return run(base, seed, clients, writes)


def report(store: str, clients: int, writes: int, figures: dict) -> str:
    return (
        f"Load ({store}, {clients} clients x {writes} writes): {figures['requests']} requests in "
        f"{figures['seconds']} s ({figures['requests_per_second']}/s); 2xx {figures['2xx']}, "
        f"4xx {figures['4xx']}, 5xx {figures['5xx']}, 'database is locked' {figures['database_is_locked']}, "
        f"failures {figures['failures']}, writes lost {figures['writes_lost']}, doubled {figures['writes_doubled']}, "
        f"balance {figures['balance']}, problems {len(figures['problems'])}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--writes", type=int, default=500)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--mongodb", action="store_true", help="a throwaway SecantusDB instead of SQLite")
    args = parser.parse_args()
    if args.mongodb:
        figures = load_mongodb(args.clients, args.writes, args.workers)
    else:
        workdir = Path(tempfile.mkdtemp(prefix="geventator-load-"))
        try:
            figures = load_sqlite(workdir, args.clients, args.writes, args.workers)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    print(report("MongoDB" if args.mongodb else "SQLite", args.clients, args.writes, figures))
    for line in figures["problems"] + figures["first_failures"]:
        print("  ", line)
    ok = not (figures["failures"] or figures["writes_lost"] or figures["writes_doubled"] or figures["problems"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
