#!/usr/bin/env python3
"""Import a bank statement (CSV) into a GEventator event through the public API, then print the
event's balance.

    python examples/import_bank_csv.py --url https://events.example.org --token <API token> \\
        --event <event id> statement.csv

The CSV has a header row with ``date`` (YYYY-MM-DD), ``description`` and ``amount`` (signed, a
dot for decimals: ``-12.50`` left the account, ``250.00`` came in), and optionally ``currency``
(ISO 4217; the event's own when left out) and ``counterparty``.

Money that came in is booked as income (``--income-kind``, sale by default). Money that went out
is booked as an expense (``--expense-kind``, purchase) and submitted for approval: GEventator books
no expense without its approvals, so the balance shows it only once a treasurer has approved and
paid it. The script says how many wait.

Each line is sent with an ``Idempotency-Key`` made from the event, the file's name, the line's
number and its text: running the script again on the same file (after a dropped connection, say)
creates nothing twice. The server keeps keys for IDEMPOTENCY_KEY_TTL_HOURS (24 by default).

Only Python's standard library is used, and only the public API: this file is meant to be copied.
Exit status: 0 when every line was imported, 1 when the server refused some (each is printed),
2 on bad arguments or a file that cannot be read.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
import urllib.error
import urllib.request
from decimal import Decimal, InvalidOperation
from pathlib import Path

REQUIRED_COLUMNS = {"date", "description", "amount"}


class ApiError(Exception):
    def __init__(self, status: int, body: object) -> None:
        super().__init__(f"HTTP {status}: {body}")
        self.status = status
        self.body = body


def call(
    url: str, token: str, method: str = "GET", body: object = None, headers: dict | None = None
) -> tuple[object, dict[str, str]]:
    """The answer's JSON and its headers; ApiError for a 4xx or 5xx."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 (the user's own server)
    request.add_header("Authorization", f"Token {token}")
    request.add_header("Accept", "application/json")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return json.loads(response.read() or b"null"), dict(response.headers)
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            detail: object = json.loads(raw)
        except ValueError:
            detail = raw.decode(errors="replace")
        raise ApiError(error.code, detail) from None


def idempotency_key(event: str, source: str, number: int, line: dict[str, str]) -> str:
    text = json.dumps([event, source, number, sorted(line.items())])
    return "bank-csv-" + hashlib.sha256(text.encode()).hexdigest()


def transaction_for(line: dict[str, str], event: str, income_kind: str, expense_kind: str) -> dict:
    try:
        amount = Decimal(line["amount"].strip())
    except InvalidOperation:
        raise ValueError(f"amount {line['amount']!r} is not a number") from None
    if not amount.is_finite() or amount == 0:
        raise ValueError(f"amount {line['amount']!r} is not a non-zero number")
    entry: dict[str, object] = {
        "event": event,
        "kind": income_kind if amount > 0 else expense_kind,
        "amount": str(abs(amount)),
        "date": line["date"].strip(),
        "description": line["description"].strip(),
    }
    if (line.get("currency") or "").strip():
        entry["currency"] = line["currency"].strip().upper()
    if (line.get("counterparty") or "").strip():
        entry["counterparty"] = line["counterparty"].strip()
    if amount < 0:
        entry["submit"] = True
    return entry


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("csv", type=Path, help="the bank statement")
    parser.add_argument("--url", required=True, help="the server, e.g. https://events.example.org")
    parser.add_argument("--token", required=True, help="an API token (admin › API tokens)")
    parser.add_argument("--event", required=True, help="the event's id")
    parser.add_argument("--income-kind", default="sale", help="kind of money that came in (default: sale)")
    parser.add_argument("--expense-kind", default="purchase", help="kind of money that went out (default: purchase)")
    args = parser.parse_args(argv)
    api = args.url.rstrip("/") + "/api"

    try:
        with args.csv.open(newline="", encoding="utf-8-sig") as file:
            reader = csv.DictReader(file)
            missing = REQUIRED_COLUMNS - set(reader.fieldnames or ())
            if missing:
                print(f"{args.csv}: missing columns: {', '.join(sorted(missing))}", file=sys.stderr)
                return 2
            lines = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        print(f"{args.csv}: {error}", file=sys.stderr)
        return 2

    created = replayed = waiting = 0
    refused: list[tuple[int, object]] = []
    for number, line in enumerate(lines, start=2):  # line 1 is the header
        try:
            entry = transaction_for(line, args.event, args.income_kind, args.expense_kind)
            key = idempotency_key(args.event, args.csv.name, number, line)
            answer, headers = call(f"{api}/transactions/", args.token, "POST", entry, {"Idempotency-Key": key})
        except ValueError as error:
            refused.append((number, str(error)))
            continue
        except ApiError as error:
            if error.status in (401, 403):
                print(f"The server refused the token: {error.body}", file=sys.stderr)
                return 1
            refused.append((number, error.body))
            continue
        if headers.get("Idempotent-Replayed") == "true":
            replayed += 1  # sent by an earlier run: the server answered what it answered then
        else:
            created += 1
        if isinstance(answer, dict) and answer.get("status") == "submitted":
            waiting += 1

    for number, reason in refused:
        print(f"line {number}: refused: {reason}")
    summary, _headers = call(f"{api}/events/{args.event}/summary/", args.token)
    if not isinstance(summary, dict):
        print(f"Unexpected summary: {summary!r}", file=sys.stderr)
        return 1
    print(
        f"{created} lines imported, {replayed} already imported before, {len(refused)} refused; "
        f"{waiting} expenses wait for approval."
    )
    print(f"Balance: {summary['balance']} {summary['currency']}")
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main())
