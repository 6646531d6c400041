"""The events endpoint: who may do what, validation, and the event as the boundary of everything."""

from datetime import date

import pytest

from activities.factories import ActivityFactory, LocationFactory
from activities.models import Activity, Location
from finance.factories import CategoryFactory, TransactionFactory
from finance.models import Category
from organizers.models import Event, Membership, Role

pytestmark = pytest.mark.django_db

EVENTS = "/api/events/"


def detail(event) -> str:
    return f"{EVENTS}{event.pk}/"


def new_event_payload(slug: str = "summer-camp") -> dict:
    return {
        "name": "Summer camp",
        "slug": slug,
        "start_date": "2026-07-01",
        "end_date": "2026-07-05",
        "timezone": "Europe/Madrid",
        "currency": "EUR",
    }


# role in event A → expected status of each action on event A.
ROLE_TABLE = {
    "viewer": {"list": 200, "retrieve": 200, "create": 201, "update": 403, "delete": 403},
    "organizer": {"list": 200, "retrieve": 200, "create": 201, "update": 403, "delete": 403},
    "treasurer": {"list": 200, "retrieve": 200, "create": 201, "update": 403, "delete": 403},
    "owner": {"list": 200, "retrieve": 200, "create": 201, "update": 200, "delete": 204},
}


@pytest.mark.parametrize("role", list(ROLE_TABLE))
def test_each_role_may_do_what_its_rank_allows_on_events(request, api, event_a, role):
    user = request.getfixturevalue(role)
    api.as_user(user)

    statuses = {
        "list": api.get(EVENTS).status_code,
        "retrieve": api.get(detail(event_a)).status_code,
        # Any signed-in organizer may start an event of their own.
        "create": api.post(EVENTS, new_event_payload(f"camp-{role}")).status_code,
        "update": api.patch(detail(event_a), {"name": "Renamed"}).status_code,
        "delete": api.delete(detail(event_a)).status_code,
    }

    assert statuses == ROLE_TABLE[role]
    event_a_exists = Event.objects.filter(pk=event_a.pk).exists()
    assert event_a_exists is (role != "owner")


def test_new_event_makes_its_creator_the_owner(api, viewer):
    response = api.as_user(viewer).post(EVENTS, new_event_payload(), format="json")

    assert response.status_code == 201
    event = Event.objects.get(pk=response.data["id"])
    assert Membership.objects.get(event=event).organizer == viewer
    assert Membership.objects.get(event=event).role == Role.OWNER
    # The creator can manage the new event in the same session.
    assert api.patch(detail(event), {"name": "Summer camp 2026"}).status_code == 200


def test_list_holds_only_the_users_events(api, owner, event_a, event_b, outsider):
    response = api.as_user(owner).get(EVENTS)

    assert response.status_code == 200
    assert [row["id"] for row in response.data["results"]] == [str(event_a.pk)]


def test_superuser_lists_every_event(api, superuser, event_a, event_b):
    response = api.as_user(superuser).get(EVENTS)

    assert {row["id"] for row in response.data["results"]} == {str(event_a.pk), str(event_b.pk)}


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_another_events_record_is_not_found(api, owner, event_b, outsider, method):
    response = getattr(api.as_user(owner), method)(detail(event_b), {"name": "Mine now"})

    assert response.status_code == 404
    event_b.refresh_from_db()
    assert event_b.name == "Congress B"


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "123", "00000000-0000-0000-0000-000000000000"])
def test_malformed_or_unknown_id_in_url_is_not_found(api, owner, bad_id):
    assert api.as_user(owner).get(f"{EVENTS}{bad_id}/").status_code == 404


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"start_date": "2026-07-05", "end_date": "2026-07-01"}, "end_date"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"currency": "XXQ"}, "currency"),
        ({"start_date": "2026-13-01"}, "start_date"),
        ({"name": ""}, "name"),
    ],
)
def test_invalid_new_event_is_refused_with_a_field_message(api, viewer, changes, field):
    response = api.as_user(viewer).post(EVENTS, {**new_event_payload(), **changes}, format="json")

    assert response.status_code == 400
    assert list(response.data) == [field]
    assert not Event.objects.filter(slug="summer-camp").exists()
    assert not Membership.objects.filter(organizer=viewer, role=Role.OWNER).exists()


def test_duplicate_slug_is_refused(api, viewer, event_a):
    response = api.as_user(viewer).post(EVENTS, new_event_payload(slug=event_a.slug), format="json")

    assert response.status_code == 400
    assert "slug" in response.data


def test_update_cannot_end_the_event_before_it_starts(api, owner, event_a):
    response = api.as_user(owner).patch(detail(event_a), {"end_date": "2026-06-01"}, format="json")

    assert response.status_code == 400
    assert "end_date" in response.data
    event_a.refresh_from_db()
    assert event_a.end_date == date(2026, 6, 14)


def test_currency_cannot_change_once_the_event_has_transactions(api, owner, event_a):
    TransactionFactory(event=event_a)

    response = api.as_user(owner).patch(detail(event_a), {"currency": "USD"}, format="json")

    assert response.status_code == 400
    assert "currency" in response.data
    event_a.refresh_from_db()
    assert event_a.currency == "EUR"


def test_currency_may_change_while_the_ledger_is_empty(api, owner, event_a):
    response = api.as_user(owner).patch(detail(event_a), {"currency": "USD"}, format="json")

    assert response.status_code == 200
    event_a.refresh_from_db()
    assert event_a.currency == "USD"


def test_event_with_transactions_cannot_be_deleted(api, owner, event_a):
    # The ledger is protected: deleting the event would silently erase it.
    TransactionFactory(event=event_a)

    response = api.as_user(owner).delete(detail(event_a))

    assert response.status_code == 409
    assert "detail" in response.data
    assert Event.objects.filter(pk=event_a.pk).exists()


def test_deleting_an_event_removes_its_roster_and_schedule(api, owner, event_a):
    hall = LocationFactory(event=event_a)
    ActivityFactory(event=event_a, location=hall)
    CategoryFactory(event=event_a)

    response = api.as_user(owner).delete(detail(event_a))

    assert response.status_code == 204
    assert not Event.objects.filter(pk=event_a.pk).exists()
    assert not Membership.objects.filter(event_id=event_a.pk).exists()
    assert not Activity.objects.exists()
    assert not Location.objects.exists()
    assert not Category.objects.exists()


def test_session_sign_in_works_for_the_api(client, owner, event_a):
    client.force_login(owner)

    response = client.get(EVENTS)

    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_events_search_and_ordering(api, owner, event_a):
    other = Event.objects.create(
        name="Winter fair", slug="winter-fair", start_date=date(2026, 12, 1), end_date=date(2026, 12, 2)
    )
    Membership.objects.create(event=other, organizer=owner, role=Role.VIEWER)
    api.as_user(owner)

    by_name = api.get(EVENTS, {"ordering": "name"}).data["results"]
    found = api.get(EVENTS, {"search": "winter"}).data["results"]

    assert [row["slug"] for row in by_name] == ["festival-a", "winter-fair"]
    assert [row["slug"] for row in found] == ["winter-fair"]
