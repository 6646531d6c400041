"""Concurrent writers against the app served by gunicorn: nothing lost, nothing doubled, exact sums.

    python devtools/load_test.py [--clients 8] [--writes 500] [--workers 4] [--mongodb]

Serves the app (repo's gunicorn.conf.py) on a temporary SQLite file, or with --mongodb on a
throwaway SecantusDB server, runs CLIENTS threads x WRITES API writes each, then checks the stored
data and prints the figures. The workload: creates of sales, expenses (submitted at once),
activities and categories; approvals and payments of the expenses other clients submitted (several
clients race for the same one); transfers between two accounts confirmed on both sides; edits of
the same shared draft expenses; membership role changes. The test suite runs it smaller
(geventator/tests/test_concurrency.py).

A request refused because another client got there first (approving an expense that was just
approved, paying one that was just paid) is a correct answer, counted as "races lost", not as a
failure; every other answer >= 300 is a failure.
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
    submitted: list[str] = field(default_factory=list)  # expense ids, for approvers to pick from
    approved: list[str] = field(default_factory=list)  # expense ids, for payers to pick from
    approvals: Counter = field(default_factory=Counter)  # acknowledged approvals per expense id
    payments: Counter = field(default_factory=Counter)  # acknowledged payments per expense id
    expenses: dict[str, Decimal] = field(default_factory=dict)  # expense id -> amount
    transfers: list[tuple[str, str, Decimal]] = field(default_factory=list)  # confirmed: from, to, amount
    races_lost: int = 0
    conflicts: int = 0  # 409: lost a write conflict on every retry, nothing saved (the client may resend)
    operations: int = 0
    seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _record(results: Results, status: int, body, what: str, race: bool = False) -> bool:
    """Count one answer; ``race``: a 400 saying someone else changed the record first is fine. A
    409 (a store write conflict that outlasted the retries, nothing saved) is a refusal too, never
    a failure: only a 5xx or an unexpected answer is."""
    with results.lock:
        results.requests += 1
        results.statuses[status // 100 * 100] += 1
        if "database is locked" in str(body):
            results.locked += 1
        if race and status == 400:
            results.races_lost += 1
        elif status == 409:
            results.conflicts += 1
        elif status >= 300:
            results.failures.append(f"{what}: {status} {str(body)[:200]}")
    return status < 300


def _expect(status: int, wanted: int, body) -> None:
    if status != wanted:
        raise RuntimeError(f"expected {wanted}, got {status}: {body}")


def setup(base: str, seed: dict) -> dict:
    """Memberships to change roles of, and two draft expenses that every client edits."""
    token, event = seed["token"], seed["event"]
    memberships = []
    for member in seed["members"]:
        status, body = call(base, "POST", "/api/memberships/", token, {"event": event, "organizer": member})
        _expect(status, 201, body)
        memberships.append(body["id"])
    shared = []
    for n in range(2):
        payload = {"event": event, "kind": "purchase", "amount": "100.00", "date": "2026-06-12", "description": f"s{n}"}
        status, body = call(base, "POST", "/api/transactions/", token, payload)
        _expect(status, 201, body)
        shared.append(body["id"])
    return {"memberships": memberships, "shared": shared}


def _pick(results: Results, pool: list[str], rng: random.Random) -> str | None:
    with results.lock:
        return pool[rng.randrange(len(pool))] if pool else None


def create_entry(base: str, seed: dict, results: Results, marker: str, rng: random.Random) -> None:
    """A sale (booked at once) by the owner, or an expense submitted by the organizer."""
    amount = Decimal(rng.randint(1, 99999)) / 100
    payload = {"event": seed["event"], "amount": str(amount), "date": "2026-06-13", "description": marker}
    if rng.random() < 0.5:
        status, body = call(base, "POST", "/api/transactions/", seed["token"], {**payload, "kind": "sale"})
        kind = "sale"
    else:
        payload = {**payload, "kind": "purchase", "submit": True}
        status, body = call(base, "POST", "/api/transactions/", seed["organizer_token"], payload)
        kind = "purchase"
    if not _record(results, status, body, marker):
        results.refused["transaction"].add(marker)
        return
    with results.lock:
        results.created["transaction"][marker] = (kind, amount)
        if kind == "purchase":
            results.expenses[body["id"]] = amount
            results.submitted.append(body["id"])


def approve_or_pay(base: str, seed: dict, results: Results, marker: str, rng: random.Random, pay: bool) -> None:
    """Approve a submitted expense or pay an approved one; other clients may race for it."""
    target = _pick(results, results.approved if pay else results.submitted, rng)
    token = seed["treasurer_token"] if rng.random() < 0.5 else seed["token"]
    if target is None:  # nothing to act on yet: a plain sale keeps the write count
        create_entry(base, seed, results, marker, rng)
        return
    step = "pay" if pay else "approve"
    status, body = call(base, "POST", f"/api/transactions/{target}/{step}/", token, {})
    if _record(results, status, body, marker, race=True):
        with results.lock:
            if pay:
                results.payments[target] += 1
            else:
                results.approvals[target] += 1
                results.approved.append(target)


def transfer(base: str, seed: dict, results: Results, marker: str, rng: random.Random) -> None:
    """Money from one account to the other, confirmed by the treasurer on both (holder-less) sides."""
    source, target = rng.sample(seed["accounts"], 2)
    amount = Decimal(rng.randint(1, 5000)) / 100
    token = seed["treasurer_token"]
    payload = {"event": seed["event"], "from_account": source, "to_account": target, "amount": str(amount)}
    status, body = call(
        base, "POST", "/api/transfers/", token, {**payload, "date": "2026-06-13", "description": marker}
    )
    if not _record(results, status, body, marker):
        return
    for side in ("confirm-sent", "confirm-received"):
        status, answer = call(base, "POST", f"/api/transfers/{body['id']}/{side}/", token, {})
        if not _record(results, status, answer, f"{marker} {side}"):
            return
    with results.lock:
        results.transfers.append((source, target, amount))


def client(base: str, seed: dict, targets: dict, number: int, writes: int, results: Results) -> None:
    token, event = seed["token"], seed["event"]
    rng = random.Random(number)  # noqa: S311 (reproducible test data, not secrets)
    for n in range(writes):
        marker = f"c{number}-w{n}"
        with results.lock:
            results.operations += 1
        op = n % 10
        if op in (0, 1, 2):
            create_entry(base, seed, results, marker, rng)
        elif op in (3, 4):
            approve_or_pay(base, seed, results, marker, rng, pay=False)
        elif op == 5:
            approve_or_pay(base, seed, results, marker, rng, pay=True)
        elif op == 6:
            transfer(base, seed, results, marker, rng)
        elif op == 7 and n % 20 == 7:
            start = f"2026-06-1{2 + n % 3}T{8 + n % 12:02d}:00:00+02:00"
            payload = {"event": event, "title": marker, "start": start, "end": start.replace(":00:00", ":30:00")}
            status, body = call(base, "POST", "/api/activities/", token, payload)
            if _record(results, status, body, marker):
                results.created["activity"][marker] = ("", Decimal(0))
        elif op == 7:
            status, body = call(base, "POST", "/api/categories/", token, {"event": event, "name": marker})
            if _record(results, status, body, marker):
                results.created["category"][marker] = ("", Decimal(0))
        elif op == 8:
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
    entries = {row["id"]: row for row in stored["transaction"]}
    current = {pk: entries[pk]["description"] for pk in targets["shared"] if pk in entries}
    _, members = call(base, "GET", f"/api/memberships/?event={event}&page_size=50", token)
    current.update({row["id"]: row["role"] for row in members["results"]})
    for target, writes in results.edits.items():
        if writes and current.get(target) not in possibly_last(writes):
            problems.append(f"{target}: final value {current.get(target)!r} is not the last acknowledged write")
    # No approval or payment happened twice, and each acknowledged one is stored.
    approvals_twice = sum(1 for count in results.approvals.values() if count > 1)
    payments_twice = sum(1 for count in results.payments.values() if count > 1)
    for pk in results.expenses:
        row = entries.get(pk, {})
        approved = results.approvals[pk]
        if row.get("approval_count") != approved:
            problems.append(f"expense {pk}: {row.get('approval_count')} approvals stored, {approved} acknowledged")
        wanted = "paid" if results.payments[pk] else "approved" if approved else "submitted"
        if row.get("status") != wanted:
            problems.append(f"expense {pk}: status {row.get('status')!r}, acknowledged {wanted!r}")
    income = sum((a for k, a in results.created["transaction"].values() if k == "sale"), Decimal(0))
    expenses = sum((results.expenses[pk] for pk in results.payments), Decimal(0))
    _, summary = call(base, "GET", f"/api/events/{event}/summary/", token)
    if (Decimal(summary["income"]), Decimal(summary["expenses"])) != (income, expenses):
        problems.append(f"summary {summary['income']}/{summary['expenses']} != acknowledged {income}/{expenses}")
    # Balances: what the confirmed transfers moved, and the invariant over all accounts.
    bank, cash = seed["accounts"]
    moved = sum((a if target == cash else -a for _, target, a in results.transfers), Decimal(0))
    _, balances = call(base, "GET", f"/api/events/{event}/balances/", token)
    by_id = {row["id"]: Decimal(row["balance"]) for row in balances["accounts"]}
    if by_id.get(cash) != Decimal("50.00") + moved:
        problems.append(f"cash balance {by_id.get(cash)} != 50.00 + confirmed transfers {moved}")
    if by_id.get(bank) != income - expenses - moved:
        problems.append(f"bank balance {by_id.get(bank)} != result {income - expenses} - transfers {moved}")
    return {
        "operations": results.operations,
        "requests": results.requests,
        "seconds": round(results.seconds, 1),
        "requests_per_second": round(results.requests / results.seconds, 1) if results.seconds else 0,
        "2xx": results.statuses[200],
        "4xx": results.statuses[400],
        "5xx": results.statuses[500],
        "database_is_locked": results.locked,
        "failures": len(results.failures),
        "races_lost": results.races_lost,
        "conflicts": results.conflicts,
        "writes_lost": lost,
        "writes_doubled": doubled,
        "approvals": sum(results.approvals.values()),
        "approvals_twice": approvals_twice,
        "payments": sum(results.payments.values()),
        "payments_twice": payments_twice,
        "transfers": len(results.transfers),
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
        f"4xx {figures['4xx']} (races lost {figures['races_lost']}, 409 {figures['conflicts']}), 5xx {figures['5xx']}, "
        f"'database is locked' {figures['database_is_locked']}, failures {figures['failures']}, "
        f"writes lost {figures['writes_lost']}, doubled {figures['writes_doubled']}, "
        f"approvals {figures['approvals']} (twice {figures['approvals_twice']}), "
        f"payments {figures['payments']} (twice {figures['payments_twice']}), transfers {figures['transfers']}, "
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
    ok = not (
        figures["failures"]
        or figures["writes_lost"]
        or figures["writes_doubled"]
        or figures["approvals_twice"]
        or figures["payments_twice"]
        or figures["problems"]
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
