"""Idempotency-Key on the API's POSTs (organizers/idempotency.py): a retry gets the first answer and
creates nothing; the key cannot be reused for another request; every POST view honours it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.views import APIView

from finance.models import Transaction
from organizers.api.auth import ObtainAuthTokenView
from organizers.idempotency import IdempotentPosts
from organizers.models import IdempotentRequest

pytestmark = pytest.mark.django_db

TRANSACTIONS = "/api/transactions/"


def sale(event, **fields):
    return {
        "event": str(event.pk),
        "kind": "sale",
        "amount": "25.00",
        "date": "2026-06-12",
        "description": "Sales",
    } | fields


def post(client, body, key, **kwargs):
    return client.post(TRANSACTIONS, body, format="json", HTTP_IDEMPOTENCY_KEY=key, **kwargs)


def test_a_retry_with_the_same_key_gets_the_first_answer_and_creates_nothing(api, organizer, event_a):
    client = api.as_user(organizer)

    first = post(client, sale(event_a, description="Door sales"), "till-1/line-7")
    again = post(client, sale(event_a, description="Door sales"), "till-1/line-7")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Transaction.objects.filter(event=event_a).count() == 1


def test_the_same_json_in_another_key_order_is_the_same_request(api, organizer, event_a):
    client = api.as_user(organizer)
    body = sale(event_a, description="Door sales")

    post(client, body, "k")
    again = client.post(
        TRANSACTIONS, dict(reversed(list(body.items()))), format="json", HTTP_IDEMPOTENCY_KEY="k"
    )  # fmt: skip

    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert Transaction.objects.filter(event=event_a).count() == 1


def test_the_same_key_with_another_body_is_refused(api, organizer, event_a):
    client = api.as_user(organizer)
    post(client, sale(event_a, amount="25.00"), "k")

    other = post(client, sale(event_a, amount="2500.00"), "k")

    assert other.status_code == 422
    assert "another request" in other.json()["detail"]
    assert list(Transaction.objects.filter(event=event_a).values_list("amount", flat=True)) == [Decimal("25.00")]


def test_the_same_key_on_another_path_is_another_request(api, treasurer, event_a):
    client = api.as_user(treasurer)
    post(client, sale(event_a), "k")

    other = client.post(
        "/api/categories/", {"event": str(event_a.pk), "name": "Bar"}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )

    assert other.status_code == 422


def test_keys_are_per_user(api, organizer, treasurer, event_a):
    post(api.as_user(organizer), sale(event_a), "k")

    theirs = post(api.as_user(treasurer), sale(event_a), "k")

    assert theirs.status_code == 201 and "Idempotent-Replayed" not in theirs
    assert Transaction.objects.filter(event=event_a).count() == 2


def test_a_refused_request_is_replayed_as_refused_and_a_valid_one_needs_a_new_key(api, organizer, event_a):
    client = api.as_user(organizer)

    bad = post(client, sale(event_a, amount="-5"), "k")
    again = post(client, sale(event_a, amount="-5"), "k")

    assert bad.status_code == again.status_code == 400
    assert again.json() == bad.json() and "amount" in bad.json()
    assert not Transaction.objects.filter(event=event_a).exists()


def test_a_request_refused_before_the_view_claims_no_key(api, viewer, organizer, event_a):
    # The viewer may not write: the 403 comes before the key is looked at, and stores nothing.
    refused = post(api.as_user(viewer), sale(event_a), "k")

    assert refused.status_code == 403
    assert not IdempotentRequest.objects.exists()


def test_another_events_answer_is_not_replayed_to_an_outsider(api, organizer, outsider, event_a):
    post(api.as_user(organizer), sale(event_a), "k")

    theirs = post(api.as_user(outsider), sale(event_a), "k")

    assert theirs.status_code == 400  # event_a is not theirs: refused on its field, nothing replayed
    assert "Idempotent-Replayed" not in theirs
    assert Transaction.objects.filter(event=event_a).count() == 1


def test_a_key_still_being_answered_is_refused_with_409(api, organizer, event_a):
    client = api.as_user(organizer)
    post(client, sale(event_a), "k")
    IdempotentRequest.objects.filter(key="k").update(status_code=None, body=None)  # as if in flight

    again = post(client, sale(event_a), "k")

    assert again.status_code == 409
    assert Transaction.objects.filter(event=event_a).count() == 1


def test_an_expired_key_is_forgotten(api, organizer, event_a, settings):
    client = api.as_user(organizer)
    post(client, sale(event_a), "k")
    IdempotentRequest.objects.update(created_at=timezone.now() - settings.IDEMPOTENCY_KEY_TTL - timedelta(minutes=1))

    again = post(client, sale(event_a), "k")

    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert Transaction.objects.filter(event=event_a).count() == 2
    assert IdempotentRequest.objects.count() == 1


@pytest.mark.parametrize("key", ["", " ", "x" * 256])
def test_a_bad_key_is_refused_on_the_header(api, organizer, event_a, key):
    response = post(api.as_user(organizer), sale(event_a), key)

    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()
    assert not Transaction.objects.exists()


def test_workflow_actions_are_idempotent_too(api, organizer, event_a):
    client = api.as_user(organizer)
    draft = client.post(TRANSACTIONS, sale(event_a, kind="purchase"), format="json").json()
    submit = f"{TRANSACTIONS}{draft['id']}/submit/"

    first = client.post(submit, {}, format="json", HTTP_IDEMPOTENCY_KEY="submit-1")
    again = client.post(submit, {}, format="json", HTTP_IDEMPOTENCY_KEY="submit-1")

    assert first.status_code == 200, first.json()
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json()["status"] == "submitted"


def post_views():
    """Every DRF view class of the URLconf that answers POST."""

    def walk(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern):
                view = getattr(pattern.callback, "cls", None)
                if view is None or not issubclass(view, APIView):
                    continue
                actions = getattr(pattern.callback, "actions", None)
                if (actions and "post" in actions) or (not actions and hasattr(view, "post")):
                    yield view

    return set(walk(get_resolver().url_patterns))


def test_every_post_view_of_the_api_honours_the_key():
    views = post_views()

    assert len(views) > 10  # the walk found the API
    # Signing in is anonymous: there is no user yet to keep a key for.
    missing = sorted(view.__name__ for view in views - {ObtainAuthTokenView} if not issubclass(view, IdempotentPosts))
    assert missing == []
