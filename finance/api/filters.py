import django_filters
from django.utils.translation import gettext_lazy as _

from finance.models import Category, Kind, Status, Transaction
from finance.services.approvals import awaiting_approval_by


class CategoryFilter(django_filters.FilterSet):
    event = django_filters.UUIDFilter(field_name="event_id")

    class Meta:
        model = Category
        fields = ["event"]


class TransactionFilter(django_filters.FilterSet):
    event = django_filters.UUIDFilter(field_name="event_id")
    # distinct=False: a choice of a column of the row itself joins nothing, so no row can repeat;
    # the DISTINCT django-filter adds by default made the database sort the whole ledger (#13).
    kind = django_filters.MultipleChoiceFilter(choices=Kind.choices, distinct=False)
    status = django_filters.MultipleChoiceFilter(choices=Status.choices, distinct=False)
    category = django_filters.UUIDFilter(field_name="category_id")
    account = django_filters.UUIDFilter(field_name="account_id")
    date = django_filters.DateFromToRangeFilter()
    needs_my_approval = django_filters.BooleanFilter(
        method="filter_needs_my_approval",
        label=_("Submitted expenses the requesting user may approve and has not approved yet."),
    )

    class Meta:
        model = Transaction
        fields = ["event", "kind", "status", "category", "account", "date", "needs_my_approval"]

    def filter_needs_my_approval(self, queryset, name: str, value: bool | None):
        if not value:
            return queryset
        return awaiting_approval_by(queryset, self.request.user)
