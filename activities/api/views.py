from __future__ import annotations

from collections import defaultdict

from activities.api.filters import ActivityFilter, LocationFilter
from activities.api.serializers import ActivitySerializer, LocationSerializer
from activities.models import Activity, Location
from organizers.api.base import EventScopedViewSet


class LocationViewSet(EventScopedViewSet):
    model = Location
    serializer_class = LocationSerializer
    filterset_class = LocationFilter
    search_fields = ["name", "address"]
    ordering_fields = ["name", "capacity"]
    ordering = ["name"]


def attach_responsible_ids(activities: list[Activity]) -> None:
    """Set ``responsible_ids`` on each activity from one query on the link table.

    Stands in for prefetch_related("responsible"), which MongoDB does not support for a
    many-to-many; ActivitySerializer reads the attached ids.
    """
    links = Activity.responsible.through.objects.filter(activity_id__in=[activity.pk for activity in activities])
    ids: dict = defaultdict(list)
    for activity_id, organizer_id in links.values_list("activity_id", "organizer_id"):
        ids[activity_id].append(organizer_id)
    for activity in activities:
        activity.responsible_ids = ids[activity.pk]


class ActivityViewSet(EventScopedViewSet):
    model = Activity
    select_related = ("event", "location")
    serializer_class = ActivitySerializer
    filterset_class = ActivityFilter
    search_fields = ["title", "description"]
    ordering_fields = ["start", "end", "title", "status"]
    ordering = ["start", "title"]

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            attach_responsible_ids(page)
        return page
