from __future__ import annotations

from datetime import datetime, time, timedelta

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from activities.models import Activity, Kind, Location, Status
from organizers.models import Event


class LocationFilter(django_filters.FilterSet):
    event = django_filters.UUIDFilter(field_name="event_id")

    class Meta:
        model = Location
        fields = ["event"]


def local_day_bounds(event: Event, day) -> tuple[datetime, datetime]:
    """The instants where ``day`` begins and ends in the event's time zone (23 or 25 h on DST days)."""
    tz = event.tzinfo
    return (
        datetime.combine(day, time.min, tzinfo=tz),
        datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz),
    )


class ActivityFilter(django_filters.FilterSet):
    event = django_filters.UUIDFilter(field_name="event_id")
    day = django_filters.DateFilter(
        method="filter_day",
        label=_("Activities that start on this date, in their own event's time zone."),
    )
    status = django_filters.MultipleChoiceFilter(choices=Status.choices)
    kind = django_filters.MultipleChoiceFilter(choices=Kind.choices)
    is_public = django_filters.BooleanFilter()
    location = django_filters.UUIDFilter(field_name="location_id")
    responsible = django_filters.UUIDFilter(field_name="responsible")
    start = django_filters.IsoDateTimeFromToRangeFilter()

    class Meta:
        model = Activity
        fields = ["event", "day", "status", "kind", "is_public", "location", "responsible", "start"]

    def filter_day(self, queryset: QuerySet[Activity], name: str, value) -> QuerySet[Activity]:
        # A list may span events in different zones, so each event gets its own UTC range. Only
        # events whose dates cover the day can have activities on it (Activity.clean()), which
        # keeps the condition short even for a superuser.
        events = Event.objects.for_user(self.request.user).filter(start_date__lte=value, end_date__gte=value)
        condition = Q(pk__in=[])
        for event in events:
            begins, ends = local_day_bounds(event, value)
            condition |= Q(event_id=event.pk, start__gte=begins, start__lt=ends)
        return queryset.filter(condition)
