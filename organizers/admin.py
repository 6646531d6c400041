from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from finance.services import event_summary
from geventator.currencies import format_money
from organizers import rules as perms
from organizers.admin_mixins import AtomicAdminMixin, EventScopedAdmin, RolePermissionsMixin
from organizers.models import Event, Membership, Organizer, Role
from organizers.services import create_event


@admin.register(Organizer)
class OrganizerAdmin(AtomicAdminMixin, UserAdmin):
    """Accounts are managed by superusers; organizers see the people they organize with."""

    list_display = ["username", "email", "first_name", "last_name", "is_staff", "is_superuser", "is_active"]
    search_fields = ["username", "email", "first_name", "last_name"]

    def get_queryset(self, request: HttpRequest):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        if self._owner_picks_new_member(request):
            return queryset.filter(is_active=True)
        co_members = Membership.objects.filter(event_id__in=list(perms.roles_for(request.user)))
        return queryset.filter(pk__in=list(co_members.values_list("organizer_id", flat=True).distinct()))

    @staticmethod
    def _owner_picks_new_member(request: HttpRequest) -> bool:
        # The autocomplete of a membership's organizer: owners may find anyone active to add.
        return (
            request.GET.get("model_name") == "membership"
            and request.GET.get("field_name") == "organizer"
            and perms.has_role(request.user, None, "owner")
        )

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser or (request.user.is_staff and bool(perms.roles_for(request.user)))

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


class MembershipInline(RolePermissionsMixin, admin.TabularInline):
    model = Membership
    formset = MembershipFormSet
    extra = 0
    autocomplete_fields = ["organizer"]
    fields = ["organizer", "role", "created_at"]
    readonly_fields = ["created_at"]

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return obj is not None and self._has(request, "add", obj)


@admin.register(Event)
class EventAdmin(AtomicAdminMixin, RolePermissionsMixin, admin.ModelAdmin):
    list_display = ["name", "start_date", "end_date", "timezone", "currency"]
    list_filter = ["start_date", "currency"]
    search_fields = ["name", "slug", "description"]
    date_hierarchy = "start_date"
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["money"]
    inlines = [MembershipInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "start_date", "end_date", "timezone", "currency", "description"]}),
        (_("Money"), {"fields": ["money"]}),
    ]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).for_user(request.user)

    def get_fieldsets(self, request: HttpRequest, obj=None):
        return self.fieldsets if obj is not None else self.fieldsets[:1]

    def get_inlines(self, request: HttpRequest, obj=None):
        return self.inlines if obj is not None else []

    @admin.display(description=_("income, expenses and balance"))
    def money(self, event: Event) -> str:
        summary = event_summary(event)
        rows = [
            (_("Income"), format_money(summary.income, summary.currency)),
            (_("Expenses"), format_money(summary.expenses, summary.currency)),
            (_("Balance"), format_money(summary.balance, summary.currency)),
        ]
        return format_html_join("", "<div><strong>{}</strong>: {}</div>", rows)

    def save_model(self, request: HttpRequest, obj: Event, form, change: bool) -> None:
        if change or request.user.is_superuser:
            super().save_model(request, obj, form, change)
        else:
            create_event(request.user, obj)


@admin.register(Membership)
class MembershipAdmin(EventScopedAdmin):
    list_display = ["organizer", "event", "role", "created_at"]
    list_filter = [("event", admin.RelatedOnlyFieldListFilter), "role"]
    search_fields = ["organizer__username", "organizer__first_name", "organizer__last_name", "event__name"]
    autocomplete_fields = ["event", "organizer"]
    list_select_related = ["event", "organizer"]

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and obj._is_last_owner():
            return False
        return super().has_delete_permission(request, obj)
