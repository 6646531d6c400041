"""The admin as staff organizers see it: events, memberships, accounts, by event role."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from finance.factories import TransactionFactory
from finance.models import Kind
from organizers.factories import EventFactory, MembershipFactory, OrganizerFactory
from organizers.models import Event, Membership, Organizer, Role
from organizers.tests.admin_support import (
    ROLES,
    admin_url,
    assert_changelist_scoped,
    assert_not_found,
    filter_choices,
    form_errors,
)

pytestmark = pytest.mark.django_db

MODELS = ["event", "membership", "category", "transaction", "location", "activity"]

# What each role may do at model level (index, add buttons): "v"iew, "a"dd, "c"hange, "d"elete.
MODEL_PERMS = {
    "viewer": {"event": "va", "membership": "v", "category": "v", "transaction": "v", "location": "v", "activity": "v"},
    "organizer": {
        "event": "va",
        "membership": "v",
        "category": "v",
        "transaction": "vacd",  # change and delete their own draft expenses (finance/tests/test_approvals.py)
        "location": "vacd",
        "activity": "vacd",
    },
    "treasurer": {
        "event": "va",
        "membership": "v",
        "category": "vacd",
        "transaction": "vacd",
        "location": "vacd",
        "activity": "vacd",
    },
    "owner": dict.fromkeys(MODELS, "vacd"),
}


# The rest of the ledger (finance/models/*.py rules): members see everything; organizers record
# transfers, cash counts, pledges and receipts and keep the parties' details; treasurers and
# owners manage the rest.
FINANCE_PERMS = {
    "budgetline": {"viewer": "v", "organizer": "v", "treasurer": "vacd", "owner": "vacd"},
    "account": {"viewer": "v", "organizer": "v", "treasurer": "vacd", "owner": "vacd"},
    "transfer": {"viewer": "v", "organizer": "va", "treasurer": "vacd", "owner": "vacd"},
    "cashcount": {"viewer": "v", "organizer": "va", "treasurer": "vacd", "owner": "vacd"},
    "party": {"viewer": "v", "organizer": "vac", "treasurer": "vacd", "owner": "vacd"},
    "pledge": {"viewer": "v", "organizer": "va", "treasurer": "vacd", "owner": "vacd"},
    "receipt": {"viewer": "v", "organizer": "va", "treasurer": "vad", "owner": "vad"},  # files are replaced, not edited
}
for _model, _roles in FINANCE_PERMS.items():
    for _role, _letters in _roles.items():
        MODEL_PERMS[_role][_model] = _letters
# Everyone makes, sees and revokes their own API tokens (organizers/tests/test_token_scopes.py).
for _perms in MODEL_PERMS.values():
    _perms["apitoken"] = "vad"


def index_perms(response) -> dict[str, str]:
    """{model name: the letters of the actions the index offers} from the admin index's app list."""
    assert response.status_code == 200
    found = {}
    for app in response.context["app_list"]:
        for model in app["models"]:
            perms = model["perms"]
            actions = zip("vacd", ["view", "add", "change", "delete"], strict=True)
            found[model["object_name"].lower()] = "".join(letter for letter, action in actions if perms.get(action))
    return found


def event_form(event: Event, memberships: list[Membership], **changes) -> dict[str, str]:
    """POST data of the event change page: the event's fields and its membership inline."""
    data = {
        "name": event.name,
        "slug": event.slug,
        "start_date": event.start_date.isoformat(),
        "end_date": event.end_date.isoformat(),
        "timezone": event.timezone,
        "currency": event.currency,
        "description": event.description,
        "memberships-TOTAL_FORMS": str(len(memberships)),
        "memberships-INITIAL_FORMS": str(len([m for m in memberships if m.pk and not m._state.adding])),
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    for index, membership in enumerate(memberships):
        prefix = f"memberships-{index}-"
        data[f"{prefix}id"] = "" if membership._state.adding else str(membership.pk)
        data[f"{prefix}event"] = str(event.pk)
        data[f"{prefix}organizer"] = membership.organizer.username  # a person is named, not picked
        data[f"{prefix}role"] = membership.role
    data.update(changes)
    return data


# --- Index ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_admin_index_offers_what_the_role_allows(client, request, role):
    client.force_login(request.getfixturevalue(role))

    response = client.get(reverse("admin:index"))

    assert index_perms(response) == MODEL_PERMS[role]


def test_admin_index_of_another_events_owner_offers_their_own_apps(client, outsider):
    client.force_login(outsider)

    response = client.get(reverse("admin:index"))

    assert index_perms(response) == MODEL_PERMS["owner"]


def test_admin_index_of_superuser_also_offers_accounts_and_groups(client, superuser):
    client.force_login(superuser)

    response = client.get(reverse("admin:index"))

    found = index_perms(response)
    assert found["organizer"] == "vacd"
    assert found["group"] == "vacd"
    assert all(found[model] == "vacd" for model in MODELS)


def test_staff_organizer_without_events_may_create_their_first_event(client):
    newcomer = OrganizerFactory(username="nina_new")
    client.force_login(newcomer)

    index = client.get(reverse("admin:index"))
    add_page = client.get(admin_url(Event, "add"))

    assert index_perms(index) == {"event": "a", "apitoken": "vad"}
    assert add_page.status_code == 200


# --- Lists ------------------------------------------------------------------------------------------


def test_event_list_shows_only_the_users_events(client, viewer, organizer, treasurer, owner, outsider, superuser):
    members = (viewer, organizer, treasurer, owner)
    assert_changelist_scoped(client, Event, members, outsider, superuser, "Festival A", "Congress B")


def test_membership_list_shows_only_the_users_events(client, viewer, organizer, treasurer, owner, outsider):
    for user in (viewer, organizer, treasurer, owner):
        client.force_login(user)

        content = client.get(admin_url(Membership)).content.decode()

        assert "vera_viewer" in content
        assert "bruno_of_b" not in content
        assert "Congress B" not in content


def test_membership_event_filter_offers_only_the_users_events(client, viewer, outsider, event_a):
    # The filter shows from two events on; the viewer's second event is a third one, not B.
    third = EventFactory(name="Gala C", slug="gala-c")
    MembershipFactory(event=third, organizer=viewer, role=Role.VIEWER)
    client.force_login(viewer)

    response = client.get(admin_url(Membership))

    assert filter_choices(response, "event") == {event_a.pk, third.pk}
    assert "Congress B" not in response.content.decode()


def test_membership_list_filtered_by_another_event_shows_nothing_of_it(client, owner, outsider, event_b):
    client.force_login(owner)

    response = client.get(admin_url(Membership), {"event__id__exact": str(event_b.pk)})

    assert response.status_code == 200
    assert all(m.event_id != event_b.pk for m in response.context["cl"].result_list)
    assert "bruno_of_b" not in response.content.decode()


# --- Another event's objects and malformed ids ----------------------------------------------------


@pytest.mark.parametrize("action", ["change", "delete", "history"])
def test_another_events_event_and_membership_are_not_found(client, owner, outsider, event_b, action):
    client.force_login(owner)
    membership = Membership.objects.get(organizer=outsider)

    for obj in (event_b, membership):
        assert_not_found(client.get(admin_url(obj, action)))
        assert_not_found(client.post(admin_url(obj, action), {"name": "Taken over"}))
    event_b.refresh_from_db()
    assert event_b.name == "Congress B"


@pytest.mark.parametrize("model", [Event, Membership, Organizer])
@pytest.mark.parametrize("bad_id", ["not-a-uuid", "123", "00000000-0000-0000-0000-000000000000"])
def test_malformed_or_unknown_id_is_not_found(client, owner, model, bad_id):
    client.force_login(owner)
    opts = model._meta

    response = client.get(f"/admin/{opts.app_label}/{opts.model_name}/{bad_id}/change/")

    assert response.status_code in {302, 403, 404}


# --- Event: only owners edit it ------------------------------------------------------------------


@pytest.mark.parametrize("role", ["viewer", "organizer", "treasurer"])
def test_members_below_owner_can_view_but_not_change_the_event(client, request, role, owner, event_a):
    user = request.getfixturevalue(role)
    client.force_login(user)
    data = event_form(event_a, list(event_a.memberships.all()), name="Renamed")

    page = client.get(admin_url(event_a, "change"))
    response = client.post(admin_url(event_a, "change"), data)

    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    assert response.status_code == 403
    event_a.refresh_from_db()
    assert event_a.name == "Festival A"


def test_owner_changes_the_event(client, owner, viewer, event_a):
    client.force_login(owner)

    response = client.post(
        admin_url(event_a, "change"), event_form(event_a, list(event_a.memberships.all()), name="Festival A+")
    )

    assert response.status_code == 302
    event_a.refresh_from_db()
    assert event_a.name == "Festival A+"


@pytest.mark.parametrize("role", ["viewer", "organizer", "treasurer"])
def test_members_below_owner_cannot_delete_the_event(client, request, role, event_a):
    client.force_login(request.getfixturevalue(role))

    response = client.post(admin_url(event_a, "delete"), {"post": "yes"})

    assert response.status_code == 403
    assert Event.objects.filter(pk=event_a.pk).exists()


def test_owner_deletes_an_event_without_transactions(client, owner, treasurer, event_a):
    client.force_login(owner)

    response = client.post(admin_url(event_a, "delete"), {"post": "yes"})

    assert response.status_code == 302
    assert not Event.objects.filter(pk=event_a.pk).exists()
    assert not Membership.objects.filter(event_id=event_a.pk).exists()


def test_owner_bulk_deletes_only_events_they_own(client, owner, outsider, event_a, event_b):
    MembershipFactory(event=event_b, organizer=owner, role=Role.TREASURER)
    client.force_login(owner)
    ids = [str(event_a.pk), str(event_b.pk)]

    refused = client.post(
        admin_url(Event), {"action": "delete_selected", "index": "0", "_selected_action": ids, "post": "yes"}
    )
    kept = Event.objects.count()
    done = client.post(
        admin_url(Event), {"action": "delete_selected", "index": "0", "_selected_action": ids[:1], "post": "yes"}
    )

    assert (refused.status_code, kept) == (403, 2)
    assert done.status_code == 302
    assert list(Event.objects.all()) == [event_b]


def test_event_change_page_shows_income_expenses_and_balance(client, viewer, event_a):
    for kind, amount in [(Kind.SALE, "1500"), (Kind.DONATION, "34.5"), (Kind.PURCHASE, "300")]:
        TransactionFactory(event=event_a, kind=kind, amount=Decimal(amount))
    client.force_login(viewer)

    content = client.get(admin_url(event_a, "change")).content.decode()

    assert re.search(r'id="workspace-income"[^>]*>\+€1,534\.50</a>', content)
    assert re.search(r'id="workspace-expenses"[^>]*>−€300\.00</a>', content)
    assert re.search(r'id="workspace-net"[^>]*>€1,234\.50</a>', content)


def test_creating_an_event_makes_the_non_superuser_its_owner(client, organizer):
    client.force_login(organizer)
    data = {
        "name": "Summer camp",
        "slug": "summer-camp",
        "start_date": "2026-07-01",
        "end_date": "2026-07-05",
        "timezone": "Europe/Lisbon",
        "currency": "EUR",
        "description": "",
    }

    response = client.post(admin_url(Event, "add"), data)

    assert response.status_code == 302
    event = Event.objects.get(slug="summer-camp")
    assert Membership.objects.filter(event=event, organizer=organizer, role=Role.OWNER).exists()
    assert client.get(admin_url(event, "change")).status_code == 200


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"end_date": "2026-06-01"}, "end_date"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"currency": "XYZ"}, "currency"),
    ],
)
def test_invalid_event_is_a_form_error(client, owner, event_a, changes, field):
    client.force_login(owner)

    response = client.post(
        admin_url(event_a, "change"), event_form(event_a, list(event_a.memberships.all()), **changes)
    )

    assert field in form_errors(response)
    event_a.refresh_from_db()
    assert (event_a.end_date.isoformat(), event_a.timezone, event_a.currency) == ("2026-06-14", "Europe/Madrid", "EUR")


def test_currency_cannot_change_once_the_event_has_transactions(client, owner, event_a):
    TransactionFactory(event=event_a)
    client.force_login(owner)

    response = client.post(
        admin_url(event_a, "change"), event_form(event_a, list(event_a.memberships.all()), currency="USD")
    )

    assert "currency" in form_errors(response)
    event_a.refresh_from_db()
    assert event_a.currency == "EUR"


# --- Membership inline and memberships ------------------------------------------------------------


def test_owner_cannot_demote_the_events_last_owner(client, owner, viewer, event_a):
    client.force_login(owner)
    memberships = list(event_a.memberships.order_by("organizer__username"))
    own = next(m for m in memberships if m.organizer_id == owner.pk)
    own.role = Role.TREASURER

    response = client.post(admin_url(event_a, "change"), event_form(event_a, memberships))

    assert form_errors(response)
    assert Membership.objects.get(organizer=owner).role == Role.OWNER


def test_owner_cannot_remove_the_events_last_owner(client, owner, viewer, event_a):
    client.force_login(owner)
    memberships = list(event_a.memberships.order_by("organizer__username"))
    index = next(i for i, m in enumerate(memberships) if m.organizer_id == owner.pk)
    data = event_form(event_a, memberships, **{f"memberships-{index}-DELETE": "on"})

    response = client.post(admin_url(event_a, "change"), data)

    assert "__inline__" in form_errors(response)
    assert Membership.objects.filter(organizer=owner, role=Role.OWNER).exists()


def test_owner_hands_over_ownership_in_one_save(client, owner, viewer, event_a):
    client.force_login(owner)
    memberships = list(event_a.memberships.order_by("organizer__username"))
    for membership in memberships:
        membership.role = Role.VIEWER if membership.organizer_id == owner.pk else Role.OWNER

    response = client.post(admin_url(event_a, "change"), event_form(event_a, memberships))

    assert response.status_code == 302
    assert Membership.objects.get(organizer=viewer).role == Role.OWNER
    assert Membership.objects.get(organizer=owner).role == Role.VIEWER


def test_owner_adds_a_member_in_the_inline(client, owner, event_a):
    newcomer = OrganizerFactory(username="nina_new")
    client.force_login(owner)
    memberships = [*event_a.memberships.all(), Membership(event=event_a, organizer=newcomer, role=Role.ORGANIZER)]

    response = client.post(admin_url(event_a, "change"), event_form(event_a, memberships))

    assert response.status_code == 302
    assert Membership.objects.get(organizer=newcomer).role == Role.ORGANIZER


@pytest.mark.parametrize("role", ["viewer", "organizer", "treasurer"])
def test_only_owners_may_add_or_change_memberships(client, request, role, owner, event_a):
    user = request.getfixturevalue(role)
    client.force_login(user)
    own = Membership.objects.get(organizer=user)
    newcomer = OrganizerFactory(username="nina_new")

    add = client.post(
        admin_url(Membership, "add"), {"event": str(event_a.pk), "organizer": str(newcomer.pk), "role": "viewer"}
    )
    change = client.post(
        admin_url(own, "change"), {"event": str(event_a.pk), "organizer": str(user.pk), "role": "owner"}
    )

    assert add.status_code == 403
    assert change.status_code == 403
    assert not Membership.objects.filter(organizer=newcomer).exists()
    assert Membership.objects.get(pk=own.pk).role == role


def test_owner_adds_and_changes_a_membership(client, owner, event_a):
    newcomer = OrganizerFactory(username="nina_new")
    client.force_login(owner)

    add = client.post(
        admin_url(Membership, "add"), {"event": str(event_a.pk), "organizer": str(newcomer.pk), "role": "viewer"}
    )
    membership = Membership.objects.get(organizer=newcomer)
    change = client.post(admin_url(membership, "change"), {"organizer": str(newcomer.pk), "role": "treasurer"})

    assert (add.status_code, change.status_code) == (302, 302)
    membership.refresh_from_db()
    assert (membership.event_id, membership.role) == (event_a.pk, Role.TREASURER)


def test_membership_add_form_offers_only_events_the_user_owns(client, owner, event_a, event_b):
    third = EventFactory(name="Gala C", slug="gala-c")
    MembershipFactory(event=event_b, organizer=owner, role=Role.TREASURER)
    MembershipFactory(event=third, organizer=owner, role=Role.OWNER)
    client.force_login(owner)

    response = client.get(admin_url(Membership, "add"))

    choices = set(response.context["adminform"].form.fields["event"].queryset)
    assert choices == {event_a, third}


def test_membership_in_an_event_the_user_does_not_own_is_a_form_error(client, owner, event_a, event_b):
    MembershipFactory(event=event_b, organizer=owner, role=Role.TREASURER)
    newcomer = OrganizerFactory(username="nina_new")
    client.force_login(owner)

    response = client.post(
        admin_url(Membership, "add"), {"event": str(event_b.pk), "organizer": str(newcomer.pk), "role": "owner"}
    )

    assert "event" in form_errors(response)
    assert not Membership.objects.filter(organizer=newcomer).exists()


@pytest.mark.parametrize("field", ["event", "organizer"])
def test_malformed_membership_ids_are_form_errors(client, owner, event_a, field):
    client.force_login(owner)
    data = {"event": str(event_a.pk), "organizer": str(owner.pk), "role": "viewer", field: "not-a-uuid"}

    response = client.post(admin_url(Membership, "add"), data)

    assert field in form_errors(response)
    assert Membership.objects.count() == 1


def test_inline_shows_each_members_username_and_keeps_a_typed_login_when_the_form_is_refused(
    client, owner, treasurer, event_a
):
    client.force_login(owner)

    page = client.get(admin_url(event_a, "change")).content.decode()

    for person in (owner, treasurer):
        assert f'value="{person.username}"' in page
    memberships = [*event_a.memberships.all(), Membership(event=event_a, organizer=owner, role=Role.VIEWER)]
    index = len(memberships) - 1
    data = event_form(event_a, memberships, name="", **{f"memberships-{index}-organizer": "nina@example.org"})
    refused = client.post(admin_url(event_a, "change"), data).content.decode()
    assert 'value="nina@example.org"' in refused


def test_a_stored_membership_keeps_its_person_whatever_the_form_says(client, owner, treasurer, outsider, event_a):
    client.force_login(owner)
    memberships = list(event_a.memberships.order_by("organizer__username"))
    index = next(n for n, m in enumerate(memberships) if m.organizer_id == treasurer.pk)
    data = event_form(event_a, memberships, **{f"memberships-{index}-organizer": outsider.username})

    response = client.post(admin_url(event_a, "change"), data)

    assert response.status_code == 302
    assert Membership.objects.filter(event=event_a, organizer=treasurer).exists()
    assert not Membership.objects.filter(event=event_a, organizer=outsider).exists()


def test_malformed_organizer_in_the_inline_is_a_form_error(client, owner, event_a):
    client.force_login(owner)
    memberships = [*event_a.memberships.all(), Membership(event=event_a, organizer=owner, role=Role.VIEWER)]
    data = event_form(event_a, memberships, **{"memberships-1-organizer": "not-a-uuid"})

    response = client.post(admin_url(event_a, "change"), data)

    assert form_errors(response)["inline-1-organizer"] == ["No organizer with this username or e-mail."]
    assert Membership.objects.count() == 1


def test_same_organizer_twice_in_an_event_is_a_form_error(client, owner, viewer, event_a):
    client.force_login(owner)

    response = client.post(
        admin_url(Membership, "add"), {"event": str(event_a.pk), "organizer": str(viewer.pk), "role": "owner"}
    )

    assert form_errors(response)
    assert Membership.objects.filter(organizer=viewer).count() == 1


def test_owner_cannot_demote_the_last_owner_on_the_membership_page(client, owner, event_a):
    client.force_login(owner)
    own = Membership.objects.get(organizer=owner)

    response = client.post(admin_url(own, "change"), {"organizer": str(owner.pk), "role": "viewer"})

    assert "role" in form_errors(response)
    assert Membership.objects.get(pk=own.pk).role == Role.OWNER


def test_owner_cannot_delete_the_last_owners_membership(client, owner, viewer, event_a):
    client.force_login(owner)
    own = Membership.objects.get(organizer=owner)

    single = client.post(admin_url(own, "delete"), {"post": "yes"})
    bulk = client.post(
        admin_url(Membership),
        {"action": "delete_selected", "index": "0", "_selected_action": [str(own.pk)], "post": "yes"},
    )

    assert single.status_code == 403
    assert bulk.status_code == 403
    assert Membership.objects.filter(pk=own.pk).exists()


def test_owner_removes_another_member(client, owner, viewer, event_a):
    client.force_login(owner)
    membership = Membership.objects.get(organizer=viewer)

    response = client.post(admin_url(membership, "delete"), {"post": "yes"})

    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()


# --- Accounts: superusers only -----------------------------------------------------------------


@pytest.mark.parametrize("role", [*ROLES, "outsider"])
def test_non_superusers_cannot_open_organizer_pages(client, request, role, viewer):
    client.force_login(request.getfixturevalue(role))

    pages = [admin_url(Organizer, "add"), admin_url(viewer, "change"), admin_url(Organizer), admin_url(Group, "add")]

    for page in pages:
        # 403, or "not found" for an account outside the user's events (the outsider's case).
        assert client.get(page).status_code in {302, 403}, page
    assert client.post(admin_url(viewer, "change"), {"username": "hijacked"}).status_code in {302, 403}
    viewer.refresh_from_db()
    assert viewer.username == "vera_viewer"


def test_superuser_manages_organizers_and_groups(client, superuser, viewer):
    client.force_login(superuser)

    added = client.post(
        admin_url(Organizer, "add"),
        {"username": "newbie", "password1": "a-long-pass-phrase-42", "password2": "a-long-pass-phrase-42"},
    )
    group = client.post(admin_url(Group, "add"), {"name": "Helpers"})
    page = client.get(admin_url(viewer, "change"))

    assert (added.status_code, group.status_code, page.status_code) == (302, 302, 200)
    assert Organizer.objects.filter(username="newbie").exists()
    assert Group.objects.filter(name="Helpers").exists()


def test_superuser_changes_any_event(client, superuser, outsider, event_b):
    client.force_login(superuser)

    response = client.post(
        admin_url(event_b, "change"), event_form(event_b, list(event_b.memberships.all()), name="Congress B 2026")
    )

    assert response.status_code == 302
    event_b.refresh_from_db()
    assert event_b.name == "Congress B 2026"


# --- Autocomplete -----------------------------------------------------------------------------


def autocomplete(client, app_label: str, model_name: str, field_name: str, term: str = "") -> list[str]:
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": app_label, "model_name": model_name, "field_name": field_name, "term": term},
    )
    assert response.status_code == 200, response.status_code
    return sorted(result["text"] for result in response.json()["results"])


@pytest.mark.parametrize("role", ROLES)
def test_event_autocomplete_offers_only_the_users_events(client, request, role, outsider):
    client.force_login(request.getfixturevalue(role))

    for app_label, model_name in [("finance", "transaction"), ("activities", "activity"), ("organizers", "membership")]:
        assert "Congress B" not in autocomplete(client, app_label, model_name, "event")
    assert autocomplete(client, "finance", "category", "event", term="Congress") == []


@pytest.mark.parametrize(
    ("role", "elsewhere", "offered"),
    [
        ("organizer", Role.VIEWER, {"transaction": ["Festival A"], "activity": ["Festival A"], "category": []}),
        (
            "treasurer",
            Role.ORGANIZER,
            {"transaction": ["Festival A", "Gala C"], "activity": ["Festival A", "Gala C"], "category": ["Festival A"]},
        ),
        ("owner", Role.TREASURER, {"membership": ["Festival A"], "category": ["Festival A", "Gala C"]}),
    ],
)
def test_event_autocomplete_offers_only_events_where_the_role_allows_adding(
    client, request, role, elsewhere, offered, event_a
):
    user = request.getfixturevalue(role)
    MembershipFactory(event=EventFactory(name="Gala C", slug="gala-c"), organizer=user, role=elsewhere)
    client.force_login(user)
    app_of = {"transaction": "finance", "category": "finance", "activity": "activities", "membership": "organizers"}

    found = {model: autocomplete(client, app_of[model], model, "event") for model in offered}

    assert found == offered


def test_organizer_autocomplete_for_responsible_offers_only_co_members(client, organizer, viewer, outsider):
    client.force_login(organizer)

    names = autocomplete(client, "activities", "activity", "responsible")

    assert names == ["oscar_organizer", "vera_viewer"]


def test_organizer_autocomplete_is_refused_to_non_owners_looking_for_new_members(client, viewer, outsider):
    client.force_login(viewer)

    names = autocomplete(client, "organizers", "membership", "organizer", term="bruno")

    assert names == []


# The people autocompletes: anyone may own an event (by starting one), so none of them opens the
# list of accounts; an owner names a new member exactly instead (organizers/directory.py).
PEOPLE_AUTOCOMPLETES = [
    ("organizers", "membership", "organizer"),
    ("activities", "activity", "responsible"),
    ("finance", "account", "holder"),
    ("finance", "budgetline", "owner"),
]


@pytest.mark.parametrize(("app_label", "model_name", "field_name"), PEOPLE_AUTOCOMPLETES)
@pytest.mark.parametrize("term", ["", "bruno", "bruno_of_b@example.org", "example.org"])
def test_owner_of_a_new_event_finds_no_stranger_in_the_people_autocompletes(
    client, outsider, app_label, model_name, field_name, term
):
    newcomer = OrganizerFactory(username="mallory")
    MembershipFactory(event=EventFactory(name="Own event"), organizer=newcomer, role=Role.OWNER)
    client.force_login(newcomer)

    names = autocomplete(client, app_label, model_name, field_name, term=term)

    assert "bruno_of_b" not in names


def test_people_autocompletes_find_fellow_members_by_name_but_not_by_e_mail(client, owner, viewer):
    client.force_login(owner)

    assert autocomplete(client, "activities", "activity", "responsible", term="vera") == ["vera_viewer"]
    assert autocomplete(client, "activities", "activity", "responsible", term="vera_viewer@example.org") == []
    assert autocomplete(client, "activities", "activity", "responsible", term="example.org") == []


def test_superuser_finds_anyone_in_the_people_autocompletes_e_mail_included(client, superuser, outsider):
    client.force_login(superuser)

    names = autocomplete(client, "activities", "activity", "responsible", term="bruno_of_b@example.org")

    assert names == ["bruno_of_b"]


@pytest.mark.parametrize("login", ["Bruno_Of_B", "BRUNO_OF_B@example.org"])
def test_owner_adds_a_stranger_by_exact_username_or_e_mail_in_the_inline(client, owner, outsider, event_a, login):
    client.force_login(owner)
    memberships = [*event_a.memberships.all(), Membership(event=event_a, organizer=outsider, role=Role.VIEWER)]
    data = event_form(event_a, memberships, **{f"memberships-{len(memberships) - 1}-organizer": login})

    response = client.post(admin_url(event_a, "change"), data)

    assert response.status_code == 302
    assert Membership.objects.get(event=event_a, organizer=outsider).role == Role.VIEWER


@pytest.mark.parametrize("login", ["bruno_of_b", "bruno_of_b@example.org"])
def test_owner_adds_a_stranger_by_exact_username_or_e_mail_on_the_membership_page(
    client, owner, outsider, event_a, login
):
    client.force_login(owner)

    response = client.post(
        admin_url(Membership, "add"), {"event": str(event_a.pk), "organizer": login, "role": "viewer"}
    )

    assert response.status_code == 302
    assert Membership.objects.get(event=event_a, organizer=outsider).role == Role.VIEWER


@pytest.mark.parametrize("login", ["bruno", "bruno_of_b@example", "nobody@example.org", "%", "bruno_of_"])
def test_a_login_that_names_nobody_exactly_is_one_neutral_form_error(client, owner, outsider, event_a, login):
    client.force_login(owner)

    response = client.post(
        admin_url(Membership, "add"), {"event": str(event_a.pk), "organizer": login, "role": "viewer"}
    )

    assert form_errors(response) == {"organizer": ["No organizer with this username or e-mail."]}
    assert not Membership.objects.filter(organizer=outsider, event=event_a).exists()


def test_an_inactive_account_is_not_found_either(client, owner, outsider, event_a):
    Organizer.objects.filter(pk=outsider.pk).update(is_active=False)
    client.force_login(owner)

    response = client.post(
        admin_url(Membership, "add"), {"event": str(event_a.pk), "organizer": "bruno_of_b", "role": "viewer"}
    )

    assert form_errors(response) == {"organizer": ["No organizer with this username or e-mail."]}


def test_event_page_links_to_its_ledger_report_and_timetable(client, viewer, event_a):
    # The apps that own these pages add the links (organizers/panels.py); organizers names none.
    client.force_login(viewer)

    content = client.get(admin_url(event_a, "change")).content.decode()

    ledger = reverse("admin:finance_transaction_changelist") + f"?event__id__exact={event_a.pk}"
    assert f'href="{ledger}"' in content
    assert f'href="{reverse("admin:finance_transaction_report", args=[event_a.pk])}"' in content
    assert f'href="{reverse("admin:activities_activity_timetable", args=[event_a.pk])}"' in content


def test_event_page_of_another_event_is_not_shown(client, viewer, event_b):
    client.force_login(viewer)

    assert client.get(admin_url(event_b, "change")).status_code == 302
