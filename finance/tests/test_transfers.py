"""Transfers between accounts: recorded, confirmed by both sides (holders or treasurers), cancelled;
counted in balances only once confirmed. Services, API and admin."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from finance.factories import AccountFactory, TransferFactory
from finance.models import AccountKind, Transfer, TransferPurpose, TransferStatus
from finance.services.balances import account_balances
from finance.services.transfers import cancel, confirm_received, confirm_sent, create_transfer
from organizers.tests.admin_support import admin_url, assert_not_found

pytestmark = pytest.mark.django_db

TRANSFERS = "/api/transfers/"
DAY = date(2026, 6, 12)


@pytest.fixture
def bank(event_a):
    return AccountFactory(event=event_a, name="Bank", opening_balance=Decimal("500.00"))


@pytest.fixture
def provider(event_a):
    return AccountFactory(event=event_a, name="Stripe", kind=AccountKind.PROVIDER)


@pytest.fixture
def cash(event_a, organizer):
    """A cash box the organizer keeps: only they confirm money leaving or arriving there."""
    return AccountFactory(
        event=event_a, name="Cash box", kind=AccountKind.CASH, holder=organizer, opening_balance=Decimal("80.00")
    )


@pytest.fixture
def handover(event_a, cash, bank, organizer):
    """The organizer takes 60.00 from their cash box to the bank."""
    return TransferFactory(
        event=event_a,
        from_account=cash,
        to_account=bank,
        amount=Decimal("60.00"),
        purpose=TransferPurpose.HANDOVER,
        created_by=organizer,
    )


def balances(event) -> dict[str, Decimal]:
    return {b.name: b.balance for b in account_balances(event)}


def url(transfer, action: str = "") -> str:
    return f"{TRANSFERS}{transfer.pk}/{action + '/' if action else ''}"


# --- Recording ------------------------------------------------------------------------------------


def test_organizer_records_a_pending_transfer_that_moves_nothing_yet(event_a, cash, bank, organizer):
    transfer = create_transfer(event_a, organizer, cash, bank, Decimal("25.50"), DAY, purpose=TransferPurpose.HANDOVER)

    transfer.refresh_from_db()
    assert (transfer.status, transfer.created_by, transfer.amount) == (
        TransferStatus.PENDING,
        organizer,
        Decimal("25.50"),
    )
    assert balances(event_a) == {"Bank": Decimal("500.00"), "Cash box": Decimal("80.00")}


@pytest.mark.parametrize("role", ["viewer", "outsider"])
def test_viewers_and_outsiders_cannot_record_a_transfer(request, event_a, cash, bank, role):
    with pytest.raises(PermissionDenied):
        create_transfer(event_a, request.getfixturevalue(role), cash, bank, Decimal("1.00"), DAY)

    assert not Transfer.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount": Decimal("0")}, "amount"),
        ({"amount": Decimal("-3.00")}, "amount"),
        ({"amount": Decimal("1.005")}, "amount"),
        ({"to": "same"}, "to_account"),
        ({"to": "foreign"}, "to_account"),
        ({"to": "inactive"}, "to_account"),
        ({"purpose": "bribe"}, "purpose"),
    ],
)
def test_invalid_transfer_is_refused_with_the_field_named(event_a, event_b, cash, bank, treasurer, changes, field):
    targets = {
        "same": cash,
        "foreign": AccountFactory(event=event_b, name="Bank B"),
        "inactive": AccountFactory(event=event_a, name="Old bank", is_active=False),
    }
    to_account = targets.get(changes.get("to"), bank)

    with pytest.raises(ValidationError) as refused:
        create_transfer(
            event_a,
            treasurer,
            cash,
            to_account,
            changes.get("amount", Decimal("5.00")),
            DAY,
            purpose=changes.get("purpose", TransferPurpose.TRANSFER),
        )

    assert field in refused.value.message_dict
    assert not Transfer.objects.exists()


# --- Confirming -----------------------------------------------------------------------------------


def test_holder_and_treasurer_confirm_their_sides_and_the_money_moves(event_a, handover, organizer, treasurer):
    confirm_sent(handover, organizer)
    after_one_side = balances(event_a)
    confirm_received(handover, treasurer)

    handover.refresh_from_db()
    assert after_one_side == {"Bank": Decimal("500.00"), "Cash box": Decimal("80.00")}
    assert handover.status == TransferStatus.CONFIRMED
    assert (handover.sent_confirmed_by, handover.received_confirmed_by) == (organizer, treasurer)
    assert handover.sent_confirmed_at is not None
    assert handover.received_confirmed_at is not None
    assert balances(event_a) == {"Bank": Decimal("560.00"), "Cash box": Decimal("20.00")}


def test_sides_may_confirm_in_any_order(event_a, handover, organizer, owner):
    confirm_received(handover, owner)
    confirm_sent(handover, organizer)

    handover.refresh_from_db()
    assert handover.status == TransferStatus.CONFIRMED


def test_only_the_holder_confirms_the_side_of_a_held_account(handover, treasurer, owner, superuser):
    for user in (treasurer, owner, superuser):
        with pytest.raises(PermissionDenied):
            confirm_sent(handover, user)

    handover.refresh_from_db()
    assert handover.sent_confirmed_by is None


@pytest.mark.parametrize("role", ["viewer", "organizer", "outsider"])
def test_a_side_without_holder_needs_a_treasurer_or_owner(request, handover, role):
    with pytest.raises(PermissionDenied):
        confirm_received(handover, request.getfixturevalue(role))

    handover.refresh_from_db()
    assert handover.received_confirmed_by is None


def test_treasurer_confirms_both_sides_of_a_move_between_accounts_without_holder(event_a, bank, provider, treasurer):
    transfer = create_transfer(event_a, treasurer, provider, bank, Decimal("99.99"), DAY)

    confirm_sent(transfer, treasurer)
    confirm_received(transfer, treasurer)

    assert transfer.status == TransferStatus.CONFIRMED
    assert balances(event_a) == {"Bank": Decimal("599.99"), "Stripe": Decimal("-99.99")}


def test_the_holder_cannot_confirm_the_other_side_too(handover, organizer):
    confirm_sent(handover, organizer)

    with pytest.raises(PermissionDenied):
        confirm_received(handover, organizer)

    handover.refresh_from_db()
    assert handover.status == TransferStatus.PENDING


def test_confirming_a_side_twice_is_refused(handover, organizer):
    confirm_sent(handover, organizer)
    first_at = Transfer.objects.get(pk=handover.pk).sent_confirmed_at

    with pytest.raises(ValidationError, match="already confirmed"):
        confirm_sent(handover, organizer)

    assert Transfer.objects.get(pk=handover.pk).sent_confirmed_at == first_at


def test_of_two_concurrent_confirmations_of_one_side_exactly_one_succeeds(event_a, bank, provider, treasurer, owner):
    transfer = TransferFactory(event=event_a, from_account=provider, to_account=bank)
    # Both read the transfer while it was unconfirmed (a stale read for the second one).
    seen_by_treasurer = Transfer.objects.get(pk=transfer.pk)
    seen_by_owner = Transfer.objects.get(pk=transfer.pk)

    confirm_sent(seen_by_treasurer, treasurer)
    with pytest.raises(ValidationError):
        confirm_sent(seen_by_owner, owner)

    stored = Transfer.objects.get(pk=transfer.pk)
    assert stored.sent_confirmed_by == treasurer
    assert stored.status == TransferStatus.PENDING


def test_a_confirmation_after_a_concurrent_cancel_is_refused(handover, organizer, treasurer):
    stale = Transfer.objects.get(pk=handover.pk)
    cancel(handover, treasurer)

    with pytest.raises(ValidationError, match="no longer pending"):
        confirm_sent(stale, organizer)

    stored = Transfer.objects.get(pk=handover.pk)
    assert (stored.status, stored.sent_confirmed_by) == (TransferStatus.CANCELLED, None)


def test_a_failed_confirmation_leaves_nothing_half_written(monkeypatch, handover, organizer, treasurer):
    confirm_sent(handover, organizer)

    def broken_save(self, *args, **kwargs):
        raise RuntimeError("store failed after the status changed")

    monkeypatch.setattr(Transfer, "save", broken_save)
    with pytest.raises(RuntimeError):
        confirm_received(handover, treasurer)
    monkeypatch.undo()

    stored = Transfer.objects.get(pk=handover.pk)
    assert (stored.status, stored.received_confirmed_by, stored.received_confirmed_at) == (
        TransferStatus.PENDING,
        None,
        None,
    )


# --- Cancelling -----------------------------------------------------------------------------------


def test_the_creator_cancels_their_own_pending_transfer(handover, organizer):
    cancel(handover, organizer)

    assert Transfer.objects.get(pk=handover.pk).status == TransferStatus.CANCELLED


def test_another_organizer_cannot_cancel(event_a, handover):
    from organizers.factories import MembershipFactory

    other = MembershipFactory(event=event_a, role="organizer").organizer

    with pytest.raises(PermissionDenied):
        cancel(handover, other)

    assert Transfer.objects.get(pk=handover.pk).status == TransferStatus.PENDING


def test_a_confirmed_transfer_cannot_be_cancelled(handover, organizer, treasurer):
    confirm_sent(handover, organizer)
    confirm_received(handover, treasurer)

    with pytest.raises(ValidationError, match="transfer back"):
        cancel(handover, treasurer)

    assert Transfer.objects.get(pk=handover.pk).status == TransferStatus.CONFIRMED


def test_nothing_changes_once_the_books_are_closed(event_a, handover, organizer, treasurer):
    event_a.closed_at = timezone.now()
    event_a.save()
    handover.event.refresh_from_db()

    for step, user in ((confirm_sent, organizer), (confirm_received, treasurer), (cancel, treasurer)):
        with pytest.raises(PermissionDenied, match="closed"):
            step(handover, user)
    with pytest.raises(PermissionDenied):
        create_transfer(event_a, treasurer, handover.to_account, handover.from_account, Decimal("1"), DAY)

    assert Transfer.objects.get(pk=handover.pk).sent_confirmed_by is None


# --- API ------------------------------------------------------------------------------------------


def test_api_lists_only_the_users_events_transfers(api, viewer, handover, event_b):
    foreign = TransferFactory(event=event_b)

    ids = [row["id"] for row in api.as_user(viewer).get(TRANSFERS).json()["results"]]

    assert ids == [str(handover.pk)]
    assert str(foreign.pk) not in ids


def test_api_records_a_transfer_as_the_requesting_user(api, event_a, cash, bank, organizer):
    body = {
        "event": str(event_a.pk),
        "from_account": str(cash.pk),
        "to_account": str(bank.pk),
        "amount": "12.30",
        "date": "2026-06-12",
        "purpose": "handover",
        # Forged: the server decides who created and confirmed it.
        "created_by": "someone",
        "status": "confirmed",
    }

    response = api.as_user(organizer).post(TRANSFERS, body, format="json")

    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["status"], data["created_by"], data["amount"]) == ("pending", organizer.username, "12.30")
    assert Transfer.objects.get().created_by == organizer


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "1.001"}, "amount"),
        ({"to_account": "<from>"}, "to_account"),
        ({"to_account": "<inactive>"}, "to_account"),
        ({"to_account": "<foreign>"}, "to_account"),
        ({"date": "2026-02-30"}, "date"),
    ],
)
def test_api_refuses_an_invalid_transfer_with_field_errors(
    api, event_a, event_b, cash, bank, treasurer, changes, field
):
    ids = {
        "<from>": str(cash.pk),
        "<inactive>": str(AccountFactory(event=event_a, name="Closed", is_active=False).pk),
        "<foreign>": str(AccountFactory(event=event_b, name="Bank B").pk),
    }
    body = {
        "event": str(event_a.pk),
        "from_account": str(cash.pk),
        "to_account": str(bank.pk),
        "amount": "5.00",
        "date": "2026-06-12",
    }
    body.update({key: ids.get(value, value) for key, value in changes.items()})

    response = api.as_user(treasurer).post(TRANSFERS, body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Transfer.objects.exists()


def test_api_viewer_cannot_record_a_transfer(api, event_a, cash, bank, viewer):
    body = {
        "event": str(event_a.pk),
        "from_account": str(cash.pk),
        "to_account": str(bank.pk),
        "amount": "5",
        "date": "2026-06-12",
    }

    assert api.as_user(viewer).post(TRANSFERS, body, format="json").status_code == 403
    assert not Transfer.objects.exists()


def test_api_both_sides_confirm(api, handover, organizer, treasurer):
    sent = api.as_user(organizer).post(url(handover, "confirm-sent"))
    received = api.as_user(treasurer).post(url(handover, "confirm-received"))

    assert (sent.status_code, received.status_code) == (200, 200)
    assert sent.json()["sent_confirmed_by"] == organizer.username
    assert received.json()["status"] == "confirmed"
    assert received.json()["received_confirmed_by"] == treasurer.username


def test_api_refusals_of_confirmations(api, handover, organizer, treasurer, viewer, outsider):
    not_the_holder = api.as_user(treasurer).post(url(handover, "confirm-sent"))
    assert not_the_holder.status_code == 403
    # The service's reason reaches the client, not DRF's generic refusal.
    assert "who holds" in not_the_holder.json()["detail"]
    assert api.as_user(viewer).post(url(handover, "confirm-received")).status_code == 403
    assert api.as_user(outsider).post(url(handover, "confirm-received")).status_code == 404
    assert api.as_user(organizer).post(url(handover, "confirm-sent")).status_code == 200
    twice = api.as_user(organizer).post(url(handover, "confirm-sent"))

    assert twice.status_code == 400
    assert "already confirmed" in str(twice.json())
    stored = Transfer.objects.get(pk=handover.pk)
    assert (stored.sent_confirmed_by, stored.received_confirmed_by) == (organizer, None)


def test_api_cancel(api, handover, organizer, viewer):
    assert api.as_user(viewer).post(url(handover, "cancel")).status_code == 403
    response = api.as_user(organizer).post(url(handover, "cancel"))

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert api.as_user(organizer).post(url(handover, "cancel")).status_code == 400


def test_api_a_confirmed_transfer_cannot_be_changed_or_deleted(api, handover, organizer, treasurer):
    confirm_sent(handover, organizer)
    confirm_received(handover, treasurer)

    patch = api.as_user(treasurer).patch(url(handover), {"amount": "1.00"}, format="json")
    delete = api.as_user(treasurer).delete(url(handover))

    assert (patch.status_code, delete.status_code) == (400, 400)
    stored = Transfer.objects.get(pk=handover.pk)
    assert stored.amount == Decimal("60.00")


def test_api_a_half_confirmed_transfer_cannot_be_changed(api, handover, organizer, treasurer):
    confirm_sent(handover, organizer)

    response = api.as_user(treasurer).patch(url(handover), {"amount": "1.00"}, format="json")

    assert response.status_code == 400
    assert Transfer.objects.get(pk=handover.pk).amount == Decimal("60.00")


def test_api_an_unconfirmed_transfer_can_be_corrected_by_a_treasurer(api, handover, treasurer, organizer):
    assert api.as_user(organizer).patch(url(handover), {"amount": "1.00"}, format="json").status_code == 403
    response = api.as_user(treasurer).patch(url(handover), {"amount": "61.00"}, format="json")

    assert response.status_code == 200
    assert Transfer.objects.get(pk=handover.pk).amount == Decimal("61.00")


# --- Admin ----------------------------------------------------------------------------------------


def run_action(client, action: str, *transfers):
    response = client.post(
        admin_url(Transfer), {"action": action, "index": "0", "_selected_action": [str(t.pk) for t in transfers]}
    )
    return response, [str(m) for m in get_messages(response.wsgi_request)]


def test_admin_holder_confirms_the_sending_side(client, handover, organizer):
    client.force_login(organizer)

    response, notes = run_action(client, "confirm_sent_side", handover)

    assert response.status_code == 302
    assert any("Sending side confirmed for 1" in note for note in notes)
    assert Transfer.objects.get(pk=handover.pk).sent_confirmed_by == organizer


def test_admin_refuses_a_side_the_user_does_not_hold_with_a_message(client, handover, treasurer):
    client.force_login(treasurer)

    _response, notes = run_action(client, "confirm_sent_side", handover)

    assert any("Refused" in note and "Only" in note for note in notes)
    assert Transfer.objects.get(pk=handover.pk).sent_confirmed_by is None


def test_admin_confirms_and_cancels_selected_transfers_one_by_one(client, event_a, bank, provider, handover, treasurer):
    own = TransferFactory(event=event_a, from_account=bank, to_account=provider)
    client.force_login(treasurer)

    run_action(client, "confirm_received_side", own, handover)
    _response, notes = run_action(client, "cancel_transfers", own, handover)

    assert Transfer.objects.get(pk=own.pk).received_confirmed_by == treasurer
    assert {t.status for t in Transfer.objects.all()} == {TransferStatus.CANCELLED}
    assert any("2 transfers cancelled" in note for note in notes)


def test_admin_confirmed_transfer_is_read_only(client, handover, organizer, treasurer):
    confirm_sent(handover, organizer)
    confirm_received(handover, treasurer)
    client.force_login(treasurer)

    page = client.get(admin_url(handover, "change"))
    change = client.post(admin_url(handover, "change"), {"amount": "1.00"})
    delete = client.post(admin_url(handover, "delete"), {"post": "yes"})

    assert page.status_code == 200
    assert (change.status_code, delete.status_code) == (403, 403)
    assert Transfer.objects.get(pk=handover.pk).amount == Decimal("60.00")


def test_admin_organizer_adds_a_transfer_recorded_as_theirs(client, event_a, cash, bank, organizer):
    client.force_login(organizer)
    form = {
        "event": str(event_a.pk),
        "from_account": str(cash.pk),
        "to_account": str(bank.pk),
        "amount": "10.00",
        "date": "2026-06-12",
        "purpose": "handover",
        "description": "",
    }

    response = client.post(admin_url(Transfer, "add"), form)

    assert response.status_code == 302
    assert Transfer.objects.get().created_by == organizer


def test_admin_another_events_transfer_is_not_found(client, event_b, owner):
    foreign = TransferFactory(event=event_b)
    client.force_login(owner)

    assert_not_found(client.get(admin_url(foreign, "change")))
    _response, _notes = run_action(client, "cancel_transfers", foreign)
    assert Transfer.objects.get(pk=foreign.pk).status == TransferStatus.PENDING


def test_api_filters_transfers_by_account_either_way_and_status(api, event_a, handover, bank, provider, viewer):
    other = TransferFactory(event=event_a, from_account=bank, to_account=provider, status="confirmed")
    unrelated = TransferFactory(event=event_a, from_account=provider, to_account=AccountFactory(event=event_a))
    client = api.as_user(viewer)

    by_bank = {row["id"] for row in client.get(TRANSFERS, {"account": str(bank.pk)}).json()["results"]}
    confirmed = [row["id"] for row in client.get(TRANSFERS, {"status": "confirmed"}).json()["results"]]

    assert by_bank == {str(handover.pk), str(other.pk)}
    assert str(unrelated.pk) not in by_bank
    assert confirmed == [str(other.pk)]
    assert client.get(TRANSFERS, {"account": "not-a-uuid"}).status_code == 400
