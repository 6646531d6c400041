"""Budget against actual figures, per budget line (category and direction), from DB aggregates."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from uuid import UUID

from django.db.models import Q, Sum

from finance.models import EXPENSE_KINDS, INCOME_KINDS, BudgetLine, Direction, Status, Transaction
from geventator.currencies import quantize
from organizers.models import Event

_KINDS: dict[str, list[str]] = {Direction.INCOME: sorted(INCOME_KINDS), Direction.EXPENSE: sorted(EXPENSE_KINDS)}


@dataclass(frozen=True)
class Figures:
    """What a category brought in or cost, in the event's base currency."""

    actual: Decimal  # booked (paid)
    committed: Decimal  # approved, not paid yet (expenses only; income is booked when received)


@dataclass(frozen=True)
class BudgetLineReport:
    budget_line_id: UUID
    category_id: UUID
    category_name: str
    direction: str
    planned: Decimal
    actual: Decimal
    committed: Decimal
    owner_id: UUID | None = None

    @property
    def variance(self) -> Decimal:
        """What is left: planned − (actual + committed). Negative: over budget (expenses), more
        than planned came in (income)."""
        return self.planned - self.actual - self.committed


@dataclass(frozen=True)
class DirectionTotals:
    planned: Decimal
    actual: Decimal
    committed: Decimal
    # Booked and committed amounts in this direction of categories without a budget line here
    # (entries without a category included).
    unbudgeted: Decimal

    @property
    def variance(self) -> Decimal:
        return self.planned - self.actual - self.committed


@dataclass(frozen=True)
class BudgetReport:
    currency: str
    lines: list[BudgetLineReport] = field(default_factory=list)
    totals: dict[str, DirectionTotals] = field(default_factory=dict)


def _filters(direction: str) -> tuple[Q, Q]:
    kinds = Q(kind__in=_KINDS[direction])
    return kinds & Q(status=Status.PAID), kinds & Q(status=Status.APPROVED)


def _annotations() -> dict[str, Sum]:
    sums = {}
    for direction in Direction.values:
        booked, committed = _filters(direction)
        sums[f"{direction}_actual"] = Sum("base_amount", filter=booked)
        sums[f"{direction}_committed"] = Sum("base_amount", filter=committed)
    return sums


def category_figures(event_ids: Iterable, category_ids: Iterable | None = None) -> dict[tuple, Figures]:
    """{(category id, direction): Figures} in one grouped query over the given events (and
    categories). Not rounded: the caller quantizes to its event's currency."""
    ledger = Transaction.objects.filter(event_id__in=list(event_ids))
    if category_ids is not None:
        ledger = ledger.filter(category_id__in=list(category_ids))
    rows = ledger.order_by().values("category_id").annotate(**_annotations())
    return {
        (row["category_id"], direction): Figures(
            actual=row[f"{direction}_actual"] or Decimal(0), committed=row[f"{direction}_committed"] or Decimal(0)
        )
        for row in rows
        for direction in Direction.values
    }


def line_figures(lines: Iterable[BudgetLine]) -> dict[UUID, Figures]:
    """{budget line id: Figures} for the given lines (e.g. a page of a list, with their events
    loaded): one grouped query."""
    lines = list(lines)
    if not lines:
        return {}
    figures = category_figures({line.event_id for line in lines}, {line.category_id for line in lines})
    zero = Figures(Decimal(0), Decimal(0))
    result = {}
    for line in lines:
        found = figures.get((line.category_id, line.direction), zero)
        currency = line.event.currency
        result[line.pk] = Figures(quantize(found.actual, currency), quantize(found.committed, currency))
    return result


def budget_vs_actual(event: Event) -> BudgetReport:
    """Each budget line of the event with its planned, actual (paid), committed (approved, not
    paid) and variance, and the totals per direction; two queries."""
    currency = event.currency
    lines = list(
        BudgetLine.objects.filter(event=event).select_related("category").order_by("direction", "category__name")
    )
    figures = category_figures([event.pk])
    zero = Figures(Decimal(0), Decimal(0))
    reports = []
    for line in lines:
        found = figures.get((line.category_id, line.direction), zero)
        reports.append(
            BudgetLineReport(
                budget_line_id=line.pk,
                category_id=line.category_id,
                category_name=line.category.name,
                direction=line.direction,
                planned=quantize(line.planned, currency),
                actual=quantize(found.actual, currency),
                committed=quantize(found.committed, currency),
                owner_id=line.owner_id,
            )
        )
    budgeted = {(line.category_id, line.direction) for line in lines}
    totals = {}
    for direction in Direction.values:
        own = [report for report in reports if report.direction == direction]
        outside = [
            found.actual + found.committed
            for (category_id, line_direction), found in figures.items()
            if line_direction == direction and (category_id, direction) not in budgeted
        ]
        totals[direction] = DirectionTotals(
            planned=quantize(sum((r.planned for r in own), Decimal(0)), currency),
            actual=quantize(sum((r.actual for r in own), Decimal(0)), currency),
            committed=quantize(sum((r.committed for r in own), Decimal(0)), currency),
            unbudgeted=quantize(sum(outside, Decimal(0)), currency),
        )
    return BudgetReport(currency=currency, lines=reports, totals=totals)
