from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from organizers.api.base import EventScopedSerializer, ModelCleanSerializer
from organizers.models import Event, Membership, Organizer


class EventSerializer(ModelCleanSerializer):
    class Meta:
        model = Event
        fields = ["id", "name", "slug", "start_date", "end_date", "timezone", "currency", "description", "archived_at"]
        read_only_fields = ["archived_at"]


class MembershipSerializer(EventScopedSerializer):
    organizer = serializers.PrimaryKeyRelatedField(queryset=Organizer.objects.filter(is_active=True))
    organizer_username = serializers.CharField(source="organizer.username", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "event", "organizer", "organizer_username", "role", "created_at"]
        read_only_fields = ["created_at"]

    def validate_organizer(self, organizer: Organizer) -> Organizer:
        if self.instance is not None and self.instance.organizer_id != organizer.pk:
            raise serializers.ValidationError(_("Change the role, or remove this membership and add a new one."))
        return organizer
