"""Files that prove a transaction: invoices, tickets, bank slips."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from rules.contrib.models import RulesModel

from finance.models.fields import ActorField
from organizers import rules as perms
from organizers.scoping import EventScopedManager


def receipt_path(receipt: Receipt, filename: str) -> str:
    # Never the uploader's name on disk: it may carry path tricks or personal data.
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"receipts/{receipt.event_id}/{receipt.id}.{extension}"


class Receipt(RulesModel):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Kept beside the transaction's event for scoping without a join.
    event = models.ForeignKey(
        "organizers.Event", on_delete=models.PROTECT, related_name="receipts", verbose_name=_("event")
    )
    transaction = models.ForeignKey(
        "finance.Transaction", on_delete=models.CASCADE, related_name="receipts", verbose_name=_("transaction")
    )
    file = models.FileField(_("file"), upload_to=receipt_path, max_length=300)
    original_name = models.CharField(_("original name"), max_length=255, editable=False)
    content_type = models.CharField(_("content type"), max_length=100, editable=False)
    size = models.PositiveIntegerField(_("size in bytes"), editable=False)
    uploaded_by = ActorField(_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    objects = EventScopedManager()

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        ordering = ["uploaded_at"]
        indexes = [models.Index(fields=["transaction", "uploaded_at"])]
        rules_permissions = {
            "add": perms.finance_writable(perms.is_organizer),
            "view": perms.is_viewer,
            "change": perms.finance_writable(perms.is_treasurer),
            "delete": perms.finance_writable(perms.is_treasurer),
        }

    def __str__(self) -> str:
        return self.original_name

    def clean(self) -> None:
        """A new file is judged by finance.receipts.check_upload, which also names, types and
        sizes it; the receipt belongs to its transaction's event."""
        from finance.receipts import check_upload

        errors: dict[str, object] = {}
        if self.transaction_id:
            if self._state.adding:
                self.event_id = self.transaction.event_id
            elif self.event_id != self.transaction.event_id:
                errors["transaction"] = _("A receipt cannot move to another event's transaction.")
        if self.file and not self.file._committed:
            try:
                checked = check_upload(self.file.file)
            except ValidationError as exc:
                errors["file"] = exc.messages
            else:
                self.original_name = checked.original_name
                self.content_type = checked.content_type
                self.size = checked.size
        if errors:
            raise ValidationError(errors)


@receiver(post_delete, sender=Receipt, dispatch_uid="finance.receipt.delete_file")
def _delete_the_file_with_its_receipt(sender, instance: Receipt, using: str, **kwargs) -> None:
    # Also when the receipt goes with its transaction (cascade).
    from finance.receipts import delete_file_after_commit

    delete_file_after_commit(instance.file.name, instance.file.storage, using)
