"""`make bench`: seed a large event, serve it with gunicorn on loopback and measure it (#13).

    BENCH_SIZES="10000 100000" python bench/run.py        # the default sizes; "1000000" is opt-in
    DATABASE_URL=postgres://… python bench/run.py          # a real store (it is FLUSHED: a throwaway one)

For each size, in a process of its own (a fresh store, a fresh gunicorn):
seeds with bulk inserts an event of SIZE transactions (every bookable kind, three currencies,
accounts, categories), 2,000 activities and 50 organizers, plus nine small events; then measures
1. the API transaction list (page of 50, ?event=&kind=&ordering=date) under concurrent load from
   client processes: requests/s, p50/p95, and the same for a bare Django JSON view (bench/urls.py)
   served by the same gunicorn; the ratio;
2. the event summary via the API (over HTTP) and in-process, against the same figures from
   hand-written SQL (an aggregation pipeline on MongoDB); the ratios; the figures are compared;
3. the admin changelist of the event's transactions and the event report page: time per page;
4. the peak RSS of the gunicorn workers (VmHWM in /proc).
Prints a table and writes the figures to bench/results/bench-<time>.json (git-ignored).

Times depend on the machine: this is not a test. bench/tests/test_bench.py runs it at a tiny size.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results"
CURRENCIES = ("EUR", "USD", "GBP")
TARGETS = {
    "summary_ratio_max": 2.0,  # API summary ≤ 2× the hand-written query
    "list_throughput_min": 0.5,  # API list ≥ 50% of the bare view's requests/s
}


def environment(database_url: str) -> dict[str, str]:
    """What the benchmark process and its gunicorn both run with: production settings over HTTP."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": database_url,
        "SECRET_KEY": os.environ.get("SECRET_KEY", "benchmark"),
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,testserver",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "ERROR",
        "PYTHONPATH": str(ROOT),
    }


# ---- load generation (client processes) -------------------------------------------------------


def _client(args: tuple[int, str, dict[str, str], float]) -> list[float]:
    port, path, headers, seconds = args
    latencies = []
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{path}: {response.status}")
        latencies.append(time.perf_counter() - started)
    connection.close()
    return latencies


def load(port: int, path: str, headers: dict[str, str], clients: int, seconds: float) -> dict:
    """``clients`` processes asking ``path`` in a loop for ``seconds``: requests/s, p50, p95 (ms)."""
    with multiprocessing.get_context("spawn").Pool(clients) as pool:
        pool.map(_client, [(port, path, headers, min(1.0, seconds / 4))] * clients)  # warm-up
        started = time.perf_counter()
        results = pool.map(_client, [(port, path, headers, seconds)] * clients)
        elapsed = time.perf_counter() - started
    latencies = sorted(latency for result in results for latency in result)
    return {
        "requests": len(latencies),
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1 if len(latencies) > 1 else 0] * 1000, 1),
    }


def median_ms(function, repeat: int) -> float:
    function()  # warm
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return round(statistics.median(times) * 1000, 2)


def get(port: int, path: str, headers: dict[str, str]) -> bytes:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    if response.status != 200:
        raise RuntimeError(f"{path}: {response.status} {body[:300]!r}")
    return body


# ---- the server --------------------------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(env: dict[str, str], workers: int) -> tuple[subprocess.Popen, int]:
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 (our own gunicorn, our arguments)
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "geventator.wsgi:application",
            f"--bind=127.0.0.1:{port}",
            f"--workers={workers}",
            "--timeout=300",
            "--log-level=warning",
        ],
        env={**env, "DJANGO_SETTINGS_MODULE": "bench.settings"},
        cwd=ROOT,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            get(port, "/healthz", {})
            return server, port
        except (OSError, RuntimeError):
            if server.poll() is not None:
                raise RuntimeError("gunicorn exited") from None
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("gunicorn did not answer /healthz")


def worker_peak_rss_mb(master: int) -> float:
    """The largest peak resident set (VmHWM) among the master's worker processes."""
    peaks = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(master) and "VmHWM" in fields:
            peaks.append(int(fields["VmHWM"].split()[0]) / 1024)
    return round(max(peaks), 1) if peaks else 0.0


# ---- the hand-written summary ------------------------------------------------------------------


def hand_written_summary(event) -> dict:
    """Income, expenses, adjustments, balance, by kind and by category, without the ORM."""
    from django.db import connection

    from finance.models import EXPENSE_KINDS, INCOME_KINDS, Category, Status, Transaction

    event_id = Transaction._meta.get_field("event").get_db_prep_value(event.pk, connection)
    if connection.vendor == "mongodb":
        database = connection.database
        pipeline = [
            {"$match": {"event_id": event_id, "status": Status.PAID.value}},
            {
                "$group": {
                    "_id": {"kind": "$kind", "category": "$category_id"},
                    "base": {"$sum": "$base_amount"},
                    "signed": {"$sum": "$signed_amount"},
                }
            },
        ]

        def number(value) -> Decimal:
            return value.to_decimal() if hasattr(value, "to_decimal") else Decimal(str(value))

        rows = [
            (row["_id"]["kind"], row["_id"].get("category"), number(row["base"]), number(row["signed"]))
            for row in database[Transaction._meta.db_table].aggregate(pipeline)
        ]
        names = {
            row["_id"]: row["name"]
            for row in database[Category._meta.db_table].find({"event_id": event_id}, {"name": 1})
        }
    else:
        table, categories = Transaction._meta.db_table, Category._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT kind, category_id, SUM(base_amount), SUM(signed_amount) FROM {table} "  # noqa: S608
                "WHERE event_id = %s AND status = %s GROUP BY kind, category_id",
                [event_id, Status.PAID.value],
            )
            rows = [(k, c, Decimal(str(b)), Decimal(str(s))) for k, c, b, s in cursor.fetchall()]
            cursor.execute(f"SELECT id, name FROM {categories} WHERE event_id = %s", [event_id])  # noqa: S608
            names = dict(cursor.fetchall())
    figures: dict = {"income": Decimal(0), "expenses": Decimal(0), "balance": Decimal(0), "by_kind": {}}
    by_category: dict = {}
    for kind, category, base, signed in rows:
        if kind in INCOME_KINDS:
            figures["income"] += base
        elif kind in EXPENSE_KINDS:
            figures["expenses"] += base
        figures["balance"] += signed
        figures["by_kind"][kind] = figures["by_kind"].get(kind, Decimal(0)) + base
        line = by_category.setdefault(category, {"name": names.get(category, ""), "balance": Decimal(0)})
        line["balance"] += signed
    figures["by_category"] = by_category
    return figures


def amount(value) -> Decimal:
    """A money figure of the API's JSON (a string or {"amount": …}) as a Decimal, to the cent."""
    if isinstance(value, dict):
        value = value.get("amount")
    return Decimal(str(value)).quantize(Decimal("0.01"))


# ---- one size ----------------------------------------------------------------------------------


def seed_all(size: int, activities: int, organizers: int, small_events: int):
    from devtools.benchmark import seed

    started = time.perf_counter()
    owner, event = seed(size, activities, organizers=organizers, currencies=CURRENCIES, every_kind=True)
    for n in range(small_events):
        seed(max(20, size // 1000), 20, name=f"side{n}", organizers=5, currencies=CURRENCIES, every_kind=True)
    return owner, event, round(time.perf_counter() - started, 1)


def measure_size(size: int, options: argparse.Namespace, database_url: str) -> dict:
    env = environment(database_url)
    os.environ.update(env)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from finance.services import event_summary
    from organizers.tokens import issue_token

    if options.flush:
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    owner, event, seeded = seed_all(size, options.activities, options.organizers, options.small_events)
    token = issue_token(owner, "benchmark")[1]
    browser = Client()
    browser.force_login(owner)
    api = {"Authorization": f"Token {token}"}
    admin = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"}

    server, port = start_gunicorn(env, options.workers)
    try:
        e = event.pk
        list_path = f"/api/transactions/?event={e}&kind=purchase&ordering=date"
        bare_path = f"/bench/bare/?event={e}&kind=purchase"
        rows = json.loads(get(port, list_path, api))
        if len(rows["results"]) != 50:
            raise RuntimeError("the API list page should hold 50 rows")
        api_list = load(port, list_path, api, options.clients, options.seconds)
        bare = load(port, bare_path, {}, options.clients, options.seconds)

        summary_path = f"/api/events/{e}/summary/"
        summary = json.loads(get(port, summary_path, api))
        hand = hand_written_summary(event)
        matches = (
            amount(summary["income"]) == amount(hand["income"])
            and amount(summary["expenses"]) == amount(hand["expenses"])
            and amount(summary["balance"]) == amount(hand["balance"])
        )
        summary_http = median_ms(lambda: get(port, summary_path, api), options.repeat)
        summary_service = median_ms(lambda: event_summary(event), options.repeat)
        summary_sql = median_ms(lambda: hand_written_summary(event), options.repeat)

        changelist = f"/admin/finance/transaction/?event__id__exact={e}"
        report = f"/admin/finance/transaction/report/{e}/"
        admin_changelist = median_ms(lambda: get(port, changelist, admin), options.repeat)
        admin_report = median_ms(lambda: get(port, report, admin), options.repeat)
        rss = worker_peak_rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {
        "transactions": size,
        "store": connection.vendor,
        "seed_s": seeded,
        "api_list": api_list,
        "bare_view": bare,
        "list_throughput_ratio": round(api_list["rps"] / bare["rps"], 3),
        "summary": {
            "api_http_ms": summary_http,
            "service_ms": summary_service,
            "hand_written_ms": summary_sql,
            "ratio_http": round(summary_http / summary_sql, 2),
            "ratio_service": round(summary_service / summary_sql, 2),
            "figures_match": matches,
        },
        "admin": {"changelist_ms": admin_changelist, "report_ms": admin_report},
        "worker_peak_rss_mb": rss,
    }


# ---- the run -----------------------------------------------------------------------------------

COLUMNS = [
    ("transactions", lambda r: r["transactions"]),
    ("list req/s", lambda r: r["api_list"]["rps"]),
    ("p50 ms", lambda r: r["api_list"]["p50_ms"]),
    ("p95 ms", lambda r: r["api_list"]["p95_ms"]),
    ("bare req/s", lambda r: r["bare_view"]["rps"]),
    ("bare p50", lambda r: r["bare_view"]["p50_ms"]),
    ("list/bare", lambda r: r["list_throughput_ratio"]),
    ("summary ms", lambda r: r["summary"]["api_http_ms"]),
    ("service ms", lambda r: r["summary"]["service_ms"]),
    ("SQL ms", lambda r: r["summary"]["hand_written_ms"]),
    ("api/SQL", lambda r: r["summary"]["ratio_http"]),
    ("changelist ms", lambda r: r["admin"]["changelist_ms"]),
    ("report ms", lambda r: r["admin"]["report_ms"]),
    ("worker MB", lambda r: r["worker_peak_rss_mb"]),
]


def table(results: list[dict]) -> str:
    widths = [max(len(name), 9) for name, _ in COLUMNS]
    lines = ["  ".join(name.rjust(w) for (name, _), w in zip(COLUMNS, widths, strict=True))]
    for result in results:
        lines.append("  ".join(str(cell(result)).rjust(w) for (_, cell), w in zip(COLUMNS, widths, strict=True)))
    return "\n".join(lines)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default=os.environ.get("BENCH_SIZES", "10000 100000"))
    parser.add_argument("--activities", type=int, default=2000)
    parser.add_argument("--organizers", type=int, default=50)
    parser.add_argument("--small-events", type=int, default=9)
    parser.add_argument("--clients", type=int, default=4, help="client processes of the load test")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (the machine's cores)")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each load measurement")
    parser.add_argument("--repeat", type=int, default=5, help="requests per timed page (the median)")
    parser.add_argument("--output", type=Path, default=None, help="the JSON file (default: bench/results/)")
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)  # one size, in a child process
    parser.add_argument("--flush", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    options = parse(argv)
    if options.size is not None:  # the child: one size, its figures as JSON on the last line
        url = os.environ["BENCH_DATABASE_URL"]
        print(json.dumps(measure_size(options.size, options, url)))
        return 0
    sizes = [int(size) for size in options.sizes.split()]
    given = os.environ.get("DATABASE_URL", "")
    results = []
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix="geventator-bench-") as folder:
            url = given or f"sqlite:///{folder}/bench.sqlite3"
            print(f"Seeding and measuring {size} transactions on {url.split(':')[0]}…", flush=True)
            child = [sys.executable, __file__, *(argv or sys.argv[1:]), f"--size={size}"]
            if given:
                child.append("--flush")
            done = subprocess.run(  # noqa: S603 (this script, our arguments)
                child, env={**os.environ, "BENCH_DATABASE_URL": url}, stdout=subprocess.PIPE, text=True, check=True
            )
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print(table(results))
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "options": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(options).items()},
        "targets": TARGETS,
        "results": results,
    }
    output = options.output or RESULTS / f"bench-{datetime.now(UTC):%Y%m%d-%H%M%S}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"Figures written to {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
