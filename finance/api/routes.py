"""The finance viewsets on the project's API router (geventator/urls.py calls register)."""

from rest_framework.routers import BaseRouter

from finance.api.views import CategoryViewSet, TransactionViewSet


def register(router: BaseRouter) -> None:
    router.register("categories", CategoryViewSet, basename="category")
    router.register("transactions", TransactionViewSet, basename="transaction")
