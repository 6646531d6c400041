"""The schedule's rules in the domain: rooms booked twice, people in two places, rooms too small,
and all of it judged in real (UTC) time, also across the changes to and from summer time."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from activities.conflicts import ERROR, LOCATION_OVERLAP, OVER_CAPACITY, RESPONSIBLE_OVERLAP, WARNING, event_conflicts
from activities.factories import ActivityFactory, LocationFactory
from activities.models import Activity, Status
from finance.factories import TransactionFactory
from organizers.factories import EventFactory

pytestmark = pytest.mark.django_db
MADRID = ZoneInfo("Europe/Madrid")


def at(day: int, hour: int, minute: int = 0, month: int = 6, fold: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=MADRID, fold=fold)


def booking(event, location, start: datetime, end: datetime, **fields) -> Activity:
    return ActivityFactory.build(event=event, location=location, start=start, end=end, **fields)


@pytest.fixture
def hall(event_a):
    return LocationFactory(event=event_a, name="Hall", capacity=100)


def test_a_room_booked_twice_at_the_same_time_is_refused_naming_the_other_activity(event_a, hall):
    ActivityFactory(event=event_a, location=hall, title="Keynote", start=at(12, 10), end=at(12, 11))
    clash = booking(event_a, hall, at(12, 10, 30), at(12, 12))

    with pytest.raises(ValidationError) as caught:
        clash.full_clean()

    assert caught.value.message_dict == {"location": ["Hall is taken by “Keynote” from 2026-06-12 10:00 to 11:00."]}


@pytest.mark.parametrize(
    ("existing_status", "new_status", "start", "end"),
    [
        (Status.CANCELLED, Status.PLANNED, at(12, 10, 30), at(12, 12)),  # the other one is cancelled
        (Status.CONFIRMED, Status.CANCELLED, at(12, 10, 30), at(12, 12)),  # the new one is cancelled
        (Status.CONFIRMED, Status.PLANNED, at(12, 11), at(12, 12)),  # starts as the other ends
        (Status.CONFIRMED, Status.PLANNED, at(12, 9), at(12, 10)),  # ends as the other starts
    ],
)
def test_a_room_may_be_booked_again_when_one_is_cancelled_or_times_only_touch(
    event_a, hall, existing_status, new_status, start, end
):
    ActivityFactory(event=event_a, location=hall, start=at(12, 10), end=at(12, 11), status=existing_status)

    booking(event_a, hall, start, end, status=new_status).full_clean()


def test_the_same_organizer_in_two_overlapping_activities_is_a_warning_not_a_refusal(event_a, organizer, hall):
    first = ActivityFactory(event=event_a, location=hall, start=at(12, 10), end=at(12, 11))
    second = ActivityFactory(event=event_a, start=at(12, 10, 30), end=at(12, 12))
    touching = ActivityFactory(event=event_a, start=at(12, 12), end=at(12, 13))
    for activity in (first, second, touching):
        activity.responsible.add(organizer)

    second.full_clean()

    conflicts = event_conflicts(event_a)
    assert [(c.kind, c.severity, c.activity_ids, c.subject_id) for c in conflicts] == [
        (RESPONSIBLE_OVERLAP, WARNING, (first.pk, second.pk), organizer.pk)
    ]


def test_an_activity_bigger_than_its_room_is_a_warning(event_a, hall):
    too_big = ActivityFactory(event=event_a, location=hall, capacity=150)
    ActivityFactory(event=event_a, location=hall, capacity=100, start=at(13, 10))
    ActivityFactory(event=event_a, capacity=5000, start=at(14, 10))  # no room, no limit

    too_big.full_clean()

    assert [(c.kind, c.severity, c.activity_ids) for c in event_conflicts(event_a)] == [
        (OVER_CAPACITY, WARNING, (too_big.pk,))
    ]


def test_cancelled_activities_raise_no_warnings(event_a, organizer, hall):
    for start in (at(12, 10), at(12, 10, 30)):
        activity = ActivityFactory(event=event_a, start=start, status=Status.CANCELLED, capacity=500, location=hall)
        activity.responsible.add(organizer)

    assert event_conflicts(event_a) == []


def test_a_double_booking_stored_before_the_rule_is_reported_as_an_error(event_a, hall):
    first = ActivityFactory(event=event_a, location=hall)
    second = Activity.objects.create(
        event=event_a, title="Bypassed clean()", location=hall, start=first.start, end=first.end
    )

    assert [(c.kind, c.severity, set(c.activity_ids)) for c in event_conflicts(event_a)] == [
        (LOCATION_OVERLAP, ERROR, {first.pk, second.pk})
    ]


# --- Summer time (Europe/Madrid: 29 March 2026 02:00 → 03:00, 25 October 2026 03:00 → 02:00) -------


@pytest.fixture
def spring_event(db):
    return EventFactory(start_date=date(2026, 3, 28), end_date=date(2026, 3, 30))


@pytest.fixture
def autumn_event(db):
    return EventFactory(start_date=date(2026, 10, 24), end_date=date(2026, 10, 26))


def test_an_activity_across_spring_forward_lasts_one_real_hour(spring_event):
    activity = ActivityFactory(event=spring_event, start=at(29, 1, 30, month=3), end=at(29, 3, 30, month=3))

    activity.refresh_from_db()
    assert activity.end - activity.start == timedelta(hours=1)
    assert (activity.start, activity.end) == (
        datetime(2026, 3, 29, 0, 30, tzinfo=UTC),
        datetime(2026, 3, 29, 1, 30, tzinfo=UTC),
    )


def test_rooms_are_judged_in_real_time_across_spring_forward(spring_event):
    room = LocationFactory(event=spring_event)
    ActivityFactory(event=spring_event, location=room, start=at(29, 1, 0, month=3), end=at(29, 3, 0, month=3))

    # 03:00 summer time is the instant 02:00 winter time would have been: they only touch.
    booking(spring_event, room, at(29, 3, 0, month=3), at(29, 4, 0, month=3)).full_clean()
    with pytest.raises(ValidationError, match="is taken by"):
        booking(spring_event, room, at(29, 1, 30, month=3), at(29, 3, 30, month=3)).full_clean()


def test_the_repeated_hour_of_fall_back_holds_two_bookings_of_one_room(autumn_event):
    room = LocationFactory(event=autumn_event)
    # 02:00–02:45 summer time, then the clocks go back and 02:15–02:45 comes again an hour later.
    ActivityFactory(event=autumn_event, location=room, start=at(25, 2, 0, month=10), end=at(25, 2, 45, month=10))
    again = booking(autumn_event, room, at(25, 2, 15, month=10, fold=1), at(25, 2, 45, month=10, fold=1))
    first_pass = booking(autumn_event, room, at(25, 2, 30, month=10), at(25, 2, 40, month=10))

    again.full_clean()
    with pytest.raises(ValidationError, match="is taken by"):
        first_pass.full_clean()
    # (In UTC: Python subtracts two times of one zone on the wall clock, ignoring fold.)
    assert again.start.astimezone(UTC) == datetime(2026, 10, 25, 1, 15, tzinfo=UTC)


def test_organizer_overlaps_are_judged_in_real_time_across_fall_back(autumn_event, organizer):
    early = ActivityFactory(event=autumn_event, start=at(25, 1, 30, month=10), end=at(25, 2, 30, month=10))
    # Starts at 02:15 on the wall clock, but after the clocks went back: 45 minutes after `early` ended.
    later = ActivityFactory(event=autumn_event, start=at(25, 2, 15, month=10, fold=1), end=at(25, 4, 0, month=10))
    # 02:10–02:50 of the first pass overlaps `early`, and ends (00:50 UTC) before `later` starts (01:15 UTC),
    # though on the wall clock it seems to overlap `later` too.
    overlapping = ActivityFactory(event=autumn_event, start=at(25, 2, 10, month=10), end=at(25, 2, 50, month=10))
    for activity in (early, later, overlapping):
        activity.responsible.add(organizer)

    assert [c.activity_ids for c in event_conflicts(autumn_event)] == [(early.pk, overlapping.pk)]


# --- Linked transactions ----------------------------------------------------------------------------


def test_linked_transactions_must_be_in_the_activitys_event(event_a, event_b):
    ours = TransactionFactory(event=event_a, description="Stage rental")
    theirs = TransactionFactory(event=event_b, description="Their catering", currency="USD")

    Activity.validate_transactions(event_a, [ours])
    with pytest.raises(ValidationError, match="Their catering") as caught:
        Activity.validate_transactions(event_a, [ours, theirs])
    assert caught.value.code == "other_event"
