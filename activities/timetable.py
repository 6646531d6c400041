"""An event's timetable as a grid per day: one column per location, one row per 30-minute slot.

The admin's timetable page renders these grids as HTML tables (rowspan per activity). Slots are
counted in absolute time from the day's first start, so a day with a daylight-saving change has
no missing or repeated rows; each row is labelled with its local (event time zone) time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from uuid import UUID

from django.utils import timezone

from activities.conflicts import ERROR, Conflict
from activities.models import Activity, Location, Status
from organizers.models import Event

SLOT = timedelta(minutes=30)


@dataclass
class Placed:
    """An activity in the grid: the slot it starts in and how many slots it spans."""

    activity: Activity
    first_slot: int
    slots: int
    start: datetime  # local times, for display
    end: datetime
    severity: str = ""  # "error", "warning" or "" (its worst conflict)
    problems: list[str] = field(default_factory=list)

    @property
    def cancelled(self) -> bool:
        return self.activity.status == Status.CANCELLED


@dataclass
class Column:
    """A location's part of a day; overlapping activities (conflicts) need more than one lane."""

    location: Location | None
    lanes: list[list[Placed]]


@dataclass
class Cell:
    placed: Placed | None = None  # None: a free slot


@dataclass
class Day:
    day: date
    columns: list[Column]
    rows: list[tuple[datetime, list[Cell]]]  # (local slot start, cells of the slots that begin here)


def _floor(instant: datetime, tz) -> datetime:
    local = timezone.localtime(instant, tz)
    return instant - timedelta(minutes=local.minute % 30, seconds=local.second, microseconds=local.microsecond)


def _lanes(placed: list[Placed]) -> list[list[Placed]]:
    """Greedy interval partitioning: each activity goes into the first lane free at its slots."""
    lanes: list[list[Placed]] = []
    for item in sorted(placed, key=lambda p: (p.first_slot, -p.slots)):
        for lane in lanes:
            last = lane[-1]
            if last.first_slot + last.slots <= item.first_slot:
                lane.append(item)
                break
        else:
            lanes.append([item])
    return lanes


def _day_grid(event: Event, day: date, activities: list[Activity], locations: list[Location], notes) -> Day:
    tz = event.tzinfo
    origin = _floor(min(a.start for a in activities), tz)
    last_end = max(a.end for a in activities)
    total = max(1, -(-(last_end - origin) // SLOT))  # ceiling division
    by_location: dict[UUID | None, list[Placed]] = defaultdict(list)
    for activity in activities:
        first = (activity.start - origin) // SLOT
        last = -(-(activity.end - origin) // SLOT)
        severity, problems = notes.get(activity.pk, ("", []))
        by_location[activity.location_id].append(
            Placed(
                activity,
                first,
                max(1, last - first),
                timezone.localtime(activity.start, tz),
                timezone.localtime(activity.end, tz),
                severity,
                problems,
            )
        )
    columns = [Column(location, _lanes(by_location.get(location.pk, []))) for location in locations]
    if None in by_location:
        columns.append(Column(None, _lanes(by_location[None])))
    for column in columns:
        column.lanes = column.lanes or [[]]
    covered: set[tuple[int, int]] = set()  # (lane index across the day, slot) under a spanning activity
    lanes = [lane for column in columns for lane in column.lanes]
    rows = []
    for slot in range(total):
        cells = []
        for index, lane in enumerate(lanes):
            if (index, slot) in covered:
                continue
            here = next((p for p in lane if p.first_slot == slot), None)
            if here is not None:
                covered.update((index, s) for s in range(slot + 1, slot + here.slots))
            cells.append(Cell(here))
        rows.append((timezone.localtime(origin + slot * SLOT, tz), cells))
    return Day(day, columns, rows)


def conflict_notes(conflicts: Iterable[Conflict], titles: dict[UUID, str]) -> dict[UUID, tuple[str, list[str]]]:
    """{activity id: (worst severity, messages)}; a message names the other activity involved."""
    notes: dict[UUID, tuple[str, list[str]]] = {}
    for conflict in conflicts:
        for pk in conflict.activity_ids:
            others = [titles.get(other, "") for other in conflict.activity_ids if other != pk]
            text = conflict.message + (f" ({', '.join(others)})" if others else "")
            severity, messages = notes.get(pk, ("", []))
            worst = ERROR if ERROR in (severity, conflict.severity) else conflict.severity
            notes[pk] = (worst, [*messages, text])
    return notes


def build_timetable(
    event: Event, activities: list[Activity], locations: list[Location], conflicts: list[Conflict]
) -> list[Day]:
    """The event's days that have activities (in its time zone), each as a grid."""
    tz = event.tzinfo
    notes = conflict_notes(conflicts, {a.pk: a.title for a in activities})
    by_day: dict[date, list[Activity]] = defaultdict(list)
    for activity in activities:
        by_day[timezone.localtime(activity.start, tz).date()].append(activity)
    return [_day_grid(event, day, by_day[day], locations, notes) for day in sorted(by_day)]
