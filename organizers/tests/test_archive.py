"""Archive before delete: an event's ledger goes only with an archived event, which is read-only."""

from __future__ import annotations

import pytest
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone

from activities.factories import ActivityFactory, LocationFactory
from activities.models import Activity, Location
from finance.factories import CategoryFactory, TransactionFactory
from finance.models import Category, Transaction
from organizers.models import Event, Membership
from organizers.services import archive_event, delete_event

pytestmark = pytest.mark.django_db


def event_url(event, action: str = "") -> str:
    return f"/api/events/{event.pk}/{action + '/' if action else ''}"


@pytest.fixture
def ledger(event_a):
    category = CategoryFactory(event=event_a, name="Food")
    location = LocationFactory(event=event_a, name="Hall")
    # A draft: approved and paid entries are locked for everyone, superusers too (finance tests).
    transaction = TransactionFactory(event=event_a, category=category, status="draft")
    activity = ActivityFactory(event=event_a, location=location)
    activity.transactions.add(transaction)
    return {"category": category, "location": location, "transaction": transaction, "activity": activity}


def test_deleting_an_event_with_transactions_is_refused_until_archived(owner, event_a, ledger):
    with pytest.raises(ProtectedError):
        delete_event(event_a)
    assert Transaction.objects.filter(event=event_a).count() == 1

    archive_event(event_a)
    delete_event(event_a)

    for model in (Event, Transaction, Category, Location, Activity, Membership):
        field = "pk" if model is Event else "event_id"
        assert not model.objects.filter(**{field: event_a.pk}).exists(), model


@pytest.mark.parametrize("record", ["category", "location"])
def test_a_record_used_by_the_ledger_or_schedule_cannot_be_deleted(api, treasurer, ledger, record):
    path = {"category": "/api/categories/", "location": "/api/locations/"}[record]

    response = api.as_user(treasurer).delete(f"{path}{ledger[record].pk}/")

    assert response.status_code == 409
    assert type(ledger[record]).objects.filter(pk=ledger[record].pk).exists()


def test_api_owner_archives_then_deletes_the_event_with_its_ledger(api, owner, event_a, ledger):
    client = api.as_user(owner)

    refused = client.delete(event_url(event_a))
    archived = client.post(event_url(event_a, "archive"))
    deleted = client.delete(event_url(event_a))

    assert refused.status_code == 409
    assert archived.status_code == 200 and archived.json()["archived_at"]
    assert deleted.status_code == 204
    assert not Transaction.objects.filter(event_id=event_a.pk).exists()


def test_api_unarchive_makes_the_event_writable_again(api, owner, event_a):
    client = api.as_user(owner)
    client.post(event_url(event_a, "archive"))

    frozen = client.patch(event_url(event_a), {"name": "Renamed"}, format="json")
    response = client.post(event_url(event_a, "unarchive"))
    thawed = client.patch(event_url(event_a), {"name": "Renamed"}, format="json")

    assert frozen.status_code == 403
    assert response.status_code == 200 and response.json()["archived_at"] is None
    assert thawed.status_code == 200


@pytest.mark.parametrize("role", ["viewer", "organizer", "treasurer"])
def test_only_owners_archive_an_event(api, request, event_a, role):
    response = api.as_user(request.getfixturevalue(role)).post(event_url(event_a, "archive"))

    assert response.status_code == 403
    event_a.refresh_from_db()
    assert event_a.archived_at is None


def test_other_events_owner_cannot_archive(api, outsider, event_a):
    assert api.as_user(outsider).post(event_url(event_a, "archive")).status_code == 404


# Each role's writes in an archived event: all refused, while the records stay readable.
WRITES = [
    ("treasurer", "post", "/api/transactions/", "transaction"),
    ("treasurer", "patch", "/api/transactions/{transaction}/", "transaction"),
    ("treasurer", "delete", "/api/transactions/{transaction}/", "transaction"),
    ("treasurer", "post", "/api/categories/", "category"),
    ("organizer", "patch", "/api/activities/{activity}/", "activity"),
    ("organizer", "delete", "/api/locations/{location}/", "location"),
    ("owner", "post", "/api/memberships/", "membership"),
]


@pytest.mark.parametrize(("role", "method", "path", "kind"), WRITES)
def test_archived_event_is_read_only_for_every_role(api, request, event_a, ledger, role, method, path, kind):
    user = request.getfixturevalue(role)
    payloads = {
        "transaction": {
            "event": str(event_a.pk),
            "kind": "sale",
            "amount": "5.00",
            "date": "2026-06-12",
            "description": "Late entry",
        },
        "category": {"event": str(event_a.pk), "name": "New"},
        "activity": {"title": "Renamed"},
        "membership": {"event": str(event_a.pk), "organizer": str(user.pk), "role": "viewer"},
        "location": {},
    }
    archive_event(event_a)
    before = Transaction.objects.filter(event=event_a).count()

    client = api.as_user(user)
    response = getattr(client, method)(
        path.format(**{k: v.pk for k, v in ledger.items()}), payloads[kind], format="json"
    )
    readable = client.get(f"/api/transactions/{ledger['transaction'].pk}/")

    assert response.status_code == 403
    assert Transaction.objects.filter(event=event_a).count() == before
    assert readable.status_code == 200


def test_superuser_may_still_change_an_archived_event(api, superuser, event_a, ledger):
    archive_event(event_a)

    response = api.as_user(superuser).patch(
        f"/api/transactions/{ledger['transaction'].pk}/", {"description": "Corrected"}, format="json"
    )

    assert response.status_code == 200


def test_admin_owner_archives_and_deletes_an_event_with_its_ledger(client, owner, event_a, ledger):
    client.force_login(owner)
    changelist = reverse("admin:organizers_event_changelist")
    delete = reverse("admin:organizers_event_delete", args=[event_a.pk])

    refused = client.post(delete, {"post": "yes"})
    kept = Event.objects.filter(pk=event_a.pk).exists()
    client.post(changelist, {"action": "archive", "_selected_action": [str(event_a.pk)]})
    event_a.refresh_from_db()
    archived = event_a.archived_at
    change_page = client.get(reverse("admin:organizers_event_change", args=[event_a.pk]))
    deleted = client.post(delete, {"post": "yes"})

    assert refused.status_code == 200 and kept
    assert archived is not None
    assert b'name="name"' not in change_page.content  # read-only view
    assert deleted.status_code == 302
    assert not Event.objects.filter(pk=event_a.pk).exists()
    assert not Transaction.objects.filter(event_id=event_a.pk).exists()


def test_admin_non_owner_cannot_archive(client, treasurer, event_a):
    client.force_login(treasurer)

    client.post(
        reverse("admin:organizers_event_changelist"), {"action": "archive", "_selected_action": [str(event_a.pk)]}
    )

    event_a.refresh_from_db()
    assert event_a.archived_at is None


def test_admin_unarchive(client, owner, event_a):
    event_a.archived_at = timezone.now()
    event_a.save()
    client.force_login(owner)

    client.post(
        reverse("admin:organizers_event_changelist"), {"action": "unarchive", "_selected_action": [str(event_a.pk)]}
    )

    event_a.refresh_from_db()
    assert event_a.archived_at is None


def test_an_archived_event_goes_with_every_kind_of_finance_record(settings, tmp_path):
    """The demo's books hold one of everything (accounts, transfers, a cash count, approvals, a
    budget, parties, pledges): archived, the event is deleted with all of it and nothing else."""
    from django.core.management import call_command

    from finance.models import Account, Approval, BudgetLine, CashCount, Party, Pledge, Transfer
    from geventator.demo import DEMO_SLUG

    settings.DEBUG = True
    settings.MEDIA_ROOT = tmp_path
    call_command("load_demo", stdout=None)
    event = Event.objects.get(slug=DEMO_SLUG)
    kept = Event.objects.create(name="Other", slug="other", start_date=event.start_date, end_date=event.end_date)
    with pytest.raises(ProtectedError):
        delete_event(event)

    archive_event(event)
    delete_event(event)

    ledger = (Transaction, Account, Approval, BudgetLine, CashCount, Category, Party, Pledge, Transfer)
    assert {model.__name__: model.objects.count() for model in ledger} == dict.fromkeys(
        (model.__name__ for model in ledger), 0
    )
    assert list(Event.objects.all()) == [kept]
