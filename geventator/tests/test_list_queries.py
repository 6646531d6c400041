"""Every API list and admin changelist makes the same number of queries for 2 rows as for 30 (#13).

Parametrized over the router's registry and the admin site's registry, so a list that is added
later is covered without editing this file. Each case first serves a world with a few rows of every
kind, then adds a larger event (with 30 more rows of every kind) the same user sees, and asks again:
the page shows more rows (checked, so the case cannot pass on an empty list) for the same queries.
A query per row (a missing select_related/prefetch_related) makes the second count larger.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from devtools.benchmark import seed
from geventator.urls import router

pytestmark = pytest.mark.django_db

API_LISTS = [basename for _prefix, _viewset, basename in router.registry]
ADMIN_LISTS = [f"{model._meta.app_label}.{model._meta.model_name}" for model in admin.site._registry]


def grow(owner, event, n: int, name: str) -> None:
    """``n`` more rows of every kind the event's seed leaves at a fixed number (or none)."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    from activities.models import Location
    from finance.factories import ReceiptFactory
    from finance.models import Account, BudgetLine, CashCount, Category, Party, Pledge, Transaction, Transfer
    from finance.models.accounts import TransferStatus
    from geventator.tasks import ping
    from organizers.factories import OrganizerFactory
    from organizers.models import Event, Membership
    from organizers.services import create_event
    from organizers.tokens import issue_token

    accounts = Account.objects.bulk_create(Account(event=event, name=f"Box {name} {k}", kind="cash") for k in range(n))
    extra = Category.objects.bulk_create(Category(event=event, name=f"Extra {k}") for k in range(n))
    BudgetLine.objects.bulk_create(
        BudgetLine(event=event, category=c, direction="income", planned=Decimal(100), owner=owner) for c in extra
    )
    parties = Party.objects.bulk_create(Party(event=event, name=f"Donor {k}", kind="donor") for k in range(n))
    Pledge.objects.bulk_create(Pledge(event=event, party=p, amount=Decimal(10)) for p in parties)
    Transfer.objects.bulk_create(
        Transfer(
            event=event,
            from_account=accounts[k],
            to_account=accounts[(k + 1) % n],
            amount=Decimal(5),
            date=event.start_date,
            status=TransferStatus.CONFIRMED,
        )
        for k in range(n)
    )
    Location.objects.bulk_create(Location(event=event, name=f"Hall {k}", capacity=10) for k in range(n))
    members = [OrganizerFactory(username=f"{name}_extra_{k}") for k in range(n)]
    Membership.objects.bulk_create(Membership(event=event, organizer=m, role="viewer") for m in members)
    counted = datetime(2026, 7, 1, 20, tzinfo=event.tzinfo)
    CashCount.objects.bulk_create(
        CashCount(
            event=event,
            account=a,
            counted_at=counted + timedelta(minutes=k),
            counted_amount=Decimal(1),
            counted_by=owner,
        )
        for k, a in enumerate(accounts)
    )
    for entry in Transaction.objects.filter(event=event).order_by("pk")[:n]:
        ReceiptFactory(transaction=entry, event=event)
    for k in range(n):
        issue_token(owner, f"{name} token {k}")
        create_event(
            owner,
            Event(
                name=f"{name} side {k}",
                slug=f"{name}-side-{k}",
                start_date=event.start_date,
                end_date=event.end_date,
                timezone=event.timezone,
                currency=event.currency,
            ),
        )
    Group.objects.bulk_create(Group(name=f"{name} group {k}") for k in range(n))
    for k in range(n):
        ping.enqueue(f"{name} {k}")  # the task queue's results (django-tasks-db's admin)
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        extra = {"failures_since_start": 1} if model is AccessAttempt else {}
        model.objects.bulk_create(
            model(username=f"{name}{k}", ip_address="127.0.0.1", user_agent="test", **extra) for k in range(n)
        )


def world(name: str, n: int, *, owner=None):
    """Seed an event of ``n`` rows of every kind; the first world's owner also owns later ones."""
    from organizers.models import Membership

    event_owner, event = seed(n, n, name=name)
    if owner is not None:
        Membership.objects.filter(event=event, organizer=event_owner).update(organizer=owner)
    grow(owner or event_owner, event, n, name)
    return event_owner, event


def shown(response) -> int:
    """How many rows the list shows on its page."""
    if response.context is not None and "cl" in response.context:
        return len(response.context["cl"].result_list)
    body = response.json()
    return len(body["results"] if isinstance(body, dict) else body)


def ask(client, url: str) -> tuple[int, int, int]:
    ContentType.objects.clear_cache()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries), shown(response), response.status_code


def compare(make_client, url: str, settings, tmp_path, *, by_event: bool = False) -> None:
    """``by_event``: ask for the world's event only (?event=), as a client of the API does; lists
    that take no such filter ignore it. A page of two events' activities checks conflicts once per
    event (per event, not per row)."""
    settings.MEDIA_ROOT = str(tmp_path)
    owner, small = world("small", 2)
    small_url = f"{url}?event={small.pk}" if by_event else url
    client = make_client(owner, small_url)
    client.get(small_url)  # once first: a token's first use and the session write are not per-row costs
    small_queries, small_rows, _ = ask(client, small_url)
    _owner, large = world("large", 30, owner=owner)
    large_url = f"{url}?event={large.pk}" if by_event else url
    large_queries, large_rows, _ = ask(client, large_url)
    assert large_rows > small_rows, f"{url}: the larger world shows no more rows ({small_rows})"
    assert large_queries == small_queries, (
        f"{url}: {small_queries} queries for {small_rows} rows, {large_queries} for {large_rows}"
    )


@pytest.mark.parametrize("basename", API_LISTS)
def test_api_list_queries_do_not_grow_with_rows(basename, settings, tmp_path):
    from organizers.tokens import issue_token

    def make_client(owner, url):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(owner, 'list queries')[1]}")
        return client

    compare(make_client, reverse(f"{basename}-list"), settings, tmp_path, by_event=True)


@pytest.mark.parametrize("label", ADMIN_LISTS)
def test_admin_changelist_queries_do_not_grow_with_rows(label, settings, tmp_path):
    from organizers.factories import OrganizerFactory

    app_label, model_name = label.split(".")

    def make_client(owner, url):
        # The event's owner where an organizer may see the list (its scoping is part of the cost);
        # a superuser for the lists only a superuser sees (groups, users, lockouts).
        client = Client()
        client.force_login(owner)
        if client.get(url).status_code == 403:
            client.force_login(OrganizerFactory(username="root", is_staff=True, is_superuser=True))
        return client

    compare(make_client, reverse(f"admin:{app_label}_{model_name}_changelist"), settings, tmp_path)
