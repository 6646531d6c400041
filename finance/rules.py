"""Every step of the finance workflow as one named django-rules permission: the one home of each rule.

The services ask these before (and, under their compare-and-swap, on the copy they re-read) taking
a step; the admin shows a step's button only when its permission holds; the API asks the same.
``allowed`` (not ``user.has_perm``) is how to ask: Django lets a superuser through every
``has_perm`` before any rule, and four eyes bind superusers too (nobody approves their own expense or
confirms their own count). The object is the record the step acts on (a Transaction, Transfer,
CashCount or pocket Account, an Event for the books), or None: "may the user take this step in at
least one event?" (admin action lists).
"""

from __future__ import annotations

import rules
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from organizers import rules as perms

SUBMIT = "finance.submit_transaction"
APPROVE = "finance.approve_transaction"
REJECT = "finance.reject_transaction"
PAY = "finance.pay_transaction"
REVERSE = "finance.reverse_transaction"
OVERRIDE_BUDGET = "finance.override_budget_transaction"
RECORD_TRANSFER = "finance.record_transfer"
CONFIRM_SENT = "finance.confirm_sent_transfer"
CONFIRM_RECEIVED = "finance.confirm_received_transfer"
CANCEL_TRANSFER = "finance.cancel_transfer"
RECORD_COUNT = "finance.record_cashcount"
CONFIRM_COUNT = "finance.confirm_cashcount"
DISMISS_COUNT = "finance.dismiss_cashcount"
SETTLE_UP = "finance.settle_up"
CLOSE_BOOKS = "finance.close_books"
REOPEN_BOOKS = "finance.reopen_books"

# Django answers superusers before any rule; the steps below say it for themselves (see above).
is_superuser = rules.is_active & rules.is_superuser


def _open(role: rules.Predicate) -> rules.Predicate:
    """``role`` in an event whose finance records are writable, or a superuser."""
    return is_superuser | perms.finance_writable(role)


@rules.predicate
def is_creator(user, record=None) -> bool:
    return record is not None and record.created_by_id is not None and record.created_by_id == user.pk


@rules.predicate
def did_the_entry(user, transaction=None) -> bool:
    """Created, submitted or last changed it: four eyes means someone else approves it."""
    if transaction is None:
        return False
    return user.pk in {transaction.created_by_id, transaction.submitted_by_id, transaction.last_changed_by_id}


@rules.predicate
def owns_expense_line(user, transaction=None) -> bool:
    """The owner of the expense budget line of the entry's category (any: one in their events)."""
    lines = apps.get_model("finance", "BudgetLine").objects.filter(owner_id=user.pk, direction="expense")
    if transaction is None:
        return lines.filter(event_id__in=perms.events_with_role(user, "organizer")).exists()
    if not transaction.category_id:
        return False
    return lines.filter(event_id=transaction.event_id, category_id=transaction.category_id).exists()


@rules.predicate
def counted_it(user, count=None) -> bool:
    return count is not None and count.counted_by_id is not None and count.counted_by_id == user.pk


def _holds_side(field: str) -> rules.Predicate:
    """Only the person holding the money says it left or arrived: a held account's side is its
    holder's to confirm, an event account's side a treasurer's or owner's."""

    @rules.predicate(name=f"holds_{field}")
    def holds(user, transfer=None) -> bool:
        return transfer is None or getattr(transfer, field).holder_id == user.pk

    @rules.predicate(name=f"event_side_{field}")
    def event_side(user, transfer=None) -> bool:
        return transfer is None or getattr(transfer, field).holder_id is None

    return (holds & _open(perms.is_organizer)) | (event_side & _open(perms.is_treasurer))


may_judge = _open(perms.is_treasurer) | (perms.finance_writable(perms.is_organizer) & owns_expense_line)
treasury = _open(perms.is_treasurer)
# An owner of an event that is not archived (closed books are what these steps act on).
owner_of_live_event = is_superuser | perms.writable(perms.is_owner)

rules.add_perm(SUBMIT, _open(perms.is_organizer) | (perms.finance_writable(perms.is_viewer) & is_creator))
rules.add_perm(APPROVE, may_judge & ~did_the_entry)
rules.add_perm(REJECT, may_judge)
rules.add_perm(OVERRIDE_BUDGET, _open(perms.is_owner))
rules.add_perm(PAY, treasury)
rules.add_perm(REVERSE, treasury)
rules.add_perm(RECORD_TRANSFER, _open(perms.is_organizer))
rules.add_perm(CONFIRM_SENT, _holds_side("from_account"))
rules.add_perm(CONFIRM_RECEIVED, _holds_side("to_account"))
rules.add_perm(CANCEL_TRANSFER, treasury | (perms.finance_writable(perms.is_organizer) & is_creator))
rules.add_perm(RECORD_COUNT, _open(perms.is_organizer))
rules.add_perm(CONFIRM_COUNT, treasury & ~counted_it)
rules.add_perm(DISMISS_COUNT, treasury | (perms.finance_writable(perms.is_organizer) & counted_it))
rules.add_perm(SETTLE_UP, treasury)
rules.add_perm(CLOSE_BOOKS, owner_of_live_event)
rules.add_perm(REOPEN_BOOKS, owner_of_live_event)


def allowed(user, permission: str, record=None) -> bool:
    if not (getattr(user, "is_authenticated", False) and user.is_active):
        return False
    return rules.has_perm(permission, user, record)


# The least role a step needs, and what a refusal says to someone without it.
ROLE_ONLY = _lazy("Your role in this event does not allow this.")
JUDGES_ONLY = _lazy("Only a treasurer or owner of the event, or the owner of this category's budget line, may do this.")
REFUSALS = {
    SUBMIT: ("viewer", _lazy("Only its creator or an organizer of the event may submit this expense.")),
    APPROVE: ("organizer", JUDGES_ONLY),
    REJECT: ("organizer", JUDGES_ONLY),
    OVERRIDE_BUDGET: ("owner", _lazy("Only an owner of the event may approve an expense beyond the budget.")),
    PAY: ("treasurer", ROLE_ONLY),
    REVERSE: ("treasurer", ROLE_ONLY),
    RECORD_TRANSFER: ("organizer", ROLE_ONLY),
    CONFIRM_SENT: ("organizer", _lazy("Only a treasurer or owner of the event can confirm this side.")),
    CONFIRM_RECEIVED: ("organizer", _lazy("Only a treasurer or owner of the event can confirm this side.")),
    CANCEL_TRANSFER: ("organizer", _lazy("Only who recorded this transfer, a treasurer or an owner can cancel it.")),
    RECORD_COUNT: ("organizer", ROLE_ONLY),
    CONFIRM_COUNT: ("treasurer", ROLE_ONLY),
    DISMISS_COUNT: ("organizer", _lazy("Only who counted, a treasurer or an owner can dismiss a count.")),
    SETTLE_UP: ("treasurer", ROLE_ONLY),
    CLOSE_BOOKS: ("owner", _lazy("Only an owner of the event can close or reopen its books.")),
    REOPEN_BOOKS: ("owner", _lazy("Only an owner of the event can close or reopen its books.")),
}


def refusal(user, permission: str, record, message: str | None = None) -> PermissionDenied:
    """Why ``permission`` does not hold: the event's frozen state to whoever has the step's role,
    four eyes to whoever could otherwise take it, else the role the step needs."""
    minimum, default = REFUSALS[permission]
    if record is not None and perms.has_role(user, record, minimum):
        if perms.event_is_archived(record):
            return PermissionDenied(_("This event is archived: its records are read-only."))
        if perms.event_books_closed(record) and permission not in {CLOSE_BOOKS, REOPEN_BOOKS}:
            return PermissionDenied(_("The books of this event are closed: its finance records are read-only."))
    if permission == APPROVE and may_judge.test(user, record) and did_the_entry.test(user, record):
        if user.pk == record.last_changed_by_id and user.pk not in {record.created_by_id, record.submitted_by_id}:
            return PermissionDenied(_("You cannot approve an expense you changed last: someone else must."))
        return PermissionDenied(_("You cannot approve an expense you created or submitted."))
    if permission in {CONFIRM_SENT, CONFIRM_RECEIVED} and record is not None:
        account = record.from_account if permission == CONFIRM_SENT else record.to_account
        if account.holder_id is not None:
            return PermissionDenied(
                _("Only %(holder)s, who holds %(account)s, can confirm this side.")
                % {"holder": account.holder, "account": account}
            )
    if permission == CONFIRM_COUNT and treasury.test(user, record) and counted_it.test(user, record):
        return PermissionDenied(_("Someone other than the person who counted must confirm the count."))
    return PermissionDenied(str(message or default))


def require(user, permission: str, record, message: str | None = None) -> None:
    """Refuse (PermissionDenied, with the reason) unless ``permission`` holds on ``record``."""
    if not allowed(user, permission, record):
        raise refusal(user, permission, record, message)


def refuse_locked(user, transaction) -> None:
    """A change or deletion of an approved or paid entry, refused as "locked" (409 in the API) to
    whoever may correct it with a reversal: that is the way, not their role."""
    from finance.models.ledger import LockedEntryError

    if transaction.is_locked and allowed(user, REVERSE, transaction):
        raise LockedEntryError
