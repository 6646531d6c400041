"""Cash counts: what was found against what the books expect, confirmed by a second person, the
difference booked as an adjustment in the same atomic step. Services, API and admin."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from finance.factories import AccountFactory, TransactionFactory
from finance.models import AccountKind, CashCount, CountStatus, Kind, Status, Transaction
from finance.services.balances import balance_of
from finance.services.custody import confirm_count, dismiss_count, record_count
from organizers.tests.admin_support import admin_url, assert_not_found, form_errors

pytestmark = pytest.mark.django_db

COUNTS = "/api/cash-counts/"


@pytest.fixture
def cash(event_a, organizer):
    """A cash box that should hold 120.00: 100.00 to start with and 20.00 of sales."""
    box = AccountFactory(
        event=event_a, name="Bar cash box", kind=AccountKind.CASH, holder=organizer, opening_balance=Decimal("100")
    )
    TransactionFactory(event=event_a, account=box, kind=Kind.SALE, amount=Decimal("20.00"))
    return box


def evening(event) -> datetime:
    return datetime(2026, 6, 12, 23, 30, tzinfo=event.tzinfo)


@pytest.fixture
def short_count(event_a, cash, organizer):
    """The organizer found 117.50: 2.50 missing."""
    return record_count(cash, organizer, Decimal("117.50"), evening(event_a))


def adjustments():
    return Transaction.objects.filter(kind=Kind.ADJUSTMENT)


# --- Recording ------------------------------------------------------------------------------------


def test_a_count_stores_the_balance_the_books_expect_and_who_counted(short_count, organizer):
    short_count.refresh_from_db()

    assert (short_count.expected_amount, short_count.counted_amount, short_count.difference) == (
        Decimal("120.00"),
        Decimal("117.50"),
        Decimal("-2.50"),
    )
    assert (short_count.status, short_count.counted_by) == (CountStatus.PENDING, organizer)


@pytest.mark.parametrize("role", ["viewer", "outsider"])
def test_viewers_and_outsiders_cannot_record_a_count(request, event_a, cash, role):
    with pytest.raises(PermissionDenied):
        record_count(cash, request.getfixturevalue(role), Decimal("1"), evening(event_a))

    assert not CashCount.objects.exists()


@pytest.mark.parametrize(
    ("amount", "field"), [(Decimal("-1.00"), "counted_amount"), (Decimal("1.001"), "counted_amount")]
)
def test_an_invalid_count_is_refused(event_a, cash, organizer, amount, field):
    with pytest.raises(ValidationError) as refused:
        record_count(cash, organizer, amount, evening(event_a))

    assert field in refused.value.message_dict
    assert not CashCount.objects.exists()


def test_a_pocket_is_not_counted(event_a, organizer):
    pocket = AccountFactory(event=event_a, kind=AccountKind.POCKET, holder=organizer)

    with pytest.raises(ValidationError) as refused:
        record_count(pocket, organizer, Decimal("0"), evening(event_a))

    assert "account" in refused.value.message_dict
    assert not CashCount.objects.exists()


# --- Confirming -----------------------------------------------------------------------------------


def test_confirming_a_matching_count_books_nothing(event_a, cash, organizer, treasurer):
    count = record_count(cash, organizer, Decimal("120.00"), evening(event_a))

    confirm_count(count, treasurer)

    assert (count.status, count.confirmed_by, count.adjustment) == (CountStatus.CONFIRMED, treasurer, None)
    assert count.confirmed_at is not None
    assert not adjustments().exists()
    assert balance_of(cash) == Decimal("120.00")


def test_confirming_a_difference_books_an_adjustment_with_the_reason(event_a, cash, short_count, treasurer):
    confirm_count(short_count, treasurer, reason="Change given twice at the bar")

    adjustment = adjustments().get()
    assert short_count.adjustment == adjustment
    assert short_count.reason == "Change given twice at the bar"
    assert (adjustment.amount, adjustment.signed_amount, adjustment.status) == (
        Decimal("-2.50"),
        Decimal("-2.50"),
        Status.PAID,
    )
    assert (adjustment.account, adjustment.category, adjustment.event) == (cash, None, event_a)
    assert (adjustment.created_by, adjustment.paid_by) == (treasurer, treasurer)
    assert "Bar cash box" in adjustment.description
    assert adjustment.date.isoformat() == "2026-06-12"
    assert balance_of(cash) == Decimal("117.50")


def test_money_found_in_excess_is_a_positive_adjustment(event_a, cash, organizer, owner):
    count = record_count(cash, organizer, Decimal("125.00"), evening(event_a), reason="A tip jar emptied into it")

    confirm_count(count, owner)

    assert adjustments().get().signed_amount == Decimal("5.00")
    assert count.reason == "A tip jar emptied into it"
    assert balance_of(cash) == Decimal("125.00")


def test_a_difference_needs_a_reason(cash, short_count, treasurer):
    with pytest.raises(ValidationError) as refused:
        confirm_count(short_count, treasurer, reason="   ")

    assert "reason" in refused.value.message_dict
    stored = CashCount.objects.get(pk=short_count.pk)
    assert (stored.status, stored.confirmed_by, stored.adjustment) == (CountStatus.PENDING, None, None)
    assert not adjustments().exists()


def test_who_counted_cannot_confirm_their_own_count(event_a, cash, treasurer, superuser):
    for user in (treasurer, superuser):
        count = record_count(cash, user, Decimal("1.00"), evening(event_a))

        with pytest.raises(PermissionDenied):
            confirm_count(count, user, reason="Mine")

    assert not CashCount.objects.exclude(status=CountStatus.PENDING).exists()
    assert not adjustments().exists()


@pytest.mark.parametrize("role", ["viewer", "organizer", "outsider"])
def test_only_a_treasurer_or_owner_confirms(request, short_count, role):
    with pytest.raises(PermissionDenied):
        confirm_count(short_count, request.getfixturevalue(role), reason="Because")

    assert CashCount.objects.get(pk=short_count.pk).status == CountStatus.PENDING


def test_confirming_twice_is_refused_and_books_once(short_count, treasurer, owner):
    confirm_count(short_count, treasurer, reason="Missing")

    with pytest.raises(ValidationError, match="no longer pending"):
        confirm_count(short_count, owner, reason="Missing")

    assert adjustments().count() == 1
    assert CashCount.objects.get(pk=short_count.pk).confirmed_by == treasurer


def test_of_two_concurrent_confirmations_exactly_one_books(cash, short_count, treasurer, owner):
    # Both loaded the count while it was pending: the second one acts on a stale read.
    seen_by_treasurer = CashCount.objects.get(pk=short_count.pk)
    seen_by_owner = CashCount.objects.get(pk=short_count.pk)

    confirm_count(seen_by_treasurer, treasurer, reason="Missing")
    with pytest.raises(ValidationError):
        confirm_count(seen_by_owner, owner, reason="Missing too")

    assert adjustments().count() == 1
    stored = CashCount.objects.get(pk=short_count.pk)
    assert (stored.confirmed_by, stored.reason) == (treasurer, "Missing")
    assert balance_of(cash) == Decimal("117.50")


def test_a_failure_after_booking_the_adjustment_leaves_neither(monkeypatch, cash, short_count, treasurer):
    def broken_save(self, *args, **kwargs):
        # Runs after the adjustment was saved, as the confirmation's last write.
        assert Transaction.objects.filter(kind=Kind.ADJUSTMENT).exists()
        raise RuntimeError("store failed after the adjustment")

    monkeypatch.setattr(CashCount, "save", broken_save)
    with pytest.raises(RuntimeError, match="after the adjustment"):
        confirm_count(short_count, treasurer, reason="Missing")
    monkeypatch.undo()

    stored = CashCount.objects.get(pk=short_count.pk)
    assert (stored.status, stored.confirmed_by, stored.confirmed_at, stored.adjustment, stored.reason) == (
        CountStatus.PENDING,
        None,
        None,
        None,
        "",
    )
    assert not adjustments().exists()
    assert balance_of(cash) == Decimal("120.00")


# --- Dismissing -----------------------------------------------------------------------------------


def test_who_counted_or_a_treasurer_dismisses_and_nothing_is_booked(event_a, cash, short_count, organizer, treasurer):
    other = record_count(cash, organizer, Decimal("1"), evening(event_a))

    dismiss_count(short_count, organizer)
    dismiss_count(other, treasurer)

    assert set(CashCount.objects.values_list("status", flat=True)) == {CountStatus.DISMISSED}
    assert not adjustments().exists()
    with pytest.raises(ValidationError):
        confirm_count(short_count, treasurer, reason="Too late")


def test_someone_else_cannot_dismiss(event_a, short_count):
    from organizers.factories import MembershipFactory

    other = MembershipFactory(event=event_a, role="organizer").organizer

    with pytest.raises(PermissionDenied):
        dismiss_count(short_count, other)

    assert CashCount.objects.get(pk=short_count.pk).status == CountStatus.PENDING


def test_counts_are_frozen_once_the_books_are_closed(event_a, cash, short_count, organizer, treasurer):
    event_a.closed_at = timezone.now()
    event_a.save()
    short_count.event.refresh_from_db()
    cash.event.refresh_from_db()

    with pytest.raises(PermissionDenied):
        record_count(cash, organizer, Decimal("1"), evening(event_a))
    with pytest.raises(PermissionDenied, match="closed"):
        confirm_count(short_count, treasurer, reason="x")
    with pytest.raises(PermissionDenied, match="closed"):
        dismiss_count(short_count, treasurer)

    assert CashCount.objects.get().status == CountStatus.PENDING


# --- API ------------------------------------------------------------------------------------------


def count_body(event, account, **changes) -> dict:
    return {
        "event": str(event.pk),
        "account": str(account.pk),
        "counted_at": "2026-06-12T23:30:00+02:00",
        "counted_amount": "119.00",
        **changes,
    }


def test_api_records_a_count_with_the_expected_amount_computed_by_the_server(api, event_a, cash, organizer):
    forged = {"expected_amount": "119.00", "status": "confirmed", "counted_by": "someone"}

    response = api.as_user(organizer).post(COUNTS, count_body(event_a, cash, **forged), format="json")

    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["expected_amount"], data["counted_amount"], data["difference"]) == ("120.00", "119.00", "-1.00")
    assert (data["status"], data["counted_by"]) == ("pending", organizer.username)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"counted_amount": "-5"}, "counted_amount"),
        ({"account": "<pocket>"}, "account"),
        ({"account": "<b>"}, "account"),
    ],
)
def test_api_refuses_an_invalid_count(api, event_a, event_b, cash, organizer, changes, field):
    ids = {
        "<pocket>": str(AccountFactory(event=event_a, kind=AccountKind.POCKET, holder=organizer).pk),
        "<b>": str(AccountFactory(event=event_b).pk),
    }
    body = count_body(event_a, cash)
    body.update({key: ids.get(value, value) for key, value in changes.items()})

    response = api.as_user(organizer).post(COUNTS, body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not CashCount.objects.exists()


def test_api_viewer_cannot_record_a_count(api, event_a, cash, viewer):
    assert api.as_user(viewer).post(COUNTS, count_body(event_a, cash), format="json").status_code == 403
    assert not CashCount.objects.exists()


def test_api_confirm_needs_a_reason_for_a_difference(api, short_count, treasurer):
    missing = api.as_user(treasurer).post(f"{COUNTS}{short_count.pk}/confirm/", {}, format="json")
    confirmed = api.as_user(treasurer).post(f"{COUNTS}{short_count.pk}/confirm/", {"reason": "Missing"}, format="json")

    assert missing.status_code == 400
    assert "reason" in missing.json()
    assert confirmed.status_code == 200
    assert confirmed.json()["status"] == "confirmed"
    assert confirmed.json()["adjustment"] == str(adjustments().get().pk)


def test_api_confirm_refusals(api, event_a, cash, short_count, organizer, viewer, outsider, treasurer):
    own = record_count(cash, treasurer, Decimal("120.00"), evening(event_a))

    assert api.as_user(organizer).post(f"{COUNTS}{short_count.pk}/confirm/", {"reason": "x"}).status_code == 403
    assert api.as_user(viewer).post(f"{COUNTS}{short_count.pk}/confirm/", {"reason": "x"}).status_code == 403
    assert api.as_user(outsider).post(f"{COUNTS}{short_count.pk}/confirm/", {"reason": "x"}).status_code == 404
    assert api.as_user(treasurer).post(f"{COUNTS}{own.pk}/confirm/", {}).status_code == 403
    assert not CashCount.objects.filter(status=CountStatus.CONFIRMED).exists()


def test_api_dismiss(api, short_count, organizer, viewer):
    assert api.as_user(viewer).post(f"{COUNTS}{short_count.pk}/dismiss/").status_code == 403
    response = api.as_user(organizer).post(f"{COUNTS}{short_count.pk}/dismiss/")

    assert response.status_code == 200
    assert response.json()["status"] == "dismissed"


def test_api_what_was_counted_cannot_change(api, short_count, treasurer):
    amount = api.as_user(treasurer).patch(f"{COUNTS}{short_count.pk}/", {"counted_amount": "120.00"}, format="json")
    reason = api.as_user(treasurer).patch(f"{COUNTS}{short_count.pk}/", {"reason": "Recounted"}, format="json")

    assert amount.status_code == 400
    assert "counted_amount" in amount.json()
    assert reason.status_code == 200
    stored = CashCount.objects.get(pk=short_count.pk)
    assert (stored.counted_amount, stored.reason) == (Decimal("117.50"), "Recounted")


def test_api_a_confirmed_count_cannot_change_or_go(api, short_count, treasurer):
    confirm_count(short_count, treasurer, reason="Missing")

    patch = api.as_user(treasurer).patch(f"{COUNTS}{short_count.pk}/", {"reason": "Other"}, format="json")
    delete = api.as_user(treasurer).delete(f"{COUNTS}{short_count.pk}/")

    assert (patch.status_code, delete.status_code) == (400, 400)
    assert CashCount.objects.get(pk=short_count.pk).reason == "Missing"


# --- Admin ----------------------------------------------------------------------------------------


def test_admin_records_a_count_with_the_expected_amount(client, event_a, cash, organizer):
    client.force_login(organizer)
    form = {
        "event": str(event_a.pk),
        "account": str(cash.pk),
        "counted_at_0": "2026-06-12",
        "counted_at_1": "23:30:00",
        "counted_amount": "121.00",
        "reason": "",
    }

    response = client.post(admin_url(CashCount, "add"), form)

    assert response.status_code == 302
    count = CashCount.objects.get()
    assert (count.expected_amount, count.counted_by, count.difference) == (Decimal("120.00"), organizer, Decimal("1"))


def test_admin_refuses_counting_a_pocket(client, event_a, organizer):
    pocket = AccountFactory(event=event_a, kind=AccountKind.POCKET, holder=organizer)
    client.force_login(organizer)
    form = {
        "event": str(event_a.pk),
        "account": str(pocket.pk),
        "counted_at_0": "2026-06-12",
        "counted_at_1": "23:30:00",
        "counted_amount": "1.00",
    }

    assert "account" in form_errors(client.post(admin_url(CashCount, "add"), form))
    assert not CashCount.objects.exists()


def test_admin_list_shows_expected_counted_and_difference(client, short_count, viewer):
    client.force_login(viewer)

    content = client.get(admin_url(CashCount)).content.decode()

    assert "€120.00" in content
    assert "€117.50" in content
    assert "-€2.50" in content


def confirm_action(client, count, **extra):
    data = {"action": "confirm_counts", "index": "0", "_selected_action": [str(count.pk)], **extra}
    response = client.post(admin_url(CashCount), data)
    return response, [str(m) for m in get_messages(response.wsgi_request)]


def test_admin_confirm_asks_for_a_reason_then_books_the_difference(client, short_count, treasurer):
    client.force_login(treasurer)

    asked, _notes = confirm_action(client, short_count)
    empty, _notes = confirm_action(client, short_count, apply="1", reason="")
    done, notes = confirm_action(client, short_count, apply="1", reason="Change given twice")

    assert asked.status_code == 200
    assert "Why do the counts differ?" in asked.content.decode()
    assert empty.status_code == 200  # the form again, with its error
    assert done.status_code == 302
    assert any("1 count confirmed." in note for note in notes)
    stored = CashCount.objects.get(pk=short_count.pk)
    assert (stored.status, stored.reason) == (CountStatus.CONFIRMED, "Change given twice")
    assert adjustments().get().signed_amount == Decimal("-2.50")


def test_admin_confirm_refuses_who_counted(client, event_a, cash, treasurer):
    count = record_count(cash, treasurer, Decimal("120.00"), evening(event_a))
    client.force_login(treasurer)

    _response, notes = confirm_action(client, count)

    assert any("Refused" in note for note in notes)
    assert CashCount.objects.get(pk=count.pk).status == CountStatus.PENDING


def test_admin_dismiss_and_read_only_afterwards(client, short_count, treasurer):
    client.force_login(treasurer)

    client.post(
        admin_url(CashCount), {"action": "dismiss_counts", "index": "0", "_selected_action": [str(short_count.pk)]}
    )
    change = client.post(admin_url(short_count, "change"), {"reason": "Edited"})

    assert CashCount.objects.get(pk=short_count.pk).status == CountStatus.DISMISSED
    assert change.status_code == 403


def test_admin_another_events_count_is_not_found(client, event_b, outsider, short_count):
    client.force_login(outsider)

    assert_not_found(client.get(admin_url(short_count, "change")))
    confirm_action(client, short_count, apply="1", reason="x")
    assert CashCount.objects.get(pk=short_count.pk).status == CountStatus.PENDING
