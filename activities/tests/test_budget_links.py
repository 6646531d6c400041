"""Activities name the budget lines they draw on: same event only, through the API and the admin."""

import pytest

from activities.factories import ActivityFactory
from activities.models import Activity
from finance.factories import BudgetLineFactory
from organizers.factories import MembershipFactory
from organizers.models import Role
from organizers.tests.admin_support import admin_url, form_errors

pytestmark = pytest.mark.django_db

ACTIVITIES = "/api/activities/"


def payload(event, **changes) -> dict:
    return {
        "event": str(event.pk),
        "title": "Opening concert",
        "start": "2026-06-12T20:00:00",
        "end": "2026-06-12T22:00:00",
        **changes,
    }


def test_an_activity_links_budget_lines_of_its_event(api, organizer, event_a):
    line = BudgetLineFactory(event=event_a, category__name="Artists")

    response = api.as_user(organizer).post(ACTIVITIES, payload(event_a, budget_lines=[str(line.pk)]), format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["budget_lines"] == [str(line.pk)]
    assert list(Activity.objects.get().budget_lines.all()) == [line]
    assert list(line.activities.all()) == [Activity.objects.get()]


def test_the_list_shows_each_activitys_budget_lines(api, viewer, event_a):
    line = BudgetLineFactory(event=event_a)
    linked = ActivityFactory(event=event_a, title="Linked")
    linked.budget_lines.set([line])
    ActivityFactory(event=event_a, title="Plain")

    rows = api.as_user(viewer).get(ACTIVITIES, {"ordering": "title"}).json()["results"]

    assert [(row["title"], row["budget_lines"]) for row in rows] == [("Linked", [str(line.pk)]), ("Plain", [])]


def test_a_budget_line_of_another_event_of_mine_is_refused(api, organizer, event_a, event_b):
    MembershipFactory(event=event_b, organizer=organizer, role=Role.VIEWER)
    theirs = BudgetLineFactory(event=event_b, category__name="Catering B")

    response = api.as_user(organizer).post(ACTIVITIES, payload(event_a, budget_lines=[str(theirs.pk)]), format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["budget_lines"]
    assert "Not in this event's budget" in response.json()["budget_lines"][0]
    assert not Activity.objects.exists()


def test_a_budget_line_of_an_event_i_cannot_see_is_not_found(api, organizer, event_a, event_b):
    theirs = BudgetLineFactory(event=event_b, category__name="Catering B")

    response = api.as_user(organizer).post(ACTIVITIES, payload(event_a, budget_lines=[str(theirs.pk)]), format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["budget_lines"]
    assert "Catering B" not in response.content.decode()
    assert not Activity.objects.exists()


def test_admin_refuses_a_budget_line_of_another_event(client, owner, event_a, event_b):
    MembershipFactory(event=event_b, organizer=owner, role=Role.TREASURER)
    theirs = BudgetLineFactory(event=event_b, category__name="Catering B")
    client.force_login(owner)

    response = client.post(
        admin_url(Activity, "add"),
        {
            "event": str(event_a.pk),
            "title": "Opening concert",
            "kind": "concert",
            "start_0": "2026-06-12",
            "start_1": "20:00",
            "end_0": "2026-06-12",
            "end_1": "22:00",
            "status": "planned",
            "budget_lines": [str(theirs.pk)],
        },
    )

    assert "budget_lines" in form_errors(response)
    assert not Activity.objects.exists()
