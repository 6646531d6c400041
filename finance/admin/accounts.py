"""Accounts with their balances, transfers and their confirmations, cash counts, settling up with
organizers and closing the books. The state changes go through finance/services."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from finance import rules as steps
from finance.models import Account, AccountKind, CashCount, CountStatus, Transfer
from finance.services import closing, custody, settle, transfers
from finance.services.balances import balance_of, balances_of
from geventator.currencies import format_money
from organizers import rules as perms
from organizers.admin_mixins import EventScopedAdmin, admin_user, event_or_404, scoped_list_filter
from organizers.models import Event, Membership


def _errors(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or gettext("Your role in this event does not allow this.")


# --- Accounts -------------------------------------------------------------------------------------


class BalanceChangeList(ChangeList):
    """The account list's page with every row's balance, computed for the page in one go."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        accounts = list(self.result_list)
        balances = balances_of(accounts)
        for account in accounts:
            account.current_balance = balances[account.pk]
        self.result_list = accounts


class AccountForm(forms.ModelForm):
    class Meta:
        model = Account
        fields = ["event", "name", "kind", "holder", "opening_balance", "is_active", "notes"]

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data  # Form.clean() returns it, but is typed Optional
        event = cleaned.get("event") or (self.instance.event if self.instance.event_id else None)
        holder = cleaned.get("holder")
        if (
            event is not None
            and holder is not None
            and not Membership.objects.filter(event=event, organizer=holder).exists()
        ):
            self.add_error("holder", _("The holder must be a member of the event."))
        return cleaned


@admin.register(Account)
class AccountAdmin(EventScopedAdmin):
    form = AccountForm
    list_display = ["name", "kind", "holder", "balance", "is_active", "event"]
    list_filter = [scoped_list_filter("event"), "kind", "is_active", scoped_list_filter("holder")]
    search_fields = ["name", "notes"]
    autocomplete_fields = ["event"]
    list_select_related = ["event", "holder"]
    readonly_fields = ["balance", "created_at"]
    fields = ["event", "name", "kind", "holder", "opening_balance", "balance", "is_active", "notes", "created_at"]
    change_list_template = "admin/finance/account/change_list.html"

    def get_changelist(self, request: HttpRequest, **kwargs):
        return BalanceChangeList

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "holder":
            kwargs["queryset"] = perms.fellow_organizers(request.user).order_by("username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("balance"))
    def balance(self, account: Account) -> str:
        if account._state.adding:
            return "—"
        amount = getattr(account, "current_balance", None)
        if amount is None:
            amount = balance_of(account)
        return format_money(amount, account.event.currency)

    def changelist_view(self, request: HttpRequest, extra_context=None):
        events = Event.objects.for_user(request.user).order_by("-start_date", "name")
        links = [
            (
                event.name,
                reverse("admin:finance_account_settle_up", args=[event.pk]),
                reverse("admin:finance_account_close_books", args=[event.pk]),
            )
            for event in events
        ]
        return super().changelist_view(request, {**(extra_context or {}), "event_links": links})

    # --- Per-event pages: settle up, close the books ----------------------------------------

    def get_urls(self):
        own = [
            path(
                "settle-up/<str:event_id>/",
                self.admin_site.admin_view(self.settle_up_view),
                name="finance_account_settle_up",
            ),
            path(
                "close-books/<str:event_id>/",
                self.admin_site.admin_view(self.close_books_view),
                name="finance_account_close_books",
            ),
        ]
        return own + super().get_urls()

    def _page(self, request: HttpRequest, event: Event, title: str, template: str, **context) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "event": event,
            "closed_at": event.closed_at,
            **context,
        }
        return TemplateResponse(request, template, context)

    def settle_up_view(self, request: HttpRequest, event_id: str) -> HttpResponse:
        event = event_or_404(request, event_id)
        here = reverse("admin:finance_account_settle_up", args=[event.pk])
        if request.method == "POST":
            if not steps.allowed(request.user, steps.SETTLE_UP, event):
                raise PermissionDenied
            form = ReimbursementForm(event, request.POST)
            if form.is_valid():
                try:
                    transfer = settle.record_reimbursement(
                        form.cleaned_data["account"],
                        request.user,
                        event_account=form.cleaned_data["event_account"],
                        date=form.cleaned_data["date"],
                    )
                except (ValidationError, PermissionDenied) as exc:
                    self.message_user(request, _errors(exc), messages.ERROR)
                else:
                    self.message_user(
                        request,
                        gettext("Reimbursement recorded: %(transfer)s. It counts once both sides confirm it.")
                        % {"transfer": transfer},
                        messages.SUCCESS,
                    )
            else:
                errors = [
                    f"{form.fields[name].label}: {' '.join(str(msg) for msg in msgs)}"
                    for name, msgs in form.errors.items()
                ]
                self.message_user(request, " ".join(errors), messages.ERROR)
            return HttpResponseRedirect(here)
        debts = settle.settle_up(event)
        can_record = steps.allowed(request.user, steps.SETTLE_UP, event)
        own_accounts = list(ReimbursementForm.own_accounts_of(event)) if can_record and debts else []
        rows = [
            {
                "debt": debt,
                "amount": format_money(abs(debt.amount), event.currency),
                "form": ReimbursementForm(event, initial={"account": debt.account_id}, own_accounts=own_accounts)
                if can_record
                else None,
            }
            for debt in debts
        ]
        return self._page(
            request,
            event,
            gettext("Settle up: %(event)s") % {"event": event.name},
            "admin/finance/settle_up.html",
            rows=rows,
            can_record=can_record,
        )

    def close_books_view(self, request: HttpRequest, event_id: str) -> HttpResponse:
        event = event_or_404(request, event_id)
        here = reverse("admin:finance_account_close_books", args=[event.pk])
        if request.method == "POST":
            step = {"close": closing.close_event, "reopen": closing.reopen_event}.get(request.POST.get("do", ""))
            if step is None:
                self.message_user(request, gettext("Choose to close or to reopen the books."), messages.ERROR)
                return HttpResponseRedirect(here)
            try:
                step(event, request.user)
            except ValidationError as exc:
                self.message_user(
                    request,
                    format_html(
                        "{}<ul>{}</ul>",
                        gettext("The books stay open:") if step is closing.close_event else "",
                        format_html_join("", "<li>{}</li>", ((m,) for m in exc.messages)),
                    ),
                    messages.ERROR,
                )
            else:
                done = (
                    gettext("The books are closed: the finance records of %(event)s are read-only.")
                    if step is closing.close_event
                    else gettext("The books of %(event)s are open again.")
                )
                self.message_user(request, done % {"event": event.name}, messages.SUCCESS)
            return HttpResponseRedirect(here)
        # The page offers the step that fits the books: closing open ones, reopening closed ones.
        step_now = steps.CLOSE_BOOKS if event.closed_at is None else steps.REOPEN_BOOKS
        is_owner = steps.allowed(request.user, step_now, event)
        return self._page(
            request,
            event,
            gettext("Close the books: %(event)s") % {"event": event.name},
            "admin/finance/close_books.html",
            blockers=closing.closing_blockers(event) if event.closed_at is None else [],
            is_owner=is_owner,
        )


class ReimbursementForm(forms.Form):
    account = forms.ModelChoiceField(queryset=Account.objects.none(), widget=forms.HiddenInput, label=_("pocket"))
    event_account = forms.ModelChoiceField(
        queryset=Account.objects.none(), label=_("through"), help_text=_("The event's account that pays or receives.")
    )
    date = forms.DateField(label=_("date"))

    def __init__(self, event: Event, *args, own_accounts: list[Account] | None = None, **kwargs) -> None:
        """``own_accounts``: the event's accounts to pay through, read once for a page of forms
        (``own_accounts_of``); without them the form reads them itself."""
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("date", timezone.localdate(timezone=event.tzinfo))
        super().__init__(*args, **kwargs)
        accounts = Account.objects.filter(event=event)
        cast(forms.ModelChoiceField, self.fields["account"]).queryset = accounts.filter(kind=AccountKind.POCKET)
        field = cast(forms.ModelChoiceField, self.fields["event_account"])
        field.queryset = self.own_accounts_of(event)  # what a POST is validated against
        if own_accounts is None:
            own_accounts = list(field.queryset)
        else:  # a page of forms: the options from the list read once, not a query per form
            field.choices = [("", field.empty_label), *((a.pk, field.label_from_instance(a)) for a in own_accounts)]
        if "event_account" not in self.initial:
            self.initial["event_account"] = next((a.pk for a in own_accounts if a.name == Account.MAIN_NAME), None)

    @staticmethod
    def own_accounts_of(event: Event):
        return Account.objects.filter(event=event, is_active=True).exclude(kind=AccountKind.POCKET).order_by("name")


# --- Transfers ------------------------------------------------------------------------------------


class TransferForm(forms.ModelForm):
    class Meta:
        model = Transfer
        fields = ["event", "from_account", "to_account", "amount", "date", "purpose", "description"]

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data  # Form.clean() returns it, but is typed Optional
        for name in ("from_account", "to_account"):
            account = cleaned.get(name)
            if account is not None and not account.is_active:
                self.add_error(name, _("This account is no longer in use."))
        return cleaned


def _run_on_each(model_admin, request: HttpRequest, objects, step, done_message: Callable[[int], str]) -> None:
    """Apply a service step to each selected object; report what was done and each refusal."""
    done, refused = 0, []
    for obj in objects:
        try:
            step(obj, request.user)
        except (ValidationError, PermissionDenied) as exc:
            refused.append((str(obj), _errors(exc)))
        else:
            done += 1
    if done:
        model_admin.message_user(request, done_message(done) % {"count": done}, messages.SUCCESS)
    if refused:
        model_admin.message_user(
            request,
            format_html(
                "{}<ul>{}</ul>",
                gettext("Refused:"),
                format_html_join("", "<li>{}: {}</li>", refused),
            ),
            messages.ERROR,
        )


@admin.register(Transfer)
class TransferAdmin(EventScopedAdmin):
    form = TransferForm
    list_display = [
        "date",
        "from_account",
        "to_account",
        "money",
        "purpose",
        "status",
        "sent_confirmed_by",
        "received_confirmed_by",
        "event",
    ]
    list_filter = [
        scoped_list_filter("event"),
        "status",
        "purpose",
        scoped_list_filter("from_account"),
        scoped_list_filter("to_account"),
        "date",
    ]
    search_fields = ["description"]
    date_hierarchy = "date"
    autocomplete_fields = ["event"]
    list_select_related = [
        "event",
        "from_account__holder",
        "to_account__holder",
        "sent_confirmed_by",
        "received_confirmed_by",
        "created_by",
    ]
    readonly_fields = [
        "status",
        "created_by",
        "sent_confirmed_by",
        "sent_confirmed_at",
        "received_confirmed_by",
        "received_confirmed_at",
        "created_at",
        "updated_at",
    ]
    fields = [
        "event",
        "from_account",
        "to_account",
        "amount",
        "date",
        "purpose",
        "description",
        *readonly_fields,
    ]
    actions = ["confirm_sent_side", "confirm_received_side", "cancel_transfers"]

    @admin.display(description=_("amount"), ordering="amount")
    def money(self, transfer: Transfer) -> str:
        return format_money(transfer.amount, transfer.event.currency)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        # Once a side confirmed, the transfer is history: cancel it or record a transfer back.
        return super().has_change_permission(request, obj) and (obj is None or transfers.is_editable(obj))

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and (obj is None or transfers.is_deletable(obj))

    def get_actions(self, request: HttpRequest):
        # One by one only: "delete selected" would not ask each transfer whether it may go.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request: HttpRequest, obj: Transfer, form, change: bool) -> None:
        if not change:
            obj.created_by = admin_user(request)
        super().save_model(request, obj, form, change)

    def _selected(self, queryset):
        return queryset.select_related("event", "from_account__holder", "to_account__holder").order_by("date")

    @admin.action(description=_("Confirm the sending side of selected transfers"), permissions=["view"])
    def confirm_sent_side(self, request: HttpRequest, queryset) -> None:
        _run_on_each(
            self,
            request,
            self._selected(queryset),
            transfers.confirm_sent,
            lambda n: ngettext(
                "Sending side confirmed for %(count)d transfer.",
                "Sending side confirmed for %(count)d transfers.",
                n,
            ),
        )

    @admin.action(description=_("Confirm the receiving side of selected transfers"), permissions=["view"])
    def confirm_received_side(self, request: HttpRequest, queryset) -> None:
        _run_on_each(
            self,
            request,
            self._selected(queryset),
            transfers.confirm_received,
            lambda n: ngettext(
                "Receiving side confirmed for %(count)d transfer.",
                "Receiving side confirmed for %(count)d transfers.",
                n,
            ),
        )

    @admin.action(description=_("Cancel selected transfers"), permissions=["view"])
    def cancel_transfers(self, request: HttpRequest, queryset) -> None:
        _run_on_each(
            self,
            request,
            self._selected(queryset),
            transfers.cancel,
            lambda n: ngettext("%(count)d transfer cancelled.", "%(count)d transfers cancelled.", n),
        )


# --- Cash counts ----------------------------------------------------------------------------------


class CashCountForm(forms.ModelForm):
    class Meta:
        model = CashCount
        fields = ["event", "account", "counted_at", "counted_amount", "reason"]

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data  # Form.clean() returns it, but is typed Optional
        account = cleaned.get("account")
        if account is not None and account.kind == AccountKind.POCKET:
            self.add_error("account", _("A pocket account is settled up, not counted."))
        return cleaned


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why the counted amounts differ from the books; booked with each adjustment."),
    )


@admin.register(CashCount)
class CashCountAdmin(EventScopedAdmin):
    form = CashCountForm
    list_display = [
        "counted_at",
        "account",
        "counted",
        "expected",
        "difference_shown",
        "status",
        "counted_by",
        "confirmed_by",
        "event",
    ]
    list_filter = [scoped_list_filter("event"), "status", scoped_list_filter("account"), "counted_at"]
    search_fields = ["reason", "account__name"]
    autocomplete_fields = ["event"]
    list_select_related = ["event", "account", "counted_by", "confirmed_by"]
    readonly_fields = [
        "expected",
        "difference_shown",
        "status",
        "counted_by",
        "confirmed_by",
        "confirmed_at",
        "adjustment",
        "created_at",
    ]
    fields = ["event", "account", "counted_at", "counted_amount", "reason", *readonly_fields]
    actions = ["confirm_counts", "dismiss_counts"]

    @admin.display(description=_("counted"), ordering="counted_amount")
    def counted(self, count: CashCount) -> str:
        return format_money(count.counted_amount, count.event.currency)

    @admin.display(description=_("expected"))
    def expected(self, count: CashCount) -> str:
        if count._state.adding:
            return gettext("The account's balance when the count is saved.")
        return format_money(count.expected_amount, count.event.currency)

    @admin.display(description=_("difference"))
    def difference_shown(self, count: CashCount) -> str:
        if count._state.adding:
            return "—"
        return format_money(count.difference, count.event.currency)

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        # What was counted is a fact: a wrong count is dismissed and counted again.
        return [*readonly, "account", "counted_at", "counted_amount"] if obj is not None else readonly

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return super().has_change_permission(request, obj) and (obj is None or custody.is_editable(obj))

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and (obj is None or custody.is_editable(obj))

    def get_actions(self, request: HttpRequest):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request: HttpRequest, obj: CashCount, form, change: bool) -> None:
        if not change:
            # As finance.services.custody.record_count: the books' balance right now is expected.
            obj.counted_by = admin_user(request)
            obj.expected_amount = balance_of(obj.account)
        super().save_model(request, obj, form, change)

    def _selected(self, queryset):
        return list(queryset.select_related("event", "account", "counted_by").order_by("counted_at"))

    @admin.action(description=_("Confirm selected counts (books each difference)"), permissions=["view"])
    def confirm_counts(self, request: HttpRequest, queryset):
        counts = self._selected(queryset)
        unexplained = [c for c in counts if c.status == CountStatus.PENDING and c.difference and not c.reason.strip()]
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if unexplained and not form.is_valid():
            # A difference is booked with a reason: ask for it before confirming anything.
            context = {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": gettext("Why do the counts differ?"),
                "form": form,
                "counts": [
                    (c, format_money(c.counted_amount, c.event.currency), format_money(c.difference, c.event.currency))
                    for c in counts
                ],
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "action": "confirm_counts",
            }
            return TemplateResponse(request, "admin/finance/cashcount/confirm_counts.html", context)
        reason = form.cleaned_data["reason"] if form.is_bound and form.is_valid() else ""
        _run_on_each(
            self,
            request,
            counts,
            lambda count, user: custody.confirm_count(count, user, reason=reason),
            lambda n: ngettext("%(count)d count confirmed.", "%(count)d counts confirmed.", n),
        )
        return None

    @admin.action(description=_("Dismiss selected counts (nothing is booked)"), permissions=["view"])
    def dismiss_counts(self, request: HttpRequest, queryset) -> None:
        _run_on_each(
            self,
            request,
            self._selected(queryset),
            custody.dismiss_count,
            lambda n: ngettext("%(count)d count dismissed.", "%(count)d counts dismissed.", n),
        )
