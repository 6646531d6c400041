"""Schedule checks of an event: rooms booked twice (errors), people in two places and rooms too
small (warnings).

The database filters and sorts (by location or person, then start); one linear pass over the
sorted rows then finds every overlap: no activity is compared with every other one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.db.models import F
from django.utils.translation import gettext_lazy as _

from activities.models import Activity, Status
from organizers.models import Event

ERROR = "error"
WARNING = "warning"
LOCATION_OVERLAP = "location_overlap"
RESPONSIBLE_OVERLAP = "responsible_overlap"
OVER_CAPACITY = "over_capacity"

MESSAGES = {
    LOCATION_OVERLAP: _("Two activities overlap in the same location."),
    RESPONSIBLE_OVERLAP: _("The same organizer is responsible for two overlapping activities."),
    OVER_CAPACITY: _("The activity expects more people than its location holds."),
}


@dataclass(frozen=True)
class Conflict:
    kind: str
    severity: str
    activity_ids: tuple[UUID, ...]
    subject_id: UUID  # the location or the organizer concerned

    @property
    def message(self) -> str:
        return str(MESSAGES[self.kind])


def overlapping_pairs(rows: Iterable[tuple[UUID, UUID, datetime, datetime]]) -> Iterator[tuple[UUID, UUID, UUID]]:
    """(group, a, b) for each overlapping pair in rows of (group, id, start, end) sorted by group, start."""
    group = None
    running: list[tuple[UUID, datetime]] = []  # (id, end) of activities not yet over
    for row_group, activity_id, start, end in rows:
        if row_group != group:
            group, running = row_group, []
        running = [(other, other_end) for other, other_end in running if other_end > start]
        for other, _other_end in running:
            yield group, other, activity_id
        running.append((activity_id, end))


def event_conflicts(event: Event) -> list[Conflict]:
    scheduled = Activity.objects.filter(event=event).exclude(status=Status.CANCELLED)
    by_location = (
        scheduled.filter(location__isnull=False)
        .order_by("location_id", "start", "pk")
        .values_list("location_id", "pk", "start", "end")
    )
    links = (
        Activity.responsible.through.objects.filter(activity__event=event)
        .exclude(activity__status=Status.CANCELLED)
        .order_by("organizer_id", "activity__start", "activity_id")
        .values_list("organizer_id", "activity_id", "activity__start", "activity__end")
    )
    too_big = scheduled.filter(capacity__gt=F("location__capacity")).order_by("start").values_list("pk", "location_id")
    return [
        *(Conflict(LOCATION_OVERLAP, ERROR, (a, b), place) for place, a, b in overlapping_pairs(by_location)),
        *(Conflict(RESPONSIBLE_OVERLAP, WARNING, (a, b), person) for person, a, b in overlapping_pairs(links)),
        *(Conflict(OVER_CAPACITY, WARNING, (pk,), place) for pk, place in too_big),
    ]


def activity_conflicts(activity: Activity) -> list[Conflict]:
    """The event's conflicts that involve this activity (for its admin page and API detail)."""
    return [c for c in event_conflicts(activity.event) if activity.pk in c.activity_ids]
