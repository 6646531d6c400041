"""Backup and restore: a round trip gives back identical data and balances, on either store."""

from __future__ import annotations

import json
import tarfile
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from activities.factories import ActivityFactory, LocationFactory
from finance.factories import CategoryFactory, TransactionFactory
from finance.models import Kind, Transaction
from finance.services import event_summary
from geventator import backup as backups
from organizers.models import Event

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledgers(owner, treasurer, organizer, viewer, outsider, event_a, event_b):
    for event, creator in [(event_a, treasurer), (event_b, outsider)]:
        food = CategoryFactory(event=event, name="Food")
        hall = LocationFactory(event=event, name="Hall")
        sale = TransactionFactory(
            event=event, kind=Kind.SALE, amount=Decimal("1234.56"), category=food, created_by=creator
        )
        TransactionFactory(event=event, kind=Kind.PURCHASE, amount=Decimal("99.99"), counterparty="Shop")
        start = datetime(2026, 6, 12, 10, tzinfo=event.tzinfo)
        activity = ActivityFactory(event=event, location=hall, start=start, end=start.replace(hour=11))
        activity.responsible.add(creator)
        activity.transactions.add(sale)
    return event_a, event_b


def snapshot() -> dict:
    """Every exported record as plain data (m2m lists sorted), and every event's summary."""
    data = {}
    for label in backups.MODELS:
        rows = json.loads(
            "[" + ",".join(backups._lines(label, apps.get_model(label).objects.all(), strip_credentials=False)) + "]"
        )
        for row in rows:
            row["fields"] = {k: sorted(v) if isinstance(v, list) else v for k, v in row["fields"].items()}
        data[label] = sorted(rows, key=lambda row: row["pk"])
    summaries = {event.slug: event_summary(event) for event in Event.objects.all()}
    return {"data": data, "summaries": summaries}


def wipe() -> None:
    # Change history last: deleting a record writes its deletion there.
    records = [label for label in reversed(backups.MODELS) if label not in backups.HISTORY_MODELS]
    for label in [*records, *backups.HISTORY_MODELS]:
        model = apps.get_model(label)
        if label == "organizers.Event":
            Transaction.objects.all().delete()
        model.objects.all().delete()


def test_full_backup_restores_identical_data_and_balances(ledgers, tmp_path, report_figure):
    archive = tmp_path / "all.tar.gz"
    call_command("backup", str(archive))
    before = snapshot()
    wipe()

    call_command("restore", str(archive))

    after = snapshot()
    assert after["data"] == before["data"]
    assert after["summaries"] == before["summaries"]
    assert before["data"]["finance.Transaction"]  # the comparison covered real records
    report_figure(f"Backup round trip: {sum(len(rows) for rows in after['data'].values())} records, balances equal")


def test_restore_gives_back_times_to_the_stored_precision(ledgers, tmp_path):
    # Django's JSON serializer cuts times to milliseconds, and writes 10:00:00.000500 as ".000":
    # after a round trip that lost time read back as 10:00:00 and the records differed.
    people = apps.get_model("organizers.Organizer").objects
    for username, microsecond in [("oscar_organizer", 500), ("vera_viewer", 123456)]:
        people.filter(username=username).update(date_joined=datetime(2026, 6, 1, 10, 0, 0, microsecond, tzinfo=UTC))
    stored = dict(people.values_list("username", "date_joined"))
    archive = tmp_path / "all.tar.gz"
    backups.backup(archive)
    wipe()

    backups.restore(archive)

    assert dict(people.values_list("username", "date_joined")) == stored


def test_manifest_holds_version_counts_and_balances(ledgers, tmp_path):
    archive = tmp_path / "all.tar.gz"
    backups.backup(archive)

    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())

    assert (manifest["format"], manifest["version"], manifest["scope"]) == ("geventator-backup", 2, "all")
    assert manifest["counts"]["finance.Transaction"] == 4
    assert manifest["balances"]["festival-a"] == {
        "currency": "EUR",
        "income": "1234.56",
        "expenses": "99.99",
        "balance": "1134.57",
    }


def test_restore_refuses_a_database_that_is_not_empty(ledgers, tmp_path):
    archive = tmp_path / "all.tar.gz"
    backups.backup(archive)
    count = Transaction.objects.count()

    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(archive))

    assert Transaction.objects.count() == count


def test_restore_refuses_an_archive_that_is_not_a_backup(db, tmp_path):
    archive = tmp_path / "other.tar.gz"
    with tarfile.open(archive, "w:gz"):
        pass

    with pytest.raises(CommandError, match="Not a GEventator backup"):
        call_command("restore", str(archive))


def test_one_event_backup_holds_that_event_and_its_people_without_passwords(ledgers, tmp_path):
    event_a, event_b = ledgers
    archive = tmp_path / "a.tar.gz"
    call_command("backup", "--event", event_a.slug, str(archive))
    wipe()

    call_command("restore", str(archive))

    assert list(Event.objects.values_list("slug", flat=True)) == ["festival-a"]
    people = apps.get_model("organizers.Organizer").objects.all()
    assert sorted(p.username for p in people) == ["olivia_owner", "oscar_organizer", "tomas_treasurer", "vera_viewer"]
    assert not any(p.has_usable_password() for p in people)
    assert event_summary(Event.objects.get()).balance == Decimal("1134.57")


def test_restore_refuses_an_archive_of_an_older_format_by_name(db, tmp_path):
    archive = tmp_path / "old.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        backups._add(tar, "manifest.json", json.dumps({"format": "geventator-backup", "version": 1}).encode())

    with pytest.raises(CommandError, match="format version 1; this GEventator restores version 2"):
        call_command("restore", str(archive))

    assert not Event.objects.exists()


def test_backup_of_an_unknown_event_is_refused(db, tmp_path):
    with pytest.raises(CommandError, match="No event"):
        call_command("backup", "--event", "nope", str(tmp_path / "x.tar.gz"))


def test_media_files_travel_with_the_backup(ledgers, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    (tmp_path / "media" / "receipts").mkdir(parents=True)
    (tmp_path / "media" / "receipts" / "r1.pdf").write_bytes(b"%PDF receipt")
    archive = tmp_path / "all.tar.gz"
    backups.backup(archive)
    wipe()
    settings.MEDIA_ROOT = str(tmp_path / "restored")

    backups.restore(archive)

    assert (tmp_path / "restored" / "receipts" / "r1.pdf").read_bytes() == b"%PDF receipt"


# --- Every finance record, and the receipt files ---------------------------------------------------


@pytest.fixture
def finance_records(ledgers, settings, tmp_path, owner, treasurer, organizer, superuser):
    """One record of every finance model in event A (with a receipt file), a receipt in event B."""
    from django.utils import timezone

    from finance.factories import AccountFactory, BudgetLineFactory, PledgeFactory, ReceiptFactory, TransferFactory
    from finance.models import AccountKind, Approval, CashCount, Status

    settings.MEDIA_ROOT = str(tmp_path / "media")
    event_a, event_b = ledgers
    cash = AccountFactory(event=event_a, name="Cash box", kind=AccountKind.CASH, holder=treasurer)
    pocket = AccountFactory(event=event_a, name="Oscar's pocket", kind=AccountKind.POCKET, holder=organizer)
    pledge = PledgeFactory(event=event_a, party__name="Acme", amount=Decimal("1000.00"), tier="gold")
    BudgetLineFactory(event=event_a, owner=owner, planned=Decimal("250.00"))
    sponsorship = TransactionFactory(
        event=event_a, kind=Kind.SPONSORSHIP, amount=Decimal("300.00"), currency="USD",
        exchange_rate=Decimal("0.92"), account=cash, pledge=pledge, party=pledge.party,
    )  # fmt: skip
    expense = TransactionFactory(event=event_a, status=Status.SUBMITTED, account=pocket, submitted_by=organizer)
    # Approved by someone outside the event: a one-event backup must still name them.
    Approval.objects.create(transaction=expense, approver=superuser)
    TransferFactory(event=event_a, from_account=cash, to_account=pocket, created_by=organizer)
    CashCount.objects.create(
        event=event_a, account=cash, counted_at=timezone.now(), counted_amount=Decimal("270.00"), counted_by=treasurer
    )
    receipt = ReceiptFactory(transaction=sponsorship, uploaded_by=organizer, file__data=b"%PDF-1.7 \x00\xff bytes")
    theirs = ReceiptFactory(transaction=TransactionFactory(event=event_b), file__filename="theirs.pdf")
    return {"receipt": receipt, "theirs": theirs, "media": tmp_path / "media"}


def test_every_model_of_the_projects_apps_is_backed_up():
    # Calendar and API tokens are credentials (see the module's docstring), kept answers to retried
    # requests live a day; everything else must travel.
    left_out = {"activities.CalendarToken", "organizers.ApiToken", "organizers.IdempotentRequest"}
    labels = {
        model._meta.label
        for app in ("organizers", "finance", "activities")
        for model in apps.get_app_config(app).get_models()
    }

    assert labels - left_out - set(backups.MODELS) == set()


def test_full_backup_restores_every_finance_record_and_the_receipt_files(finance_records, tmp_path, settings):
    archive = tmp_path / "all.tar.gz"
    call_command("backup", str(archive))
    before = snapshot()
    original = (finance_records["media"] / finance_records["receipt"].file.name).read_bytes()
    wipe()
    settings.MEDIA_ROOT = str(tmp_path / "restored")

    call_command("restore", str(archive))

    after = snapshot()
    assert after["data"] == before["data"]
    assert after["summaries"] == before["summaries"]
    for label in ("finance.Account", "finance.Pledge", "finance.Approval", "finance.CashCount", "finance.Receipt"):
        assert before["data"][label], label  # the comparison covered real records of each kind
    restored = tmp_path / "restored" / finance_records["receipt"].file.name
    assert restored.read_bytes() == original == b"%PDF-1.7 \x00\xff bytes"
    assert (tmp_path / "restored" / finance_records["theirs"].file.name).is_file()


def test_one_event_backup_holds_only_that_events_receipt_files_and_people(finance_records, tmp_path, settings):
    archive = tmp_path / "a.tar.gz"
    backups.backup(archive, "festival-a")

    with tarfile.open(archive) as tar:
        files = sorted(name for name in tar.getnames() if name.startswith("files/"))
    wipe()
    settings.MEDIA_ROOT = str(tmp_path / "restored")
    backups.restore(archive)

    assert files == [f"files/{finance_records['receipt'].file.name}"]
    people = apps.get_model("organizers.Organizer").objects.all()
    assert "root" in {person.username for person in people}  # named by an approval only
    assert not any(person.is_superuser or person.has_usable_password() for person in people)
    assert apps.get_model("finance.Approval").objects.count() == 1
    assert (tmp_path / "restored" / finance_records["receipt"].file.name).read_bytes() == b"%PDF-1.7 \x00\xff bytes"
    assert not (tmp_path / "restored" / finance_records["theirs"].file.name).exists()
