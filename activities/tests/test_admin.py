"""The schedule in the admin: times in the event's zone, lists, forms and permissions by role."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from activities.factories import ActivityFactory, LocationFactory
from activities.models import Activity, Location
from organizers.factories import EventFactory, MembershipFactory
from organizers.models import Role
from organizers.tests.admin_support import (
    ROLES,
    admin_url,
    assert_changelist_scoped,
    assert_not_found,
    filter_choices,
    form_errors,
)

pytestmark = pytest.mark.django_db


def activity_form(event, /, **changes) -> dict:
    data = {
        "event": str(event.pk),
        "title": "Sound check",
        "description": "",
        "start_0": "2026-06-12",
        "start_1": "10:00",
        "end_0": "2026-06-12",
        "end_1": "11:00",
        "location": "",
        "status": "planned",
        "kind": "other",
        "capacity": "",
    }
    data.update(changes)
    return data


def location_form(event, /, **changes) -> dict[str, str]:
    return {"event": str(event.pk), "name": "Patio", "address": "", "capacity": "", **changes}


def time_input(content: str, name: str) -> str:
    """The value of the form's time input (``start_1``, ``end_1``) in the rendered page."""
    match = re.search(rf'name="{name}" value="([^"]*)"', content)
    assert match, f"no {name} input"
    return match.group(1)


# --- Lists ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("model", "field"), [(Activity, "title"), (Location, "name")])
def test_schedule_lists_show_only_the_users_events(
    client, records, viewer, organizer, treasurer, owner, outsider, superuser, model, field
):
    a = getattr(records.a, model._meta.model_name)
    b = getattr(records.b, model._meta.model_name)
    members = (viewer, organizer, treasurer, owner)
    assert_changelist_scoped(client, model, members, outsider, superuser, getattr(a, field), getattr(b, field))


@pytest.mark.parametrize("role", ROLES)
def test_activity_filters_offer_only_the_users_events_locations_and_people(client, request, records, outsider, role):
    user = request.getfixturevalue(role)
    third = EventFactory(name="Gala C", slug="gala-c")
    MembershipFactory(event=third, organizer=user, role=Role.VIEWER)
    ActivityFactory(event=third, location=LocationFactory(event=third, name="Garden C"))
    records.a.activity.location = records.a.location
    records.a.activity.save()
    records.a.activity.responsible.set([user])
    records.b.activity.location = records.b.location
    records.b.activity.save()
    records.b.activity.responsible.set([outsider])
    client.force_login(user)

    response = client.get(admin_url(Activity))

    assert filter_choices(response, "event") == {records.a.event.pk, third.pk}
    assert outsider.pk not in filter_choices(response, "responsible")
    content = response.content.decode()
    for leak in ("Congress B", "Main hall B", "bruno_of_b", "Opening talk B"):
        assert leak not in content


def test_location_filter_offers_only_the_users_events(client, records, organizer):
    third = EventFactory(name="Gala C", slug="gala-c")
    MembershipFactory(event=third, organizer=organizer, role=Role.VIEWER)
    LocationFactory(event=third, name="Garden C")
    client.force_login(organizer)

    response = client.get(admin_url(Location))

    assert filter_choices(response, "event") == {records.a.event.pk, third.pk}
    assert "Congress B" not in response.content.decode()


def test_activity_list_shows_times_in_each_events_zone(client, records, superuser):
    client.force_login(superuser)

    content = client.get(admin_url(Activity)).content.decode()

    # Both start at 10:00 local time: 08:00 UTC in Madrid, 14:00 UTC in New York.
    assert content.count("Fri 2026-06-12 10:00") == 2
    assert content.count("Fri 2026-06-12 11:30") == 2


@pytest.mark.parametrize(
    "query",
    [{"location__id__exact": "nope"}, {"responsible__id__exact": "7"}, {"start__year": "x"}, {"status__exact": "z"}],
)
def test_malformed_list_parameters_never_fail(client, records, organizer, query):
    client.force_login(organizer)

    response = client.get(admin_url(Activity), query)

    assert response.status_code in {200, 302}


def test_activity_list_by_date_hierarchy(client, records, organizer):
    client.force_login(organizer)

    response = client.get(admin_url(Activity), {"start__year": "2026", "start__month": "6", "start__day": "12"})

    assert response.status_code == 200
    assert "Opening talk A" in response.content.decode()


# --- Another event's objects and malformed ids ----------------------------------------------------


@pytest.mark.parametrize("action", ["change", "delete", "history"])
@pytest.mark.parametrize("name", ["activity", "location"])
def test_another_events_schedule_objects_are_not_found(client, records, owner, action, name):
    client.force_login(owner)
    obj = getattr(records.b, name)

    assert_not_found(client.get(admin_url(obj, action)))
    assert_not_found(client.post(admin_url(obj, action), {"post": "yes", **activity_form(records.b.event)}))
    assert type(obj).objects.filter(pk=obj.pk).exists()


@pytest.mark.parametrize("model", [Activity, Location])
@pytest.mark.parametrize("bad_id", ["not-a-uuid", "42", "00000000-0000-0000-0000-000000000000"])
def test_malformed_or_unknown_schedule_id_is_not_found(client, organizer, model, bad_id):
    client.force_login(organizer)
    opts = model._meta

    for action in ("change", "delete"):
        assert_not_found(client.get(f"/admin/{opts.app_label}/{opts.model_name}/{bad_id}/{action}/"))
    assert_not_found(client.post(f"/admin/{opts.app_label}/{opts.model_name}/{bad_id}/change/", {"title": "x"}))


# --- Role × action --------------------------------------------------------------------------------


def test_viewer_sees_an_activity_but_cannot_add_or_change_one(client, records, viewer):
    client.force_login(viewer)
    activity = records.a.activity

    page = client.get(admin_url(activity, "change"))
    change = client.post(admin_url(activity, "change"), activity_form(records.a.event, title="Renamed"))
    add = client.post(admin_url(Activity, "add"), activity_form(records.a.event))
    delete = client.post(admin_url(activity, "delete"), {"post": "yes"})

    assert page.status_code == 200
    assert (change.status_code, add.status_code, delete.status_code) == (403, 403, 403)
    activity.refresh_from_db()
    assert activity.title == "Opening talk A"
    assert Activity.objects.count() == 2


@pytest.mark.parametrize("role", ["organizer", "treasurer", "owner"])
def test_organizers_and_above_add_change_and_delete_activities(client, request, event_a, role):
    client.force_login(request.getfixturevalue(role))

    add = client.post(admin_url(Activity, "add"), activity_form(event_a))
    activity = Activity.objects.get(title="Sound check")
    change = client.post(admin_url(activity, "change"), activity_form(event_a, title="Sound check 2"))
    activity.refresh_from_db()
    changed_title = activity.title
    delete = client.post(admin_url(activity, "delete"), {"post": "yes"})

    assert (add.status_code, change.status_code, delete.status_code) == (302, 302, 302)
    assert changed_title == "Sound check 2"
    assert not Activity.objects.exists()


def test_viewer_cannot_add_change_or_delete_locations(client, records, viewer):
    client.force_login(viewer)
    location = records.a.location

    add = client.post(admin_url(Location, "add"), location_form(records.a.event))
    change = client.post(admin_url(location, "change"), location_form(records.a.event, name="Renamed"))
    delete = client.post(admin_url(location, "delete"), {"post": "yes"})

    assert (add.status_code, change.status_code, delete.status_code) == (403, 403, 403)
    assert list(Location.objects.filter(event=records.a.event).values_list("name", flat=True)) == ["Main hall A"]


def test_organizer_adds_changes_and_deletes_a_location(client, event_a, organizer):
    client.force_login(organizer)

    add = client.post(admin_url(Location, "add"), location_form(event_a, capacity="80"))
    location = Location.objects.get(event=event_a, name="Patio")
    change = client.post(admin_url(location, "change"), {"name": "Patio", "address": "Back door", "capacity": "90"})
    location.refresh_from_db()
    changed = (location.address, location.capacity)
    delete = client.post(admin_url(location, "delete"), {"post": "yes"})

    assert (add.status_code, change.status_code, delete.status_code) == (302, 302, 302)
    assert changed == ("Back door", 90)
    assert not Location.objects.filter(pk=location.pk).exists()


def test_activity_add_form_offers_only_events_where_the_user_may_add(client, event_a, event_b, organizer):
    MembershipFactory(event=event_b, organizer=organizer, role=Role.VIEWER)
    client.force_login(organizer)

    response = client.get(admin_url(Activity, "add"))

    assert list(response.context["adminform"].form.fields["event"].queryset) == [event_a]


@pytest.mark.parametrize("model", [Activity, Location])
def test_schedule_in_an_event_where_the_user_only_views_is_a_form_error(client, event_a, event_b, organizer, model):
    MembershipFactory(event=event_b, organizer=organizer, role=Role.VIEWER)
    client.force_login(organizer)
    data = activity_form(event_b) if model is Activity else location_form(event_b)

    response = client.post(admin_url(model, "add"), data)

    assert "event" in form_errors(response)
    assert not model.objects.exists()


def test_superuser_adds_an_activity_to_any_event(client, event_b, superuser):
    client.force_login(superuser)

    response = client.post(admin_url(Activity, "add"), activity_form(event_b))

    assert response.status_code == 302
    assert Activity.objects.get(title="Sound check").event == event_b


# --- Time zones -------------------------------------------------------------------------------


@pytest.mark.parametrize("side", ["a", "b"])
def test_change_form_shows_times_in_the_events_zone(client, records, owner, outsider, side):
    # Both activities are at 10:00-11:30 local time (Madrid for A, New York for B).
    client.force_login(owner if side == "a" else outsider)
    activity = getattr(records, side).activity

    content = client.get(admin_url(activity, "change")).content.decode()

    assert time_input(content, "start_1") == "10:00:00"
    assert time_input(content, "end_1") == "11:30:00"


def test_new_activity_times_are_read_in_the_events_zone(client, event_a, event_b, organizer, outsider):
    client.force_login(organizer)
    client.post(admin_url(Activity, "add"), activity_form(event_a, title="In Madrid"))
    client.force_login(outsider)
    client.post(admin_url(Activity, "add"), activity_form(event_b, title="In New York"))

    madrid = Activity.objects.get(title="In Madrid")
    new_york = Activity.objects.get(title="In New York")
    assert madrid.start == datetime(2026, 6, 12, 8, 0, tzinfo=UTC)
    assert new_york.start == datetime(2026, 6, 12, 14, 0, tzinfo=UTC)


def test_changed_activity_times_are_read_in_the_events_zone(client, records, outsider):
    client.force_login(outsider)
    activity = records.b.activity

    response = client.post(
        admin_url(activity, "change"), activity_form(records.b.event, start_1="18:00", end_1="19:15")
    )

    assert response.status_code == 302
    activity.refresh_from_db()
    assert (activity.start, activity.end) == (
        datetime(2026, 6, 12, 22, 0, tzinfo=UTC),
        datetime(2026, 6, 12, 23, 15, tzinfo=UTC),
    )


def test_late_evening_on_the_last_day_is_within_the_event_in_its_zone(client, event_b, outsider):
    # 22:00 in New York on the last day is already the next day in UTC.
    client.force_login(outsider)

    response = client.post(
        admin_url(Activity, "add"),
        activity_form(event_b, start_0="2026-06-14", start_1="22:00", end_0="2026-06-14", end_1="23:00"),
    )

    assert response.status_code == 302
    assert Activity.objects.get().start == datetime(2026, 6, 15, 2, 0, tzinfo=UTC)


# --- Validation -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"end_1": "09:00"}, "end"),
        ({"end_1": "10:00"}, "end"),
        ({"start_0": "2026-06-20", "end_0": "2026-06-20"}, "start"),
        ({"end_0": "2026-06-16"}, "end"),
        ({"start_0": "2026-06-11", "start_1": "23:30"}, "start"),
        ({"start_1": "25:00"}, "start"),
        ({"status": "postponed"}, "status"),
        ({"event": "not-a-uuid"}, "event"),
        ({"location": "not-a-uuid"}, "location"),
        ({"responsible": ["not-a-uuid"]}, "responsible"),
    ],
)
def test_invalid_activity_is_a_form_error(client, event_a, organizer, changes, field):
    client.force_login(organizer)

    response = client.post(admin_url(Activity, "add"), activity_form(event_a, **changes))

    assert field in form_errors(response)
    assert not Activity.objects.exists()


def test_responsible_organizer_must_be_a_member_of_the_event(client, event_a, organizer, outsider):
    client.force_login(organizer)

    response = client.post(admin_url(Activity, "add"), activity_form(event_a, responsible=[str(outsider.pk)]))

    assert "responsible" in form_errors(response)
    assert not Activity.objects.exists()


def test_responsible_member_of_the_event_is_stored(client, event_a, organizer, viewer):
    client.force_login(organizer)

    response = client.post(admin_url(Activity, "add"), activity_form(event_a, responsible=[str(viewer.pk)]))

    assert response.status_code == 302
    assert list(Activity.objects.get().responsible.all()) == [viewer]


def test_responsible_outsider_on_change_is_a_form_error(client, records, organizer, outsider):
    client.force_login(organizer)
    activity = records.a.activity

    response = client.post(
        admin_url(activity, "change"),
        activity_form(records.a.event, start_1="10:00", end_1="11:30", responsible=[str(outsider.pk)]),
    )

    assert "responsible" in form_errors(response)
    assert not activity.responsible.exists()


def test_location_of_an_event_the_user_is_not_in_is_a_form_error(client, records, organizer):
    client.force_login(organizer)

    response = client.post(
        admin_url(Activity, "add"), activity_form(records.a.event, location=str(records.b.location.pk))
    )

    assert "location" in form_errors(response)
    assert Activity.objects.filter(event=records.a.event).count() == 1


def test_location_of_another_of_the_users_events_is_a_form_error(client, event_a, organizer):
    third = EventFactory(name="Gala C", slug="gala-c")
    MembershipFactory(event=third, organizer=organizer, role=Role.ORGANIZER)
    garden = LocationFactory(event=third, name="Garden C")
    client.force_login(organizer)

    response = client.post(admin_url(Activity, "add"), activity_form(event_a, location=str(garden.pk)))

    assert "location" in form_errors(response)
    assert not Activity.objects.exists()


def test_duplicate_location_name_in_an_event_is_a_form_error(client, records, organizer):
    client.force_login(organizer)

    response = client.post(admin_url(Location, "add"), location_form(records.a.event, name="Main hall A"))

    assert form_errors(response)
    assert Location.objects.filter(event=records.a.event).count() == 1


# --- Autocomplete -----------------------------------------------------------------------------


def autocomplete(client, model_name: str, field_name: str, term: str = "") -> list[str]:
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "activities", "model_name": model_name, "field_name": field_name, "term": term},
    )
    assert response.status_code == 200, response.status_code
    return sorted(result["text"] for result in response.json()["results"])


@pytest.mark.parametrize("role", ROLES)
def test_schedule_autocompletes_offer_only_the_users_events_objects(client, request, records, outsider, role):
    client.force_login(request.getfixturevalue(role))

    # Which of the user's events are offered depends on the role (organizers' test_admin.py).
    assert "Congress B" not in autocomplete(client, "activity", "event")
    assert "Congress B" not in autocomplete(client, "location", "event")
    assert autocomplete(client, "activity", "location") == ["Main hall A"]
    assert autocomplete(client, "activity", "location", term="Main hall B") == []
    assert "bruno_of_b" not in autocomplete(client, "activity", "responsible")


def test_schedule_autocompletes_of_superuser_offer_every_event(client, records, superuser):
    client.force_login(superuser)

    assert autocomplete(client, "activity", "location") == ["Main hall A", "Main hall B"]


# --- Kind, capacity, transactions and conflicts on the change form ----------------------------------


def test_change_form_stores_kind_capacity_public_and_transactions(client, records, organizer):
    client.force_login(organizer)
    activity = records.a.activity

    response = client.post(
        admin_url(activity, "change"),
        activity_form(
            records.a.event,
            start_1="10:00",
            end_1="11:30",
            kind="talk",
            capacity="40",
            is_public="on",
            transactions=[str(records.a.transaction.pk)],
        ),
    )

    assert response.status_code == 302
    activity.refresh_from_db()
    assert (activity.kind, activity.capacity, activity.is_public) == ("talk", 40, True)
    assert list(activity.transactions.all()) == [records.a.transaction]


def test_transaction_of_another_of_the_users_events_is_a_form_error(client, records, owner):
    from finance.factories import TransactionFactory

    third = EventFactory(name="Gala C", slug="gala-c")
    MembershipFactory(event=third, organizer=owner, role=Role.TREASURER)
    theirs = TransactionFactory(event=third, description="Gala wine C")
    client.force_login(owner)

    response = client.post(admin_url(Activity, "add"), activity_form(records.a.event, transactions=[str(theirs.pk)]))

    assert "transactions" in form_errors(response)
    assert "Gala wine C" in " ".join(form_errors(response)["transactions"])
    assert Activity.objects.filter(event=records.a.event).count() == 1


def test_transaction_of_an_event_the_user_is_not_in_is_a_form_error(client, records, owner):
    client.force_login(owner)

    response = client.post(
        admin_url(Activity, "add"), activity_form(records.a.event, transactions=[str(records.b.transaction.pk)])
    )

    assert "transactions" in form_errors(response)
    assert "Paella for the crew B" not in response.content.decode()


def test_change_form_shows_the_activitys_conflicts(client, records, viewer):
    activity = records.a.activity
    activity.location = records.a.location
    activity.capacity = 500
    activity.save()
    records.a.location.capacity = 100
    records.a.location.save()
    ActivityFactory(
        event=records.a.event, title="Rival talk", location=records.a.location, start=activity.start, end=activity.end
    )
    client.force_login(viewer)

    content = client.get(admin_url(activity, "change")).content.decode()

    assert "Two activities overlap in the same location. (Rival talk)" in content
    assert "The activity expects more people than its location holds." in content


def test_transactions_autocomplete_offers_only_the_users_ledgers(client, records, organizer):
    client.force_login(organizer)

    offered = autocomplete(client, "activity", "transactions")

    assert [text.endswith("Paella for the crew A") for text in offered] == [True]
