"""Receipt files: what is accepted, how it is stored and removed, and who may download it.

Accepted: PDF, JPEG and PNG, judged by the file's first bytes (its "magic"), never by its name or
the content type the client claims; the name's extension must agree with what the bytes are. At
most settings.RECEIPT_MAX_BYTES (env RECEIPT_MAX_MB). Files live in the default storage under
MEDIA_ROOT, which no URL serves: only finance.views.ReceiptDownloadView streams them, to the
event's members.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FileType:
    content_type: str
    extensions: tuple[str, ...]
    magic: bytes
    label: str


FILE_TYPES = (
    FileType("application/pdf", ("pdf",), b"%PDF-", "PDF"),
    FileType("image/jpeg", ("jpg", "jpeg"), b"\xff\xd8\xff", "JPEG"),
    FileType("image/png", ("png",), b"\x89PNG\r\n\x1a\n", "PNG"),
)
ALLOWED_EXTENSIONS = tuple(ext for kind in FILE_TYPES for ext in kind.extensions)
_MAGIC_LENGTH = max(len(kind.magic) for kind in FILE_TYPES)


@dataclass(frozen=True)
class CheckedUpload:
    original_name: str
    content_type: str
    size: int


def max_bytes() -> int:
    return int(settings.RECEIPT_MAX_BYTES)


def clean_name(name: str) -> str:
    """The uploader's file name without folders and control characters (it goes into a header)."""
    base = PureWindowsPath(PurePosixPath(name or "").name).name
    printable = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    if len(printable) > 255:
        stem, dot, extension = printable.rpartition(".")
        printable = f"{stem[: 254 - len(extension)]}{dot}{extension}" if dot else printable[:255]
    return printable or "receipt"


def _read_head(upload) -> bytes:
    position = upload.tell() if hasattr(upload, "tell") else 0
    upload.seek(0)
    head = upload.read(_MAGIC_LENGTH)
    upload.seek(position)
    return head or b""


def check_upload(upload) -> CheckedUpload:
    """Judge an uploaded file; raise ValidationError (one message) if it may not be stored."""
    limit = max_bytes()
    size = upload.size
    if not size:
        raise ValidationError(_("The file is empty."), code="empty")
    if size > limit:
        raise ValidationError(
            _("The file is too large (%(size)s MB); receipts may have at most %(limit)s MB."),
            code="too_large",
            params={"size": f"{size / 1024 / 1024:.1f}", "limit": f"{limit / 1024 / 1024:g}"},
        )
    name = clean_name(upload.name)
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    head = _read_head(upload)
    detected = next((kind for kind in FILE_TYPES if head.startswith(kind.magic)), None)
    if detected is None:
        raise ValidationError(
            _("Only PDF, JPEG and PNG files are accepted; this file is none of them."), code="file_type"
        )
    if extension not in detected.extensions:
        raise ValidationError(
            _("The file is a %(type)s but its name ends in “.%(extension)s”: name it .%(expected)s."),
            code="extension",
            params={"type": detected.label, "extension": extension, "expected": detected.extensions[0]},
        )
    return CheckedUpload(original_name=name, content_type=detected.content_type, size=size)


def delete_stored_file(name: str, storage) -> None:
    """Remove a stored file; a missing file is fine (it is gone either way)."""
    if not name:
        return
    try:
        storage.delete(name)
    except OSError:  # pragma: no cover - e.g. a read-only disk: the row is gone, say so in the log
        logger.exception("Could not delete the receipt file %s", name)


def delete_file_after_commit(name: str, storage, using: str) -> None:
    """Remove a deleted receipt's file once the deletion is committed: if it is rolled back, the
    row is back and must still find its file."""
    from django.db import transaction

    transaction.on_commit(lambda: delete_stored_file(name, storage), using=using)


def save_receipt(receipt) -> None:
    """Save a new receipt; if the database refuses it, the file just written is removed again."""
    from geventator.db import atomic

    try:
        with atomic():
            receipt.save()
    except BaseException:
        if receipt.file and receipt.file._committed:
            delete_stored_file(receipt.file.name, receipt.file.storage)
        raise


def download_url(receipt, request=None) -> str:
    from django.urls import reverse

    path = reverse("receipt-download", kwargs={"pk": receipt.pk})
    return request.build_absolute_uri(path) if request is not None else path
