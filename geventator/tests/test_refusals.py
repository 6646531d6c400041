"""Requests that used to answer 500 get a clear 4xx: OPTIONS on the API, searches of a thousand
words (API ?search=, admin ?q= and autocomplete), JSON nested 50,000 deep."""

from __future__ import annotations

import uuid

import pytest
from django.contrib import admin
from django.urls import reverse

from activities.api import urls as activity_routes
from finance.api import urls as finance_routes
from finance.factories import TransactionFactory
from finance.models import Transaction
from geventator.search import MAX_SEARCH_LENGTH, MAX_SEARCH_WORDS
from geventator.urls import router
from organizers.admin_mixins import BoundedSearchMixin

pytestmark = pytest.mark.django_db

THOUSAND_WORDS = " ".join(f"w{n}" for n in range(1000))
ONE_WORD_TOO_MANY = " ".join(["w"] * (MAX_SEARCH_WORDS + 1))


def api_routes() -> list[tuple[str, bool]]:
    """(url name, whether it takes an id) of every API route: the router's and the others."""
    routes = {}
    for pattern in [*router.urls, *finance_routes.urlpatterns, *activity_routes.urlpatterns]:
        if pattern.name:
            groups = getattr(pattern.pattern, "converters", None) or pattern.pattern.regex.groupindex
            routes.setdefault(pattern.name, "pk" in groups)
    return sorted(routes.items())


# --- OPTIONS ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "takes_id"), api_routes())
def test_options_describes_every_api_route(api, owner, event_a, name, takes_id):
    # An id of event A where the route is about an event, else an unknown one (answered alike).
    pk = event_a.pk if name.startswith("event") else uuid.uuid4()
    url = reverse(name, kwargs={"pk": pk} if takes_id else None)

    response = api.as_user(owner).options(url)

    assert response.status_code == 200, (url, response.content[:300])
    assert "name" in response.json()


def test_options_on_a_record_describes_its_fields_for_who_may_change_it(api, owner, event_a):
    transaction = TransactionFactory(event=event_a)

    response = api.as_user(owner).options(f"/api/transactions/{transaction.pk}/")

    assert response.status_code == 200
    assert "amount" in response.json()["actions"]["PUT"]


def test_options_still_needs_a_signed_in_user(api):
    assert api.options("/api/transactions/").status_code == 401


# --- Search bounds ---------------------------------------------------------------------------------


def test_api_search_of_a_thousand_words_is_refused_with_the_limit(api, owner, event_a):
    response = api.as_user(owner).get("/api/transactions/", {"search": THOUSAND_WORDS})

    assert response.status_code == 400
    assert response.json() == {"search": [f"A search may be at most {MAX_SEARCH_LENGTH} characters long."]}


@pytest.mark.parametrize("words", [ONE_WORD_TOO_MANY, ",".join(["w"] * 90)])  # DRF splits on commas too
def test_api_search_of_too_many_short_words_is_refused_with_the_limit(api, owner, event_a, words):
    response = api.as_user(owner).get("/api/events/", {"search": words})

    assert response.status_code == 400
    assert response.json() == {"search": [f"A search may have at most {MAX_SEARCH_WORDS} words."]}


def test_api_search_within_the_limit_still_finds(api, owner, event_a):
    TransactionFactory(event=event_a, description="Stage cables")
    TransactionFactory(event=event_a, description="Catering")
    words = " ".join(["stage", "cables", *["cab"] * (MAX_SEARCH_WORDS - 2)])

    response = api.as_user(owner).get("/api/transactions/", {"search": words})

    assert response.status_code == 200
    assert [row["description"] for row in response.json()["results"]] == ["Stage cables"]


def test_admin_search_of_a_thousand_words_answers_the_list_with_the_limit(client, owner, event_a):
    TransactionFactory(event=event_a, description="Stage cables")
    client.force_login(owner)

    response = client.get("/admin/finance/transaction/", {"q": THOUSAND_WORDS})

    assert response.status_code == 200
    assert f"at most {MAX_SEARCH_LENGTH} characters long" in response.content.decode()
    assert "Stage cables" not in response.content.decode()


def test_admin_search_of_too_many_short_words_answers_the_list_with_the_limit(client, owner, event_a):
    client.force_login(owner)

    response = client.get("/admin/activities/activity/", {"q": ONE_WORD_TOO_MANY})

    assert response.status_code == 200
    assert f"at most {MAX_SEARCH_WORDS} words" in response.content.decode()


def test_admin_search_of_a_long_term_answers_the_list_with_the_limit(client, superuser):
    client.force_login(superuser)

    response = client.get("/admin/organizers/organizer/", {"q": "x" * 5000})

    assert response.status_code == 200
    assert "characters long" in response.content.decode()


def test_admin_autocomplete_of_a_thousand_words_finds_nothing(client, owner, event_a):
    client.force_login(owner)
    query = {
        "term": THOUSAND_WORDS,
        "app_label": "finance",
        "model_name": "transaction",
        "field_name": "event",
    }

    response = client.get("/admin/autocomplete/", query)

    assert response.status_code == 200
    assert response.json()["results"] == []


def test_every_admin_of_ours_with_a_search_bounds_it():
    ours = [
        model_admin
        for model, model_admin in admin.site._registry.items()
        if model_admin.search_fields and model._meta.app_label in {"organizers", "finance", "activities"}
    ]

    assert ours
    assert [type(a).__name__ for a in ours if not isinstance(a, BoundedSearchMixin)] == []


# --- JSON depth ------------------------------------------------------------------------------------


def test_json_nested_fifty_thousand_deep_is_refused_and_nothing_stored(api, owner, event_a):
    body = f'{{"event": "{event_a.pk}", "description": ' + "[" * 50_000 + "]" * 50_000 + "}"

    response = api.as_user(owner).post("/api/transactions/", body, content_type="application/json")

    assert response.status_code == 400
    assert "nested deeper" in response.json()["detail"]
    assert not Transaction.objects.filter(event=event_a).exists()


def test_brackets_inside_json_strings_do_not_count_as_nesting(api, owner, event_a):
    body = {
        "event": str(event_a.pk),
        "kind": "purchase",
        "amount": "12.50",
        "date": "2026-06-12",
        "description": '[{"' * 50 + '\\" ]]',
    }

    response = api.as_user(owner).post("/api/transactions/", body, format="json")

    assert response.status_code == 201, response.content[:300]
    assert response.json()["description"] == body["description"]
