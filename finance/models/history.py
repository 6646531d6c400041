"""Every change to a finance record is kept (django-simple-history): who, when, what changed.

Each model below gets a historical model (``finance.HistoricalTransaction``, ...) holding a copy of
the record after every save and delete through the ORM, with the signed-in user (admin and API:
``HistoryRequestMiddleware``) and the time. Bulk ``update()``/``bulk_create()`` bypass it, so
state changes end with a ``save()``. Shown by the admin's "History" page and the API's
``/history/`` actions (organizers/history.py).
"""

from __future__ import annotations

from django.db import models
from django.db.models.signals import post_delete
from django.dispatch import receiver
from simple_history import register

from finance.models.accounts import Account, CashCount, Transfer
from finance.models.budgets import BudgetLine
from finance.models.ledger import Approval, Category, Transaction
from finance.models.parties import Party, Pledge
from finance.models.receipts import Receipt
from organizers.history import history_model, ordered_uuid
from organizers.models import Event

TRACKED = (Category, Account, Transaction, Approval, Transfer, CashCount, BudgetLine, Party, Pledge, Receipt)

for _model in TRACKED:
    register(
        _model,
        app="finance",
        # UUID keys like every record here, in the order they were written (organizers/history.py).
        history_id_field=models.UUIDField(primary_key=True, default=ordered_uuid, editable=False),
    )


@receiver(post_delete, sender=Event, dispatch_uid="finance_history_goes_with_its_event")
def _forget_history_of_deleted_event(sender, instance: Event, **kwargs) -> None:
    """Deleting an event (only possible once archived, with its ledger) deletes its ledger's history
    too: nobody could see it any more, and it would keep the people and amounts that were meant to go."""
    for model in TRACKED:
        history_model(model).objects.filter(event_id=instance.pk).delete()
