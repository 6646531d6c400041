"""Ledger figures of an event, computed by the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, Sum

from finance.models import EXPENSE_KINDS, INCOME_KINDS, Category, Kind, Status, Transaction
from geventator.currencies import quantize
from organizers.models import Event

INCOME = Q(kind__in=sorted(INCOME_KINDS))
EXPENSE = Q(kind__in=sorted(EXPENSE_KINDS))


@dataclass(frozen=True)
class CategoryTotals:
    category_id: str | None
    name: str
    income: Decimal
    expenses: Decimal

    @property
    def balance(self) -> Decimal:
        return self.income - self.expenses


@dataclass(frozen=True)
class EventSummary:
    currency: str
    income: Decimal
    expenses: Decimal
    by_kind: dict[str, Decimal] = field(default_factory=dict)
    by_category: list[CategoryTotals] = field(default_factory=list)

    @property
    def balance(self) -> Decimal:
        return self.income - self.expenses


def _money(value: Decimal | None, currency: str) -> Decimal:
    return quantize(value or Decimal(0), currency)


def event_summary(event: Event) -> EventSummary:
    """Income, expenses and balance of the event, by kind and by category (a few grouped queries)."""
    currency = event.currency
    # Booked entries only (money that moved), in the base currency they were converted to.
    ledger = Transaction.objects.filter(event=event, status=Status.PAID)
    totals = ledger.aggregate(income=Sum("base_amount", filter=INCOME), expenses=Sum("base_amount", filter=EXPENSE))
    kinds = dict(ledger.order_by().values_list("kind").annotate(total=Sum("base_amount")))
    per_category = (
        ledger.order_by()
        .values("category_id")
        .annotate(income=Sum("base_amount", filter=INCOME), expenses=Sum("base_amount", filter=EXPENSE))
    )
    names = dict(Category.objects.filter(event=event).values_list("id", "name"))
    by_category = sorted(
        (
            CategoryTotals(
                category_id=str(row["category_id"]) if row["category_id"] else None,
                name=names.get(row["category_id"], ""),
                income=_money(row["income"], currency),
                expenses=_money(row["expenses"], currency),
            )
            for row in per_category
        ),
        key=lambda totals: (totals.category_id is None, totals.name),
    )
    return EventSummary(
        currency=currency,
        income=_money(totals["income"], currency),
        expenses=_money(totals["expenses"], currency),
        by_kind={kind.value: _money(kinds.get(kind.value), currency) for kind in Kind},
        by_category=by_category,
    )
