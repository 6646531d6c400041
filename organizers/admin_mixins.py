"""The admin's side of the one scoping mechanism: querysets, choices and permissions by event role."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, cast

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import PAGE_VAR
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.template.response import TemplateResponse
from django.utils.text import capfirst, smart_split
from django.utils.translation import gettext as _

from geventator.db import run_atomically
from geventator.search import search_refusal
from organizers import history
from organizers.models import Event, Organizer
from organizers.scoping import EventScopedQuerySet

if TYPE_CHECKING:
    # What the mixins below are mixed into, so that mypy checks their calls to the admin's methods.
    ModelAdminBase = admin.ModelAdmin[Any]
    BaseModelAdminBase = admin.options.BaseModelAdmin[Any]
    AutocompleteSelectBase = AutocompleteSelect
else:
    ModelAdminBase = BaseModelAdminBase = AutocompleteSelectBase = object


class AtomicAdminMixin(ModelAdminBase):
    """Saving a form with its inlines, or deleting, is all-or-nothing on both stores.

    Django's admin wraps these views in ``transaction.atomic``, which does nothing on MongoDB.
    A save that loses to a concurrent write runs again from the submitted form (run_atomically);
    one that loses every time is answered 409 (geventator.faults), never 500.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Private in Django, so not in django-stubs.
        return run_atomically(self._changeform_view, request, object_id, form_url, extra_context)  # type: ignore[attr-defined]

    def delete_view(self, request, object_id, extra_context=None):
        return run_atomically(self._delete_view, request, object_id, extra_context)  # type: ignore[attr-defined]

    def delete_queryset(self, request, queryset) -> None:
        # The "delete selected" action, cascades included. It gets the list's queryset, already
        # evaluated with the list's select_related joins; django-mongodb-backend refuses a delete()
        # across collections, so delete through a fresh queryset of the same primary keys.
        fresh = queryset.model._default_manager.filter(pk__in=list(queryset.values_list("pk", flat=True)))
        run_atomically(super().delete_queryset, request, fresh)


class BoundedSearchMixin(ModelAdminBase):
    """The admin's search (the list's ?q=, an autocomplete's term) within geventator.search's
    bounds: beyond them the list is empty and says why, instead of a query SQLite cannot parse."""

    def get_search_results(self, request: HttpRequest, queryset, search_term: str):
        refusal = search_refusal(search_term, list(smart_split(search_term)))
        if refusal is None:
            return super().get_search_results(request, queryset, search_term)
        match = request.resolver_match
        if match is None or match.url_name != "autocomplete":  # a JSON answer shows no messages
            messages.error(request, refusal)
        return queryset.none(), False


class RolePermissionsMixin(BaseModelAdminBase):
    """Asks the event-role rules (organizers/rules.py) with the object, not Django's global perms."""

    def _has(self, request: HttpRequest, action: str, obj=None) -> bool:
        return request.user.has_perm(self.model.get_perm(action), obj)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._has(request, "view")

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._has(request, "view", obj)

    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        return self._has(request, "add")

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._has(request, "change", obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._has(request, "delete", obj)


class _ValidChoicesOnly(AutocompleteSelectBase):
    """Re-rendering a form whose autocomplete got a malformed id ("abc" for a UUID) must not crash.

    Django's autocomplete widgets look the submitted ids up to label them, and a malformed UUID
    raises there (a 500); the form already reports it as an invalid choice, so skip it here.
    """

    known: dict[str, str] | None = None  # {id: label} of the stored choice, see label_known()

    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field
        target = remote.model._meta.get_field(getattr(remote, "field_name", None) or remote.model._meta.pk.name)
        value = [item for item in value if self._is_valid(target, item)]
        if self.known and value and all(str(item) in self.known for item in value):
            # The form already holds the record: label it without a query per row of a formset.
            options = []
            if not self.is_required and not self.allow_multiple_selected:
                options.append(self.create_option(name, "", "", False, 0))
            for item in value:
                options.append(self.create_option(name, item, self.known[str(item)], True, len(options)))
            return [(None, options, 0)]
        return super().optgroups(name, value, attr)

    @staticmethod
    def _is_valid(target, item) -> bool:
        try:
            target.to_python(item)
        except (ValidationError, ValueError, TypeError):
            return False
        return True


class SafeAutocompleteSelect(_ValidChoicesOnly, AutocompleteSelect):
    pass


class SafeAutocompleteSelectMultiple(_ValidChoicesOnly, AutocompleteSelectMultiple):
    pass


def label_known(form, name: str) -> None:
    """Let the autocomplete of ``name`` label the form's stored choice from the record it holds
    (loaded with select_related) instead of looking it up again."""
    related = getattr(form.instance, name, None) if getattr(form.instance, f"{name}_id", None) else None
    field = form.fields.get(name)
    widget = getattr(field, "widget", None)
    widget = getattr(widget, "widget", widget)  # the admin wraps it (RelatedFieldWidgetWrapper)
    if related is not None and isinstance(widget, _ValidChoicesOnly):
        widget.known = {str(related.pk): field.label_from_instance(related)}


class SafeAutocompleteMixin(BaseModelAdminBase):
    """Uses the autocomplete widgets above for ``autocomplete_fields`` (ModelAdmin and inlines)."""

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request) and "widget" not in kwargs:
            kwargs["widget"] = SafeAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request) and "widget" not in kwargs:
            kwargs["widget"] = SafeAutocompleteSelectMultiple(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class RecordHistoryMixin(ModelAdminBase):
    """The "History" page of a model with django-simple-history: who changed what, and when.

    Each version of the record with its author, time and the fields it changed (old → new);
    records of deleted objects stay readable to the members of their event. Only members (any
    role) of the record's event see it, superusers all; others are sent back like for a missing
    object. Nothing is restored from here: a booked entry is corrected by a reversal, so
    simple-history's revert views are not offered. Models without history keep Django's page.
    """

    history_per_page = 100

    def history_view(self, request: HttpRequest, object_id, extra_context=None):
        if not history.keeps_history(self.model):
            return super().history_view(request, object_id, extra_context)
        object_id = unquote(object_id)
        obj = self.get_object(request, object_id)  # scoped: None for another event's record
        if obj is None:
            # Deleted: the last version says which event it belonged to.
            obj = history.last_known(self.model, object_id)
            if obj is None or not self.has_view_or_change_permission(request, obj):
                # Private in Django, so not in django-stubs.
                return self._get_obj_does_not_exist_redirect(  # type: ignore[attr-defined]
                    request, self.model._meta, object_id
                )
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied

        records = history.records_of(self.model, obj.pk)
        paginator = self.get_paginator(request, records, self.history_per_page)
        page = paginator.get_page(request.GET.get(PAGE_VAR, 1))
        # One record more than the page: the version the page's oldest one is compared with.
        start = (page.number - 1) * self.history_per_page
        window = list(records[start : start + self.history_per_page + 1])
        older = window[self.history_per_page] if len(window) > self.history_per_page else None
        entries = history.entries(window[: self.history_per_page], older=older)
        names = history.display_values(entries)
        rows = [
            {
                "entry": entry,
                "changes": [
                    (
                        capfirst(change.label),
                        history.display(change, change.old, names),
                        history.display(change, change.new, names),
                    )
                    for change in entry.changes
                ],
            }
            for entry in entries
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": _("History: %s") % obj,
            "subtitle": None,
            "rows": rows,
            "page_obj": page,
            "page_range": paginator.get_elided_page_range(page.number),
            "page_var": PAGE_VAR,
            "pagination_required": paginator.count > self.history_per_page,
            "module_name": str(capfirst(self.opts.verbose_name_plural)),
            "object": obj,
            "opts": self.opts,
            "preserved_filters": self.get_preserved_filters(request),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/record_history.html", context)


class EventScopedAdmin(
    AtomicAdminMixin,
    BoundedSearchMixin,
    RolePermissionsMixin,
    SafeAutocompleteMixin,
    RecordHistoryMixin,
    admin.ModelAdmin,
):
    """ModelAdmin of a model with an ``event`` foreign key."""

    list_select_related: ClassVar[bool | list[str] | tuple[str, ...]] = ("event",)

    def get_queryset(self, request: HttpRequest):
        return cast(EventScopedQuerySet, super().get_queryset(request)).for_user(request.user)

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        # A record never moves between events: its history and totals belong to one.
        return [*readonly, "event"] if obj is not None else readonly

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        related = db_field.related_model
        if related is Event:
            # Only events where the user's role allows adding this kind of record.
            events = Event.objects.for_user(request.user)
            if not request.user.is_superuser:
                allowed = [event.pk for event in events if self._has(request, "add", event)]
                events = Event.objects.filter(pk__in=allowed)
            kwargs["queryset"] = events
        elif hasattr(related.objects, "for_user"):
            kwargs["queryset"] = related.objects.for_user(request.user).select_related("event")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def scoped_list_filter(field: str) -> tuple[str, type[admin.FieldListFilter]]:
    """A filter on a foreign key that offers only values present in the user's own records."""
    return (field, admin.RelatedOnlyFieldListFilter)


def admin_user(request: HttpRequest) -> Organizer:
    """The organizer of an admin request: the admin site lets only signed-in staff in."""
    return cast(Organizer, request.user)


def event_or_404(request: HttpRequest, event_id: str, perm: str | None = None) -> Event:
    """The event of a per-event admin page, if the user sees it (and has ``perm`` there, when
    named); anything else, a malformed id included, is "not found": a page never tells another
    event's existence."""
    try:
        event = Event.objects.for_user(request.user).filter(pk=event_id).first()
    except (ValidationError, ValueError):
        event = None
    if event is None or (perm is not None and not request.user.has_perm(perm, event)):
        raise Http404(_("No such event."))
    return event
