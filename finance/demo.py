"""The demo event's money side: where its money sits, the budget, sponsors, the approval queue.

Called by geventator.demo when the demo event is created; fixed data like the rest of the demo,
its dates moved with the festival's opening (geventator.demo_calendar).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from finance.models import (
    Account,
    AccountKind,
    Approval,
    BudgetLine,
    CashCount,
    Category,
    CountStatus,
    Direction,
    Party,
    PartyKind,
    Pledge,
    Status,
    Transaction,
    Transfer,
    TransferPurpose,
    TransferStatus,
)
from geventator.demo_calendar import on_calendar
from organizers.models import Event, Organizer

FOUR_EYES_THRESHOLD = Decimal("4000.00")

# name: (kind, holder username or None, opening balance)
ACCOUNTS: dict[str, tuple[AccountKind, str | None, str]] = {
    "Main account": (AccountKind.BANK, None, "2500.00"),
    "Ticket shop": (AccountKind.PROVIDER, None, "0.00"),
    "Box office cash": (AccountKind.CASH, "lucia_organizer", "200.00"),
    "Bar cash box": (AccountKind.CASH, "pablo_organizer", "300.00"),
    "Pocket: lucia_organizer": (AccountKind.POCKET, "lucia_organizer", "0.00"),
    "Pocket: pablo_organizer": (AccountKind.POCKET, "pablo_organizer", "0.00"),
}

# Transactions (by description) that did not go through the main account.
ACCOUNT_OF: dict[str, str] = {
    "Early-bird tickets (360 × €19.00)": "Ticket shop",
    "Regular tickets, March–April (366 × €25.00)": "Ticket shop",
    "Regular tickets, May (499 × €25.00)": "Ticket shop",
    "Box office, Friday (80 × €29.00)": "Box office cash",
    "Box office, Saturday (146 × €29.00)": "Box office cash",
    "Box office, Sunday (61 × €29.00)": "Box office cash",
    "T-shirts and tote bags, merch stand": "Box office cash",
    "Donation boxes at the gates": "Box office cash",
    "Bar takings, Friday": "Bar cash box",
    "Bar takings, Saturday": "Bar cash box",
    "Bar takings, Sunday": "Bar cash box",
    "Cup deposits kept (cups not returned)": "Bar cash box",
    # Paid by organizers out of their own pockets: the event owes them (see "settle up").
    "Compostable plates and cutlery": "Pocket: lucia_organizer",
    "Crew catering on the build days": "Pocket: pablo_organizer",
    "Replacement cables and gaffer tape": "Pocket: pablo_organizer",
}

# Expenses still in the approval workflow (every other expense is paid): description → status.
WORKFLOW: dict[str, Status] = {
    "Artists' hotel rooms, 3 nights": Status.APPROVED,
    "Site cleaning after the festival": Status.SUBMITTED,
    "Replacement cables and gaffer tape": Status.DRAFT,
}
APPROVER = "tomas_treasurer"

# (from, to, amount, date, purpose, description, confirmed)
TRANSFERS: list[tuple[str, str, str, date, TransferPurpose, str, bool]] = [
    ("Ticket shop", "Main account", "28465.00", date(2027, 6, 3), TransferPurpose.TRANSFER, "Ticket shop payout", True),
    (
        "Bar cash box",
        "Main account",
        "9000.00",
        date(2027, 6, 13),
        TransferPurpose.HANDOVER,
        "Bar takings to the bank",
        True,
    ),
    (
        "Box office cash",
        "Main account",
        "8000.00",
        date(2027, 6, 14),
        TransferPurpose.HANDOVER,
        "Box office takings to the bank",
        True,
    ),
    (
        "Main account",
        "Pocket: lucia_organizer",
        "348.20",
        date(2027, 6, 14),
        TransferPurpose.REIMBURSEMENT,
        "Reimbursement: compostable plates",
        False,
    ),
]

# category: (direction, planned, owner username or None)
BUDGET: list[tuple[str, Direction, str, str | None]] = [
    ("Artists", Direction.EXPENSE, "11000.00", "pablo_organizer"),
    ("Stage & production", Direction.EXPENSE, "10500.00", "pablo_organizer"),
    ("Venue & permits", Direction.EXPENSE, "4500.00", None),
    ("Bar & food", Direction.EXPENSE, "4200.00", None),
    ("Marketing", Direction.EXPENSE, "2000.00", "lucia_organizer"),
    ("Tickets & merchandise", Direction.EXPENSE, "600.00", None),
    ("Tickets & merchandise", Direction.INCOME, "36000.00", None),
    ("Bar & food", Direction.INCOME, "11000.00", None),
    ("Marketing", Direction.INCOME, "1500.00", None),
]

# name: (kind, contact person, email)
PARTIES: dict[str, tuple[PartyKind, str, str]] = {
    "Cervezas Turia S.A.": (PartyKind.SPONSOR, "Elena Roig", "patrocinio@cervezasturia.example"),
    "Ràdio Marina": (PartyKind.SPONSOR, "Jordi Puig", "comercial@radiomarina.example"),
    "Fundació Caixa Mediterrània": (PartyKind.SPONSOR, "Clara Vidal", "cultura@fcm.example"),
    "Luz y Escena S.L.": (PartyKind.SUPPLIER, "Andrés Molina", "info@luzyescena.example"),
    "Associació de Veïns del Grau": (PartyKind.DONOR, "Rosa Martí", "avvgrau@example.org"),
    "Tidewater Music S.L.": (PartyKind.SUPPLIER, "Sam Okafor", "booking@tidewater.example"),
}

# (party, kind, amount, tier, deliverables, due date, income transactions that paid it)
PLEDGES: list[tuple[str, Pledge.Kind, str, str, str, date, tuple[str, ...]]] = [
    (
        "Cervezas Turia S.A.",
        Pledge.Kind.SPONSORSHIP,
        "8000.00",
        "Main sponsor",
        "Exclusive beer at the bar, logo on every poster and the main stage banner.",
        date(2027, 5, 31),
        ("Main sponsor package",),
    ),
    (
        "Ràdio Marina",
        Pledge.Kind.SPONSORSHIP,
        "1500.00",
        "Media partner",
        "On-air campaign, live broadcast of the closing night.",
        date(2027, 3, 31),
        ("Media partner: on-air campaign and live broadcast",),
    ),
    (
        "Fundació Caixa Mediterrània",
        Pledge.Kind.SPONSORSHIP,
        "3000.00",
        "Culture partner",
        "Naming of the Sunday family concert.",
        date(2027, 4, 30),
        ("Culture programme sponsorship (Sunday family concert)",),
    ),
    (
        "Associació de Veïns del Grau",
        Pledge.Kind.DONATION,
        "800.00",
        "",
        "",
        date(2027, 6, 30),
        ("Donation from the neighbourhood association",),
    ),
]


def _at(event: Event, day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=event.tzinfo)


@dataclass
class DemoBooks:
    accounts: dict[str, Account]
    parties: dict[str, Party]
    pledge_of: dict[str, Pledge]  # income description → the pledge it pays


def prepare(event: Event, people: dict[str, Organizer]) -> DemoBooks:
    """What the ledger rows refer to: accounts, parties and pledges (before any transaction)."""
    event.four_eyes_threshold = FOUR_EYES_THRESHOLD
    event.save(update_fields=["four_eyes_threshold"])
    accounts = {
        name: Account.objects.create(
            event=event,
            name=name,
            kind=kind,
            holder=people[holder] if holder else None,
            opening_balance=Decimal(opening),
        )
        for name, (kind, holder, opening) in ACCOUNTS.items()
    }
    parties = {
        name: Party.objects.create(event=event, name=name, kind=kind, contact_name=contact, email=email)
        for name, (kind, contact, email) in PARTIES.items()
    }
    pledge_of = {}
    for party, kind, amount, tier, deliverables, due, paid_by in PLEDGES:
        pledge = Pledge.objects.create(
            event=event,
            party=parties[party],
            kind=kind,
            amount=Decimal(amount),
            tier=tier,
            deliverables=deliverables,
            due_date=on_calendar(event, due),
        )
        pledge_of.update(dict.fromkeys(paid_by, pledge))
    return DemoBooks(accounts=accounts, parties=parties, pledge_of=pledge_of)


def dress(transaction: Transaction, books: DemoBooks, people: dict[str, Organizer]) -> None:
    """Account, party, pledge and workflow state of a ledger row, set before its first save
    (approved and paid entries cannot be changed afterwards)."""
    description = transaction.description
    transaction.account = books.accounts[ACCOUNT_OF.get(description, "Main account")]
    transaction.party = books.parties.get(transaction.counterparty)
    transaction.pledge = books.pledge_of.get(description)
    if transaction.is_expense:
        _through_workflow(transaction, WORKFLOW.get(description, Status.PAID), people)


def finish(event: Event, books: DemoBooks, people: dict[str, Organizer], ledger: dict[str, Transaction]) -> None:
    """Approvals of the saved expenses, the budget, transfers and a pending cash count."""
    Approval.objects.bulk_create(
        Approval(event=event, transaction=transaction, approver=people[approver])
        for transaction in ledger.values()
        if transaction.is_expense and transaction.status in (Status.APPROVED, Status.PAID)
        for approver in _approvers(transaction)
    )
    categories = {category.name: category for category in Category.objects.filter(event=event)}
    for category, direction, planned, owner in BUDGET:
        BudgetLine.objects.create(
            event=event,
            category=categories[category],
            direction=direction,
            planned=Decimal(planned),
            owner=people[owner] if owner else None,
        )
    treasurer = people[APPROVER]
    for source, target, amount, table_day, purpose, description, confirmed in TRANSFERS:
        day = on_calendar(event, table_day)
        Transfer.objects.create(
            event=event,
            from_account=books.accounts[source],
            to_account=books.accounts[target],
            amount=Decimal(amount),
            date=day,
            purpose=purpose,
            description=description,
            status=TransferStatus.CONFIRMED if confirmed else TransferStatus.PENDING,
            created_by=treasurer,
            sent_confirmed_by=treasurer,
            sent_confirmed_at=_at(event, day),
            received_confirmed_by=treasurer if confirmed else None,
            received_confirmed_at=_at(event, day, 13) if confirmed else None,
        )
    # Pablo counted the bar cash box on the last night; the treasurer has not confirmed it yet.
    CashCount.objects.create(
        event=event,
        account=books.accounts["Bar cash box"],
        counted_at=_at(event, event.end_date, 23),
        counted_amount=Decimal("3860.00"),
        expected_amount=Decimal("3884.55"),
        status=CountStatus.PENDING,
        reason="Counted twice; a few coins short after the last rush.",
        counted_by=people["pablo_organizer"],
    )


def _approvers(transaction: Transaction) -> list[str]:
    """Who approved: never the submitter; two people above the four-eyes threshold (the owner of
    the Artists budget line, Pablo, is the second approver of the headline act's fee)."""
    candidates = [
        name
        for name in (APPROVER, "marina_owner", "pablo_organizer")
        if transaction.created_by is None or name != transaction.created_by.get_username()
    ]
    return candidates[: 2 if transaction.base_amount > FOUR_EYES_THRESHOLD else 1]


def _through_workflow(transaction: Transaction, status: Status, people: dict[str, Organizer]) -> None:
    event = transaction.event
    transaction.status = status
    if status == Status.DRAFT:
        return
    transaction.submitted_by = transaction.created_by
    transaction.submitted_at = _at(event, transaction.date, 9)
    if status == Status.SUBMITTED:
        return
    transaction.compute_base_amounts()
    transaction.approval_count = len(_approvers(transaction))
    transaction.approved_at = _at(event, transaction.date, 10)
    if status == Status.PAID:
        transaction.paid_by = people[APPROVER]
        transaction.paid_at = _at(event, transaction.date, 11)
