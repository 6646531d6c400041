"""The per-event pages of the transaction admin: financial report, export and import.

Kept out of finance/admin/ledger.py so the admin class only names the mixin.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse

from finance.admin import ledger_files, reports
from finance.models import Transaction
from organizers.admin_mixins import ModelAdminBase
from organizers.models import Event


class LedgerToolsAdminMixin(ModelAdminBase):
    change_list_template = "admin/finance/transaction/change_list.html"

    def get_urls(self):
        own = [
            path(f"{name}/<str:event_id>/", self.admin_site.admin_view(view), name=f"finance_transaction_{name}")
            for name, view in (
                ("report", self.report_view),
                ("export", self.export_view),
                ("import", self.import_view),
            )
        ]
        return own + super().get_urls()

    def report_view(self, request: HttpRequest, event_id: str) -> HttpResponse:
        return reports.report_view(self, request, event_id)

    def export_view(self, request: HttpRequest, event_id: str) -> HttpResponse:
        return ledger_files.export_view(self, request, event_id)

    def import_view(self, request: HttpRequest, event_id: str) -> HttpResponse:
        return ledger_files.import_view(self, request, event_id)

    def changelist_view(self, request: HttpRequest, extra_context=None):
        events: Iterable[Event] = Event.objects.for_user(request.user).order_by("-start_date", "name")
        chosen = request.GET.get("event__id__exact")
        if chosen:
            events = [event for event in events if str(event.pk) == chosen]
        filters = ledger_files.list_filters(request)
        tools = []
        for event in events:
            export = reverse("admin:finance_transaction_export", args=[event.pk])
            tools.append(
                {
                    "event": event,
                    "report": reverse("admin:finance_transaction_report", args=[event.pk]),
                    "export_csv": f"{export}?{filters}&format=csv" if filters else f"{export}?format=csv",
                    "export_xlsx": f"{export}?{filters}&format=xlsx" if filters else f"{export}?format=xlsx",
                    "filtered": bool(filters),
                    "import": reverse("admin:finance_transaction_import", args=[event.pk])
                    if request.user.has_perm(Transaction.get_perm("add"), event)
                    else None,
                }
            )
        return super().changelist_view(request, {**(extra_context or {}), "ledger_tools": tools})
