"""The event workspace's activities: today's and the next ones, in the event's time zone."""

from __future__ import annotations

import re
from datetime import UTC, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from activities.factories import ActivityFactory

pytestmark = pytest.mark.django_db


def section(content: str, anchor: str) -> str:
    match = re.search(rf'<section id="{anchor}".*?</section>', content, re.S)
    assert match, anchor
    return match.group(0)


def test_workspace_shows_todays_and_next_activities_in_the_events_time_zone(client, viewer, event_a):
    event_a.timezone = "America/New_York"
    event_a.save()
    now = timezone.now().astimezone(event_a.tzinfo)
    noon = now.replace(hour=12, minute=30, second=0, microsecond=0)
    ActivityFactory(event=event_a, title="Soundcheck", start=noon, end=noon + timedelta(hours=1))
    later = noon + timedelta(days=2)
    ActivityFactory(event=event_a, title="Concert", start=later, end=later + timedelta(hours=2))
    ActivityFactory(
        event=event_a, title="Last year", start=noon - timedelta(days=365), end=noon - timedelta(days=365, hours=-1)
    )
    client.force_login(viewer)

    content = client.get(reverse("admin:organizers_event_change", args=[event_a.pk])).content.decode()

    today = section(content, "workspace-today")
    assert "Soundcheck" in today and "12:30" in today  # New York time, not UTC (17:30)
    upcoming = section(content, "workspace-next")
    assert "Concert" in upcoming and "Soundcheck" not in upcoming and "Last year" not in content
    assert noon.astimezone(UTC).strftime("%H:%M") not in today


def test_workspace_of_another_event_shows_none_of_its_activities(client, viewer, event_a, event_b):
    ActivityFactory(event=event_b, title="Secret keynote")
    client.force_login(viewer)

    response = client.get(reverse("admin:organizers_event_change", args=[event_b.pk]))

    assert response.status_code in (302, 404)
    assert "Secret keynote" not in response.content.decode()
