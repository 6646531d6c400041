"""The ledger in the admin, by event role: lists, forms, validation and permissions."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from finance.factories import CategoryFactory, TransactionFactory
from finance.models import Category, Transaction
from organizers.factories import EventFactory, MembershipFactory
from organizers.models import Role
from organizers.tests.admin_support import (
    ROLES,
    admin_url,
    assert_changelist_scoped,
    assert_not_found,
    filter_choices,
    form_errors,
)

pytestmark = pytest.mark.django_db


def transaction_form(event, **changes) -> dict[str, str]:
    data = {
        "event": str(event.pk),
        "kind": "purchase",
        "amount": "42.10",
        "currency": event.currency,
        "date": "2026-06-12",
        "description": "Gas for the generator",
        "category": "",
        "counterparty": "Repsol",
    }
    data.update(changes)
    return data


def category_form(event, **changes) -> dict[str, str]:
    return {"event": str(event.pk), "name": "Transport", "description": "", **changes}


# --- Lists ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "field"),
    [(Transaction, "description"), (Category, "name")],
)
def test_ledger_lists_show_only_the_users_events(
    client, records, viewer, organizer, treasurer, owner, outsider, superuser, model, field
):
    a = getattr(records.a, model._meta.model_name)
    b = getattr(records.b, model._meta.model_name)
    members = (viewer, organizer, treasurer, owner)
    assert_changelist_scoped(client, model, members, outsider, superuser, getattr(a, field), getattr(b, field))


def test_transaction_list_shows_amounts_in_the_events_currency(client, records, viewer):
    client.force_login(viewer)

    content = client.get(admin_url(Transaction)).content.decode()

    assert "€12.50" in content


@pytest.mark.parametrize("role", ROLES)
def test_transaction_filters_offer_only_the_users_events_and_categories(client, request, records, role):
    # A second event of the user's makes the event filter show; B's values must never appear.
    user = request.getfixturevalue(role)
    third = EventFactory(name="Gala C", slug="gala-c")
    MembershipFactory(event=third, organizer=user, role=Role.VIEWER)
    TransactionFactory(event=third, category=CategoryFactory(event=third, name="Flowers C"))
    client.force_login(user)

    response = client.get(admin_url(Transaction))

    assert filter_choices(response, "event") == {records.a.event.pk, third.pk}
    assert {category.name for category in Category.objects.filter(pk__in=filter_choices(response, "category"))} == {
        "Catering A",
        "Flowers C",
    }
    content = response.content.decode()
    assert "Congress B" not in content
    assert "Catering B" not in content


def test_category_filter_offers_only_the_users_events(client, records, treasurer):
    third = EventFactory(name="Gala C", slug="gala-c")
    MembershipFactory(event=third, organizer=treasurer, role=Role.VIEWER)
    CategoryFactory(event=third, name="Flowers C")
    client.force_login(treasurer)

    response = client.get(admin_url(Category))

    assert filter_choices(response, "event") == {records.a.event.pk, third.pk}
    assert "Congress B" not in response.content.decode()


def test_transaction_list_filtered_by_another_events_category_shows_nothing_of_it(client, records, owner):
    client.force_login(owner)

    response = client.get(admin_url(Transaction), {"category__id__exact": str(records.b.category.pk)})

    assert response.status_code in {200, 302}
    assert "Paella for the crew B" not in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        {"category__id__exact": "not-a-uuid"},
        {"event__id__exact": "42"},
        {"date__year": "nineteen"},
        {"kind__exact": "bribe"},
        {"o": "99"},
        {"p": "-1"},
    ],
)
def test_malformed_list_parameters_never_fail(client, records, viewer, query):
    client.force_login(viewer)

    response = client.get(admin_url(Transaction), query)

    assert response.status_code in {200, 302}
    assert "Paella for the crew B" not in response.content.decode()


# --- Another event's objects and malformed ids ----------------------------------------------------


@pytest.mark.parametrize("action", ["change", "delete", "history"])
@pytest.mark.parametrize("name", ["transaction", "category"])
def test_another_events_ledger_objects_are_not_found(client, records, owner, action, name):
    client.force_login(owner)
    obj = getattr(records.b, name)

    assert_not_found(client.get(admin_url(obj, action)))
    assert_not_found(client.post(admin_url(obj, action), {"post": "yes", "description": "x", "name": "x"}))
    assert type(obj).objects.filter(pk=obj.pk).exists()


@pytest.mark.parametrize("model", [Transaction, Category])
@pytest.mark.parametrize("bad_id", ["not-a-uuid", "42", "00000000-0000-0000-0000-000000000000"])
def test_malformed_or_unknown_ledger_id_is_not_found(client, treasurer, model, bad_id):
    client.force_login(treasurer)
    opts = model._meta

    for action in ("change", "delete"):
        assert_not_found(client.get(f"/admin/{opts.app_label}/{opts.model_name}/{bad_id}/{action}/"))


# --- Role × action --------------------------------------------------------------------------------


def as_draft(transaction: Transaction) -> Transaction:
    """The records' entry as an unlocked draft expense: paid ones are locked (test_approvals.py)."""
    Transaction.objects.filter(pk=transaction.pk).update(status="draft")
    transaction.refresh_from_db()
    return transaction


def test_viewer_sees_a_transaction_but_cannot_change_it(client, records, viewer):
    client.force_login(viewer)
    transaction = records.a.transaction

    page = client.get(admin_url(transaction, "change"))
    response = client.post(admin_url(transaction, "change"), transaction_form(records.a.event, amount="1.00"))

    assert page.status_code == 200
    assert "Paella for the crew A" in page.content.decode()
    assert response.status_code == 403
    transaction.refresh_from_db()
    assert transaction.amount == Decimal("12.50")


def test_viewer_cannot_add_a_transaction(client, event_a, viewer):
    client.force_login(viewer)

    page = client.get(admin_url(Transaction, "add"))
    response = client.post(admin_url(Transaction, "add"), transaction_form(event_a))

    assert (page.status_code, response.status_code) == (403, 403)
    assert not Transaction.objects.exists()


def test_owner_of_another_event_cannot_add_a_transaction_to_event_a(client, event_a, outsider):
    client.force_login(outsider)

    response = client.post(admin_url(Transaction, "add"), transaction_form(event_a))

    assert "event" in form_errors(response)
    assert not Transaction.objects.exists()


def test_organizer_adds_a_transaction_recorded_as_theirs(client, event_a, organizer):
    client.force_login(organizer)

    response = client.post(admin_url(Transaction, "add"), transaction_form(event_a))

    assert response.status_code == 302
    transaction = Transaction.objects.get(description="Gas for the generator")
    assert (transaction.event, transaction.amount, transaction.created_by) == (event_a, Decimal("42.10"), organizer)


def test_created_by_cannot_be_forged_in_the_form(client, event_a, organizer, treasurer):
    client.force_login(organizer)

    client.post(admin_url(Transaction, "add"), transaction_form(event_a, created_by=str(treasurer.pk)))

    assert Transaction.objects.get(description="Gas for the generator").created_by == organizer


def test_organizer_cannot_change_or_delete_someone_elses_transaction(client, records, organizer):
    client.force_login(organizer)
    transaction = as_draft(records.a.transaction)  # not theirs: only their own drafts are

    change = client.post(admin_url(transaction, "change"), transaction_form(records.a.event, amount="1.00"))
    delete = client.post(admin_url(transaction, "delete"), {"post": "yes"})
    bulk = client.post(
        admin_url(Transaction),
        {"action": "delete_selected", "index": "0", "_selected_action": [str(transaction.pk)], "post": "yes"},
    )

    # "Delete selected" is offered (they may delete their own drafts) but refuses this one.
    assert (change.status_code, delete.status_code, bulk.status_code) == (403, 403, 403)
    transaction.refresh_from_db()
    assert transaction.amount == Decimal("12.50")


def test_organizer_changes_and_deletes_their_own_draft_expense(client, event_a, organizer):
    client.force_login(organizer)
    client.post(admin_url(Transaction, "add"), transaction_form(event_a))
    transaction = Transaction.objects.get(description="Gas for the generator")

    change = client.post(admin_url(transaction, "change"), transaction_form(event_a, amount="40.00"))
    transaction.refresh_from_db()
    changed = transaction.amount
    delete = client.post(admin_url(transaction, "delete"), {"post": "yes"})

    assert (transaction.status, change.status_code, changed, delete.status_code) == (
        "draft",
        302,
        Decimal("40.00"),
        302,
    )
    assert not Transaction.objects.filter(pk=transaction.pk).exists()


def test_treasurer_changes_a_transaction_but_not_its_event_or_author(client, records, treasurer, organizer):
    client.force_login(treasurer)
    transaction = as_draft(records.a.transaction)

    response = client.post(
        admin_url(transaction, "change"),
        # The event is read-only once recorded: B's id in the POST is ignored.
        transaction_form(records.b.event, amount="99.99", currency="EUR", description="Paella, corrected"),
    )

    assert response.status_code == 302
    transaction.refresh_from_db()
    assert (transaction.amount, transaction.description) == (Decimal("99.99"), "Paella, corrected")
    assert transaction.event == records.a.event
    assert transaction.created_by is None


def test_treasurer_deletes_a_transaction(client, records, treasurer):
    client.force_login(treasurer)
    transaction = as_draft(records.a.transaction)

    response = client.post(admin_url(transaction, "delete"), {"post": "yes"})

    assert response.status_code == 302
    assert not Transaction.objects.filter(pk=transaction.pk).exists()


def test_treasurer_bulk_deletes_only_transactions_of_their_events(client, records, treasurer):
    client.force_login(treasurer)
    as_draft(records.a.transaction)
    as_draft(records.b.transaction)
    ids = [str(records.a.transaction.pk), str(records.b.transaction.pk)]

    response = client.post(
        admin_url(Transaction), {"action": "delete_selected", "index": "0", "_selected_action": ids, "post": "yes"}
    )

    assert response.status_code == 302
    assert not Transaction.objects.filter(pk=records.a.transaction.pk).exists()
    assert Transaction.objects.filter(pk=records.b.transaction.pk).exists()


@pytest.mark.parametrize("role", ["viewer", "organizer"])
def test_members_below_treasurer_cannot_add_change_or_delete_categories(client, request, records, role):
    client.force_login(request.getfixturevalue(role))
    category = records.a.category

    add = client.post(admin_url(Category, "add"), category_form(records.a.event))
    change = client.post(admin_url(category, "change"), category_form(records.a.event, name="Renamed"))
    delete = client.post(admin_url(category, "delete"), {"post": "yes"})

    assert (add.status_code, change.status_code, delete.status_code) == (403, 403, 403)
    assert list(Category.objects.filter(event=records.a.event).values_list("name", flat=True)) == ["Catering A"]


def test_treasurer_adds_changes_and_deletes_a_category(client, event_a, treasurer):
    client.force_login(treasurer)

    add = client.post(admin_url(Category, "add"), category_form(event_a))
    category = Category.objects.get(event=event_a, name="Transport")
    change = client.post(admin_url(category, "change"), {"name": "Travel", "description": "Trains"})
    category.refresh_from_db()
    changed_name = category.name
    delete = client.post(admin_url(category, "delete"), {"post": "yes"})

    assert (add.status_code, change.status_code, delete.status_code) == (302, 302, 302)
    assert changed_name == "Travel"
    assert not Category.objects.filter(pk=category.pk).exists()


def test_category_in_use_cannot_be_deleted(client, records, treasurer):
    client.force_login(treasurer)

    response = client.post(admin_url(records.a.category, "delete"), {"post": "yes"})

    # PROTECT: the admin explains what still uses it instead of deleting.
    assert response.status_code == 200
    assert Category.objects.filter(pk=records.a.category.pk).exists()


def test_superuser_adds_a_transaction_to_any_event(client, event_b, superuser):
    client.force_login(superuser)

    response = client.post(admin_url(Transaction, "add"), transaction_form(event_b))

    assert response.status_code == 302
    assert Transaction.objects.get(description="Gas for the generator").created_by == superuser


# --- The add form's events ------------------------------------------------------------------------


def test_transaction_add_form_offers_only_events_where_the_user_may_add(client, event_a, event_b, organizer):
    MembershipFactory(event=event_b, organizer=organizer, role=Role.VIEWER)
    client.force_login(organizer)

    response = client.get(admin_url(Transaction, "add"))

    assert list(response.context["adminform"].form.fields["event"].queryset) == [event_a]


def test_transaction_in_an_event_where_the_user_only_views_is_a_form_error(client, event_a, event_b, organizer):
    MembershipFactory(event=event_b, organizer=organizer, role=Role.VIEWER)
    client.force_login(organizer)

    response = client.post(admin_url(Transaction, "add"), transaction_form(event_b))

    assert "event" in form_errors(response)
    assert not Transaction.objects.exists()


def test_category_add_form_offers_only_events_where_the_user_is_treasurer(client, event_a, event_b, treasurer):
    MembershipFactory(event=event_b, organizer=treasurer, role=Role.ORGANIZER)
    client.force_login(treasurer)

    page = client.get(admin_url(Category, "add"))
    response = client.post(admin_url(Category, "add"), category_form(event_b))

    assert list(page.context["adminform"].form.fields["event"].queryset) == [event_a]
    assert "event" in form_errors(response)
    assert not Category.objects.exists()


# --- Validation -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "0.00"}, "amount"),
        ({"amount": "-5.00"}, "amount"),
        ({"amount": "1.005"}, "amount"),
        ({"amount": "lots"}, "amount"),
        ({"currency": "XYZ"}, "currency"),
        # A foreign currency needs its rate (the field cleared: no rate).
        ({"currency": "USD", "exchange_rate": ""}, "exchange_rate"),
        ({"currency": "USD", "exchange_rate": "0"}, "exchange_rate"),
        ({"kind": "bribe"}, "kind"),
        ({"date": "2026-02-30"}, "date"),
        ({"category": "not-a-uuid"}, "category"),
    ],
)
def test_invalid_transaction_is_a_form_error(client, event_a, organizer, changes, field):
    client.force_login(organizer)

    response = client.post(admin_url(Transaction, "add"), transaction_form(event_a, **changes))

    assert field in form_errors(response)
    assert not Transaction.objects.exists()


def test_category_of_another_of_the_users_events_is_a_form_error(client, event_a, treasurer):
    other = EventFactory(name="Gala C", slug="gala-c")
    MembershipFactory(event=other, organizer=treasurer, role=Role.TREASURER)
    foreign = CategoryFactory(event=other, name="Flowers C")
    client.force_login(treasurer)

    response = client.post(admin_url(Transaction, "add"), transaction_form(event_a, category=str(foreign.pk)))

    assert "category" in form_errors(response)
    assert not Transaction.objects.exists()


def test_category_of_an_event_the_user_is_not_in_is_a_form_error(client, records, treasurer):
    client.force_login(treasurer)

    response = client.post(
        admin_url(Transaction, "add"), transaction_form(records.a.event, category=str(records.b.category.pk))
    )

    assert "category" in form_errors(response)
    assert Transaction.objects.filter(event=records.a.event).count() == 1


def test_changing_to_an_invalid_amount_keeps_the_stored_one(client, records, treasurer):
    client.force_login(treasurer)
    transaction = as_draft(records.a.transaction)

    response = client.post(admin_url(transaction, "change"), transaction_form(records.a.event, amount="-1"))

    assert "amount" in form_errors(response)
    transaction.refresh_from_db()
    assert transaction.amount == Decimal("12.50")


def test_duplicate_category_name_in_an_event_is_a_form_error(client, records, treasurer):
    client.force_login(treasurer)

    response = client.post(admin_url(Category, "add"), category_form(records.a.event, name="Catering A"))

    assert form_errors(response)
    assert Category.objects.filter(event=records.a.event).count() == 1


def test_same_category_name_in_another_event_is_fine(client, records, outsider):
    client.force_login(outsider)

    response = client.post(admin_url(Category, "add"), category_form(records.b.event, name="Catering A"))

    assert response.status_code == 302
    assert Category.objects.filter(name="Catering A").count() == 2


# --- Autocomplete -----------------------------------------------------------------------------


def autocomplete(client, model_name: str, field_name: str, term: str = "") -> list[str]:
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "finance", "model_name": model_name, "field_name": field_name, "term": term},
    )
    assert response.status_code == 200, response.status_code
    return sorted(result["text"] for result in response.json()["results"])


@pytest.mark.parametrize("role", ROLES)
def test_ledger_autocompletes_offer_only_the_users_events_objects(client, request, records, role):
    client.force_login(request.getfixturevalue(role))

    # Which of the user's events are offered depends on the role (organizers' test_admin.py).
    assert "Congress B" not in autocomplete(client, "transaction", "event")
    assert "Congress B" not in autocomplete(client, "category", "event")
    assert autocomplete(client, "transaction", "category") == ["Catering A"]
    assert autocomplete(client, "transaction", "category", term="Catering B") == []


def test_ledger_autocompletes_of_superuser_offer_every_event(client, records, superuser):
    client.force_login(superuser)

    assert autocomplete(client, "transaction", "event") == ["Congress B", "Festival A"]
    assert autocomplete(client, "transaction", "category") == ["Catering A", "Catering B"]
