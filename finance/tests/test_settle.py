"""Settling up with organizers: who is owed what through their pocket accounts, and the
reimbursement transfers that settle it. Services, API and admin page."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from finance.factories import AccountFactory, TransactionFactory
from finance.models import Account, AccountKind, Kind, Transfer, TransferPurpose, TransferStatus
from finance.services.balances import balance_of
from finance.services.settle import pocket_for, record_reimbursement, settle_up
from finance.services.transfers import confirm_received, confirm_sent
from finance.tests.races import race
from organizers.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def main(event_a):
    return Account.main_for(event_a)


@pytest.fixture
def pockets(event_a, main, organizer, treasurer, owner):
    """Oscar paid 35.00 for the event; Tomas collected 20.00 for it; Olivia is even."""
    oscar, tomas, olivia = pocket_for(event_a, organizer), pocket_for(event_a, treasurer), pocket_for(event_a, owner)
    TransactionFactory(event=event_a, account=oscar, kind=Kind.PURCHASE, amount=Decimal("35.00"))
    TransactionFactory(event=event_a, account=tomas, kind=Kind.SALE, amount=Decimal("20.00"))
    TransactionFactory(event=event_a, account=olivia, kind=Kind.SALE, amount=Decimal("5.00"))
    TransactionFactory(event=event_a, account=olivia, kind=Kind.PURCHASE, amount=Decimal("5.00"))
    # Money in the bank is no organizer's debt.
    TransactionFactory(event=event_a, account=main, kind=Kind.SPONSORSHIP, amount=Decimal("900.00"))
    return {"oscar": oscar, "tomas": tomas, "olivia": olivia}


def test_a_pocket_is_made_once_per_organizer(event_a, organizer):
    first = pocket_for(event_a, organizer)

    assert pocket_for(event_a, organizer) == first
    assert (first.kind, first.holder, first.name) == (AccountKind.POCKET, organizer, "Pocket: oscar_organizer")
    assert Account.objects.filter(event=event_a).count() == 1


def test_settle_up_lists_what_the_event_owes_and_is_owed(event_a, main, pockets, organizer, treasurer):
    debts = settle_up(event_a)

    assert [(d.organizer_id, d.account_id, d.amount, d.from_account_id, d.to_account_id) for d in debts] == [
        (organizer.pk, pockets["oscar"].pk, Decimal("35.00"), main.pk, pockets["oscar"].pk),
        (treasurer.pk, pockets["tomas"].pk, Decimal("-20.00"), pockets["tomas"].pk, main.pk),
    ]
    assert [(d.organizer_name, d.event_owes, d.pending_transfer_id) for d in debts] == [
        ("oscar_organizer", True, None),
        ("tomas_treasurer", False, None),
    ]


def test_settle_up_ignores_other_events(event_a, event_b, outsider, pockets):
    TransactionFactory(event=event_b, account=pocket_for(event_b, outsider), kind=Kind.PURCHASE, amount=Decimal("3"))

    assert {d.organizer_name for d in settle_up(event_a)} == {"oscar_organizer", "tomas_treasurer"}
    assert [d.amount for d in settle_up(event_b)] == [Decimal("3.00")]


def test_settle_up_takes_the_same_queries_for_any_number_of_pockets(event_a, event_b, pockets, outsider):
    TransactionFactory(event=event_b, account=pocket_for(event_b, outsider), kind=Kind.PURCHASE, amount=Decimal("3"))
    Account.main_for(event_b)
    with CaptureQueriesContext(connection) as one:
        settle_up(event_b)
    with CaptureQueriesContext(connection) as two:
        settle_up(event_a)

    assert len(one.captured_queries) == len(two.captured_queries)


def test_a_reimbursement_settles_the_pocket_once_both_sides_confirm(event_a, main, pockets, organizer, treasurer):
    transfer = record_reimbursement(pockets["oscar"], treasurer, date=date(2026, 6, 20))

    pending = settle_up(event_a)
    confirm_sent(transfer, treasurer)  # the bank account has no holder: a treasurer confirms it
    confirm_received(transfer, organizer)  # the pocket is Oscar's: he confirms the money arrived

    assert (transfer.from_account, transfer.to_account, transfer.amount) == (main, pockets["oscar"], Decimal("35.00"))
    assert (transfer.purpose, transfer.date, transfer.created_by) == (
        TransferPurpose.REIMBURSEMENT,
        date(2026, 6, 20),
        treasurer,
    )
    assert pending[0].pending_transfer_id == transfer.pk
    assert pending[0].amount == Decimal("35.00")  # still owed until confirmed
    assert transfer.status == TransferStatus.CONFIRMED
    assert balance_of(pockets["oscar"]) == Decimal("0.00")
    assert [d.organizer_name for d in settle_up(event_a)] == ["tomas_treasurer"]


def test_an_organizer_who_owes_pays_into_the_events_account(event_a, main, pockets, owner):
    bank = AccountFactory(event=event_a, name="Savings")

    transfer = record_reimbursement(settle_up(event_a)[1], owner, event_account=bank)

    assert (transfer.from_account, transfer.to_account, transfer.amount) == (pockets["tomas"], bank, Decimal("20.00"))


@pytest.mark.parametrize("role", ["viewer", "organizer", "outsider"])
def test_only_treasurers_and_owners_record_reimbursements(request, pockets, role):
    with pytest.raises(PermissionDenied):
        record_reimbursement(pockets["oscar"], request.getfixturevalue(role))

    assert not Transfer.objects.exists()


def test_a_second_pending_reimbursement_is_refused(pockets, treasurer, owner):
    record_reimbursement(pockets["oscar"], treasurer)

    with pytest.raises(ValidationError, match="already pending"):
        record_reimbursement(pockets["oscar"], owner)

    assert Transfer.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_settle_ups_of_one_pocket_at_once_record_one_reimbursement(pockets, treasurer, owner):
    outcomes = race(
        [treasurer, owner],
        read=lambda: Account.objects.select_related("event", "holder").get(pk=pockets["oscar"].pk),
        act=record_reimbursement,
    )

    assert outcomes == ["done", "refused"]
    assert Transfer.objects.filter(purpose=TransferPurpose.REIMBURSEMENT).count() == 1


@pytest.mark.parametrize(
    ("pocket", "through", "field"),
    [
        ("olivia", None, "account"),  # settled already
        ("main", None, "account"),  # not a pocket
        ("oscar", "tomas", "event_account"),  # a pocket pays no other pocket
        ("oscar", "foreign", "event_account"),
    ],
)
def test_reimbursements_that_settle_nothing_are_refused(event_b, main, pockets, treasurer, pocket, through, field):
    accounts = {**pockets, "main": main, "foreign": AccountFactory(event=event_b)}

    with pytest.raises(ValidationError) as refused:
        record_reimbursement(accounts[pocket], treasurer, event_account=accounts.get(through))

    assert field in refused.value.message_dict
    assert not Transfer.objects.exists()


# --- API ------------------------------------------------------------------------------------------


def settle_url(event) -> str:
    return f"/api/events/{event.pk}/settle-up/"


def test_api_settle_up(api, event_a, main, pockets, viewer):
    response = api.as_user(viewer).get(settle_url(event_a))

    assert response.status_code == 200
    assert response.json() == {
        "currency": "EUR",
        "debts": [
            {
                "organizer": str(pockets["oscar"].holder_id),
                "organizer_name": "oscar_organizer",
                "account": str(pockets["oscar"].pk),
                "account_name": "Pocket: oscar_organizer",
                "amount": "35.00",
                "from_account": str(main.pk),
                "to_account": str(pockets["oscar"].pk),
                "pending_transfer": None,
            },
            {
                "organizer": str(pockets["tomas"].holder_id),
                "organizer_name": "tomas_treasurer",
                "account": str(pockets["tomas"].pk),
                "account_name": "Pocket: tomas_treasurer",
                "amount": "-20.00",
                "from_account": str(pockets["tomas"].pk),
                "to_account": str(main.pk),
                "pending_transfer": None,
            },
        ],
    }


def test_api_settle_up_of_another_event_is_not_found(api, event_a, pockets, outsider):
    assert api.as_user(outsider).get(settle_url(event_a)).status_code == 404
    assert api.as_user(None).get(settle_url(event_a)).status_code == 401


def test_api_records_a_reimbursement(api, event_a, main, pockets, treasurer):
    response = api.as_user(treasurer).post(
        settle_url(event_a), {"account": str(pockets["oscar"].pk), "date": "2026-06-20"}, format="json"
    )

    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["purpose"], data["status"], data["amount"]) == ("reimbursement", "pending", "35.00")
    assert (data["from_account"], data["to_account"]) == (str(main.pk), str(pockets["oscar"].pk))


def test_api_reimbursement_refusals(api, event_a, event_b, outsider, pockets, organizer, treasurer):
    foreign_pocket = pocket_for(event_b, outsider)

    by_organizer = api.as_user(organizer).post(settle_url(event_a), {"account": str(pockets["oscar"].pk)})
    empty = api.as_user(treasurer).post(settle_url(event_a), {}, format="json")
    settled = api.as_user(treasurer).post(settle_url(event_a), {"account": str(pockets["olivia"].pk)}, format="json")
    foreign = api.as_user(outsider).post(settle_url(event_a), {"account": str(foreign_pocket.pk)}, format="json")
    wrong_event = api.as_user(treasurer).post(settle_url(event_a), {"account": str(foreign_pocket.pk)}, format="json")

    assert by_organizer.status_code == 403
    assert (empty.status_code, list(empty.json())) == (400, ["account"])
    assert (settled.status_code, list(settled.json())) == (400, ["account"])
    assert foreign.status_code == 404
    assert (wrong_event.status_code, list(wrong_event.json())) == (400, ["account"])
    assert not Transfer.objects.exists()


# --- Admin page -------------------------------------------------------------------------------------


def page_url(event) -> str:
    return reverse("admin:finance_account_settle_up", args=[event.pk])


def test_admin_settle_up_page_shows_the_debts(client, event_a, pockets, viewer):
    client.force_login(viewer)

    response = client.get(page_url(event_a))

    content = response.content.decode()
    assert response.status_code == 200
    assert "oscar_organizer" in content
    assert "€35.00" in content
    assert "The organizer owes the event" in content
    assert "Record reimbursement" not in content  # a viewer only looks


def test_admin_treasurer_records_a_reimbursement(client, event_a, main, pockets, treasurer):
    client.force_login(treasurer)

    page = client.get(page_url(event_a))
    response = client.post(
        page_url(event_a), {"account": str(pockets["oscar"].pk), "event_account": str(main.pk), "date": "2026-06-20"}
    )

    assert "Record reimbursement" in page.content.decode()
    assert response.status_code == 302
    transfer = Transfer.objects.get()
    assert (transfer.to_account, transfer.amount, transfer.purpose) == (
        pockets["oscar"],
        Decimal("35.00"),
        TransferPurpose.REIMBURSEMENT,
    )
    assert "Pending" in client.get(page_url(event_a)).content.decode()


def test_admin_settle_up_refusals(client, event_a, event_b, main, pockets, organizer, outsider):
    client.force_login(organizer)
    post = client.post(
        page_url(event_a), {"account": str(pockets["oscar"].pk), "event_account": str(main.pk), "date": "2026-06-20"}
    )
    client.force_login(outsider)
    other = client.get(page_url(event_a))
    malformed = client.get(reverse("admin:finance_account_settle_up", args=["not-a-uuid"]))

    assert (post.status_code, other.status_code, malformed.status_code) == (403, 404, 404)
    assert not Transfer.objects.exists()


def test_admin_settle_up_with_a_bad_form_records_nothing(client, event_a, event_b, pockets, treasurer):
    client.force_login(treasurer)
    foreign = AccountFactory(event=event_b)

    response = client.post(
        page_url(event_a), {"account": str(pockets["oscar"].pk), "event_account": str(foreign.pk), "date": "someday"}
    )

    assert response.status_code == 302
    assert not Transfer.objects.exists()


def test_other_members_may_hold_pockets_too(event_a, main):
    member = MembershipFactory(event=event_a, role="organizer").organizer
    TransactionFactory(event=event_a, account=pocket_for(event_a, member), kind=Kind.PURCHASE, amount=Decimal("1"))

    assert [d.organizer_id for d in settle_up(event_a)] == [member.pk]
