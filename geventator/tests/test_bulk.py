"""POST /api/transactions/bulk/ and /api/activities/bulk/ (organizers/api/bulk.py): many records
in one request, all or nothing, with errors per item."""

from __future__ import annotations

from decimal import Decimal

import pytest

from activities.factories import LocationFactory
from activities.models import Activity
from finance.models import Transaction

pytestmark = pytest.mark.django_db

TRANSACTIONS = "/api/transactions/bulk/"
ACTIVITIES = "/api/activities/bulk/"


def sale(event, amount="10.00", **fields):
    return {
        "event": str(event.pk),
        "kind": "sale",
        "amount": amount,
        "date": "2026-06-12",
        "description": "Bar",
    } | fields


def activity(event, **fields):
    return {
        "event": str(event.pk),
        "title": "Talk",
        "start": "2026-06-12T10:00:00+02:00",
        "end": "2026-06-12T11:00:00+02:00",
    } | fields


def test_many_transactions_are_created_in_one_request(api, organizer, event_a):
    items = [sale(event_a, "10.00"), sale(event_a, "20.50"), sale(event_a, "5", kind="purchase", submit=True)]

    response = api.as_user(organizer).post(TRANSACTIONS, items, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert [row["amount"] for row in body] == ["10.00", "20.50", "5.00"]
    assert body[2]["status"] == "submitted"
    assert {row["created_by"] for row in body} == {"oscar_organizer"}
    assert sorted(Transaction.objects.filter(event=event_a).values_list("amount", flat=True)) == [
        Decimal("5.00"), Decimal("10.00"), Decimal("20.50"),
    ]  # fmt: skip


def test_one_bad_item_stores_nothing_and_the_errors_line_up_with_the_items(api, organizer, event_a):
    items = [sale(event_a), sale(event_a, "-3"), sale(event_a), sale(event_a, kind="adjustment")]

    response = api.as_user(organizer).post(TRANSACTIONS, items, format="json")

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert len(errors) == 4
    assert errors[0] == {} and errors[2] == {}
    assert "amount" in errors[1] and "kind" in errors[3]
    assert not Transaction.objects.exists()


def test_an_item_of_another_event_is_refused_on_its_field(api, organizer, event_a, event_b):
    response = api.as_user(organizer).post(TRANSACTIONS, [sale(event_a), sale(event_b)], format="json")

    assert response.status_code == 400
    assert response.json()["errors"][0] == {} and "event" in response.json()["errors"][1]
    assert not Transaction.objects.exists()


def test_a_viewer_may_create_nothing_in_bulk(api, viewer, event_a):
    response = api.as_user(viewer).post(TRANSACTIONS, [sale(event_a)], format="json")

    assert response.status_code in (400, 403)
    assert not Transaction.objects.exists()


@pytest.mark.parametrize("body", [[], {"event": "x"}, "text"])
def test_the_body_must_be_a_list_of_records(api, organizer, body):
    response = api.as_user(organizer).post(TRANSACTIONS, body, format="json")

    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_at_most_500_records_per_request(api, organizer, event_a):
    response = api.as_user(organizer).post(TRANSACTIONS, [sale(event_a)] * 501, format="json")

    assert response.status_code == 400
    assert "500" in response.json()["non_field_errors"][0]
    assert not Transaction.objects.exists()


def test_activities_in_bulk_and_a_room_booked_twice_within_the_batch(api, organizer, event_a):
    room = LocationFactory(event=event_a)
    client = api.as_user(organizer)

    clash = client.post(
        ACTIVITIES, [activity(event_a, location=str(room.pk)), activity(event_a, location=str(room.pk))], format="json"
    )

    assert clash.status_code == 400
    assert clash.json()["errors"][0] == {} and "location" in clash.json()["errors"][1]
    assert not Activity.objects.exists()

    fine = client.post(
        ACTIVITIES,
        [activity(event_a, location=str(room.pk)), activity(event_a, start="2026-06-12T11:00:00+02:00",
                                                             end="2026-06-12T12:00:00+02:00", location=str(room.pk))],
        format="json",
    )  # fmt: skip

    assert fine.status_code == 201, fine.json()
    assert Activity.objects.filter(event=event_a).count() == 2


def test_a_bulk_request_retried_with_its_key_creates_nothing_twice(api, organizer, event_a):
    client = api.as_user(organizer)
    items = [sale(event_a), sale(event_a, "2.00")]

    first = client.post(TRANSACTIONS, items, format="json", HTTP_IDEMPOTENCY_KEY="batch-1")
    again = client.post(TRANSACTIONS, items, format="json", HTTP_IDEMPOTENCY_KEY="batch-1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert Transaction.objects.filter(event=event_a).count() == 2
