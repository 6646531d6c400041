"""The schedule tools of the Activity admin: timetable page, day filter, duplicate and shift actions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from activities.factories import ActivityFactory, LocationFactory
from activities.models import Activity, Status
from organizers.factories import EventFactory, MembershipFactory
from organizers.models import Role
from organizers.tests.admin_support import ROLES, admin_url, assert_not_found

pytestmark = pytest.mark.django_db


def timetable_url(event) -> str:
    return reverse("admin:activities_activity_timetable", args=[event.pk])


def at(event, day: int, hour: int, minute: int = 0, month: int = 6) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=event.tzinfo)


def placements(response) -> set[tuple[str, str, str]]:
    """(day, column, title) of every activity in the rendered grids."""
    return {
        (day.day.isoformat(), column.location.name if column.location else "-", placed.activity.title)
        for day in response.context["days"]
        for column in day.columns
        for lane in column.lanes
        for placed in lane
    }


def messages_of(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def run_action(client, action: str, activities, **data):
    return client.post(
        admin_url(Activity), {"action": action, "_selected_action": [str(a.pk) for a in activities], **data}
    )


@pytest.fixture
def schedule(records):
    """Event A: a talk in the main hall and lunch without a room on day 1, a cancelled gig and a workshop on day 2."""
    event = records.a.event
    hall = records.a.location
    patio = LocationFactory(event=event, name="Patio A")
    talk = records.a.activity
    talk.location = hall
    talk.save()
    lunch = ActivityFactory(event=event, title="Lunch", start=at(event, 12, 13), end=at(event, 12, 14))
    workshop = ActivityFactory(
        event=event, title="Clay workshop", location=patio, start=at(event, 13, 11), end=at(event, 13, 12, 30)
    )
    gig = ActivityFactory(
        event=event,
        title="Late gig",
        location=hall,
        status=Status.CANCELLED,
        start=at(event, 13, 22),
        end=at(event, 13, 23),
    )
    return {
        "event": event,
        "hall": hall,
        "patio": patio,
        "talk": talk,
        "lunch": lunch,
        "workshop": workshop,
        "gig": gig,
    }


# --- Timetable ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_timetable_places_activities_by_day_and_location_for_every_member(client, request, schedule, role):
    client.force_login(request.getfixturevalue(role))

    response = client.get(timetable_url(schedule["event"]))

    assert response.status_code == 200
    assert placements(response) == {
        ("2026-06-12", "Main hall A", "Opening talk A"),
        ("2026-06-12", "-", "Lunch"),
        ("2026-06-13", "Patio A", "Clay workshop"),
        ("2026-06-13", "Main hall A", "Late gig"),
    }
    content = response.content.decode()
    assert reverse("admin:activities_activity_change", args=[schedule["talk"].pk]) in content
    assert "10:00–11:30" in content  # event time (Madrid), not UTC
    assert "<del>Late gig</del>" in content
    assert "Opening talk B" not in content


def test_timetable_rows_are_half_hours_and_an_activity_spans_its_slots(client, schedule, viewer):
    client.force_login(viewer)

    response = client.get(timetable_url(schedule["event"]))

    first_day = response.context["days"][0]
    labels = [slot.strftime("%H:%M") for slot, _cells in first_day.rows]
    assert labels == ["10:00", "10:30", "11:00", "11:30", "12:00", "12:30", "13:00", "13:30"]
    assert [c.location.name if c.location else "-" for c in first_day.columns] == ["Main hall A", "Patio A", "-"]
    talk = next(p for c in first_day.columns for lane in c.lanes for p in lane if p.activity.title == "Opening talk A")
    assert talk.slots == 3
    assert 'rowspan="3"' in response.content.decode()


def test_timetable_highlights_a_double_booked_room(client, schedule, organizer):
    # Created past the model's clean(), as imported or legacy data could be.
    clash = ActivityFactory(
        event=schedule["event"],
        title="Soundcheck",
        location=schedule["hall"],
        start=at(schedule["event"], 12, 11),
        end=at(schedule["event"], 12, 12),
    )
    client.force_login(organizer)

    response = client.get(timetable_url(schedule["event"]))

    content = response.content.decode()
    assert content.count("conflict-error") >= 3  # the summary line and both cells
    assert f'data-activity="{clash.pk}"' in content
    assert ("2026-06-12", "Main hall A", "Soundcheck") in placements(response)
    assert "Two activities overlap in the same location." in content


def test_timetable_queries_do_not_grow_with_the_activities(client, schedule, viewer):
    client.force_login(viewer)
    url = timetable_url(schedule["event"])
    client.get(url)  # warm up the session and the content types
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for hour in range(14, 20):
        ActivityFactory(event=schedule["event"], start=at(schedule["event"], 12, hour), location=schedule["patio"])

    with CaptureQueriesContext(connection) as many:
        client.get(url)

    assert len(many) == len(few)


def test_timetable_of_another_event_is_not_found(client, records, owner):
    client.force_login(owner)

    assert_not_found(client.get(timetable_url(records.b.event)))
    assert_not_found(client.get(reverse("admin:activities_activity_timetable", args=["not-a-uuid"])))


def test_timetable_asks_anonymous_visitors_to_sign_in(client, records):
    response = client.get(timetable_url(records.a.event))

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_event_page_and_activity_list_link_to_the_timetable(client, records, owner):
    client.force_login(owner)

    event_page = client.get(admin_url(records.a.event, "change")).content.decode()
    activity_list = client.get(admin_url(Activity)).content.decode()

    assert timetable_url(records.a.event) in event_page
    assert timetable_url(records.a.event) in activity_list
    assert timetable_url(records.b.event) not in activity_list


# --- Day filter -----------------------------------------------------------------------------------


def test_day_filter_reads_days_in_each_events_zone(client, schedule, records, superuser):
    # 22:00 on the 12th in New York is already the 13th in UTC: it still belongs to the 12th.
    late = ActivityFactory(
        event=records.b.event, title="Night B", start=at(records.b.event, 12, 22), end=at(records.b.event, 12, 23)
    )
    client.force_login(superuser)

    response = client.get(admin_url(Activity), {"day": "2026-06-12"})

    shown = {a.title for a in response.context["cl"].result_list}
    assert shown == {"Opening talk A", "Lunch", "Opening talk B", late.title}
    day_filter = next(s for s in response.context["cl"].filter_specs if getattr(s, "parameter_name", "") == "day")
    assert [value for value, _label in day_filter.lookup_choices] == ["2026-06-12", "2026-06-13"]


def test_day_filter_offers_only_the_days_of_the_users_events(client, records, viewer):
    ActivityFactory(event=records.b.event, start=at(records.b.event, 14, 9))
    client.force_login(viewer)

    response = client.get(admin_url(Activity), {"day": "2026-06-14"})

    day_filter = next(s for s in response.context["cl"].filter_specs if getattr(s, "parameter_name", "") == "day")
    assert [value for value, _label in day_filter.lookup_choices] == ["2026-06-12"]
    assert list(response.context["cl"].result_list) == []


@pytest.mark.parametrize("query", [{"day": "yesterday"}, {"kind__exact": "talk"}, {"is_public__exact": "1"}])
def test_other_activity_filters_answer(client, records, organizer, query):
    client.force_login(organizer)

    response = client.get(admin_url(Activity), query)

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []


# --- Duplicate ------------------------------------------------------------------------------------


def test_duplicate_copies_times_and_people_without_the_room(client, schedule, organizer, viewer):
    talk = schedule["talk"]
    talk.status = Status.CONFIRMED
    talk.save()
    talk.responsible.set([viewer])
    client.force_login(organizer)

    response = run_action(client, "duplicate_activities", [talk, schedule["workshop"]])

    assert response.status_code == 302
    copy = Activity.objects.get(title="Opening talk A (copy)")
    assert (copy.start, copy.end, copy.event, copy.location) == (talk.start, talk.end, talk.event, None)
    assert copy.status == Status.PLANNED
    assert list(copy.responsible.all()) == [viewer]
    assert Activity.objects.filter(title="Clay workshop (copy)").exists()
    assert "2 activities duplicated" in messages_of(response)


# --- Shift ----------------------------------------------------------------------------------------


def test_shift_asks_for_the_minutes_first(client, schedule, organizer):
    client.force_login(organizer)

    response = run_action(client, "shift_activities", [schedule["talk"]])

    assert response.status_code == 200
    assert 'name="minutes"' in response.content.decode()
    schedule["talk"].refresh_from_db()
    assert schedule["talk"].start == at(schedule["event"], 12, 10)


def test_shift_moves_every_selected_activity(client, schedule, organizer):
    # Shifted alone, the talk (10:00-11:30) would overlap the follow-up's old time in the hall;
    # both move together, so the check sees the follow-up where it goes.
    follow_up = ActivityFactory(
        event=schedule["event"],
        title="Follow-up",
        location=schedule["hall"],
        start=at(schedule["event"], 12, 11, 30),
        end=at(schedule["event"], 12, 12, 30),
    )
    client.force_login(organizer)

    response = run_action(client, "shift_activities", [schedule["talk"], follow_up], apply="Shift", minutes="45")

    assert response.status_code == 302
    schedule["talk"].refresh_from_db()
    follow_up.refresh_from_db()
    assert (schedule["talk"].start, schedule["talk"].end) == (
        at(schedule["event"], 12, 10, 45),
        at(schedule["event"], 12, 12, 15),
    )
    assert follow_up.start == at(schedule["event"], 12, 12, 15)


@pytest.mark.parametrize(
    ("minutes", "error"),
    [
        ("-1440", "is outside the event"),  # the talk would move to the day before the event
        ("180", "is taken by “Rehearsal”"),  # the talk would land on the rehearsal in the hall
    ],
)
def test_shift_moves_nothing_when_one_activity_would_be_invalid(client, schedule, organizer, minutes, error):
    blocker = ActivityFactory(
        event=schedule["event"],
        title="Rehearsal",
        location=schedule["hall"],
        start=at(schedule["event"], 12, 13),
        end=at(schedule["event"], 12, 15),
    )
    selected = [schedule["talk"], schedule["workshop"]]
    before = {a.pk: (a.start, a.end) for a in selected}
    client.force_login(organizer)

    response = run_action(client, "shift_activities", selected, apply="Shift", minutes=minutes)

    assert response.status_code == 302
    assert {a.pk: (a.start, a.end) for a in Activity.objects.filter(pk__in=list(before))} == before
    assert "Nothing was shifted" in messages_of(response)
    assert error in messages_of(response)
    assert blocker.start == at(schedule["event"], 12, 13)


def test_shift_of_zero_minutes_is_a_form_error(client, schedule, organizer):
    client.force_login(organizer)

    response = run_action(client, "shift_activities", [schedule["talk"]], apply="Shift", minutes="0")

    assert response.status_code == 200
    assert "other than zero" in response.content.decode()


def test_shift_across_the_clock_change_keeps_absolute_durations(client, organizer):
    # Europe/Madrid jumps from 02:00 to 03:00 on 2026-03-29.
    event = EventFactory(start_date=date(2026, 3, 28), end_date=date(2026, 3, 29))
    MembershipFactory(event=event, organizer=organizer, role=Role.ORGANIZER)
    night = ActivityFactory(event=event, title="Night walk", start=at(event, 29, 0, 30, 3), end=at(event, 29, 1, 30, 3))
    client.force_login(organizer)

    response = run_action(client, "shift_activities", [night], apply="Shift", minutes="120")

    assert response.status_code == 302
    night.refresh_from_db()
    assert night.start == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 03:30 summer time in Madrid
    assert night.end - night.start == timedelta(hours=1)
    assert night.start.astimezone(event.tzinfo).strftime("%H:%M") == "03:30"


# --- Permissions ----------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["duplicate_activities", "shift_activities"])
def test_viewer_cannot_run_schedule_actions(client, schedule, viewer, action):
    client.force_login(viewer)

    response = run_action(client, action, [schedule["talk"]], apply="Shift", minutes="30")

    assert response.status_code in {200, 302}
    assert Activity.objects.filter(event=schedule["event"]).count() == 4
    schedule["talk"].refresh_from_db()
    assert schedule["talk"].start == at(schedule["event"], 12, 10)


@pytest.mark.parametrize("action", ["duplicate_activities", "shift_activities"])
def test_schedule_actions_refuse_events_where_the_user_only_views(client, records, organizer, action):
    third = EventFactory(name="Gala C", slug="gala-c")
    MembershipFactory(event=third, organizer=organizer, role=Role.VIEWER)
    theirs = ActivityFactory(event=third, title="Gala dinner")
    client.force_login(organizer)

    response = run_action(client, action, [records.a.activity, theirs], apply="Shift", minutes="30")

    assert response.status_code == 302
    assert "your role does not allow this in Gala C" in messages_of(response)
    assert Activity.objects.count() == 3
    theirs.refresh_from_db()
    records.a.activity.refresh_from_db()
    assert (theirs.start, records.a.activity.start) == (at(third, 12, 10), at(records.a.event, 12, 10))


def test_timetable_rows_skip_the_hour_the_clocks_jump(client, organizer):
    # Europe/Madrid jumps from 02:00 to 03:00 on 2026-03-29: 01:00-04:00 lasts two real hours.
    event = EventFactory(start_date=date(2026, 3, 28), end_date=date(2026, 3, 29))
    MembershipFactory(event=event, organizer=organizer, role=Role.VIEWER)
    ActivityFactory(event=event, title="Night walk", start=at(event, 29, 1, 0, 3), end=at(event, 29, 4, 0, 3))
    client.force_login(organizer)

    response = client.get(timetable_url(event))

    (day,) = response.context["days"]
    assert [slot.strftime("%H:%M") for slot, _cells in day.rows] == ["01:00", "01:30", "03:00", "03:30"]
    assert "01:00–04:00" in response.content.decode()
