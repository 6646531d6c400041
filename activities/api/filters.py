import django_filters

from activities.models import Activity, Location, Status


class LocationFilter(django_filters.FilterSet):
    event = django_filters.UUIDFilter(field_name="event_id")

    class Meta:
        model = Location
        fields = ["event"]


class ActivityFilter(django_filters.FilterSet):
    event = django_filters.UUIDFilter(field_name="event_id")
    status = django_filters.MultipleChoiceFilter(choices=Status.choices)
    location = django_filters.UUIDFilter(field_name="location_id")
    responsible = django_filters.UUIDFilter(field_name="responsible")
    start = django_filters.IsoDateTimeFromToRangeFilter()

    class Meta:
        model = Activity
        fields = ["event", "status", "location", "responsible", "start"]
