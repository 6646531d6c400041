"""CSV export and import of activities (django-import-export), all or nothing.

An import runs every row through the same checks as the admin and the API (Activity.clean(), which
includes the location double-booking check, and the responsible-organizers membership check),
inside one transaction (geventator.db.atomic, real on both stores). Rows are saved one by one, so
a later row of the file that clashes with an earlier one is caught too; if any row fails, the
transaction is rolled back and nothing is saved. The report names every bad row by its line in the
file (the header is line 1).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import tablib
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import resources
from import_export.fields import Field
from import_export.results import Error

from activities.api.serializers import read_in_zone
from activities.models import Activity, Location
from geventator.db import run_atomically
from geventator.spreadsheets import ImportDeadline, ImportTooSlow, check_row_count, safe_text, unescape_text
from organizers import rules as perms
from organizers.models import Event, Organizer

COLUMNS = [
    "id",
    "event",
    "title",
    "description",
    "kind",
    "status",
    "start",
    "end",
    "location",
    "capacity",
    "is_public",
    "responsible",
]
# Free text a spreadsheet could run as a formula: written escaped, read back unescaped.
TEXT_COLUMNS = {"event", "title", "description", "location", "responsible"}
TRUE_WORDS = {"1", "true", "yes", "y", "on"}
FALSE_WORDS = {"", "0", "false", "no", "n", "off"}


class _Rollback(Exception):  # noqa: N818  (control flow, not an error)
    """Leaves the import's transaction without saving anything."""

    def __init__(self, result) -> None:
        super().__init__()
        self.result = result


def importable_events(user) -> list[Event]:
    """Events the user may import into: organizer or above (a superuser: every event)."""
    if user is None or not user.is_authenticated:
        return []
    if user.is_superuser:
        return list(Event.objects.all())
    return list(Event.objects.filter(pk__in=perms.events_with_role(user, "organizer")))


def _text(row: dict, column: str) -> str:
    value = row.get(column)
    text = "" if value is None else str(value).strip()
    return unescape_text(text) if column in TEXT_COLUMNS else text


class ActivityResource(resources.ModelResource):
    """Columns as in COLUMNS. Times are ISO 8601 in the event's time zone (read there when naive);
    location is a location name of the event; responsible is a comma-separated list of usernames."""

    id = Field(column_name="id")
    event = Field(column_name="event")
    title = Field(column_name="title")
    description = Field(column_name="description")
    kind = Field(column_name="kind")
    status = Field(column_name="status")
    start = Field(column_name="start")
    end = Field(column_name="end")
    location = Field(column_name="location")
    capacity = Field(column_name="capacity")
    is_public = Field(column_name="is_public")
    responsible = Field(column_name="responsible")

    class Meta:
        model = Activity
        fields = COLUMNS
        export_order = COLUMNS
        import_id_fields = ["id"]
        skip_diff = True
        clean_model_instances = True

    def __init__(self, user=None, event: Event | None = None, **kwargs) -> None:
        kwargs.pop("form", None)  # the admin passes its form along
        super().__init__(**kwargs)
        self.user = user
        self.event = event
        self.usernames: dict = {}

    # --- export -----------------------------------------------------------------------------------

    def before_export(self, queryset, **kwargs) -> None:
        # The responsible usernames of all exported rows in two queries (no M2M prefetch on MongoDB).
        ids = list(queryset.values_list("pk", flat=True))
        links = list(
            Activity.responsible.through.objects.filter(activity_id__in=ids).values_list("activity_id", "organizer_id")
        )
        names = dict(Organizer.objects.filter(pk__in={o for _a, o in links}).values_list("pk", "username"))
        self.usernames = defaultdict(list)
        for activity_id, organizer_id in links:
            self.usernames[activity_id].append(names[organizer_id])

    def dehydrate_id(self, activity: Activity) -> str:
        return str(activity.pk)

    def dehydrate_event(self, activity: Activity) -> str:
        return safe_text(activity.event.slug)

    def dehydrate_title(self, activity: Activity) -> str:
        return safe_text(activity.title)

    def dehydrate_description(self, activity: Activity) -> str:
        return safe_text(activity.description)

    def dehydrate_kind(self, activity: Activity) -> str:
        return activity.kind

    def dehydrate_status(self, activity: Activity) -> str:
        return activity.status

    def dehydrate_start(self, activity: Activity) -> str:
        return timezone.localtime(activity.start, activity.event.tzinfo).isoformat()

    def dehydrate_end(self, activity: Activity) -> str:
        return timezone.localtime(activity.end, activity.event.tzinfo).isoformat()

    def dehydrate_location(self, activity: Activity) -> str:
        return safe_text(activity.location.name) if activity.location_id else ""

    def dehydrate_capacity(self, activity: Activity) -> str:
        return "" if activity.capacity is None else str(activity.capacity)

    def dehydrate_is_public(self, activity: Activity) -> str:
        return "true" if activity.is_public else "false"

    def dehydrate_responsible(self, activity: Activity) -> str:
        names = self.usernames.get(activity.pk)
        if names is None:
            names = list(activity.responsible.values_list("username", flat=True))
        return safe_text(", ".join(sorted(names)))

    # --- import -----------------------------------------------------------------------------------

    def import_data(self, dataset, dry_run: bool = False, raise_errors: bool = False, **kwargs):
        """All or nothing: rows are really saved inside one transaction, which is rolled back when any
        row fails, or always for a dry run (the admin's preview): the preview then sees clashes between
        rows of the file as the real import would."""
        self.user = self.user or kwargs.get("user")
        kwargs["use_transactions"] = False  # the transaction is ours (IMPORT_EXPORT_USE_TRANSACTIONS)
        try:
            self._prepare(dataset)
        except ValidationError as exc:
            # A wrong file or event: refuse it whole, before any row is read.
            result = self.get_result_class()()
            result.append_base_error(Error(ValidationError({"file": exc.messages})))
            return result
        parent = super()
        self.deadline = ImportDeadline(len(dataset))

        def import_all():
            # Run again from scratch when the store reports a transient conflict (run_atomically).
            result = parent.import_data(dataset, dry_run=False, raise_errors=raise_errors, **kwargs)
            if dry_run or result.has_errors() or result.has_validation_errors():
                raise _Rollback(result)
            return result

        try:
            result = run_atomically(import_all)
        except _Rollback as rollback:
            result = rollback.result
        except ImportTooSlow as exc:
            # Raised inside the transaction, which is rolled back: nothing of the file is kept.
            result = self.get_result_class()()
            result.append_base_error(Error(ValidationError({"file": exc.messages})))
        return result

    def import_row(self, row, instance_loader, **kwargs):
        # Outside import-export's own error handling, which would record it as one bad row and go on.
        self.deadline.check()
        return super().import_row(row, instance_loader, **kwargs)

    def _prepare(self, dataset) -> None:
        missing = [column for column in COLUMNS if column not in (dataset.headers or [])]
        if missing:
            raise ValidationError(_("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)})
        allowed = importable_events(self.user)
        if self.event is not None and self.event.pk not in {event.pk for event in allowed}:
            raise ValidationError(_("You may not import activities into this event."))
        self.allowed_events = {event.slug: event for event in allowed}

    def get_instance(self, instance_loader, row) -> Activity | None:
        raw = _text(row, "id")
        if not raw:
            return None  # a new activity
        try:
            pk = uuid.UUID(raw)
        except ValueError:
            raise ValidationError({"id": _("“%(value)s” is not a valid id.") % {"value": raw}}) from None
        allowed_ids = [event.pk for event in self.allowed_events.values()]
        found = Activity.objects.filter(pk=pk, event_id__in=allowed_ids).select_related("event").first()
        if found is None:
            # Never create an activity under an id of another event's activity: leave ids blank for new ones.
            raise ValidationError({"id": _("No activity with this id in the events you may import into.")})
        return found

    def import_instance(self, instance: Activity, row, **kwargs) -> None:
        errors: dict[str, list[str]] = {}

        def fail(column: str, message: str) -> None:
            errors.setdefault(column, []).append(message)

        # The admin's and the API's text fields refuse NUL characters (Django's forms, DRF); a CSV cell
        # must not carry one into the store either.
        for column in COLUMNS:
            if "\x00" in _text(row, column):
                fail(column, _("Null characters are not allowed."))
        event = self._row_event(row, instance, fail)
        instance.title = _text(row, "title")
        instance.description = _text(row, "description")
        instance.kind = _text(row, "kind").lower() or instance.kind
        instance.status = _text(row, "status").lower() or instance.status
        capacity = _text(row, "capacity")
        try:
            instance.capacity = int(capacity) if capacity else None
        except ValueError:
            fail("capacity", _("Enter a whole number."))
        public = _text(row, "is_public").lower()
        if public in TRUE_WORDS | FALSE_WORDS:
            instance.is_public = public in TRUE_WORDS
        else:
            fail("is_public", _("Enter true or false."))
        for column in ("start", "end"):
            self._import_time(instance, row, column, event, fail)
        instance.location = None
        place = _text(row, "location")
        if place and event is not None:
            instance.location = Location.objects.filter(event=event, name=place).first()
            if instance.location is None:
                fail("location", _("No location “%(name)s” in this event.") % {"name": place})
        instance.import_responsible = self._responsible(row, event, fail)
        if errors:
            raise ValidationError(errors)

    def _row_event(self, row, instance: Activity, fail) -> Event | None:
        slug = _text(row, "event")
        if self.event is not None and slug in ("", self.event.slug):
            event = self.event
        elif self.event is not None:
            fail("event", _("This file is imported into “%(slug)s”.") % {"slug": self.event.slug})
            return None
        else:
            event = self.allowed_events.get(slug)
            if event is None:
                fail("event", _("No event “%(slug)s” that you may import into.") % {"slug": slug})
                return None
        if instance.event_id and instance.event_id != event.pk:
            fail("event", _("An activity cannot move to another event."))
            return None
        instance.event = event
        return event

    def _import_time(self, instance: Activity, row, column: str, event: Event | None, fail) -> None:
        raw = _text(row, column)
        try:
            value = datetime.fromisoformat(raw)
        except ValueError:
            fail(column, _("Enter a date and time in ISO 8601, e.g. 2026-06-12T10:00."))
            return
        if timezone.is_naive(value):
            if event is None:
                return  # the event's error is reported; its time zone is unknown
            aware = read_in_zone(value, event.tzinfo)  # as the API reads it: first of two, skipped refused
            if aware is None:
                fail(
                    column,
                    _("%(time)s does not exist in %(zone)s (the clocks go forward).")
                    % {
                        "time": value.strftime("%Y-%m-%d %H:%M"),
                        "zone": event.timezone,
                    },
                )
                return
            value = aware
        setattr(instance, column, value)

    def _responsible(self, row, event: Event | None, fail) -> list[Organizer]:
        names = [name.strip() for name in _text(row, "responsible").replace(";", ",").split(",") if name.strip()]
        if not names:
            return []
        found = list(Organizer.objects.filter(username__in=names))
        unknown = sorted(set(names) - {organizer.username for organizer in found})
        if unknown:
            fail("responsible", _("Unknown users: %(names)s.") % {"names": ", ".join(unknown)})
        elif event is not None:
            try:
                Activity.validate_responsible(event, found)
            except ValidationError as exc:
                for message in exc.messages:
                    fail("responsible", message)
        return found

    def validate_instance(self, instance: Activity, import_validation_errors=None, validate_unique=True) -> None:
        errors = dict(import_validation_errors or {})
        if errors:
            # The row is already refused; clean() would trip over the values that failed to read.
            try:
                instance.clean_fields(exclude=set(errors) | {"event", "start", "end", "location"})
            except ValidationError as exc:
                errors = exc.update_error_dict(errors)
            raise ValidationError(errors)
        super().validate_instance(instance, None, validate_unique)

    def save_m2m(self, instance: Activity, row, **kwargs) -> None:
        instance.responsible.set(getattr(instance, "import_responsible", []))


# --- the service the admin and the API use ------------------------------------------------------------


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[dict] = field(default_factory=list)  # [{"line": int | None, "errors": {column: [msg]}}]

    @property
    def ok(self) -> bool:
        return not self.errors


def report_from(result) -> ImportReport:
    report = ImportReport()
    for error in result.base_errors:
        report.errors.append({"line": None, "errors": _messages(error.error)})
    for invalid in result.invalid_rows:
        report.errors.append({"line": invalid.number + 1, "errors": _messages(invalid.error)})
    for number, row_errors in result.row_errors():
        report.errors.append(
            {"line": number + 1, "errors": {NON_FIELD_ERRORS: [str(error.error) for error in row_errors]}}
        )
    report.errors.sort(key=lambda item: item["line"] or 0)
    if report.ok:
        report.created = result.totals.get("new", 0)
        report.updated = result.totals.get("update", 0)
    return report


def _messages(error: Exception) -> dict[str, list[str]]:
    if isinstance(error, ValidationError):
        if hasattr(error, "error_dict"):
            return {key: [str(m) for m in value] for key, value in error.message_dict.items()}
        return {NON_FIELD_ERRORS: [str(m) for m in error.messages]}
    return {NON_FIELD_ERRORS: [str(error)]}


def export_csv(queryset) -> str:
    queryset = queryset.select_related("event", "location").order_by("event_id", "start", "pk")
    return ActivityResource().export(queryset).csv


def import_csv(content: bytes | str, user, event: Event | None = None) -> ImportReport:
    """Import a CSV file; nothing is saved unless every row is valid."""
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            return ImportReport(errors=[{"line": None, "errors": {"file": [_("The file is not UTF-8 text.")]}}])
    try:
        check_row_count(content)  # before tablib reads every row into memory
    except ValidationError as exc:
        return ImportReport(errors=[{"line": None, "errors": {"file": exc.messages}}])
    try:
        dataset = tablib.Dataset().load(content, format="csv")
    except Exception:
        return ImportReport(errors=[{"line": None, "errors": {"file": [_("The file is not a readable CSV file.")]}}])
    result = ActivityResource(user=user, event=event).import_data(dataset, user=user)
    return report_from(result)
