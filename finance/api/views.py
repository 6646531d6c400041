from finance.api.filters import CategoryFilter, TransactionFilter
from finance.api.serializers import CategorySerializer, TransactionSerializer
from finance.models import Category, Transaction
from organizers.api.base import EventScopedViewSet


class CategoryViewSet(EventScopedViewSet):
    model = Category
    serializer_class = CategorySerializer
    filterset_class = CategoryFilter
    search_fields = ["name", "description"]
    ordering_fields = ["name"]
    ordering = ["name"]


class TransactionViewSet(EventScopedViewSet):
    model = Transaction
    select_related = ("event", "category", "created_by")
    serializer_class = TransactionSerializer
    filterset_class = TransactionFilter
    search_fields = ["description", "counterparty"]
    ordering_fields = ["date", "amount", "kind", "created_at"]
    ordering = ["-date", "-created_at"]

    def perform_create(self, serializer: TransactionSerializer) -> None:
        serializer.save(created_by=self.request.user)
