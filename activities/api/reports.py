"""GET /api/events/{id}/conflicts/ and /schedule/: the event's conflicts, and its schedule grouped by
day and place.

Each is built from a fixed number of queries, however many activities the event has: the
activities once (with their locations), the responsible links once, the people once.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from itertools import groupby

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from activities.conflicts import RESPONSIBLE_OVERLAP, event_conflicts
from activities.models import Activity
from organizers.api.base import visible_event
from organizers.models import Event, Organizer


def _local(moment: datetime, event: Event) -> str:
    return timezone.localtime(moment, event.tzinfo).isoformat()


def conflict_report(event: Event) -> list[dict]:
    conflicts = event_conflicts(event)
    involved = {pk for conflict in conflicts for pk in conflict.activity_ids}
    activities = {
        activity.pk: activity for activity in Activity.objects.filter(pk__in=list(involved)).select_related("location")
    }
    people_ids = {c.subject_id for c in conflicts if c.kind == RESPONSIBLE_OVERLAP}
    people = {person.pk: person for person in Organizer.objects.filter(pk__in=list(people_ids))}
    report = []
    for conflict in conflicts:
        rows = [activities[pk] for pk in conflict.activity_ids]
        person = people.get(conflict.subject_id) if conflict.kind == RESPONSIBLE_OVERLAP else None
        # Every activity of a location conflict is in that location: the first one names it.
        place = None if conflict.kind == RESPONSIBLE_OVERLAP else rows[0].location
        report.append(
            {
                "kind": conflict.kind,
                "severity": conflict.severity,
                "message": conflict.message,
                "activities": [
                    {"id": a.pk, "title": a.title, "start": _local(a.start, event), "end": _local(a.end, event)}
                    for a in rows
                ],
                "location": place and {"id": place.pk, "name": place.name},
                "organizer": person and {"id": person.pk, "username": person.username},
            }
        )
    return report


def schedule_report(event: Event) -> dict:
    activities = list(Activity.objects.filter(event=event).select_related("location").order_by("start", "title", "pk"))
    links = Activity.responsible.through.objects.filter(activity__event=event).values_list(
        "activity_id", "organizer__username"
    )
    usernames: dict = defaultdict(list)
    for activity_id, username in links:
        usernames[activity_id].append(username)
    tz = event.tzinfo

    def day_of(activity: Activity):
        return timezone.localtime(activity.start, tz).date()

    def place_of(activity: Activity) -> tuple[bool, str]:
        # Named locations in name order, then the activities without a location.
        return (activity.location is None, activity.location.name if activity.location else "")

    days = []
    for day, on_day in groupby(activities, key=day_of):
        places = []
        for _key, in_place in groupby(sorted(on_day, key=place_of), key=place_of):
            rows = list(in_place)
            location = rows[0].location
            places.append(
                {
                    "location": location and {"id": location.pk, "name": location.name},
                    "activities": [
                        {
                            "id": a.pk,
                            "title": a.title,
                            "kind": a.kind,
                            "status": a.status,
                            "start": _local(a.start, event),
                            "end": _local(a.end, event),
                            "is_public": a.is_public,
                            "responsible": sorted(usernames[a.pk]),
                        }
                        for a in rows
                    ],
                }
            )
        days.append({"date": day.isoformat(), "locations": places})
    return {"event": {"id": event.pk, "name": event.name, "timezone": event.timezone}, "days": days}


# --- Response shapes, for the OpenAPI schema ------------------------------------------------------


class NamedSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class PersonSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    username = serializers.CharField()


class InvolvedActivitySerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    start = serializers.CharField(help_text=_("ISO 8601 in the event's time zone."))
    end = serializers.CharField(help_text=_("ISO 8601 in the event's time zone."))


class ConflictSerializer(serializers.Serializer):
    kind = serializers.CharField()
    severity = serializers.CharField()
    message = serializers.CharField()
    activities = InvolvedActivitySerializer(many=True)
    location = NamedSerializer(allow_null=True)
    organizer = PersonSerializer(allow_null=True)


class ScheduledActivitySerializer(InvolvedActivitySerializer):
    kind = serializers.CharField()
    status = serializers.CharField()
    is_public = serializers.BooleanField()
    responsible = serializers.ListField(child=serializers.CharField(), help_text=_("Usernames."))


class PlaceSerializer(serializers.Serializer):
    location = NamedSerializer(allow_null=True, help_text=_("null: activities without a location."))
    activities = ScheduledActivitySerializer(many=True)


class DaySerializer(serializers.Serializer):
    date = serializers.DateField(help_text=_("A day in the event's time zone."))
    locations = PlaceSerializer(many=True)


class EventRefSerializer(NamedSerializer):
    timezone = serializers.CharField()


class ScheduleSerializer(serializers.Serializer):
    event = EventRefSerializer()
    days = DaySerializer(many=True)


# --- Views ------------------------------------------------------------------------------------------


class EventConflictsView(APIView):
    @extend_schema(summary="The schedule's conflicts", responses=ConflictSerializer(many=True))
    def get(self, request: Request, pk) -> Response:
        """The schedule's conflicts: rooms booked twice (errors), organizers in two places and
        activities bigger than their room (warnings). Any member of the event."""
        return Response(conflict_report(visible_event(request.user, pk)))


class EventScheduleView(APIView):
    @extend_schema(summary="The event's schedule", responses=ScheduleSerializer)
    def get(self, request: Request, pk) -> Response:
        """All activities, cancelled ones too, grouped by day (event time) and location. Any member
        of the event."""
        return Response(schedule_report(visible_event(request.user, pk)))
