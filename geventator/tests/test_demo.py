from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from activities.conflicts import RESPONSIBLE_OVERLAP, event_conflicts
from activities.models import Activity, Location, Status
from activities.models import Kind as ActivityKind
from finance.models import Account, BudgetLine, CashCount, Category, Kind, Party, Pledge, Transaction, Transfer
from finance.models import Status as EntryStatus
from finance.services.balances import account_balances, event_result
from finance.services.pledges import pledge_status
from finance.services.settle import settle_up
from geventator.demo import DEMO_PASSWORD, DEMO_SLUG
from geventator.demo_calendar import on_calendar, opening_day
from organizers.factories import OrganizerFactory
from organizers.models import Event, Membership, Organizer

pytestmark = pytest.mark.django_db

DEMO_ROLES = {
    "marina_owner": "owner",
    "tomas_treasurer": "treasurer",
    "lucia_organizer": "organizer",
    "pablo_organizer": "organizer",
    "vera_viewer": "viewer",
}


@pytest.fixture
def load_demo(settings):
    """Runs the command as `make run` does (DEBUG on) and returns what it printed."""
    settings.DEBUG = True

    def run(*args: str) -> str:
        out = StringIO()
        call_command("load_demo", *args, stdout=out)
        return out.getvalue()

    return run


def stored_counts() -> dict[str, int]:
    return {
        "events": Event.objects.count(),
        "users": Organizer.objects.count(),
        "memberships": Membership.objects.count(),
        "categories": Category.objects.count(),
        "transactions": Transaction.objects.count(),
        "locations": Location.objects.count(),
        "activities": Activity.objects.count(),
        "responsible": Activity.responsible.through.objects.count(),
        "linked transactions": Activity.transactions.through.objects.count(),
    }


def test_load_demo_loads_the_demo_event_with_ledger_and_schedule(load_demo):
    load_demo()

    event = Event.objects.get(slug=DEMO_SLUG)
    assert (event.name, event.timezone, event.currency) == ("Harbour Lights Festival 2027", "Europe/Madrid", "EUR")
    assert (event.end_date - event.start_date).days == 2
    assert stored_counts() == {
        "events": 1,
        "users": 6,  # five members and the superuser
        "memberships": 5,
        "categories": 6,
        "transactions": 40,
        "locations": 4,
        "activities": 17,
        "responsible": 22,
        "linked transactions": 5,
    }
    # Adjustments come only from confirmed cash counts; the demo's count awaits confirmation.
    assert set(Transaction.objects.values_list("kind", flat=True)) == set(Kind.values) - {Kind.ADJUSTMENT}
    assert not Transaction.objects.filter(created_by=None).exists()
    # The demo takes place in the future: nothing is "done" yet.
    assert set(Activity.objects.values_list("status", flat=True)) == set(Status.values) - {Status.DONE}
    assert not Location.objects.filter(capacity=None).exists()
    days = {activity.start.astimezone(event.tzinfo).date() for activity in Activity.objects.all()}
    assert days == {event.start_date, event.start_date + timedelta(days=1), event.end_date}
    assert set(Activity.objects.values_list("is_public", flat=True)) == {True, False}
    assert not Activity.objects.filter(kind=ActivityKind.OTHER).exists()


def test_the_demo_festival_opens_today_with_activities_today_and_on_the_next_days(load_demo):
    before = opening_day("Europe/Madrid")
    load_demo()
    after = opening_day("Europe/Madrid")  # the same day unless midnight passed in Madrid meanwhile

    event = Event.objects.get(slug=DEMO_SLUG)
    assert event.start_date in {before, after}
    today = event.start_date
    assert event.covers(today)
    days = sorted({activity.start.astimezone(event.tzinfo).date() for activity in Activity.objects.all()})
    assert days == [today, today + timedelta(days=1), today + timedelta(days=2)]
    # The ledger keeps its order around the festival: ticket sales months before, cleaning after.
    ledger = Transaction.objects.filter(event=event)
    assert ledger.filter(date__lt=today).exists() and ledger.filter(date__gt=event.end_date).exists()
    assert Transaction.objects.get(description="Box office, Friday (80 × €29.00)").date == today


def test_the_demo_books_show_every_finance_feature_and_add_up(load_demo):
    load_demo()
    event = Event.objects.get(slug=DEMO_SLUG)

    balances = account_balances(event)
    opening = sum(balance.opening for balance in balances)
    assert sum(balance.balance for balance in balances) == event_result(event) + opening
    assert {b.name: b.balance for b in balances}["Ticket shop"] == 0  # paid out to the bank
    # Both organizers paid for something out of their own pockets: the event owes them.
    assert {debt.amount > 0 for debt in settle_up(event)} == {True}
    assert len(settle_up(event)) == 2
    # Every step of the approval workflow is on show, four eyes included.
    assert set(Transaction.objects.filter(kind=Kind.PURCHASE).values_list("status", flat=True)) == {
        EntryStatus.DRAFT,
        EntryStatus.SUBMITTED,
        EntryStatus.APPROVED,
        EntryStatus.PAID,
    }
    headline = Transaction.objects.get(description="Balance for the headline act, The Tidewater Band")
    assert headline.approvals.count() == headline.approval_count == 2
    assert not headline.approvals.filter(approver=headline.submitted_by).exists()
    report = pledge_status(event, today=on_calendar(event, date(2027, 7, 1)))
    assert any(line.overdue for line in report.lines)  # the neighbourhood association owes 300
    assert Transfer.objects.filter(status="pending").count() == 1
    assert CashCount.objects.get().difference == Decimal("-24.55")
    assert BudgetLine.objects.filter(owner__isnull=False).exists()


def test_the_demo_schedule_has_exactly_its_one_intended_warning(load_demo):
    load_demo()

    [conflict] = event_conflicts(Event.objects.get(slug=DEMO_SLUG))

    assert (conflict.kind, conflict.severity) == (RESPONSIBLE_OVERLAP, "warning")
    assert Organizer.objects.get(pk=conflict.subject_id).username == "pablo_organizer"
    titles = set(Activity.objects.filter(pk__in=list(conflict.activity_ids)).values_list("title", flat=True))
    assert titles == {"Youth bands showcase", "Main Stage changeover and sound check"}


def test_load_demo_twice_keeps_the_data_without_duplicates(load_demo):
    load_demo()
    before = stored_counts()

    output = load_demo()

    assert stored_counts() == before
    assert "already there" in output
    assert "http://127.0.0.1:8000/admin/" in output  # the logins are printed on every run
    assert all(f"{username} / {DEMO_PASSWORD}" in output for username in DEMO_ROLES)


def test_demo_data_passes_model_validation(load_demo):
    load_demo()

    models = (Organizer, Event, Membership, Category, Transaction, Location, Activity)
    for model in models + (Account, Transfer, CashCount, BudgetLine, Party, Pledge):
        for obj in model.objects.all():
            obj.full_clean()
    for activity in Activity.objects.select_related("event"):
        Activity.validate_responsible(activity.event, activity.responsible.all())
        Activity.validate_transactions(activity.event, activity.transactions.all())


def test_each_demo_user_is_staff_with_its_role_and_the_demo_password(load_demo):
    load_demo()

    memberships = Membership.objects.filter(event__slug=DEMO_SLUG).select_related("organizer")
    assert {m.organizer.username: m.role for m in memberships} == DEMO_ROLES
    for membership in memberships:
        user = membership.organizer
        assert user.is_staff and user.is_active and not user.is_superuser
        assert user.check_password(DEMO_PASSWORD)


def test_load_demo_creates_the_admin_superuser(load_demo):
    output = load_demo()

    admin = Organizer.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.check_password(DEMO_PASSWORD)
    assert f"admin / {DEMO_PASSWORD}" in output
    assert not admin.memberships.exists()


def test_load_demo_leaves_an_existing_admin_password_alone(load_demo):
    OrganizerFactory(username="admin", is_superuser=True, password="my own secret")

    output = load_demo()

    admin = Organizer.objects.get(username="admin")
    assert admin.check_password("my own secret")
    assert f"admin / {DEMO_PASSWORD}" not in output
    assert Organizer.objects.filter(username="admin").count() == 1


def test_load_demo_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="--force"):
        call_command("load_demo", stdout=StringIO())

    assert not Event.objects.exists()
    assert not Organizer.objects.exists()


def test_load_demo_with_force_runs_with_debug_off(settings):
    settings.DEBUG = False

    call_command("load_demo", "--force", stdout=StringIO())

    assert Event.objects.filter(slug=DEMO_SLUG).exists()
