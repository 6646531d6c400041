"""The expense workflow in the Transaction admin: step pages, bulk actions and locked entries.

Kept out of finance/admin/ledger.py so the admin class only names the mixin. A step's button and page
are offered only when its named permission (finance/rules.py) holds; every step goes through
finance/services/approvals.py, which asks the same permission and judges states; the pages here
only ask for what a step needs (a reason) and report what the service said.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from finance import rules as steps
from finance.models import EXPENSE_KINDS, Approval, Status, Transaction
from finance.models.ledger import LOCKED_STATUSES, LockedEntryError
from finance.services import approvals
from geventator.db import atomic
from organizers.admin_mixins import ModelAdminBase

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

LOCKED_NOTE = _(
    "This entry is approved or paid: it is locked and cannot be changed or deleted. Correct it with a "
    "reversal (a new entry with the negated amount)."
)


class NoInputForm(forms.Form):
    pass


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class ApproveForm(forms.Form):
    override_reason = forms.CharField(
        label=_("Reason to go beyond the budget"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Owners only, and only needed when the expense would take its category over its budget."),
    )


@dataclass(frozen=True)
class Step:
    title: StrOrPromise
    button: StrOrPromise
    form: type[forms.Form]
    run: Callable[[Transaction, object, dict], Transaction]
    done: StrOrPromise


STEPS: dict[str, Step] = {
    "submit": Step(
        _("Submit for approval"),
        _("Submit"),
        NoInputForm,
        lambda tx, user, data: approvals.submit(tx, user),
        _("The expense was submitted for approval."),
    ),
    "approve": Step(
        _("Approve"),
        _("Approve"),
        ApproveForm,
        lambda tx, user, data: approvals.approve(tx, user, data.get("override_reason", "")),
        _("Your approval was recorded."),
    ),
    "reject": Step(
        _("Reject"),
        _("Reject"),
        ReasonForm,
        lambda tx, user, data: approvals.reject(tx, user, data["reason"]),
        _("The expense was rejected."),
    ),
    "pay": Step(
        _("Mark as paid"),
        _("Mark as paid"),
        NoInputForm,
        lambda tx, user, data: approvals.mark_paid(tx, user),
        _("The expense was marked as paid."),
    ),
    "reverse": Step(
        _("Reverse"),
        _("Reverse"),
        ReasonForm,
        lambda tx, user, data: approvals.reverse(tx, user, data["reason"]),
        _("The reversing entry was recorded."),
    ),
}


STEP_PERMISSIONS = {
    "submit": steps.SUBMIT,
    "approve": steps.APPROVE,
    "reject": steps.REJECT,
    "pay": steps.PAY,
    "reverse": steps.REVERSE,
}


def _messages_of(exc: ValidationError | PermissionDenied) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or gettext("Your role in this event does not allow this.")


class TransactionWorkflowAdminMixin(ModelAdminBase):
    """Adds the workflow to TransactionAdmin (a subclass of EventScopedAdmin)."""

    change_form_template = "admin/finance/transaction/change_form.html"

    actions = [
        "submit_selected",
        "approve_selected",
        "reject_selected",
        "mark_paid_selected",
        "reverse_selected",
    ]

    # --- Who may take a step: its named permission (finance/rules.py) ------------------------

    def _allows(self, request: HttpRequest, step: str, tx: Transaction | None = None) -> bool:
        """The step's permission on ``tx``, or (None) in at least one event (the action list)."""
        return steps.allowed(request.user, STEP_PERMISSIONS[step], tx)

    def has_submit_permission(self, request: HttpRequest) -> bool:
        return self._allows(request, "submit")

    def has_approve_permission(self, request: HttpRequest) -> bool:
        return self._allows(request, "approve")

    def has_treasury_permission(self, request: HttpRequest) -> bool:
        return self._allows(request, "pay")

    def _available_steps(self, request: HttpRequest, tx: Transaction) -> list[str]:
        """The steps the entry's state allows and the user's role permits (for the buttons)."""
        expense = tx.kind in EXPENSE_KINDS
        by_state = {
            "submit": expense and tx.status in {Status.DRAFT, Status.REJECTED},
            "approve": expense and tx.status == Status.SUBMITTED,
            "reject": expense and tx.status == Status.SUBMITTED,
            "pay": expense and tx.status == Status.APPROVED and tx.reversal_of_id is None,
            "reverse": tx.status in LOCKED_STATUSES
            and tx.reversal_of_id is None
            and not Transaction.objects.filter(reversal_of_id=tx.pk).exists(),
        }
        return [step for step, possible in by_state.items() if possible and self._allows(request, step, tx)]

    # --- Locked entries ------------------------------------------------------------------------

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and obj.is_locked:
            # All its fields are read-only (get_readonly_fields); "change" here only lets whoever
            # may correct it (by a reversal) add receipts to it.
            return self._allows(request, "reverse", obj)
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and obj.is_locked:
            return False  # superusers included: a locked entry is corrected by a reversal
        return super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is None:
            return readonly
        readonly += ["workflow_state", "approvals_list"]
        if obj.is_locked:
            every = [name for _title, options in self.get_fieldsets(request, obj) for name in options["fields"]]
            readonly += [name for name in every if name not in readonly]
        return readonly

    def save_model(self, request: HttpRequest, obj: Transaction, form, change: bool) -> None:
        if change and obj.is_locked:
            # Nothing of the entry could be edited: only its receipts (the inline) are saved.
            self.message_user(request, gettext("The entry is locked: only its receipts were saved."), messages.INFO)
            return
        was_submitted = change and obj.status == Status.SUBMITTED
        super().save_model(request, obj, form, change)
        if was_submitted and obj.status == Status.DRAFT:
            self.message_user(
                request,
                gettext("Its amounts changed, so the expense is a draft again: its approvals were withdrawn."),
                messages.WARNING,
            )

    def changeform_view(self, request: HttpRequest, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except LockedEntryError as exc:
            # Approved (or changed) by someone else while this form was open: nothing was saved.
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return HttpResponseRedirect(request.path)

    def delete_view(self, request: HttpRequest, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and obj.is_locked and self.has_view_permission(request, obj):
            self.message_user(request, LOCKED_NOTE, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:finance_transaction_change", args=[obj.pk]))
        try:
            return super().delete_view(request, object_id, extra_context)
        except LockedEntryError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:finance_transaction_changelist"))

    def get_actions(self, request: HttpRequest):
        actions = super().get_actions(request)
        if (delete := actions.get("delete_selected")) is not None:
            _function, name, description = delete
            actions["delete_selected"] = (type(self).delete_unlocked_selected, name, description)
        return actions

    def delete_unlocked_selected(self, request: HttpRequest, queryset):
        """Django's "delete selected", refused as a whole when any selected entry is locked."""
        headline = gettext("Nothing was deleted: approved and paid entries are corrected by a reversal, not deleted.")
        locked = [tx for tx in queryset.select_related("event") if tx.is_locked]
        if locked:
            self._report(request, headline, [(tx, gettext("locked")) for tx in locked])
            return None
        try:
            return delete_selected(self, request, queryset)
        except LockedEntryError:
            # One was approved between the check above and the deletion: all were kept.
            self.message_user(request, headline, messages.ERROR)
            return None

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        # One by one through the model, which refuses locked entries: the whole deletion is undone
        # if one was approved meanwhile (a queryset delete would not ask the model).
        ids = list(queryset.values_list("pk", flat=True))
        with atomic():
            for tx in Transaction.objects.filter(pk__in=ids):
                tx.delete()

    # --- The change page -------------------------------------------------------------------------

    @admin.display(description=_("workflow"))
    def workflow_state(self, tx: Transaction) -> str:
        if tx._state.adding:
            return "—"
        notes = [tx.get_status_display()]
        if tx.is_locked:
            notes.append(str(LOCKED_NOTE))
        if tx.status == Status.SUBMITTED:
            needed = approvals.approvals_needed(tx)
            notes.append(gettext("%(count)d of %(needed)d approvals.") % {"count": tx.approval_count, "needed": needed})
        if tx.status == Status.REJECTED and tx.rejection_reason:
            notes.append(gettext("Rejected: %(reason)s") % {"reason": tx.rejection_reason})
        return format_html_join("", "<p>{}</p>", ((note,) for note in notes))

    @admin.display(description=_("approvals"))
    def approvals_list(self, tx: Transaction) -> str:
        if tx._state.adding:
            return "—"
        rows = Approval.objects.filter(transaction_id=tx.pk).select_related("approver").order_by("created_at")
        # When, in the event's time zone (named: the reader may be elsewhere).
        tz = tx.event.tzinfo
        items = [
            (approval.approver, f"{date_format(approval.created_at.astimezone(tz), 'DATETIME_FORMAT')} ({tz.key})")
            for approval in rows
        ]
        if not items:
            return gettext("None yet.")
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{} — {}</li>", items))

    def get_fieldsets(self, request: HttpRequest, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is None:
            return fieldsets
        return [(_("Workflow"), {"fields": ["workflow_state", "approvals_list"]}), *fieldsets]

    def render_change_form(self, request: HttpRequest, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            # The steps this user may take now, as buttons beside "History" (change_form.html).
            context["workflow_buttons"] = [
                (reverse(f"admin:finance_transaction_{step}", args=[obj.pk]), STEPS[step].button)
                for step in self._available_steps(request, obj)
            ]
        return super().render_change_form(request, context, add, change, form_url, obj)

    # --- One entry, one step: the page behind the change page's buttons ----------------------------

    def get_urls(self):
        own = [
            path(
                f"<path:object_id>/{step}/",
                self.admin_site.admin_view(self.step_view),
                {"step": step},
                name=f"finance_transaction_{step}",
            )
            for step in STEPS
        ]
        return own + super().get_urls()

    def step_view(self, request: HttpRequest, object_id: str, step: str) -> HttpResponse:
        spec = STEPS.get(step)
        if spec is None:
            raise Http404
        if not self._allows(request, step):
            raise PermissionDenied  # a role too low in every event, before looking the entry up
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)  # type: ignore[attr-defined]
        if not self._allows(request, step, obj):
            raise PermissionDenied
        form = spec.form(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                result = spec.run(obj, request.user, form.cleaned_data)
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for field, errors in exc.error_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, exc)
            except PermissionDenied as exc:
                form.add_error(None, _messages_of(exc))
            else:
                self.message_user(request, spec.done, messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:finance_transaction_change", args=[result.pk]))
        return self._step_page(request, spec.title, [obj], form, spec.button)

    def _step_page(self, request, title, transactions, form, button, action: str | None = None) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "transactions": transactions,
            "form": form,
            "button": button,
            "action": action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/finance/transaction/workflow_step.html", context)

    # --- Bulk actions: each entry judged on its own ----------------------------------------------

    def _report(self, request: HttpRequest, headline: str, refusals: list[tuple[Transaction, str]]) -> None:
        self.message_user(
            request,
            format_html("{}<ul>{}</ul>", headline, format_html_join("", "<li>{}: {}</li>", refusals)),
            messages.ERROR,
        )

    def _each(self, request: HttpRequest, queryset, run) -> tuple[list[Transaction], list[tuple[Transaction, str]]]:
        """Runs the step on every selected entry, each in its own transaction (all or nothing per
        entry); returns the results and the refusals with their reasons."""
        done, refused = [], []
        for tx in queryset.select_related("event").order_by("date", "created_at"):
            try:
                done.append(run(tx))
            except (ValidationError, PermissionDenied) as exc:
                refused.append((tx, _messages_of(exc)))
        if refused:
            self._report(request, gettext("Refused:"), refused)
        return done, refused

    @admin.action(description=_("Submit selected expenses for approval"), permissions=["submit"])
    def submit_selected(self, request: HttpRequest, queryset) -> None:
        done, _refused = self._each(request, queryset, lambda tx: approvals.submit(tx, request.user))
        if done:
            message = ngettext("%(count)d expense submitted.", "%(count)d expenses submitted.", len(done))
            self.message_user(request, message % {"count": len(done)}, messages.SUCCESS)

    @admin.action(description=_("Approve selected expenses"), permissions=["approve"])
    def approve_selected(self, request: HttpRequest, queryset) -> None:
        done, _refused = self._each(request, queryset, lambda tx: approvals.approve(tx, request.user))
        approved = sum(1 for tx in done if tx.status == Status.APPROVED)
        waiting = len(done) - approved
        if approved:
            message = ngettext("%(count)d expense approved.", "%(count)d expenses approved.", approved)
            self.message_user(request, message % {"count": approved}, messages.SUCCESS)
        if waiting:
            message = ngettext(
                "%(count)d approval recorded; that expense needs a second, different approver.",
                "%(count)d approvals recorded; those expenses need a second, different approver.",
                waiting,
            )
            self.message_user(request, message % {"count": waiting}, messages.SUCCESS)

    @admin.action(description=_("Mark selected expenses as paid"), permissions=["treasury"])
    def mark_paid_selected(self, request: HttpRequest, queryset) -> None:
        done, _refused = self._each(request, queryset, lambda tx: approvals.mark_paid(tx, request.user))
        if done:
            message = ngettext("%(count)d expense marked as paid.", "%(count)d expenses marked as paid.", len(done))
            self.message_user(request, message % {"count": len(done)}, messages.SUCCESS)

    def _with_reason(self, request: HttpRequest, queryset, step: str, run, done_message: Callable[[int], str]):
        """An action that first asks for a reason (an intermediate page), then runs the step."""
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            done, _refused = self._each(request, queryset, lambda tx: run(tx, form.cleaned_data["reason"]))
            if done:
                self.message_user(request, done_message(len(done)) % {"count": len(done)}, messages.SUCCESS)
            return None
        transactions = list(queryset.select_related("event").order_by("date", "created_at"))
        return self._step_page(
            request, STEPS[step].title, transactions, form, STEPS[step].button, action=f"{step}_selected"
        )

    @admin.action(description=_("Reject selected expenses (asks for a reason)"), permissions=["approve"])
    def reject_selected(self, request: HttpRequest, queryset):
        return self._with_reason(
            request,
            queryset,
            "reject",
            lambda tx, reason: approvals.reject(tx, request.user, reason),
            lambda count: ngettext("%(count)d expense rejected.", "%(count)d expenses rejected.", count),
        )

    @admin.action(description=_("Reverse selected entries (asks for a reason)"), permissions=["treasury"])
    def reverse_selected(self, request: HttpRequest, queryset):
        return self._with_reason(
            request,
            queryset,
            "reverse",
            lambda tx, reason: approvals.reverse(tx, request.user, reason),
            lambda count: ngettext("%(count)d entry reversed.", "%(count)d entries reversed.", count),
        )
