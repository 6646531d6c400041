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

from organizers import rules as perms

SUBMIT = "finance.submit_transaction"
APPROVE = "finance.approve_transaction"
REJECT = "finance.reject_transaction"
PAY = "finance.pay_transaction"
REVERSE = "finance.reverse_transaction"
RECORD_TRANSFER = "finance.record_transfer"
CONFIRM_SENT = "finance.confirm_sent_transfer"
CONFIRM_RECEIVED = "finance.confirm_received_transfer"
CANCEL_TRANSFER = "finance.cancel_transfer"
RECORD_COUNT = "finance.record_count"
CONFIRM_COUNT = "finance.confirm_count"
DISMISS_COUNT = "finance.dismiss_count"
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
    @rules.predicate(name=f"holds_{field}")
    def check(user, transfer=None) -> bool:
        """A held account's side is confirmed by its holder only (who has the money); an event
        account's side by a treasurer or owner."""
        if transfer is None:
            return perms.has_role(user, None, "organizer")
        account = getattr(transfer, field)
        if account.holder_id is not None:
            return account.holder_id == user.pk and perms.has_role(user, transfer, "organizer")
        return perms.has_role(user, transfer, "treasurer")

    return check


may_judge = _open(perms.is_treasurer) | (perms.finance_writable(perms.is_organizer) & owns_expense_line)
treasury = _open(perms.is_treasurer)
# An owner of an event that is not archived (closed books are what these steps act on).
owner_of_live_event = is_superuser | perms.writable(perms.is_owner)

rules.add_perm(SUBMIT, _open(perms.is_organizer) | (perms.finance_writable(perms.is_viewer) & is_creator))
rules.add_perm(APPROVE, may_judge & ~did_the_entry)
rules.add_perm(REJECT, may_judge)
rules.add_perm(PAY, treasury)
rules.add_perm(REVERSE, treasury)
rules.add_perm(RECORD_TRANSFER, _open(perms.is_organizer))
rules.add_perm(CONFIRM_SENT, is_superuser | perms.finance_writable(_holds_side("from_account")))
rules.add_perm(CONFIRM_RECEIVED, is_superuser | perms.finance_writable(_holds_side("to_account")))
rules.add_perm(CANCEL_TRANSFER, treasury | (perms.finance_writable(perms.is_organizer) & is_creator))
rules.add_perm(RECORD_COUNT, _open(perms.is_organizer))
rules.add_perm(CONFIRM_COUNT, treasury & ~counted_it)
rules.add_perm(DISMISS_COUNT, treasury | (perms.finance_writable(perms.is_organizer) & counted_it))
rules.add_perm(SETTLE_UP, treasury)
rules.add_perm(CLOSE_BOOKS, owner_of_live_event)
rules.add_perm(REOPEN_BOOKS, owner_of_live_event)


def allowed(user, permission: str, record=None) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and rules.has_perm(permission, user, record)


def require(user, permission: str, record, message: str) -> None:
    """Refuse with a reason: the event's frozen state to its members, else ``message``."""
    if allowed(user, permission, record):
        return
    if record is not None and perms.has_role(user, record, "viewer"):
        if perms.event_is_archived(record):
            raise PermissionDenied(_("This event is archived: its records are read-only."))
        if perms.event_books_closed(record) and permission not in {CLOSE_BOOKS, REOPEN_BOOKS}:
            raise PermissionDenied(_("The books of this event are closed: its finance records are read-only."))
    raise PermissionDenied(message)
