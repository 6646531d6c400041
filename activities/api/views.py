from __future__ import annotations

from collections import defaultdict

from activities.api.filters import ActivityFilter, LocationFilter
from activities.api.serializers import ActivitySerializer, LocationSerializer
from activities.conflicts import event_conflicts
from activities.models import Activity, Location
from organizers.api.base import EventScopedViewSet
from organizers.api.bulk import BulkCreate


class LocationViewSet(EventScopedViewSet):
    model = Location
    serializer_class = LocationSerializer
    filterset_class = LocationFilter
    search_fields = ["name", "address"]
    ordering_fields = ["name", "capacity"]
    ordering = ["name"]


def attach_link_ids(activities: list[Activity], field: str, target: str) -> None:
    """Set ``<field>_ids`` on each activity from one query on the many-to-many's link table.

    Stands in for prefetch_related(field), which MongoDB does not support for a many-to-many;
    ActivitySerializer reads the attached ids.
    """
    links = getattr(Activity, field).through.objects.filter(activity_id__in=[activity.pk for activity in activities])
    ids: dict = defaultdict(list)
    for activity_id, target_id in links.values_list("activity_id", f"{target}_id"):
        ids[activity_id].append(target_id)
    for activity in activities:
        setattr(activity, f"{field}_ids", ids[activity.pk])


def attach_responsible_ids(activities: list[Activity]) -> None:
    attach_link_ids(activities, "responsible", "organizer")


def attach_conflicts(activities: list[Activity]) -> None:
    """Set ``attached_conflicts`` on each activity: one conflict check per event on the page."""
    events = {activity.event_id: activity.event for activity in activities}
    involving: dict = defaultdict(list)
    for event in events.values():
        for conflict in event_conflicts(event):
            for activity_id in conflict.activity_ids:
                involving[activity_id].append(conflict)
    for activity in activities:
        activity.attached_conflicts = involving[activity.pk]


class ActivityViewSet(BulkCreate, EventScopedViewSet):
    model = Activity
    permission_type_map = {**EventScopedViewSet.permission_type_map, "bulk": "add"}
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
            attach_link_ids(page, "transactions", "transaction")
            attach_link_ids(page, "budget_lines", "budgetline")
            attach_conflicts(page)
        return page
