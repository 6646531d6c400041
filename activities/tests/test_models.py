from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from activities.factories import ActivityFactory, LocationFactory
from activities.models import Activity

pytestmark = pytest.mark.django_db
MADRID = ZoneInfo("Europe/Madrid")


def _errors(activity: Activity) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        activity.full_clean()
    return caught.value.message_dict


def test_end_before_start_is_refused(event_a):
    start = datetime(2026, 6, 12, 10, 0, tzinfo=MADRID)
    activity = ActivityFactory.build(event=event_a, start=start, end=start - timedelta(minutes=30))

    assert _errors(activity)["end"] == ["The activity must end after it starts."]


def test_activity_outside_the_event_dates_is_refused(event_a):
    start = datetime(2026, 6, 15, 10, 0, tzinfo=MADRID)  # event A runs 12–14 June
    activity = ActivityFactory.build(event=event_a, start=start, end=start + timedelta(hours=1))

    assert "outside the event's dates" in _errors(activity)["start"][0]


def test_dates_are_judged_in_the_events_time_zone(event_a):
    # 23:30 UTC on 14 June is already 15 June in Madrid: outside event A.
    start = datetime(2026, 6, 14, 23, 30, tzinfo=ZoneInfo("UTC"))
    activity = ActivityFactory.build(event=event_a, start=start, end=start + timedelta(minutes=20))

    assert "start" in _errors(activity)


def test_activity_may_end_at_midnight_after_the_last_day(event_a):
    start = datetime(2026, 6, 14, 22, 0, tzinfo=MADRID)
    activity = ActivityFactory.build(event=event_a, start=start, end=datetime(2026, 6, 15, 0, 0, tzinfo=MADRID))

    activity.full_clean()


def test_location_of_another_event_is_refused(event_a, event_b):
    activity = ActivityFactory.build(event=event_a, location=LocationFactory(event=event_b))

    assert _errors(activity)["location"] == ["This location belongs to another event."]


def test_responsible_organizers_must_be_members(event_a, organizer, outsider):
    Activity.validate_responsible(event_a, [organizer])

    with pytest.raises(ValidationError, match="bruno_of_b"):
        Activity.validate_responsible(event_a, [organizer, outsider])


def test_outside_dates_message_shows_the_entered_end_time(event_a):
    start = datetime(2026, 6, 14, 22, 0, tzinfo=MADRID)
    activity = ActivityFactory.build(event=event_a, start=start, end=datetime(2026, 6, 15, 11, 30, tzinfo=MADRID))

    assert _errors(activity)["end"][0].startswith("2026-06-15 11:30 is outside")
