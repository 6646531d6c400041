"""The one home of an event's ledger totals: the summary, the event page, the report and the
balances all take their income, expenses, adjustments and net result from here, so that no two of
them can show different figures for the same balance.

Booked (paid) entries only, in the event's base currency, added up by the database and quantized
to the currency's minor unit. Income and expenses are positive amounts (a reversal counts against
its kind); an adjustment (a confirmed cash count's correction) carries its sign; the net result is
Σ signed amounts (= income − expenses + adjustments), the very sum the account balances add up.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from finance.models import EXPENSE_KINDS, INCOME_KINDS, Kind, Status, Transaction
from geventator.currencies import quantize
from organizers.models import Event

INCOME = Q(kind__in=sorted(INCOME_KINDS))
EXPENSE = Q(kind__in=sorted(EXPENSE_KINDS))
ADJUSTMENT = Q(kind=Kind.ADJUSTMENT)


def totals_aggregates(where: Q | None = None) -> dict:
    """The aggregates behind LedgerTotals, for ``aggregate()`` or a grouped ``annotate()``.

    ``where``: a further condition (e.g. booked only, when the queryset holds every status).
    """

    def only(condition: Q) -> Q:
        return condition if where is None else where & condition

    return {
        "income": Sum("base_amount", filter=only(INCOME)),
        "expenses": Sum("base_amount", filter=only(EXPENSE)),
        "adjustments": Sum("signed_amount", filter=only(ADJUSTMENT)),
        "net": Sum("signed_amount") if where is None else Sum("signed_amount", filter=where),
        "count": Count("pk") if where is None else Count("pk", filter=where),
    }


@dataclass(frozen=True)
class LedgerTotals:
    currency: str
    income: Decimal
    expenses: Decimal
    adjustments: Decimal
    net: Decimal
    count: int = 0

    @classmethod
    def from_row(cls, row: dict, currency: str) -> LedgerTotals:
        """From one row of ``totals_aggregates()`` (None, for no entries, is zero)."""
        return cls(
            currency=currency,
            income=quantize(row["income"] or Decimal(0), currency),
            expenses=quantize(row["expenses"] or Decimal(0), currency),
            adjustments=quantize(row["adjustments"] or Decimal(0), currency),
            net=quantize(row["net"] or Decimal(0), currency),
            count=row["count"] or 0,
        )


def booked_entries(event: Event) -> QuerySet[Transaction]:
    return Transaction.objects.filter(event=event, status=Status.PAID).order_by()


def ledger_totals(event: Event) -> LedgerTotals:
    """The event's booked income, expenses, adjustments and net result (one query)."""
    return LedgerTotals.from_row(booked_entries(event).aggregate(**totals_aggregates()), event.currency)
