"""What every CSV import and export shares: the upload bounds and the formula escaping.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
as a formula (CSV/formula injection), so exports write such text with a leading apostrophe and
imports take it off again: an exported file imports back unchanged.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
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
