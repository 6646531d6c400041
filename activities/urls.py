"""Calendar feeds (no sign-in: public by event, private by token) and the admin page for one's own feed."""

from django.contrib import admin
from django.urls import path

from activities import feeds

urlpatterns = [
    path("events/<slug:slug>.ics", feeds.event_feed, name="calendar-event"),
    path("organizers/<str:token>.ics", feeds.organizer_feed, name="calendar-organizer"),
    path("mine/", admin.site.admin_view(feeds.my_calendar), name="calendar-mine"),
]
