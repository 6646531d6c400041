"""Ledger figures of an event, computed by the database (totals from finance.services.totals)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum

from finance.models import Category, Kind
from finance.services.totals import LedgerTotals, booked_entries, ledger_totals, totals_aggregates
from geventator.currencies import quantize
from organizers.models import Event


@dataclass(frozen=True)
class CategoryTotals:
    category_id: str | None
    name: str
    income: Decimal
    expenses: Decimal
    balance: Decimal  # the category's net: income − expenses + adjustments


@dataclass(frozen=True)
class EventSummary:
    currency: str
    income: Decimal
    expenses: Decimal
    adjustments: Decimal
    # The event's net result, the report's and the balances' very figure (cash-count adjustments in).
    balance: Decimal
    by_kind: dict[str, Decimal] = field(default_factory=dict)
    by_category: list[CategoryTotals] = field(default_factory=list)


def event_summary(event: Event) -> EventSummary:
    """Income, expenses and balance of the event, by kind and by category (a few grouped queries)."""
    currency = event.currency
    totals = ledger_totals(event)
    ledger = booked_entries(event)
    kinds = dict(ledger.values_list("kind").annotate(total=Sum("base_amount")))
    names = dict(Category.objects.filter(event=event).values_list("id", "name"))
    by_category = []
    for row in ledger.values("category_id").annotate(**totals_aggregates()):
        line = LedgerTotals.from_row(row, currency)
        by_category.append(
            CategoryTotals(
                category_id=str(row["category_id"]) if row["category_id"] else None,
                name=names.get(row["category_id"], ""),
                income=line.income,
                expenses=line.expenses,
                balance=line.net,
            )
        )
    by_category.sort(key=lambda totals: (totals.category_id is None, totals.name))
    return EventSummary(
        currency=currency,
        income=totals.income,
        expenses=totals.expenses,
        adjustments=totals.adjustments,
        balance=totals.net,
        by_kind={kind.value: quantize(kinds.get(kind.value) or Decimal(0), currency) for kind in Kind},
        by_category=by_category,
    )
