"""The activity export never hands a spreadsheet a formula to run, and reads its own escaping back."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from activities.factories import ActivityFactory, LocationFactory
from activities.models import Activity
from activities.tests.test_import_export import EXPORT, rows_of, snapshot, upload

pytestmark = pytest.mark.django_db

MADRID = ZoneInfo("Europe/Madrid")
FORMULAS = ['=HYPERLINK("http://evil.example","click")', "@SUM(A1:A9)", "+1+1", "-2+3", "\tcmd", "\rcmd"]


@pytest.fixture
def poisoned(event_a, organizer):
    hall = LocationFactory(event=event_a, name="=cmd|' /C calc'!A0")
    start = datetime(2026, 6, 12, 10, 0, tzinfo=MADRID)
    for number, formula in enumerate(FORMULAS):
        activity = ActivityFactory(
            event=event_a,
            title=formula,
            description=formula,
            location=hall if number == 0 else None,
            start=start + timedelta(hours=number),
            end=start + timedelta(hours=number, minutes=30),
        )
        activity.responsible.set([organizer])
    return hall


def test_export_escapes_every_text_cell_a_spreadsheet_would_run(api, organizer, event_a, poisoned):
    response = api.as_user(organizer).get(EXPORT, {"event": str(event_a.pk)})

    assert response.status_code == 200
    rows = rows_of(response.content.decode())
    assert [r["title"] for r in rows] == [f"'{formula}" for formula in FORMULAS]
    assert [r["description"] for r in rows] == [f"'{formula}" for formula in FORMULAS]
    assert rows[0]["location"] == "'=cmd|' /C calc'!A0"
    formula_starts = ("=", "+", "-", "@", "\t", "\r")
    for row in rows:
        assert not any(str(value).startswith(formula_starts) for value in row.values() if value), row


def test_escaped_export_imports_back_unchanged(api, organizer, event_a, poisoned):
    before = snapshot()
    exported = api.as_user(organizer).get(EXPORT, {"event": str(event_a.pk)}).content

    response = upload(api, organizer, event_a, exported)

    assert response.status_code == 200, response.json()
    assert response.json() == {"created": 0, "updated": len(FORMULAS)}
    assert snapshot() == before
    assert Activity.objects.filter(title=FORMULAS[0], location=poisoned).exists()
