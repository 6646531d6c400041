import django_filters

from finance.models import Category, Kind, Transaction


class CategoryFilter(django_filters.FilterSet):
    event = django_filters.UUIDFilter(field_name="event_id")

    class Meta:
        model = Category
        fields = ["event"]


class TransactionFilter(django_filters.FilterSet):
    event = django_filters.UUIDFilter(field_name="event_id")
    kind = django_filters.MultipleChoiceFilter(choices=Kind.choices)
    category = django_filters.UUIDFilter(field_name="category_id")
    date = django_filters.DateFromToRangeFilter()

    class Meta:
        model = Transaction
        fields = ["event", "kind", "category", "date"]
