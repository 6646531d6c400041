"""An event's transactions to and from files: CSV or XLSX out, CSV in (all or nothing).

Export: one row per transaction, the columns of EXPORT_COLUMNS, built by a django-import-export
resource (tablib writes CSV and, through openpyxl, XLSX). Amounts, rates and dates are typed values,
so a spreadsheet can add them up; text cells that a spreadsheet would run as a formula are written
with a leading apostrophe (and read back without it).

Import: a CSV file of new entries for one event. Every row goes through the model's checks
(``clean_fields`` and ``clean()``, as in the admin and the API); accounts, categories and parties
are named as in the event, a pledge by its id. A file with any bad row saves nothing and reports
every bad row with its line in the file (the header is line 1). Imported expenses start as drafts
(they still need approval); income is booked as received; the importer is recorded as creator.
The status, base amount and creator columns of an export are ignored, and ids are never reused:
a row whose id is already in the event's ledger is refused (a file imported twice).
"""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass, field
from datetime import date
from datetime import date as Date  # noqa: N812
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _
from import_export import resources
from import_export.fields import Field

from finance.models import EXPENSE_KINDS, INCOME_KINDS, Account, Category, Kind, Party, Pledge, Transaction
from geventator.currencies import quantize
from geventator.db import run_atomically
from geventator.spreadsheets import ImportDeadline, ImportTooSlow, safe_text, too_many_rows, unescape_text
from organizers.models import Event, Organizer

EXPORT_COLUMNS = [
    "id",
    "date",
    "kind",
    "status",
    "description",
    "amount",
    "currency",
    "exchange_rate",
    "base_amount",
    "account",
    "category",
    "party",
    "counterparty",
    "pledge",
    "created_by",
]
REQUIRED_COLUMNS = ["date", "kind", "description", "amount"]
# Written by the export, not read back: the import decides them (status, base amount, creator).
IGNORED_COLUMNS = ["status", "base_amount", "created_by"]
IMPORT_KINDS = [kind.value for kind in Kind if kind in EXPENSE_KINDS | INCOME_KINDS]
TEXT_COLUMNS = ["description", "account", "category", "party", "counterparty"]

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = {"csv": CSV_TYPE, "xlsx": XLSX_TYPE}


def plain_decimal(value: Decimal) -> Decimal:
    """1.08500000 → 1.085 and 100.00000000 → 100 (never 1E+2, which a spreadsheet reads as text)."""
    return Decimal(format(value.normalize(), "f"))


# --- Export -------------------------------------------------------------------------------------------


class TransactionResource(resources.ModelResource):
    """The export's columns; every value is read from the row and its select_related objects."""

    id = Field(column_name="id")
    date = Field(column_name="date")
    kind = Field(column_name="kind")
    status = Field(column_name="status")
    description = Field(column_name="description")
    amount = Field(column_name="amount")
    currency = Field(column_name="currency")
    exchange_rate = Field(column_name="exchange_rate")
    base_amount = Field(column_name="base_amount")
    account = Field(column_name="account")
    category = Field(column_name="category")
    party = Field(column_name="party")
    counterparty = Field(column_name="counterparty")
    pledge = Field(column_name="pledge")
    created_by = Field(column_name="created_by")

    class Meta:
        model = Transaction
        fields = EXPORT_COLUMNS
        export_order = EXPORT_COLUMNS

    def dehydrate_id(self, tx: Transaction) -> str:
        return str(tx.pk)

    def dehydrate_date(self, tx: Transaction) -> Date:  # not `date`: the class's column of that name
        return tx.date

    def dehydrate_kind(self, tx: Transaction) -> str:
        return tx.kind

    def dehydrate_status(self, tx: Transaction) -> str:
        return tx.status

    def dehydrate_description(self, tx: Transaction) -> str:
        return safe_text(tx.description)

    def dehydrate_amount(self, tx: Transaction) -> Decimal:
        return quantize(tx.amount, tx.currency)

    def dehydrate_currency(self, tx: Transaction) -> str:
        return tx.currency

    def dehydrate_exchange_rate(self, tx: Transaction) -> Decimal:
        return plain_decimal(tx.exchange_rate)

    def dehydrate_base_amount(self, tx: Transaction) -> Decimal:
        return quantize(tx.base_amount, tx.event.currency)

    def dehydrate_account(self, tx: Transaction) -> str:
        return safe_text(tx.account.name) if tx.account else ""

    def dehydrate_category(self, tx: Transaction) -> str:
        return safe_text(tx.category.name) if tx.category else ""

    def dehydrate_party(self, tx: Transaction) -> str:
        return safe_text(tx.party.name) if tx.party else ""

    def dehydrate_counterparty(self, tx: Transaction) -> str:
        return safe_text(tx.counterparty)

    def dehydrate_pledge(self, tx: Transaction) -> str:
        return str(tx.pledge_id) if tx.pledge_id else ""

    def dehydrate_created_by(self, tx: Transaction) -> str:
        return tx.created_by.get_username() if tx.created_by else ""


def export_transactions(queryset, file_format: str, title: str = "") -> bytes:
    """The transactions of the queryset as a CSV (UTF-8) or XLSX file, oldest first: one query."""
    if file_format not in FORMATS:
        raise ValueError(f"unknown export format {file_format!r}")
    queryset = queryset.select_related("event", "account", "category", "party", "created_by").order_by(
        "date", "created_at", "pk"
    )
    dataset = TransactionResource().export(queryset)
    if file_format == "csv":
        return dataset.export("csv").encode("utf-8")
    dataset.title = title or _("Transactions")
    return dataset.export("xlsx")


def export_filename(event: Event, file_format: str) -> str:
    return f"transactions-{event.slug}.{file_format}"


# --- Import -------------------------------------------------------------------------------------------


@dataclass
class ImportReport:
    created: int = 0
    # Of those, the expenses: saved as drafts, still to be submitted and approved.
    drafts: int = 0
    errors: list[dict] = field(default_factory=list)  # [{"line": int | None, "errors": {column: [msg]}}]

    @property
    def ok(self) -> bool:
        return not self.errors


def _file_error(message: str) -> ImportReport:
    return ImportReport(errors=[{"line": None, "errors": {"file": [message]}}])


def _column_name(header: str) -> str:
    return header.strip().lower().replace(" ", "_").replace("-", "_")


def _dialect(text: str) -> str:
    """The delimiter of the header line: a comma, or the semicolon or tab some spreadsheets write."""
    first = text.split("\n", 1)[0]
    return max((",", ";", "\t"), key=first.count)


class _Lookups:
    """The event's accounts, categories, parties and pledges, read once for the whole file."""

    def __init__(self, event: Event) -> None:
        self.accounts = {a.name: a for a in Account.objects.filter(event=event)}
        self.categories = {c.name: c for c in Category.objects.filter(event=event)}
        self.parties = {p.name: p for p in Party.objects.filter(event=event)}
        self.pledges = {p.pk: p for p in Pledge.objects.filter(event=event)}


class _Row:
    """One line of the file turned into an unsaved Transaction, with the errors found on the way."""

    def __init__(self, cells: dict[str, str], event: Event, user, lookups: _Lookups) -> None:
        self.cells = cells
        self.errors: dict[str, list[str]] = {}
        tx = Transaction(event=event, created_by=user)
        tx.date = self._date()  # type: ignore[assignment]  # None comes with an error: the row is not saved
        tx.kind = self._kind()
        tx.status = tx.default_status() if tx.kind else ""
        tx.description = self.text("description")
        tx.amount = self._decimal("amount", _("Enter an amount such as 1234.50 (a point before the cents)."))
        tx.currency = self.text("currency").upper() or event.currency
        # None: no rate given, which clean() fills (base currency) or asks for, as in the API.
        tx.exchange_rate = self._decimal("exchange_rate", _("Enter a rate such as 1.085."), required=False)  # type: ignore[assignment]
        tx.counterparty = self.text("counterparty")
        tx.account = self._named("account", lookups.accounts, _("No account “%(name)s” in this event."))
        tx.category = self._named("category", lookups.categories, _("No category “%(name)s” in this event."))
        tx.party = self._named("party", lookups.parties, _("No party “%(name)s” in this event."))
        tx.pledge = self._pledge(lookups.pledges)
        self.transaction = tx
        self._validate()

    def fail(self, column: str, message: str) -> None:
        self.errors.setdefault(column, []).append(str(message))

    def text(self, column: str) -> str:
        value = self.cells.get(column, "").strip()
        return unescape_text(value) if column in TEXT_COLUMNS else value

    def _date(self) -> date | None:
        raw = self.text("date")
        try:
            return date.fromisoformat(raw)
        except ValueError:
            self.fail("date", _("Enter a date as YYYY-MM-DD."))
            return None

    def _kind(self) -> str:
        raw = self.text("kind").lower()
        if raw not in IMPORT_KINDS:
            if raw == Kind.ADJUSTMENT:
                self.fail("kind", _("Adjustments come from cash counts; they cannot be imported."))
            else:
                self.fail("kind", _("Choose one of: %(kinds)s.") % {"kinds": ", ".join(IMPORT_KINDS)})
            return ""
        return raw

    def _decimal(self, column: str, message: str, required: bool = True) -> Decimal | None:
        raw = self.text(column)
        if not raw:
            if required:
                self.fail(column, _("This field cannot be blank."))
            return None
        try:
            value = Decimal(raw)
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite():
            self.fail(column, message)
            return None
        return value

    def _named(self, column: str, known: dict, message: str):
        name = self.text(column)
        if not name:
            return None
        found = known.get(name)
        if found is None and column == "account" and name == Account.MAIN_NAME:
            return None  # the event's main account, made on the first save if it has none yet
        if found is None:
            self.fail(column, message % {"name": name})
        return found

    def _pledge(self, known: dict) -> Pledge | None:
        raw = self.text("pledge")
        if not raw:
            return None
        try:
            found = known.get(uuid.UUID(raw))
        except ValueError:
            found = None
        if found is None:
            self.fail("pledge", _("No pledge with this id in this event."))
        return found

    def _validate(self) -> None:
        tx = self.transaction
        # Fields that failed to read are reported already; the model would only add "cannot be null".
        unread = {
            name for name in ("date", "kind", "amount", "account", "category", "party", "pledge") if name in self.errors
        }
        if not tx.kind:
            unread.add("kind")
        if tx.exchange_rate is None:
            unread.add("exchange_rate")  # clean() asks for it when the currency is a foreign one
        skip = {"id", "event", "status", "base_amount", "signed_amount", "created_by", *unread}
        # clean() copes with the values that failed to read (None): it only adds what else is wrong.
        for check in (lambda: tx.clean_fields(exclude=skip), tx.clean):
            try:
                check()
            except ValidationError as exc:
                for column, messages in exc.message_dict.items():
                    for message in messages:
                        if message not in self.errors.get(column, []):
                            self.fail(column, message)


def _read_rows(text: str) -> tuple[list[str | None], list[tuple[int, dict[str, str]]]] | str:
    """(columns, [(line, {column: cell})]) of the CSV text, or the message why it cannot be read."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_dialect(text), strict=True)
    try:
        header = next(reader, None)
        if not header or not any(cell.strip() for cell in header):
            return _("The file is empty.")
        # A column without a name (a trailing separator some spreadsheets write) is left out.
        columns = [_column_name(cell) or None for cell in header]
        rows: list[tuple[int, dict[str, str]]] = []
        previous = reader.line_num
        for cells in reader:
            line, previous = previous + 1, reader.line_num  # where the record starts in the file
            if not any(cell.strip() for cell in cells):
                continue  # a blank line
            if len(rows) == settings.IMPORT_MAX_ROWS:
                return too_many_rows().messages[0]  # read no further than one row above the limit
            if len(cells) > len(columns):
                rows.append((line, {"__too_many__": ""}))
                continue
            rows.append((line, {c: cell for c, cell in zip(columns, cells, strict=False) if c is not None}))
    except csv.Error:
        return _("The file is not a readable CSV file.")
    return columns, rows


def _check_columns(cells: list[str | None]) -> str | None:
    columns = [column for column in cells if column is not None]
    missing = [column for column in REQUIRED_COLUMNS if column not in columns]
    if missing:
        return _("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)}
    unknown = [column for column in columns if column not in EXPORT_COLUMNS]
    if unknown:
        return _("Unknown columns: %(columns)s (the columns are: %(known)s).") % {
            "columns": ", ".join(unknown),
            "known": ", ".join(EXPORT_COLUMNS),
        }
    duplicated = sorted({column for column in columns if columns.count(column) > 1})
    if duplicated:
        return _("Columns named twice: %(columns)s.") % {"columns": ", ".join(duplicated)}
    return None


def _already_in_ledger(event: Event, rows: list[tuple[int, dict[str, str]]]) -> set[uuid.UUID]:
    ids = set()
    for _line, cells in rows:
        try:
            ids.add(uuid.UUID(cells.get("id", "").strip()))
        except ValueError:
            continue  # no id, or none of ours: the import gives every entry a new one
    if not ids:
        return set()
    return set(Transaction.objects.filter(event=event, pk__in=list(ids)).values_list("pk", flat=True))


def import_transactions(content: bytes | str, event: Event, user: Organizer) -> ImportReport:
    """Add the file's transactions to the event's ledger: every row valid, or nothing saved.

    The caller checks that ``user`` may add transactions to ``event`` (organizer or above).
    """
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            return _file_error(_("The file is not UTF-8 text."))
    if "\x00" in content:
        return _file_error(_("The file is not a readable CSV file."))
    read = _read_rows(content)
    if isinstance(read, str):
        return _file_error(read)
    columns, rows = read
    problem = _check_columns(columns)
    if problem:
        return _file_error(problem)
    if not rows:
        return _file_error(_("The file has no transactions, only a header."))

    deadline = ImportDeadline(len(rows))
    try:
        return _import_rows(rows, event, user, deadline)
    except ImportTooSlow as exc:
        return _file_error(exc.messages[0])


def _import_rows(
    rows: list[tuple[int, dict[str, str]]], event: Event, user: Organizer, deadline: ImportDeadline
) -> ImportReport:
    lookups = _Lookups(event)
    existing = _already_in_ledger(event, rows)
    report = ImportReport()
    valid: list[Transaction] = []
    for line, cells in rows:
        deadline.check()
        if "__too_many__" in cells:
            report.errors.append(
                {"line": line, "errors": {NON_FIELD_ERRORS: [_("This row has more cells than the header.")]}}
            )
            continue
        row = _Row(cells, event, user, lookups)
        raw_id = cells.get("id", "").strip()
        if raw_id and _parsed_uuid(raw_id) in existing:
            row.fail("id", _("This transaction is already in the ledger; the import only adds new ones."))
        if row.errors:
            report.errors.append({"line": line, "errors": row.errors})
        else:
            valid.append(row.transaction)
    if report.errors:
        return report

    accounts = {id(tx): tx.account for tx in valid}

    def save_all() -> None:
        # From scratch on a retry (run_atomically): nothing of a rolled-back attempt is kept, not
        # even a main account created by it.
        main = Account.main_for(event) if None in accounts.values() else None
        for tx in valid:
            deadline.check()  # inside the transaction: running out of time rolls back every row
            tx.account = accounts[id(tx)] or main
            tx._state.adding = True
            tx.save(force_insert=True)

    run_atomically(save_all)
    report.created = len(valid)
    report.drafts = sum(1 for tx in valid if tx.kind in EXPENSE_KINDS)
    return report


def _parsed_uuid(raw: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None
