"""Accounts in the API and the admin: balances shown for a whole page in a fixed number of queries,
holders limited to the event's members, and the event's balances endpoint."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from finance.factories import AccountFactory, TransactionFactory, TransferFactory
from finance.models import Account, AccountKind, Kind
from organizers.factories import EventFactory, MembershipFactory
from organizers.tests.admin_support import admin_url, assert_changelist_scoped, assert_not_found, form_errors

pytestmark = pytest.mark.django_db

ACCOUNTS = "/api/accounts/"


@pytest.fixture
def ledger(event_a, organizer):
    bank = AccountFactory(event=event_a, name="Bank", opening_balance=Decimal("100.00"))
    pocket = AccountFactory(event=event_a, name="Oscar's pocket", kind=AccountKind.POCKET, holder=organizer)
    TransactionFactory(event=event_a, account=bank, kind=Kind.DONATION, amount=Decimal("0.10"))
    TransactionFactory(event=event_a, account=bank, kind=Kind.DONATION, amount=Decimal("0.20"))
    TransactionFactory(event=event_a, account=pocket, kind=Kind.PURCHASE, amount=Decimal("19.99"))
    TransferFactory(event=event_a, from_account=bank, to_account=pocket, amount=Decimal("19.99"), status="confirmed")
    return {"bank": bank, "pocket": pocket}


def account_body(event, **changes) -> dict:
    return {"event": str(event.pk), "name": "Door cash", "kind": "cash", "opening_balance": "50.00", **changes}


# --- API: accounts ----------------------------------------------------------------------------------


def test_api_lists_accounts_with_their_balances(api, viewer, ledger, event_b):
    AccountFactory(event=event_b, name="Bank B")

    rows = api.as_user(viewer).get(ACCOUNTS).json()["results"]

    assert [(r["name"], r["opening_balance"], r["balance"], r["holder_username"]) for r in rows] == [
        ("Bank", "100.00", "80.31", None),
        ("Oscar's pocket", "0.00", "0.00", "oscar_organizer"),
    ]


def test_api_account_detail_shows_its_balance_and_other_events_are_not_found(api, viewer, outsider, ledger):
    mine = api.as_user(viewer).get(f"{ACCOUNTS}{ledger['bank'].pk}/")
    theirs = api.as_user(outsider).get(f"{ACCOUNTS}{ledger['bank'].pk}/")

    assert (mine.status_code, mine.json()["balance"]) == (200, "80.31")
    assert theirs.status_code == 404


def test_api_account_list_takes_the_same_queries_for_a_bigger_page(api, viewer, event_a):
    client = api.as_user(viewer)
    AccountFactory(event=event_a)
    client.get(ACCOUNTS)  # warm up: token, roles and content types cached alike for both runs
    with CaptureQueriesContext(connection) as few:
        assert client.get(ACCOUNTS).status_code == 200
    for _ in range(9):
        account = AccountFactory(event=event_a)
        TransactionFactory(event=event_a, account=account, kind=Kind.SALE)
    with CaptureQueriesContext(connection) as many:
        response = client.get(ACCOUNTS)

    assert response.json()["count"] == 10
    assert len(many.captured_queries) == len(few.captured_queries)


def test_api_treasurer_adds_an_account(api, event_a, treasurer):
    response = api.as_user(treasurer).post(ACCOUNTS, account_body(event_a), format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["balance"] == "50.00"
    assert Account.objects.get().name == "Door cash"


def test_api_organizer_cannot_add_an_account(api, event_a, organizer):
    assert api.as_user(organizer).post(ACCOUNTS, account_body(event_a), format="json").status_code == 403
    assert not Account.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "pocket"}, "holder"),  # a pocket without its organizer
        ({"holder": "<outsider>"}, "holder"),  # someone from another event
        ({"holder": "<member elsewhere>"}, "holder"),  # a member of the user's other event only
        ({"opening_balance": "1.001"}, "opening_balance"),
        ({"kind": "safe"}, "kind"),
    ],
)
def test_api_refuses_an_invalid_account(api, event_a, treasurer, outsider, changes, field):
    elsewhere = EventFactory(name="Gala C", slug="gala-c")
    MembershipFactory(event=elsewhere, organizer=treasurer, role="treasurer")
    stranger = MembershipFactory(event=elsewhere, role="viewer").organizer
    ids = {"<outsider>": str(outsider.pk), "<member elsewhere>": str(stranger.pk)}
    body = account_body(event_a)
    body.update({key: ids.get(value, value) for key, value in changes.items()})

    response = api.as_user(treasurer).post(ACCOUNTS, body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Account.objects.filter(event=event_a).exists()


def test_api_a_pocket_for_a_member(api, event_a, treasurer, organizer):
    body = account_body(event_a, kind="pocket", holder=str(organizer.pk), opening_balance="0")

    response = api.as_user(treasurer).post(ACCOUNTS, body, format="json")

    assert response.status_code == 201, response.json()
    assert Account.objects.get().holder == organizer


def test_api_an_account_in_use_cannot_be_deleted(api, ledger, treasurer):
    response = api.as_user(treasurer).delete(f"{ACCOUNTS}{ledger['bank'].pk}/")

    assert response.status_code == 409
    assert Account.objects.filter(pk=ledger["bank"].pk).exists()


# --- API: the event's balances ------------------------------------------------------------------


def test_api_event_balances(api, viewer, event_a, ledger):
    response = api.as_user(viewer).get(f"/api/events/{event_a.pk}/balances/")

    assert response.status_code == 200
    assert response.json() == {
        "currency": "EUR",
        "accounts": [
            {
                "id": str(ledger["bank"].pk),
                "name": "Bank",
                "kind": "bank",
                "holder": None,
                "opening": "100.00",
                "balance": "80.31",
            },
            {
                "id": str(ledger["pocket"].pk),
                "name": "Oscar's pocket",
                "kind": "pocket",
                "holder": str(ledger["pocket"].holder_id),
                "opening": "0.00",
                "balance": "0.00",
            },
        ],
        "total": "80.31",
        "opening": "100.00",
        "result": "-19.69",
        "unexplained": "0.00",
        "balanced": True,
    }


def test_api_event_balances_of_another_event_are_not_found(api, outsider, event_a, ledger):
    assert api.as_user(outsider).get(f"/api/events/{event_a.pk}/balances/").status_code == 404
    assert api.as_user(None).get(f"/api/events/{event_a.pk}/balances/").status_code == 401
    assert api.as_user(outsider).get("/api/events/not-a-uuid/balances/").status_code == 404


# --- Admin ----------------------------------------------------------------------------------------


def test_admin_account_list_is_scoped(
    client, event_a, event_b, viewer, organizer, treasurer, owner, outsider, superuser
):
    AccountFactory(event=event_a, name="Bank of A")
    AccountFactory(event=event_b, name="Bank of B")

    assert_changelist_scoped(
        client, Account, (viewer, organizer, treasurer, owner), outsider, superuser, "Bank of A", "Bank of B"
    )


def test_admin_account_list_shows_balances_and_the_events_pages(client, ledger, event_a, viewer):
    client.force_login(viewer)

    content = client.get(admin_url(Account)).content.decode()

    assert "€80.31" in content
    assert f"/admin/finance/account/settle-up/{event_a.pk}/" in content
    assert f"/admin/finance/account/close-books/{event_a.pk}/" in content


def test_admin_account_list_takes_the_same_queries_for_a_bigger_page(client, event_a, viewer):
    client.force_login(viewer)
    AccountFactory(event=event_a)
    client.get(admin_url(Account))
    with CaptureQueriesContext(connection) as few:
        client.get(admin_url(Account))
    for _ in range(9):
        account = AccountFactory(event=event_a)
        TransactionFactory(event=event_a, account=account, kind=Kind.SALE)
    with CaptureQueriesContext(connection) as many:
        response = client.get(admin_url(Account))

    assert response.context["cl"].result_count == 10
    assert len(many.captured_queries) == len(few.captured_queries)


def test_admin_holder_choices_are_members_of_the_users_events(client, event_a, treasurer, organizer, outsider):
    client.force_login(treasurer)

    form = client.get(admin_url(Account, "add")).context["adminform"].form
    holders = set(form.fields["holder"].queryset)

    assert organizer in holders
    assert outsider not in holders


def test_admin_holder_must_be_a_member_of_the_accounts_event(client, event_a, treasurer):
    elsewhere = EventFactory(name="Gala C", slug="gala-c")
    MembershipFactory(event=elsewhere, organizer=treasurer, role="treasurer")
    stranger = MembershipFactory(event=elsewhere, role="viewer").organizer
    client.force_login(treasurer)
    form = {
        "event": str(event_a.pk),
        "name": "Stranger's pocket",
        "kind": "pocket",
        "holder": str(stranger.pk),
        "opening_balance": "0",
        "is_active": "on",
        "notes": "",
    }

    assert "holder" in form_errors(client.post(admin_url(Account, "add"), form))
    assert not Account.objects.exists()


def test_admin_account_change_page_shows_the_balance(client, ledger, treasurer, outsider):
    client.force_login(treasurer)
    page = client.get(admin_url(ledger["bank"], "change"))
    client.force_login(outsider)

    assert "€80.31" in page.content.decode()
    assert_not_found(client.get(admin_url(ledger["bank"], "change")))


@pytest.mark.parametrize("model", ["account", "transfer", "cashcount"])
def test_admin_add_pages_render(client, event_a, treasurer, model):
    client.force_login(treasurer)

    response = client.get(f"/admin/finance/{model}/add/")

    assert response.status_code == 200
