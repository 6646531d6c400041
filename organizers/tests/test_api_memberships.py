"""The roster endpoint: only owners manage members, and an event always keeps an owner."""

import pytest

from organizers.factories import EventFactory, MembershipFactory, OrganizerFactory
from organizers.models import Membership, Role

pytestmark = pytest.mark.django_db

MEMBERSHIPS = "/api/memberships/"


def detail(membership) -> str:
    return f"{MEMBERSHIPS}{membership.pk}/"


@pytest.fixture
def guest_membership(event_a):
    """A plain member of event A that the role table changes and removes."""
    return MembershipFactory(event=event_a, organizer=OrganizerFactory(username="gina_guest"), role=Role.VIEWER)


# role in event A → expected status of each action on event A's roster.
ROLE_TABLE = {
    "viewer": {"list": 200, "retrieve": 200, "create": 403, "update": 403, "delete": 403},
    "organizer": {"list": 200, "retrieve": 200, "create": 403, "update": 403, "delete": 403},
    "treasurer": {"list": 200, "retrieve": 200, "create": 403, "update": 403, "delete": 403},
    "owner": {"list": 200, "retrieve": 200, "create": 201, "update": 200, "delete": 204},
}


@pytest.mark.parametrize("role", list(ROLE_TABLE))
def test_each_role_may_do_what_its_rank_allows_on_memberships(request, api, event_a, guest_membership, role):
    user = request.getfixturevalue(role)
    newcomer = OrganizerFactory(username="nora_newcomer")
    api.as_user(user)

    statuses = {
        "list": api.get(MEMBERSHIPS).status_code,
        "retrieve": api.get(detail(guest_membership)).status_code,
        "create": api.post(
            MEMBERSHIPS, {"event": str(event_a.pk), "organizer": str(newcomer.pk), "role": "organizer"}
        ).status_code,
        "update": api.patch(detail(guest_membership), {"role": "treasurer"}).status_code,
        "delete": api.delete(detail(guest_membership)).status_code,
    }

    assert statuses == ROLE_TABLE[role]
    assert Membership.objects.filter(organizer=newcomer).exists() is (role == "owner")
    assert Membership.objects.filter(pk=guest_membership.pk).exists() is (role != "owner")


def test_owner_adds_a_member_with_a_role(api, owner, event_a):
    newcomer = OrganizerFactory(username="nora_newcomer")

    response = api.as_user(owner).post(
        MEMBERSHIPS, {"event": str(event_a.pk), "organizer": str(newcomer.pk), "role": "treasurer"}, format="json"
    )

    assert response.status_code == 201
    assert response.data["organizer_username"] == "nora_newcomer"
    assert Membership.objects.get(event=event_a, organizer=newcomer).role == Role.TREASURER


def test_owner_changes_a_members_role(api, owner, viewer, event_a):
    membership = Membership.objects.get(event=event_a, organizer=viewer)

    response = api.as_user(owner).patch(detail(membership), {"role": "organizer"}, format="json")

    assert response.status_code == 200
    membership.refresh_from_db()
    assert membership.role == Role.ORGANIZER


def test_adding_someone_who_is_already_a_member_is_refused(api, owner, viewer, event_a):
    response = api.as_user(owner).post(
        MEMBERSHIPS, {"event": str(event_a.pk), "organizer": str(viewer.pk), "role": "owner"}, format="json"
    )

    assert response.status_code == 400
    assert Membership.objects.get(event=event_a, organizer=viewer).role == Role.VIEWER


def test_a_membership_cannot_switch_to_another_person(api, owner, viewer, organizer, event_a):
    membership = Membership.objects.get(event=event_a, organizer=viewer)

    response = api.as_user(owner).patch(detail(membership), {"organizer": str(organizer.pk)}, format="json")

    assert response.status_code == 400
    assert "organizer" in response.data


def test_demoting_the_last_owner_is_refused(api, owner, event_a):
    membership = Membership.objects.get(event=event_a, organizer=owner)

    response = api.as_user(owner).patch(detail(membership), {"role": "viewer"}, format="json")

    assert response.status_code == 400
    assert "role" in response.data
    membership.refresh_from_db()
    assert membership.role == Role.OWNER


def test_removing_the_last_owner_is_refused(api, owner, event_a):
    membership = Membership.objects.get(event=event_a, organizer=owner)

    response = api.as_user(owner).delete(detail(membership))

    assert response.status_code == 400
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_an_owner_may_step_down_once_there_is_another_owner(api, owner, treasurer, event_a):
    Membership.objects.filter(event=event_a, organizer=treasurer).update(role=Role.OWNER)
    membership = Membership.objects.get(event=event_a, organizer=owner)

    response = api.as_user(owner).delete(detail(membership))

    assert response.status_code == 204
    assert list(Membership.objects.filter(event=event_a, role=Role.OWNER).values_list("organizer", flat=True)) == [
        treasurer.pk
    ]


def test_list_holds_only_the_users_events(api, viewer, owner, event_a, outsider):
    response = api.as_user(viewer).get(MEMBERSHIPS)

    assert response.status_code == 200
    rows = response.json()["results"]
    assert {row["event"] for row in rows} == {str(event_a.pk)}
    assert {row["organizer_username"] for row in rows} == {"olivia_owner", "vera_viewer"}


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_another_events_membership_is_not_found(api, owner, event_b, outsider, method):
    membership = Membership.objects.get(event=event_b, organizer=outsider)

    response = getattr(api.as_user(owner), method)(detail(membership), {"role": "viewer"})

    assert response.status_code == 404
    membership.refresh_from_db()
    assert membership.role == Role.OWNER


def test_adding_a_member_to_an_event_one_does_not_belong_to_is_refused(api, owner, event_b, outsider):
    newcomer = OrganizerFactory(username="nora_newcomer")

    response = api.as_user(owner).post(
        MEMBERSHIPS, {"event": str(event_b.pk), "organizer": str(newcomer.pk), "role": "owner"}, format="json"
    )

    assert response.status_code == 400
    assert list(response.data) == ["event"]
    assert not Membership.objects.filter(organizer=newcomer).exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("event", "not-a-uuid"), ("organizer", "not-a-uuid"), ("organizer", 42), ("role", "emperor")],
)
def test_malformed_membership_input_is_refused_on_its_field(api, owner, event_a, field, value):
    newcomer = OrganizerFactory(username="nora_newcomer")
    payload = {"event": str(event_a.pk), "organizer": str(newcomer.pk), "role": "viewer", field: value}

    response = api.as_user(owner).post(MEMBERSHIPS, payload, format="json")

    assert response.status_code == 400
    assert list(response.data) == [field]
    assert not Membership.objects.filter(organizer=newcomer).exists()


def test_memberships_filter_by_role_and_reject_a_malformed_event(api, owner, viewer, treasurer, event_a):
    api.as_user(owner)

    owners = api.get(MEMBERSHIPS, {"role": "owner"}).data["results"]
    malformed = api.get(MEMBERSHIPS, {"event": "not-a-uuid"})

    assert [row["organizer_username"] for row in owners] == ["olivia_owner"]
    assert malformed.status_code == 400
    assert "event" in malformed.data


def test_owning_another_event_does_not_let_one_manage_this_roster(api, treasurer, event_a):
    MembershipFactory(event=EventFactory(name="Own event"), organizer=treasurer, role=Role.OWNER)
    newcomer = OrganizerFactory(username="nora_newcomer")

    response = api.as_user(treasurer).post(
        MEMBERSHIPS, {"event": str(event_a.pk), "organizer": str(newcomer.pk), "role": "owner"}, format="json"
    )

    assert response.status_code == 403
    assert not Membership.objects.filter(organizer=newcomer).exists()


# --- Naming the person to add (no listing of accounts: organizers/directory.py) ------------------


@pytest.mark.parametrize("login", ["Bruno_Of_B", "BRUNO_OF_B@example.org"])
def test_owner_adds_a_stranger_by_exact_username_or_e_mail(api, owner, outsider, event_a, login):
    response = api.as_user(owner).post(
        MEMBERSHIPS, {"event": str(event_a.pk), "organizer": login, "role": "viewer"}, format="json"
    )

    assert response.status_code == 201, response.json()
    assert response.json()["organizer"] == str(outsider.pk)
    assert Membership.objects.get(event=event_a, organizer=outsider).role == Role.VIEWER


@pytest.mark.parametrize("login", ["bruno", "bruno_of_b@example", "nobody@example.org", "%", "", 42, ["bruno_of_b"]])
def test_a_login_that_names_nobody_exactly_is_a_400(api, owner, outsider, event_a, login):
    response = api.as_user(owner).post(
        MEMBERSHIPS, {"event": str(event_a.pk), "organizer": login, "role": "viewer"}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["organizer"]
    assert not Membership.objects.filter(event=event_a, organizer=outsider).exists()


def test_unknown_and_inactive_accounts_get_the_same_answer(api, owner, outsider, event_a):
    OrganizerFactory(username="ida_inactive", is_active=False)
    api.as_user(owner)

    answers = [
        api.post(MEMBERSHIPS, {"event": str(event_a.pk), "organizer": login, "role": "viewer"}, format="json").json()
        for login in ("ida_inactive", "nobody_at_all")
    ]

    assert answers[0] == answers[1] == {"organizer": ["No organizer with this username or e-mail."]}


def test_an_e_mail_two_accounts_share_asks_for_the_username(api, owner, event_a):
    OrganizerFactory(username="twin_one", email="twins@example.org")
    OrganizerFactory(username="twin_two", email="Twins@example.org")

    response = api.as_user(owner).post(
        MEMBERSHIPS, {"event": str(event_a.pk), "organizer": "twins@example.org", "role": "viewer"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"organizer": ["Several organizers use this e-mail: give the username."]}


def test_a_login_with_regular_expression_characters_is_not_found_not_a_500(api, owner, event_a):
    response = api.as_user(owner).post(
        "/api/memberships/", {"event": str(event_a.pk), "organizer": "a)(b[", "role": "viewer"}, format="json"
    )

    assert response.status_code == 400
    assert "organizer" in response.json()
