"""Portable backups: all data, or one event, to a .tar.gz that restores into an empty database.

The archive is store-independent (a SQLite backup restores into MongoDB and back):

    manifest.json               format, version, scope, counts per model, per-event balances
    data/<app.model>.jsonl      one JSON object a line (Django's serializer: pk, model, fields);
                                keys are the records' UUIDs, many-to-many fields lists of UUIDs
    files/...                   MEDIA_ROOT's files (receipts), paths kept; of one event: its receipts'

Left out: sessions, API tokens and calendar tokens (credentials: people sign in again and make new
ones), the API's kept answers to Idempotency-Key retries (they live a day), groups and Django
permissions (integer keys differ between stores; roles live in memberships), login-failure records.
A one-event backup holds the event, its memberships and records, and the accounts they name,
**without password hashes and superuser flags** (it may be handed to someone else; restored accounts
set a password through "forgot password" or a superuser). A full backup keeps password hashes: keep
it as safe as the database itself.
"""

from __future__ import annotations

import io
import json
import tarfile
from dataclasses import dataclass
from datetime import UTC, datetime, time
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.models import QuerySet

from geventator.db import run_atomically

FORMAT = "geventator-backup"
# 2: the ledger in depth (accounts, approvals, transfers, budgets, pledges, receipts, history).
# Version 1 archives lack those records and their transactions have no account: they restore only
# into the GEventator that wrote them (then migrate, and back up again).
VERSION = 2
# Restore order: every record after what it refers to.
MODELS = [
    "organizers.Organizer",
    "organizers.Event",
    "organizers.Membership",
    "finance.Category",
    "finance.Account",
    "finance.Party",
    "finance.Pledge",
    "finance.BudgetLine",
    "finance.Transaction",
    "finance.Approval",
    "finance.Transfer",
    "finance.CashCount",
    "finance.Receipt",
    "activities.Location",
    "activities.Activity",
]
# Change history of the finance records (organizers/history.py), restored after everything: it
# names records of every kind (deleted ones too) and the people who changed them.
HISTORY_MODELS = [
    f"finance.Historical{name}"
    for name in (
        "Category",
        "Account",
        "Transaction",
        "Approval",
        "Transfer",
        "CashCount",
        "BudgetLine",
        "Party",
        "Pledge",
        "Receipt",
    )
]
MODELS += HISTORY_MODELS
# Keys of Django's contrib models differ between stores (integers, ObjectIds): not portable.
SKIPPED_FIELDS = {"organizers.Organizer": {"groups", "user_permissions"}}


class _ExactEncoder(DjangoJSONEncoder):
    """Django's JSON encoder cuts times to milliseconds; a backup must give back what was stored
    (SQLite keeps microseconds), so times keep every digit."""

    def default(self, o):
        if isinstance(o, datetime | time):
            return o.isoformat()
        return super().default(o)


class BackupError(Exception):
    """The archive cannot be restored (wrong format, database not empty, figures differ)."""


@dataclass(frozen=True)
class Manifest:
    data: dict

    @property
    def counts(self) -> dict[str, int]:
        return self.data["counts"]

    @property
    def balances(self) -> dict[str, dict[str, str]]:
        return self.data["balances"]


def _fields(label: str) -> list[str]:
    meta = apps.get_model(label)._meta
    names = [f.name for f in meta.concrete_fields if not f.primary_key]
    names += [f.name for f in meta.many_to_many]
    return [name for name in names if name not in SKIPPED_FIELDS.get(label, set())]


def _of_event(label: str, event) -> QuerySet:
    model = apps.get_model(label)
    return model.objects.filter(event_id=event.pk).order_by("pk")


def _querysets(event_slug: str | None) -> dict[str, QuerySet]:
    model = apps.get_model
    if event_slug is None:
        return {label: model(label).objects.order_by("pk") for label in MODELS}
    event = model("organizers.Event").objects.get(slug=event_slug)
    scoped = {label: _of_event(label, event) for label in MODELS[2:]}
    people = set(scoped["organizers.Membership"].values_list("organizer_id", flat=True))
    # Everyone the event's records name: authors, approvers, account holders, budget owners...
    for label in MODELS[2:]:
        if label in HISTORY_MODELS:
            continue
        for field in apps.get_model(label)._meta.concrete_fields:
            if field.is_relation and field.related_model is model("organizers.Organizer"):
                people |= {pk for pk in scoped[label].values_list(field.attname, flat=True) if pk}
    for label in HISTORY_MODELS:
        people |= {pk for pk in scoped[label].values_list("history_user_id", flat=True) if pk}
    through = model("activities.Activity").responsible.through
    activity_ids = list(scoped["activities.Activity"].values_list("pk", flat=True))
    people |= set(through.objects.filter(activity_id__in=activity_ids).values_list("organizer_id", flat=True))
    return {
        "organizers.Organizer": model("organizers.Organizer").objects.filter(pk__in=list(people)).order_by("pk"),
        "organizers.Event": model("organizers.Event").objects.filter(pk=event.pk),
        **scoped,
    }


def _lines(label: str, queryset: QuerySet, strip_credentials: bool) -> list[str]:
    rows = serializers.serialize("python", queryset, fields=_fields(label))
    if strip_credentials and label == "organizers.Organizer":
        for row in rows:
            row["fields"]["password"] = make_password(None)  # unusable
            row["fields"]["is_superuser"] = False
    return [json.dumps(row, cls=_ExactEncoder, ensure_ascii=False, sort_keys=True) for row in rows]


def balances() -> dict[str, dict[str, str]]:
    """{event slug: currency, income, expenses, balance} of every event in the database."""
    from finance.services import event_summary

    figures = {}
    for event in apps.get_model("organizers.Event").objects.order_by("slug"):
        summary = event_summary(event)
        figures[event.slug] = {
            "currency": summary.currency,
            "income": str(summary.income),
            "expenses": str(summary.expenses),
            "balance": str(summary.balance),
        }
    return figures


def _add(tar: tarfile.TarFile, name: str, payload: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(payload)
    info.mtime = int(datetime.now(UTC).timestamp())
    tar.addfile(info, io.BytesIO(payload))


def media_root() -> Path | None:
    root = getattr(settings, "MEDIA_ROOT", "")
    return Path(root) if root else None


def backup(output: Path, event_slug: str | None = None) -> Manifest:
    """Write the archive; return its manifest."""
    querysets = _querysets(event_slug)
    counts: dict[str, int] = {}
    with tarfile.open(output, "w:gz") as tar:
        for label in MODELS:
            lines = _lines(label, querysets[label], strip_credentials=event_slug is not None)
            counts[label] = len(lines)
            _add(tar, f"data/{label}.jsonl", ("\n".join(lines) + "\n" if lines else "").encode())
        root = media_root()
        if root is not None and root.is_dir():
            # Receipt files travel with the data: all of MEDIA_ROOT, or the one event's receipts.
            if event_slug is None:
                paths = sorted(p for p in root.rglob("*") if p.is_file())
            else:
                names = querysets["finance.Receipt"].values_list("file", flat=True)
                paths = sorted(p for p in (root / name for name in names if name) if p.is_file())
            for path in paths:
                tar.add(path, arcname=f"files/{path.relative_to(root).as_posix()}")
        every = balances()
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "created_at": datetime.now(UTC).isoformat(),
            "store": connection.vendor,
            "scope": event_slug or "all",
            "counts": counts,
            "balances": {slug: every[slug] for slug in every if event_slug in (None, slug)},
        }
        _add(tar, "manifest.json", json.dumps(manifest, indent=2, sort_keys=True).encode())
    return Manifest(manifest)


def read_manifest(tar: tarfile.TarFile) -> Manifest:
    try:
        manifest = json.loads(tar.extractfile("manifest.json").read())
    except (KeyError, AttributeError, ValueError) as exc:
        raise BackupError("Not a GEventator backup: manifest.json is missing or unreadable.") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Not a GEventator backup: format {manifest.get('format')!r}.")
    if manifest.get("version") != VERSION:
        raise BackupError(
            f"This backup has format version {manifest.get('version')}; this GEventator restores version "
            f"{VERSION}. Restore it with the GEventator version that wrote it, migrate, and back up again."
        )
    return Manifest(manifest)


def database_is_empty() -> bool:
    return not any(apps.get_model(label).objects.exists() for label in MODELS)


def restore(archive: Path) -> Manifest:
    """Load the archive into an empty database, all or nothing; check counts and balances."""
    with tarfile.open(archive, "r:gz") as tar:
        manifest = read_manifest(tar)
        if not database_is_empty():
            raise BackupError("The database is not empty: restore only into a freshly migrated database.")
        data = {label: tar.extractfile(f"data/{label}.jsonl").read().decode() for label in MODELS}
        files = [member for member in tar.getmembers() if member.isfile() and member.name.startswith("files/")]

        def load() -> None:
            for label in MODELS:
                loaded = 0
                for line in data[label].splitlines():
                    for obj in serializers.deserialize("json", f"[{line}]"):
                        obj.save()
                        loaded += 1
                if loaded != manifest.counts[label]:
                    raise BackupError(
                        f"{label}: {loaded} records restored, the manifest says {manifest.counts[label]}."
                    )
            restored = balances()
            for slug, figures in manifest.balances.items():
                if restored.get(slug) != figures:
                    raise BackupError(f"Balances of {slug} differ after restore: {restored.get(slug)} != {figures}.")

        run_atomically(load)
        root = media_root()
        if files:
            if root is None:
                raise BackupError("The backup holds files but MEDIA_ROOT is not set.")
            for member in files:
                target = (root / member.name.removeprefix("files/")).resolve()
                if not target.is_relative_to(root.resolve()):
                    raise BackupError(f"Unsafe path in the archive: {member.name}")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(tar.extractfile(member).read())
    return manifest
