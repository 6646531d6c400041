"""The schedule endpoints: activities and locations, their roles, scoping, times and filters."""

from datetime import UTC, datetime, timedelta

import pytest

from activities.factories import ActivityFactory, LocationFactory
from activities.models import Activity, Location, Status
from organizers.factories import MembershipFactory, OrganizerFactory
from organizers.models import Role

pytestmark = pytest.mark.django_db

ACTIVITIES = "/api/activities/"
LOCATIONS = "/api/locations/"


def payload(event_, **changes) -> dict:
    return {
        "event": str(event_.pk),
        "title": "Opening concert",
        "start": "2026-06-12T20:00:00+02:00",
        "end": "2026-06-12T22:00:00+02:00",
        **changes,
    }


def titles(response) -> list[str]:
    return [row["title"] for row in response.json()["results"]]


# role in event A → expected status of each action on event A's activities and locations.
ROLE_TABLE = {
    "viewer": {"list": 200, "retrieve": 200, "create": 403, "update": 403, "delete": 403},
    "organizer": {"list": 200, "retrieve": 200, "create": 201, "update": 200, "delete": 204},
    "treasurer": {"list": 200, "retrieve": 200, "create": 201, "update": 200, "delete": 204},
    "owner": {"list": 200, "retrieve": 200, "create": 201, "update": 200, "delete": 204},
}


@pytest.mark.parametrize("role", list(ROLE_TABLE))
def test_each_role_may_do_what_its_rank_allows_on_activities(request, api, event_a, role):
    user = request.getfixturevalue(role)
    existing = ActivityFactory(event=event_a, title="Workshop")
    api.as_user(user)
    detail = f"{ACTIVITIES}{existing.pk}/"

    statuses = {
        "list": api.get(ACTIVITIES).status_code,
        "retrieve": api.get(detail).status_code,
        "create": api.post(ACTIVITIES, payload(event_a), format="json").status_code,
        "update": api.patch(detail, {"status": "confirmed"}, format="json").status_code,
        "delete": api.delete(detail).status_code,
    }

    assert statuses == ROLE_TABLE[role]
    may_plan = role != "viewer"
    assert Activity.objects.filter(title="Opening concert").exists() is may_plan
    assert Activity.objects.filter(pk=existing.pk).exists() is not may_plan


@pytest.mark.parametrize("role", list(ROLE_TABLE))
def test_each_role_may_do_what_its_rank_allows_on_locations(request, api, event_a, role):
    user = request.getfixturevalue(role)
    existing = LocationFactory(event=event_a, name="Main hall")
    api.as_user(user)
    detail = f"{LOCATIONS}{existing.pk}/"

    statuses = {
        "list": api.get(LOCATIONS).status_code,
        "retrieve": api.get(detail).status_code,
        "create": api.post(LOCATIONS, {"event": str(event_a.pk), "name": "Garden"}, format="json").status_code,
        "update": api.patch(detail, {"capacity": 300}, format="json").status_code,
        "delete": api.delete(detail).status_code,
    }

    assert statuses == ROLE_TABLE[role]
    may_plan = role != "viewer"
    assert Location.objects.filter(name="Garden").exists() is may_plan
    assert Location.objects.filter(pk=existing.pk).exists() is not may_plan


# --- Time zones -----------------------------------------------------------------------------------


def test_activity_times_are_shown_in_the_events_time_zone(api, viewer, event_a):
    activity = ActivityFactory(
        event=event_a, start=datetime(2026, 6, 12, 8, 0, tzinfo=UTC), end=datetime(2026, 6, 12, 9, 30, tzinfo=UTC)
    )

    data = api.as_user(viewer).get(f"{ACTIVITIES}{activity.pk}/").json()

    assert data["start"] == "2026-06-12T10:00:00+02:00"
    assert data["end"] == "2026-06-12T11:30:00+02:00"


def test_naive_input_is_read_in_the_events_time_zone(api, organizer, event_a):
    response = api.as_user(organizer).post(
        ACTIVITIES, payload(event_a, start="2026-06-12T10:00:00", end="2026-06-12T11:00"), format="json"
    )

    assert response.status_code == 201
    assert response.json()["start"] == "2026-06-12T10:00:00+02:00"
    stored = Activity.objects.get(pk=response.json()["id"])
    assert stored.start == datetime(2026, 6, 12, 8, 0, tzinfo=UTC)
    assert stored.end == datetime(2026, 6, 12, 9, 0, tzinfo=UTC)


def test_input_with_another_offset_is_kept_as_the_same_instant(api, organizer, event_a):
    response = api.as_user(organizer).post(
        ACTIVITIES, payload(event_a, start="2026-06-12T08:00:00Z", end="2026-06-12T06:00:00-05:00"), format="json"
    )

    assert response.status_code == 201
    assert (response.json()["start"], response.json()["end"]) == (
        "2026-06-12T10:00:00+02:00",
        "2026-06-12T13:00:00+02:00",
    )


def test_times_follow_each_events_own_zone(api, outsider, event_b):
    activity = ActivityFactory(event=event_b, start=datetime(2026, 6, 12, 14, 0, tzinfo=UTC))

    data = api.as_user(outsider).get(f"{ACTIVITIES}{activity.pk}/").json()

    assert data["start"] == "2026-06-12T10:00:00-04:00"


def test_naive_partial_update_is_read_in_the_events_time_zone(api, organizer, event_a):
    activity = ActivityFactory(event=event_a)

    response = api.as_user(organizer).patch(
        f"{ACTIVITIES}{activity.pk}/", {"end": "2026-06-12T12:15:00"}, format="json"
    )

    assert response.status_code == 200
    activity.refresh_from_db()
    assert activity.end == datetime(2026, 6, 12, 10, 15, tzinfo=UTC)


# --- Validation -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"end": "2026-06-12T19:00:00+02:00"}, "end"),
        ({"end": "2026-06-12T20:00:00+02:00"}, "end"),
        ({"start": "2026-06-11T23:30:00+02:00"}, "start"),
        # 18:30 in New York is 00:30 on the 15th in Madrid, after the event.
        ({"start": "2026-06-14T23:00:00+02:00", "end": "2026-06-14T18:30:00-04:00"}, "end"),
        ({"start": "tonight"}, "start"),
        ({"status": "postponed"}, "status"),
        ({"title": ""}, "title"),
        ({"event": "not-a-uuid"}, "event"),
        ({"location": "not-a-uuid"}, "location"),
        ({"responsible": ["not-a-uuid"]}, "responsible"),
        ({"responsible": ["00000000-0000-0000-0000-000000000000"]}, "responsible"),
    ],
)
def test_bad_activity_input_is_refused_on_its_field_and_nothing_is_stored(api, organizer, event_a, changes, field):
    response = api.as_user(organizer).post(ACTIVITIES, payload(event_a, **changes), format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not Activity.objects.exists()


def test_a_stranger_is_not_found_rather_than_named(api, organizer, event_a, outsider):
    response = api.as_user(organizer).post(ACTIVITIES, payload(event_a, responsible=[str(outsider.pk)]), format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["responsible"]
    assert "bruno_of_b" not in response.content.decode()
    assert not Activity.objects.exists()


def test_an_activity_may_end_at_midnight_after_the_last_day(api, organizer, event_a):
    response = api.as_user(organizer).post(
        ACTIVITIES, payload(event_a, start="2026-06-14T22:00:00", end="2026-06-15T00:00:00"), format="json"
    )

    assert response.status_code == 201


def test_responsible_organizers_must_be_members_of_the_event(api, organizer, viewer, event_a, event_b, outsider):
    # Oscar also helps at event B, so he knows Bruno; Bruno is still no member of event A.
    MembershipFactory(event=event_b, organizer=organizer, role=Role.VIEWER)
    api.as_user(organizer)

    refused = api.post(ACTIVITIES, payload(event_a, responsible=[str(outsider.pk)]), format="json")
    accepted = api.post(
        ACTIVITIES, payload(event_a, title="Raffle", responsible=[str(viewer.pk), str(organizer.pk)]), format="json"
    )

    assert refused.status_code == 400
    assert refused.json() == {"responsible": ["Not a member of this event: bruno_of_b."]}
    assert accepted.status_code == 201
    assert set(accepted.json()["responsible"]) == {str(viewer.pk), str(organizer.pk)}
    assert [a.title for a in Activity.objects.all()] == ["Raffle"]


def test_update_outside_the_event_dates_leaves_the_activity_as_it_was(api, organizer, event_a):
    activity = ActivityFactory(event=event_a)
    start = activity.start

    response = api.as_user(organizer).patch(
        f"{ACTIVITIES}{activity.pk}/", {"start": "2026-07-01T10:00:00", "end": "2026-07-01T11:00:00"}, format="json"
    )

    assert response.status_code == 400
    assert set(response.json()) == {"start", "end"}
    activity.refresh_from_db()
    assert activity.start == start


# --- Other events ---------------------------------------------------------------------------------


@pytest.mark.parametrize("resource", ["activities", "locations"])
@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_another_events_schedule_is_not_found(api, owner, event_b, outsider, resource, method):
    theirs = ActivityFactory(event=event_b) if resource == "activities" else LocationFactory(event=event_b)

    response = getattr(api.as_user(owner), method)(f"/api/{resource}/{theirs.pk}/", {"title": "x", "name": "x"})

    assert response.status_code == 404
    assert type(theirs).objects.filter(pk=theirs.pk).exists()


def test_lists_never_hold_another_events_schedule(api, viewer, event_a, event_b):
    ActivityFactory(event=event_a, title="Ours")
    ActivityFactory(event=event_b, title="Theirs")
    LocationFactory(event=event_a, name="Our hall")
    LocationFactory(event=event_b, name="Their hall")
    api.as_user(viewer)

    assert titles(api.get(ACTIVITIES)) == ["Ours"]
    assert titles(api.get(ACTIVITIES, {"event": str(event_b.pk)})) == []
    assert [row["name"] for row in api.get(LOCATIONS).json()["results"]] == ["Our hall"]


def test_scheduling_in_an_event_one_does_not_belong_to_is_refused_on_event(api, owner, event_b, outsider):
    api.as_user(owner)

    activity = api.post(ACTIVITIES, payload(event_b), format="json")
    location = api.post(LOCATIONS, {"event": str(event_b.pk), "name": "Annex"}, format="json")

    assert (activity.status_code, list(activity.json())) == (400, ["event"])
    assert (location.status_code, list(location.json())) == (400, ["event"])
    assert not Activity.objects.exists()
    assert not Location.objects.exists()


def test_another_events_location_is_not_found_for_a_member_of_one_event(api, organizer, event_a, event_b):
    their_hall = LocationFactory(event=event_b)

    response = api.as_user(organizer).post(ACTIVITIES, payload(event_a, location=str(their_hall.pk)), format="json")

    assert (response.status_code, list(response.json())) == (400, ["location"])
    assert not Activity.objects.exists()


def test_a_location_of_another_event_is_refused_even_for_a_member_of_both(api, organizer, event_a, event_b):
    MembershipFactory(event=event_b, organizer=organizer, role=Role.ORGANIZER)
    their_hall = LocationFactory(event=event_b)

    response = api.as_user(organizer).post(ACTIVITIES, payload(event_a, location=str(their_hall.pk)), format="json")

    assert response.status_code == 400
    assert response.json() == {"location": ["This location belongs to another event."]}
    assert not Activity.objects.exists()


@pytest.mark.parametrize("resource", ["activities", "locations"])
@pytest.mark.parametrize("bad_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_malformed_id_in_url_is_not_found(api, organizer, resource, bad_id):
    assert api.as_user(organizer).get(f"/api/{resource}/{bad_id}/").status_code == 404


def test_location_in_use_cannot_be_deleted(api, organizer, event_a):
    hall = LocationFactory(event=event_a)
    ActivityFactory(event=event_a, location=hall)

    response = api.as_user(organizer).delete(f"{LOCATIONS}{hall.pk}/")

    assert response.status_code == 409
    assert Location.objects.filter(pk=hall.pk).exists()


def test_location_names_are_unique_per_event(api, organizer, event_a):
    LocationFactory(event=event_a, name="Garden")

    response = api.as_user(organizer).post(LOCATIONS, {"event": str(event_a.pk), "name": "Garden"}, format="json")

    assert response.status_code == 400
    assert Location.objects.filter(name="Garden").count() == 1


# --- Filters, search, ordering, pagination --------------------------------------------------------


@pytest.fixture
def schedule(event_a, organizer):
    madrid = event_a.tzinfo
    hall = LocationFactory(event=event_a, name="Hall")
    garden = LocationFactory(event=event_a, name="Garden")
    rows = [
        ("Breakfast", datetime(2026, 6, 12, 9, 0), garden, Status.CONFIRMED, "Coffee and bread"),
        ("Keynote", datetime(2026, 6, 12, 11, 0), hall, Status.CONFIRMED, ""),
        ("Picnic", datetime(2026, 6, 13, 13, 0), garden, Status.CANCELLED, "Bring bread"),
        ("Closing", datetime(2026, 6, 14, 18, 0), hall, Status.PLANNED, ""),
    ]
    for title, start, location, status, description in rows:
        activity = ActivityFactory(
            event=event_a,
            title=title,
            start=start.replace(tzinfo=madrid),
            location=location,
            status=status,
            description=description,
        )
        if title == "Keynote":
            activity.responsible.add(organizer)
    ActivityFactory(title="Elsewhere")
    return {"hall": hall, "garden": garden}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["Breakfast", "Keynote", "Picnic", "Closing"]),
        ({"status": "confirmed"}, ["Breakfast", "Keynote"]),
        ({"status": ["planned", "cancelled"]}, ["Picnic", "Closing"]),
        ({"location": "garden"}, ["Breakfast", "Picnic"]),
        ({"event": "event_a", "location": "hall", "status": "planned"}, ["Closing"]),
        ({"start_after": "2026-06-13T00:00:00+02:00"}, ["Picnic", "Closing"]),
        ({"start_before": "2026-06-12T10:00:00+02:00"}, ["Breakfast"]),
        (
            {"start_after": "2026-06-12T10:00:00+02:00", "start_before": "2026-06-14T00:00:00+02:00"},
            ["Keynote", "Picnic"],
        ),
        ({"responsible": "organizer"}, ["Keynote"]),
        ({"search": "bread"}, ["Breakfast", "Picnic"]),
        ({"ordering": "-start"}, ["Closing", "Picnic", "Keynote", "Breakfast"]),
        ({"ordering": "title"}, ["Breakfast", "Closing", "Keynote", "Picnic"]),
    ],
)
def test_activities_filter_search_and_order(api, viewer, organizer, event_a, schedule, params, expected):
    named = {"event_a": str(event_a.pk), "organizer": str(organizer.pk), **{k: str(v.pk) for k, v in schedule.items()}}
    resolved = {key: named.get(value, value) if isinstance(value, str) else value for key, value in params.items()}

    response = api.as_user(viewer).get(ACTIVITIES, resolved)

    assert response.status_code == 200
    assert titles(response) == expected


@pytest.mark.parametrize(
    "params",
    [
        {"event": "not-a-uuid"},
        {"location": "not-a-uuid"},
        {"responsible": "not-a-uuid"},
        {"status": "postponed"},
        {"start_after": "soon"},
    ],
)
def test_malformed_activity_filters_are_refused(api, viewer, event_a, params):
    response = api.as_user(viewer).get(ACTIVITIES, params)

    assert response.status_code == 400
    assert set(response.json()) & {*params, "start"}


def test_activities_are_paginated(api, viewer, event_a):
    first_start = datetime(2026, 6, 12, 9, 0, tzinfo=event_a.tzinfo)
    Activity.objects.bulk_create(
        ActivityFactory.build(event=event_a, title=f"Slot {n:02}", start=first_start + timedelta(minutes=5 * n))
        for n in range(52)
    )
    api.as_user(viewer)

    first = api.get(ACTIVITIES).json()
    second = api.get(ACTIVITIES, {"page": 2}).json()

    assert (first["count"], len(first["results"]), second["next"]) == (52, 50, None)
    assert titles_of(second) == ["Slot 50", "Slot 51"]


def titles_of(data: dict) -> list[str]:
    return [row["title"] for row in data["results"]]


def test_locations_filter_by_event_and_order_by_capacity(api, superuser, event_a, event_b):
    LocationFactory(event=event_a, name="Hall", capacity=500)
    LocationFactory(event=event_a, name="Garden", capacity=80)
    LocationFactory(event=event_b, name="Annex", capacity=20)
    api.as_user(superuser)

    in_a = api.get(LOCATIONS, {"event": str(event_a.pk), "ordering": "-capacity"}).json()["results"]

    assert [row["name"] for row in in_a] == ["Hall", "Garden"]
    assert api.get(LOCATIONS, {"event": "not-a-uuid"}).status_code == 400


def test_activities_list_costs_the_same_queries_for_few_or_many_rows(api, viewer, organizer, event_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    hall = LocationFactory(event=event_a)
    api.as_user(viewer)

    def list_queries(rows: int) -> int:
        for n in range(rows - Activity.objects.count()):
            activity = ActivityFactory(event=event_a, location=hall if n % 2 else None)
            activity.responsible.add(organizer)
        with CaptureQueriesContext(connection) as captured:
            assert api.get(ACTIVITIES).json()["count"] == rows
        return len(captured)

    assert list_queries(3) == list_queries(12)


def test_an_organizer_without_a_membership_sees_nothing(api, event_a):
    stranger = OrganizerFactory(username="stranger")
    ActivityFactory(event=event_a)

    response = api.as_user(stranger).get(ACTIVITIES)

    assert (response.status_code, response.json()["count"]) == (200, 0)
