"""The event's timetable as a member reaches it in Chromium: from the event's page, its activities
placed by day, room and time."""

from __future__ import annotations

from datetime import datetime

from geventator.tests.browser.fixtures import BROWSER

pytestmark = BROWSER


def test_timetable_shows_the_events_activities_by_room_and_time(page, sign_in, event_a, organizer, event_b):
    from playwright.sync_api import expect

    from activities.factories import ActivityFactory, LocationFactory

    hall = LocationFactory(event=event_a, name="Main hall")
    garden = LocationFactory(event=event_a, name="Garden")
    zone = event_a.tzinfo
    ActivityFactory(
        event=event_a,
        location=hall,
        title="Opening talk",
        start=datetime(2026, 6, 12, 10, 0, tzinfo=zone),
        end=datetime(2026, 6, 12, 11, 30, tzinfo=zone),
    )
    ActivityFactory(
        event=event_a,
        location=garden,
        title="Paella workshop",
        start=datetime(2026, 6, 13, 13, 0, tzinfo=zone),
        end=datetime(2026, 6, 13, 14, 0, tzinfo=zone),
    )
    ActivityFactory(event=event_b, title="Keynote of another event")

    sign_in(page, organizer)
    page.goto(f"/admin/organizers/event/{event_a.pk}/change/")
    # The event's tools above the form (the workspace's "Next" card links to the timetable too).
    page.locator(".object-tools").get_by_role("link", name="Timetable", exact=True).click()

    expect(page.locator("h1")).to_contain_text("Festival A")
    friday = page.locator("table.timetable[data-day='2026-06-12']")
    expect(friday.locator("thead")).to_contain_text("Main hall")
    expect(friday.locator("td.activity")).to_have_count(1)
    expect(friday.locator("td.activity")).to_contain_text("Opening talk")
    expect(friday.locator("td.activity")).to_contain_text("10:00–11:30")
    saturday = page.locator("table.timetable[data-day='2026-06-13']")
    expect(saturday.locator("thead")).to_contain_text("Garden")
    expect(saturday.locator("td.activity")).to_contain_text("Paella workshop")
    expect(saturday.locator("td.activity")).to_contain_text("13:00–14:00")
    expect(page.locator("#content-main")).not_to_contain_text("Keynote of another event")
