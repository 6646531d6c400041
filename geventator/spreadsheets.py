"""What every CSV import and export shares: the bounds of an import and the formula escaping.

An import is bounded three ways, so that one file cannot hold a worker past its timeout: the
upload's size (IMPORT_MAX_UPLOAD_SIZE), its rows (IMPORT_MAX_ROWS, counted before any row is
parsed) and its time (IMPORT_SECONDS_PER_ROW, checked row by row inside the import's transaction,
so a file that runs out of time saves nothing).

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
as a formula (CSV/formula injection), so exports write such text with a leading apostrophe and
imports take it off again: an exported file imports back unchanged.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    """The text as a spreadsheet shows it, never as a formula it would run."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def unescape_text(value: str) -> str:
    """Undo safe_text() on a cell read back from a file."""
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_STARTS) else value


def check_upload_size(upload) -> None:
    """Refuses a file above settings.IMPORT_MAX_UPLOAD_SIZE before it is read into memory.

    Django's DATA_UPLOAD_MAX_MEMORY_SIZE does not count uploaded files, so the imports set their
    own bound (the API views and the admin's import forms call this).
    """
    limit = settings.IMPORT_MAX_UPLOAD_SIZE
    if upload.size > limit:
        raise ValidationError(
            _("The file is too large (%(size)s bytes; at most %(limit)s).") % {"size": upload.size, "limit": limit},
            code="file_too_large",
        )


def too_many_rows() -> ValidationError:
    return ValidationError(
        _("A file may hold at most %(limit)s rows.")
        % {"limit": number_format(settings.IMPORT_MAX_ROWS, force_grouping=True)},
        code="too_many_rows",
    )


def count_rows(text: str, delimiter: str = ",") -> int:
    """The data rows of the CSV text (blank lines left out), counted up to one above the limit.

    A file the csv module cannot read counts as far as it reads: the import reports the fault.
    """
    limit = settings.IMPORT_MAX_ROWS
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    count = -1  # the header
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                count += 1
                if count > limit:
                    break
    except csv.Error:
        pass
    return max(count, 0)


def check_row_count(text: str, delimiter: str = ",") -> None:
    if count_rows(text, delimiter) > settings.IMPORT_MAX_ROWS:
        raise too_many_rows()


def now() -> float:
    """The clock of import deadlines (tests replace it)."""
    return time.monotonic()


class ImportTooSlow(ValidationError):  # noqa: N818  (a refusal told to the user)
    """The import ran past its time budget; raised inside its transaction, so nothing is saved."""


class ImportDeadline:
    """The time an import of ``rows`` rows may take; ``check()`` refuses it once that has passed.

    ``clock`` (default: now()) is injectable so that tests can run out of time without waiting.
    """

    def __init__(self, rows: int, clock: Callable[[], float] | None = None) -> None:
        self.clock = clock or now
        self.seconds = max(settings.IMPORT_MIN_SECONDS, rows * settings.IMPORT_SECONDS_PER_ROW)
        self.ends = self.clock() + self.seconds

    def check(self) -> None:
        if self.clock() > self.ends:
            raise ImportTooSlow(
                _("The import took longer than %(seconds)s seconds and saved nothing; split the file.")
                % {"seconds": number_format(self.seconds, decimal_pos=0, force_grouping=True)},
                code="import_too_slow",
            )
