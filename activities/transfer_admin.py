"""Import/export buttons on the Activity changelist (django-import-export), scoped by role.

Kept out of activities/admin.py so the admin class only names the mixin. Export holds the rows of
the changelist (the user's events, filters applied); import is offered to organizers and above,
and each row may only go to an event where the user has that role (ActivityResource checks).
"""

from __future__ import annotations

from django.http import HttpRequest
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV
from import_export.forms import ImportForm

from activities.transfer import ActivityResource
from geventator.spreadsheets import check_row_count, check_upload_size
from organizers import rules as perms


class SizeLimitedImportForm(ImportForm):
    """The admin's import form, refusing a file above IMPORT_MAX_UPLOAD_SIZE or IMPORT_MAX_ROWS
    (a form error)."""

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        check_upload_size(upload)
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            text = ""  # import-export's own reading reports the encoding
        finally:
            upload.seek(0)
        check_row_count(text)
        return upload


class ActivityImportExportMixin(ImportExportMixin):
    resource_classes = [ActivityResource]
    import_form_class = SizeLimitedImportForm
    formats = [CSV]
    import_formats = [CSV]
    export_formats = [CSV]

    def get_import_resource_kwargs(self, request: HttpRequest, **kwargs) -> dict:
        return {**super().get_import_resource_kwargs(request, **kwargs), "user": request.user}

    def get_export_resource_kwargs(self, request: HttpRequest, **kwargs) -> dict:
        return {**super().get_export_resource_kwargs(request, **kwargs), "user": request.user}

    def has_import_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser or bool(perms.events_with_role(request.user, "organizer"))

    def has_export_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def get_export_queryset(self, request: HttpRequest):
        # The changelist's rows (already limited to the user's events), with what the columns read.
        return super().get_export_queryset(request).select_related("event", "location")
