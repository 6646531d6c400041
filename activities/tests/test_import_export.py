"""CSV export and the all-or-nothing CSV import of activities (API, service and admin)."""

import csv
import io
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from activities import transfer
from activities.factories import ActivityFactory, LocationFactory
from activities.models import Activity
from organizers.factories import EventFactory

pytestmark = pytest.mark.django_db

EXPORT = "/api/activities/export/"
IMPORT = "/api/activities/import/"
MADRID = ZoneInfo("Europe/Madrid")


def rows_of(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def csv_of(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=transfer.COLUMNS)
    writer.writeheader()
    for row in rows:
        writer.writerow(dict.fromkeys(transfer.COLUMNS, "") | row)
    return out.getvalue().encode()


def row(**values) -> dict:
    return {
        "event": "festival-a",
        "title": "Talk",
        "start": "2026-06-12T10:00",
        "end": "2026-06-12T11:00",
        **values,
    }


def upload(api, user, event, content: bytes):
    file = SimpleUploadedFile("activities.csv", content, content_type="text/csv")
    return api.as_user(user).post(IMPORT, {"file": file, "event": str(event.pk)}, format="multipart")


def snapshot() -> list[tuple]:
    return sorted(
        Activity.objects.values_list(
            "pk", "title", "description", "kind", "status", "start", "end", "location_id", "capacity", "is_public"
        )
    )


@pytest.fixture
def schedule(event_a, organizer, owner):
    hall = LocationFactory(event=event_a, name="Hall", capacity=100)
    start = datetime(2026, 6, 12, 10, 0, tzinfo=MADRID)
    talk = ActivityFactory(
        event=event_a,
        title="Keynote, part 1",
        location=hall,
        start=start,
        end=start + timedelta(hours=1),
        description='Line one\n"quoted"',
        kind="talk",
        status="confirmed",
        capacity=80,
        is_public=True,
    )
    talk.responsible.set([organizer, owner])
    ActivityFactory(event=event_a, title="Setup", start=start - timedelta(hours=2), end=start, kind="logistics")
    return hall


def test_export_writes_every_column_in_the_event_time_zone(api, organizer, schedule, outsider, event_b):
    ActivityFactory(event=event_b, title="Other event's talk")

    response = api.as_user(organizer).get(EXPORT)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = rows_of(response.content.decode())
    assert list(rows[0]) == transfer.COLUMNS
    assert [r["title"] for r in rows] == ["Setup", "Keynote, part 1"]
    keynote = rows[1]
    assert keynote["start"] == "2026-06-12T10:00:00+02:00"
    assert keynote["location"] == "Hall"
    assert keynote["responsible"] == "olivia_owner, oscar_organizer"
    assert (keynote["is_public"], keynote["capacity"], keynote["kind"]) == ("true", "80", "talk")


def test_export_of_an_event_the_user_cannot_see_is_not_found(api, organizer, event_b):
    assert api.as_user(organizer).get(EXPORT, {"event": str(event_b.pk)}).status_code == 404
    assert api.as_user(organizer).get(EXPORT, {"event": "garbage"}).status_code == 400


def test_round_trip_export_then_import_changes_nothing(api, organizer, event_a, schedule):
    before = snapshot()
    links_before = sorted(Activity.responsible.through.objects.values_list("activity_id", "organizer_id"))
    exported = api.as_user(organizer).get(EXPORT, {"event": str(event_a.pk)}).content

    response = upload(api, organizer, event_a, exported)

    assert response.status_code == 200, response.json()
    assert response.json() == {"created": 0, "updated": 2}
    assert snapshot() == before
    assert sorted(Activity.responsible.through.objects.values_list("activity_id", "organizer_id")) == links_before


def test_new_rows_are_created_with_naive_times_read_in_the_event_zone(api, organizer, event_a, schedule):
    content = csv_of(
        [
            row(
                title="Workshop",
                location="Hall",
                start="2026-06-13T16:00",
                end="2026-06-13T18:00",
                responsible="oscar_organizer",
                is_public="yes",
                capacity="20",
                kind="workshop",
            )
        ]
    )

    response = upload(api, organizer, event_a, content)

    assert response.status_code == 200, response.json()
    assert response.json() == {"created": 1, "updated": 0}
    workshop = Activity.objects.get(title="Workshop")
    assert workshop.start == datetime(2026, 6, 13, 16, 0, tzinfo=MADRID)
    assert (workshop.location, workshop.capacity, workshop.is_public) == (schedule, 20, True)
    assert list(workshop.responsible.all()) == [organizer]


def test_one_bad_row_among_good_ones_saves_nothing_and_lists_every_bad_line(api, organizer, event_a, schedule):
    before = snapshot()
    content = csv_of(
        [
            row(title="Good one"),
            row(title="Ends first", start="2026-06-12T12:00", end="2026-06-12T11:00"),  # line 3
            row(title="Good two", start="2026-06-13T10:00", end="2026-06-13T11:00"),
            row(title="", start="yesterday", location="Nowhere", responsible="bruno_of_b"),  # line 5
        ]
    )

    response = upload(api, organizer, event_a, content)

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [e["line"] for e in errors] == [3, 5]
    assert "end" in errors[0]["errors"]
    assert set(errors[1]["errors"]) >= {"title", "start", "location", "responsible"}
    assert snapshot() == before


def test_a_room_double_booked_within_the_file_is_refused(api, organizer, event_a, schedule):
    before = snapshot()
    content = csv_of(
        [
            row(title="Quiz", location="Hall", start="2026-06-13T20:00", end="2026-06-13T21:00"),
            row(title="Karaoke", location="Hall", start="2026-06-13T20:30", end="2026-06-13T22:00"),
        ]
    )

    response = upload(api, organizer, event_a, content)

    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["line"] == 3
    assert "Quiz" in error["errors"]["location"][0]
    assert snapshot() == before


def test_a_room_already_booked_in_the_database_is_refused(api, organizer, event_a, schedule):
    content = csv_of([row(title="Clash", location="Hall", start="2026-06-12T10:30", end="2026-06-12T11:30")])

    response = upload(api, organizer, event_a, content)

    assert response.status_code == 400
    assert "Keynote, part 1" in response.json()["errors"][0]["errors"]["location"][0]
    assert not Activity.objects.filter(title="Clash").exists()


def test_viewer_may_not_import(api, viewer, event_a):
    response = upload(api, viewer, event_a, csv_of([row()]))

    assert response.status_code == 403
    assert not Activity.objects.exists()


def test_import_into_another_event_is_refused(api, organizer, event_a, outsider, event_b):
    theirs = ActivityFactory(event=event_b, title="Theirs")

    other_event = upload(api, organizer, event_b, csv_of([row(event="congress-b")]))
    other_slug = upload(api, organizer, event_a, csv_of([row(event="congress-b")]))
    other_id = upload(api, organizer, event_a, csv_of([row(id=str(theirs.pk), title="Hijacked")]))

    assert other_event.status_code == 404
    assert other_slug.status_code == 400
    assert "event" in other_slug.json()["errors"][0]["errors"]
    assert other_id.status_code == 400
    assert "id" in other_id.json()["errors"][0]["errors"]
    assert Activity.objects.get(pk=theirs.pk).title == "Theirs"
    assert list(Activity.objects.filter(event=event_a)) == []


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"title\nOnly a title\n", "Missing columns"),
        (b"\xff\xfe\x00garbage", "UTF-8"),
    ],
)
def test_an_unreadable_file_is_refused_whole(api, organizer, event_a, content, expected):
    response = upload(api, organizer, event_a, content)

    assert response.status_code == 400
    assert expected in str(response.json()["errors"])


def test_import_without_a_file_is_a_bad_request(api, organizer, event_a):
    response = api.as_user(organizer).post(IMPORT, {"event": str(event_a.pk)}, format="multipart")

    assert response.status_code == 400


def test_admin_export_holds_only_the_users_events(client, organizer, schedule, outsider, event_b):
    ActivityFactory(event=event_b, title="Other event's talk")
    organizer.is_staff = True
    organizer.save()
    client.force_login(organizer)

    response = client.post(
        "/admin/activities/activity/export/",
        {"format": "0", "resource": "0", **{f"activityresource_{c}": "on" for c in transfer.COLUMNS}},
    )

    assert response.status_code == 200, response.content[:500]
    titles = {r["title"] for r in rows_of(response.content.decode("utf-8-sig"))}
    assert titles == {"Setup", "Keynote, part 1"}


def test_admin_import_dry_run_reports_errors_and_saves_nothing(client, organizer, event_a, schedule):
    organizer.is_staff = True
    organizer.save()
    client.force_login(organizer)
    before = snapshot()
    content = csv_of([row(title="Fine"), row(title="Bad", end="2026-06-12T09:00")])

    response = client.post(
        "/admin/activities/activity/import/",
        {"format": "0", "resource": "0", "import_file": SimpleUploadedFile("a.csv", content, "text/csv")},
    )

    assert response.status_code == 200
    assert "The activity must end after it starts." in response.content.decode()
    assert snapshot() == before


def test_admin_import_saves_after_the_confirmed_preview(client, organizer, event_a, schedule):
    organizer.is_staff = True
    organizer.save()
    client.force_login(organizer)
    content = csv_of([row(title="Fine", location="Hall", start="2026-06-14T10:00", end="2026-06-14T11:00")])
    preview = client.post(
        "/admin/activities/activity/import/",
        {"format": "0", "resource": "0", "import_file": SimpleUploadedFile("a.csv", content, "text/csv")},
    )
    assert not Activity.objects.filter(title="Fine").exists()  # the preview saved nothing

    response = client.post("/admin/activities/activity/process_import/", preview.context["confirm_form"].initial)

    assert response.status_code == 302
    assert Activity.objects.get(title="Fine").location == schedule


def test_admin_import_page_is_closed_to_a_viewer(client, viewer):
    viewer.is_staff = True
    viewer.save()
    client.force_login(viewer)

    assert client.get("/admin/activities/activity/import/").status_code == 403


def test_a_skipped_wall_time_is_refused_and_a_repeated_one_is_read_as_the_first(api, owner):
    event = EventFactory(slug="autumn", start_date=date(2026, 3, 28), end_date=date(2026, 10, 26))
    owner.memberships.create(event=event, role="owner")
    content = csv_of(
        [
            row(event="autumn", title="Skipped", start="2026-03-29T02:30", end="2026-03-29T04:00"),
            row(event="autumn", title="Repeated", start="2026-10-25T02:30", end="2026-10-25T04:00"),
        ]
    )

    refused = upload(api, owner, event, content)
    accepted = upload(
        api,
        owner,
        event,
        csv_of([row(event="autumn", title="Repeated", start="2026-10-25T02:30", end="2026-10-25T04:00")]),
    )

    assert refused.status_code == 400
    assert [(e["line"], list(e["errors"])) for e in refused.json()["errors"]] == [(2, ["start"])]
    assert accepted.status_code == 200
    assert Activity.objects.get(title="Repeated").start == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
