"""The admin's side of the one scoping mechanism: querysets, choices and permissions by event role."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from geventator.db import atomic
from organizers.models import Event


class AtomicAdminMixin:
    """Saving a form with its inlines, or deleting, is all-or-nothing on both stores.

    Django's admin wraps these views in ``transaction.atomic``, which does nothing on MongoDB.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        with atomic():
            return self._changeform_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        with atomic():
            return self._delete_view(request, object_id, extra_context)


class RolePermissionsMixin:
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


class EventScopedAdmin(AtomicAdminMixin, RolePermissionsMixin, admin.ModelAdmin):
    """ModelAdmin of a model with an ``event`` foreign key."""

    list_select_related = ("event",)

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).for_user(request.user)

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


def scoped_list_filter(field: str) -> tuple[str, type[admin.ListFilter]]:
    """A filter on a foreign key that offers only values present in the user's own records."""
    return (field, admin.RelatedOnlyFieldListFilter)
