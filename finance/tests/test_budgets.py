"""Budget lines and budget against actual: the service, the API and the admin."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from finance.factories import BudgetLineFactory, CategoryFactory, TransactionFactory
from finance.models import BudgetLine, Direction, Kind, Status
from finance.services import approvals
from finance.services.budgets import budget_vs_actual
from organizers.factories import MembershipFactory, OrganizerFactory
from organizers.tests.admin_support import admin_url

pytestmark = pytest.mark.django_db

LINES = "/api/budget-lines/"


def budget_url(event) -> str:
    return f"/api/events/{event.pk}/budget/"


@pytest.fixture
def budget(event_a, event_b):
    """Event A: Sound (expense, 500 planned), Catering (expense, 200), Tickets (income, 1000); a
    ledger with every status, a reversal, a foreign amount and an entry outside the budget."""
    sound = CategoryFactory(event=event_a, name="Sound")
    catering = CategoryFactory(event=event_a, name="Catering")
    tickets = CategoryFactory(event=event_a, name="Tickets")
    lines = {
        "sound": BudgetLineFactory(event=event_a, category=sound, planned=Decimal("500.00")),
        "catering": BudgetLineFactory(event=event_a, category=catering, planned=Decimal("200.00")),
        "tickets": BudgetLineFactory(
            event=event_a, category=tickets, direction=Direction.INCOME, planned=Decimal("1000.00")
        ),
    }

    def entry(category, amount, status=Status.PAID, kind=Kind.PURCHASE, **fields):
        return TransactionFactory(
            event=event_a, category=category, kind=kind, status=status, amount=Decimal(amount), **fields
        )

    entry(sound, "120.10")
    entry(sound, "0.20", kind=Kind.INVESTMENT)
    entry(sound, "80.00", status=Status.APPROVED)  # committed
    entry(sound, "999.00", status=Status.DRAFT)
    entry(sound, "999.00", status=Status.SUBMITTED)
    entry(sound, "999.00", status=Status.REJECTED)
    entry(sound, "30.00", kind=Kind.SALE)  # income of an expense category: not its expense line
    # 100 USD at 0.9 EUR: 90.00 EUR, then reversed (paid): it cancels out.
    usd = entry(catering, "100.00", currency="USD", exchange_rate=Decimal("0.9"))
    entry(catering, "250.00")
    entry(tickets, "400.00", kind=Kind.SALE)
    entry(tickets, "0.05", kind=Kind.DONATION)
    entry(None, "15.00")  # outside the budget: no category
    entry(CategoryFactory(event=event_a, name="Flowers"), "7.00", status=Status.APPROVED)  # no line
    TransactionFactory(event=event_b, category=CategoryFactory(event=event_b), amount=Decimal("5000.00"))
    return {**lines, "usd": usd}


def test_budget_vs_actual_per_line_and_direction(event_a, budget, treasurer):
    approvals.reverse(budget["usd"], treasurer, "Wrong supplier")

    report = budget_vs_actual(event_a)

    rows = {(line.category_name, line.direction): line for line in report.lines}
    figures = {key: (line.planned, line.actual, line.committed, line.variance) for key, line in rows.items()}
    assert figures == {
        ("Sound", "expense"): (Decimal("500.00"), Decimal("120.30"), Decimal("80.00"), Decimal("299.70")),
        ("Catering", "expense"): (Decimal("200.00"), Decimal("250.00"), Decimal("0.00"), Decimal("-50.00")),
        ("Tickets", "income"): (Decimal("1000.00"), Decimal("400.05"), Decimal("0.00"), Decimal("599.95")),
    }
    assert [line.category_name for line in report.lines] == ["Catering", "Sound", "Tickets"]
    assert rows[("Sound", "expense")].budget_line_id == budget["sound"].pk
    expense, income = report.totals["expense"], report.totals["income"]
    assert (expense.planned, expense.actual, expense.committed, expense.variance) == (
        Decimal("700.00"),
        Decimal("370.30"),
        Decimal("80.00"),
        Decimal("249.70"),
    )
    assert (expense.unbudgeted, income.unbudgeted) == (Decimal("22.00"), Decimal("30.00"))
    assert (income.planned, income.actual, income.variance) == (
        Decimal("1000.00"),
        Decimal("400.05"),
        Decimal("599.95"),
    )
    assert report.currency == "EUR"


def test_budget_of_an_event_without_lines_is_empty(event_a):
    TransactionFactory(event=event_a, amount=Decimal("12.00"))

    report = budget_vs_actual(event_a)

    assert report.lines == []
    assert report.totals["expense"].planned == Decimal("0.00")
    assert report.totals["expense"].unbudgeted == Decimal("12.00")


def test_budget_vs_actual_costs_the_same_queries_for_few_or_many_lines(event_a, django_assert_max_num_queries):
    def lines(count: int) -> int:
        for _ in range(count - BudgetLine.objects.count()):
            line = BudgetLineFactory(event=event_a)
            TransactionFactory(event=event_a, category=line.category)
        with CaptureQueriesContext(connection) as captured:
            budget_vs_actual(event_a)
        return len(captured)

    few, many = lines(2), lines(12)

    assert few == many
    with django_assert_max_num_queries(2):
        budget_vs_actual(event_a)


# --- The budget endpoint --------------------------------------------------------------------------


def test_budget_endpoint_answers_every_member(api, viewer, event_a, budget):
    response = api.as_user(viewer).get(budget_url(event_a))

    assert response.status_code == 200
    data = response.json()
    assert data["currency"] == "EUR"
    sound = next(line for line in data["lines"] if line["category_name"] == "Sound")
    assert sound == {
        "budget_line": str(budget["sound"].pk),
        "category": str(budget["sound"].category_id),
        "category_name": "Sound",
        "direction": "expense",
        "owner": None,
        "planned": "500.00",
        "actual": "120.30",
        "committed": "80.00",
        "variance": "299.70",
    }
    assert data["totals"]["expense"] == {
        "planned": "700.00",
        "actual": "460.30",
        "committed": "80.00",
        "variance": "159.70",
        "unbudgeted": "22.00",
    }


def test_budget_endpoint_of_another_event_is_not_found(api, owner, event_b, outsider):
    BudgetLineFactory(event=event_b, planned=Decimal("777.00"))

    response = api.as_user(owner).get(budget_url(event_b))

    assert response.status_code == 404
    assert "777" not in response.content.decode()
    assert api.as_user(None).get(budget_url(event_b)).status_code == 401


def test_budget_endpoint_shows_yen_without_decimals(api, viewer, event_a):
    event_a.currency = "JPY"
    event_a.save()
    line = BudgetLineFactory(event=event_a, planned=Decimal("150000"))
    TransactionFactory(event=event_a, category=line.category, amount=Decimal("2000"))

    data = api.as_user(viewer).get(budget_url(event_a)).json()

    assert (data["lines"][0]["planned"], data["lines"][0]["actual"], data["lines"][0]["variance"]) == (
        "150000",
        "2000",
        "148000",
    )


# --- Budget lines in the API --------------------------------------------------------------------

ROLE_TABLE = {
    "viewer": {"list": 200, "retrieve": 200, "create": 403, "update": 403, "delete": 403},
    "organizer": {"list": 200, "retrieve": 200, "create": 403, "update": 403, "delete": 403},
    "treasurer": {"list": 200, "retrieve": 200, "create": 201, "update": 200, "delete": 204},
    "owner": {"list": 200, "retrieve": 200, "create": 201, "update": 200, "delete": 204},
}


@pytest.mark.parametrize("role", list(ROLE_TABLE))
def test_each_role_may_do_what_its_rank_allows_on_budget_lines(request, api, event_a, role):
    user = request.getfixturevalue(role)
    existing = BudgetLineFactory(event=event_a, planned=Decimal("100.00"))
    category = CategoryFactory(event=event_a, name="Security")
    api.as_user(user)
    detail = f"{LINES}{existing.pk}/"

    statuses = {
        "list": api.get(LINES).status_code,
        "retrieve": api.get(detail).status_code,
        "create": api.post(
            LINES, {"event": str(event_a.pk), "category": str(category.pk), "planned": "300.00"}, format="json"
        ).status_code,
        "update": api.patch(detail, {"planned": "120.00"}, format="json").status_code,
        "delete": api.delete(detail).status_code,
    }

    assert statuses == ROLE_TABLE[role]
    may_manage = role in {"treasurer", "owner"}
    assert BudgetLine.objects.filter(category=category).exists() is may_manage
    assert BudgetLine.objects.filter(pk=existing.pk).exists() is not may_manage


def test_a_budget_line_owner_is_an_organizer_of_the_event(api, event_a, event_b, treasurer, viewer, organizer):
    category = CategoryFactory(event=event_a)
    stranger = OrganizerFactory(username="stranger")
    MembershipFactory(event=event_b, organizer=stranger, role="owner")
    MembershipFactory(event=event_b, organizer=treasurer, role="viewer")  # so the stranger is "known"
    api.as_user(treasurer)
    body = {"event": str(event_a.pk), "category": str(category.pk), "planned": "300.00"}

    as_viewer = api.post(LINES, {**body, "owner": str(viewer.pk)}, format="json")
    as_stranger = api.post(LINES, {**body, "owner": str(stranger.pk)}, format="json")
    as_organizer = api.post(LINES, {**body, "owner": str(organizer.pk)}, format="json")

    assert (as_viewer.status_code, list(as_viewer.json())) == (400, ["owner"])
    assert (as_stranger.status_code, list(as_stranger.json())) == (400, ["owner"])
    assert as_organizer.status_code == 201
    assert as_organizer.json()["owner_username"] == "oscar_organizer"
    assert BudgetLine.objects.get().owner == organizer


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"planned": "-1.00"}, "planned"),
        ({"planned": "1.005"}, "planned"),
        ({"direction": "sideways"}, "direction"),
        ({"category": "not-a-uuid"}, "category"),
    ],
)
def test_bad_budget_lines_are_refused_on_their_field(api, event_a, treasurer, changes, field):
    category = CategoryFactory(event=event_a)
    body = {"event": str(event_a.pk), "category": str(category.pk), "planned": "300.00", **changes}

    response = api.as_user(treasurer).post(LINES, body, format="json")

    assert (response.status_code, list(response.json())) == (400, [field])
    assert not BudgetLine.objects.exists()


def test_one_line_per_category_and_direction(api, event_a, treasurer):
    line = BudgetLineFactory(event=event_a)
    body = {"event": str(event_a.pk), "category": str(line.category_id), "planned": "5.00"}
    api.as_user(treasurer)

    again = api.post(LINES, body, format="json")
    income = api.post(LINES, {**body, "direction": "income"}, format="json")

    assert (again.status_code, income.status_code) == (400, 201)


def test_a_category_of_another_event_is_refused(api, event_a, event_b, treasurer):
    MembershipFactory(event=event_b, organizer=treasurer, role="treasurer")
    theirs = CategoryFactory(event=event_b)

    response = api.as_user(treasurer).post(
        LINES, {"event": str(event_a.pk), "category": str(theirs.pk), "planned": "5.00"}, format="json"
    )

    assert (response.status_code, response.json()) == (400, {"category": ["This category belongs to another event."]})


def test_budget_lines_list_only_the_users_events_and_filter(api, treasurer, event_a, event_b):
    ours = BudgetLineFactory(event=event_a, direction=Direction.INCOME)
    BudgetLineFactory(event=event_a)
    BudgetLineFactory(event=event_b)
    api.as_user(treasurer)

    every = api.get(LINES).json()["results"]
    income = api.get(LINES, {"direction": "income"}).json()["results"]

    assert len(every) == 2
    assert [row["id"] for row in income] == [str(ours.pk)]
    assert api.get(LINES, {"direction": "sideways"}).status_code == 400


# --- The admin --------------------------------------------------------------------------------------


def test_admin_budget_lines_list_planned_actual_committed_and_variance(client, viewer, budget):
    client.force_login(viewer)

    content = client.get(admin_url(BudgetLine)).content.decode()

    for figure in ("€500.00", "€120.30", "€80.00", "€299.70", "€200.00", "€340.00", "-€140.00", "€400.05"):
        assert figure in content, figure


def test_admin_budget_list_costs_the_same_queries_for_few_or_many_lines(client, event_a, treasurer):
    client.force_login(treasurer)

    def queries(count: int) -> int:
        for _ in range(count - BudgetLine.objects.count()):
            line = BudgetLineFactory(event=event_a)
            TransactionFactory(event=event_a, category=line.category)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(admin_url(BudgetLine)).status_code == 200
        return len(captured)

    assert queries(2) == queries(9)


def test_admin_budget_report_shows_lines_totals_and_what_is_outside(client, viewer, event_a, budget):
    client.force_login(viewer)

    listing = client.get(admin_url(BudgetLine)).content.decode()
    page = client.get(f"/admin/finance/budgetline/report/{event_a.pk}/")

    assert f"/admin/finance/budgetline/report/{event_a.pk}/" in listing
    content = page.content.decode()
    assert page.status_code == 200
    for text in ("Sound", "Catering", "Tickets", "€700.00", "€460.30", "€159.70", "€22.00", "-€140.00"):
        assert text in content, text


@pytest.mark.parametrize("event_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000", "event_b"])
def test_admin_budget_report_of_another_or_no_event_is_not_found(client, owner, event_b, event_id):
    client.force_login(owner)
    event_id = str(event_b.pk) if event_id == "event_b" else event_id

    assert client.get(f"/admin/finance/budgetline/report/{event_id}/").status_code == 404


def test_admin_treasurer_adds_a_line_with_an_organizer_as_owner(client, event_a, treasurer, organizer, outsider):
    category = CategoryFactory(event=event_a)
    client.force_login(treasurer)
    form = {"event": str(event_a.pk), "category": str(category.pk), "direction": "expense", "planned": "250.00"}

    page = client.get(admin_url(BudgetLine, "add"))
    outsider_owner = client.post(admin_url(BudgetLine, "add"), {**form, "owner": str(outsider.pk)})
    response = client.post(admin_url(BudgetLine, "add"), {**form, "owner": str(organizer.pk)})

    owners = set(page.context["adminform"].form.fields["owner"].queryset)
    assert organizer in owners and outsider not in owners
    assert outsider_owner.status_code == 200  # not a choice: the form again
    assert response.status_code == 302
    assert BudgetLine.objects.get().owner == organizer


def test_admin_organizer_cannot_add_a_budget_line(client, event_a, organizer):
    client.force_login(organizer)
    category = CategoryFactory(event=event_a)

    response = client.post(
        admin_url(BudgetLine, "add"),
        {"event": str(event_a.pk), "category": str(category.pk), "direction": "expense", "planned": "1.00"},
    )

    assert response.status_code == 403
    assert not BudgetLine.objects.exists()


def test_admin_budget_report_flags_spending_above_plan_but_not_income_above_plan(client, viewer, event_a):
    tickets = CategoryFactory(event=event_a, name="Tickets")
    sound = CategoryFactory(event=event_a, name="Sound")
    BudgetLineFactory(event=event_a, category=tickets, direction=Direction.INCOME, planned=Decimal("100.00"))
    BudgetLineFactory(event=event_a, category=sound, direction=Direction.EXPENSE, planned=Decimal("100.00"))
    TransactionFactory(event=event_a, kind=Kind.SALE, amount=Decimal("150.00"), category=tickets)
    TransactionFactory(event=event_a, kind=Kind.PURCHASE, amount=Decimal("150.00"), category=sound)
    client.force_login(viewer)

    sections = client.get(f"/admin/finance/budgetline/report/{event_a.pk}/").context["sections"]

    flagged = {row["line"].category_name: row["over"] for section in sections for row in section["lines"]}
    assert flagged == {"Tickets": False, "Sound": True}
