"""iCalendar feeds: the public one per event, the personal one per organizer, and its token."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest

from activities.factories import ActivityFactory, LocationFactory
from activities.models import CalendarToken, Status
from organizers.factories import EventFactory
from organizers.models import Membership

pytestmark = pytest.mark.django_db

MADRID = ZoneInfo("Europe/Madrid")


def parse(response) -> icalendar.Calendar:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


def entries(calendar: icalendar.Calendar) -> dict[str, icalendar.Event]:
    return {str(entry["SUMMARY"]): entry for entry in calendar.walk("VEVENT")}


def feed_url(client, user) -> str:
    client.force_login(user)
    response = client.get("/api/calendar/")
    client.logout()
    assert response.status_code == 200
    return response.json()["url"].removeprefix("http://testserver")


def test_event_feed_lists_public_activities_only_with_stable_uids(client, event_a):
    room = LocationFactory(event=event_a, name="Main hall", address="Plaza 1")
    public = ActivityFactory(event=event_a, title="Opening", is_public=True, location=room, description="Hi")
    ActivityFactory(event=event_a, title="Crew meeting", is_public=False)

    first = parse(client.get("/calendar/events/festival-a.ics"))
    second = parse(client.get("/calendar/events/festival-a.ics"))

    assert set(entries(first)) == {"Opening"}
    opening = entries(first)["Opening"]
    assert str(opening["UID"]) == f"{public.pk}@geventator"
    assert [str(e["UID"]) for e in second.walk("VEVENT")] == [str(opening["UID"])]
    assert opening["SEQUENCE"] == entries(second)["Opening"]["SEQUENCE"]
    assert str(opening["LOCATION"]) == "Main hall, Plaza 1"
    assert str(opening["DESCRIPTION"]) == "Hi"
    assert str(first["X-WR-CALNAME"]) == "Festival A"
    assert str(first["X-WR-TIMEZONE"]) == "Europe/Madrid"
    assert [str(tz["TZID"]) for tz in first.walk("VTIMEZONE")] == ["Europe/Madrid"]


def test_changed_activity_keeps_its_uid_and_raises_its_sequence(client, event_a):
    activity = ActivityFactory(event=event_a, title="Opening", is_public=True)
    before = entries(parse(client.get("/calendar/events/festival-a.ics")))["Opening"]

    activity.updated_at = activity.updated_at - timedelta(minutes=5)  # auto_now stamps the save below
    activity.title = "Grand opening"
    activity.save()
    after = entries(parse(client.get("/calendar/events/festival-a.ics")))["Grand opening"]

    assert after["UID"] == before["UID"]
    assert after["SEQUENCE"] >= before["SEQUENCE"]
    assert after.decoded("LAST-MODIFIED") >= before.decoded("LAST-MODIFIED")


def test_cancelled_public_activity_stays_in_the_feed_marked_cancelled(client, event_a):
    ActivityFactory(event=event_a, title="Rained out", is_public=True, status=Status.CANCELLED)
    ActivityFactory(event=event_a, title="Still on", is_public=True, status=Status.CONFIRMED)

    found = entries(parse(client.get("/calendar/events/festival-a.ics")))

    assert str(found["Rained out"]["STATUS"]) == "CANCELLED"
    assert str(found["Still on"]["STATUS"]) == "CONFIRMED"


@pytest.mark.parametrize(
    ("first_day", "start", "expected_utc_offsets"),
    [
        # Spring forward at 02:00 → 03:00: 01:30 is winter time, an hour later it is summer time.
        (date(2026, 3, 29), datetime(2026, 3, 29, 1, 30), (timedelta(hours=1), timedelta(hours=2))),
        # Fall back at 03:00 → 02:00: 01:30 is summer time, 02:30 after the second 02:00 is winter time.
        (date(2026, 10, 25), datetime(2026, 10, 25, 1, 30), (timedelta(hours=2), timedelta(hours=1))),
    ],
)
def test_times_are_in_the_event_time_zone_across_a_dst_change(client, first_day, start, expected_utc_offsets):
    event = EventFactory(slug="dst", timezone="Europe/Madrid", start_date=first_day, end_date=first_day)
    begins = start.replace(tzinfo=MADRID)
    ends = begins + timedelta(hours=2)  # two real hours across the change
    ActivityFactory(event=event, title="Night shift", is_public=True, start=begins, end=ends)

    calendar = parse(client.get("/calendar/events/dst.ics"))
    night = entries(calendar)["Night shift"]

    assert night["DTSTART"].params["TZID"] == "Europe/Madrid"
    assert night.decoded("DTSTART") == begins
    assert night.decoded("DTEND") == ends
    assert (night.decoded("DTSTART").utcoffset(), night.decoded("DTEND").utcoffset()) == expected_utc_offsets
    assert b"DTSTART;TZID=Europe/Madrid:" in calendar.to_ical()


@pytest.mark.parametrize("slug", ["no-such-event", "bad%20slug", "x" * 300])
def test_unknown_or_malformed_event_slug_is_not_found(client, event_a, slug):
    assert client.get(f"/calendar/events/{slug}.ics").status_code == 404


def test_personal_feed_lists_own_activities_in_member_events_only(client, event_a, organizer, owner, outsider):
    mine_internal = ActivityFactory(event=event_a, title="Sound check", is_public=False)
    mine_internal.responsible.set([organizer])
    someone_elses = ActivityFactory(event=event_a, title="Owner's meeting")
    someone_elses.responsible.set([owner])
    other_event = EventFactory(slug="left-event")
    Membership.objects.create(event=other_event, organizer=organizer, role="organizer")
    ActivityFactory(event=other_event, title="Old duty").responsible.set([organizer])
    Membership.objects.filter(event=other_event, organizer=organizer).delete()  # they left that event
    url = feed_url(client, organizer)

    found = entries(parse(client.get(url)))

    assert set(found) == {"Sound check"}
    assert str(found["Sound check"]["UID"]) == f"{mine_internal.pk}@geventator"


def test_feeds_and_the_feed_url_are_kept_out_of_shared_caches(client, event_a, organizer):
    client.force_login(organizer)
    url_response = client.get("/api/calendar/")
    regenerated = client.post("/api/calendar/regenerate/")
    client.logout()
    url = regenerated.json()["url"].removeprefix("http://testserver")

    for response in (url_response, regenerated, client.get(url), client.get("/calendar/events/festival-a.ics")):
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, no-store"


def test_feed_url_is_made_once_and_regenerating_revokes_the_old_one(client, api, organizer):
    first = feed_url(client, organizer)
    assert feed_url(client, organizer) == first
    assert client.get(first).status_code == 200

    response = api.as_user(organizer).post("/api/calendar/regenerate/")

    assert response.status_code == 200
    new = response.json()["url"].removeprefix("http://testserver")
    assert new != first
    assert client.get(first).status_code == 404
    assert client.get(new).status_code == 200
    assert CalendarToken.objects.filter(organizer=organizer).count() == 1


@pytest.mark.parametrize("token", ["garbage", "a" * 43, "../../etc/passwd", "%00"])
def test_unknown_or_malformed_token_is_not_found(client, organizer, token):
    CalendarToken.objects.create(organizer=organizer)

    assert client.get(f"/calendar/organizers/{token}.ics").status_code == 404


def test_calendar_api_needs_a_signed_in_user(api):
    assert api.get("/api/calendar/").status_code == 401
    assert api.post("/api/calendar/regenerate/").status_code == 401


def test_admin_page_shows_and_regenerates_the_feed_url(client, superuser):
    superuser.is_staff = True
    superuser.save()
    client.force_login(superuser)
    old = CalendarToken.objects.create(organizer=superuser).token

    page = client.get("/calendar/mine/")
    response = client.post("/calendar/mine/")

    assert page.status_code == 200
    assert old in page.content.decode()
    assert response.status_code == 302
    assert CalendarToken.objects.get(organizer=superuser).token != old
    assert "/calendar/mine/" in client.get("/admin/").content.decode()
