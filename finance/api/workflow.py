"""Workflow actions in the API: each asks its named permission (finance/rules.py) on the record
read once for the request, and a refusal says why."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.exceptions import APIException

from finance import rules as steps
from finance.models.ledger import LockedEntryError


class EntryLocked(APIException):
    """409: the entry is approved or paid; it is corrected by a reversal, never changed or deleted."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = _("Approved and paid entries cannot be changed or deleted: correct them with a reversal.")
    default_code = "locked"


@contextmanager
def as_api_errors() -> Iterator[None]:
    """The workflow's refusals with their messages: role → 403, locked → 409 (bad state stays 400)."""
    try:
        yield
    except LockedEntryError as exc:
        raise EntryLocked(exc.messages[0]) from exc
    except DjangoPermissionDenied as exc:
        # DRF's own handler would drop the message of Django's PermissionDenied.
        raise exceptions.PermissionDenied(str(exc) or None) from exc


class WorkflowViewSetMixin:
    """For an EventScopedViewSet whose ``permission_type_map`` names workflow actions after their
    permissions (``"approve": "approve"`` asks ``finance.approve_transaction``). The record is
    read once per request (the permission check and the action share it); the service re-reads
    it under its compare-and-swap and asks the permission again."""

    workflow_actions: tuple[str, ...] = ()
    # Set by the EventScopedViewSet this mixes into (DRF per request, the subclass per model).
    action: str
    model: type[Any]

    def get_object(self):
        record = getattr(self, "_record", None)
        if record is None:
            record = self._record = super().get_object()  # type: ignore[misc]  # the viewset's
        return record

    def forget_read_records(self) -> None:
        # Before a write is tried again (geventator.api.RetriedWrites): read the record anew.
        self._record = None

    def initial(self, request, *args, **kwargs) -> None:
        try:
            super().initial(request, *args, **kwargs)  # type: ignore[misc]  # the viewset's
        except DjangoPermissionDenied:
            record = getattr(self, "_record", None)
            if record is not None:
                with as_api_errors():
                    self.explain_refusal(request.user, record)
            raise

    def explain_refusal(self, user, record) -> None:
        """Raise the refusal with its reason (the permission already said no)."""
        if self.action in self.workflow_actions:
            raise steps.refusal(user, self.model.get_perm(self.action), record)
