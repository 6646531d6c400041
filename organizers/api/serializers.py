from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from organizers import directory
from organizers.api.base import EventScopedSerializer, ModelCleanSerializer
from organizers.models import Event, Membership, Organizer


class EventSerializer(ModelCleanSerializer):
    class Meta:
        model = Event
        fields = ["id", "name", "slug", "start_date", "end_date", "timezone", "currency", "description", "archived_at"]
        read_only_fields = ["archived_at"]


@extend_schema_field(OpenApiTypes.STR)
class OrganizerLoginField(serializers.Field):
    """Written as the person's exact username or e-mail (or account id); read as the account id.
    No listing or partial match: see organizers/directory.py."""

    default_error_messages = {"invalid": _("Give a username or e-mail.")}

    def to_internal_value(self, data) -> Organizer:
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            return directory.find_organizer(data)
        except ValidationError as error:
            raise serializers.ValidationError(error.messages) from error

    def to_representation(self, value: Organizer) -> str:
        return str(value.pk)


class MembershipSerializer(EventScopedSerializer):
    organizer = OrganizerLoginField(help_text=_("The person's exact username or e-mail (or account id)."))
    organizer_username = serializers.CharField(source="organizer.username", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "event", "organizer", "organizer_username", "role", "created_at"]
        read_only_fields = ["created_at"]

    def validate_organizer(self, organizer: Organizer) -> Organizer:
        if self.instance is not None and self.instance.organizer_id != organizer.pk:
            raise serializers.ValidationError(_("Change the role, or remove this membership and add a new one."))
        return organizer
