"""Export of an event's transactions (CSV, XLSX) and their all-or-nothing CSV import, through the API."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from finance.factories import AccountFactory, CategoryFactory, PartyFactory, PledgeFactory, TransactionFactory
from finance.models import Kind, Status, Transaction
from finance.services import ledger_files
from organizers.services import archive_event

pytestmark = pytest.mark.django_db

EXPORT = "/api/transactions/export/"
IMPORT = "/api/transactions/import/"


def rows_of(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"))))


def csv_of(rows: list[dict], columns: list[str] | None = None, delimiter: str = ",") -> bytes:
    columns = columns or ["date", "kind", "description", "amount", "currency", "exchange_rate", "account", "category"]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, delimiter=delimiter, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(dict.fromkeys(columns, "") | row)
    return out.getvalue().encode()


def row(**values) -> dict:
    return {"date": "2026-06-12", "kind": "purchase", "description": "Ice", "amount": "5.00", **values}


def upload(api, user, event, content: bytes, name: str = "transactions.csv"):
    file = SimpleUploadedFile(name, content, content_type="text/csv")
    return api.as_user(user).post(IMPORT, {"file": file, "event": str(event.pk)}, format="multipart")


def snapshot() -> list[tuple]:
    return sorted(Transaction.objects.values_list("pk", "event_id", "kind", "status", "amount", "description"))


@pytest.fixture
def ledger(event_a, treasurer):
    """Event A's ledger: a bar sale in cash, a stage purchase in dollars, a sponsorship for a pledge."""
    cash = AccountFactory(event=event_a, name="Cash box", kind="cash")
    bar = CategoryFactory(event=event_a, name="Bar")
    stage = CategoryFactory(event=event_a, name="Stage")
    sponsor = PartyFactory(event=event_a, name="Brewery")
    pledge = PledgeFactory(event=event_a, party=sponsor, amount=Decimal("500.00"))
    sale = TransactionFactory(
        event=event_a,
        kind=Kind.SALE,
        amount=Decimal("120.50"),
        account=cash,
        category=bar,
        date=date(2026, 6, 12),
        description="Beer, night one",
        created_by=treasurer,
    )
    purchase = TransactionFactory(
        event=event_a,
        kind=Kind.PURCHASE,
        status=Status.DRAFT,
        amount=Decimal("100.00"),
        currency="USD",
        exchange_rate=Decimal("0.92"),
        category=stage,
        date=date(2026, 6, 10),
        description='=HYPERLINK("http://evil")',
        counterparty="Sound & Light, Inc.",
    )
    sponsorship = TransactionFactory(
        event=event_a,
        kind=Kind.SPONSORSHIP,
        amount=Decimal("500.00"),
        party=sponsor,
        pledge=pledge,
        date=date(2026, 6, 11),
        description="Brewery's sponsorship",
    )
    return {
        "cash": cash,
        "bar": bar,
        "stage": stage,
        "sponsor": sponsor,
        "pledge": pledge,
        "sale": sale,
        "purchase": purchase,
        "sponsorship": sponsorship,
    }


# --- Export -------------------------------------------------------------------------------------------


def test_csv_export_has_every_column_of_the_events_transactions_oldest_first(api, viewer, event_a, ledger, event_b):
    TransactionFactory(event=event_b, description="Other event's entry")

    response = api.as_user(viewer).get(EXPORT, {"event": str(event_a.pk)})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="transactions-festival-a.csv"' in response["Content-Disposition"]
    rows = rows_of(response.content)
    assert list(rows[0]) == ledger_files.EXPORT_COLUMNS
    assert [r["description"] for r in rows] == [
        '\'=HYPERLINK("http://evil")',  # a formula to a spreadsheet: written as text
        "Brewery's sponsorship",
        "Beer, night one",
    ]
    purchase, sponsorship, sale = rows
    assert purchase == {
        "id": str(ledger["purchase"].pk),
        "date": "2026-06-10",
        "kind": "purchase",
        "status": "draft",
        "description": '\'=HYPERLINK("http://evil")',
        "amount": "100.00",
        "currency": "USD",
        "exchange_rate": "0.92",
        "base_amount": "92.00",
        "account": "Main account",
        "category": "Stage",
        "party": "",
        "counterparty": "Sound & Light, Inc.",
        "pledge": "",
        "created_by": "",
    }
    assert (sale["account"], sale["category"], sale["created_by"], sale["exchange_rate"]) == (
        "Cash box",
        "Bar",
        "tomas_treasurer",
        "1",
    )
    assert (sponsorship["party"], sponsorship["pledge"]) == ("Brewery", str(ledger["pledge"].pk))


def test_export_applies_the_lists_filters(api, viewer, event_a, ledger):
    response = api.as_user(viewer).get(
        EXPORT, {"event": str(event_a.pk), "kind": ["sale", "sponsorship"], "date_after": "2026-06-12"}
    )

    assert response.status_code == 200
    assert [r["description"] for r in rows_of(response.content)] == ["Beer, night one"]


def test_xlsx_export_opens_in_a_spreadsheet_with_numbers_and_dates(api, viewer, event_a, ledger):
    response = api.as_user(viewer).get(EXPORT, {"event": str(event_a.pk), "format": "xlsx"})

    assert response.status_code == 200
    assert response["Content-Type"] == ledger_files.XLSX_TYPE
    assert 'filename="transactions-festival-a.xlsx"' in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == ledger_files.EXPORT_COLUMNS
    assert len(rows) == 4
    header = rows[0]
    purchase = dict(zip(header, rows[1], strict=True))
    assert purchase["description"] == '\'=HYPERLINK("http://evil")'  # text, not a formula
    assert purchase["amount"] == 100
    assert purchase["base_amount"] == pytest.approx(92.0)
    assert purchase["date"].date() == date(2026, 6, 10)
    assert sheet["A2"].data_type == "s"
    assert all(cell.data_type != "f" for line in sheet.iter_rows() for cell in line)


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({}, 400),  # which event?
        ({"event": "not-a-uuid"}, 400),
        ({"event": "<a>", "format": "pdf"}, 400),
        ({"event": "<a>", "kind": "bribe"}, 400),
        ({"event": "<b>"}, 404),
    ],
)
def test_export_refuses_what_it_cannot_answer(api, viewer, event_a, event_b, ledger, params, status):
    TransactionFactory(event=event_b, description="Secret of B")
    ids = {"<a>": str(event_a.pk), "<b>": str(event_b.pk)}

    response = api.as_user(viewer).get(EXPORT, {k: ids.get(v, v) for k, v in params.items()})

    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert "Secret of B" not in response.content.decode()


def test_export_reads_the_same_few_queries_for_few_or_many_rows(api, viewer, event_a, ledger):
    api.as_user(viewer)  # the token made before counting

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get(EXPORT, {"event": str(event_a.pk), "format": "xlsx"}).status_code == 200
        return len(captured.captured_queries)

    few = queries()
    for _n in range(20):
        TransactionFactory(
            event=event_a, category=ledger["bar"], account=ledger["cash"], party=ledger["sponsor"], created_by=viewer
        )

    assert queries() == few


def test_export_needs_a_signed_in_user(api, event_a):
    assert api.get(EXPORT, {"event": str(event_a.pk)}).status_code == 401


# --- Import -------------------------------------------------------------------------------------------


def test_a_good_file_is_imported_expenses_as_drafts_income_as_paid(api, organizer, event_a, ledger):
    content = csv_of(
        [
            row(description="Ice", amount="5.00", account="Cash box", category="Bar"),
            row(kind="sale", description="Tickets at the door", amount="300", category="Bar"),
            row(description="Cables", amount="50", currency="USD", exchange_rate="0.9", category="Stage"),
        ]
    )

    response = upload(api, organizer, event_a, content)

    assert response.status_code == 200, response.json()
    assert response.json() == {"created": 3, "drafts": 2}
    ice = Transaction.objects.get(description="Ice")
    tickets = Transaction.objects.get(description="Tickets at the door")
    cables = Transaction.objects.get(description="Cables")
    assert (ice.status, ice.account, ice.category, ice.amount, ice.created_by) == (
        Status.DRAFT,
        ledger["cash"],
        ledger["bar"],
        Decimal("5.00"),
        organizer,
    )
    assert (tickets.status, tickets.account.name, tickets.signed_amount) == (
        Status.PAID,
        "Main account",
        Decimal("300"),
    )
    assert (cables.currency, cables.exchange_rate, cables.base_amount) == ("USD", Decimal("0.9"), Decimal("45.00"))


def test_status_base_amount_and_creator_columns_are_not_taken_from_the_file(api, organizer, event_a, treasurer):
    columns = ["date", "kind", "status", "description", "amount", "base_amount", "created_by"]
    content = csv_of([row(status="paid", base_amount="999", created_by="tomas_treasurer")], columns=columns)

    response = upload(api, organizer, event_a, content)

    assert response.status_code == 200, response.json()
    ice = Transaction.objects.get(description="Ice")
    assert (ice.status, ice.base_amount, ice.created_by) == (Status.DRAFT, Decimal("5.00"), organizer)


def test_party_and_pledge_are_found_in_the_event(api, organizer, event_a, ledger):
    columns = ["date", "kind", "description", "amount", "party", "pledge", "counterparty"]
    content = csv_of(
        [
            row(
                kind="sponsorship",
                description="Second half",
                amount="250",
                party="Brewery",
                pledge=str(ledger["pledge"].pk),
                counterparty="Brewery Ltd",
            ),
        ],
        columns=columns,
    )

    response = upload(api, organizer, event_a, content)

    assert response.status_code == 200, response.json()
    second = Transaction.objects.get(description="Second half")
    assert (second.party, second.pledge, second.counterparty) == (ledger["sponsor"], ledger["pledge"], "Brewery Ltd")


def test_two_bad_rows_among_good_ones_save_nothing_and_name_both_lines(api, organizer, event_a, ledger):
    before = snapshot()
    content = csv_of(
        [
            row(description="Good one"),
            row(description="Too precise", amount="10.005", category="Nowhere"),  # line 3
            row(kind="sale", description="Good two", amount="20"),
            row(description="Foreign without a rate", currency="USD"),  # line 5
            row(description="Good three", account="Cash box"),
        ]
    )

    response = upload(api, organizer, event_a, content)

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [error["line"] for error in errors] == [3, 5]
    assert set(errors[0]["errors"]) == {"amount", "category"}
    assert "EUR amounts have at most 2 decimal places." in errors[0]["errors"]["amount"]
    assert errors[0]["errors"]["category"] == ["No category “Nowhere” in this event."]
    assert list(errors[1]["errors"]) == ["exchange_rate"]
    assert snapshot() == before


def test_every_kind_of_bad_cell_is_reported_by_column(api, organizer, event_a, ledger):
    before = snapshot()
    content = csv_of(
        [
            row(date="12/06/2026", kind="bribe", description="", amount="12,50"),
            row(kind="adjustment", amount="-3", account="Nobody's pocket"),
            row(amount="-3", currency="XXX", exchange_rate="lots"),
            row(amount="NaN", description="x" * 301),
        ]
    )

    response = upload(api, organizer, event_a, content)

    assert response.status_code == 400
    by_line = {error["line"]: error["errors"] for error in response.json()["errors"]}
    assert set(by_line) == {2, 3, 4, 5}
    assert set(by_line[2]) == {"date", "kind", "description", "amount"}
    assert by_line[3]["kind"] == ["Adjustments come from cash counts; they cannot be imported."]
    assert set(by_line[3]) == {"kind", "account", "amount"}  # and no negative amounts
    assert set(by_line[4]) == {"amount", "currency", "exchange_rate"}
    assert set(by_line[5]) == {"amount", "description"}
    assert snapshot() == before


def test_line_numbers_count_lines_of_the_file_across_quoted_line_breaks_and_blank_lines(api, organizer, event_a):
    content = (
        b"date,kind,description,amount\n"
        b'2026-06-12,purchase,"Two\nlines",5\n'  # lines 2-3
        b"\n"  # line 4
        b"2026-06-12,purchase,Bad,abc\n"  # line 5
    )

    response = upload(api, organizer, event_a, content)

    assert [error["line"] for error in response.json()["errors"]] == [5]


def test_a_file_from_a_spreadsheet_with_semicolons_and_a_bom_is_read(api, organizer, event_a):
    content = "\ufeff" + csv_of([row(description="Hielo", amount="7.25")], delimiter=";").decode()

    response = upload(api, organizer, event_a, content.encode("utf-8"))

    assert response.status_code == 200, response.json()
    assert Transaction.objects.get(description="Hielo").amount == Decimal("7.25")


def test_an_exported_file_imported_again_is_refused_as_already_in_the_ledger(api, organizer, event_a, ledger):
    before = snapshot()
    exported = api.as_user(organizer).get(EXPORT, {"event": str(event_a.pk)}).content

    response = upload(api, organizer, event_a, exported)

    assert response.status_code == 400
    assert [set(error["errors"]) for error in response.json()["errors"]] == [{"id"}] * 3
    assert snapshot() == before


def test_an_export_imported_into_another_event_adds_new_entries_with_text_unescaped(
    api, organizer, event_a, ledger, owner, event_b, outsider
):
    exported = api.as_user(organizer).get(EXPORT, {"event": str(event_a.pk), "category": str(ledger["stage"].pk)})
    stage_b = CategoryFactory(event=event_b, name="Stage")

    response = upload(api, outsider, event_b, exported.content)

    assert response.status_code == 200, response.json()
    copy = Transaction.objects.get(event=event_b)
    assert copy.pk != ledger["purchase"].pk
    # Dollars are event B's base currency: the rate of event A's file no longer applies.
    assert (copy.description, copy.category, copy.status, copy.exchange_rate, copy.base_amount) == (
        '=HYPERLINK("http://evil")',
        stage_b,
        Status.DRAFT,
        Decimal(1),
        Decimal("100.00"),
    )


def test_names_are_looked_up_in_the_importing_event_only(api, organizer, event_a, event_b):
    CategoryFactory(event=event_b, name="Only in B")
    AccountFactory(event=event_b, name="B's bank")

    response = upload(api, organizer, event_a, csv_of([row(category="Only in B", account="B's bank")]))

    assert response.status_code == 400
    assert set(response.json()["errors"][0]["errors"]) == {"category", "account"}
    assert not Transaction.objects.exists()


@pytest.mark.parametrize("role", ["viewer", "outsider"])
def test_import_refused_below_organizer_or_outside_the_event(request, api, event_a, role):
    user = request.getfixturevalue(role)

    response = upload(api, user, event_a, csv_of([row()]))

    assert response.status_code == {"viewer": 403, "outsider": 404}[role]
    assert not Transaction.objects.exists()


@pytest.mark.parametrize("frozen", ["archived", "books closed"])
def test_import_into_an_archived_event_or_closed_books_is_refused(api, owner, event_a, frozen):
    if frozen == "archived":
        archive_event(event_a)
    else:
        event_a.closed_at = timezone.now()
        event_a.save()

    response = upload(api, owner, event_a, csv_of([row()]))

    assert response.status_code == 403
    assert not Transaction.objects.exists()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty"),
        (b"date,kind,description,amount\n", "only a header"),
        (b"\xff\xfe\x00g\x00a\x00r\x00b\x00a\x00g\x00e", "UTF-8"),
        (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", "readable CSV"),  # a spreadsheet, not CSV
        (b"Dear treasurer, here are the receipts.\n", "Missing columns"),
        (b"date,kind,description,amount,colour\n2026-06-12,sale,x,1,red\n", "Unknown columns: colour"),
        (b"date,kind,description,amount,amount\n2026-06-12,sale,x,1,2\n", "Columns named twice: amount"),
        (b'date,kind,description,amount\n2026-06-12,sale,"unclosed,1\n', "readable CSV"),
    ],
)
def test_an_unreadable_file_is_refused_whole(api, organizer, event_a, content, expected):
    response = upload(api, organizer, event_a, content)

    assert response.status_code == 400
    assert expected in str(response.json()["errors"])
    assert not Transaction.objects.exists()


def test_a_row_with_more_cells_than_the_header_is_refused(api, organizer, event_a):
    response = upload(api, organizer, event_a, b"date,kind,description,amount\n2026-06-12,sale,x,1,extra\n")

    assert response.status_code == 400
    assert response.json()["errors"][0]["line"] == 2


def test_a_file_above_the_size_limit_is_refused_before_reading(api, organizer, event_a, settings):
    settings.IMPORT_MAX_UPLOAD_SIZE = 100
    content = csv_of([row(description=f"Entry {n}") for n in range(10)])

    response = upload(api, organizer, event_a, content)

    assert response.status_code == 400
    assert "too large" in response.json()["file"][0]
    assert not Transaction.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [({"event": "<a>"}, "file"), ({"file": "<csv>"}, "event"), ({"file": "<csv>", "event": "nope"}, "event")],
)
def test_import_without_a_file_or_an_event_is_a_bad_request(api, organizer, event_a, data, field):
    values = {"<a>": str(event_a.pk), "<csv>": SimpleUploadedFile("t.csv", csv_of([row()]), "text/csv")}

    response = api.as_user(organizer).post(IMPORT, {k: values.get(v, v) for k, v in data.items()}, format="multipart")

    assert response.status_code == 400
    assert field in response.json()
    assert not Transaction.objects.exists()


# --- Admin --------------------------------------------------------------------------------------------


def admin_export(event) -> str:
    return reverse("admin:finance_transaction_export", args=[event.pk])


def admin_import(event) -> str:
    return reverse("admin:finance_transaction_import", args=[event.pk])


def test_admin_export_applies_the_filters_of_the_list(client, viewer, event_a, ledger):
    client.force_login(viewer)

    response = client.get(admin_export(event_a), {"format": "csv", "kind__exact": "sale", "q": "beer"})

    assert response.status_code == 200
    assert [r["description"] for r in rows_of(response.content)] == ["Beer, night one"]


def test_admin_export_as_xlsx_holds_the_events_rows(client, viewer, event_a, ledger, event_b):
    TransactionFactory(event=event_b, description="Other event's entry")
    client.force_login(viewer)

    response = client.get(admin_export(event_a), {"format": "xlsx"})

    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sorted(row[4] for row in sheet.iter_rows(min_row=2, values_only=True)) == sorted(
        ledger_files.safe_text(tx.description) for tx in (ledger["sale"], ledger["purchase"], ledger["sponsorship"])
    )


def test_admin_export_refuses_other_events_and_unknown_filters(client, viewer, event_a, event_b):
    client.force_login(viewer)

    assert client.get(admin_export(event_b)).status_code == 404
    assert client.get("/admin/finance/transaction/export/not-a-uuid/").status_code == 404
    assert client.get(admin_export(event_a), {"format": "pdf"}).status_code == 400
    assert client.get(admin_export(event_a), {"colour__exact": "red"}).status_code == 400


@pytest.mark.parametrize(("role", "status"), [("viewer", 403), ("outsider", 404), ("organizer", 200)])
def test_admin_import_page_by_role(request, client, event_a, role, status):
    client.force_login(request.getfixturevalue(role))

    response = client.get(admin_import(event_a))

    assert response.status_code == status


def test_admin_import_saves_a_good_file_and_goes_back_to_the_list(client, organizer, event_a):
    client.force_login(organizer)

    response = client.post(admin_import(event_a), {"import_file": SimpleUploadedFile("t.csv", csv_of([row()]))})

    assert response.status_code == 302
    assert response["Location"].endswith(f"?event__id__exact={event_a.pk}")
    assert Transaction.objects.get(description="Ice").status == Status.DRAFT


def test_admin_import_lists_every_bad_line_and_saves_nothing(client, organizer, event_a):
    client.force_login(organizer)
    content = csv_of([row(), row(amount="lots"), row(), row(kind="bribe")])

    response = client.post(admin_import(event_a), {"import_file": SimpleUploadedFile("t.csv", content)})

    assert response.status_code == 200
    assert [line for line, _column, _message in response.context["errors"]] == [3, 5]
    assert "Nothing was imported: 2 lines have errors." in response.content.decode()
    assert not Transaction.objects.exists()


def test_admin_import_refuses_a_file_above_the_size_limit(client, organizer, event_a, settings):
    settings.IMPORT_MAX_UPLOAD_SIZE = 10
    client.force_login(organizer)

    response = client.post(admin_import(event_a), {"import_file": SimpleUploadedFile("t.csv", csv_of([row()]))})

    assert response.status_code == 200
    assert "too large" in str(response.context["form"].errors)
    assert not Transaction.objects.exists()


def test_admin_import_post_by_a_viewer_is_refused(client, viewer, event_a):
    client.force_login(viewer)

    response = client.post(admin_import(event_a), {"import_file": SimpleUploadedFile("t.csv", csv_of([row()]))})

    assert response.status_code == 403
    assert not Transaction.objects.exists()
