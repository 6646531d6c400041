"""What sponsors and donors promised, what they paid, and what is late.

received    = Σ base_amount of the booked income transactions linked to the pledge (a reversal
              carries a negative amount, so it takes its original back out);
outstanding = pledged − received, never below zero (``overpaid`` shows the excess, if any);
overdue     = the due date is before the event's today (in its time zone) and something is
              still outstanding.

Figures come from one grouped aggregate for any number of pledges (a report, a list page).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from django.db.models import QuerySet, Sum
from django.utils import timezone

from finance.models import INCOME_KINDS, Pledge, Status, Transaction
from geventator.currencies import quantize
from organizers.models import Event

ZERO = Decimal(0)


def event_today(event: Event, now: datetime | None = None) -> date:
    """The date it is now where the event takes place."""
    return (now or timezone.now()).astimezone(event.tzinfo).date()


def received_by_pledge(pledge_ids: Iterable[UUID]) -> dict[UUID, Decimal]:
    """{pledge id: Σ base amount received} in one grouped query (pledges without income are absent)."""
    ids = list(pledge_ids)
    if not ids:
        return {}
    rows = (
        Transaction.objects.filter(pledge_id__in=ids, status=Status.PAID, kind__in=sorted(INCOME_KINDS))
        .order_by()
        .values("pledge_id")
        .annotate(total=Sum("base_amount"))
    )
    return {row["pledge_id"]: row["total"] or ZERO for row in rows}


@dataclass(frozen=True)
class PledgeFigures:
    """One pledge's money, in the event's base currency (quantized to its minor unit)."""

    amount: Decimal
    received: Decimal
    due_date: date | None
    today: date

    @property
    def outstanding(self) -> Decimal:
        return max(self.amount - self.received, ZERO.quantize(self.amount))

    @property
    def overpaid(self) -> Decimal:
        return max(self.received - self.amount, ZERO.quantize(self.amount))

    @property
    def overdue(self) -> bool:
        return self.due_date is not None and self.due_date < self.today and self.outstanding > 0


def figures_for(
    pledges: Iterable[Pledge], now: datetime | None = None, today: date | None = None
) -> dict[UUID, PledgeFigures]:
    """Figures of the given pledges (their ``event`` loaded, e.g. by select_related): one query.

    ``today``: the same date for all (one event's report); by default each event's own today.
    """
    pledges = list(pledges)
    received = received_by_pledge(pledge.pk for pledge in pledges)
    todays: dict[UUID, date] = {}
    figures = {}
    for pledge in pledges:
        event = pledge.event
        if event.pk not in todays:
            todays[event.pk] = today or event_today(event, now)
        figures[pledge.pk] = PledgeFigures(
            amount=quantize(pledge.amount, event.currency),
            received=quantize(received.get(pledge.pk, ZERO), event.currency),
            due_date=pledge.due_date,
            today=todays[event.pk],
        )
    return figures


def overdue_ids(pledges: QuerySet, now: datetime | None = None) -> list[UUID]:
    """Ids of the overdue pledges in the queryset (any events): two queries, whatever its size.

    Only pledges due before the latest "today" on Earth can be late; each candidate is then
    judged by its own event's date.
    """
    latest_today = (now or timezone.now()).astimezone(timezone.get_fixed_timezone(14 * 60)).date()
    candidates = list(
        pledges.filter(due_date__isnull=False, due_date__lt=latest_today).select_related("event").order_by()
    )
    return [pk for pk, figures in figures_for(candidates, now).items() if figures.overdue]


@dataclass(frozen=True)
class PledgeLine:
    pledge_id: UUID
    party_id: UUID
    party: str
    kind: str
    tier: str
    amount: Decimal
    received: Decimal
    outstanding: Decimal
    overpaid: Decimal
    due_date: date | None
    overdue: bool


@dataclass(frozen=True)
class PledgeTotals:
    pledged: Decimal
    received: Decimal
    outstanding: Decimal
    overpaid: Decimal
    # What is still owed on the pledges that are late.
    overdue: Decimal
    overdue_count: int


@dataclass(frozen=True)
class PledgeReport:
    currency: str
    today: date
    lines: list[PledgeLine] = field(default_factory=list)
    totals: PledgeTotals | None = None


def pledge_status(event: Event, today: date | None = None) -> PledgeReport:
    """Every pledge of the event with what came in and what is still owed (two queries)."""
    pledges = list(Pledge.objects.filter(event=event).select_related("party").order_by("due_date", "party__name"))
    for pledge in pledges:
        pledge.event = event  # the caller's object: no join needed
    today = today or event_today(event)
    figures = figures_for(pledges, today=today)
    lines = []
    for pledge in pledges:
        figure = figures[pledge.pk]
        lines.append(
            PledgeLine(
                pledge_id=pledge.pk,
                party_id=pledge.party_id,
                party=pledge.party.name,
                kind=pledge.kind,
                tier=pledge.tier,
                amount=figure.amount,
                received=figure.received,
                outstanding=figure.outstanding,
                overpaid=figure.overpaid,
                due_date=pledge.due_date,
                overdue=figure.overdue,
            )
        )
    zero = quantize(ZERO, event.currency)
    totals = PledgeTotals(
        pledged=sum((line.amount for line in lines), zero),
        received=sum((line.received for line in lines), zero),
        outstanding=sum((line.outstanding for line in lines), zero),
        overpaid=sum((line.overpaid for line in lines), zero),
        overdue=sum((line.outstanding for line in lines if line.overdue), zero),
        overdue_count=sum(1 for line in lines if line.overdue),
    )
    return PledgeReport(currency=event.currency, today=today, lines=lines, totals=totals)
