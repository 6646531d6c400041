from __future__ import annotations

from datetime import UTC

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.relations import PKOnlyObject

from activities.conflicts import RESPONSIBLE_OVERLAP, Conflict, activity_conflicts
from activities.models import Activity, Location
from finance.models import BudgetLine, Transaction
from organizers import rules as perms
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


class AttachedIdsField(serializers.ManyRelatedField):
    """A many-to-many's ids, read from ``<field>_ids`` when the view attached them.

    A list attaches them for a whole page in one query (ActivityViewSet): prefetch_related() on a
    many-to-many is not supported on MongoDB, and without it each row would cost a query.
    """

    def get_attribute(self, instance: Activity):
        ids = getattr(instance, f"{self.source}_ids", None)
        if ids is None:
            return super().get_attribute(instance)
        return [PKOnlyObject(pk) for pk in ids]


class FellowOrganizerField(serializers.PrimaryKeyRelatedField):
    """An organizer who shares an event with the requesting user; anyone else is "not found"
    (the "not a member" message names the person, so it must not answer for strangers)."""

    def get_queryset(self):
        return perms.fellow_organizers(self.context["request"].user)


TIME_HELP = _(
    "ISO 8601; without an offset it is read in the event's time zone (a time that occurs twice when "
    "the clocks go back is read as the first one; a time skipped when they go forward is refused)."
)


def read_in_zone(naive, tz):
    """The naive wall time ``naive`` in ``tz``: the first of two (fold=0), None if it never happens."""
    aware = naive.replace(tzinfo=tz, fold=0)
    # A skipped wall time (spring forward) does not survive the round trip through UTC.
    if aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive.replace(tzinfo=None):
        return None
    return aware


class WarningSerializer(serializers.Serializer):
    """One conflict of the activity, as activity_conflicts() finds it."""

    kind = serializers.CharField()
    severity = serializers.CharField()
    message = serializers.CharField()
    activities = serializers.ListField(child=serializers.UUIDField(), help_text=_("The other activities involved."))
    location = serializers.UUIDField(allow_null=True)
    organizer = serializers.UUIDField(allow_null=True)


def warning_data(conflict: Conflict, activity_pk) -> dict:
    person = conflict.kind == RESPONSIBLE_OVERLAP
    return {
        "kind": conflict.kind,
        "severity": conflict.severity,
        "message": conflict.message,
        "activities": [pk for pk in conflict.activity_ids if pk != activity_pk],
        "location": None if person else conflict.subject_id,
        "organizer": conflict.subject_id if person else None,
    }


class ActivitySerializer(EventScopedSerializer):
    location = ScopedRelatedField(queryset=Location.objects.all(), allow_null=True, required=False)
    responsible = AttachedIdsField(
        child_relation=FellowOrganizerField(queryset=Organizer.objects.all()), required=False
    )
    transactions = AttachedIdsField(
        child_relation=ScopedRelatedField(queryset=Transaction.objects.all()),
        required=False,
        help_text=_("Ids of transactions of the same event: what the activity costs and brings in."),
    )
    budget_lines = AttachedIdsField(
        child_relation=ScopedRelatedField(queryset=BudgetLine.objects.all()),
        required=False,
        help_text=_("Ids of budget lines of the same event that this activity draws on or earns for."),
    )
    start = EventLocalDateTimeField(help_text=TIME_HELP)
    end = EventLocalDateTimeField(help_text=TIME_HELP)
    warnings = serializers.SerializerMethodField(
        help_text=_("Conflicts this activity is part of (another activity's room or organizer, capacity).")
    )

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
            "kind",
            "capacity",
            "is_public",
            "transactions",
            "budget_lines",
            "warnings",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def validate(self, attrs: dict) -> dict:
        event = attrs.get("event") or self.instance.event
        skipped = {}
        for name in ("start", "end"):
            if name in attrs and timezone.is_naive(attrs[name]):
                aware = read_in_zone(attrs[name], event.tzinfo)
                if aware is None:
                    skipped[name] = _("%(time)s does not exist in %(zone)s (the clocks go forward).") % {
                        "time": attrs[name].strftime("%Y-%m-%d %H:%M"),
                        "zone": event.timezone,
                    }
                attrs[name] = aware
        if skipped:
            raise serializers.ValidationError(skipped)
        checks = {
            "responsible": Activity.validate_responsible,
            "transactions": Activity.validate_transactions,
            "budget_lines": Activity.validate_budget_lines,
        }
        for name, check in checks.items():
            if name in attrs:
                try:
                    check(event, attrs[name])
                except DjangoValidationError as exc:
                    raise serializers.ValidationError({name: exc.messages}) from exc
        return super().validate(attrs)

    @extend_schema_field(WarningSerializer(many=True))
    def get_warnings(self, instance: Activity) -> list[dict]:
        # A list attaches a whole page's conflicts (one check per event); a single activity is checked here.
        conflicts = getattr(instance, "attached_conflicts", None)
        if conflicts is None:
            conflicts = activity_conflicts(instance)
        return [warning_data(conflict, instance.pk) for conflict in conflicts]

    def to_representation(self, instance: Activity) -> dict:
        data = super().to_representation(instance)
        tz = instance.event.tzinfo
        data["start"] = timezone.localtime(instance.start, tz).isoformat()
        data["end"] = timezone.localtime(instance.end, tz).isoformat()
        return data
