"""examples/import_bank_csv.py, run as a user runs it, against the app served by ``live_server``."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from finance.models import Transaction
from finance.models.ledger import Status
from organizers.factories import EventFactory, MembershipFactory
from organizers.models import Role
from organizers.tokens import issue_token

CLIENT = Path(__file__).resolve().parents[2] / "examples" / "import_bank_csv.py"

STATEMENT = """date,description,amount,currency,counterparty
2026-06-12,Ticket sales (card terminal),1250.00,,Card acquirer
2026-06-12,Stage lights,-320.50,,Lumen S.L.
2026-06-13,Ticket sales (card terminal),99.90,EUR,Card acquirer
"""

pytestmark = pytest.mark.django_db(transaction=True)


def run_client(live_server, token: str, event, statement: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (our own interpreter and example)
        [sys.executable, str(CLIENT), "--url", live_server.url, "--token", token, "--event", str(event.pk), statement],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.fixture
def event():
    return EventFactory()


@pytest.fixture
def statement(tmp_path):
    path = tmp_path / "statement-june.csv"
    path.write_text(STATEMENT, encoding="utf-8")
    return path


def test_a_bank_statement_is_imported_once_and_the_balance_printed(live_server, event, statement):
    organizer = MembershipFactory(event=event, role=Role.ORGANIZER).organizer
    _token, key = issue_token(organizer, "bank import", events=[event])

    first = run_client(live_server, key, event, statement)

    assert first.returncode == 0, first.stdout + first.stderr
    entries = Transaction.objects.filter(event=event)
    assert entries.count() == 3
    income = entries.filter(kind="sale")
    assert sorted(income.values_list("amount", flat=True)) == [Decimal("99.90"), Decimal("1250.00")]
    assert set(income.values_list("status", flat=True)) == {Status.PAID}
    expense = entries.get(kind="purchase")
    # An expense is never booked without its approvals: the bank line waits for them.
    assert (expense.amount, expense.status, expense.counterparty) == (Decimal("320.50"), Status.SUBMITTED, "Lumen S.L.")
    assert "3 lines imported, 0 already imported before, 0 refused; 1 expenses wait for approval." in first.stdout
    assert "Balance: 1349.90 EUR" in first.stdout

    # Run again (a dropped connection, a second click): the idempotency keys create nothing twice.
    second = run_client(live_server, key, event, statement)

    assert second.returncode == 0, second.stdout + second.stderr
    assert entries.count() == 3
    assert "0 lines imported, 3 already imported before, 0 refused" in second.stdout
    assert "Balance: 1349.90 EUR" in second.stdout


def test_refused_lines_are_printed_and_the_others_imported(live_server, event, tmp_path):
    organizer = MembershipFactory(event=event, role=Role.ORGANIZER).organizer
    _token, key = issue_token(organizer, "bank import", events=[event])
    statement = tmp_path / "statement.csv"
    statement.write_text(
        "date,description,amount,currency\n"
        "2026-06-12,Sales,10.00,\n"
        "2026-06-12,Typo,ten,\n"
        "2026-06-12,Unknown currency,5.00,XXQ\n",
        encoding="utf-8",
    )

    result = run_client(live_server, key, event, statement)

    assert result.returncode == 1
    assert "line 3: refused: amount 'ten' is not a number" in result.stdout
    assert "line 4: refused:" in result.stdout and "currency" in result.stdout
    assert list(Transaction.objects.filter(event=event).values_list("description", flat=True)) == ["Sales"]


def test_a_viewer_token_imports_nothing(live_server, event, statement):
    viewer = MembershipFactory(event=event, role=Role.VIEWER).organizer
    _token, key = issue_token(viewer, "bank import", events=[event])

    result = run_client(live_server, key, event, statement)

    assert result.returncode == 1
    assert "The server refused the token" in result.stderr
    assert not Transaction.objects.filter(event=event).exists()


def test_a_file_without_the_needed_columns_is_refused_before_any_request(live_server, event, tmp_path):
    statement = tmp_path / "statement.csv"
    statement.write_text("when,what\n2026-06-12,Sales\n", encoding="utf-8")

    result = run_client(live_server, "not-a-token", event, statement)

    assert result.returncode == 2
    assert "missing columns: amount, date, description" in result.stderr
