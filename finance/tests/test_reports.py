"""The event's financial report: the service (exact figures, fixed query count), the API and the admin page."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from finance.factories import (
    AccountFactory,
    BudgetLineFactory,
    CategoryFactory,
    PartyFactory,
    PledgeFactory,
    TransactionFactory,
)
from finance.models import AccountKind, Direction, Kind, Status, Transaction
from finance.services.reports import event_report

pytestmark = pytest.mark.django_db


def report_url(event) -> str:
    return f"/api/events/{event.pk}/report/"


def admin_report_url(event) -> str:
    return reverse("admin:finance_transaction_report", args=[event.pk])


@pytest.fixture
def ledger(event_a, organizer):
    """Event A over three months (June, August: July has nothing), with every kind and workflow step."""
    bar = CategoryFactory(event=event_a, name="Bar")
    stage = CategoryFactory(event=event_a, name="Stage")
    cash = AccountFactory(event=event_a, name="Cash box", kind=AccountKind.CASH)
    pocket = AccountFactory(event=event_a, name="Oscar's pocket", kind=AccountKind.POCKET, holder=organizer)
    brewery = PartyFactory(event=event_a, name="Brewery")
    pledge = PledgeFactory(event=event_a, party=brewery, amount=Decimal("500.00"), due_date=date(2026, 6, 1))
    BudgetLineFactory(event=event_a, category=stage, direction=Direction.EXPENSE, planned=Decimal("300.00"))

    def book(kind, amount, day, **extra):
        return TransactionFactory(event=event_a, kind=kind, amount=Decimal(amount), date=day, **extra)

    june, august = date(2026, 6, 12), date(2026, 8, 3)
    book(Kind.SALE, "0.10", june, category=bar, account=cash)
    book(Kind.SALE, "0.20", june, category=bar, account=cash)
    book(Kind.DONATION, "100.00", june)
    book(Kind.SPONSORSHIP, "200.00", june, party=brewery, pledge=pledge)
    book(Kind.PURCHASE, "19.99", june, category=bar, account=cash)
    book(Kind.PURCHASE, "100.00", june, category=stage, account=pocket)  # Oscar paid: the event owes him
    book(Kind.INVESTMENT, "50", august, currency="USD", exchange_rate=Decimal("0.9"), category=stage)  # 45.00
    book(Kind.ADJUSTMENT, "-0.05", august, account=cash)  # a cash count found 5 cents less
    book(Kind.SALE, "40.00", august, category=bar)
    # Entered, not booked: they count as open expenses only.
    book(Kind.PURCHASE, "1.00", june, status=Status.DRAFT, category=stage)
    book(Kind.PURCHASE, "2.00", june, status=Status.DRAFT)
    book(Kind.PURCHASE, "4.00", june, status=Status.SUBMITTED)
    book(Kind.INVESTMENT, "8.00", june, status=Status.APPROVED, category=stage)
    book(Kind.PURCHASE, "16.00", june, status=Status.REJECTED)
    return {"bar": bar, "stage": stage, "cash": cash, "pocket": pocket, "pledge": pledge}


def test_report_adds_up_booked_entries_to_the_cent(event_a, ledger, event_b):
    TransactionFactory(event=event_b, kind=Kind.SALE, amount=Decimal("999.00"))

    report = event_report(event_a, today=date(2026, 9, 1))

    assert (report.currency, report.booked_count) == ("EUR", 9)
    assert (report.income, report.expenses, report.adjustments) == (
        Decimal("340.30"),
        Decimal("164.99"),
        Decimal("-0.05"),
    )
    assert report.net == Decimal("175.26") == report.income - report.expenses + report.adjustments
    assert [(line.kind, line.direction, line.count, line.amount) for line in report.by_kind] == [
        ("sale", "income", 3, Decimal("40.30")),
        ("donation", "income", 1, Decimal("100.00")),
        ("sponsorship", "income", 1, Decimal("200.00")),
        ("purchase", "expense", 2, Decimal("119.99")),
        ("investment", "expense", 1, Decimal("45.00")),
        ("adjustment", "adjustment", 1, Decimal("-0.05")),
    ]


def test_report_groups_by_category_account_and_every_month_between(event_a, ledger):
    report = event_report(event_a)

    assert [(line.name, line.income, line.expenses, line.net, line.count) for line in report.by_category] == [
        ("Bar", Decimal("40.30"), Decimal("19.99"), Decimal("20.31"), 4),
        ("Stage", Decimal("0.00"), Decimal("145.00"), Decimal("-145.00"), 2),
        ("", Decimal("300.00"), Decimal("0.00"), Decimal("299.95"), 3),  # no category (the adjustment too)
    ]
    assert report.by_category[0].category_id == ledger["bar"].pk
    assert [(line.name, line.kind, line.net) for line in report.by_account] == [
        ("Cash box", "cash", Decimal("-19.74")),
        ("Main account", "bank", Decimal("295.00")),
        ("Oscar's pocket", "pocket", Decimal("-100.00")),
    ]
    assert [(line.month, line.income, line.expenses, line.net, line.count) for line in report.by_month] == [
        (date(2026, 6, 1), Decimal("300.30"), Decimal("119.99"), Decimal("180.31"), 6),
        (date(2026, 7, 1), Decimal("0.00"), Decimal("0.00"), Decimal("0.00"), 0),
        (date(2026, 8, 1), Decimal("40.00"), Decimal("45.00"), Decimal("-5.05"), 3),
    ]
    assert sum(line.net for line in report.by_month) == report.net
    assert sum(line.net for line in report.by_account) == report.net


def test_report_counts_expenses_entered_but_not_booked(event_a, ledger):
    expenses = event_report(event_a).open_expenses

    assert (expenses.drafts, expenses.drafts_amount) == (2, Decimal("3.00"))
    assert (expenses.submitted, expenses.submitted_amount) == (1, Decimal("4.00"))
    assert (expenses.approved, expenses.approved_amount) == (1, Decimal("8.00"))
    assert (expenses.count, expenses.amount) == (4, Decimal("15.00"))  # the rejected one is not open


def test_report_holds_budget_pledges_and_reimbursements(event_a, ledger, organizer):
    report = event_report(event_a, today=date(2026, 9, 1))

    [stage_line] = report.budget.lines
    assert (stage_line.planned, stage_line.actual, stage_line.committed, stage_line.variance) == (
        Decimal("300.00"),
        Decimal("145.00"),
        Decimal("8.00"),
        Decimal("147.00"),
    )
    [pledge] = report.pledges.lines
    assert (pledge.received, pledge.outstanding, pledge.overdue) == (Decimal("200.00"), Decimal("300.00"), True)
    [debt] = report.reimbursements
    assert (debt.organizer_id, debt.amount) == (organizer.pk, Decimal("100.00"))
    assert (report.owed_to_organizers, report.owed_by_organizers) == (Decimal("100.00"), Decimal("0.00"))


def test_report_of_an_empty_ledger_is_zero(event_a):
    report = event_report(event_a)

    assert (report.income, report.expenses, report.net, report.booked_count) == (0, 0, 0, 0)
    assert str(report.net) == "0.00"
    assert {line.amount for line in report.by_kind} == {Decimal("0.00")}
    assert (report.by_category, report.by_account, report.by_month, report.reimbursements) == ([], [], [], [])


def test_report_shows_yen_without_decimals(event_a):
    event_a.currency = "JPY"
    event_a.save()
    TransactionFactory(event=event_a, kind=Kind.SALE, amount=Decimal("1500"), currency="JPY")

    report = event_report(event_a)

    assert (str(report.income), str(report.by_month[0].income)) == ("1500", "1500")


def _queries(event) -> int:
    with CaptureQueriesContext(connection) as queries:
        event_report(event)
    return len(queries.captured_queries)


def test_report_takes_the_same_few_queries_for_few_or_many_transactions(event_a, ledger, django_assert_max_num_queries):
    few = _queries(event_a)
    categories = [CategoryFactory(event=event_a, name=f"Extra {n}") for n in range(5)]
    accounts = [AccountFactory(event=event_a, name=f"Till {n}", kind=AccountKind.CASH) for n in range(3)]
    for n in range(30):
        TransactionFactory(
            event=event_a,
            kind=Kind.SALE if n % 2 else Kind.PURCHASE,
            category=categories[n % 5],
            account=accounts[n % 3],
            date=date(2026, 1 + n % 12, 1),
        )
    PledgeFactory(event=event_a)
    BudgetLineFactory(event=event_a, category=categories[0])

    with django_assert_max_num_queries(20):
        report = event_report(event_a)

    assert _queries(event_a) == few
    assert len(report.by_month) == 12


# --- API --------------------------------------------------------------------------------------------


def test_api_report_describes_every_figure(api, viewer, event_a, ledger):
    response = api.as_user(viewer).get(report_url(event_a))

    assert response.status_code == 200
    data = response.json()
    assert (data["currency"], data["income"], data["expenses"], data["adjustments"], data["net"]) == (
        "EUR",
        "340.30",
        "164.99",
        "-0.05",
        "175.26",
    )
    assert data["open_expenses"] == {
        "drafts": 2,
        "drafts_amount": "3.00",
        "submitted": 1,
        "submitted_amount": "4.00",
        "approved": 1,
        "approved_amount": "8.00",
        "count": 4,
        "amount": "15.00",
    }
    assert data["by_kind"][0] == {"kind": "sale", "direction": "income", "count": 3, "amount": "40.30"}
    assert data["by_category"][0] == {
        "category": str(ledger["bar"].pk),
        "name": "Bar",
        "income": "40.30",
        "expenses": "19.99",
        "net": "20.31",
        "count": 4,
    }
    assert data["by_account"][0]["account"] == str(ledger["cash"].pk)
    assert [row["month"] for row in data["by_month"]] == ["2026-06-01", "2026-07-01", "2026-08-01"]
    assert data["budget"]["lines"][0]["variance"] == "147.00"
    assert data["pledges"]["totals"]["outstanding"] == "300.00"
    assert data["reimbursements"][0]["amount"] == "100.00"
    assert (data["owed_to_organizers"], data["owed_by_organizers"]) == ("100.00", "0.00")


def test_api_report_of_another_event_is_not_found(api, owner, event_b, outsider):
    TransactionFactory(event=event_b, kind=Kind.SALE, amount=Decimal("999.00"))

    response = api.as_user(owner).get(report_url(event_b))

    assert response.status_code == 404
    assert "999" not in response.content.decode()


def test_api_report_needs_a_signed_in_user_and_a_real_id(api, viewer, event_a):
    assert api.get(report_url(event_a)).status_code == 401
    assert api.as_user(viewer).get("/api/events/not-a-uuid/report/").status_code == 404


# --- Admin ------------------------------------------------------------------------------------------


def test_admin_report_page_shows_the_figures_formatted(client, viewer, event_a, ledger):
    client.force_login(viewer)

    response = client.get(admin_report_url(event_a))

    assert response.status_code == 200
    content = response.content.decode()
    for shown in ("€340.30", "€164.99", "-€0.05", "€175.26", "Cash box", "Brewery", "July 2026", "€147.00"):
        assert shown in content, shown
    assert "@media print" in content


def test_admin_report_of_another_event_is_not_found(client, viewer, event_b):
    client.force_login(viewer)

    assert client.get(admin_report_url(event_b)).status_code == 404
    assert client.get("/admin/finance/transaction/report/not-a-uuid/").status_code == 404


def test_event_page_links_to_its_report(client, viewer, event_a):
    client.force_login(viewer)

    response = client.get(reverse("admin:organizers_event_change", args=[event_a.pk]))

    assert admin_report_url(event_a) in response.content.decode()


def test_transaction_list_links_to_report_export_and_import_by_role(client, viewer, organizer, event_a):
    for user, may_import in ((viewer, False), (organizer, True)):
        client.force_login(user)

        content = client.get(reverse("admin:finance_transaction_changelist")).content.decode()

        assert admin_report_url(event_a) in content
        assert reverse("admin:finance_transaction_export", args=[event_a.pk]) in content
        assert (reverse("admin:finance_transaction_import", args=[event_a.pk]) in content) is may_import


def test_transactions_counted_are_only_the_events(event_a, ledger):
    # Sanity check of the fixture: 14 entries, 9 of them booked.
    assert Transaction.objects.filter(event=event_a).count() == 14
