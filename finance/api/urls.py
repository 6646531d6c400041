"""Finance API routes that the root router does not cover (reports, actions on an event)."""

from django.urls import path

from finance.api.accounts import (
    EventBalancesView,
    EventCloseBooksView,
    EventReopenBooksView,
    EventSettleUpView,
)
from finance.api.budgets import EventBudgetView
from finance.api.history import EventHistoryView
from finance.api.ledger_files import TransactionExportView, TransactionImportView
from finance.api.parties import EventPledgesView
from finance.api.reports import EventReportView, EventSummaryView

urlpatterns: list = [
    # Before the router (geventator/urls.py): its transactions/<pk>/ route would take these for ids.
    path("transactions/export/", TransactionExportView.as_view(), name="transaction-export"),
    path("transactions/import/", TransactionImportView.as_view(), name="transaction-import"),
    path("events/<uuid:pk>/report/", EventReportView.as_view(), name="event-report"),
    path("events/<uuid:pk>/summary/", EventSummaryView.as_view(), name="event-summary"),
]
urlpatterns.append(path("events/<uuid:pk>/pledges/", EventPledgesView.as_view(), name="event-pledges"))
urlpatterns += [
    path("events/<uuid:pk>/balances/", EventBalancesView.as_view(), name="event-balances"),
    path("events/<uuid:pk>/settle-up/", EventSettleUpView.as_view(), name="event-settle-up"),
    path("events/<uuid:pk>/close-books/", EventCloseBooksView.as_view(), name="event-close-books"),
    path("events/<uuid:pk>/reopen-books/", EventReopenBooksView.as_view(), name="event-reopen-books"),
]
urlpatterns.append(path("events/<uuid:pk>/budget/", EventBudgetView.as_view(), name="event-budget"))
urlpatterns.append(path("events/<uuid:pk>/history/", EventHistoryView.as_view(), name="event-history"))
