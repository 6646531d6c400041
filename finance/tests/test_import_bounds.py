"""A ledger import is bounded in rows and in time, and a refused file saves nothing (API and admin)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from finance.models import Transaction
from finance.tests.test_ledger_files import admin_import, csv_of, row, upload
from geventator import spreadsheets

pytestmark = pytest.mark.django_db

TOO_MANY = "A file may hold at most 5,000 rows."


def file_errors(response) -> list[str]:
    assert response.status_code == 400, response.json()
    [error] = response.json()["errors"]
    assert error["line"] is None
    return error["errors"]["file"]


@pytest.fixture
def clock_runs_out_after_the_first_save(monkeypatch):
    """A clock that jumps an hour ahead once a row of the import is in the store (inside its transaction)."""
    monkeypatch.setattr(spreadsheets, "now", lambda: 3600.0 if Transaction.objects.exists() else 0.0)


def test_api_refuses_a_file_above_5000_rows_and_saves_nothing(api, organizer, event_a):
    content = csv_of([row(description=f"Entry {n}") for n in range(5001)])

    response = upload(api, organizer, event_a, content)

    assert file_errors(response) == [TOO_MANY]
    assert not Transaction.objects.exists()


def test_the_row_limit_comes_from_the_settings_and_blank_lines_do_not_count(api, organizer, event_a, settings):
    settings.IMPORT_MAX_ROWS = 2
    at_limit = csv_of([row(), row()]) + b"\n\n"

    assert upload(api, organizer, event_a, at_limit).status_code == 200
    assert file_errors(upload(api, organizer, event_a, csv_of([row()] * 3))) == ["A file may hold at most 2 rows."]
    assert Transaction.objects.count() == 2


def test_admin_refuses_a_file_above_5000_rows_and_saves_nothing(client, organizer, event_a):
    client.force_login(organizer)
    content = csv_of([row(description=f"Entry {n}") for n in range(5001)])

    response = client.post(admin_import(event_a), {"import_file": SimpleUploadedFile("t.csv", content)})

    assert response.status_code == 200
    assert TOO_MANY in response.content.decode()
    assert not Transaction.objects.exists()


def test_api_import_that_runs_out_of_time_saves_nothing(api, organizer, event_a, clock_runs_out_after_the_first_save):
    response = upload(api, organizer, event_a, csv_of([row(), row(), row()]))

    [message] = file_errors(response)
    assert message == "The import took longer than 10 seconds and saved nothing; split the file."
    assert not Transaction.objects.exists()


def test_admin_import_that_runs_out_of_time_saves_nothing(
    client, organizer, event_a, clock_runs_out_after_the_first_save
):
    client.force_login(organizer)

    response = client.post(admin_import(event_a), {"import_file": SimpleUploadedFile("t.csv", csv_of([row()] * 3))})

    assert response.status_code == 200
    assert "The import took longer than 10 seconds" in response.content.decode()
    assert not Transaction.objects.exists()


def test_the_time_budget_grows_with_the_rows_above_its_floor(settings):
    settings.IMPORT_SECONDS_PER_ROW = 0.004
    settings.IMPORT_MIN_SECONDS = 5
    times = iter([0.0, 19.9, 20.1])
    deadline = spreadsheets.ImportDeadline(5000, clock=lambda: next(times))

    deadline.check()  # 19.9 s of 20
    with pytest.raises(spreadsheets.ImportTooSlow):
        deadline.check()
    assert spreadsheets.ImportDeadline(10).seconds == 5
