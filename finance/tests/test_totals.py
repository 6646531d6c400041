"""One balance, one figure: after a cash count's adjustment, the summary (API), the event page, the
report and the balances all show the same net result (finance.services.totals)."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

import pytest

from finance.factories import AccountFactory, TransactionFactory
from finance.models import AccountKind, Kind, Status
from finance.services.balances import event_balances, event_result
from finance.services.custody import confirm_count, record_count
from finance.services.reports import event_report
from finance.services.summary import event_summary
from finance.services.totals import ledger_totals
from geventator.currencies import format_money
from organizers.tests.admin_support import admin_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def counted_short(event_a, organizer, treasurer):
    """100.00 of sales and 30.00 paid out of a cash box; the count finds 5.00 less than the books."""
    box = AccountFactory(event=event_a, name="Till", kind=AccountKind.CASH, opening_balance=Decimal("0"))
    TransactionFactory(event=event_a, account=box, kind=Kind.SALE, status=Status.PAID, amount=Decimal("100.00"))
    TransactionFactory(event=event_a, account=box, kind=Kind.PURCHASE, status=Status.PAID, amount=Decimal("30.00"))
    count = record_count(box, organizer, Decimal("65.00"), datetime(2026, 6, 12, 23, 0, tzinfo=event_a.tzinfo))
    confirm_count(count, treasurer, reason="Change given twice")
    return box


def test_ledger_totals_count_the_adjustment_in_the_net(event_a, counted_short):
    totals = ledger_totals(event_a)

    assert (totals.income, totals.expenses, totals.adjustments) == (
        Decimal("100.00"),
        Decimal("30.00"),
        Decimal("-5.00"),
    )
    assert totals.net == totals.income - totals.expenses + totals.adjustments == Decimal("65.00")


def test_summary_event_page_report_and_balances_show_one_balance(api, client, owner, event_a, counted_short):
    summary = api.as_user(owner).get(f"/api/events/{event_a.pk}/summary/").json()
    report = api.as_user(owner).get(f"/api/events/{event_a.pk}/report/").json()
    client.force_login(owner)
    page = client.get(admin_url(event_a, "change")).content.decode()
    balances = event_balances(event_a)

    assert summary["balance"] == "65.00"
    assert summary["by_kind"]["adjustment"] == "-5.00"
    assert event_summary(event_a).balance == Decimal("65.00")
    assert re.search(f'id="workspace-net"[^>]*>{re.escape(format_money(Decimal("65.00"), "EUR"))}</a>', page)
    assert report["net"] == "65.00"
    assert event_report(event_a).net == Decimal("65.00")
    assert event_result(event_a) == balances.result == Decimal("65.00")
    assert balances.balanced
    till = next(account for account in balances.accounts if account.name == "Till")
    assert till.balance == Decimal("65.00")
