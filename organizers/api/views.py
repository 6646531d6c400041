from __future__ import annotations

from typing import cast

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from geventator.api import RetriedWrites
from organizers import rules as perms
from organizers.api.base import EventScopedViewSet, RulesViewSetMixin
from organizers.api.filters import MembershipFilter
from organizers.api.serializers import EventSerializer, MembershipSerializer
from organizers.conditional import ConditionalWrites
from organizers.idempotency import IdempotentPosts
from organizers.models import Event, Membership, Organizer
from organizers.services import archive_event, create_event, delete_event, remove_membership, unarchive_event


class EventViewSet(IdempotentPosts, ConditionalWrites, RetriedWrites, RulesViewSetMixin, viewsets.ModelViewSet):
    serializer_class = EventSerializer
    search_fields = ["name", "slug", "description"]
    ordering_fields = ["start_date", "name"]
    ordering = ["-start_date", "name"]
    filterset_fields = {"start_date": ["gte", "lte"], "currency": ["exact"]}
    permission_type_map = {
        **RulesViewSetMixin.permission_type_map,
        # Owners only; checked in the actions, since "change" is refused on an archived event.
        "archive": "view",
        "unarchive": "view",
    }

    def get_queryset(self):
        return Event.objects.for_user(self.request.user)

    def perform_create(self, serializer: serializers.BaseSerializer[Event]) -> None:
        # The viewset lets only authenticated users in (DEFAULT_PERMISSION_CLASSES).
        organizer = cast(Organizer, self.request.user)
        serializer.instance = create_event(organizer, Event(**serializer.validated_data))

    def perform_destroy(self, instance: Event) -> None:
        # 409 while the event has transactions and is not archived (ProtectedError).
        delete_event(instance)

    def _owned_event(self) -> Event:
        event = self.get_object()
        if not (self.request.user.is_superuser or perms.is_owner(self.request.user, event)):
            raise exceptions.PermissionDenied
        return event

    @extend_schema(request=None, responses=EventSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: str | None = None) -> Response:
        """Freeze the event (owners): read-only for everybody, deletable with its ledger."""
        event = archive_event(self._owned_event())
        return Response(self.get_serializer(event).data)

    @extend_schema(request=None, responses=EventSerializer)
    @action(detail=True, methods=["post"])
    def unarchive(self, request: Request, pk: str | None = None) -> Response:
        """Make an archived event writable again (owners)."""
        event = unarchive_event(self._owned_event())
        return Response(self.get_serializer(event).data)


class MembershipViewSet(EventScopedViewSet):
    model = Membership
    select_related = ("event", "organizer")
    serializer_class = MembershipSerializer
    filterset_class = MembershipFilter
    ordering_fields = ["role", "created_at"]
    ordering = ["created_at"]

    def perform_destroy(self, instance: Membership) -> None:
        remove_membership(instance)
