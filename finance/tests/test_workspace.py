"""The event workspace (the event's admin page) and the admin index's list of events."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from finance.factories import TransactionFactory
from finance.models import Kind
from finance.tests.test_reports import ledger  # noqa: F401  (the report's ledger: known figures)

pytestmark = pytest.mark.django_db


def workspace(event) -> str:
    return reverse("admin:organizers_event_change", args=[event.pk])


def section(content: str, anchor: str) -> str:
    match = re.search(rf'<section id="{anchor}".*?</section>', content, re.S)
    assert match, anchor
    return match.group(0)


def test_admin_index_lists_the_users_events_first_with_links_to_their_workspace(client, viewer, event_a, event_b):
    client.force_login(viewer)

    content = client.get(reverse("admin:index")).content.decode()

    events = content[content.index('id="workspace-events"') : content.index('id="content-main"')]
    assert workspace(event_a) in events
    assert workspace(event_b) not in content
    assert "<title>Your events and their money | GEventator</title>" in content
    assert "GEventator" in content and "Django administration" not in content


def test_workspace_shows_the_reports_figures_with_links_to_the_entries(client, viewer, event_a, ledger):  # noqa: F811
    client.force_login(viewer)

    response = client.get(workspace(event_a))

    assert response.status_code == 200
    content = response.content.decode()
    result = section(content, "workspace-result")
    # The same figures as the report (finance/tests/test_reports.py): one home for the totals.
    assert "+€340.30" in result and "−€164.99" in result and "€175.26" in result
    changelist = reverse("admin:finance_transaction_changelist")
    assert f"{changelist}?event__id__exact={event_a.pk}&amp;kind__in=" in result
    balance = section(content, "workspace-balance")
    assert "€175.26" in balance  # opening balances are zero: the accounts hold the result
    assert "Cash box" in balance and f"account__id__exact={ledger['cash'].pk}" in balance
    assert 'class="amount-negative"' in balance  # Oscar's pocket paid 100: in the red
    budget = section(content, "workspace-budget")
    assert "Stage" in budget and "€300.00" in budget and f"category__id__exact={ledger['stage'].pk}" in budget
    cashflow = section(content, "workspace-cashflow")
    assert "June 2026" in cashflow and "date__month=6" in cashflow and "July 2026" in cashflow
    assert "€300.00" in section(content, "workspace-pledges")  # 500 pledged, 200 received
    reimbursements = section(content, "workspace-reimbursements")
    assert "€100.00" in reimbursements
    assert reverse("admin:finance_account_settle_up", args=[event_a.pk]) in reimbursements
    for tool in (
        reverse("admin:finance_budgetline_report", args=[event_a.pk]),
        reverse("admin:finance_account_close_books", args=[event_a.pk]),
        reverse("admin:activities_activity_timetable", args=[event_a.pk]),
        f"{changelist}?event__id__exact={event_a.pk}",
    ):
        assert tool in content, tool


def test_workspace_links_open_the_filtered_lists(client, viewer, event_a, ledger):  # noqa: F811
    client.force_login(viewer)
    content = client.get(workspace(event_a)).content.decode()
    links = re.findall(r'href="(/admin/finance/[^"]+\?[^"]+)"', section(content, "workspace-result"))
    links += re.findall(r'href="(/admin/finance/[^"]+\?[^"]+)"', section(content, "workspace-balance"))
    links += re.findall(r'href="(/admin/finance/[^"]+\?[^"]+)"', section(content, "workspace-cashflow"))

    assert links
    for link in links:
        response = client.get(link.replace("&amp;", "&"))
        # The admin answers an unknown lookup with a redirect to ?e=1: every link is a real filter.
        assert response.status_code == 200, link


def test_workspace_balance_changes_after_a_payment(client, treasurer, event_a):
    client.force_login(treasurer)
    before = section(client.get(workspace(event_a)).content.decode(), "workspace-balance")
    TransactionFactory(event=event_a, kind=Kind.SALE, amount=Decimal("12.34"), date=date(2026, 6, 1))

    after = section(client.get(workspace(event_a)).content.decode(), "workspace-balance")

    assert "€0.00" in before and "€12.34" in after


def test_another_events_workspace_is_not_found(client, viewer, event_b):
    client.force_login(viewer)

    response = client.get(workspace(event_b))

    assert response.status_code in (302, 404)
    assert "workspace-balance" not in response.content.decode()


def test_workspace_in_spanish(client, viewer, event_a):
    client.force_login(viewer)

    content = client.get(workspace(event_a), HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert "Saldo" in section(content, "workspace-balance")
    assert "Ingresos y gastos" in section(content, "workspace-result")


def test_workspace_has_no_inline_script_and_a_strict_csp(client, viewer, event_a):
    client.force_login(viewer)

    response = client.get(workspace(event_a))

    policy = response["Content-Security-Policy"]
    assert (
        "script-src 'self'" in policy
        and "unsafe-eval" not in policy
        and "unsafe-inline" not in policy.split("style-src")[0]
    )
    for tag in re.findall(r"<script[^>]*>", response.content.decode()):
        assert "src=" in tag or 'type="application/json"' in tag, tag


def test_superuser_index_and_workspace(client, superuser, event_a):
    client.force_login(superuser)

    assert workspace(event_a) in client.get(reverse("admin:index")).content.decode()
    assert client.get(workspace(event_a)).status_code == 200


def test_workspace_charts_draw_from_json_data_with_static_scripts(client, viewer, event_a, ledger):  # noqa: F811
    client.force_login(viewer)

    content = client.get(workspace(event_a)).content.decode()

    data = re.search(r'<script id="workspace-chart-data" type="application/json">(.*?)</script>', content, re.S)
    assert data
    charts = json.loads(data.group(1))
    assert charts["budget"] == {"labels": ["Stage"], "planned": ["300.00"], "actual": ["145.00"]}
    assert charts["cashflow"]["labels"] == ["June 2026", "July 2026", "August 2026"]
    assert charts["cashflow"]["income"] == ["300.30", "0.00", "40.00"]
    assert charts["income"]["labels"] == ["Sale", "Donation", "Sponsorship"]
    for script in ("organizers/vendor/chart.umd.min.js", "finance/workspace_charts.js"):
        assert f'<script src="/static/{script}"></script>' in content
        assert (settings.BASE_DIR / script.split("/")[0] / "static" / script).is_file()
    for canvas in ("workspace-budget-chart", "workspace-cashflow-chart", "workspace-income-chart"):
        assert f'id="{canvas}"' in content


def test_workspace_queries_do_not_grow_with_the_ledger(client, viewer, event_a, ledger):  # noqa: F811
    client.force_login(viewer)
    client.get(workspace(event_a))  # warm: sessions, content types

    with CaptureQueriesContext(connection) as few:
        client.get(workspace(event_a))
    for day in range(1, 21):
        TransactionFactory(event=event_a, kind=Kind.SALE, amount=Decimal("1.00"), date=date(2026, 7, day))
    with CaptureQueriesContext(connection) as many:
        client.get(workspace(event_a))

    assert len(many) == len(few)


def test_ledger_shows_income_plus_and_expenses_minus(client, viewer, event_a, ledger):  # noqa: F811
    client.force_login(viewer)

    content = client.get(reverse("admin:finance_transaction_changelist")).content.decode()

    assert '<span class="amount amount-positive">+€40.00</span>' in content  # a sale
    assert '<span class="amount amount-negative">−€19.99</span>' in content  # a purchase
    assert '<span class="amount amount-negative">−€0.05</span>' in content  # a cash count found less
    assert "organizers/workspace.css" in content


def test_ledger_totals_follow_the_lists_filters_per_currency(client, viewer, event_a, ledger):  # noqa: F811
    client.force_login(viewer)
    changelist = reverse("admin:finance_transaction_changelist")

    everything = client.get(changelist).context_data["listed_totals"]
    bar = client.get(f"{changelist}?category__id__exact={ledger['bar'].pk}")

    assert [line["currency"] for line in everything] == ["EUR", "USD"]
    assert bar.context_data["listed_totals"] == [
        {"currency": "EUR", "count": 4, "income": "€40.30", "expenses": "€19.99", "net": "€20.31"}
    ]
    assert 'id="ledger-totals"' in bar.content.decode()


def test_expense_add_form_starts_in_the_users_only_event_and_its_currency(client, organizer, event_a, event_b):
    client.force_login(organizer)

    form = client.get(reverse("admin:finance_transaction_add")).context["adminform"].form

    assert (form.initial["event"], form.initial["currency"]) == (event_a.pk, "EUR")


def test_expense_add_form_for_a_named_event_takes_its_currency_but_never_a_foreign_one(
    client, superuser, organizer, event_a, event_b
):
    client.force_login(superuser)
    add = reverse("admin:finance_transaction_add")

    named = client.get(f"{add}?event={event_b.pk}").context["adminform"].form
    client.force_login(organizer)
    foreign = client.get(f"{add}?event={event_b.pk}").context["adminform"].form

    assert named.initial["currency"] == "USD"
    assert "currency" not in foreign.initial
