"""What activities adds to an event's admin page (organizers/panels.py): the way to its timetable."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from activities.models import Activity
from organizers import panels
from organizers.models import Event


def timetable_url(request: HttpRequest, event: Event) -> str | None:
    if not request.user.has_perm(Activity.get_perm("view"), event):
        return None
    return reverse("admin:activities_activity_timetable", args=[event.pk])


def register() -> None:
    panels.add_link(panels.EventLink("activities.timetable", _("Timetable"), timetable_url, order=30))
