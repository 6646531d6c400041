"""API tokens expire, end with a password change, and their owner lists and revokes them (API and admin)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from organizers import tokens
from organizers.models import ApiToken
from organizers.tests.admin_support import admin_url, assert_not_found
from organizers.tokens import issue_token

PASSWORD = "correct horse battery"  # organizers/factories.py
TOKEN = "/api/auth/token/"
TOKENS = "/api/tokens/"

pytestmark = pytest.mark.django_db


def obtain(api, user, **extra) -> dict:
    response = api.post(TOKEN, {"username": user.username, "password": PASSWORD, **extra}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def answer(api, key: str, url: str = "/api/events/"):
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api.get(url)


def test_token_endpoint_issues_a_key_that_ends_after_the_configured_time(api, viewer, settings):
    settings.API_TOKEN_TTL = timedelta(days=7)
    before = timezone.now()

    issued = obtain(api, viewer, name="Laptop script")

    assert set(issued) == {"token", "id", "name", "expires_at"}
    token = ApiToken.objects.get(pk=issued["id"])
    assert token.name == "Laptop script"
    assert before + timedelta(days=7) <= token.expires_at <= timezone.now() + timedelta(days=7)
    assert answer(api, issued["token"]).status_code == 200


def test_an_expired_token_is_refused_with_a_clear_message(api, viewer, settings):
    settings.API_TOKEN_TTL = timedelta(0)  # ends the moment it is made
    key = obtain(api, viewer)["token"]

    response = answer(api, key)

    assert response.status_code == 401
    assert "expired" in response.json()["detail"]
    assert response["WWW-Authenticate"] == "Token"


def test_each_sign_in_gets_its_own_token_and_the_key_is_not_stored(api, viewer):
    first, second = obtain(api, viewer)["token"], obtain(api, viewer)["token"]

    assert first != second
    assert answer(api, first).status_code == 200
    assert answer(api, second).status_code == 200
    stored = list(ApiToken.objects.filter(user=viewer).values_list("digest", flat=True))
    assert len(stored) == 2 and first not in stored and second not in stored


def test_a_user_keeps_a_bounded_number_of_tokens_the_oldest_go(api, viewer, monkeypatch):
    monkeypatch.setattr(tokens, "TOKENS_PER_USER", 2)
    (oldest_token, oldest), (middle_token, middle) = issue_token(viewer, "old"), issue_token(viewer, "middle")
    # Apart in time (MongoDB keeps milliseconds: tokens made in one may tie).
    ApiToken.objects.filter(pk=oldest_token.pk).update(created_at=timezone.now() - timedelta(hours=2))
    ApiToken.objects.filter(pk=middle_token.pk).update(created_at=timezone.now() - timedelta(hours=1))
    newest = obtain(api, viewer)["token"]

    assert answer(api, oldest).status_code == 401
    assert answer(api, middle).status_code == 200
    assert answer(api, newest).status_code == 200


def test_changing_ones_password_in_the_admin_revokes_every_token(api, client, viewer):
    keys = [obtain(api, viewer)["token"] for _ in range(2)]
    client.force_login(viewer)

    response = client.post(
        reverse("admin:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a new Long passphrase 9",
            "new_password2": "a new Long passphrase 9",
        },
    )

    assert response.status_code == 302
    for key in keys:
        assert answer(api, key).status_code == 401
    assert not ApiToken.objects.filter(user=viewer).exists()


def test_a_superuser_setting_someones_password_revokes_their_tokens(api, client, viewer, superuser):
    key = obtain(api, viewer)["token"]
    client.force_login(superuser)

    response = client.post(
        reverse("admin:auth_user_password_change", args=[viewer.pk]),
        {"password1": "a new Long passphrase 9", "password2": "a new Long passphrase 9", "usable_password": "true"},
    )

    assert response.status_code == 302
    assert answer(api, key).status_code == 401


def test_set_password_from_any_path_revokes_the_tokens_and_only_that_users(api, viewer, organizer):
    viewer_key, organizer_key = obtain(api, viewer)["token"], obtain(api, organizer)["token"]

    viewer.set_password("a new Long passphrase 9")
    viewer.save()

    assert answer(api, viewer_key).status_code == 401
    assert answer(api, organizer_key).status_code == 200


def test_saving_a_user_or_rehashing_the_same_password_keeps_the_tokens(api, client, viewer, settings):
    key = obtain(api, viewer)["token"]
    viewer.first_name = "Vera"
    viewer.save()
    # A sign-in saves last_login, and rehashes a password stored with an older hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher", *settings.PASSWORD_HASHERS]
    signed_in = client.post(reverse("admin:login"), {"username": viewer.username, "password": PASSWORD})

    assert signed_in.status_code == 302
    viewer.refresh_from_db()
    assert viewer.password.startswith("pbkdf2_sha256$")

    assert answer(api, key).status_code == 200


def test_the_list_shows_ones_own_tokens_without_their_keys(api, viewer, organizer):
    keys = [obtain(api, viewer, name=name)["token"] for name in ("Phone", "Backup job")]
    obtain(api, organizer, name="Organizer's tool")

    response = answer(api, keys[0], TOKENS)

    assert response.status_code == 200
    rows = response.json()["results"]
    assert sorted(row["name"] for row in rows) == ["Backup job", "Phone"]
    assert {row["current"] for row in rows} == {True, False}
    assert set(rows[0]) == {
        *("id", "name", "all_events", "events", "read_only"),
        *("created_at", "expires_at", "last_used_at", "current"),
    }
    assert (rows[0]["all_events"], rows[0]["events"], rows[0]["read_only"]) == (True, [], False)
    for key in keys:
        assert key not in response.content.decode()


def test_revoking_ones_own_token_ends_it_at_once(api, viewer):
    kept, revoked = obtain(api, viewer)["token"], obtain(api, viewer)
    api.credentials(HTTP_AUTHORIZATION=f"Token {kept}")

    response = api.delete(f"{TOKENS}{revoked['id']}/")

    assert response.status_code == 204
    gone = answer(api, revoked["token"])
    assert gone.status_code == 401
    assert answer(api, kept).status_code == 200


def test_another_users_token_is_not_found_and_keeps_working(api, viewer, organizer, superuser):
    theirs = obtain(api, organizer)
    for someone in (viewer, superuser):
        api.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(someone, 'mine')[1]}")
        assert api.get(f"{TOKENS}{theirs['id']}/").status_code == 404
        assert api.delete(f"{TOKENS}{theirs['id']}/").status_code == 404

    assert answer(api, theirs["token"]).status_code == 200


def test_admin_lists_ones_own_tokens_and_a_superuser_everybodys(client, viewer, organizer, superuser):
    mine, _key = issue_token(viewer, "Viewer's phone")
    theirs, _key = issue_token(organizer, "Organizer's laptop")
    changelist = admin_url(ApiToken)

    client.force_login(viewer)
    assert set(client.get(changelist).context["cl"].result_list) == {mine}
    assert_not_found(client.get(admin_url(theirs, "change")))
    assert_not_found(client.post(admin_url(theirs, "delete"), {"post": "yes"}))
    assert ApiToken.objects.filter(pk=theirs.pk).exists()
    assert client.get(admin_url(mine, "change")).status_code == 200

    client.force_login(superuser)
    assert set(client.get(changelist).context["cl"].result_list) == {mine, theirs}


def test_admin_revokes_ones_own_token(api, client, viewer):
    issued = obtain(api, viewer)
    client.force_login(viewer)

    response = client.post(admin_url(ApiToken.objects.get(pk=issued["id"]), "delete"), {"post": "yes"})

    assert response.status_code == 302
    assert answer(api, issued["token"]).status_code == 401


def test_admin_offers_no_way_to_edit_a_token(client, viewer):
    # A different scope is a new token (test_token_scopes.py): an edited one would keep its key.
    token, _key = issue_token(viewer, "Phone")
    client.force_login(viewer)

    client.post(admin_url(token, "change"), {"name": "Renamed", "expires_at": "2099-01-01 00:00"})
    token.refresh_from_db()
    assert token.name == "Phone"
