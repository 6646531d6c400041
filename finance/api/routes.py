"""The finance viewsets on the project's API router (geventator/urls.py calls register)."""

from rest_framework.routers import BaseRouter

from finance.api.accounts import AccountViewSet, CashCountViewSet, TransferViewSet
from finance.api.budgets import BudgetLineViewSet
from finance.api.parties import PartyViewSet, PledgeViewSet
from finance.api.receipts import ReceiptViewSet
from finance.api.views import CategoryViewSet, TransactionViewSet


def register(router: BaseRouter) -> None:
    router.register("categories", CategoryViewSet, basename="category")
    router.register("transactions", TransactionViewSet, basename="transaction")
    router.register("budget-lines", BudgetLineViewSet, basename="budgetline")
    router.register("accounts", AccountViewSet, basename="account")
    router.register("transfers", TransferViewSet, basename="transfer")
    router.register("cash-counts", CashCountViewSet, basename="cashcount")
    router.register("parties", PartyViewSet, basename="party")
    router.register("pledges", PledgeViewSet, basename="pledge")
    router.register("receipts", ReceiptViewSet, basename="receipt")
