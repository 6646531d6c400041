"""API tokens in the admin: everyone sees and revokes their own, superusers everybody's.

Tokens are made at POST /api/auth/token/ (the key is shown there, once) and never edited.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from organizers.admin_mixins import AtomicAdminMixin, BoundedSearchMixin
from organizers.models import ApiToken


def _may_handle(request: HttpRequest, token: ApiToken | None) -> bool:
    return token is None or request.user.is_superuser or token.user_id == request.user.pk


@admin.register(ApiToken)
class ApiTokenAdmin(AtomicAdminMixin, BoundedSearchMixin, admin.ModelAdmin):
    list_display = ["name", "user", "created_at", "expires_at", "last_used_at"]
    list_select_related = ["user"]
    search_fields = ["name", "user__username"]
    fields = ["name", "user", "created_at", "expires_at", "last_used_at"]
    readonly_fields = ["name", "user", "created_at", "expires_at", "last_used_at"]

    def get_queryset(self, request: HttpRequest):
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.filter(user_id=request.user.pk)

    def get_list_display(self, request: HttpRequest):
        # Whose token it is says something only to a superuser, who sees everybody's.
        return self.list_display if request.user.is_superuser else [f for f in self.list_display if f != "user"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.has_module_permission(request) and _may_handle(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.has_view_permission(request, obj)
