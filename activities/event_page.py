"""What activities adds to an event's admin page (organizers/panels.py): today's and the next
activities, in the event's time zone, and the way to its timetable."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from activities.models import Activity
from organizers import panels
from organizers.models import Event

NEXT_SHOWN = 5


def _may_view(request: HttpRequest, event: Event) -> bool:
    return request.user.has_perm(Activity.get_perm("view"), event)


def timetable_url(request: HttpRequest, event: Event) -> str | None:
    if not _may_view(request, event):
        return None
    return reverse("admin:activities_activity_timetable", args=[event.pk])


def activities_panel(request: HttpRequest, event: Event, now: datetime | None = None) -> SafeString | str:
    """Today's activities (the event's day) and the next few after today: two queries."""
    if not _may_view(request, event):
        return ""
    tz = event.tzinfo
    now = (now or timezone.now()).astimezone(tz)
    day_start = datetime.combine(now.date(), time.min, tzinfo=tz)
    day_end = day_start + timedelta(days=1)
    base = Activity.objects.filter(event=event).select_related("location").order_by("start", "title")
    today = list(base.filter(start__lt=day_end, end__gt=day_start))
    upcoming = list(base.filter(start__gte=day_end)[:NEXT_SHOWN])

    def rows(activities):
        return [
            {
                "title": activity.title,
                "start": activity.start.astimezone(tz),
                "end": activity.end.astimezone(tz),
                "location": activity.location.name if activity.location else "",
                "url": reverse("admin:activities_activity_change", args=[activity.pk]),
            }
            for activity in activities
        ]

    context = {
        "today": rows(today),
        "upcoming": rows(upcoming),
        "timezone": event.timezone,
        "timetable_url": timetable_url(request, event),
    }
    return render_to_string("admin/activities/workspace.html", context, request=request)


def register() -> None:
    panels.add_panel(panels.EventPanel("activities.next", _("Activities"), activities_panel, order=30))
    panels.add_link(panels.EventLink("activities.timetable", _("Timetable"), timetable_url, order=30))
