"""The expense workflow: draft → submitted → approved → paid, or submitted → rejected; reversals.

Who may do what (a superuser may do everything, as everywhere):

- submit: the expense's creator, or any organizer, treasurer or owner of the event. A rejected
  expense may be corrected and submitted again: that starts a new approval round.
- approve / reject: a treasurer or owner of the event, or the owner named on the expense budget
  line of the expense's category (even with the organizer role). Nobody approves an expense they
  created, submitted or changed last; a change of a submitted expense's money fields sends it back
  to draft without its approvals (finance.models.ledger.MONEY_FIELDS). Above the event's
  four-eyes threshold two different approvers are needed: the first approval leaves the expense
  submitted (``approval_count`` 1), the second approves it.
- Budget: an approval that would take the approved and paid expenses of a category above its
  budget line is refused, unless an event owner approves with a written ``override_reason``
  (kept on the expense).
- mark_paid: a treasurer or owner, from approved. Only paid (booked) entries count in balances.
- reverse: a treasurer or owner, for an approved or paid entry (income too), once: a new entry
  with the negated amount cancels it; the original stays as it was.

Each step re-reads the entry inside one transaction (``run_atomically``), refuses if it is not the
copy the caller saw, and moves the status with a compare-and-swap update (status and approval
count): of two people approving or paying the same expense at once, one succeeds and the other
is told it changed. It ends with a ``save()`` so the history records the step and its author.
Refusals: ``ValidationError`` (bad state or input) and ``PermissionDenied`` (role).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.db.models import Exists, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from finance import rules as steps
from finance.models import EXPENSE_KINDS, Approval, BudgetLine, Direction, Status, Transaction
from finance.models.ledger import LOCKED_STATUSES
from geventator.currencies import format_money, quantize
from geventator.db import run_atomically
from organizers import rules as perms
from organizers.models import Event

# What the caller's copy and the stored entry must agree on: the approver approves what they saw.
WATCHED_FIELDS = (
    "status",
    "approval_count",
    "submitted_at",
    "kind",
    "amount",
    "currency",
    "exchange_rate",
    "category_id",
    "account_id",
    "party_id",
    "counterparty",
    "pledge_id",
    "last_changed_by_id",
)


def _now() -> datetime:
    # Milliseconds, which is what MongoDB keeps: a time set here compares equal once stored.
    now = timezone.now()
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _changed_meanwhile(status: str) -> ValidationError:
    return ValidationError(
        _("This entry changed meanwhile (it is now %(status)s): reload it and try again.")
        % {"status": Status(status).label}
    )


def _fresh(tx: Transaction) -> Transaction:
    """The stored entry, read inside the step's transaction; refused if it is not what the caller saw."""
    fresh = Transaction.objects.select_related("event").filter(pk=tx.pk).first()
    if fresh is None:
        raise ValidationError(_("This entry no longer exists."))
    if any(getattr(fresh, name) != getattr(tx, name) for name in WATCHED_FIELDS):
        raise _changed_meanwhile(fresh.status)
    return fresh


def _swap(fresh: Transaction, status: str, approval_count: int | None = None) -> None:
    """Compare-and-swap the status (and approval count): 0 rows means someone else moved it first."""
    count = fresh.approval_count if approval_count is None else approval_count
    moved = Transaction.objects.filter(pk=fresh.pk, status=fresh.status, approval_count=fresh.approval_count).update(
        status=status, approval_count=count
    )
    if not moved:
        stored = Transaction.objects.filter(pk=fresh.pk).values_list("status", flat=True).first()
        raise _changed_meanwhile(stored or fresh.status)
    fresh.status = status
    fresh.approval_count = count


def _finish(fresh: Transaction, user, tx: Transaction) -> Transaction:
    """Save the step through the model (history, with its author) and update the caller's copy."""
    fresh._history_user = user  # type: ignore[attr-defined]  # simple-history's author of the next save
    fresh.save(workflow=True)
    for field in Transaction._meta.concrete_fields:
        setattr(tx, field.attname, getattr(fresh, field.attname))
    return tx


def _run(step, duplicate_message: str):
    try:
        return run_atomically(step)
    except IntegrityError as exc:
        # A unique constraint stopped a racing duplicate (the same approver twice, a second reversal).
        raise ValidationError(duplicate_message) from exc


def _require_expense(fresh: Transaction) -> None:
    if fresh.kind not in EXPENSE_KINDS:
        raise ValidationError(_("Only expenses go through approval; income is booked when it is received."))


def _reason(reason: str | None, message: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationError({"reason": [message]})
    return text


# --- Who may approve ----------------------------------------------------------------------------


def expense_line(tx: Transaction) -> BudgetLine | None:
    """The expense budget line of the entry's category, if there is one."""
    if not tx.category_id:
        return None
    return BudgetLine.objects.filter(
        event_id=tx.event_id, category_id=tx.category_id, direction=Direction.EXPENSE
    ).first()


def approvals_needed(tx: Transaction) -> int:
    threshold = tx.event.four_eyes_threshold
    return 2 if threshold is not None and tx.base_amount > threshold else 1


def awaiting_approval_by(queryset, user):
    """The submitted expenses in ``queryset`` that ``user`` may approve and has not approved yet
    (nor created, submitted or changed last): their "needs my approval" list."""
    queryset = queryset.filter(status=Status.SUBMITTED, kind__in=sorted(EXPENSE_KINDS))
    queryset = queryset.filter(~Exists(Approval.objects.filter(transaction_id=OuterRef("pk"), approver_id=user.pk)))
    queryset = queryset.filter(Q(created_by__isnull=True) | ~Q(created_by_id=user.pk))
    queryset = queryset.filter(Q(submitted_by__isnull=True) | ~Q(submitted_by_id=user.pk))
    queryset = queryset.filter(Q(last_changed_by__isnull=True) | ~Q(last_changed_by_id=user.pk))
    if user.is_superuser:
        return queryset
    writable = list(
        Event.objects.filter(
            pk__in=perms.events_with_role(user, "organizer"), archived_at__isnull=True, closed_at__isnull=True
        ).values_list("pk", flat=True)
    )
    treasurer_of = [pk for pk in perms.events_with_role(user, "treasurer") if pk in writable]
    lines = BudgetLine.objects.filter(owner_id=user.pk, direction=Direction.EXPENSE, event_id__in=writable)
    return queryset.filter(
        Q(event_id__in=treasurer_of) | Q(category_id__in=list(lines.values_list("category_id", flat=True)))
    )


# --- Budget -------------------------------------------------------------------------------------


def spent_on_line(tx: Transaction) -> Decimal:
    """Approved and paid expenses of the entry's category (base currency), the entry itself aside."""
    total = (
        Transaction.objects.filter(
            event_id=tx.event_id,
            # None finds the entries without a category, as Django's exact lookup does (stubs refuse None).
            category_id=tx.category_id,  # type: ignore[misc]
            kind__in=sorted(EXPENSE_KINDS),
            status__in=sorted(LOCKED_STATUSES),
        )
        .exclude(pk=tx.pk)
        .aggregate(total=Sum("base_amount"))["total"]
    )
    return quantize(total or Decimal(0), tx.event.currency)


def _check_budget(fresh: Transaction, user, line: BudgetLine | None, override_reason: str) -> None:
    """Refuse an approval beyond the category's budget, unless an owner gives a reason (kept)."""
    if line is None or fresh.budget_override_by_id is not None:
        return  # no budget for this category, or an owner already allowed the overrun
    spent = spent_on_line(fresh)
    if spent + fresh.base_amount <= line.planned:
        return
    currency = fresh.event.currency
    message = _(
        "This expense would take %(category)s over its budget: planned %(planned)s, already approved "
        "or paid %(spent)s, this expense %(amount)s."
    ) % {
        "category": line.category.name,
        "planned": format_money(line.planned, currency),
        "spent": format_money(spent, currency),
        "amount": format_money(fresh.base_amount, currency),
    }
    reason = (override_reason or "").strip()
    if not steps.allowed(user, steps.OVERRIDE_BUDGET, fresh):
        if reason:
            raise PermissionDenied(_("Only an owner of the event may approve an expense beyond the budget."))
        raise ValidationError(message + " " + _("An owner of the event may approve it with a written reason."))
    if not reason:
        raise ValidationError({"override_reason": [message + " " + _("Give a reason to approve it anyway.")]})
    fresh.budget_override_by = user
    fresh.budget_override_reason = reason


# --- The steps ----------------------------------------------------------------------------------


def submit(tx: Transaction, user) -> Transaction:
    """Draft (or rejected) → submitted, by its creator or an organizer+ of the event."""

    def step() -> Transaction:
        fresh = _fresh(tx)
        steps.require(user, steps.SUBMIT, fresh)
        _require_expense(fresh)
        if fresh.status not in (Status.DRAFT, Status.REJECTED):
            raise ValidationError(
                _("Only a draft or rejected expense can be submitted; this one is %(status)s.")
                % {"status": fresh.get_status_display()}
            )
        _swap(fresh, Status.SUBMITTED, approval_count=0)
        # A new round: earlier approvals and the rejection were of the entry before its correction
        # (both stay in the history).
        Approval.objects.filter(transaction_id=fresh.pk).delete()
        fresh.submitted_by = user
        fresh.submitted_at = _now()
        fresh.approved_at = None
        fresh.rejected_by = None
        fresh.rejected_at = None
        fresh.rejection_reason = ""
        fresh.budget_override_by = None
        fresh.budget_override_reason = ""
        return _finish(fresh, user, tx)

    return _run(step, _("This expense changed meanwhile: reload it and try again."))


def approve(tx: Transaction, user, override_reason: str = "") -> Transaction:
    """One approver's yes; the last one needed moves the expense to approved."""

    def step() -> Transaction:
        fresh = _fresh(tx)
        # Four eyes included: not who created, submitted or last changed it (finance/rules.py).
        steps.require(user, steps.APPROVE, fresh)
        line = expense_line(fresh)
        _require_expense(fresh)
        if fresh.status != Status.SUBMITTED:
            raise ValidationError(
                _("Only a submitted expense can be approved; this one is %(status)s.")
                % {"status": fresh.get_status_display()}
            )
        if Approval.objects.filter(transaction_id=fresh.pk, approver_id=user.pk).exists():
            raise ValidationError(_("You already approved this expense: a second, different approver is needed."))
        _check_budget(fresh, user, line, override_reason)
        count = fresh.approval_count + 1
        done = count >= approvals_needed(fresh)
        _swap(fresh, Status.APPROVED if done else Status.SUBMITTED, approval_count=count)
        Approval.objects.create(transaction=fresh, approver=user)
        if done:
            fresh.approved_at = _now()
        return _finish(fresh, user, tx)

    return _run(step, _("You already approved this expense: a second, different approver is needed."))


def reject(tx: Transaction, user, reason: str) -> Transaction:
    """Submitted → rejected, with the reason; whoever may approve it may reject it."""

    def step() -> Transaction:
        fresh = _fresh(tx)
        steps.require(user, steps.REJECT, fresh)
        text = _reason(reason, _("Say why the expense is rejected."))
        _require_expense(fresh)
        if fresh.status != Status.SUBMITTED:
            raise ValidationError(
                _("Only a submitted expense can be rejected; this one is %(status)s.")
                % {"status": fresh.get_status_display()}
            )
        _swap(fresh, Status.REJECTED)
        fresh.rejected_by = user
        fresh.rejected_at = _now()
        fresh.rejection_reason = text
        return _finish(fresh, user, tx)

    return _run(step, _("This expense changed meanwhile: reload it and try again."))


def mark_paid(tx: Transaction, user) -> Transaction:
    """Approved → paid (booked: it now counts in balances), by a treasurer or owner."""

    def step() -> Transaction:
        fresh = _fresh(tx)
        steps.require(user, steps.PAY, fresh)
        _require_expense(fresh)
        if fresh.status != Status.APPROVED:
            raise ValidationError(
                _("Only an approved expense can be marked as paid; this one is %(status)s.")
                % {"status": fresh.get_status_display()}
            )
        if fresh.reversal_of_id is not None:
            raise ValidationError(_("A reversal follows its original: it is not paid on its own."))
        if Transaction.objects.filter(reversal_of_id=fresh.pk).exists():
            raise ValidationError(_("This expense was reversed: it can no longer be paid."))
        _swap(fresh, Status.PAID)
        fresh.paid_by = user
        fresh.paid_at = _now()
        return _finish(fresh, user, tx)

    return _run(step, _("This expense changed meanwhile: reload it and try again."))


def reverse(tx: Transaction, user, reason: str) -> Transaction:
    """A correcting entry that cancels an approved or paid one (same kind, account, category,
    currency and rate, negated amount, same status); returns it. The original stays as it was."""

    def step() -> Transaction:
        fresh = _fresh(tx)
        steps.require(user, steps.REVERSE, fresh)
        text = _reason(reason, _("Say why the entry is reversed."))
        if fresh.status not in LOCKED_STATUSES:
            raise ValidationError(
                _("Only approved or paid entries are reversed; this one is %(status)s: change it instead.")
                % {"status": fresh.get_status_display()}
            )
        if fresh.reversal_of_id is not None:
            raise ValidationError(_("A reversal cannot itself be reversed: record a new entry instead."))
        if Transaction.objects.filter(reversal_of_id=fresh.pk).exists():
            raise ValidationError(_("This entry was already reversed."))
        now = _now()
        # Claims the original in this transaction (its status unchanged), so that paying it at the
        # same moment conflicts with the reversal instead of slipping past it.
        if not Transaction.objects.filter(pk=fresh.pk, status=fresh.status).update(updated_at=now):
            raise _changed_meanwhile(fresh.status)
        paid = fresh.status == Status.PAID
        description = _("Reversal of %(description)s: %(reason)s") % {
            "description": fresh.description,
            "reason": text,
        }
        reversal = Transaction(
            event=fresh.event,
            kind=fresh.kind,
            status=fresh.status,
            account_id=fresh.account_id,
            amount=-fresh.amount,
            currency=fresh.currency,
            exchange_rate=fresh.exchange_rate,
            date=timezone.localdate(timezone=fresh.event.tzinfo),
            description=description[: Transaction._meta.get_field("description").max_length],
            category_id=fresh.category_id,
            counterparty=fresh.counterparty,
            party_id=fresh.party_id,
            pledge_id=fresh.pledge_id,
            reversal_of=fresh,
            created_by=user,
            submitted_by=user if fresh.kind in EXPENSE_KINDS else None,
            submitted_at=now if fresh.kind in EXPENSE_KINDS else None,
            approved_at=now if fresh.kind in EXPENSE_KINDS else None,
            paid_by=user if paid else None,
            paid_at=now if paid else None,
        )
        reversal.full_clean(validate_unique=False, validate_constraints=False)
        reversal._history_user = user  # type: ignore[attr-defined]  # simple-history's author of the save
        reversal.save()
        return reversal

    return _run(step, _("This entry was already reversed."))
