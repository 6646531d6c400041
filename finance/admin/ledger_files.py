"""Admin pages to export an event's transactions (CSV, XLSX) and to import a CSV of new ones.

The work is done in finance/services/ledger_files.py. The export holds the event's rows of the
transaction list with the list's filters applied (the links above the list carry them along); the
import page is for organizers and above, and reports every bad line of a refused file.
"""

from __future__ import annotations

import copy

from django import forms
from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from finance.admin.reports import visible_event
from finance.models import Transaction
from finance.services import ledger_files
from geventator.spreadsheets import check_upload_size
from organizers import rules as perms
from organizers.admin_mixins import admin_user

# Parameters of the transaction list that are not filters: never carried into an export link.
NOT_FILTERS = {"p", "o", "e", "all", "_to_field", "_popup", "_changelist_filters", "event__id__exact", "format"}


def list_filters(request: HttpRequest) -> str:
    """The filters of the transaction list in the request, as a query string for an export link."""
    params = request.GET.copy()
    for name in NOT_FILTERS:
        params.pop(name, None)
    return params.urlencode()


def export_view(model_admin, request: HttpRequest, event_id: str) -> HttpResponse:
    event = visible_event(request, event_id)
    file_format = request.GET.get("format") or "csv"
    if file_format not in ledger_files.FORMATS:
        return HttpResponseBadRequest(gettext("Choose csv or xlsx."))
    # The list's own machinery reads its filters (kind, status, dates, search...), scoped as the list is.
    filters = request.GET.copy()
    for name in NOT_FILTERS:
        filters.pop(name, None)
    listed = copy.copy(request)
    listed.GET = filters  # type: ignore[assignment]  # django-stubs: request.GET is immutable, ours is a copy
    try:
        transactions = model_admin.get_changelist_instance(listed).get_queryset(listed)
    except IncorrectLookupParameters:
        return HttpResponseBadRequest(gettext("These filters do not apply to transactions."))
    content = ledger_files.export_transactions(transactions.filter(event=event), file_format, title=event.name)
    response = HttpResponse(content, content_type=ledger_files.FORMATS[file_format])
    response["Content-Disposition"] = f'attachment; filename="{ledger_files.export_filename(event, file_format)}"'
    return response


class ImportForm(forms.Form):
    import_file = forms.FileField(label=_("CSV file"))

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        check_upload_size(upload)
        return upload


def import_view(model_admin, request: HttpRequest, event_id: str) -> HttpResponse:
    # Below organizer in every event: refused before the event is looked up (as the admin's add pages).
    if not (request.user.is_superuser or perms.has_role(request.user, None, "organizer")):
        raise PermissionDenied
    event = visible_event(request, event_id)
    if not request.user.has_perm(Transaction.get_perm("add"), event):
        raise PermissionDenied
    report = None
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        user = admin_user(request)
        report = ledger_files.import_transactions(form.cleaned_data["import_file"].read(), event, user)
        if report.ok:
            messages.success(
                request,
                gettext(
                    "%(created)d transactions imported; %(drafts)d expenses among them are drafts awaiting approval."
                )
                % {"created": report.created, "drafts": report.drafts},
            )
            changelist = reverse("admin:finance_transaction_changelist")
            return HttpResponseRedirect(f"{changelist}?event__id__exact={event.pk}")
    errors = [
        (error["line"], column, message)
        for error in (report.errors if report else [])
        for column, column_messages in error["errors"].items()
        for message in column_messages
    ]
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": gettext("Import transactions into %(event)s") % {"event": event.name},
        "event": event,
        "form": form,
        "errors": errors,
        "bad_lines": len({error["line"] for error in report.errors}) if report else 0,
        "columns": ledger_files.EXPORT_COLUMNS,
        "required": ledger_files.REQUIRED_COLUMNS,
        "ignored": ledger_files.IGNORED_COLUMNS,
        "kinds": ledger_files.IMPORT_KINDS,
    }
    return TemplateResponse(request, "admin/finance/transaction_import.html", context)
