from __future__ import annotations

import zoneinfo

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activities.admin_schedule import ActivityScheduleAdminMixin, DayListFilter
from activities.models import Activity, Location
from activities.transfer_admin import ActivityImportExportMixin
from finance.models import BudgetLine, Transaction
from organizers.admin_mixins import EventScopedAdmin
from organizers.models import Event


@admin.register(Location)
class LocationAdmin(EventScopedAdmin):
    list_display = ["name", "event", "capacity", "address"]
    list_filter = [("event", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "address", "event__name"]
    autocomplete_fields = ["event"]


class ActivityAdminForm(forms.ModelForm):
    class Meta:
        model = Activity
        fields = [
            "event",
            "title",
            "description",
            "kind",
            "start",
            "end",
            "location",
            "responsible",
            "status",
            "capacity",
            "is_public",
            "transactions",
            "budget_lines",
        ]

    def clean(self) -> dict:
        cleaned = super().clean()
        event = cleaned.get("event") or getattr(self.instance, "event", None)
        if event is not None and cleaned.get("responsible") is not None:
            try:
                Activity.validate_responsible(event, cleaned["responsible"])
            except ValidationError as exc:
                self.add_error("responsible", exc)
        if event is not None and cleaned.get("transactions") is not None:
            try:
                Activity.validate_transactions(event, cleaned["transactions"])
            except ValidationError as exc:
                self.add_error("transactions", exc)
        if event is not None and cleaned.get("budget_lines") is not None:
            try:
                Activity.validate_budget_lines(event, cleaned["budget_lines"])
            except ValidationError as exc:
                self.add_error("budget_lines", exc)
        return cleaned


@admin.register(Activity)
class ActivityAdmin(ActivityImportExportMixin, ActivityScheduleAdminMixin, EventScopedAdmin):
    form = ActivityAdminForm
    list_display = ["title", "event", "starts", "ends", "location", "status", "kind", "is_public"]
    list_filter = [
        ("event", admin.RelatedOnlyFieldListFilter),
        DayListFilter,
        ("location", admin.RelatedOnlyFieldListFilter),
        "status",
        ("responsible", admin.RelatedOnlyFieldListFilter),
        "kind",
        "is_public",
    ]
    search_fields = ["title", "description"]
    date_hierarchy = "start"
    autocomplete_fields = ["event", "location", "responsible", "transactions"]
    list_select_related = ["event", "location"]

    def formfield_for_manytomany(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "transactions":
            # Only the ledgers of the user's events; the form checks they are the activity's event's.
            kwargs["queryset"] = Transaction.objects.for_user(request.user).select_related("event")
        if db_field.name == "budget_lines":
            kwargs["queryset"] = BudgetLine.objects.for_user(request.user).select_related("event", "category")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description=_("start (event time)"), ordering="start")
    def starts(self, activity: Activity) -> str:
        return timezone.localtime(activity.start, activity.event.tzinfo).strftime("%a %Y-%m-%d %H:%M")

    @admin.display(description=_("end (event time)"), ordering="end")
    def ends(self, activity: Activity) -> str:
        return timezone.localtime(activity.end, activity.event.tzinfo).strftime("%a %Y-%m-%d %H:%M")

    def changeform_view(self, request: HttpRequest, object_id=None, form_url="", extra_context=None):
        # Times in the form are the event's local times, on the add page as on the change page.
        tz = self._event_timezone(request, object_id)
        if tz is None:
            return super().changeform_view(request, object_id, form_url, extra_context)
        with timezone.override(tz):
            response = super().changeform_view(request, object_id, form_url, extra_context)
            # The page is a lazy TemplateResponse: render it while the event's zone is active,
            # or the form would show the times in the server's zone.
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            return response

    def _event_timezone(self, request: HttpRequest, object_id) -> zoneinfo.ZoneInfo | None:
        try:
            if object_id:
                activity = Activity.objects.for_user(request.user).select_related("event").filter(pk=object_id).first()
                event = activity.event if activity else None
            else:
                event_id = request.POST.get("event") or request.GET.get("event")
                event = Event.objects.for_user(request.user).filter(pk=event_id).first() if event_id else None
        except (ValidationError, ValueError):
            return None  # a malformed id: the admin itself answers "not found" or a form error
        return event.tzinfo if event else None
