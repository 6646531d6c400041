"""The API as a whole: who gets in, how errors look, and the OpenAPI description."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db

LIST_ENDPOINTS = [
    "/api/events/",
    "/api/memberships/",
    "/api/categories/",
    "/api/transactions/",
    "/api/locations/",
    "/api/activities/",
]


@pytest.mark.parametrize("url", LIST_ENDPOINTS)
def test_anonymous_requests_are_unauthorized(api, url):
    response = api.get(url)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")


def test_an_unknown_token_is_unauthorized(api, viewer):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    assert api.get("/api/events/").status_code == 401


def test_token_obtained_from_the_api_signs_in(api, viewer):
    token = api.post("/api/auth/token/", {"username": "vera_viewer", "password": "correct horse battery"}).json()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token['token']}")

    assert api.get("/api/events/").status_code == 200


@pytest.mark.parametrize("url", LIST_ENDPOINTS)
def test_token_and_session_sign_in_both_open_every_list(api, client, viewer, url):
    client.force_login(viewer)

    assert api.as_user(viewer).get(url).status_code == 200
    assert client.get(url).status_code == 200


def test_session_writes_need_the_csrf_token(viewer, event_a):
    from rest_framework.test import APIClient

    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(viewer)

    response = browser.post("/api/events/", {"name": "X", "slug": "x", "start_date": "2026-01-01"}, format="json")

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


@pytest.mark.parametrize("url", LIST_ENDPOINTS)
def test_a_malformed_id_in_the_url_is_not_found_never_a_server_error(api, superuser, url):
    api.as_user(superuser)

    assert api.get(f"{url}not-a-uuid/").status_code == 404
    assert api.patch(f"{url}not-a-uuid/", {}, format="json").status_code == 404
    assert api.delete(f"{url}12345/").status_code == 404


@pytest.mark.parametrize("url", LIST_ENDPOINTS[1:])
def test_a_malformed_event_filter_is_a_bad_request(api, superuser, url):
    response = api.as_user(superuser).get(url, {"event": "not-a-uuid"})

    assert response.status_code == 400
    assert "event" in response.json()


def test_schema_is_openapi_3_and_lists_every_resource(api, viewer):
    response = api.as_user(viewer).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert {
        "/api/events/",
        "/api/events/{id}/summary/",
        "/api/memberships/",
        "/api/categories/",
        "/api/transactions/",
        "/api/locations/",
        "/api/activities/",
    } <= set(schema["paths"])


def test_schema_generation_has_no_warnings_or_errors(tmp_path):
    out = tmp_path / "schema.yaml"

    # --fail-on-warn turns drf-spectacular's warnings (unguessable types, ...) into a failure.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out), stderr=StringIO())

    assert out.read_text().startswith("openapi: 3.")


def test_api_docs_open_for_a_signed_in_user(client, viewer):
    client.force_login(viewer)

    response = client.get("/api/docs/")

    assert response.status_code == 200
    assert b"swagger" in response.content.lower()


def test_readme_states_the_api_version_the_schema_serves(api, viewer):
    from pathlib import Path

    schema = api.as_user(viewer).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")

    version = schema["info"]["version"]
    assert f"**API version {version}**" in readme
    assert f"- **{version}**" in readme  # and the changelog says what it brought
