"""The admin page of an event's financial report (finance/services/reports.py), made for printing."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext

from finance.models import AccountKind, Direction, Kind, Pledge, Transaction
from finance.services.reports import event_report
from organizers.admin_mixins import event_or_404
from organizers.models import Event


def visible_event(request: HttpRequest, event_id: str, action: str = "view") -> Event:
    """The event if the user may ``action`` its transactions, else "not found"."""
    return event_or_404(request, event_id, Transaction.get_perm(action))


def report_view(model_admin, request: HttpRequest, event_id: str) -> HttpResponse:
    event = visible_event(request, event_id)
    report = event_report(event)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": gettext("Financial report of %(event)s") % {"event": event.name},
        "event": event,
        "report": report,
        "currency": report.currency,
        "kinds": [(Kind(line.kind).label, line) for line in report.by_kind],
        "accounts": [(line, AccountKind(line.kind).label if line.kind else "") for line in report.by_account],
        "budget_lines": [(line, Direction(line.direction).label) for line in report.budget.lines],
        "budget_totals": [(Direction(direction).label, totals) for direction, totals in report.budget.totals.items()],
        "pledge_lines": [(line, Pledge.Kind(line.kind).label) for line in report.pledges.lines],
        "debts": [(debt, abs(debt.amount)) for debt in report.reimbursements],
        "has_view_event": request.user.has_perm(Event.get_perm("view"), event),
    }
    return TemplateResponse(request, "admin/finance/event_report.html", context)
