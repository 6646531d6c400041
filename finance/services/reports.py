"""The event's financial report: what came in and went out, by kind, category, account and month,
the budget against it, what sponsors still owe, what the event owes its organizers, and the
expenses still on their way to being paid.

Figures are in the event's base currency: booked entries (status paid) added up by the database
from their stored base and signed amounts, quantized to the currency's minor unit, by the same
aggregates as every other ledger total (finance.services.totals): income and expenses are
positive amounts; an adjustment (from a cash count) carries its sign; the net result is Σ signed
amounts (income − expenses + adjustments), the summary's balance and the balances' result. Months are
the calendar months of the transactions' dates, which are already the event's own dates. The
number of queries is fixed, whatever the number of transactions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth

from finance.models import EXPENSE_KINDS, INCOME_KINDS, Account, Category, Kind, Status, Transaction
from finance.services.budgets import BudgetReport, budget_vs_actual
from finance.services.pledges import PledgeReport, pledge_status
from finance.services.settle import Debt, settle_up
from finance.services.totals import EXPENSE, LedgerTotals, totals_aggregates
from geventator.currencies import quantize
from organizers.models import Event

# Kinds in the order a report lists them: money in, money out, corrections.
KIND_ORDER = [Kind.SALE, Kind.DONATION, Kind.SPONSORSHIP, Kind.PURCHASE, Kind.INVESTMENT, Kind.ADJUSTMENT]


def _direction(kind: str) -> str:
    if kind in INCOME_KINDS:
        return "income"
    return "expense" if kind in EXPENSE_KINDS else "adjustment"


@dataclass(frozen=True)
class KindLine:
    kind: str
    direction: str  # income, expense or adjustment
    count: int
    amount: Decimal  # positive for income and expenses; signed for adjustments


@dataclass(frozen=True)
class GroupLine:
    """Booked figures of one category, account or month."""

    income: Decimal
    expenses: Decimal
    net: Decimal  # Σ signed amounts: income − expenses + adjustments
    count: int


@dataclass(frozen=True)
class CategoryLine(GroupLine):
    category_id: UUID | None = None
    name: str = ""


@dataclass(frozen=True)
class AccountLine(GroupLine):
    account_id: UUID | None = None
    name: str = ""
    kind: str = ""


@dataclass(frozen=True)
class MonthLine(GroupLine):
    month: date | None = None  # the first day of the month


@dataclass(frozen=True)
class OpenExpenses:
    """Expenses entered but not booked yet, by workflow step (counts and base amounts)."""

    drafts: int
    drafts_amount: Decimal
    submitted: int
    submitted_amount: Decimal
    # Approved, not paid yet: committed money (the budget counts it as such).
    approved: int
    approved_amount: Decimal

    @property
    def count(self) -> int:
        return self.drafts + self.submitted + self.approved

    @property
    def amount(self) -> Decimal:
        return self.drafts_amount + self.submitted_amount + self.approved_amount


@dataclass(frozen=True)
class EventReport:
    event_id: UUID
    event_name: str
    currency: str
    booked_count: int
    income: Decimal
    expenses: Decimal
    adjustments: Decimal
    net: Decimal
    open_expenses: OpenExpenses
    budget: BudgetReport
    pledges: PledgeReport
    by_kind: list[KindLine] = field(default_factory=list)
    by_category: list[CategoryLine] = field(default_factory=list)
    by_account: list[AccountLine] = field(default_factory=list)
    by_month: list[MonthLine] = field(default_factory=list)
    reimbursements: list[Debt] = field(default_factory=list)

    @property
    def owed_to_organizers(self) -> Decimal:
        """Σ of what the event owes organizers (their pockets in the red)."""
        return sum((debt.amount for debt in self.reimbursements if debt.amount > 0), quantize(0, self.currency))

    @property
    def owed_by_organizers(self) -> Decimal:
        """Σ of what organizers owe the event (money they collected and still hold)."""
        return sum((-debt.amount for debt in self.reimbursements if debt.amount < 0), quantize(0, self.currency))


def _first_of_month(value: date | datetime) -> date:
    day = value.date() if isinstance(value, datetime) else value
    return day.replace(day=1)


def _months_between(first: date, last: date) -> list[date]:
    months, month = [], first
    while month <= last:
        months.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months


def event_report(event: Event, today: date | None = None) -> EventReport:
    """The whole report of the event (a fixed number of queries). ``today``: for pledges' overdue."""
    currency = event.currency

    def money(value) -> Decimal:
        return quantize(value or Decimal(0), currency)

    def group(row: dict) -> dict:
        line = LedgerTotals.from_row(row, currency)
        return {"income": line.income, "expenses": line.expenses, "net": line.net, "count": line.count}

    entries = Transaction.objects.filter(event=event).order_by()
    booked = entries.filter(status=Status.PAID)
    open_expense = EXPENSE & ~Q(status__in=[Status.PAID, Status.REJECTED])

    totals = entries.aggregate(
        **totals_aggregates(where=Q(status=Status.PAID)),
        **{
            name: aggregate
            for step in (Status.DRAFT, Status.SUBMITTED, Status.APPROVED)
            for name, aggregate in (
                (step.value, Count("pk", filter=open_expense & Q(status=step))),
                (f"{step.value}_amount", Sum("base_amount", filter=open_expense & Q(status=step))),
            )
        },
    )

    kinds = {
        row["kind"]: row
        for row in booked.values("kind").annotate(
            count=Count("pk"), amount=Sum("base_amount"), signed=Sum("signed_amount")
        )
    }
    by_kind = [
        KindLine(
            kind=kind.value,
            direction=_direction(kind),
            count=kinds.get(kind.value, {}).get("count", 0),
            amount=money(kinds.get(kind.value, {}).get("signed" if kind == Kind.ADJUSTMENT else "amount")),
        )
        for kind in KIND_ORDER
    ]

    # Names are read separately: MongoDB test servers mis-project values() across a foreign key.
    category_names = dict(Category.objects.filter(event=event).values_list("pk", "name"))
    by_category = sorted(
        (
            CategoryLine(category_id=row["category_id"], name=category_names.get(row["category_id"], ""), **group(row))
            for row in booked.values("category_id").annotate(**totals_aggregates())
        ),
        key=lambda line: (line.category_id is None, line.name.lower()),
    )

    accounts = {
        pk: (name, kind) for pk, name, kind in Account.objects.filter(event=event).values_list("pk", "name", "kind")
    }
    by_account = sorted(
        (
            AccountLine(
                account_id=row["account_id"],
                name=accounts.get(row["account_id"], ("", ""))[0],
                kind=accounts.get(row["account_id"], ("", ""))[1],
                **group(row),
            )
            for row in booked.values("account_id").annotate(**totals_aggregates())
        ),
        key=lambda line: (line.account_id is None, line.name.lower()),
    )

    per_month = {
        _first_of_month(row["month"]): group(row)
        for row in booked.annotate(month=TruncMonth("date")).values("month").annotate(**totals_aggregates())
    }
    empty = {"income": money(0), "expenses": money(0), "net": money(0), "count": 0}
    months = _months_between(min(per_month), max(per_month)) if per_month else []
    by_month = [MonthLine(month=month, **per_month.get(month, empty)) for month in months]

    ledger = LedgerTotals.from_row(totals, currency)
    return EventReport(
        event_id=event.pk,
        event_name=event.name,
        currency=currency,
        booked_count=ledger.count,
        income=ledger.income,
        expenses=ledger.expenses,
        adjustments=ledger.adjustments,
        net=ledger.net,
        open_expenses=OpenExpenses(
            drafts=totals["draft"],
            drafts_amount=money(totals["draft_amount"]),
            submitted=totals["submitted"],
            submitted_amount=money(totals["submitted_amount"]),
            approved=totals["approved"],
            approved_amount=money(totals["approved_amount"]),
        ),
        by_kind=by_kind,
        by_category=by_category,
        by_account=by_account,
        by_month=by_month,
        budget=budget_vs_actual(event),
        pledges=pledge_status(event, today=today),
        reimbursements=settle_up(event),
    )
