"""What finance adds to an event's admin page (organizers/panels.py): its workspace figures and its tools.

The workspace: balance per account and in total, income against expenses, budget against actual
by category, cash flow by month, outstanding pledges and open reimbursements. Every figure comes
from the one report service (finance.services.reports, itself on the ledger totals of
finance.services.totals) and the account balances (finance.services.balances): database
aggregates, quantized to the currency's minor unit. Each figure links to the admin list of the
entries behind it.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from finance.models import EXPENSE_KINDS, INCOME_KINDS, Account, BudgetLine, Kind, Pledge, Status, Transaction
from finance.services.balances import event_balances
from finance.services.reports import event_report
from geventator.currencies import format_money
from organizers import panels
from organizers.models import Event


def _may_view_ledger(request: HttpRequest, event: Event) -> bool:
    return request.user.has_perm(Transaction.get_perm("view"), event)


def changelist(model, event: Event, **filters) -> str:
    """The admin list of ``model`` limited to the event (and ``filters``, admin lookups)."""
    query = {"event__id__exact": event.pk, **filters}
    return f"{reverse(f'admin:finance_{model._meta.model_name}_changelist')}?{urlencode(query)}"


def workspace_context(event: Event) -> dict:
    """The workspace's figures, formatted, each with the address of the entries behind it."""
    currency = event.currency

    def money(amount) -> str:
        return format_money(amount, currency)

    report = event_report(event)
    balances = event_balances(event)
    paid = {"status__exact": Status.PAID}
    accounts = [
        {
            "name": line.name,
            "balance": money(line.balance),
            "negative": line.balance < 0,
            "url": changelist(Transaction, event, account__id__exact=line.account_id, **paid)
            if line.account_id
            else changelist(Transaction, event, account__isnull="True", **paid),
        }
        for line in balances.accounts
    ]
    budget = [
        {
            "category": line.category_name,
            "direction": line.direction,
            "planned": money(line.planned),
            "actual": money(line.actual),
            "committed": money(line.committed),
            "variance": money(line.variance),
            # Spending above plan is the alarm; income above plan is good news.
            "over": line.direction == "expense" and line.variance < 0,
            "url": changelist(Transaction, event, category__id__exact=line.category_id),
        }
        for line in report.budget.lines
    ]
    months = [
        {
            "month": line.month,
            "income": money(line.income),
            "expenses": money(line.expenses),
            "net": money(line.net),
            "negative": line.net < 0,
            "url": changelist(Transaction, event, date__year=line.month.year, date__month=line.month.month, **paid),
        }
        for line in report.by_month
        if line.month is not None
    ]
    pledges = report.pledges.totals
    expense_lines = [line for line in report.budget.lines if line.direction == "expense"]
    # What the charts draw (finance/static/finance/workspace_charts.js), carried by json_script:
    # amounts as decimal strings, the same quantized figures as the tables.
    charts = {
        "labels": {
            "planned": str(_("Planned")),
            "actual": str(_("Actual")),
            "income": str(_("Income")),
            "expenses": str(_("Expenses")),
        },
        "budget": {
            "labels": [line.category_name for line in expense_lines],
            "planned": [str(line.planned) for line in expense_lines],
            "actual": [str(line.actual) for line in expense_lines],
        },
        "cashflow": {
            "labels": [date_format(line.month, "YEAR_MONTH_FORMAT") for line in report.by_month if line.month],
            "income": [str(line.income) for line in report.by_month if line.month],
            "expenses": [str(line.expenses) for line in report.by_month if line.month],
        },
        "income": {
            "labels": [
                capfirst(str(Kind(line.kind).label))
                for line in report.by_kind
                if line.direction == "income" and line.count
            ],
            "amounts": [str(line.amount) for line in report.by_kind if line.direction == "income" and line.count],
        },
    }
    open_reimbursements = [debt for debt in report.reimbursements if debt.amount]
    return {
        "event": event,
        "currency": currency,
        "charts": charts,
        "total": money(balances.total),
        "total_negative": balances.total < 0,
        "accounts_url": changelist(Account, event),
        "accounts": accounts,
        "income": money(report.income),
        "expenses": money(report.expenses),
        "net": money(report.net),
        "net_negative": report.net < 0,
        "income_url": changelist(Transaction, event, kind__in=",".join(sorted(INCOME_KINDS)), **paid),
        "expenses_url": changelist(Transaction, event, kind__in=",".join(sorted(EXPENSE_KINDS)), **paid),
        "ledger_url": changelist(Transaction, event, **paid),
        "by_kind": [
            {
                "kind": Kind(line.kind).label,
                "amount": money(line.amount),
                "url": changelist(Transaction, event, kind__exact=line.kind, **paid),
            }
            for line in report.by_kind
            if line.count
        ],
        "budget": budget,
        "budget_url": changelist(BudgetLine, event),
        "months": months,
        "pledged": money(pledges.pledged if pledges else 0),
        "outstanding": money(pledges.outstanding if pledges else 0),
        "overdue_count": pledges.overdue_count if pledges else 0,
        "pledges_url": changelist(Pledge, event),
        "reimbursements": [
            {"name": debt.organizer_name, "amount": money(abs(debt.amount)), "event_owes": debt.event_owes}
            for debt in open_reimbursements
        ],
        "settle_url": reverse("admin:finance_account_settle_up", args=[event.pk]),
        "open_expenses": report.open_expenses.count,
        "open_expenses_amount": money(report.open_expenses.amount),
        "open_expenses_url": changelist(Transaction, event, status__in="draft,submitted,approved"),
    }


def money_panel(request: HttpRequest, event: Event) -> SafeString | str:
    if not _may_view_ledger(request, event):
        return ""
    return render_to_string("admin/finance/workspace.html", workspace_context(event), request=request)


def ledger_url(request: HttpRequest, event: Event) -> str | None:
    if not _may_view_ledger(request, event):
        return None
    return f"{reverse('admin:finance_transaction_changelist')}?event__id__exact={event.pk}"


def report_url(request: HttpRequest, event: Event) -> str | None:
    if not _may_view_ledger(request, event):
        return None
    return reverse("admin:finance_transaction_report", args=[event.pk])


def budget_url(request: HttpRequest, event: Event) -> str | None:
    if not request.user.has_perm(BudgetLine.get_perm("view"), event):
        return None
    return reverse("admin:finance_budgetline_report", args=[event.pk])


def accounts_url(request: HttpRequest, event: Event) -> str | None:
    if not request.user.has_perm(Account.get_perm("view"), event):
        return None
    return changelist(Account, event)


def settle_url(request: HttpRequest, event: Event) -> str | None:
    if not request.user.has_perm(Account.get_perm("view"), event):
        return None
    return reverse("admin:finance_account_settle_up", args=[event.pk])


def close_books_url(request: HttpRequest, event: Event) -> str | None:
    # The page shows what still stands in the way to everyone; closing needs the owner (its form).
    if not request.user.has_perm(Account.get_perm("view"), event):
        return None
    return reverse("admin:finance_account_close_books", args=[event.pk])


def register() -> None:
    panels.add_panel(panels.EventPanel("finance.money", _("Money"), money_panel, order=10))
    panels.add_link(panels.EventLink("finance.ledger", _("Ledger"), ledger_url, order=10))
    panels.add_link(panels.EventLink("finance.report", _("Financial report"), report_url, order=20))
    panels.add_link(panels.EventLink("finance.budget", _("Budget"), budget_url, order=22))
    panels.add_link(panels.EventLink("finance.accounts", _("Accounts"), accounts_url, order=24))
    panels.add_link(panels.EventLink("finance.settle", _("Settle up"), settle_url, order=26))
    panels.add_link(panels.EventLink("finance.close", _("Close the books"), close_books_url, order=28))
