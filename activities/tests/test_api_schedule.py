"""The schedule in the API: new activity fields, warnings, day filters, and the per-event
conflicts and schedule endpoints."""

from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from activities.factories import ActivityFactory, LocationFactory
from activities.models import Activity, Kind, Status
from finance.factories import TransactionFactory
from organizers.factories import EventFactory, MembershipFactory
from organizers.models import Role

pytestmark = pytest.mark.django_db

ACTIVITIES = "/api/activities/"


def at(event, day: int, hour: int, minute: int = 0, month: int = 6) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=event.tzinfo)


def payload(event_, **changes) -> dict:
    return {
        "event": str(event_.pk),
        "title": "Opening concert",
        "start": "2026-06-12T20:00:00",
        "end": "2026-06-12T22:00:00",
        **changes,
    }


def titles(response) -> list[str]:
    return [row["title"] for row in response.json()["results"]]


# --- Fields: kind, capacity, public, transactions ---------------------------------------------------


def test_an_activity_is_planned_with_kind_capacity_public_flag_and_transactions(api, organizer, event_a):
    fee = TransactionFactory(event=event_a, description="Band fee")

    response = api.as_user(organizer).post(
        ACTIVITIES,
        payload(event_a, kind="concert", capacity=300, is_public=True, transactions=[str(fee.pk)]),
        format="json",
    )

    assert response.status_code == 201
    data = response.json()
    assert (data["kind"], data["capacity"], data["is_public"], data["transactions"]) == (
        "concert",
        300,
        True,
        [str(fee.pk)],
    )
    assert list(Activity.objects.get().transactions.all()) == [fee]


def test_a_new_activity_is_internal_and_of_kind_other_by_default(api, organizer, event_a):
    data = api.as_user(organizer).post(ACTIVITIES, payload(event_a), format="json").json()

    assert (data["kind"], data["capacity"], data["is_public"], data["transactions"]) == ("other", None, False, [])


def test_a_transaction_of_another_event_of_mine_is_refused_by_name(api, organizer, event_a, event_b):
    MembershipFactory(event=event_b, organizer=organizer, role=Role.VIEWER)
    theirs = TransactionFactory(event=event_b, currency="USD", description="Congress catering")

    response = api.as_user(organizer).post(ACTIVITIES, payload(event_a, transactions=[str(theirs.pk)]), format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["transactions"]
    assert "Not in this event's ledger" in response.json()["transactions"][0]
    assert not Activity.objects.exists()


def test_a_transaction_of_an_event_i_cannot_see_is_not_found(api, organizer, event_a, event_b):
    theirs = TransactionFactory(event=event_b, currency="USD", description="Congress catering")

    response = api.as_user(organizer).post(ACTIVITIES, payload(event_a, transactions=[str(theirs.pk)]), format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["transactions"]
    assert "Congress catering" not in response.content.decode()
    assert not Activity.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"kind": "party"}, "kind"), ({"capacity": -1}, "capacity"), ({"is_public": "maybe"}, "is_public")],
)
def test_bad_new_fields_are_refused_on_their_field(api, organizer, event_a, changes, field):
    response = api.as_user(organizer).post(ACTIVITIES, payload(event_a, **changes), format="json")

    assert (response.status_code, list(response.json())) == (400, [field])


# --- Rooms and warnings -----------------------------------------------------------------------------


@pytest.fixture
def hall(event_a):
    return LocationFactory(event=event_a, name="Hall", capacity=100)


@pytest.mark.parametrize(
    ("existing_status", "changes", "expected"),
    [
        (Status.CONFIRMED, {}, 400),
        (Status.CANCELLED, {}, 201),
        (Status.CONFIRMED, {"status": "cancelled"}, 201),
        (Status.CONFIRMED, {"start": "2026-06-12T19:00:00", "end": "2026-06-12T20:00:00"}, 201),  # touching
    ],
)
def test_a_room_booked_twice_is_refused_unless_cancelled_or_touching(
    api, organizer, event_a, hall, existing_status, changes, expected
):
    ActivityFactory(
        event=event_a,
        location=hall,
        title="Keynote",
        start=at(event_a, 12, 20),
        end=at(event_a, 12, 21),
        status=existing_status,
    )

    response = api.as_user(organizer).post(
        ACTIVITIES, payload(event_a, title="Clash", location=str(hall.pk), **changes), format="json"
    )

    assert response.status_code == expected
    if expected == 400:
        assert response.json() == {"location": ["Hall is taken by “Keynote” from 2026-06-12 20:00 to 21:00."]}
    assert Activity.objects.filter(title="Clash").exists() is (expected == 201)


def test_organizer_overlap_and_capacity_are_listed_as_warnings_not_refused(api, organizer, event_a, hall):
    other = ActivityFactory(event=event_a, title="Rehearsal", start=at(event_a, 12, 21), end=at(event_a, 12, 23))
    other.responsible.add(organizer)
    api.as_user(organizer)

    response = api.post(
        ACTIVITIES,
        payload(event_a, location=str(hall.pk), capacity=150, responsible=[str(organizer.pk)]),
        format="json",
    )

    assert response.status_code == 201
    created = response.json()
    expected = [
        {
            "kind": "responsible_overlap",
            "severity": "warning",
            "message": "The same organizer is responsible for two overlapping activities.",
            "activities": [str(other.pk)],
            "location": None,
            "organizer": str(organizer.pk),
        },
        {
            "kind": "over_capacity",
            "severity": "warning",
            "message": "The activity expects more people than its location holds.",
            "activities": [],
            "location": str(hall.pk),
            "organizer": None,
        },
    ]
    assert created["warnings"] == expected
    assert api.get(f"{ACTIVITIES}{created['id']}/").json()["warnings"] == expected
    listed = {row["title"]: row["warnings"] for row in api.get(ACTIVITIES).json()["results"]}
    assert listed == {"Opening concert": expected, "Rehearsal": [{**expected[0], "activities": [created["id"]]}]}


def test_list_warnings_cost_the_same_queries_for_few_or_many_conflicts(api, viewer, organizer, event_a):
    api.as_user(viewer)

    def list_queries(rows: int) -> int:
        for n in range(rows - Activity.objects.count()):
            activity = ActivityFactory(event=event_a, title=f"Slot {n}", start=at(event_a, 12, 10, n))
            activity.responsible.add(organizer)
        with CaptureQueriesContext(connection) as captured:
            results = api.get(ACTIVITIES).json()["results"]
        assert all(row["warnings"] for row in results)
        return len(captured)

    assert list_queries(3) == list_queries(10)


# --- Times around the changes of summer time --------------------------------------------------------


def test_a_naive_time_in_the_repeated_hour_of_fall_back_is_the_first_one(api, organizer):
    event = EventFactory(start_date=date(2026, 10, 24), end_date=date(2026, 10, 26))
    MembershipFactory(event=event, organizer=organizer, role=Role.ORGANIZER)

    response = api.as_user(organizer).post(
        ACTIVITIES, payload(event, start="2026-10-25T02:30:00", end="2026-10-25T03:30:00"), format="json"
    )

    assert response.status_code == 201
    assert (response.json()["start"], response.json()["end"]) == (
        "2026-10-25T02:30:00+02:00",
        "2026-10-25T03:30:00+01:00",
    )
    stored = Activity.objects.get()
    assert (stored.start, stored.end) == (
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
        datetime(2026, 10, 25, 2, 30, tzinfo=UTC),
    )


def test_a_naive_time_skipped_by_spring_forward_is_refused(api, organizer):
    event = EventFactory(start_date=date(2026, 3, 28), end_date=date(2026, 3, 30))
    MembershipFactory(event=event, organizer=organizer, role=Role.ORGANIZER)

    response = api.as_user(organizer).post(
        ACTIVITIES, payload(event, start="2026-03-29T02:30:00", end="2026-03-29T04:00:00"), format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"start": ["2026-03-29 02:30 does not exist in Europe/Madrid (the clocks go forward)."]}
    assert not Activity.objects.exists()


def test_an_activity_across_spring_forward_is_shown_with_both_offsets(api, organizer):
    event = EventFactory(start_date=date(2026, 3, 28), end_date=date(2026, 3, 30))
    MembershipFactory(event=event, organizer=organizer, role=Role.ORGANIZER)

    response = api.as_user(organizer).post(
        ACTIVITIES, payload(event, start="2026-03-29T01:30:00", end="2026-03-29T03:30:00"), format="json"
    )

    assert (response.json()["start"], response.json()["end"]) == (
        "2026-03-29T01:30:00+01:00",
        "2026-03-29T03:30:00+02:00",
    )
    stored = Activity.objects.get()
    assert (stored.end - stored.start).total_seconds() == 3600


# --- Filters ------------------------------------------------------------------------------------------


@pytest.fixture
def late_night(event_a, event_b, hall):
    """Activities near midnight: local days differ from UTC days."""
    rows = [
        # 00:30 on 13 June in Madrid is 22:30 UTC on 12 June.
        (event_a, "After-party", at(event_a, 13, 0, 30), hall, Kind.CONCERT, True),
        (event_a, "Late set", at(event_a, 12, 23, 0), None, Kind.CONCERT, True),
        (event_a, "Teardown", at(event_a, 13, 9, 0), None, Kind.LOGISTICS, False),
        # 21:00 on 12 June in New York is 01:00 UTC on 13 June.
        (event_b, "Dinner", at(event_b, 12, 21, 0), None, Kind.MEAL, False),
    ]
    for event, title, start, location, kind, public in rows:
        ActivityFactory(event=event, title=title, start=start, location=location, kind=kind, is_public=public)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"day": "2026-06-13"}, ["After-party", "Teardown"]),
        ({"day": "2026-06-12"}, ["Late set", "Dinner"]),
        ({"day": "2026-06-12", "event": "event_a"}, ["Late set"]),
        ({"day": "2026-06-20"}, []),
        ({"kind": "concert"}, ["Late set", "After-party"]),
        ({"kind": ["logistics", "meal"]}, ["Dinner", "Teardown"]),
        ({"is_public": "false"}, ["Dinner", "Teardown"]),
        ({"is_public": "true", "location": "hall"}, ["After-party"]),
    ],
)
def test_activities_filter_by_local_day_kind_and_public_flag(
    api, superuser, event_a, hall, late_night, params, expected
):
    named = {"event_a": str(event_a.pk), "hall": str(hall.pk)}
    resolved = {key: named.get(value, value) if isinstance(value, str) else value for key, value in params.items()}

    response = api.as_user(superuser).get(ACTIVITIES, resolved)

    assert response.status_code == 200
    assert titles(response) == expected


def test_the_day_filter_only_holds_my_events(api, viewer, late_night):
    assert titles(api.as_user(viewer).get(ACTIVITIES, {"day": "2026-06-12"})) == ["Late set"]


@pytest.mark.parametrize("params", [{"day": "13 June"}, {"kind": "party"}])
def test_malformed_schedule_filters_are_refused(api, viewer, params):
    response = api.as_user(viewer).get(ACTIVITIES, params)

    assert (response.status_code, list(response.json())) == (400, list(params))


def test_the_day_filter_spans_the_short_day_of_spring_forward(api, organizer):
    event = EventFactory(start_date=date(2026, 3, 28), end_date=date(2026, 3, 30))
    MembershipFactory(event=event, organizer=organizer, role=Role.ORGANIZER)
    for title, day, hour in [("Before", 28, 23), ("Night", 29, 0), ("Evening", 29, 23), ("Next", 30, 0)]:
        ActivityFactory(event=event, title=title, start=at(event, day, hour, month=3))

    assert titles(api.as_user(organizer).get(ACTIVITIES, {"day": "2026-03-29"})) == ["Night", "Evening"]


# --- /api/events/{id}/conflicts/ and /schedule/ -------------------------------------------------------


def url(event, report: str) -> str:
    return f"/api/events/{event.pk}/{report}/"


@pytest.mark.parametrize("report", ["conflicts", "schedule"])
def test_reports_answer_members_and_hide_other_events(api, viewer, event_a, event_b, outsider, report):
    assert api.as_user(viewer).get(url(event_a, report)).status_code == 200
    assert api.as_user(viewer).get(url(event_b, report)).status_code == 404
    assert api.as_user(None).get(url(event_a, report)).status_code == 401


def test_conflicts_list_each_conflict_with_its_activities_in_event_time(api, viewer, organizer, event_a, hall):
    first = ActivityFactory(
        event=event_a, title="Keynote", start=at(event_a, 12, 10), end=at(event_a, 12, 11), capacity=120, location=hall
    )
    second = ActivityFactory(event=event_a, title="Press", start=at(event_a, 12, 10, 30), end=at(event_a, 12, 12))
    for activity in (first, second):
        activity.responsible.add(organizer)

    response = api.as_user(viewer).get(url(event_a, "conflicts"))

    assert response.status_code == 200
    keynote = {
        "id": str(first.pk),
        "title": "Keynote",
        "start": "2026-06-12T10:00:00+02:00",
        "end": "2026-06-12T11:00:00+02:00",
    }
    press = {
        "id": str(second.pk),
        "title": "Press",
        "start": "2026-06-12T10:30:00+02:00",
        "end": "2026-06-12T12:00:00+02:00",
    }
    assert response.json() == [
        {
            "kind": "responsible_overlap",
            "severity": "warning",
            "message": "The same organizer is responsible for two overlapping activities.",
            "activities": [keynote, press],
            "location": None,
            "organizer": {"id": str(organizer.pk), "username": "oscar_organizer"},
        },
        {
            "kind": "over_capacity",
            "severity": "warning",
            "message": "The activity expects more people than its location holds.",
            "activities": [keynote],
            "location": {"id": str(hall.pk), "name": "Hall"},
            "organizer": None,
        },
    ]


def test_a_double_booked_room_is_reported_as_an_error(api, viewer, event_a, hall):
    first = ActivityFactory(event=event_a, location=hall)
    # Stored without clean(), as data from before the rule could be.
    Activity.objects.create(event=event_a, title="Bypassed", location=hall, start=first.start, end=first.end)

    [conflict] = api.as_user(viewer).get(url(event_a, "conflicts")).json()

    assert (conflict["kind"], conflict["severity"], conflict["location"]["name"]) == (
        "location_overlap",
        "error",
        "Hall",
    )
    assert len(conflict["activities"]) == 2


def test_conflicts_are_translated(api, viewer, event_a, hall):
    ActivityFactory(event=event_a, location=hall, capacity=500)

    response = api.as_user(viewer).get(url(event_a, "conflicts"), HTTP_ACCEPT_LANGUAGE="es")

    assert response.json()[0]["kind"] == "over_capacity"
    assert response.json()[0]["message"]


def test_the_schedule_groups_by_local_day_and_location(api, viewer, organizer, event_a, hall, late_night):
    garden = LocationFactory(event=event_a, name="Garden")
    ActivityFactory(
        event=event_a,
        title="Yoga",
        start=at(event_a, 13, 8),
        location=garden,
        status=Status.CANCELLED,
        kind=Kind.WORKSHOP,
    ).responsible.add(organizer, viewer)

    data = api.as_user(viewer).get(url(event_a, "schedule")).json()

    assert data["event"] == {"id": str(event_a.pk), "name": "Festival A", "timezone": "Europe/Madrid"}
    outline = [
        (
            day["date"],
            [
                (place["location"] and place["location"]["name"], [a["title"] for a in place["activities"]])
                for place in day["locations"]
            ],
        )
        for day in data["days"]
    ]
    assert outline == [
        ("2026-06-12", [(None, ["Late set"])]),
        ("2026-06-13", [("Garden", ["Yoga"]), ("Hall", ["After-party"]), (None, ["Teardown"])]),
    ]
    yoga = data["days"][1]["locations"][0]["activities"][0]
    assert {key: value for key, value in yoga.items() if key != "id"} == {
        "title": "Yoga",
        "kind": "workshop",
        "status": "cancelled",
        "start": "2026-06-13T08:00:00+02:00",
        "end": "2026-06-13T09:00:00+02:00",
        "is_public": False,
        "responsible": ["oscar_organizer", "vera_viewer"],
    }


@pytest.mark.parametrize("report", ["conflicts", "schedule"])
def test_reports_cost_the_same_queries_for_few_or_many_activities(api, viewer, organizer, event_a, hall, report):
    api.as_user(viewer)

    def queries(rows: int) -> int:
        for n in range(rows - Activity.objects.count()):
            activity = ActivityFactory(
                event=event_a, start=at(event_a, 12, 10, n), location=hall if n % 2 else None, capacity=500
            )
            activity.responsible.add(organizer)
        with CaptureQueriesContext(connection) as captured:
            assert api.get(url(event_a, report)).status_code == 200
        return len(captured)

    assert queries(3) == queries(9)
