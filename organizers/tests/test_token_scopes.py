"""Scoped API tokens: narrowed to some events, to reading, to an expiry; never more than the
owner's current role. Made and listed in the API and the admin."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from organizers.factories import MembershipFactory
from organizers.models import ApiToken, Membership, Role
from organizers.tests.admin_support import admin_url
from organizers.tokens import issue_token

TOKENS = "/api/tokens/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def both(treasurer, event_b):
    """A treasurer of event A who is also treasurer of event B."""
    MembershipFactory(event=event_b, organizer=treasurer, role=Role.TREASURER)
    return treasurer


def form_errors(response) -> dict:
    assert response.status_code == 200, response.status_code
    return response.context["form"].errors


def signed(api, key: str):
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


def category(event) -> dict:
    return {"event": str(event.pk), "name": "Stage"}


def test_a_token_scoped_to_one_event_sees_and_writes_only_that_event(api, both, event_a, event_b):
    _token, key = issue_token(both, "Shop", events=[event_a])
    signed(api, key)

    listed = api.get("/api/events/").json()["results"]
    other = api.get(f"/api/events/{event_b.pk}/")
    written = api.post("/api/categories/", category(event_a), format="json")
    refused = api.post("/api/categories/", category(event_b), format="json")

    assert [row["id"] for row in listed] == [str(event_a.pk)]
    assert other.status_code == 404
    assert written.status_code == 201, written.content
    assert refused.status_code == 400
    assert "event" in refused.json()


def test_a_read_only_token_reads_and_every_write_is_refused(api, both, event_a):
    _token, key = issue_token(both, "Report script", read_only=True)
    signed(api, key)

    read = api.get(f"/api/events/{event_a.pk}/summary/")
    written = api.post("/api/categories/", category(event_a), format="json")
    revoked_self = api.delete(f"{TOKENS}{_token.pk}/")

    assert read.status_code == 200
    assert written.status_code == 403
    assert written.json()["detail"] == "This API token is read-only."
    assert revoked_self.status_code == 403
    assert ApiToken.objects.filter(pk=_token.pk).exists()


def test_a_token_never_grants_more_than_its_owners_current_role(api, viewer, event_a):
    _token, key = issue_token(viewer, "Viewer's tool", events=[event_a])
    signed(api, key)

    as_viewer = api.post("/api/categories/", category(event_a), format="json")
    Membership.objects.filter(organizer=viewer).delete()
    after_removal = api.get(f"/api/events/{event_a.pk}/")

    assert as_viewer.status_code == 403
    assert after_removal.status_code == 404


def test_a_scoped_token_may_not_start_a_new_event(api, both, event_a):
    _token, key = issue_token(both, "Shop", events=[event_a])
    day = timezone.localdate().isoformat()

    response = signed(api, key).post("/api/events/", {"name": "New", "slug": "new", "start_date": day, "end_date": day})

    assert response.status_code == 403


def test_a_superusers_scoped_token_reaches_only_the_events_they_belong_to(api, superuser, event_a, event_b):
    MembershipFactory(event=event_a, organizer=superuser, role=Role.VIEWER)
    _token, key = issue_token(superuser, "Audit", events=[event_a], read_only=True)
    signed(api, key)

    listed = api.get("/api/events/").json()["results"]

    assert [row["id"] for row in listed] == [str(event_a.pk)]
    assert api.get(f"/api/events/{event_b.pk}/").status_code == 404


def test_api_makes_a_scoped_token_and_shows_its_key_once(api, both, event_a):
    api.as_user(both)

    made = api.post(TOKENS, {"name": "Shop", "events": [str(event_a.pk)], "read_only": True}, format="json")
    listed = api.get(TOKENS)

    assert made.status_code == 201, made.content
    body = made.json()
    assert (body["name"], body["all_events"], body["events"], body["read_only"]) == (
        "Shop",
        False,
        [str(event_a.pk)],
        True,
    )
    assert body["token"] not in listed.content.decode()
    assert signed(api, body["token"]).get(f"/api/events/{event_a.pk}/").status_code == 200


@pytest.mark.parametrize(
    "change, field",
    [
        ({"events": ["other"]}, "events"),
        ({"events": []}, "events"),
        ({"expires_at": "2000-01-01T00:00:00Z"}, "expires_at"),
        ({"expires_at": "2999-01-01T00:00:00Z"}, "expires_at"),
        ({"name": ""}, "name"),
    ],
)
def test_api_refuses_a_bad_scope_on_its_field(api, both, event_a, event_b, outsider, change, field):
    api.as_user(both)
    if change.get("events") == ["other"]:
        change = {"events": [str(outsider.memberships.get().event_id)]}
        Membership.objects.filter(organizer=both, event=event_b).delete()

    response = api.post(TOKENS, {"name": "Shop", **change}, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert ApiToken.objects.filter(name="Shop").count() == 0


def test_a_scoped_token_makes_no_token_that_reaches_further_or_lives_longer(api, both, event_a, event_b):
    token, key = issue_token(both, "Shop", events=[event_a], expires_at=timezone.now() + timedelta(days=2))
    token.refresh_from_db()  # as stored: MongoDB keeps milliseconds
    signed(api, key)
    later = (token.expires_at + timedelta(days=1)).isoformat()

    unnamed = api.post(TOKENS, {"name": "All"}, format="json")
    wider = api.post(TOKENS, {"name": "B", "events": [str(event_b.pk)]}, format="json")
    longer = api.post(TOKENS, {"name": "Long", "events": [str(event_a.pk)], "expires_at": later}, format="json")
    same = api.post(TOKENS, {"name": "Same", "events": [str(event_a.pk)]}, format="json")

    assert [r.status_code for r in (unnamed, wider, longer)] == [400, 400, 400]
    assert "events" in unnamed.json() and "events" in wider.json() and "expires_at" in longer.json()
    assert same.status_code == 201
    assert ApiToken.objects.get(pk=same.json()["id"]).expires_at == token.expires_at


def test_admin_makes_a_scoped_token_offering_only_ones_events(client, both, event_a, event_b, outsider):
    other_event = outsider.memberships.get().event
    Membership.objects.filter(organizer=both, event=event_b).delete()
    client.force_login(both)
    expires = (timezone.localtime() + timedelta(days=10)).strftime("%Y-%m-%d %H:%M:%S")

    form = client.get(admin_url(ApiToken, "add")).content.decode()
    refused = client.post(admin_url(ApiToken, "add"), {"name": "X", "events": [other_event.pk], "expires_at": expires})
    made = client.post(
        admin_url(ApiToken, "add"),
        {"name": "Shop", "events": [event_a.pk], "read_only": "on", "expires_at": expires},
    )

    assert event_a.name in form and other_event.name not in form
    assert "events" in form_errors(refused)
    assert made.status_code == 200
    assert {"private", "no-store"} <= {part.strip() for part in made["Cache-Control"].split(",")}
    token = ApiToken.objects.get(name="Shop")
    assert (token.user, token.all_events, token.scope, token.read_only) == (both, False, {event_a.pk}, True)
    key = made.context["key"]
    assert f'<code id="new-token-key">{key}</code>' in made.content.decode()
    assert key not in client.get(admin_url(ApiToken)).content.decode()


def test_admin_refuses_an_expiry_in_the_past_or_too_far(client, viewer, settings):
    client.force_login(viewer)
    past = (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S")
    far = (timezone.localtime() + settings.API_TOKEN_MAX_TTL + timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")

    answers = [client.post(admin_url(ApiToken, "add"), {"name": "X", "expires_at": when}) for when in (past, far)]

    assert all("expires_at" in form_errors(answer) for answer in answers)
    assert not ApiToken.objects.exists()
