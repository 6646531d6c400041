"""A realistic demo event for development: "Harbour Lights Festival 2027" (``manage.py load_demo``).

It opens on the day it is loaded (geventator.demo_calendar): the tables' dates are moved with it.

The data is written once: when the event's slug is already in the store nothing of the demo is
written again, so ``make run`` can load it on every start. The tables are fixed data: the tests
check that every object passes ``full_clean()`` and the responsible-organizer rule, so loading
skips those queries.
"""

# The data tables below read best one row per line.
# ruff: noqa: E501

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import TypeVar

from django.contrib.auth.hashers import make_password
from django.db import models

from activities.models import Activity, Location, Status
from activities.models import Kind as ActivityKind
from finance import demo as finance_demo
from finance.models import Category, Kind, Transaction
from geventator.db import atomic
from geventator.demo_calendar import TABLE_OPENING, on_calendar, opening_day
from organizers.models import Event, Membership, Organizer, Role

DEMO_SLUG = "harbour-lights-2027"
# Development only (the command refuses to run with DEBUG off unless forced).
DEMO_PASSWORD = "harbour-lights-demo"  # noqa: S105
SUPERUSER_USERNAME = "admin"

EVENT = {
    "name": "Harbour Lights Festival 2027",
    "slug": DEMO_SLUG,
    # The tables' dates: loading moves them so that the festival opens today (geventator.demo_calendar).
    "start_date": TABLE_OPENING,
    "end_date": TABLE_OPENING + timedelta(days=2),
    "timezone": "Europe/Madrid",
    "currency": "EUR",
    "description": (
        "Three days of concerts, workshops and food on the old harbour of València: a lantern "
        "parade opens the festival on the first evening and the harbour lights close it on the last night. "
        "Run by volunteers; every euro is accounted for in the shared ledger."
    ),
}


@dataclass(frozen=True)
class ActivitySpec:
    title: str
    day: int  # 0 = the event's first day
    start: str  # "HH:MM", event time
    minutes: int
    location: str | None
    status: Status
    responsible: tuple[str, ...]
    description: str = ""
    kind: ActivityKind = ActivityKind.OTHER
    capacity: int | None = None
    public: bool = True  # shows are public; briefings and crew work are internal
    transactions: tuple[str, ...] = ()  # descriptions of TRANSACTIONS rows


# fmt: off
# username: (first name, last name, role). Keys below refer to these usernames.
MEMBERS: dict[str, tuple[str, str, Role]] = {
    "marina_owner": ("Marina", "Soler", Role.OWNER),
    "tomas_treasurer": ("Tomás", "Ferrer", Role.TREASURER),
    "lucia_organizer": ("Lucía", "Navarro", Role.ORGANIZER),
    "pablo_organizer": ("Pablo", "Ruiz", Role.ORGANIZER),
    "vera_viewer": ("Vera", "Costa", Role.VIEWER),
}

CATEGORIES: dict[str, str] = {
    "Artists": "Fees, travel and hospitality of the performers.",
    "Stage & production": "Stage, sound, lighting and crew.",
    "Venue & permits": "Harbour licence, insurance, fencing and cleaning.",
    "Bar & food": "Bar stock and supplies; bar takings.",
    "Tickets & merchandise": "Ticket sales, payment terminals and the merch stand.",
    "Marketing": "Posters, ads, the website and media partners.",
}

# (date, kind, category or None, amount, description, counterparty, created by)
TRANSACTIONS: list[tuple[date, Kind, str | None, str, str, str, str]] = [
    # Purchases (expenses)
    (date(2027, 1, 15), Kind.PURCHASE, "Venue & permits", "1850.00", "Harbour authority event licence", "Autoritat Portuària de València", "tomas_treasurer"),
    (date(2027, 2, 3), Kind.PURCHASE, "Marketing", "412.35", "Print run: 5,000 flyers and 300 A2 posters", "Imprenta Grau", "lucia_organizer"),
    (date(2027, 2, 20), Kind.PURCHASE, "Artists", "1500.00", "Deposit for the headline act, The Tidewater Band", "Tidewater Music S.L.", "tomas_treasurer"),
    (date(2027, 3, 10), Kind.PURCHASE, "Venue & permits", "968.40", "Public liability insurance, 3 days", "Mapfre Seguros", "tomas_treasurer"),
    (date(2027, 4, 2), Kind.PURCHASE, "Marketing", "275.00", "Social media ads, April campaign", "Meta Platforms Ireland", "lucia_organizer"),
    (date(2027, 5, 6), Kind.PURCHASE, "Stage & production", "3240.00", "PA system and monitors for the main stage (rental)", "SoundWave Rentals", "pablo_organizer"),
    (date(2027, 5, 6), Kind.PURCHASE, "Stage & production", "1875.50", "Lighting rig rental with operator", "Luz y Escena S.L.", "pablo_organizer"),
    (date(2027, 5, 20), Kind.PURCHASE, "Venue & permits", "1120.00", "Crowd-control fencing, 200 m", "Vallas Levante", "tomas_treasurer"),
    (date(2027, 6, 1), Kind.PURCHASE, "Bar & food", "2684.90", "Bar stock: beer kegs, soft drinks and ice", "Distribuciones Turia", "pablo_organizer"),
    (date(2027, 6, 5), Kind.PURCHASE, "Bar & food", "348.20", "Compostable plates and cutlery", "EcoPack València", "lucia_organizer"),
    (date(2027, 6, 9), Kind.PURCHASE, "Stage & production", "640.00", "Crew catering on the build days", "Bar La Drassana", "pablo_organizer"),
    (date(2027, 6, 11), Kind.PURCHASE, "Artists", "4500.00", "Balance for the headline act, The Tidewater Band", "Tidewater Music S.L.", "tomas_treasurer"),
    (date(2027, 6, 11), Kind.PURCHASE, "Artists", "850.00", "Fee: Marea Baja (Friday opener)", "Marea Baja", "tomas_treasurer"),
    (date(2027, 6, 12), Kind.PURCHASE, "Artists", "1200.00", "Fee: Cumbia del Puerto", "Cumbia del Puerto", "tomas_treasurer"),
    (date(2027, 6, 12), Kind.PURCHASE, "Artists", "1386.75", "Artists' hotel rooms, 3 nights", "Hotel Marina Sol", "tomas_treasurer"),
    (date(2027, 6, 14), Kind.PURCHASE, "Venue & permits", "735.00", "Site cleaning after the festival", "Netejes del Port", "tomas_treasurer"),
    (date(2027, 6, 15), Kind.PURCHASE, "Stage & production", "212.60", "Replacement cables and gaffer tape", "Thomann", "pablo_organizer"),
    # Investments (expenses that last beyond this edition)
    (date(2027, 2, 12), Kind.INVESTMENT, "Stage & production", "2890.00", "12 LED par lights, kept for future editions", "Thomann", "tomas_treasurer"),
    (date(2027, 3, 1), Kind.INVESTMENT, "Bar & food", "1460.00", "4,000 reusable branded cups", "CupCycle", "tomas_treasurer"),
    (date(2027, 3, 18), Kind.INVESTMENT, "Tickets & merchandise", "579.00", "Two card payment terminals", "SumUp", "tomas_treasurer"),
    (date(2027, 4, 10), Kind.INVESTMENT, "Marketing", "1200.00", "Festival website and ticket shop", "Estudio Faro", "marina_owner"),
    (date(2027, 5, 15), Kind.INVESTMENT, "Stage & production", "945.80", "Stage risers and weatherproof covers", "Escenarios Mediterráneo", "pablo_organizer"),
    # Sales (income)
    (date(2027, 3, 1), Kind.SALE, "Tickets & merchandise", "6840.00", "Early-bird tickets (360 × €19.00)", "Online ticket shop", "tomas_treasurer"),
    (date(2027, 4, 30), Kind.SALE, "Tickets & merchandise", "9150.00", "Regular tickets, March–April (366 × €25.00)", "Online ticket shop", "tomas_treasurer"),
    (date(2027, 5, 31), Kind.SALE, "Tickets & merchandise", "12475.00", "Regular tickets, May (499 × €25.00)", "Online ticket shop", "tomas_treasurer"),
    (date(2027, 6, 11), Kind.SALE, "Tickets & merchandise", "2320.00", "Box office, Friday (80 × €29.00)", "Box office", "lucia_organizer"),
    (date(2027, 6, 12), Kind.SALE, "Tickets & merchandise", "4234.00", "Box office, Saturday (146 × €29.00)", "Box office", "lucia_organizer"),
    (date(2027, 6, 13), Kind.SALE, "Tickets & merchandise", "1769.00", "Box office, Sunday (61 × €29.00)", "Box office", "lucia_organizer"),
    (date(2027, 6, 11), Kind.SALE, "Bar & food", "3412.50", "Bar takings, Friday", "Festival bar", "pablo_organizer"),
    (date(2027, 6, 12), Kind.SALE, "Bar & food", "5987.25", "Bar takings, Saturday", "Festival bar", "pablo_organizer"),
    (date(2027, 6, 13), Kind.SALE, "Bar & food", "2764.80", "Bar takings, Sunday", "Festival bar", "pablo_organizer"),
    (date(2027, 6, 13), Kind.SALE, "Tickets & merchandise", "1318.00", "T-shirts and tote bags, merch stand", "Merch stand", "lucia_organizer"),
    (date(2027, 6, 13), Kind.SALE, "Bar & food", "420.00", "Cup deposits kept (cups not returned)", "Festival bar", "tomas_treasurer"),
    # Donations (income)
    (date(2027, 2, 28), Kind.DONATION, None, "1865.00", "Crowdfunding campaign payout", "Verkami", "tomas_treasurer"),
    (date(2027, 4, 22), Kind.DONATION, None, "500.00", "Donation from the neighbourhood association", "Associació de Veïns del Grau", "marina_owner"),
    (date(2027, 6, 13), Kind.DONATION, None, "312.45", "Donation boxes at the gates", "Festival visitors", "lucia_organizer"),
    # Sponsorships (income)
    (date(2027, 2, 15), Kind.SPONSORSHIP, None, "5000.00", "Main sponsor package", "Cervezas Turia S.A.", "marina_owner"),
    (date(2027, 3, 20), Kind.SPONSORSHIP, "Marketing", "1500.00", "Media partner: on-air campaign and live broadcast", "Ràdio Marina", "marina_owner"),
    (date(2027, 4, 5), Kind.SPONSORSHIP, None, "3000.00", "Culture programme sponsorship (Sunday family concert)", "Fundació Caixa Mediterrània", "marina_owner"),
    (date(2027, 5, 12), Kind.SPONSORSHIP, "Stage & production", "750.00", "Lighting partner: Lighthouse Tent naming", "Luz y Escena S.L.", "marina_owner"),
]

# name: (address, capacity)
LOCATIONS: dict[str, tuple[str, int]] = {
    "Main Stage": ("Moll de la Marina 1, 46024 València", 3000),
    "Lighthouse Tent": ("Moll de Ponent, next to the lighthouse", 400),
    "Fish Market Hall": ("Carrer de la Llotja del Peix 3, 46011 València", 250),
    "Pier 4 Workshop Room": ("Tinglado 4, upper floor", 40),
}


ACTIVITIES: list[ActivitySpec] = [
    # Friday
    ActivitySpec("Volunteer briefing", 0, "16:00", 60, "Pier 4 Workshop Room", Status.CONFIRMED, ("lucia_organizer",), "Shifts, radios and the safety plan for all volunteers.", kind=ActivityKind.MEETING, capacity=40, public=False),
    ActivitySpec("Opening: harbour lantern parade", 0, "18:00", 75, None, Status.CONFIRMED, ("lucia_organizer", "marina_owner"), "From the lighthouse along the quay to the Main Stage.", kind=ActivityKind.PERFORMANCE, capacity=1500),
    ActivitySpec("Marea Baja", 0, "19:30", 60, "Main Stage", Status.CONFIRMED, ("pablo_organizer",), "Local indie-folk opener.", kind=ActivityKind.CONCERT, capacity=2000, transactions=("Fee: Marea Baja (Friday opener)",)),
    ActivitySpec("Sea shanty singalong", 0, "20:00", 90, "Lighthouse Tent", Status.CONFIRMED, ("lucia_organizer",), kind=ActivityKind.CONCERT, capacity=350),
    ActivitySpec("The Tidewater Band", 0, "21:00", 120, "Main Stage", Status.CONFIRMED, ("pablo_organizer", "marina_owner"), "Headline concert.", kind=ActivityKind.CONCERT, capacity=3000, transactions=("Deposit for the headline act, The Tidewater Band", "Balance for the headline act, The Tidewater Band")),
    # Saturday
    ActivitySpec("Lantern-making workshop for children", 1, "10:00", 120, "Pier 4 Workshop Room", Status.CONFIRMED, ("lucia_organizer",), "Ages 6–12; materials provided.", kind=ActivityKind.WORKSHOP, capacity=30),
    ActivitySpec("Talk: a hundred years of the fish market", 1, "11:30", 60, "Fish Market Hall", Status.CONFIRMED, ("marina_owner",), kind=ActivityKind.TALK, capacity=200),
    ActivitySpec("Seafood tasting with harbour restaurants", 1, "13:30", 120, "Fish Market Hall", Status.CONFIRMED, ("tomas_treasurer",), kind=ActivityKind.MEAL, capacity=250),
    ActivitySpec("Youth bands showcase", 1, "17:00", 90, "Lighthouse Tent", Status.PLANNED, ("pablo_organizer",), "Three school bands; line-up to be confirmed.", kind=ActivityKind.CONCERT, capacity=400),
    # The demo's one intended warning: Pablo leaves the showcase early to run the changeover.
    ActivitySpec("Main Stage changeover and sound check", 1, "18:00", 120, "Main Stage", Status.CONFIRMED, ("pablo_organizer",), "Crew only. Pablo leaves the youth showcase to the school's teachers at 18:00.", kind=ActivityKind.LOGISTICS, capacity=20, public=False),
    ActivitySpec("Cumbia del Puerto", 1, "20:30", 90, "Main Stage", Status.CONFIRMED, ("pablo_organizer",), kind=ActivityKind.CONCERT, capacity=3000, transactions=("Fee: Cumbia del Puerto",)),
    ActivitySpec("Silent disco on the pier", 1, "22:30", 120, "Lighthouse Tent", Status.CANCELLED, ("lucia_organizer",), "Cancelled: the headphone supplier could not deliver.", kind=ActivityKind.PERFORMANCE, capacity=300),
    # Sunday
    ActivitySpec("Beach clean-up", 2, "09:30", 90, None, Status.CONFIRMED, ("lucia_organizer", "vera_viewer"), "Meet at the Pier 4 entrance; gloves and bags provided.", kind=ActivityKind.LOGISTICS, capacity=60),
    ActivitySpec("Family concert: the Harbour Brass", 2, "12:00", 90, "Main Stage", Status.CONFIRMED, ("pablo_organizer",), kind=ActivityKind.CONCERT, capacity=2500, transactions=("Culture programme sponsorship (Sunday family concert)",)),
    ActivitySpec("Paella contest", 2, "14:00", 150, "Fish Market Hall", Status.PLANNED, ("tomas_treasurer", "lucia_organizer"), kind=ActivityKind.MEAL, capacity=250),
    ActivitySpec("Photography exhibition: closing talk", 2, "18:00", 60, "Fish Market Hall", Status.PLANNED, ("marina_owner",), kind=ActivityKind.TALK, capacity=120),
    ActivitySpec("Closing night: lights over the harbour", 2, "21:00", 180, "Main Stage", Status.CONFIRMED, ("pablo_organizer", "marina_owner"), "Ends at midnight with the harbour lights.", kind=ActivityKind.CONCERT, capacity=3000),
]
# fmt: on


@dataclass
class DemoResult:
    event: Event
    created: bool  # False: the demo event was already there and nothing of it was written
    superuser_created: bool
    members: list[tuple[Organizer, str]] = field(default_factory=list)  # (user, role), owner first


def load_demo() -> DemoResult:
    """Make sure the superuser and the demo event exist; write nothing that is already there."""
    # One hash for all demo users, made only if one is created: hashing is deliberately slow.
    password_hash = cache(lambda: make_password(DEMO_PASSWORD))
    with atomic():
        superuser_created = _ensure_superuser(password_hash)
        event = Event.objects.filter(slug=DEMO_SLUG).first()
        created = event is None
        if event is None:
            event = _create_event(password_hash)
    return DemoResult(event=event, created=created, superuser_created=superuser_created, members=members_of(event))


def members_of(event: Event) -> list[tuple[Organizer, str]]:
    ranked = sorted(
        Membership.objects.filter(event=event).select_related("organizer"),
        key=lambda m: (-Role(m.role).rank, m.organizer.username),
    )
    return [(m.organizer, m.role) for m in ranked]


_M = TypeVar("_M", bound=models.Model)


def _saved(obj: _M) -> _M:
    obj.save()
    return obj


def _ensure_superuser(password_hash: Callable[[], str]) -> bool:
    # An existing "admin" keeps its password (and everything else): it may be someone's real login.
    if Organizer.objects.filter(username=SUPERUSER_USERNAME).exists():
        return False
    user = Organizer(
        username=SUPERUSER_USERNAME,
        email="admin@example.org",
        first_name="Demo",
        last_name="Administrator",
        is_staff=True,
        is_superuser=True,
    )
    user.password = password_hash()
    _saved(user)
    return True


def _organizer(username: str, first_name: str, last_name: str, password_hash: Callable[[], str]) -> Organizer:
    # A demo user left over from an earlier (deleted) demo event is reused as it is.
    existing = Organizer.objects.filter(username=username).first()
    if existing is not None:
        return existing
    user = Organizer(
        username=username,
        email=f"{username.split('_')[0]}@harbourlights.example",
        first_name=first_name,
        last_name=last_name,
        is_staff=True,  # so they can sign in to the admin
    )
    user.password = password_hash()
    return _saved(user)


def _create_event(password_hash: Callable[[], str]) -> Event:
    event = Event(**EVENT)
    length = event.end_date - event.start_date
    event.start_date = opening_day(event.timezone)
    event.end_date = event.start_date + length
    _saved(event)
    people: dict[str, Organizer] = {}
    for username, (first_name, last_name, role) in MEMBERS.items():
        people[username] = _organizer(username, first_name, last_name, password_hash)
        _saved(Membership(event=event, organizer=people[username], role=role))

    categories = {
        name: _saved(Category(event=event, name=name, description=description))
        for name, description in CATEGORIES.items()
    }
    books = finance_demo.prepare(event, people)
    ledger: dict[str, Transaction] = {}
    for day, kind, category, amount, description, counterparty, creator in TRANSACTIONS:
        transaction = ledger[description] = Transaction(
            event=event,
            kind=kind,
            amount=Decimal(amount),
            currency=event.currency,
            date=on_calendar(event, day),
            description=description,
            category=categories[category] if category else None,
            counterparty=counterparty,
            created_by=people[creator],
        )
        finance_demo.dress(transaction, books, people)
        _saved(transaction)
    finance_demo.finish(event, books, people, ledger)

    locations = {
        name: _saved(Location(event=event, name=name, address=address, capacity=capacity))
        for name, (address, capacity) in LOCATIONS.items()
    }
    for spec in ACTIVITIES:
        hour, minute = (int(part) for part in spec.start.split(":"))
        day = event.start_date + timedelta(days=spec.day)
        start = datetime(day.year, day.month, day.day, hour, minute, tzinfo=event.tzinfo)
        activity = _saved(
            Activity(
                event=event,
                title=spec.title,
                description=spec.description,
                start=start,
                end=start + timedelta(minutes=spec.minutes),
                location=locations[spec.location] if spec.location else None,
                status=spec.status,
                kind=spec.kind,
                capacity=spec.capacity,
                is_public=spec.public,
            )
        )
        activity.responsible.set([people[username] for username in spec.responsible])
        if spec.transactions:
            activity.transactions.set([ledger[description] for description in spec.transactions])
    return event
