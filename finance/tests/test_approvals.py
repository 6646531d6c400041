"""The expense workflow: who may submit, approve, reject, pay and reverse; four eyes; budgets;
locked entries in the model, the API and the admin; racing approvals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.formats import date_format

from finance import rules as steps
from finance.admin.approvals import STEP_PERMISSIONS
from finance.factories import AccountFactory, BudgetLineFactory, CategoryFactory, TransactionFactory
from finance.models import Approval, BudgetLine, Kind, Status, Transaction
from finance.models.ledger import LockedEntryError
from finance.services import approvals
from finance.services.balances import balance_of, event_result
from finance.tests.races import race
from organizers.factories import MembershipFactory, OrganizerFactory
from organizers.tests.admin_support import admin_url

pytestmark = pytest.mark.django_db

TRANSACTIONS = "/api/transactions/"


def detail(transaction, action: str = "") -> str:
    return f"{TRANSACTIONS}{transaction.pk}/{action + '/' if action else ''}"


def stored(transaction) -> Transaction:
    return Transaction.objects.get(pk=transaction.pk)


@pytest.fixture
def crew(event_a):
    """An organizer of event A who records the expenses (so that the personas may approve them)."""
    return MembershipFactory(
        event=event_a, organizer=OrganizerFactory(username="carla_crew"), role="organizer"
    ).organizer


@pytest.fixture
def sound(event_a):
    return CategoryFactory(event=event_a, name="Sound")


@pytest.fixture
def line_owner(event_a, sound):
    """An organizer who owns the expense budget line of "Sound": they approve its expenses."""
    user = MembershipFactory(
        event=event_a, organizer=OrganizerFactory(username="lena_line"), role="organizer"
    ).organizer
    BudgetLineFactory(event=event_a, category=sound, planned=Decimal("1000.00"), owner=user)
    return user


def expense(event, creator, amount: str = "50.00", **fields) -> Transaction:
    fields.setdefault("status", Status.DRAFT)
    return TransactionFactory.create(
        event=event, kind=Kind.PURCHASE, created_by=creator, amount=Decimal(amount), **fields
    )


@pytest.fixture
def draft(event_a, crew, sound, line_owner):
    return expense(event_a, crew, category=sound, description="Speakers")


@pytest.fixture
def submitted(draft, crew):
    return approvals.submit(draft, crew)


# --- Who may do what ------------------------------------------------------------------------------

PERSONAS = ["viewer", "organizer", "treasurer", "owner", "outsider", "superuser", "line_owner"]
ALLOWED = {
    "submit": {"organizer", "treasurer", "owner", "superuser", "line_owner"},
    "approve": {"treasurer", "owner", "superuser", "line_owner"},
    "reject": {"treasurer", "owner", "superuser", "line_owner"},
    "pay": {"treasurer", "owner", "superuser"},
    "reverse": {"treasurer", "owner", "superuser"},
}
BEFORE = {"submit": Status.DRAFT, "approve": Status.SUBMITTED, "reject": Status.SUBMITTED}
BEFORE |= {"pay": Status.APPROVED, "reverse": Status.PAID}
AFTER = {"submit": Status.SUBMITTED, "approve": Status.APPROVED, "reject": Status.REJECTED, "pay": Status.PAID}


def bring_to(status: str, tx: Transaction, crew, owner) -> Transaction:
    if status == Status.DRAFT:
        return tx
    approvals.submit(tx, crew)
    if status == Status.SUBMITTED:
        return tx
    approvals.approve(tx, owner)
    if status == Status.APPROVED:
        return tx
    return approvals.mark_paid(tx, owner)


def take(step: str, tx: Transaction, user):
    if step == "approve":
        return approvals.approve(tx, user)
    if step in {"reject", "reverse"}:
        return getattr(approvals, step)(tx, user, "Wrong supplier")
    return {"submit": approvals.submit, "pay": approvals.mark_paid}[step](tx, user)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("step", list(ALLOWED))
def test_each_role_may_take_the_steps_its_role_allows(request, draft, crew, owner, step, persona):
    user = request.getfixturevalue(persona)
    tx = bring_to(BEFORE[step], draft, crew, owner)

    if persona in ALLOWED[step]:
        result = take(step, tx, user)
        if step == "reverse":
            assert (result.reversal_of_id, result.status) == (tx.pk, Status.PAID)
        else:
            assert stored(tx).status == AFTER[step]
    else:
        with pytest.raises(PermissionDenied):
            take(step, tx, user)
        assert stored(tx).status == BEFORE[step]
        assert not Transaction.objects.filter(reversal_of=tx).exists()


def test_the_creator_may_submit_their_expense_even_as_a_viewer(event_a, viewer):
    # E.g. demoted after recording it: their own expense is still theirs to submit.
    tx = expense(event_a, viewer)

    approvals.submit(tx, viewer)

    assert (stored(tx).status, stored(tx).submitted_by) == (Status.SUBMITTED, viewer)


def test_submit_records_who_and_when(submitted, crew):
    tx = stored(submitted)

    assert (tx.status, tx.submitted_by, tx.approval_count) == (Status.SUBMITTED, crew, 0)
    assert tx.submitted_at is not None


@pytest.mark.parametrize("persona", ["treasurer", "owner"])
def test_nobody_approves_an_expense_they_created_or_submitted(request, event_a, treasurer, owner, persona):
    # Created by the treasurer and submitted by the owner: neither of them may approve it.
    tx = expense(event_a, treasurer)
    approvals.submit(tx, owner)

    with pytest.raises(PermissionDenied, match="you created or submitted"):
        approvals.approve(tx, request.getfixturevalue(persona))

    assert (stored(tx).status, Approval.objects.count()) == (Status.SUBMITTED, 0)


def test_a_line_owner_does_not_approve_their_own_expense(event_a, sound, line_owner):
    tx = approvals.submit(expense(event_a, line_owner, category=sound), line_owner)

    with pytest.raises(PermissionDenied):
        approvals.approve(tx, line_owner)


def test_a_line_owner_approves_only_their_lines_category(event_a, crew, line_owner):
    other = CategoryFactory(event=event_a, name="Catering")
    tx = approvals.submit(expense(event_a, crew, category=other), crew)

    with pytest.raises(PermissionDenied, match="budget line"):
        approvals.approve(tx, line_owner)


def test_a_line_owner_approves_expenses_of_their_line(submitted, line_owner):
    approvals.approve(submitted, line_owner)

    assert stored(submitted).status == Status.APPROVED
    assert list(Approval.objects.values_list("approver", flat=True)) == [line_owner.pk]


# --- States ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "step"),
    [
        (Status.SUBMITTED, "submit"),
        (Status.APPROVED, "submit"),
        (Status.DRAFT, "approve"),
        (Status.APPROVED, "approve"),
        (Status.DRAFT, "reject"),
        (Status.PAID, "reject"),
        (Status.DRAFT, "pay"),
        (Status.SUBMITTED, "pay"),
        (Status.PAID, "pay"),
        (Status.DRAFT, "reverse"),
        (Status.SUBMITTED, "reverse"),
    ],
)
def test_a_step_from_the_wrong_state_is_refused_and_changes_nothing(draft, crew, owner, treasurer, status, step):
    tx = bring_to(status, draft, crew, owner)

    with pytest.raises(ValidationError):
        take(step, tx, treasurer)

    assert stored(tx).status == status
    assert Transaction.objects.count() == 1


@pytest.mark.parametrize("step", ["submit", "approve", "reject", "pay"])
def test_income_does_not_go_through_approval(event_a, treasurer, step):
    income = TransactionFactory(event=event_a, kind=Kind.SALE)

    with pytest.raises(ValidationError):
        take(step, income, treasurer)

    assert stored(income).status == Status.PAID


@pytest.mark.parametrize("reason", ["", "   "])
def test_reject_needs_a_reason(submitted, treasurer, reason):
    with pytest.raises(ValidationError) as caught:
        approvals.reject(submitted, treasurer, reason)

    assert "reason" in caught.value.message_dict
    assert stored(submitted).status == Status.SUBMITTED


def test_reject_records_who_when_and_why(submitted, treasurer):
    approvals.reject(submitted, treasurer, "  Get a second quote  ")

    tx = stored(submitted)
    assert (tx.status, tx.rejected_by, tx.rejection_reason) == (Status.REJECTED, treasurer, "Get a second quote")
    assert tx.rejected_at is not None


def test_a_rejected_expense_is_corrected_by_its_creator_and_submitted_again(api, event_a, crew, treasurer, owner):
    settings_threshold(event_a, "10.00")
    tx = approvals.submit(expense(event_a, crew, "50.00"), crew)
    approvals.approve(tx, treasurer)  # first of two approvals
    approvals.reject(tx, owner, "Too expensive")

    corrected = api.as_user(crew).patch(detail(tx), {"amount": "40.00"}, format="json")
    approvals.submit(stored(tx), crew)

    assert corrected.status_code == 200
    tx = stored(tx)
    # A new round: the earlier approval and the rejection were of the uncorrected entry.
    assert (tx.status, tx.amount, tx.approval_count, tx.rejection_reason) == (
        Status.SUBMITTED,
        Decimal("40.00"),
        0,
        "",
    )
    assert not Approval.objects.exists()
    approvals.approve(tx, treasurer)  # the same treasurer may approve the corrected entry
    assert Approval.objects.count() == 1


def test_mark_paid_books_the_expense(event_a, submitted, treasurer, owner):
    approvals.approve(submitted, treasurer)
    result_before = event_result(event_a)

    approvals.mark_paid(submitted, owner)

    tx = stored(submitted)
    assert (tx.status, tx.paid_by) == (Status.PAID, owner)
    assert tx.paid_at is not None
    assert event_result(event_a) == result_before - Decimal("50.00")
    assert balance_of(tx.account) == Decimal("-50.00")


def test_an_approved_expense_does_not_count_in_balances_yet(event_a, submitted, treasurer):
    approvals.approve(submitted, treasurer)

    assert event_result(event_a) == Decimal("0.00")
    assert balance_of(stored(submitted).account) == Decimal("0.00")


# --- Four eyes ----------------------------------------------------------------------------------


def settings_threshold(event, amount: str | None) -> None:
    event.four_eyes_threshold = Decimal(amount) if amount is not None else None
    event.save()


def test_above_the_threshold_two_different_approvers_are_needed(event_a, crew, treasurer, owner):
    settings_threshold(event_a, "100.00")
    tx = approvals.submit(expense(event_a, crew, "150.00"), crew)

    approvals.approve(tx, treasurer)
    first = stored(tx)
    with pytest.raises(ValidationError, match="already approved"):
        approvals.approve(tx, treasurer)
    after_repeat = stored(tx)
    approvals.approve(tx, owner)

    assert (first.status, first.approval_count, first.approved_at) == (Status.SUBMITTED, 1, None)
    assert (after_repeat.status, after_repeat.approval_count) == (Status.SUBMITTED, 1)
    final = stored(tx)
    assert (final.status, final.approval_count) == (Status.APPROVED, 2)
    assert final.approved_at is not None
    assert sorted(Approval.objects.values_list("approver__username", flat=True)) == [
        "olivia_owner",
        "tomas_treasurer",
    ]
    # each approval, and its history, belongs to the expense's event
    assert set(Approval.objects.values_list("event_id", flat=True)) == {event_a.pk}
    assert set(Approval.history.values_list("event_id", flat=True)) == {event_a.pk}


@pytest.mark.parametrize(("amount", "needed"), [("100.00", 1), ("100.01", 2), ("5.00", 1)])
def test_the_threshold_itself_needs_one_approver(event_a, crew, treasurer, amount, needed):
    settings_threshold(event_a, "100.00")
    tx = approvals.submit(expense(event_a, crew, amount), crew)

    approvals.approve(tx, treasurer)

    assert stored(tx).status == (Status.APPROVED if needed == 1 else Status.SUBMITTED)


def test_without_a_threshold_one_approver_is_enough(event_a, crew, treasurer):
    tx = approvals.submit(expense(event_a, crew, "99999.00"), crew)

    approvals.approve(tx, treasurer)

    assert stored(tx).status == Status.APPROVED


def test_the_threshold_compares_the_base_currency_amount(event_a, crew, treasurer):
    settings_threshold(event_a, "100.00")
    # 90 USD at 1.2 EUR per USD = 108 EUR: above the threshold.
    tx = approvals.submit(expense(event_a, crew, "90.00", currency="USD", exchange_rate=Decimal("1.2")), crew)

    approvals.approve(tx, treasurer)

    assert (stored(tx).base_amount, stored(tx).status) == (Decimal("108.00"), Status.SUBMITTED)


# --- Budget -------------------------------------------------------------------------------------


@pytest.fixture
def tight_budget(event_a, crew, sound, line_owner):
    """Sound: 100.00 planned, 60.00 already paid; a submitted expense of 50.00 would overrun it."""
    assert BudgetLine.objects.filter(event=event_a, category=sound).update(planned=Decimal("100.00")) == 1
    TransactionFactory(event=event_a, category=sound, amount=Decimal("60.00"))  # paid
    return approvals.submit(expense(event_a, crew, "50.00", category=sound), crew)


def test_an_approval_beyond_the_budget_is_refused_with_the_figures(tight_budget, treasurer):
    with pytest.raises(ValidationError) as caught:
        approvals.approve(tight_budget, treasurer)

    message = " ".join(caught.value.messages)
    assert "Sound" in message and "€100.00" in message and "€60.00" in message and "€50.00" in message
    assert (stored(tight_budget).status, Approval.objects.count()) == (Status.SUBMITTED, 0)


def test_a_treasurer_cannot_override_the_budget(tight_budget, treasurer):
    with pytest.raises(PermissionDenied, match="owner"):
        approvals.approve(tight_budget, treasurer, override_reason="The band needs it")

    tx = stored(tight_budget)
    assert (tx.status, tx.budget_override_by, Approval.objects.count()) == (Status.SUBMITTED, None, 0)


def test_an_owner_overrides_the_budget_only_with_a_reason(tight_budget, owner):
    with pytest.raises(ValidationError) as caught:
        approvals.approve(tight_budget, owner)
    assert "override_reason" in caught.value.message_dict

    approvals.approve(tight_budget, owner, override_reason="  Second stage added  ")

    tx = stored(tight_budget)
    assert (tx.status, tx.budget_override_by, tx.budget_override_reason) == (
        Status.APPROVED,
        owner,
        "Second stage added",
    )


def test_the_override_is_kept_through_payment(tight_budget, owner, treasurer):
    approvals.approve(tight_budget, owner, override_reason="Second stage added")
    approvals.mark_paid(tight_budget, treasurer)

    assert stored(tight_budget).budget_override_reason == "Second stage added"


def test_a_line_owner_is_held_to_the_budget_too(tight_budget, line_owner):
    with pytest.raises(ValidationError):
        approvals.approve(tight_budget, line_owner)


def test_approved_expenses_count_against_the_budget_and_the_exact_plan_fits(
    event_a, crew, sound, line_owner, treasurer
):
    assert BudgetLine.objects.filter(event=event_a, category=sound).update(planned=Decimal("100.00")) == 1
    first = approvals.submit(expense(event_a, crew, "70.00", category=sound), crew)
    approvals.approve(first, treasurer)  # approved, not paid: committed
    fits = approvals.submit(expense(event_a, crew, "30.00", category=sound), crew)
    over = approvals.submit(expense(event_a, crew, "0.01", category=sound), crew)

    approvals.approve(fits, treasurer)
    with pytest.raises(ValidationError):
        approvals.approve(over, treasurer)

    assert (stored(fits).status, stored(over).status) == (Status.APPROVED, Status.SUBMITTED)


def test_other_categories_income_and_reversed_expenses_do_not_use_the_budget(
    event_a, crew, sound, line_owner, treasurer
):
    assert BudgetLine.objects.filter(event=event_a, category=sound).update(planned=Decimal("100.00")) == 1
    TransactionFactory(event=event_a, category=CategoryFactory(event=event_a), amount=Decimal("500.00"))
    TransactionFactory(event=event_a, category=sound, kind=Kind.SALE, amount=Decimal("500.00"))
    paid = TransactionFactory(event=event_a, category=sound, amount=Decimal("90.00"))
    approvals.reverse(paid, treasurer, "Returned the speakers")
    tx = approvals.submit(expense(event_a, crew, "100.00", category=sound), crew)

    approvals.approve(tx, treasurer)

    assert stored(tx).status == Status.APPROVED


def test_without_a_budget_line_nothing_is_checked(event_a, crew, treasurer):
    tx = approvals.submit(expense(event_a, crew, "99999.00", category=CategoryFactory(event=event_a)), crew)

    approvals.approve(tx, treasurer)

    assert stored(tx).status == Status.APPROVED


# --- Reversals ------------------------------------------------------------------------------------


def test_a_reversal_cancels_a_paid_expense_and_leaves_the_original_as_it_was(event_a, submitted, treasurer, owner):
    approvals.approve(submitted, treasurer)
    approvals.mark_paid(submitted, treasurer)
    original = stored(submitted)
    result_paid = event_result(event_a)

    reversal = approvals.reverse(original, owner, "Double booking")

    reversal = stored(reversal)
    assert result_paid == Decimal("-50.00")
    assert event_result(event_a) == Decimal("0.00")
    assert balance_of(original.account) == Decimal("0.00")
    assert (reversal.kind, reversal.account_id, reversal.category_id, reversal.currency, reversal.status) == (
        original.kind,
        original.account_id,
        original.category_id,
        original.currency,
        Status.PAID,
    )
    assert (reversal.amount, reversal.base_amount, reversal.signed_amount) == (
        Decimal("-50.00"),
        Decimal("-50.00"),
        Decimal("50.00"),
    )
    assert reversal.description == "Reversal of Speakers: Double booking"
    assert (reversal.reversal_of, reversal.created_by, reversal.paid_by) == (original, owner, owner)
    after = stored(original)
    assert [getattr(after, f.attname) for f in Transaction._meta.concrete_fields if f.name != "updated_at"] == [
        getattr(original, f.attname) for f in Transaction._meta.concrete_fields if f.name != "updated_at"
    ]


def test_an_approved_expense_is_reversed_as_approved_and_can_no_longer_be_paid(event_a, submitted, treasurer):
    approvals.approve(submitted, treasurer)

    reversal = approvals.reverse(submitted, treasurer, "Order cancelled")

    assert reversal.status == Status.APPROVED
    with pytest.raises(ValidationError, match="reversed"):
        approvals.mark_paid(submitted, treasurer)
    with pytest.raises(ValidationError, match="reversal"):
        approvals.mark_paid(reversal, treasurer)
    assert event_result(event_a) == Decimal("0.00")


def test_income_is_corrected_by_a_reversal(event_a, treasurer):
    income = TransactionFactory(event=event_a, kind=Kind.SPONSORSHIP, amount=Decimal("1000.00"))

    reversal = approvals.reverse(income, treasurer, "Sponsor paid the wrong event")

    assert (reversal.kind, reversal.status, reversal.amount) == (Kind.SPONSORSHIP, Status.PAID, Decimal("-1000.00"))
    assert event_result(event_a) == Decimal("0.00")


def test_a_foreign_currency_entry_is_reversed_at_its_own_rate(event_a, treasurer):
    foreign = TransactionFactory(
        event=event_a, kind=Kind.SALE, amount=Decimal("33.33"), currency="USD", exchange_rate=Decimal("0.91234")
    )

    reversal = approvals.reverse(foreign, treasurer, "Refunded")

    assert (reversal.currency, reversal.exchange_rate) == ("USD", Decimal("0.91234"))
    assert reversal.base_amount == -stored(foreign).base_amount
    assert event_result(event_a) == Decimal("0.00")


def test_an_entry_is_reversed_once_and_a_reversal_is_not_reversed(event_a, treasurer):
    paid = TransactionFactory(event=event_a)
    reversal = approvals.reverse(paid, treasurer, "Wrong")

    with pytest.raises(ValidationError, match="already reversed"):
        approvals.reverse(stored(paid), treasurer, "Again")
    with pytest.raises(ValidationError, match="cannot itself be reversed"):
        approvals.reverse(reversal, treasurer, "Undo")

    assert Transaction.objects.count() == 2


def test_a_reversal_needs_a_reason(event_a, treasurer):
    paid = TransactionFactory(event=event_a)

    with pytest.raises(ValidationError) as caught:
        approvals.reverse(paid, treasurer, " ")

    assert "reason" in caught.value.message_dict
    assert Transaction.objects.count() == 1


def test_a_second_reversal_racing_the_first_is_stopped_by_the_database(event_a, treasurer, monkeypatch):
    paid = TransactionFactory(event=event_a)
    approvals.reverse(stored(paid), treasurer, "First")
    # As if the second one had read before the first was stored: the one-to-one refuses it.
    monkeypatch.setattr(Transaction.objects, "filter", _hide_reversals(Transaction.objects.filter))

    with pytest.raises(ValidationError, match="already reversed"):
        approvals.reverse(stored(paid), treasurer, "Second")

    monkeypatch.undo()
    assert Transaction.objects.filter(reversal_of=paid).count() == 1


def _hide_reversals(real_filter):
    def filter_(*args, **kwargs):
        if "reversal_of_id" in kwargs:
            return real_filter(pk__in=[])
        return real_filter(*args, **kwargs)

    return filter_


# --- Racing approvals -----------------------------------------------------------------------------


def test_two_approvals_of_a_stale_copy_one_succeeds(submitted, treasurer, owner):
    first, second = stored(submitted), stored(submitted)

    approvals.approve(first, treasurer)
    with pytest.raises(ValidationError, match="changed meanwhile"):
        approvals.approve(second, owner)

    assert stored(submitted).status == Status.APPROVED
    assert list(Approval.objects.values_list("approver", flat=True)) == [treasurer.pk]


def test_paying_a_stale_copy_twice_books_once(submitted, treasurer, owner):
    approvals.approve(submitted, treasurer)
    first, second = stored(submitted), stored(submitted)

    approvals.mark_paid(first, treasurer)
    with pytest.raises(ValidationError):
        approvals.mark_paid(second, owner)

    assert stored(submitted).paid_by == treasurer


def test_the_same_approver_twice_through_stale_copies_counts_once(event_a, crew, treasurer):
    settings_threshold(event_a, "10.00")
    tx = approvals.submit(expense(event_a, crew), crew)
    first, second = stored(tx), stored(tx)

    approvals.approve(first, treasurer)
    with pytest.raises(ValidationError):
        approvals.approve(second, treasurer)

    assert (stored(tx).approval_count, Approval.objects.count()) == (1, 1)


def test_the_compare_and_swap_refuses_a_status_that_moved_after_the_read(submitted, treasurer, owner, monkeypatch):
    # The moment between reading the entry and writing the new status: another approval lands
    # there. The read saw "submitted" (as it would inside a racing transaction); the swap finds
    # "approved" and nothing is written.
    stale = Transaction.objects.select_related("event").get(pk=submitted.pk)
    approvals.approve(stored(submitted), treasurer)
    monkeypatch.setattr(approvals, "_fresh", lambda tx: stale)

    with pytest.raises(ValidationError, match="changed meanwhile"):
        approvals.approve(stale, owner)

    monkeypatch.undo()
    assert (stored(submitted).approval_count, Approval.objects.count()) == (1, 1)


def test_the_approver_is_stored_once_even_if_the_check_is_passed(submitted, treasurer, monkeypatch):
    # Two requests of the same approver at once both pass the "already approved?" check: the
    # unique constraint (transaction, approver) stops the second one, whole.
    settings_threshold(submitted.event, "10.00")
    approvals.approve(stored(submitted), treasurer)
    real_filter = Approval.objects.filter
    monkeypatch.setattr(
        Approval.objects,
        "filter",
        lambda *a, **k: real_filter(pk__in=[]) if "approver_id" in k else real_filter(*a, **k),
    )

    with pytest.raises(ValidationError, match="already approved"):
        approvals.approve(stored(submitted), treasurer)

    monkeypatch.undo()
    assert (stored(submitted).approval_count, Approval.objects.count()) == (1, 1)


@pytest.mark.django_db(transaction=True)
def test_two_threads_approving_at_once_one_succeeds(event_a, crew, treasurer, owner):
    tx = approvals.submit(expense(event_a, crew), crew)

    outcomes = race(
        [treasurer, owner],
        read=lambda: Transaction.objects.select_related("event").get(pk=tx.pk),
        act=approvals.approve,
    )

    assert outcomes == ["done", "refused"]
    assert (stored(tx).status, Approval.objects.count()) == (Status.APPROVED, 1)


# --- Locked entries: the model ------------------------------------------------------------------


@pytest.mark.parametrize("status", [Status.APPROVED, Status.PAID])
def test_a_locked_entry_refuses_a_change_or_deletion_even_from_the_shell(event_a, status):
    tx = TransactionFactory(event=event_a, status=status, amount=Decimal("10.00"))

    tx.amount = Decimal("1.00")
    with pytest.raises(LockedEntryError):
        tx.save()
    with pytest.raises(LockedEntryError):
        stored(tx).delete()

    assert stored(tx).amount == Decimal("10.00")


def test_the_status_is_not_changed_by_a_plain_save(event_a):
    tx = TransactionFactory(event=event_a, status=Status.DRAFT)

    tx.status = Status.PAID
    with pytest.raises(LockedEntryError):
        tx.save()

    assert stored(tx).status == Status.DRAFT


def test_a_copy_read_before_an_approval_does_not_overwrite_it(submitted, treasurer):
    copy = stored(submitted)
    approvals.approve(stored(submitted), treasurer)

    copy.description = "Edited meanwhile"
    with pytest.raises(LockedEntryError):
        copy.save()

    assert (stored(submitted).status, stored(submitted).description) == (Status.APPROVED, "Speakers")


def test_unlocked_entries_save_and_delete_as_usual(draft, submitted):
    submitted.description = "Speakers and stands"
    submitted.save()

    assert stored(submitted).description == "Speakers and stands"
    stored(submitted).delete()
    assert not Transaction.objects.exists()


# --- Locked entries and the rules in the API ------------------------------------------------------


@pytest.mark.parametrize("persona", ["treasurer", "owner", "superuser"])
@pytest.mark.parametrize("status", [Status.APPROVED, Status.PAID])
def test_api_answers_409_to_changing_or_deleting_a_locked_entry(request, api, event_a, persona, status):
    tx = TransactionFactory(event=event_a, status=status, amount=Decimal("10.00"))
    api.as_user(request.getfixturevalue(persona))

    patch = api.patch(detail(tx), {"amount": "1.00"}, format="json")
    delete = api.delete(detail(tx))

    assert (patch.status_code, delete.status_code) == (409, 409)
    assert "reversal" in patch.json()["detail"]
    assert stored(tx).amount == Decimal("10.00")


@pytest.mark.parametrize("persona", ["viewer", "organizer"])
def test_api_answers_403_to_roles_that_could_not_change_it_anyway(request, api, event_a, persona):
    tx = TransactionFactory(event=event_a, amount=Decimal("10.00"))

    response = api.as_user(request.getfixturevalue(persona)).patch(detail(tx), {"amount": "1.00"}, format="json")

    assert response.status_code == 403
    assert stored(tx).amount == Decimal("10.00")


def test_income_is_paid_on_creation_and_locked_at_once(api, event_a, treasurer):
    created = api.as_user(treasurer).post(
        TRANSACTIONS,
        {"event": str(event_a.pk), "kind": "sale", "amount": "20.00", "date": "2026-06-12", "description": "Bar"},
        format="json",
    )

    assert (created.status_code, created.json()["status"]) == (201, "paid")
    assert api.patch(f"{TRANSACTIONS}{created.json()['id']}/", {"amount": "2.00"}, format="json").status_code == 409


@pytest.mark.parametrize(
    ("status", "own", "expected"),
    [
        (Status.DRAFT, True, 200),
        (Status.REJECTED, True, 200),
        (Status.SUBMITTED, True, 403),  # under review: the treasurer may still correct it
        (Status.DRAFT, False, 403),
    ],
)
def test_an_organizer_changes_and_deletes_only_their_own_draft_or_rejected_expenses(
    api, event_a, organizer, crew, status, own, expected
):
    tx = expense(event_a, organizer if own else crew, status=status)
    api.as_user(organizer)

    patch = api.patch(detail(tx), {"description": "Renamed"}, format="json")
    delete = api.delete(detail(tx))

    assert (patch.status_code, delete.status_code) == (expected, 204 if expected == 200 else 403)
    assert Transaction.objects.filter(pk=tx.pk).exists() is (expected != 200)


def test_a_treasurer_corrects_a_submitted_expense_which_goes_back_to_draft(api, submitted, treasurer):
    response = api.as_user(treasurer).patch(detail(submitted), {"amount": "45.00"}, format="json")

    assert response.status_code == 200
    # a new amount is not what was submitted: it is submitted again (test_entry_changes.py)
    assert (stored(submitted).amount, stored(submitted).status) == (Decimal("45.00"), Status.DRAFT)


@pytest.mark.parametrize("kind", ["purchase", "investment"])
def test_new_expenses_are_drafts_and_the_status_cannot_be_written(api, event_a, organizer, kind):
    body = {"event": str(event_a.pk), "kind": kind, "amount": "20.00", "date": "2026-06-12", "description": "Rope"}
    api.as_user(organizer)

    created = api.post(TRANSACTIONS, body, format="json")
    forged = api.post(TRANSACTIONS, {**body, "status": "paid"}, format="json")
    same = api.patch(detail(stored_of(created)), {"status": "draft", "description": "Rope, 20 m"}, format="json")
    moved = api.patch(detail(stored_of(created)), {"status": "approved"}, format="json")

    assert (created.status_code, created.json()["status"]) == (201, "draft")
    assert (forged.status_code, list(forged.json())) == (400, ["status"])
    assert same.status_code == 200  # a PUT/PATCH that repeats the current status is fine
    assert moved.status_code == 400
    assert list(Transaction.objects.values_list("status", flat=True)) == ["draft"]


def stored_of(response) -> Transaction:
    return Transaction.objects.get(pk=response.json()["id"])


def test_an_expense_may_be_submitted_on_creation(api, event_a, organizer):
    body = {
        "event": str(event_a.pk),
        "kind": "purchase",
        "amount": "20.00",
        "date": "2026-06-12",
        "description": "Rope",
    }

    response = api.as_user(organizer).post(TRANSACTIONS, {**body, "submit": True}, format="json")

    assert (response.status_code, response.json()["status"]) == (201, "submitted")
    assert stored_of(response).submitted_by == organizer


# --- The workflow endpoints -----------------------------------------------------------------------


def test_the_workflow_through_the_api(api, event_a, crew, treasurer, owner):
    tx = expense(event_a, crew)

    submit = api.as_user(crew).post(detail(tx, "submit"))
    approve = api.as_user(treasurer).post(detail(tx, "approve"), {}, format="json")
    pay = api.as_user(owner).post(detail(tx, "pay"))
    reverse = api.as_user(owner).post(detail(tx, "reverse"), {"reason": "Duplicate"}, format="json")

    assert [r.status_code for r in (submit, approve, pay, reverse)] == [200, 200, 200, 201]
    assert [r.json()["status"] for r in (submit, approve, pay)] == ["submitted", "approved", "paid"]
    assert (approve.json()["approval_count"], pay.json()["paid_by"]) == (1, str(owner.pk))
    assert (reverse.json()["reversal_of"], reverse.json()["amount"]) == (str(tx.pk), "-50.00")
    assert reverse.json()["description"] == "Reversal of " + tx.description + ": Duplicate"


def test_api_reject_needs_a_reason_named_on_its_field(api, submitted, treasurer):
    missing = api.as_user(treasurer).post(detail(submitted, "reject"), {}, format="json")
    given = api.post(detail(submitted, "reject"), {"reason": "No invoice"}, format="json")

    assert (missing.status_code, list(missing.json())) == (400, ["reason"])
    assert (given.status_code, given.json()["rejection_reason"]) == (200, "No invoice")


def test_api_refusals_say_why(api, event_a, submitted, organizer, tight_budget, treasurer):
    mine = approvals.submit(expense(event_a, treasurer), treasurer)
    own = api.as_user(treasurer).post(detail(mine, "approve"), {}, format="json")
    role = api.as_user(organizer).post(detail(submitted, "pay"))
    state = api.as_user(treasurer).post(detail(submitted, "pay"))
    budget = api.post(detail(tight_budget, "approve"), {}, format="json")
    override = api.post(detail(tight_budget, "approve"), {"override_reason": "Needed"}, format="json")

    assert (own.status_code, role.status_code, state.status_code) == (403, 403, 400)
    assert "created or submitted" in own.json()["detail"]
    assert "role" in role.json()["detail"]
    assert "approved" in state.json()["non_field_errors"][0]
    assert (budget.status_code, override.status_code) == (400, 403)
    assert "Sound" in budget.json()["non_field_errors"][0]
    assert stored(tight_budget).status == Status.SUBMITTED


def test_api_owner_approves_beyond_the_budget_with_a_reason(api, tight_budget, owner):
    refused = api.as_user(owner).post(detail(tight_budget, "approve"), {}, format="json")
    approved = api.post(detail(tight_budget, "approve"), {"override_reason": "Second stage"}, format="json")

    assert (refused.status_code, list(refused.json())) == (400, ["override_reason"])
    assert approved.status_code == 200
    assert (approved.json()["budget_override_by"], approved.json()["budget_override_reason"]) == (
        str(owner.pk),
        "Second stage",
    )


@pytest.mark.parametrize("action", ["submit", "approve", "reject", "pay", "reverse"])
def test_api_workflow_on_another_events_entry_is_not_found(api, event_b, outsider, owner, action):
    theirs = TransactionFactory(event=event_b, status=Status.DRAFT, created_by=outsider)

    response = api.as_user(owner).post(detail(theirs, action), {"reason": "x"}, format="json")

    assert response.status_code == 404
    assert stored(theirs).status == Status.DRAFT


@pytest.fixture
def mixed_ledger(event_a, crew, treasurer, organizer):
    cash = AccountFactory(event=event_a, name="Cash box", kind="cash")
    rows = {
        "draft": expense(event_a, crew, description="Draft one"),
        "mine": approvals.submit(expense(event_a, crew, description="Mine to approve"), crew),
        "own": approvals.submit(expense(event_a, treasurer, description="Treasurer's own"), treasurer),
        "cash": approvals.submit(expense(event_a, crew, description="Paid from cash", account=cash), crew),
        "income": TransactionFactory(event=event_a, kind=Kind.SALE, description="Tickets", account=cash),
    }
    return {"cash_account": cash, **rows}


def names(response) -> list[str]:
    return sorted(row["description"] for row in response.json()["results"])


def test_transactions_filter_by_status_and_account(api, viewer, mixed_ledger):
    api.as_user(viewer)

    submitted = api.get(TRANSACTIONS, {"status": "submitted"})
    drafts_and_paid = api.get(TRANSACTIONS, {"status": ["draft", "paid"]})
    cash = api.get(TRANSACTIONS, {"account": str(mixed_ledger["cash_account"].pk)})

    assert names(submitted) == ["Mine to approve", "Paid from cash", "Treasurer's own"]
    assert names(drafts_and_paid) == ["Draft one", "Tickets"]
    assert names(cash) == ["Paid from cash", "Tickets"]
    assert api.get(TRANSACTIONS, {"status": "bribed"}).status_code == 400


def test_needs_my_approval_lists_what_the_user_may_approve_and_has_not(api, event_a, mixed_ledger, treasurer, owner):
    settings_threshold(event_a, "10.00")
    approvals.approve(mixed_ledger["cash"], owner)  # first of two

    mine = api.as_user(treasurer).get(TRANSACTIONS, {"needs_my_approval": "true"})
    owners = api.as_user(owner).get(TRANSACTIONS, {"needs_my_approval": "true"})

    # Not their own expense; the owner already approved "Paid from cash".
    assert names(mine) == ["Mine to approve", "Paid from cash"]
    assert names(owners) == ["Mine to approve", "Treasurer's own"]


def test_needs_my_approval_of_a_line_owner_and_an_organizer(api, event_a, crew, sound, line_owner, organizer):
    on_line = approvals.submit(expense(event_a, crew, category=sound, description="On the line"), crew)
    approvals.submit(expense(event_a, crew, description="Elsewhere"), crew)

    lines = api.as_user(line_owner).get(TRANSACTIONS, {"needs_my_approval": "true"})
    nothing = api.as_user(organizer).get(TRANSACTIONS, {"needs_my_approval": "true"})

    assert names(lines) == [on_line.description]
    assert names(nothing) == []


# --- The admin ------------------------------------------------------------------------------------


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def admin_form(tx: Transaction, **changes) -> dict:
    data = {
        "kind": tx.kind,
        "amount": str(tx.amount),
        "currency": tx.currency,
        "exchange_rate": str(tx.exchange_rate),
        "date": tx.date.isoformat(),
        "description": tx.description,
        "category": str(tx.category_id or ""),
        "counterparty": tx.counterparty,
        "receipts-TOTAL_FORM_COUNT": "0",
        "receipts-INITIAL_FORM_COUNT": "0",
    }
    return {**data, **changes}


@pytest.mark.parametrize("status", [Status.APPROVED, Status.PAID])
def test_admin_shows_a_locked_entry_read_only_and_refuses_changes_with_a_message(client, event_a, treasurer, status):
    tx = TransactionFactory(event=event_a, status=status, amount=Decimal("10.00"))
    client.force_login(treasurer)

    page = client.get(admin_url(tx, "change"))
    response = client.post(admin_url(tx, "change"), admin_form(tx, amount="1.00"))

    assert page.status_code == 200
    assert "Correct it with a reversal" in page.content.decode()
    assert 'name="amount"' not in page.content.decode()  # read-only, every field
    assert response.status_code == 302
    assert any("locked" in message for message in messages_of(response))
    assert stored(tx).amount == Decimal("10.00")


@pytest.mark.parametrize("persona", ["treasurer", "superuser"])
def test_admin_refuses_to_delete_a_locked_entry_with_a_message(request, client, event_a, persona):
    tx = TransactionFactory(event=event_a)
    client.force_login(request.getfixturevalue(persona))

    page = client.get(admin_url(tx, "delete"))
    post = client.post(admin_url(tx, "delete"), {"post": "yes"})
    bulk = client.post(
        admin_url(Transaction),
        {"action": "delete_selected", "index": "0", "_selected_action": [str(tx.pk)], "post": "yes"},
    )

    assert (page.status_code, post.status_code, bulk.status_code) == (302, 302, 302)
    assert any("reversal" in message for message in messages_of(post))
    assert any("Nothing was deleted" in message for message in messages_of(bulk))
    assert Transaction.objects.filter(pk=tx.pk).exists()


def test_admin_bulk_delete_with_one_locked_entry_deletes_nothing(client, event_a, treasurer):
    draft = TransactionFactory(event=event_a, status=Status.DRAFT)
    paid = TransactionFactory(event=event_a)
    client.force_login(treasurer)

    response = client.post(
        admin_url(Transaction),
        {"action": "delete_selected", "index": "0", "_selected_action": [str(draft.pk), str(paid.pk)], "post": "yes"},
    )

    assert response.status_code == 302
    assert Transaction.objects.count() == 2


def test_admin_change_of_an_entry_approved_meanwhile_is_refused_with_a_message(
    client, submitted, treasurer, owner, monkeypatch
):
    from django.contrib import admin

    client.force_login(treasurer)
    # The admin read the entry while it was submitted; the owner approved it before the save.
    stale = Transaction.objects.select_related("event").get(pk=submitted.pk)
    approvals.approve(stored(submitted), owner)
    monkeypatch.setattr(admin.site._registry[Transaction], "get_object", lambda *args, **kwargs: stale)

    response = client.post(admin_url(submitted, "change"), admin_form(stale, description="Edited"))
    monkeypatch.undo()

    assert response.status_code == 302
    assert response["Location"] == admin_url(submitted, "change")
    assert any("cannot be changed" in message for message in messages_of(response))
    assert (stored(submitted).status, stored(submitted).description) == (Status.APPROVED, "Speakers")


def test_admin_new_expense_is_a_draft(client, event_a, organizer):
    client.force_login(organizer)

    client.post(
        admin_url(Transaction, "add"),
        {"event": str(event_a.pk), "kind": "purchase", "amount": "5.00", "currency": "EUR", "date": "2026-06-12",
         "description": "Tape"},
    )  # fmt: skip

    assert Transaction.objects.get(description="Tape").status == Status.DRAFT


def bulk(client, action: str, transactions, **extra):
    data = {"action": action, "index": "0", "_selected_action": [str(tx.pk) for tx in transactions], **extra}
    return client.post(admin_url(Transaction), data)


def test_admin_bulk_approve_judges_each_entry_and_reports_each_refusal(client, event_a, mixed_ledger, treasurer):
    client.force_login(treasurer)
    chosen = [mixed_ledger["mine"], mixed_ledger["own"], mixed_ledger["draft"]]

    response = bulk(client, "approve_selected", chosen)

    shown = messages_of(response)
    assert response.status_code == 302
    assert "1 expense approved." in shown
    refusal = next(message for message in shown if "Refused" in message)
    assert "Treasurer&#x27;s own" in refusal and "created or submitted" in refusal
    assert "Draft one" in refusal and "Only a submitted expense" in refusal
    assert [stored(mixed_ledger[key]).status for key in ("mine", "own", "draft")] == [
        Status.APPROVED,
        Status.SUBMITTED,
        Status.DRAFT,
    ]
    assert list(Approval.objects.values_list("transaction", flat=True)) == [mixed_ledger["mine"].pk]


def test_admin_bulk_approve_of_four_eyes_expenses_says_a_second_approver_is_needed(
    client, event_a, mixed_ledger, treasurer
):
    settings_threshold(event_a, "10.00")
    client.force_login(treasurer)

    response = bulk(client, "approve_selected", [mixed_ledger["mine"]])

    assert any("second, different approver" in message for message in messages_of(response))
    assert stored(mixed_ledger["mine"]).status == Status.SUBMITTED


def test_admin_submit_and_pay_actions(client, event_a, crew, treasurer):
    drafts = [expense(event_a, crew, description=f"Item {n}") for n in range(2)]
    client.force_login(crew)
    submitted = bulk(client, "submit_selected", drafts)
    client.force_login(treasurer)
    bulk(client, "approve_selected", drafts)

    paid = bulk(client, "mark_paid_selected", drafts)

    assert "2 expenses submitted." in messages_of(submitted)
    assert "2 expenses marked as paid." in messages_of(paid)
    assert {stored(tx).status for tx in drafts} == {Status.PAID}


def test_admin_actions_are_offered_by_role(client, records, viewer, organizer, treasurer):
    def offered(user) -> set[str]:
        client.force_login(user)
        form = client.get(admin_url(Transaction)).context["action_form"]
        return {value for value, _label in form.fields["action"].choices if value} if form else set()

    assert "approve_selected" not in offered(viewer) and "submit_selected" not in offered(viewer)
    assert {"submit_selected"} <= offered(organizer)
    assert not {"approve_selected", "mark_paid_selected", "reverse_selected"} & offered(organizer)
    assert {"approve_selected", "reject_selected", "mark_paid_selected", "reverse_selected"} <= offered(treasurer)


def test_admin_reject_asks_for_a_reason_first(client, submitted, treasurer):
    client.force_login(treasurer)

    ask = bulk(client, "reject_selected", [submitted])
    empty = bulk(client, "reject_selected", [submitted], apply="Reject", reason="")
    done = bulk(client, "reject_selected", [submitted], apply="Reject", reason="No invoice")

    assert ask.status_code == 200 and "Speakers" in ask.content.decode()
    assert empty.status_code == 200 and empty.context["form"].errors
    assert done.status_code == 302
    assert (stored(submitted).status, stored(submitted).rejection_reason) == (Status.REJECTED, "No invoice")


def test_admin_reverse_asks_for_a_reason_and_refuses_unlocked_entries(client, event_a, treasurer):
    paid = TransactionFactory(event=event_a, description="Hotel")
    draft = TransactionFactory(event=event_a, status=Status.DRAFT, description="Taxi")
    client.force_login(treasurer)

    ask = bulk(client, "reverse_selected", [paid, draft])
    done = bulk(client, "reverse_selected", [paid, draft], apply="Reverse", reason="Cancelled")

    assert ask.status_code == 200
    shown = messages_of(done)
    assert "1 entry reversed." in shown
    assert any("Taxi" in message and "draft" in message for message in shown)
    assert Transaction.objects.filter(reversal_of=paid).count() == 1
    assert not Transaction.objects.filter(reversal_of=draft).exists()


def test_admin_change_page_shows_the_approvals_and_the_steps_of_the_user(client, event_a, crew, treasurer, owner):
    settings_threshold(event_a, "10.00")
    tx = approvals.submit(expense(event_a, crew), crew)
    approvals.approve(tx, treasurer)
    client.force_login(owner)

    page = client.get(admin_url(tx, "change")).content.decode()

    assert "tomas_treasurer" in page and "1 of 2 approvals." in page
    assert f"/admin/finance/transaction/{tx.pk}/approve/" in page
    assert f"/admin/finance/transaction/{tx.pk}/pay/" not in page


def test_admin_step_page_approves_beyond_the_budget_with_an_owners_reason(client, tight_budget, owner):
    client.force_login(owner)
    url = f"/admin/finance/transaction/{tight_budget.pk}/approve/"

    page = client.get(url)
    refused = client.post(url, {"apply": "Approve"})
    approved = client.post(url, {"apply": "Approve", "override_reason": "Second stage"})

    assert page.status_code == 200
    assert refused.status_code == 200 and "override_reason" in refused.context["form"].errors
    assert approved.status_code == 302
    assert stored(tight_budget).budget_override_reason == "Second stage"


def test_admin_step_pages_refuse_roles_and_hide_other_events(client, submitted, organizer, outsider, event_b):
    theirs = TransactionFactory(event=event_b)
    client.force_login(organizer)

    approve = client.post(f"/admin/finance/transaction/{submitted.pk}/approve/", {"apply": "Approve"})
    client.force_login(outsider)
    hidden = client.get(f"/admin/finance/transaction/{submitted.pk}/reverse/")
    unknown = client.get(f"/admin/finance/transaction/{theirs.pk}/nonsense/")

    assert approve.status_code == 403
    assert hidden.status_code == 302
    assert unknown.status_code in {302, 404}
    assert stored(submitted).status == Status.SUBMITTED


def test_admin_reverse_step_page_goes_to_the_new_entry(client, event_a, treasurer):
    paid = TransactionFactory(event=event_a)
    client.force_login(treasurer)

    response = client.post(f"/admin/finance/transaction/{paid.pk}/reverse/", {"reason": "Wrong event"})

    reversal = Transaction.objects.get(reversal_of=paid)
    assert response.status_code == 302
    assert response["Location"] == admin_url(reversal, "change")


# --- One home for each rule: the step's named permission (finance/rules.py) answers everywhere ---


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("step", list(ALLOWED))
def test_the_permission_the_admin_button_and_the_api_agree(request, client, api, draft, crew, owner, step, persona):
    user = request.getfixturevalue(persona)
    tx = bring_to(BEFORE[step], draft, crew, owner)
    expected = persona in ALLOWED[step]
    client.force_login(user)

    permitted = steps.allowed(user, STEP_PERMISSIONS[step], Transaction.objects.get(pk=tx.pk))
    page = client.get(admin_url(tx, "change"))
    button = reverse(f"admin:finance_transaction_{step}", args=[tx.pk]) in page.content.decode()
    response = api.as_user(user).post(detail(tx, step), {"reason": "Wrong supplier"}, format="json")

    assert (permitted, button) == (expected, expected)
    assert (response.status_code in {200, 201}) is expected, response.content


def test_four_eyes_bind_a_superuser_too(api, event_a, crew, superuser, owner):
    tx = approvals.submit(expense(event_a, crew, "80.00"), crew)
    api.as_user(superuser).patch(detail(tx), {"amount": "90.00"}, format="json")
    tx = approvals.submit(Transaction.objects.get(pk=tx.pk), crew)

    refused = api.post(detail(tx, "approve"), {}, format="json")

    assert steps.allowed(superuser, steps.APPROVE, tx) is False
    assert refused.status_code == 403
    assert "changed last" in refused.json()["detail"]
    with pytest.raises(PermissionDenied):
        approvals.approve(tx, superuser)
    assert approvals.approve(tx, owner).status == Status.APPROVED
    assert Transaction.objects.get(pk=tx.pk).amount == Decimal("90.00")


def test_an_api_step_reads_the_entry_once_before_the_service_re_reads_it(api, submitted, treasurer, monkeypatch):
    from rest_framework.generics import GenericAPIView

    reads = []
    real = GenericAPIView.get_object

    def counted(view):
        reads.append(view.action)
        return real(view)

    monkeypatch.setattr(GenericAPIView, "get_object", counted)

    response = api.as_user(treasurer).post(detail(submitted, "approve"), {}, format="json")

    assert response.status_code == 200
    assert reads == ["approve"]  # the permission check and the action share it


def test_admin_change_page_shows_approval_times_in_the_events_time_zone(client, event_a, crew, treasurer, owner):
    event_a.timezone = "America/New_York"
    event_a.save()
    settings_threshold(event_a, "10.00")
    tx = approvals.submit(expense(event_a, crew), crew)
    approvals.approve(tx, treasurer)
    approved_at = Approval.objects.get(transaction_id=tx.pk).created_at
    client.force_login(owner)

    page = client.get(admin_url(tx, "change")).content.decode()

    local = approved_at.astimezone(event_a.tzinfo)
    assert f"{date_format(local, 'DATETIME_FORMAT')} (America/New_York)" in page
    assert local.utcoffset() != approved_at.utcoffset()


def test_admin_change_page_offers_a_viewer_no_workflow_step(client, submitted, viewer, treasurer):
    steps_of = {}
    for user in (viewer, treasurer):
        client.force_login(user)
        page = client.get(admin_url(submitted, "change")).content.decode()
        steps_of[user.username] = f"/admin/finance/transaction/{submitted.pk}/approve/" in page

    assert steps_of == {"vera_viewer": False, "tomas_treasurer": True}
    client.force_login(viewer)
    assert client.post(f"/admin/finance/transaction/{submitted.pk}/approve/", {"apply": "Approve"}).status_code == 403
    assert stored(submitted).status == Status.SUBMITTED
