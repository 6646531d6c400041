from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.relations import PKOnlyObject

from activities.models import Activity, Location
from organizers import rules as perms
from organizers.api.base import EventScopedSerializer, ScopedRelatedField
from organizers.models import Membership, Organizer


class LocationSerializer(EventScopedSerializer):
    class Meta:
        model = Location
        fields = ["id", "event", "name", "address", "capacity"]


class EventLocalDateTimeField(serializers.DateTimeField):
    """Keeps a naive input naive, so the serializer can read it in the event's time zone."""

    def enforce_timezone(self, value):
        return value if timezone.is_naive(value) else super().enforce_timezone(value)


class ResponsibleField(serializers.ManyRelatedField):
    """The responsible organizers' ids, read from ``responsible_ids`` when the view attached them.

    A list attaches them for a whole page in one query (ActivityViewSet): prefetch_related() on a
    many-to-many is not supported on MongoDB, and without it each row would cost a query.
    """

    def get_attribute(self, instance: Activity):
        ids = getattr(instance, "responsible_ids", None)
        if ids is None:
            return super().get_attribute(instance)
        return [PKOnlyObject(pk) for pk in ids]


class FellowOrganizerField(serializers.PrimaryKeyRelatedField):
    """An organizer who shares an event with the requesting user; anyone else is "not found"
    (the "not a member" message names the person, so it must not answer for strangers)."""

    def get_queryset(self):
        user = self.context["request"].user
        if user.is_superuser:
            return Organizer.objects.all()
        # Two plain queries rather than a join with distinct(): the same shape on both stores.
        my_events = list(perms.roles_for(user))
        fellows = Membership.objects.filter(event_id__in=my_events).values_list("organizer_id", flat=True)
        return Organizer.objects.filter(pk__in=list(fellows))


TIME_HELP = _("ISO 8601; without an offset it is read in the event's time zone.")


class ActivitySerializer(EventScopedSerializer):
    location = ScopedRelatedField(queryset=Location.objects.all(), allow_null=True, required=False)
    responsible = ResponsibleField(
        child_relation=FellowOrganizerField(queryset=Organizer.objects.all()), required=False
    )
    start = EventLocalDateTimeField(help_text=TIME_HELP)
    end = EventLocalDateTimeField(help_text=TIME_HELP)

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
