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


class ActivityViewSet(EventScopedViewSet):
    model = Activity
    select_related = ("event", "location")
    prefetch_related = ("responsible",)
    serializer_class = ActivitySerializer
    filterset_class = ActivityFilter
    search_fields = ["title", "description"]
    ordering_fields = ["start", "end", "title", "status"]
    ordering = ["start", "title"]
