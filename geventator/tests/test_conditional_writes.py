"""ETag and If-Match (organizers/conditional.py): a write based on a stale read is refused with
412 instead of overwriting another person's change."""

from __future__ import annotations

from decimal import Decimal

import pytest

from activities.factories import ActivityFactory
from finance.factories import TransactionFactory
from finance.models import Transaction

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(event_a):
    return TransactionFactory(event=event_a, status="draft", amount=Decimal("40.00"), description="Cables")


def url(record):
    return f"/api/transactions/{record.pk}/"


def test_a_record_answers_with_an_etag_that_changes_with_it(api, treasurer, entry):
    client = api.as_user(treasurer)

    before = client.get(url(entry))["ETag"]
    assert client.get(url(entry))["ETag"] == before  # reading changes nothing

    changed = client.patch(url(entry), {"description": "XLR cables"}, format="json")

    assert changed.status_code == 200
    assert changed["ETag"] != before
    assert client.get(url(entry))["ETag"] == changed["ETag"]  # the write's answer tags what is stored


def test_a_write_on_a_stale_read_is_refused_and_changes_nothing(api, owner, treasurer, entry):
    mine, theirs = api.as_user(treasurer), api.as_user(owner)
    tag = mine.get(url(entry))["ETag"]
    assert theirs.patch(url(entry), {"amount": "45.00"}, format="json", HTTP_IF_MATCH=tag).status_code == 200

    stale = mine.patch(url(entry), {"description": "Cables (all)"}, format="json", HTTP_IF_MATCH=tag)

    assert stale.status_code == 412
    assert "changed since you read it" in stale.json()["detail"]
    entry.refresh_from_db()
    assert (entry.amount, entry.description) == (Decimal("45.00"), "Cables")


def test_a_write_with_the_current_tag_goes_through_and_returns_the_next(api, treasurer, entry):
    client = api.as_user(treasurer)
    tag = client.get(url(entry))["ETag"]

    first = client.patch(url(entry), {"description": "One"}, format="json", HTTP_IF_MATCH=tag)
    second = client.patch(url(entry), {"description": "Two"}, format="json", HTTP_IF_MATCH=first["ETag"])

    assert (first.status_code, second.status_code) == (200, 200)
    entry.refresh_from_db()
    assert entry.description == "Two"


def test_a_put_is_guarded_too(api, treasurer, entry, event_a):
    client = api.as_user(treasurer)
    body = {"event": str(event_a.pk), "kind": "purchase", "amount": "40.00", "date": "2026-06-12", "description": "X"}

    assert client.put(url(entry), body, format="json", HTTP_IF_MATCH='"0"').status_code == 412
    entry.refresh_from_db()
    assert entry.description == "Cables"


def test_a_delete_on_a_stale_read_is_refused(api, owner, entry):
    client = api.as_user(owner)
    tag = client.get(url(entry))["ETag"]
    client.patch(url(entry), {"description": "Renamed"}, format="json")

    assert client.delete(url(entry), HTTP_IF_MATCH=tag).status_code == 412
    assert Transaction.objects.filter(pk=entry.pk).exists()
    assert client.delete(url(entry), HTTP_IF_MATCH=client.get(url(entry))["ETag"]).status_code == 204


@pytest.mark.parametrize("header", [None, "*", 'W/"{tag}"', '"other", "{tag}"'])
def test_writes_without_if_match_or_with_a_matching_one_proceed(api, treasurer, entry, header):
    client = api.as_user(treasurer)
    extra = {}
    if header is not None:
        extra["HTTP_IF_MATCH"] = header.format(tag=client.get(url(entry))["ETag"].strip('"'))

    response = client.patch(url(entry), {"description": "Renamed"}, format="json", **extra)

    assert response.status_code == 200


def test_an_outsider_gets_404_not_412(api, outsider, entry):
    response = api.as_user(outsider).patch(url(entry), {"description": "x"}, format="json", HTTP_IF_MATCH='"0"')

    assert response.status_code == 404


def test_activities_and_events_carry_etags_too(api, owner, event_a):
    client = api.as_user(owner)
    activity = ActivityFactory(event=event_a)
    activity_url = f"/api/activities/{activity.pk}/"
    tag = client.get(activity_url)["ETag"]
    client.patch(activity_url, {"title": "Opening"}, format="json")

    assert client.patch(activity_url, {"title": "Late"}, format="json", HTTP_IF_MATCH=tag).status_code == 412
    event_url = f"/api/events/{event_a.pk}/"
    event_tag = client.get(event_url)["ETag"]
    assert (
        client.patch(event_url, {"name": "Festival A 2026"}, format="json", HTTP_IF_MATCH=event_tag).status_code == 200
    )
    assert client.patch(event_url, {"name": "Stale"}, format="json", HTTP_IF_MATCH=event_tag).status_code == 412
