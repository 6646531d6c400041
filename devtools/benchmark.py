"""How the pages and endpoints of one large event cost: queries, time and memory (prints figures).

    python devtools/benchmark.py [--transactions 20000] [--activities 2000] [--repeat 3]
    python devtools/mongo.py -- python devtools/benchmark.py --transactions 2000   # on SecantusDB

Seeds an event on a throwaway store (a temporary SQLite file unless DATABASE_URL is set): a ledger
of TRANSACTIONS entries of every kind and status, with history, and a schedule of ACTIVITIES. The
rest grows with them: organizers and their pockets, categories with budget lines, parties and
pledges, transfers, rooms, responsible organizers. Then it asks each list, report and export as
the event's owner, through the API and the admin, and prints per request the number of queries
(the same for a small and a large event where the code is shaped right), the median time of
REPEAT runs and the peak Python memory.

Not a test: times depend on the machine, and on SecantusDB say nothing about a real MongoDB
(MONGODB.md). geventator/tests/test_large_events.py asserts the query counts on both stores.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
import warnings
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def configure(database_url: str | None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geventator.settings")
    os.environ.setdefault("SECRET_KEY", "benchmark")
    os.environ["DEBUG"] = "0"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["SECURE_SSL_REDIRECT"] = "0"  # production settings otherwise, over the test client's plain HTTP
    os.environ["LOG_LEVEL"] = "ERROR"
    if database_url is not None:
        os.environ["DATABASE_URL"] = database_url
    import django

    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: no collectstatic here
    django.setup()
    from django.conf import settings

    # No collectstatic here: admin pages name their static files without the manifest's hashes.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def seed(
    transactions: int,
    activities: int,
    name: str = "bench",
    *,
    organizers: int | None = None,
    currencies: tuple[str, ...] = ("EUR",),
    every_kind: bool = False,
):
    """One event of ``transactions`` entries and ``activities`` activities; returns (owner, event).

    ``organizers``: members besides the owner (default: 5 and one more per 200 entries).
    ``currencies``: the entries' currencies in turn; the first is the event's, the others carry a rate.
    ``every_kind``: investments too (an adjustment comes only from a cash count).

    Everything else grows with them (organizers and their pockets, categories and budget lines,
    parties and pledges, transfers, rooms), so that a query per row of any kind shows.
    """
    from simple_history.utils import bulk_create_with_history

    from activities.models import Activity, Location
    from finance.models import (
        Account,
        Approval,
        BudgetLine,
        Category,
        Kind,
        Party,
        Pledge,
        Status,
        Transaction,
        Transfer,
    )
    from finance.models.accounts import TransferStatus
    from organizers.factories import OrganizerFactory
    from organizers.models import Event, Membership
    from organizers.services import create_event

    owner = OrganizerFactory(username=f"{name}_owner", is_staff=True)
    event = create_event(
        owner,
        Event(
            name=f"Festival {name}",
            slug=f"festival-{name}",
            start_date=date(2026, 7, 1),
            end_date=date(2026, 7, 5),
            timezone="Europe/Madrid",
            currency=currencies[0],
        ),
    )
    count = 5 + transactions // 200 if organizers is None else organizers
    members = [OrganizerFactory(username=f"{name}_member_{n}") for n in range(count)]
    Membership.objects.bulk_create(Membership(event=event, organizer=m, role="organizer") for m in members)
    main = Account.main_for(event)
    accounts = [main, Account.objects.create(event=event, name="Cash box", kind="cash")]
    accounts += [
        Account.objects.create(event=event, name=f"Pocket {m.username}", kind="pocket", holder=m) for m in members[1:]
    ]
    categories = Category.objects.bulk_create(
        Category(event=event, name=f"Category {n:03}") for n in range(10 + transactions // 100)
    )
    BudgetLine.objects.bulk_create(
        BudgetLine(event=event, category=c, direction="expense", planned=Decimal(5000), owner=members[n % len(members)])
        for n, c in enumerate(categories)
    )
    parties = Party.objects.bulk_create(
        Party(event=event, name=f"Sponsor {n:03}", kind="sponsor") for n in range(10 + transactions // 100)
    )
    pledges = Pledge.objects.bulk_create(
        Pledge(event=event, party=p, amount=Decimal(2000), due_date=date(2026, 6, 1 + n % 28))
        for n, p in enumerate(parties)
    )
    kinds = [Kind.PURCHASE, Kind.SALE, Kind.PURCHASE, Kind.SPONSORSHIP, Kind.PURCHASE, Kind.DONATION]
    if every_kind:
        kinds.append(Kind.INVESTMENT)
    statuses = [Status.PAID, Status.PAID, Status.SUBMITTED, Status.DRAFT, Status.APPROVED]
    rows = []
    for n in range(transactions):
        kind = kinds[n % len(kinds)]
        entry = Transaction(
            event=event,
            kind=kind,
            status=statuses[n % len(statuses)] if kind == Kind.PURCHASE else Status.PAID,
            amount=Decimal(n % 500 + 1) + Decimal("0.25"),
            currency=currencies[n % len(currencies)],
            exchange_rate=None if n % len(currencies) == 0 else Decimal("1.10") + Decimal(n % len(currencies)) / 10,
            date=date(2026, 1, 1) + timedelta(days=n % 200),
            description=f"Entry {n}",
            account=accounts[n % len(accounts)],
            category=categories[n % len(categories)],
            created_by=members[n % len(members)],
            pledge=pledges[n % len(pledges)] if kind == Kind.SPONSORSHIP else None,
            party=parties[n % len(parties)] if kind == Kind.SPONSORSHIP else None,
        )
        entry.compute_base_amounts()
        rows.append(entry)
    bulk_create_with_history(rows, Transaction, batch_size=1000, default_user=owner)
    approved = [row for row in rows if row.status in (Status.APPROVED, Status.PAID) and row.kind == Kind.PURCHASE]
    bulk_create_with_history(
        [Approval(event=event, transaction=row, approver=owner) for row in approved],
        Approval,
        batch_size=1000,
        default_user=owner,
    )
    # Dated before the entries: the history feed's newest page then holds entries only, however many
    # approvals there are, and so the same kinds of records for a small and a large event.
    Approval.history.model.objects.filter(transaction_id__in=[row.pk for row in approved]).update(
        history_date=datetime(2026, 1, 1, tzinfo=event.tzinfo)
    )
    Transfer.objects.bulk_create(
        Transfer(
            event=event,
            from_account=accounts[1],
            to_account=main,
            amount=Decimal(50),
            date=date(2026, 7, 2),
            status=TransferStatus.CONFIRMED,
        )
        for _ in range(10 + transactions // 200)
    )
    locations = Location.objects.bulk_create(
        Location(event=event, name=f"Room {n}", capacity=100) for n in range(2 + activities // 10)
    )
    start = datetime(2026, 7, 1, 8, tzinfo=event.tzinfo)
    sessions = Activity.objects.bulk_create(
        Activity(
            event=event,
            title=f"Session {n}",
            location=locations[n % len(locations)],
            start=start + timedelta(minutes=30 * (n // len(locations))),
            end=start + timedelta(minutes=30 * (n // len(locations)) + 25),
        )
        for n in range(activities)
    )
    Activity.responsible.through.objects.bulk_create(
        Activity.responsible.through(activity_id=session.pk, organizer_id=members[n % len(members)].pk)
        for n, session in enumerate(sessions)
    )
    return owner, event


def pages(event, transactions: int) -> list[tuple[str, str, str]]:
    """(client, label, path) of every list, report and export of the event, and of a change page of
    each kind of record: client "api" or "admin"; the label names the path without its ids."""
    from activities.models import Activity
    from finance.models import Account, Party, Transaction

    e = event.pk
    last = max(1, transactions // 50)
    one = {
        "transaction": Transaction.objects.filter(event=event, kind="sponsorship").order_by("pk").first(),
        "account": Account.objects.filter(event=event, kind="cash").order_by("pk").first(),
        "party": Party.objects.filter(event=event).order_by("pk").first(),
        "activity": Activity.objects.filter(event=event).order_by("pk").first(),
    }
    paths = [
        ("api", f"/api/transactions/?event={e}"),
        ("api", f"/api/transactions/?event={e}&ordering=amount&page={last}"),
        ("api", f"/api/transactions/?event={e}&search=Entry%201"),
        ("api", f"/api/events/{e}/summary/"),
        ("api", f"/api/events/{e}/balances/"),
        ("api", f"/api/events/{e}/budget/"),
        ("api", f"/api/events/{e}/pledges/"),
        ("api", f"/api/events/{e}/settle-up/"),
        ("api", f"/api/events/{e}/report/"),
        ("api", f"/api/events/{e}/history/"),
        ("api", f"/api/activities/?event={e}"),
        ("api", f"/api/events/{e}/conflicts/"),
        ("api", f"/api/transactions/export/?event={e}&file_format=csv"),
        *(
            ("api", f"/api/{name}/?event={e}")
            for name in ("memberships", "accounts", "transfers", "categories", "budget-lines", "parties", "pledges")
        ),
        ("api", f"/api/locations/?event={e}"),
        ("api", "/api/events/"),
        ("admin", f"/admin/finance/transaction/?event__id__exact={e}"),
        *(
            ("admin", f"/admin/{name}/")
            for name in (
                "finance/account",
                "finance/transfer",
                "finance/category",
                "finance/budgetline",
                "finance/party",
                "finance/pledge",
                "organizers/membership",
                "organizers/event",
                "activities/location",
            )
        ),
        ("admin", f"/admin/finance/transaction/report/{e}/"),
        ("admin", f"/admin/finance/budgetline/report/{e}/"),
        ("admin", f"/admin/finance/account/settle-up/{e}/"),
        ("admin", f"/admin/finance/account/close-books/{e}/"),
        ("admin", f"/admin/activities/activity/?event__id__exact={e}"),
        ("admin", f"/admin/activities/activity/timetable/{e}/"),
        ("admin", f"/admin/organizers/event/{e}/change/"),
        *(
            ("admin", f"/admin/{app}/{name}/{one[name].pk}/change/")
            for app, name in (
                ("finance", "transaction"),
                ("finance", "account"),
                ("finance", "party"),
                ("activities", "activity"),
            )
        ),
    ]
    labels = {str(e): "{event}", **{str(obj.pk): f"{{{name}}}" for name, obj in one.items()}}
    result = []
    for kind, path in paths:
        label = path.split("&page=")[0]
        for key, name in labels.items():
            label = label.replace(key, name)
        result.append((kind, label, path))
    return result


def signed_in(owner):
    """An API client with the owner's token and an admin client signed in as the owner."""
    from django.test import Client
    from rest_framework.test import APIClient

    from organizers.tokens import issue_token

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(owner, 'benchmark')[1]}")
    admin = Client()
    admin.force_login(owner)
    return {"api": api, "admin": admin}


def fetch(client, url: str):
    response = client.get(url)
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)
    return response


def cost(client, url: str) -> tuple[int, int]:
    """The status of one request and the number of queries it made."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = fetch(client, url)
    return response.status_code, len(queries)  # now: the next request empties the query log


def measure(client, url: str, repeat: int) -> tuple[float, float]:
    """The median time of ``repeat`` requests, and the peak memory of one more (traced apart:
    tracing allocations slows Python down several times)."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fetch(client, url)
        times.append(time.perf_counter() - started)
    tracemalloc.start()
    fetch(client, url)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return statistics.median(times), peak / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--transactions", type=int, default=20000)
    parser.add_argument("--activities", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="geventator-bench-") as folder:
        configure(None if os.environ.get("DATABASE_URL") else f"sqlite:///{folder}/bench.sqlite3")
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        owner, event = seed(args.transactions, args.activities)
        print(
            f"Store: {connection.vendor}. Seeded {args.transactions} transactions and {args.activities} "
            f"activities in {time.perf_counter() - started:.1f} s."
        )
        clients = signed_in(owner)
        failed = 0
        print(f"{'request':<72} {'status':>6} {'queries':>7} {'median':>9} {'peak MB':>8}")
        for kind, label, url in pages(event, args.transactions):
            status, queries = cost(clients[kind], url)
            median, peak = measure(clients[kind], url, args.repeat)
            failed += status != 200
            print(f"{label:<72} {status:>6} {queries:>7} {median * 1000:>7.0f}ms {peak:>8.1f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
