"""Receipt files in the admin: uploaded on the transaction's page, downloaded through the checked view.

Stored files are never linked by their storage path (nothing serves MEDIA_ROOT); every link goes to
the download view, which checks the event role. Receipts are not edited: a wrong one is deleted
(treasurers) and the right file uploaded.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.formsets import INITIAL_FORM_COUNT, TOTAL_FORM_COUNT
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from finance.models import Receipt
from finance.receipts import ALLOWED_EXTENSIONS, FILE_TYPES, delete_stored_file, download_url, save_receipt
from organizers.admin_mixins import EventScopedAdmin, admin_user, scoped_list_filter

ACCEPT = ",".join([*(f".{ext}" for ext in ALLOWED_EXTENSIONS), *(kind.content_type for kind in FILE_TYPES)])


class _NoInput(forms.Widget):
    """A stored receipt's file is not replaced: its row shows the download link instead."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        return SafeString("")

    def value_omitted_from_data(self, data, files, name) -> bool:
        return True


class ReceiptForm(forms.ModelForm):
    class Meta:
        model = Receipt
        fields = ["file"]
        widgets = {"file": forms.FileInput(attrs={"accept": ACCEPT})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance._state.adding and "file" in self.fields:
            self.fields["file"].disabled = True
            self.fields["file"].required = False
            self.fields["file"].widget = _NoInput()


class ReceiptColumns:
    @admin.display(description=_("receipt"))
    def download(self, receipt: Receipt) -> str:
        if receipt._state.adding:
            return "—"
        return format_html('<a href="{}">{}</a>', download_url(receipt), receipt.original_name)

    @admin.display(description=_("size"), ordering="size")
    def size_display(self, receipt: Receipt) -> str:
        return "—" if receipt._state.adding else filesizeformat(receipt.size)


class ReceiptInline(ReceiptColumns, admin.TabularInline):
    """On the transaction's page: its receipts (links to the download view) and an upload field.

    Permissions follow the rules with the transaction as the object: members see the receipts,
    organizers upload, treasurers delete.
    """

    model = Receipt
    form = ReceiptForm
    extra = 1
    readonly_fields = ["download", "content_type", "size_display", "uploaded_by", "uploaded_at"]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("uploaded_by")

    def _has(self, request: HttpRequest, action: str, obj=None) -> bool:
        return request.user.has_perm(Receipt.get_perm(action), obj)

    def get_fields(self, request: HttpRequest, obj=None):
        # Who may not upload sees no file field at all: Django would show a read-only file as a
        # link to its storage path, which nothing serves.
        upload = ["file"] if self.has_add_permission(request, obj) else []
        return [*upload, *self.readonly_fields]

    def get_extra(self, request: HttpRequest, obj=None, **kwargs) -> int:
        return 1 if self.has_add_permission(request, obj) else 0

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._has(request, "view", obj)

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._has(request, "add", obj)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        # Stored rows are never changed (ReceiptForm shows no input for them); "change" here
        # only lets the rows of the formset be posted alongside a new upload.
        return self.has_add_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._has(request, "delete", obj)

    def get_formset(self, request: HttpRequest, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        user = request.user

        class ReceiptFormSet(formset):  # type: ignore[valid-type,misc]  # the admin builds the base per request
            def __init__(self, data=None, files=None, *args, prefix=None, **kwargs) -> None:
                # A post of the transaction's form without the receipts part (a script, a form
                # saved before receipts existed) changes no receipt, rather than failing the
                # whole form on a missing management form.
                prefix = prefix or self.get_default_prefix()
                if data is not None and f"{prefix}-{TOTAL_FORM_COUNT}" not in data:
                    data = data.copy()
                    data[f"{prefix}-{TOTAL_FORM_COUNT}"] = "0"
                    data[f"{prefix}-{INITIAL_FORM_COUNT}"] = "0"
                super().__init__(data, files, *args, prefix=prefix, **kwargs)

            def save_new(self, form, commit=True):
                form.instance.uploaded_by = user
                # On the add page the transaction did not exist when the form was validated.
                form.instance.event_id = self.instance.event_id
                try:
                    return super().save_new(form, commit=commit)
                except BaseException:
                    # The file is written before the row: do not leave it behind.
                    if form.instance.file and form.instance.file._committed:
                        delete_stored_file(form.instance.file.name, form.instance.file.storage)
                    raise

        return ReceiptFormSet


@admin.register(Receipt)
class ReceiptAdmin(ReceiptColumns, EventScopedAdmin):
    list_display = ["download", "transaction", "content_type", "size_display", "uploaded_by", "uploaded_at", "event"]
    list_filter = [scoped_list_filter("event"), "content_type", "uploaded_at"]
    list_select_related = ["event", "transaction", "uploaded_by"]
    search_fields = ["original_name", "transaction__description"]
    autocomplete_fields = ["transaction"]
    date_hierarchy = "uploaded_at"

    def get_fields(self, request: HttpRequest, obj=None):
        if obj is None:
            return ["transaction", "file"]
        return ["download", "transaction", "content_type", "size_display", "uploaded_by", "uploaded_at"]

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        if obj is None:
            return []
        return ["download", "transaction", "content_type", "size_display", "uploaded_by", "uploaded_at"]

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # a receipt is replaced (delete, upload), never edited

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs):
        if obj is not None:
            return super().get_form(request, obj, change, **kwargs)
        kwargs["form"] = ReceiptForm
        kwargs["fields"] = ["transaction", "file"]
        form = super().get_form(request, obj, change, **kwargs)
        user = request.user

        class UploadForm(form):  # type: ignore[valid-type,misc]  # the admin builds the base per request
            def clean_transaction(self):
                transaction = self.cleaned_data["transaction"]
                if transaction is not None and not user.has_perm(Receipt.get_perm("add"), transaction):
                    raise ValidationError(_("Your role in this transaction's event does not allow adding receipts."))
                return transaction

        return UploadForm

    def save_model(self, request: HttpRequest, obj: Receipt, form, change: bool) -> None:
        if not change:
            obj.uploaded_by = admin_user(request)
        save_receipt(obj)
