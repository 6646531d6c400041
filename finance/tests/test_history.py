"""Change history of finance records: who, when, what changed; in the admin and the API, scoped."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from finance.factories import (
    AccountFactory,
    BudgetLineFactory,
    CategoryFactory,
    PartyFactory,
    PledgeFactory,
    TransactionFactory,
    TransferFactory,
)
from finance.models import Approval, CashCount, Category, Receipt, Status, Transaction
from finance.models.history import TRACKED
from organizers.history import history_model, ordered_uuid
from organizers.tests.admin_support import admin_url, assert_not_found

pytestmark = pytest.mark.django_db


def history_url(resource: str, obj) -> str:
    return f"/api/{resource}/{obj.pk if hasattr(obj, 'pk') else obj}/history/"


def moment(when: str):
    # Compare instants, not strings: the API leaves out a fraction of zero ("…:09Z"), which sorts after "…:09.015Z".
    return parse_datetime(when)


def draft(event, **fields) -> Transaction:
    return TransactionFactory.create(event=event, status=Status.DRAFT, **fields)


def admin_form_data(client, url: str) -> dict[str, str]:
    """The POST data of an admin change form as the page shows it (inlines included)."""
    context = client.get(url).context

    def value(form, name):
        raw = form[name].value()
        if isinstance(raw, bool):
            return "on" if raw else ""
        return "" if raw is None else str(raw)

    form = context["adminform"].form
    data = {name: value(form, name) for name in form.fields}
    for inline in context.get("inline_admin_formsets", []):
        formset = inline.formset
        for key, field_value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{key}"] = str(field_value)
        for inner in formset.forms[: formset.initial_form_count()]:
            for name in inner.fields:
                data[inner.add_prefix(name)] = value(inner, name)
    return {key: item for key, item in data.items() if item != ""}


# --- What is recorded ----------------------------------------------------------------------------


def test_every_finance_model_keeps_history():
    expected = {"Category", "Account", "Transaction", "Approval", "Transfer", "CashCount"}
    expected |= {"BudgetLine", "Party", "Pledge", "Receipt"}

    assert {model.__name__ for model in TRACKED} == expected
    for model in TRACKED:
        assert history_model(model)._meta.pk.get_internal_type() == "UUIDField"


def test_a_save_records_the_new_version_with_the_fields_the_workflow_set(event_a, treasurer):
    transaction = draft(event_a, amount=Decimal("20.00"))

    transaction.status = Status.PAID
    transaction.paid_by = treasurer
    transaction.paid_at = timezone.now()
    transaction._history_user = treasurer  # as a service without a request would say who acted
    transaction.save(workflow=True)

    newest, created = transaction.history.all()[:2]
    assert (created.history_type, newest.history_type) == ("+", "~")
    assert newest.history_user == treasurer
    assert newest.status == Status.PAID
    assert created.status == Status.DRAFT


def test_history_of_every_tracked_model_is_written_on_create_change_delete(event_a, treasurer):
    makers = {
        "category": lambda: CategoryFactory(event=event_a),
        "account": lambda: AccountFactory(event=event_a),
        "transfer": lambda: TransferFactory(event=event_a),
        "budget line": lambda: BudgetLineFactory(event=event_a),
        "party": lambda: PartyFactory(event=event_a),
        "pledge": lambda: PledgeFactory(event=event_a),
    }
    for label, make in makers.items():
        obj = make()
        pk = obj.pk
        obj.save()
        obj.delete()
        assert [r.history_type for r in history_model(type(obj)).objects.filter(id=pk)] == ["-", "~", "+"], label


def test_approvals_cash_counts_and_receipts_are_recorded(event_a, treasurer, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    transaction = TransactionFactory(event=event_a)
    approval = Approval.objects.create(transaction=transaction, approver=treasurer)
    count = CashCount.objects.create(
        event=event_a, account=AccountFactory(event=event_a), counted_at=timezone.now(), counted_amount=Decimal("5")
    )
    receipt = Receipt.objects.create(
        event=event_a, transaction=transaction, file="receipts/x.pdf", original_name="x.pdf", content_type="a/b", size=1
    )

    assert approval.history.get().approver_id == treasurer.pk
    assert count.history.get().counted_amount == Decimal("5")
    assert receipt.history.get().file == "receipts/x.pdf"


def test_history_keys_sort_in_the_order_they_were_made():
    keys = [ordered_uuid() for _ in range(5000)]

    assert keys == sorted(keys)
    assert [k.hex for k in keys] == sorted(k.hex for k in keys)
    assert {k.version for k in keys} == {7}
    assert len(set(keys)) == len(keys)


def test_versions_saved_within_one_millisecond_keep_their_order(event_a, api, treasurer):
    category = CategoryFactory(event=event_a, name="v0")
    for number in range(1, 6):
        category.name = f"v{number}"
        category.save()

    body = api.as_user(treasurer).get(history_url("categories", category)).json()

    assert [entry["changes"]["name"]["new"] for entry in body] == ["v5", "v4", "v3", "v2", "v1", "v0"]
    assert [entry["changes"]["name"]["old"] for entry in body[:-1]] == ["v4", "v3", "v2", "v1", "v0"]


# --- API -----------------------------------------------------------------------------------------------


def test_api_records_the_token_user_for_create_change_and_delete(api, event_a, treasurer, organizer, viewer):
    api.as_user(organizer)  # token authentication, as external tools sign in
    created = api.post(
        "/api/transactions/",
        {
            "event": str(event_a.pk),
            "kind": "purchase",
            "amount": "42.10",
            "date": "2026-06-12",
            "description": "Gaffer tape",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    api.as_user(treasurer)
    assert api.patch(f"/api/transactions/{pk}/", {"amount": "50.00"}, format="json").status_code == 200
    assert api.delete(f"/api/transactions/{pk}/").status_code == 204

    response = api.as_user(viewer).get(history_url("transactions", pk))

    assert response.status_code == 200, response.content
    deleted, changed, made = response.json()
    assert [deleted["action"], changed["action"], made["action"]] == ["deleted", "changed", "created"]
    assert made["who"] == {"id": str(organizer.pk), "username": organizer.username}
    assert changed["who"]["username"] == deleted["who"]["username"] == treasurer.username
    assert made["changes"]["amount"] == {"old": None, "new": "42.100"}
    assert made["changes"]["description"] == {"old": None, "new": "Gaffer tape"}
    assert changed["changes"] == {
        "amount": {"old": "42.100", "new": "50.000"},
        "base_amount": {"old": "42.100", "new": "50.000"},
        "signed_amount": {"old": "-42.100", "new": "-50.000"},
        "last_changed_by": {"old": str(organizer.pk), "new": str(treasurer.pk)},
    }
    assert deleted["changes"] == {}
    assert moment(changed["when"]) >= moment(made["when"])
    assert set(made) == {"id", "when", "who", "action", "changes"}


def test_workflow_steps_through_the_api_are_recorded_with_their_author(api, event_a, organizer, treasurer, viewer):
    expense = draft(event_a, description="Cables", created_by=organizer)

    assert api.as_user(organizer).post(f"/api/transactions/{expense.pk}/submit/").status_code == 200
    assert api.as_user(treasurer).post(f"/api/transactions/{expense.pk}/approve/", {}).status_code == 200

    body = api.as_user(viewer).get(history_url("transactions", expense)).json()
    approved, submitted = body[0], next(entry for entry in body if "submitted_by" in entry["changes"])
    assert submitted["who"]["username"] == organizer.username
    assert submitted["changes"]["status"] == {"old": "draft", "new": "submitted"}
    assert submitted["changes"]["submitted_by"] == {"old": None, "new": str(organizer.pk)}
    assert approved["who"]["username"] == treasurer.username
    assert approved["changes"]["status"] == {"old": "submitted", "new": "approved"}


def test_api_history_of_a_category_shows_renames(api, event_a, treasurer, viewer):
    api.as_user(treasurer)
    created = api.post("/api/categories/", {"event": str(event_a.pk), "name": "Food"}, format="json")
    pk = created.json()["id"]
    api.patch(f"/api/categories/{pk}/", {"name": "Drinks"}, format="json")

    body = api.as_user(viewer).get(f"/api/categories/{pk}/history/").json()

    assert [entry["action"] for entry in body] == ["changed", "created"]
    assert body[0]["changes"] == {"name": {"old": "Food", "new": "Drinks"}}
    assert body[0]["who"]["username"] == treasurer.username
    assert body[1]["changes"]["event"] == {"old": None, "new": str(event_a.pk)}


@pytest.mark.parametrize("role", ["viewer", "organizer", "treasurer", "owner", "superuser"])
def test_every_member_and_superusers_read_the_history(request, api, event_a, role):
    transaction = draft(event_a)

    response = api.as_user(request.getfixturevalue(role)).get(history_url("transactions", transaction))

    assert response.status_code == 200
    assert [entry["action"] for entry in response.json()] == ["created"]


def test_another_events_history_is_not_found_even_after_deletion(api, event_a, treasurer, outsider):
    transaction = draft(event_a)
    category = CategoryFactory(event=event_a)
    api.as_user(outsider)

    assert api.get(history_url("transactions", transaction)).status_code == 404
    assert api.get(history_url("categories", category)).status_code == 404
    pk = category.pk
    category.delete()
    assert api.get(history_url("categories", pk)).status_code == 404
    assert api.as_user(treasurer).get(history_url("categories", pk)).status_code == 200


def test_history_needs_a_sign_in_and_a_well_formed_known_id(api, event_a, viewer):
    transaction = draft(event_a)

    assert api.get(history_url("transactions", transaction)).status_code == 401
    api.as_user(viewer)
    assert api.get(history_url("transactions", "not-a-uuid")).status_code == 404
    assert api.get(history_url("transactions", uuid.uuid4())).status_code == 404


def test_history_reads_with_a_fixed_number_of_queries(api, event_a, viewer, django_assert_max_num_queries):
    transaction = draft(event_a)
    for number in range(10):
        transaction.description = f"Change {number}"
        transaction.save()
    api.as_user(viewer)
    api.get(history_url("transactions", transaction))  # token and roles cached by nobody: warm up nothing

    with django_assert_max_num_queries(8):
        response = api.get(history_url("transactions", transaction))

    assert len(response.json()) == 11


def test_history_is_refused_as_a_write(api, event_a, treasurer):
    transaction = draft(event_a)

    response = api.as_user(treasurer).post(history_url("transactions", transaction), {})

    assert response.status_code == 405
    assert transaction.history.count() == 1


# --- Admin ---------------------------------------------------------------------------------------------


def test_admin_create_change_delete_are_recorded_with_the_signed_in_user(client, event_a, treasurer):
    client.force_login(treasurer)
    response = client.post(admin_url(Category, "add"), {"event": str(event_a.pk), "name": "Transport"})
    assert response.status_code == 302, response.content
    category = Category.objects.get(name="Transport")
    response = client.post(admin_url(category, "change"), {"name": "Transport & fuel", "description": "vans"})
    assert response.status_code == 302
    response = client.post(admin_url(category, "delete"), {"post": "yes"})
    assert response.status_code == 302

    records = list(history_model(Category).objects.filter(id=category.pk))
    assert [r.history_type for r in records] == ["-", "~", "+"]
    assert {r.history_user for r in records} == {treasurer}
    assert records[1].name == "Transport & fuel"
    assert records[1].description == "vans"


def test_admin_change_of_a_transaction_is_recorded(client, event_a, treasurer):
    transaction = draft(event_a, description="Gas", amount=Decimal("30.00"))
    client.force_login(treasurer)
    data = admin_form_data(client, admin_url(transaction, "change"))
    data.update(description="Gas for the generator", amount="31.50")

    response = client.post(admin_url(transaction, "change"), data)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    newest = transaction.history.first()
    assert newest.history_type == "~"
    assert newest.history_user == treasurer
    assert newest.description == "Gas for the generator"
    assert newest.amount == Decimal("31.50")


def test_admin_history_page_shows_who_when_and_what_changed(client, api, event_a, treasurer, viewer):
    category = CategoryFactory(event=event_a, name="Stage")
    transaction = draft(event_a, description="Gaffer tape", amount=Decimal("12.50"))
    api.as_user(treasurer).patch(
        f"/api/transactions/{transaction.pk}/",
        {"description": "Gaffer tape, black", "category": str(category.pk)},
        format="json",
    )
    client.force_login(viewer)

    response = client.get(admin_url(transaction, "history"))

    assert response.status_code == 200
    page = response.content.decode()
    assert treasurer.username in page
    assert "Gaffer tape → Gaffer tape, black" in page.replace("&rarr;", "→").replace("  ", " ")
    assert "— → Stage" in page.replace("&rarr;", "→")  # a foreign key by the record's name
    assert "12.500" in page
    assert [row["entry"].action for row in response.context["rows"]] == ["changed", "created"]


def test_admin_history_page_is_hidden_from_outsiders_and_shown_to_superusers(client, event_a, outsider, superuser):
    transaction = draft(event_a)

    client.force_login(outsider)
    assert_not_found(client.get(admin_url(transaction, "history")))
    client.force_login(superuser)
    assert client.get(admin_url(transaction, "history")).status_code == 200


def test_admin_history_of_a_deleted_record_stays_with_its_event(client, event_a, treasurer, outsider):
    category = CategoryFactory(event=event_a, name="Gone soon")
    url = admin_url(category, "history")
    category.delete()

    client.force_login(treasurer)
    response = client.get(url)
    assert response.status_code == 200
    assert [row["entry"].action for row in response.context["rows"]] == ["deleted", "created"]
    client.force_login(outsider)
    assert_not_found(client.get(url))


def test_admin_offers_no_revert(client, event_a, treasurer):
    transaction = draft(event_a)
    transaction.description = "Changed"
    transaction.save()
    record = transaction.history.first()
    client.force_login(treasurer)

    page = client.get(admin_url(transaction, "history")).content.decode()

    assert "revert" not in page.lower()
    assert f"/history/{record.history_id}/" not in page
    with pytest.raises(NoReverseMatch):
        reverse("admin:finance_transaction_simple_history", args=[transaction.pk, record.history_id])
    response = client.post(f"/admin/finance/transaction/{transaction.pk}/history/{record.history_id}/", {})
    assert response.status_code in {302, 404}
    assert transaction.history.count() == 2


def test_models_without_history_keep_djangos_history_page(client, event_a, owner):
    client.force_login(owner)

    response = client.get(admin_url(event_a, "history"))

    assert response.status_code == 200
    assert "action_list" in response.context


# --- Housekeeping -----------------------------------------------------------------------------------


def test_deleting_an_event_deletes_its_ledgers_history_only(event_a, event_b, treasurer):
    from organizers.services import archive_event, delete_event

    own = TransactionFactory(event=event_a)
    Approval.objects.create(transaction=own, approver=treasurer)
    CategoryFactory(event=event_a)
    kept = TransactionFactory(event=event_b, date=date(2026, 1, 1))
    archive_event(event_a)

    delete_event(event_a)

    assert not history_model(Transaction).objects.filter(event_id=event_a.pk).exists()
    assert not history_model(Category).objects.filter(event_id=event_a.pk).exists()
    assert not history_model(Approval).objects.filter(transaction_id=own.pk).exists()
    assert kept.history.count() == 1


def test_history_travels_with_backups(api, event_a, event_b, treasurer, outsider, tmp_path):
    import json
    import tarfile

    from geventator import backup as backups
    from geventator.tests.test_backup import wipe

    api.as_user(treasurer)
    pk = api.post("/api/categories/", {"event": str(event_a.pk), "name": "Food"}, format="json").json()["id"]
    api.patch(f"/api/categories/{pk}/", {"name": "Drinks"}, format="json")
    gone = CategoryFactory(event=event_a, name="Gone")
    gone.delete()
    CategoryFactory(event=event_b, name="Elsewhere")
    historical = history_model(Category)
    before = sorted(historical.objects.values_list("history_id", "id", "name", "history_type", "history_user_id"))

    backups.backup(tmp_path / "one.tar.gz", event_slug=event_a.slug)
    with tarfile.open(tmp_path / "one.tar.gz") as tar:
        lines = tar.extractfile("data/finance.HistoricalCategory.jsonl").read().splitlines()
        rows = [json.loads(line) for line in lines]
        people = tar.extractfile("data/organizers.Organizer.jsonl").read().decode()
    assert {row["fields"]["name"] for row in rows} == {"Food", "Drinks", "Gone"}
    assert treasurer.username in people

    backups.backup(tmp_path / "all.tar.gz")
    wipe()
    assert backups.database_is_empty()
    backups.restore(tmp_path / "all.tar.gz")

    after = sorted(historical.objects.values_list("history_id", "id", "name", "history_type", "history_user_id"))
    assert after == before


# --- The event's change feed ------------------------------------------------------------------------


def test_event_feed_lists_changes_of_every_kind_newest_first_with_filters(api, event_a, event_b, treasurer, viewer):
    api.as_user(treasurer)
    category = api.post("/api/categories/", {"event": str(event_a.pk), "name": "Food"}, format="json").json()
    api.patch(f"/api/categories/{category['id']}/", {"name": "Drinks"}, format="json")
    transaction = draft(event_a, description="Tape")
    Approval.objects.create(transaction=transaction, approver=treasurer)
    CategoryFactory(event=event_b, name="Elsewhere")
    url = f"/api/events/{event_a.pk}/history/"
    api.as_user(viewer)

    body = api.get(url).json()

    assert body["count"] == 5
    rows = body["results"]
    assert [(row["model"], row["action"]) for row in rows] == [
        ("approval", "created"),
        ("transaction", "created"),
        ("account", "created"),  # the main account, made for the first transaction
        ("category", "changed"),
        ("category", "created"),
    ]
    assert rows[3]["changes"] == {"name": {"old": "Food", "new": "Drinks"}}
    assert rows[3]["object_id"] == category["id"]
    assert rows[3]["who"]["username"] == treasurer.username
    only = api.get(url, {"model": "category"}).json()
    assert [row["action"] for row in only["results"]] == ["changed", "created"]
    since = api.get(url, {"since": rows[1]["when"]}).json()
    assert [row["model"] for row in since["results"]] == ["approval", "transaction"]


def test_event_feed_pages_across_kinds_of_records(api, event_a, viewer):
    for number in range(30):
        CategoryFactory(event=event_a, name=f"C{number}")
    for number in range(26):
        draft(event_a, description=f"T{number}")
    url = f"/api/events/{event_a.pk}/history/"
    api.as_user(viewer)

    first, second = api.get(url).json(), api.get(url, {"page": 2}).json()

    rows = first["results"] + second["results"]
    assert first["count"] == len(rows) == 57  # and the main account
    assert len(first["results"]) == 50
    assert len({row["id"] for row in rows}) == 57
    moments = [moment(row["when"]) for row in rows]
    assert moments == sorted(moments, reverse=True)
    assert {row["model"] for row in rows} == {"category", "transaction", "account"}


def test_event_feed_orders_by_instant_when_one_falls_on_a_whole_second(api, event_a, viewer):
    whole_second = timezone.now().replace(microsecond=0) - timezone.timedelta(minutes=1)
    category = CategoryFactory(event=event_a, name="Stage")
    expense = draft(event_a, description="Cables")
    history_model(Category).objects.filter(id=category.pk).update(history_date=whole_second)
    history_model(Transaction).objects.filter(id=expense.pk).update(
        history_date=whole_second + timezone.timedelta(milliseconds=15)
    )
    api.as_user(viewer)

    rows = api.get(f"/api/events/{event_a.pk}/history/", {"since": whole_second.isoformat()}).json()["results"]

    ours = [(row["model"], moment(row["when"])) for row in rows if row["model"] != "account"]  # main account: now
    assert ours == [
        ("transaction", whole_second + timezone.timedelta(milliseconds=15)),
        ("category", whole_second),
    ]


def test_event_feed_is_for_members_and_checks_its_input(api, event_a, viewer, outsider):
    url = f"/api/events/{event_a.pk}/history/"

    assert api.get(url).status_code == 401
    assert api.as_user(outsider).get(url).status_code == 404
    api.as_user(viewer)
    assert api.get(url, {"model": "nope"}).json().keys() == {"model"}
    assert api.get(url, {"model": "nope"}).status_code == 400
    assert api.get(url, {"since": "yesterday"}).status_code == 400
    assert api.get(url, {"since": "2026-01-01T00:00"}).status_code == 200


def test_migration_gives_approval_history_its_transactions_event(event_a, event_b, treasurer):
    from importlib import import_module

    from django.apps import apps

    fill_events = import_module("finance.migrations.0006_approval_event").fill_events
    mine = Approval.objects.create(
        transaction=TransactionFactory(event=event_a, status=Status.SUBMITTED), approver=treasurer
    )
    gone = TransactionFactory(event=event_b, status=Status.SUBMITTED)
    theirs = Approval.objects.create(transaction=gone, approver=treasurer)
    gone.approvals.all().delete()
    Transaction.objects.filter(pk=gone.pk).delete()  # only the history knows its event now
    history_model(Approval).objects.update(event_id=None)  # as the history was before the field

    fill_events(apps, None)

    assert dict(history_model(Approval).objects.values_list("id", "event_id")) == {
        mine.pk: event_a.pk,
        theirs.pk: event_b.pk,
    }
