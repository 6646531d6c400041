from __future__ import annotations

from typing import cast

from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from geventator.db import atomic
from organizers import directory, panels
from organizers import rules as perms
from organizers.admin_mixins import (
    AtomicAdminMixin,
    BoundedSearchMixin,
    EventScopedAdmin,
    RolePermissionsMixin,
    admin_user,
)
from organizers.models import Event, EventQuerySet, Membership, Organizer, Role
from organizers.services import archive_event, create_event, delete_event, unarchive_event


@admin.register(Organizer)
class OrganizerAdmin(AtomicAdminMixin, BoundedSearchMixin, UserAdmin):
    """Accounts are managed by superusers; organizers see the people they organize with."""

    list_display = ["username", "email", "first_name", "last_name", "is_staff", "is_superuser", "is_active"]
    search_fields = directory.SUPERUSER_SEARCH_FIELDS

    def get_search_fields(self, request: HttpRequest):
        # Matching e-mails would tell anyone who types part of an address whose it is.
        return directory.search_fields_for(request.user)

    @method_decorator(sensitive_post_parameters())
    @method_decorator(csrf_protect)
    def add_view(self, request: HttpRequest, form_url="", extra_context=None):
        # UserAdmin wraps this view in Django's transaction.atomic; on MongoDB our atomic() inside
        # it (changeform_view) then fails on commit. One atomic() of ours serves both stores.
        with atomic():
            return self._add_view(request, form_url, extra_context)  # type: ignore[attr-defined]  # private

    def get_queryset(self, request: HttpRequest):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        # Every autocomplete of people (responsible organizers, account holders...) offers fellow
        # members only; a new member is named exactly instead (OrganizerLoginField).
        return queryset.filter(pk__in=list(perms.fellow_member_ids(request.user)))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        if request.user.is_superuser:
            return True
        # Others only look their fellow members up through the autocompletes of the records
        # (obj is None there); an account's own page shows its groups and password hash summary.
        return obj is None and request.user.is_staff and bool(perms.roles_for(request.user))

    def changelist_view(self, request: HttpRequest, extra_context=None):
        if not request.user.is_superuser:
            raise PermissionDenied
        return super().changelist_view(request, extra_context)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser


class MembershipFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        kept = [form for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]
        if not any(form.cleaned_data.get("role") == Role.OWNER for form in kept):
            raise ValidationError(_("An event needs at least one owner."))


class OrganizerLoginField(forms.CharField):
    """The person to add, by exact username or e-mail: no search over every account."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("label", _("organizer"))
        kwargs.setdefault("help_text", _("Their exact username or e-mail."))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return value.username if isinstance(value, Organizer) else value

    def clean(self, value):
        if isinstance(value, Organizer):  # a stored membership's own organizer (the field is disabled)
            return value
        login = super().clean(value)
        return directory.find_organizer(login) if login else None


class MembershipForm(forms.ModelForm):
    organizer = OrganizerLoginField()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.organizer_id is not None:
            # A membership stays with its person: change the role, or remove it and add another.
            self.initial["organizer"] = self.instance.organizer
            self.fields["organizer"].disabled = True


class MembershipInlineForm(MembershipForm):
    def _post_clean(self) -> None:
        # The formset checks that the event keeps an owner across all its rows, so an owner may
        # hand over ownership in one save; Membership.clean's row-by-row check (against the stored
        # rows) would refuse that, so it is answered by the formset here.
        self.instance._is_last_owner = lambda: False
        super()._post_clean()  # type: ignore[misc]  # private in Django, so not in django-stubs


class MembershipInline(RolePermissionsMixin, admin.TabularInline):
    model = Membership
    form = MembershipInlineForm
    formset = MembershipFormSet
    extra = 0
    fields = ["organizer", "role", "created_at"]
    readonly_fields = ["created_at"]

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return obj is not None and self._has(request, "add", obj)

    def get_queryset(self, request: HttpRequest):
        # Each row shows its organizer and names its event: read with the rows, not per row.
        return super().get_queryset(request).select_related("organizer", "event")


@admin.register(Event)
class EventAdmin(AtomicAdminMixin, BoundedSearchMixin, RolePermissionsMixin, admin.ModelAdmin):
    list_display = ["name", "start_date", "end_date", "timezone", "currency", "archived_at"]
    list_filter = ["start_date", "currency", ("archived_at", admin.EmptyFieldListFilter)]
    actions = ["archive", "unarchive"]
    search_fields = ["name", "slug", "description"]
    date_hierarchy = "start_date"
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["archived_at"]
    inlines = [MembershipInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "start_date", "end_date", "timezone", "currency", "description"]}),
        (_("Archive"), {"fields": ["archived_at"]}),
    ]

    def get_queryset(self, request: HttpRequest):
        return cast(EventQuerySet, super().get_queryset(request)).for_user(request.user)

    def get_search_results(self, request: HttpRequest, queryset, search_term: str):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        source = self._autocomplete_source(request)
        if source is not None and not request.user.is_superuser:
            # Picking the event of a new record: offer the events where the role allows adding
            # it, as the form's own choices do (EventScopedAdmin.formfield_for_foreignkey).
            perm = source.get_perm("add")
            queryset = queryset.filter(pk__in=[e.pk for e in queryset if request.user.has_perm(perm, e)])
        return queryset, may_have_duplicates

    @staticmethod
    def _autocomplete_source(request: HttpRequest):
        """The model whose ``event`` field the autocomplete request fills, if it is one of ours."""
        match = request.resolver_match
        if match is None or match.url_name != "autocomplete" or request.GET.get("field_name") != "event":
            return None
        try:
            model = apps.get_model(request.GET.get("app_label", ""), request.GET.get("model_name", ""))
        except (LookupError, ValueError):
            return None
        return model if hasattr(model, "get_perm") else None

    def has_module_permission(self, request: HttpRequest) -> bool:
        # An organizer without events yet must still reach "add event" to start their first one.
        return super().has_module_permission(request) or self.has_add_permission(request)

    def get_fieldsets(self, request: HttpRequest, obj=None):
        return self.fieldsets if obj is not None else self.fieldsets[:1]

    def get_inlines(self, request: HttpRequest, obj=None):
        return self.inlines if obj is not None else []

    def render_change_form(self, request: HttpRequest, context, add=False, change=False, form_url="", obj=None):
        # The figures and tools that finance and activities add to the page (organizers/panels.py),
        # shown above the form.
        if obj is not None and obj.pk:
            # A form sent back with errors has already written its invalid values (a time zone
            # that does not exist, say) onto obj: the figures are of the event as stored.
            stored = Event.objects.get(pk=obj.pk) if request.method == "POST" else obj
            context.update(
                event_panels=panels.panels_for(request, stored), event_links=panels.links_for(request, stored)
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_deleted_objects(self, objs, request: HttpRequest):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        # Memberships go with their event: the last owner's membership, which cannot be deleted on
        # its own, must not stop its owner from deleting the whole event.
        perms_needed.discard(str(Membership._meta.verbose_name))
        if all(event.is_archived for event in objs):
            # Archiving was the deliberate step: the ledger and the records of an archived event
            # (read-only on their own) go with it, through delete_event().
            perms_needed.clear()
            protected = []
        return deleted, model_count, perms_needed, protected

    def delete_model(self, request: HttpRequest, obj: Event) -> None:
        delete_event(obj)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        for event in list(queryset):
            delete_event(event)

    def has_archive_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser or perms.has_role(request.user, None, "owner")

    def _owned(self, request: HttpRequest, queryset) -> list[Event]:
        events = list(queryset)
        if request.user.is_superuser:
            return events
        return [event for event in events if perms.has_role(request.user, event, "owner")]

    @admin.action(
        description=_("Archive the selected events (read-only, deletable with their ledger)"), permissions=["archive"]
    )
    def archive(self, request: HttpRequest, queryset) -> None:
        events = self._owned(request, queryset)
        for event in events:
            archive_event(event)
        self.message_user(request, _("%(count)d event(s) archived.") % {"count": len(events)})

    @admin.action(description=_("Unarchive the selected events"), permissions=["archive"])
    def unarchive(self, request: HttpRequest, queryset) -> None:
        events = self._owned(request, queryset)
        for event in events:
            unarchive_event(event)
        self.message_user(request, _("%(count)d event(s) unarchived.") % {"count": len(events)})

    def save_model(self, request: HttpRequest, obj: Event, form, change: bool) -> None:
        if change or request.user.is_superuser:
            super().save_model(request, obj, form, change)
        else:
            create_event(admin_user(request), obj)


@admin.register(Membership)
class MembershipAdmin(EventScopedAdmin):
    list_display = ["organizer", "event", "role", "created_at"]
    list_filter = [("event", admin.RelatedOnlyFieldListFilter), "role"]
    search_fields = ["organizer__username", "organizer__first_name", "organizer__last_name", "event__name"]
    form = MembershipForm
    autocomplete_fields = ["event"]
    list_select_related = ["event", "organizer"]

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and obj._is_last_owner():
            return False
        return super().has_delete_permission(request, obj)
