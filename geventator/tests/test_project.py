from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_system_checks_pass():
    call_command("check", fail_level="WARNING")


@pytest.mark.django_db
def test_migrations_are_current_for_this_store():
    # On SQLite this covers our apps; on MongoDB also the contrib apps' ObjectId migrations.
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


@pytest.mark.django_db
def test_api_without_credentials_answers_401_with_the_token_scheme(client):
    response = client.get("/api/transactions/")

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"
