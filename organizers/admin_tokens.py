"""API tokens in the admin: everyone makes, sees and revokes their own, superusers see everybody's.

A token made here may be narrowed to some events, to reading and to an expiry; its key is shown
on the page that answers the form, once, and stored nowhere (not even in a message). Tokens are
never edited: a different scope is a new token.
"""

from __future__ import annotations

from typing import cast

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from organizers.admin_mixins import AtomicAdminMixin, BoundedSearchMixin, admin_user
from organizers.models import ApiToken, Event
from organizers.tokens import issue_token, validate_expiry


class NewTokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("The tool or device that will use it."))
    events = forms.ModelMultipleChoiceField(
        label=_("Events"),
        queryset=Event.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: all your events, now and later."),
    )
    read_only = forms.BooleanField(label=_("Read-only"), required=False, help_text=_("Every write is refused."))
    expires_at = forms.DateTimeField(label=_("Expires at"), validators=[validate_expiry])

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        events = cast(forms.ModelMultipleChoiceField, self.fields["events"])
        events.queryset = Event.objects.for_user(user).order_by("-start_date", "name")
        self.fields["expires_at"].initial = timezone.localtime() + settings.API_TOKEN_TTL


def _may_handle(request: HttpRequest, token: ApiToken | None) -> bool:
    return token is None or request.user.is_superuser or token.user_id == request.user.pk


@admin.register(ApiToken)
class ApiTokenAdmin(AtomicAdminMixin, BoundedSearchMixin, admin.ModelAdmin):
    list_display = ["name", "user", "scope", "created_at", "expires_at", "last_used_at"]
    list_select_related = ["user"]
    search_fields = ["name", "user__username"]
    fields = readonly_fields = ("name", "user", "scope", "created_at", "expires_at", "last_used_at")

    def get_queryset(self, request: HttpRequest):
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.filter(user_id=request.user.pk)

    @admin.display(description=_("scope"))
    def scope(self, token: ApiToken) -> str:
        # A count, not names: naming them would cost a query per row of the list.
        events = (
            gettext("all events")
            if token.all_events
            else ngettext("%(count)d event", "%(count)d events", len(token.event_ids)) % {"count": len(token.event_ids)}
        )
        access = gettext("read-only") if token.read_only else gettext("read and write")
        return f"{events} · {access}"

    def add_view(self, request: HttpRequest, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        user = admin_user(request)
        form = NewTokenForm(request.POST or None, user=user)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("New API token"),
            "form": form,
        }
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            token, key = issue_token(
                user,
                data["name"],
                events=list(data["events"]) or None,
                read_only=data["read_only"],
                expires_at=data["expires_at"],
            )
            context.update(title=gettext("Your new API token"), token=token, key=key)
            # The key is in this page only; like every admin page it is sent never_cache (no-store).
            return TemplateResponse(request, "admin/organizers/apitoken/issued.html", context)
        return TemplateResponse(request, "admin/organizers/apitoken/new.html", context)

    def get_list_display(self, request: HttpRequest):
        # Whose token it is says something only to a superuser, who sees everybody's.
        return self.list_display if request.user.is_superuser else [f for f in self.list_display if f != "user"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.has_module_permission(request) and _may_handle(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.has_view_permission(request, obj)
