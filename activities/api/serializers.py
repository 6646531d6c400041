from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from rest_framework import serializers

from activities.models import Activity, Location
from organizers.api.base import EventScopedSerializer, ScopedRelatedField
from organizers.models import Organizer


class LocationSerializer(EventScopedSerializer):
    class Meta:
        model = Location
        fields = ["id", "event", "name", "address", "capacity"]


class EventLocalDateTimeField(serializers.DateTimeField):
    """Keeps a naive input naive, so the serializer can read it in the event's time zone."""

    def enforce_timezone(self, value):
        return value if timezone.is_naive(value) else super().enforce_timezone(value)


class ActivitySerializer(EventScopedSerializer):
    location = ScopedRelatedField(queryset=Location.objects.all(), allow_null=True, required=False)
    responsible = serializers.PrimaryKeyRelatedField(queryset=Organizer.objects.all(), many=True, required=False)
    start = EventLocalDateTimeField(help_text="ISO 8601; without an offset it is read in the event's time zone.")
    end = EventLocalDateTimeField(help_text="ISO 8601; without an offset it is read in the event's time zone.")

    class Meta:
        model = Activity
        fields = [
            "id",
            "event",
            "title",
            "description",
            "start",
            "end",
            "location",
            "responsible",
            "status",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def validate(self, attrs: dict) -> dict:
        event = attrs.get("event") or self.instance.event
        for name in ("start", "end"):
            if name in attrs and timezone.is_naive(attrs[name]):
                attrs[name] = timezone.make_aware(attrs[name], event.tzinfo)
        if "responsible" in attrs:
            try:
                Activity.validate_responsible(event, attrs["responsible"])
            except DjangoValidationError as exc:
                raise serializers.ValidationError({"responsible": exc.messages}) from exc
        return super().validate(attrs)

    def to_representation(self, instance: Activity) -> dict:
        data = super().to_representation(instance)
        tz = instance.event.tzinfo
        data["start"] = timezone.localtime(instance.start, tz).isoformat()
        data["end"] = timezone.localtime(instance.end, tz).isoformat()
        return data
