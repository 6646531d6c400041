"""What finance adds to an event's admin page (organizers/panels.py): its money and its ledger."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from finance.models import Transaction
from finance.services import event_summary
from geventator.currencies import format_money
from organizers import panels
from organizers.models import Event


def _may_view_ledger(request: HttpRequest, event: Event) -> bool:
    return request.user.has_perm(Transaction.get_perm("view"), event)


def money_panel(request: HttpRequest, event: Event) -> SafeString | str:
    if not _may_view_ledger(request, event):
        return ""
    summary = event_summary(event)
    rows = [
        (_("Income"), format_money(summary.income, summary.currency)),
        (_("Expenses"), format_money(summary.expenses, summary.currency)),
        (_("Balance"), format_money(summary.balance, summary.currency)),
    ]
    # The full figures (by category, account, month; budget, pledges, reimbursements): the report.
    report = format_html(
        '<div><a href="{}">{}</a></div>',
        reverse("admin:finance_transaction_report", args=[event.pk]),
        _("Financial report"),
    )
    return format_html_join("", "<div><strong>{}</strong>: {}</div>", rows) + report


def ledger_url(request: HttpRequest, event: Event) -> str | None:
    if not _may_view_ledger(request, event):
        return None
    return f"{reverse('admin:finance_transaction_changelist')}?event__id__exact={event.pk}"


def report_url(request: HttpRequest, event: Event) -> str | None:
    if not _may_view_ledger(request, event):
        return None
    return reverse("admin:finance_transaction_report", args=[event.pk])


def register() -> None:
    panels.add_panel(panels.EventPanel("finance.money", _("Income, expenses and balance"), money_panel, order=10))
    panels.add_link(panels.EventLink("finance.ledger", _("Ledger"), ledger_url, order=10))
    panels.add_link(panels.EventLink("finance.report", _("Financial report"), report_url, order=20))
