"""The event summary (exact money arithmetic) and the categories endpoint."""

from decimal import Decimal

import pytest

from finance.factories import CategoryFactory, TransactionFactory
from finance.models import Category, Kind, Status

pytestmark = pytest.mark.django_db

CATEGORIES = "/api/categories/"


def summary_url(event) -> str:
    return f"/api/events/{event.pk}/summary/"


@pytest.fixture
def ledger(event_a):
    """Cents that binary floats get wrong (0.10 + 0.20), spread over kinds and categories."""
    bar = CategoryFactory(event=event_a, name="Bar")
    stage = CategoryFactory(event=event_a, name="Stage")
    CategoryFactory(event=event_a, name="Unused")
    entries = [
        (Kind.SALE, "0.10", bar),
        (Kind.SALE, "0.20", bar),
        (Kind.SALE, "1000.01", None),
        (Kind.DONATION, "0.10", None),
        (Kind.DONATION, "0.20", None),
        (Kind.SPONSORSHIP, "250.00", stage),
        (Kind.PURCHASE, "0.10", bar),
        (Kind.PURCHASE, "19.99", bar),
        (Kind.PURCHASE, "0.01", stage),
        (Kind.INVESTMENT, "300.33", stage),
    ]
    for kind, amount, category in entries:
        TransactionFactory(event=event_a, kind=kind, status=Status.PAID, amount=Decimal(amount), category=category)
    # Expenses still in approval are not booked: they never count in the summary.
    for status in (Status.DRAFT, Status.SUBMITTED, Status.APPROVED, Status.REJECTED):
        TransactionFactory(event=event_a, kind=Kind.PURCHASE, status=status, amount=Decimal("5.55"), category=bar)
    return {"bar": bar, "stage": stage}


def test_summary_adds_up_to_the_cent(api, viewer, event_a, ledger, event_b):
    TransactionFactory(event=event_b, kind=Kind.SALE, amount=Decimal("999.00"))

    response = api.as_user(viewer).get(summary_url(event_a))

    assert response.status_code == 200
    assert response.json() == {
        "currency": "EUR",
        "income": "1250.61",
        "expenses": "320.43",
        "adjustments": "0.00",
        "balance": "930.18",
        "by_kind": {
            "purchase": "20.10",
            "sale": "1000.31",
            "investment": "300.33",
            "donation": "0.30",
            "sponsorship": "250.00",
            "adjustment": "0.00",
        },
        "by_category": [
            {
                "category_id": str(ledger["bar"].pk),
                "name": "Bar",
                "income": "0.30",
                "expenses": "20.09",
                "balance": "-19.79",
            },
            {
                "category_id": str(ledger["stage"].pk),
                "name": "Stage",
                "income": "250.00",
                "expenses": "300.34",
                "balance": "-50.34",
            },
            {"category_id": None, "name": "", "income": "1000.31", "expenses": "0.00", "balance": "1000.31"},
        ],
    }


def test_summary_of_an_empty_ledger_is_zero(api, viewer, event_a):
    data = api.as_user(viewer).get(summary_url(event_a)).json()

    assert (data["income"], data["expenses"], data["balance"]) == ("0.00", "0.00", "0.00")
    assert set(data["by_kind"].values()) == {"0.00"}
    assert data["by_category"] == []


def test_summary_shows_yen_without_decimals(api, viewer, event_a):
    event_a.currency = "JPY"
    event_a.save()
    TransactionFactory(event=event_a, kind=Kind.SALE, amount=Decimal("1500"))
    TransactionFactory(event=event_a, kind=Kind.PURCHASE, amount=Decimal("2000"))

    data = api.as_user(viewer).get(summary_url(event_a)).json()

    assert (data["currency"], data["income"], data["expenses"], data["balance"]) == ("JPY", "1500", "2000", "-500")


def test_another_events_summary_is_not_found(api, owner, event_b, outsider):
    TransactionFactory(event=event_b, kind=Kind.SALE, amount=Decimal("999.00"))

    response = api.as_user(owner).get(summary_url(event_b))

    assert response.status_code == 404
    assert "999" not in response.content.decode()


def test_summary_needs_a_signed_in_user(api, event_a):
    assert api.get(summary_url(event_a)).status_code == 401


# --- Categories -----------------------------------------------------------------------------------

# role in event A → expected status of each action on event A's categories.
ROLE_TABLE = {
    "viewer": {"list": 200, "retrieve": 200, "create": 403, "update": 403, "delete": 403},
    "organizer": {"list": 200, "retrieve": 200, "create": 403, "update": 403, "delete": 403},
    "treasurer": {"list": 200, "retrieve": 200, "create": 201, "update": 200, "delete": 204},
    "owner": {"list": 200, "retrieve": 200, "create": 201, "update": 200, "delete": 204},
}


@pytest.mark.parametrize("role", list(ROLE_TABLE))
def test_each_role_may_do_what_its_rank_allows_on_categories(request, api, event_a, role):
    user = request.getfixturevalue(role)
    existing = CategoryFactory(event=event_a, name="Catering")
    api.as_user(user)
    detail = f"{CATEGORIES}{existing.pk}/"

    statuses = {
        "list": api.get(CATEGORIES).status_code,
        "retrieve": api.get(detail).status_code,
        "create": api.post(CATEGORIES, {"event": str(event_a.pk), "name": "Sound"}).status_code,
        "update": api.patch(detail, {"name": "Food"}).status_code,
        "delete": api.delete(detail).status_code,
    }

    assert statuses == ROLE_TABLE[role]
    may_manage = role in {"treasurer", "owner"}
    assert Category.objects.filter(name="Sound").exists() is may_manage
    assert Category.objects.filter(pk=existing.pk).exists() is not may_manage


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_another_events_category_is_not_found(api, owner, event_b, outsider, method):
    theirs = CategoryFactory(event=event_b, name="Theirs")

    response = getattr(api.as_user(owner), method)(f"{CATEGORIES}{theirs.pk}/", {"name": "Mine"})

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Theirs"


def test_categories_list_only_the_users_events(api, treasurer, event_a, event_b):
    CategoryFactory(event=event_a, name="Ours")
    CategoryFactory(event=event_b, name="Theirs")

    response = api.as_user(treasurer).get(CATEGORIES)

    assert [row["name"] for row in response.json()["results"]] == ["Ours"]


def test_category_names_are_unique_per_event(api, treasurer, event_a, event_b):
    CategoryFactory(event=event_a, name="Catering")
    CategoryFactory(event=event_b, name="Sound")
    api.as_user(treasurer)

    duplicate = api.post(CATEGORIES, {"event": str(event_a.pk), "name": "Catering"}, format="json")
    same_name_as_other_event = api.post(CATEGORIES, {"event": str(event_a.pk), "name": "Sound"}, format="json")

    assert duplicate.status_code == 400
    assert Category.objects.filter(event=event_a, name="Catering").count() == 1
    assert same_name_as_other_event.status_code == 201


def test_category_in_use_cannot_be_deleted(api, treasurer, event_a):
    category = CategoryFactory(event=event_a)
    TransactionFactory(event=event_a, category=category)

    response = api.as_user(treasurer).delete(f"{CATEGORIES}{category.pk}/")

    assert response.status_code == 409
    assert Category.objects.filter(pk=category.pk).exists()


def test_categories_filter_by_event_and_search(api, superuser, event_a, event_b):
    CategoryFactory(event=event_a, name="Catering")
    CategoryFactory(event=event_a, name="Sound", description="Speakers and cables")
    CategoryFactory(event=event_b, name="Sound")
    api.as_user(superuser)

    in_a = api.get(CATEGORIES, {"event": str(event_a.pk)}).json()["results"]
    cables = api.get(CATEGORIES, {"search": "cables"}).json()["results"]

    assert [row["name"] for row in in_a] == ["Catering", "Sound"]
    assert [(row["name"], row["event"]) for row in cables] == [("Sound", str(event_a.pk))]
    assert api.get(CATEGORIES, {"event": "not-a-uuid"}).status_code == 400
