"""iCalendar feeds: a public one per event and a personal one per organizer (behind a secret token).

Plain Django views: calendar apps subscribe without signing in. Each activity keeps the same UID
in every fetch and carries SEQUENCE and LAST-MODIFIED from its last change, so a subscribed
calendar updates the entry instead of adding a second one; a cancelled activity stays in the feed
with STATUS:CANCELLED so the calendar drops it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import icalendar
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from activities.models import Activity, CalendarToken, Status
from organizers import rules as perms
from organizers.models import Event

CONTENT_TYPE = "text/calendar; charset=utf-8"
PRODID = "-//GEventator//Activities//EN"
# SEQUENCE must grow with each change: seconds since this moment fit in iCalendar's 32-bit integer
# for decades, where a Unix timestamp would overflow in 2038.
SEQUENCE_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
STATUS_MAP = {
    Status.PLANNED: "TENTATIVE",
    Status.CONFIRMED: "CONFIRMED",
    Status.DONE: "CONFIRMED",
    Status.CANCELLED: "CANCELLED",
}


def activity_uid(activity: Activity) -> str:
    return f"{activity.pk}@geventator"


def _vevent(activity: Activity) -> icalendar.Event:
    tz = activity.event.tzinfo
    entry = icalendar.Event()
    entry.add("uid", activity_uid(activity))
    entry.add("summary", activity.title)
    entry.add("dtstart", activity.start.astimezone(tz))
    entry.add("dtend", activity.end.astimezone(tz))
    # DTSTAMP from the last change, not "now": an unchanged activity gives the same bytes each fetch.
    entry.add("dtstamp", activity.updated_at.astimezone(UTC))
    entry.add("last-modified", activity.updated_at.astimezone(UTC))
    entry.add("sequence", max(0, int((activity.updated_at - SEQUENCE_EPOCH).total_seconds())))
    entry.add("status", STATUS_MAP.get(activity.status, "CONFIRMED"))
    if activity.description:
        entry.add("description", activity.description)
    if activity.location_id:
        place = activity.location
        entry.add("location", f"{place.name}, {place.address}" if place.address else place.name)
    entry.add("categories", [activity.get_kind_display()])
    return entry


def build_calendar(name: str, activities: Iterable[Activity], timezone_name: str | None = None) -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    if timezone_name:
        calendar.add("x-wr-timezone", timezone_name)
    activities = list(activities)
    for activity in activities:
        calendar.add_component(_vevent(activity))
    if activities:
        # VTIMEZONE components for every zone a DTSTART/DTEND uses, so apps read the local times
        # right; only the transitions near the activities (by default icalendar lists 1970–2038).
        calendar.add_missing_timezones(
            first_date=min(a.start for a in activities).date() - timedelta(days=366),
            last_date=max(a.end for a in activities).date() + timedelta(days=366),
        )
    return calendar.to_ical()


def _response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    # A personal feed lists someone's whereabouts under a secret URL: no shared cache keeps a copy.
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
def event_feed(request: HttpRequest, slug: str) -> HttpResponse:
    """All public activities of an event, cancelled ones included (marked so)."""
    event = Event.objects.filter(slug=slug).first()
    if event is None:
        raise Http404(_("No such event."))
    activities = (
        Activity.objects.filter(event=event, is_public=True).select_related("event", "location").order_by("start", "pk")
    )
    body = build_calendar(event.name, activities, event.timezone)
    return _response(body, f"{event.slug}.ics")


def organizer_activities(organizer) -> list[Activity]:
    """The activities the organizer is responsible for, in events they are still a member of."""
    events = list(perms.roles_for(organizer))
    # Two plain queries (link table, then activities) rather than a join: the same shape on both stores.
    links = Activity.responsible.through.objects.filter(organizer_id=organizer.pk, activity__event_id__in=events)
    ids = list(links.values_list("activity_id", flat=True))
    return list(Activity.objects.filter(pk__in=ids).select_related("event", "location").order_by("start", "pk"))


@require_safe
def organizer_feed(request: HttpRequest, token: str) -> HttpResponse:
    if not TOKEN_PATTERN.match(token):
        raise Http404(_("No such calendar."))
    found = CalendarToken.objects.filter(token=token).select_related("organizer").first()
    if found is None or not found.organizer.is_active:
        raise Http404(_("No such calendar."))
    organizer = found.organizer
    activities = organizer_activities(organizer)
    zones = {activity.event.timezone for activity in activities}
    name = _("%(name)s's activities (GEventator)") % {"name": organizer.get_full_name() or organizer.get_username()}
    body = build_calendar(name, activities, zones.pop() if len(zones) == 1 else None)
    return _response(body, "activities.ics")


def token_for(organizer) -> CalendarToken:
    """The organizer's calendar token, created on first use."""
    token, _created = CalendarToken.objects.get_or_create(organizer=organizer)
    return token


def personal_feed_url(request: HttpRequest, organizer) -> str:
    return request.build_absolute_uri(reverse("calendar-organizer", args=[token_for(organizer).token]))


def my_calendar(request: HttpRequest) -> HttpResponse:
    """Admin page: the signed-in organizer's personal feed URL, and a button that replaces it.

    Mounted behind admin.site.admin_view (activities/urls.py), so it needs a staff session.
    """
    from django.contrib import admin, messages
    from django.shortcuts import redirect
    from django.template.response import TemplateResponse

    token = token_for(request.user)
    if request.method == "POST":
        token.regenerate()
        messages.success(request, _("A new calendar URL was made; the old one no longer works."))
        return redirect("calendar-mine")
    context = {
        **admin.site.each_context(request),
        "title": _("My calendar feed"),
        "feed_url": request.build_absolute_uri(reverse("calendar-organizer", args=[token.token])),
    }
    return TemplateResponse(request, "activities/my_calendar.html", context)
