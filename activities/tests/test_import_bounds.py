"""An activity import is bounded in rows and in time, and a refused file saves nothing (API and admin)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from activities.models import Activity
from activities.tests.test_import_export import csv_of, row, upload
from geventator import spreadsheets

pytestmark = pytest.mark.django_db

ADMIN_IMPORT = "/admin/activities/activity/import/"


def rows(count: int) -> list[dict]:
    # One hour each, back to back, so that no row conflicts with another.
    return [row(title=f"Talk {n}", start=f"2026-06-12T{n:02d}:00", end=f"2026-06-12T{n:02d}:30") for n in range(count)]


def file_errors(response) -> list[str]:
    assert response.status_code == 400, response.json()
    [error] = response.json()["errors"]
    assert error["line"] is None
    return error["errors"]["file"]


def admin_upload(client, user, content: bytes):
    user.is_staff = True
    user.save()
    client.force_login(user)
    file = SimpleUploadedFile("a.csv", content, "text/csv")
    return client.post(ADMIN_IMPORT, {"format": "0", "resource": "0", "import_file": file})


@pytest.fixture
def clock_runs_out_after_the_first_save(monkeypatch):
    """A clock that jumps an hour ahead once a row of the import is in the store (inside its transaction)."""
    monkeypatch.setattr(spreadsheets, "now", lambda: 3600.0 if Activity.objects.exists() else 0.0)


def test_api_refuses_a_file_above_the_row_limit_and_saves_nothing(api, organizer, event_a, settings):
    settings.IMPORT_MAX_ROWS = 3

    assert file_errors(upload(api, organizer, event_a, csv_of(rows(4)))) == ["A file may hold at most 3 rows."]
    assert not Activity.objects.exists()


def test_api_accepts_a_file_at_the_row_limit(api, organizer, event_a, settings):
    settings.IMPORT_MAX_ROWS = 3

    response = upload(api, organizer, event_a, csv_of(rows(3)) + b"\n\n")

    assert response.status_code == 200, response.json()
    assert Activity.objects.count() == 3


def test_the_default_limit_is_5000_rows(api, organizer, event_a):
    content = csv_of([row(title=f"Talk {n}") for n in range(5001)])

    assert file_errors(upload(api, organizer, event_a, content)) == ["A file may hold at most 5,000 rows."]
    assert not Activity.objects.exists()


def test_admin_refuses_a_file_above_the_row_limit(client, organizer, event_a, settings):
    settings.IMPORT_MAX_ROWS = 3

    response = admin_upload(client, organizer, csv_of(rows(4)))

    assert response.status_code == 200
    assert "A file may hold at most 3 rows." in response.content.decode()
    assert not Activity.objects.exists()


def test_api_import_that_runs_out_of_time_saves_nothing(api, organizer, event_a, clock_runs_out_after_the_first_save):
    response = upload(api, organizer, event_a, csv_of(rows(3)))

    assert file_errors(response) == ["The import took longer than 10 seconds and saved nothing; split the file."]
    assert not Activity.objects.exists()
