"""Change history of event records, kept by django-simple-history: who changed what, and when.

A model takes part once registered (``finance/models/history.py``); its historical model stores a
full copy of the record after each save or delete, with the author and the time. This module turns
those copies into what the admin's "History" page and the API's ``history`` action show: one entry
per version, newest first, with the fields that changed against the version before it.
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework.fields import DateField, DateTimeField

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# A row of a historical model. simple-history builds those models at run time and ships no type
# hints, so mypy knows none of their fields (history_id, history_date, instance, ...).
HistoricalRecord = Any

ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}
ACTION_LABELS = {"created": _("created"), "changed": _("changed"), "deleted": _("deleted")}
# Fields no entry lists: the record's own key, and the time of the last save (changes every time).
UNLISTED_FIELDS = frozenset({"id", "updated_at"})

_last_stamp = 0
_stamp_lock = threading.Lock()


def ordered_uuid() -> uuid.UUID:
    """A version 7 UUID (RFC 9562) that grows with every call in this process.

    The key of a historical record: records of one object written in the same millisecond (MongoDB
    keeps dates to the millisecond) still sort in the order they were written, so each version is
    compared with the one it replaced. 48 bits of Unix milliseconds, 12 bits of counter within the
    millisecond, 62 random bits.
    """
    global _last_stamp
    with _stamp_lock:
        stamp = max((time.time_ns() // 1_000_000) << 12, _last_stamp + 1)
        _last_stamp = stamp
    millis, counter = stamp >> 12, stamp & 0xFFF
    value = (millis << 80) | (0x7 << 76) | (counter << 64) | (0b10 << 62) | secrets.randbits(62)
    return uuid.UUID(int=value)


def keeps_history(model: type[models.Model] | None) -> bool:
    """Whether the model is registered with django-simple-history."""
    return model is not None and hasattr(model._meta, "simple_history_manager_attribute")


def history_model(model: type[models.Model]) -> type[HistoricalRecord]:
    options = cast(Any, model._meta)  # simple-history's attribute on Options, see keeps_history()
    return getattr(model, options.simple_history_manager_attribute).model


def records_of(model: type[models.Model], object_id: Any) -> QuerySet:
    """The historical records of one object, newest first (none for a malformed id)."""
    historical = history_model(model)
    try:
        object_id = model._meta.pk.to_python(object_id)
    except ValidationError:
        return historical.objects.none()
    return (
        historical.objects.filter(**{model._meta.pk.attname: object_id})
        .select_related("history_user")
        .order_by("-history_date", "-history_id")
    )


def last_known(model: type[models.Model], object_id: Any) -> models.Model | None:
    """The object as its newest historical record has it (e.g. after it was deleted), or None."""
    record = records_of(model, object_id).first()
    return record.instance if record is not None else None


@dataclass(frozen=True)
class Change:
    field: models.Field  # the historical model's copy of the field
    old: Any
    new: Any

    @property
    def name(self) -> str:
        return self.field.name

    @property
    def label(self) -> str:
        return str(self.field.verbose_name)


@dataclass
class Entry:
    record: HistoricalRecord
    changes: list[Change] = field(default_factory=list)

    @property
    def id(self) -> uuid.UUID:
        return self.record.history_id

    @property
    def when(self) -> datetime:
        return self.record.history_date

    @property
    def user(self):
        return self.record.history_user

    @property
    def action(self) -> str:
        return ACTIONS[self.record.history_type]

    @property
    def action_label(self) -> StrOrPromise:
        return ACTION_LABELS[self.action]


def listed_fields(record: HistoricalRecord) -> list[models.Field]:
    """The fields an entry compares: every tracked field, editable or not (a status set by the
    workflow counts as much as a typed-in amount), but the key and the last-save time."""
    return [f for f in record.tracked_fields if f.name not in UNLISTED_FIELDS]


def changes_between(new: HistoricalRecord, old: HistoricalRecord | None) -> list[Change]:
    """What ``new`` changed against the version before it; for a creation, the values it was
    created with; nothing for a deletion (the record is gone as it last was)."""
    fields = listed_fields(new)
    if new.history_type == "-":
        return []
    if old is None:
        return [Change(f, None, getattr(new, f.attname)) for f in fields if getattr(new, f.attname) not in (None, "")]
    # Not simple-history's diff_against(): it goes through model_to_dict(), which skips fields that
    # are not editable, i.e. everything the workflow sets (who paid, when, the base amount).
    changes = []
    for f in fields:
        before, after = getattr(old, f.attname), getattr(new, f.attname)
        if before != after:
            changes.append(Change(f, before, after))
    return changes


def entries(records: Sequence[HistoricalRecord], older: HistoricalRecord | None = None) -> list[Entry]:
    """Entries for ``records`` (newest first); ``older`` is the record just before the oldest of
    them, when they are one page of a longer history."""
    result = []
    for index, record in enumerate(records):
        previous = records[index + 1] if index + 1 < len(records) else older
        result.append(Entry(record, changes_between(record, previous)))
    return result


def plain(model_field: models.Field, value: Any) -> Any:
    """A JSON value as the API shows the field: amounts as strings with the field's decimal places,
    keys as strings, dates and times in ISO 8601."""
    if value is None:
        return None
    if isinstance(model_field, models.DecimalField):
        places = Decimal(1).scaleb(-model_field.decimal_places)
        return format(Decimal(value).quantize(places), "f")
    if isinstance(value, datetime):
        return DateTimeField().to_representation(value)
    if isinstance(value, date):
        return DateField().to_representation(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)


def display_values(entries_: Sequence[Entry]) -> dict[tuple[type[models.Model], Any], str]:
    """Names of the records that changed foreign keys point to, with one query per related model."""
    wanted: dict[type[models.Model], set] = {}
    for entry in entries_:
        for change in entry.changes:
            if change.field.is_relation:
                related = cast(type[models.Model], change.field.related_model)  # a relation's: a model
                wanted.setdefault(related, set()).update(v for v in (change.old, change.new) if v is not None)
    names = {}
    for related, ids in wanted.items():
        for obj in related._base_manager.filter(pk__in=list(ids)):
            names[(related, obj.pk)] = str(obj)
    return names


def display(change: Change, value: Any, names: dict) -> str:
    """How the admin shows one value of a change."""
    if value is None or value == "":
        return "—"
    model_field = change.field
    if model_field.is_relation:
        return names.get((model_field.related_model, value), str(value))
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    return str(plain(model_field, value))
