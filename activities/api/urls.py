"""API routes of the activities app outside the router (listed before it: "export" is no activity id)."""

from django.urls import path

from activities.api.calendar import CalendarFeedView, CalendarRegenerateView
from activities.api.reports import EventConflictsView, EventScheduleView
from activities.api.transfer import ActivityExportView, ActivityImportView

urlpatterns = [
    path("activities/export/", ActivityExportView.as_view(), name="activity-export"),
    path("activities/import/", ActivityImportView.as_view(), name="activity-import"),
    path("calendar/", CalendarFeedView.as_view(), name="calendar-feed"),
    path("calendar/regenerate/", CalendarRegenerateView.as_view(), name="calendar-regenerate"),
    path("events/<uuid:pk>/conflicts/", EventConflictsView.as_view(), name="event-conflicts"),
    path("events/<uuid:pk>/schedule/", EventScheduleView.as_view(), name="event-schedule"),
]
