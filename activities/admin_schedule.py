"""The schedule tools of the Activity admin: timetable page, day filter, duplicate and shift actions.

Kept out of activities/admin.py so the admin class only names the mixin and the filter.
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from datetime import datetime, time, timedelta
from uuid import UUID

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from activities.conflicts import activity_conflicts, event_conflicts
from activities.models import Activity, Location, Status
from activities.timetable import build_timetable, conflict_notes
from geventator.db import atomic
from organizers.models import Event

MAX_SHIFT_MINUTES = 366 * 24 * 60


class DayListFilter(admin.SimpleListFilter):
    """Activities starting on a calendar day, read in each activity's event time zone."""

    title = _("day")
    parameter_name = "day"

    def lookups(self, request: HttpRequest, model_admin):
        rows = model_admin.get_queryset(request).values_list("start", "event__timezone")
        days = {timezone.localtime(start, zoneinfo.ZoneInfo(tz)).date() for start, tz in rows}
        return [(day.isoformat(), day.strftime("%a %Y-%m-%d")) for day in sorted(days)]

    def queryset(self, request: HttpRequest, queryset):
        if not self.value():
            return queryset
        try:
            day = datetime.strptime(self.value(), "%Y-%m-%d").date()
        except ValueError:
            return queryset.none()
        # One time window per time zone among the user's events: that zone's midnight to midnight.
        zones: dict[str, list[UUID]] = defaultdict(list)
        for pk, tz in Event.objects.for_user(request.user).values_list("pk", "timezone"):
            zones[tz].append(pk)
        windows = Q(pk__in=[])
        for tz, event_ids in zones.items():
            zone = zoneinfo.ZoneInfo(tz)
            start = datetime.combine(day, time(), zone)
            end = datetime.combine(day + timedelta(days=1), time(), zone)
            windows |= Q(event_id__in=event_ids, start__gte=start, start__lt=end)
        return queryset.filter(windows)


class ShiftForm(forms.Form):
    minutes = forms.IntegerField(
        label=_("Minutes"),
        min_value=-MAX_SHIFT_MINUTES,
        max_value=MAX_SHIFT_MINUTES,
        help_text=_("Later if positive, earlier if negative. Durations stay the same, also across a clock change."),
    )

    def clean_minutes(self) -> int:
        minutes = self.cleaned_data["minutes"]
        if minutes == 0:
            raise ValidationError(_("Enter a number of minutes other than zero."))
        return minutes


class _ShiftRefusedError(Exception):
    def __init__(self, errors: list[str]) -> None:
        super().__init__(errors)
        self.errors = errors


class ActivityScheduleAdminMixin:
    """Adds the timetable page, the schedule actions and the conflicts of an activity to its admin."""

    change_list_template = "admin/activities/activity/change_list.html"
    actions = ["duplicate_activities", "shift_activities"]

    # --- Timetable ---------------------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view(self.timetable_view)
        own = [path("timetable/<str:event_id>/", view, name="activities_activity_timetable")]
        return own + super().get_urls()

    def timetable_view(self, request: HttpRequest, event_id: str) -> HttpResponse:
        try:
            event = Event.objects.for_user(request.user).filter(pk=event_id).first()
        except (ValidationError, ValueError):
            event = None  # a malformed id
        if event is None or not request.user.has_perm(Activity.get_perm("view"), event):
            raise Http404(gettext("No such event."))
        activities = list(Activity.objects.filter(event=event).select_related("location").order_by("start", "title"))
        locations = list(Location.objects.filter(event=event).order_by("name"))
        conflicts = event_conflicts(event)
        titles = {a.pk: a.title for a in activities}
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Timetable of %(event)s") % {"event": event.name},
            "event": event,
            "days": build_timetable(event, activities, locations, conflicts),
            "conflicts": [(c, [titles.get(pk, "") for pk in c.activity_ids]) for c in conflicts],
            "has_view_event": request.user.has_perm(Event.get_perm("view"), event),
        }
        # Render now, in the event's zone: the template's time filters read aware datetimes in it.
        with timezone.override(event.tzinfo):
            return TemplateResponse(request, "admin/activities/timetable.html", context).render()

    def changelist_view(self, request: HttpRequest, extra_context=None):
        events = Event.objects.for_user(request.user).order_by("-start_date", "name")
        links = [(event.name, reverse("admin:activities_activity_timetable", args=[event.pk])) for event in events]
        return super().changelist_view(request, {**(extra_context or {}), "timetable_links": links})

    # --- Conflicts on the change page ----------------------------------------------------------

    @admin.display(description=_("conflicts and warnings"))
    def schedule_conflicts(self, activity: Activity) -> str:
        if activity.pk is None:
            return "—"
        conflicts = activity_conflicts(activity)
        if not conflicts:
            return gettext("None.")
        ids = {pk for c in conflicts for pk in c.activity_ids}
        titles = dict(Activity.objects.filter(pk__in=list(ids)).values_list("pk", "title"))
        notes = conflict_notes(conflicts, titles).get(activity.pk, ("", []))
        severity = notes[0]
        return format_html(
            '<ul class="schedule-{}">{}</ul>', severity, format_html_join("", "<li>{}</li>", ((m,) for m in notes[1]))
        )

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "schedule_conflicts"] if obj is not None else readonly

    # --- Actions -----------------------------------------------------------------------------

    def _refuse_unless_allowed(self, request: HttpRequest, activities: list[Activity], action: str) -> bool:
        """Whether the user's role allows ``action`` on every activity's event; says so if not."""
        perm = Activity.get_perm(action)
        refused = sorted({a.event.name for a in activities if not request.user.has_perm(perm, a)})
        if refused:
            self.message_user(
                request,
                gettext("Nothing was done: your role does not allow this in %(events)s.")
                % {"events": ", ".join(refused)},
                messages.ERROR,
            )
        return bool(refused)

    @admin.action(description=_("Duplicate selected activities"), permissions=["add"])
    def duplicate_activities(self, request: HttpRequest, queryset) -> None:
        # Copies have no location: a copy at the same time in the same room would double-book it.
        # The organizer picks a room for each copy afterwards.
        originals = list(queryset.select_related("event").order_by("start", "title"))
        if self._refuse_unless_allowed(request, originals, "add"):
            return
        through = Activity.responsible.through
        people: dict[UUID, list[UUID]] = defaultdict(list)
        links = through.objects.filter(activity_id__in=[a.pk for a in originals])
        for activity_id, organizer_id in links.values_list("activity_id", "organizer_id"):
            people[activity_id].append(organizer_id)
        suffix = gettext(" (copy)")
        limit = Activity._meta.get_field("title").max_length - len(suffix)
        with atomic():
            for original in originals:
                copy = Activity(
                    event=original.event,
                    title=original.title[:limit] + suffix,
                    description=original.description,
                    start=original.start,
                    end=original.end,
                    location=None,
                    status=Status.PLANNED,
                    kind=original.kind,
                    capacity=original.capacity,
                    is_public=original.is_public,
                )
                copy.save()
                through.objects.bulk_create(
                    [through(activity_id=copy.pk, organizer_id=person) for person in people[original.pk]]
                )
        self.message_user(
            request,
            ngettext(
                "%(count)d activity duplicated. The copy has no location yet: choose one.",
                "%(count)d activities duplicated. The copies have no location yet: choose one for each.",
                len(originals),
            )
            % {"count": len(originals)},
            messages.SUCCESS,
        )

    @admin.action(description=_("Shift selected activities by N minutes"), permissions=["change"])
    def shift_activities(self, request: HttpRequest, queryset):
        activities = list(queryset.select_related("event", "location").order_by("start", "title"))
        if self._refuse_unless_allowed(request, activities, "change"):
            return None
        form = ShiftForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            delta = timedelta(minutes=form.cleaned_data["minutes"])
            try:
                self._shift(activities, delta)
            except _ShiftRefusedError as refused:
                self.message_user(
                    request,
                    format_html(
                        "{}<ul>{}</ul>",
                        gettext("Nothing was shifted:"),
                        format_html_join("", "<li>{}</li>", ((e,) for e in refused.errors)),
                    ),
                    messages.ERROR,
                )
            else:
                self.message_user(
                    request,
                    ngettext(
                        "%(count)d activity shifted by %(minutes)d minutes.",
                        "%(count)d activities shifted by %(minutes)d minutes.",
                        len(activities),
                    )
                    % {"count": len(activities), "minutes": form.cleaned_data["minutes"]},
                    messages.SUCCESS,
                )
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Shift activities"),
            "form": form,
            "activities": [(a, timezone.localtime(a.start, a.event.tzinfo)) for a in activities],
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "action": "shift_activities",
        }
        return TemplateResponse(request, "admin/activities/shift_activities.html", context)

    @staticmethod
    def _shift(activities: list[Activity], delta: timedelta) -> None:
        """Move all or none: write the shifted times, then validate each against the new schedule.

        Validating after writing (inside one transaction) checks each activity against the other
        shifted ones where they now are; any error rolls every write back.
        """
        with atomic():
            for activity in activities:
                # Aware datetimes: adding a timedelta moves the absolute instant, so durations
                # stay the same across a daylight-saving change in the event's zone.
                activity.start += delta
                activity.end += delta
                activity.save(update_fields=["start", "end", "updated_at"])
            errors = []
            for activity in activities:
                try:
                    activity.clean()
                except ValidationError as exc:
                    errors.extend(f"{activity.title}: {message}" for message in exc.messages)
            if errors:
                raise _ShiftRefusedError(errors)
