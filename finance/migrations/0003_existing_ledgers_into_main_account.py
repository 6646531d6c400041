"""Ledgers written before accounts existed: every entry into its event's main account, booked."""

from decimal import ROUND_HALF_EVEN, Decimal

from babel.numbers import get_currency_precision
from django.db import migrations

EXPENSE_KINDS = {"purchase", "investment"}


def forwards(apps, schema_editor):
    Account = apps.get_model("finance", "Account")
    Transaction = apps.get_model("finance", "Transaction")
    Event = apps.get_model("organizers", "Event")
    event_ids = set(Transaction.objects.filter(account__isnull=True).values_list("event_id", flat=True))
    for event in Event.objects.filter(pk__in=list(event_ids)):
        account, _ = Account.objects.get_or_create(event=event, name="Main account", defaults={"kind": "bank"})
        unit = Decimal(1).scaleb(-get_currency_precision(event.currency))
        for entry in Transaction.objects.filter(event=event, account__isnull=True):
            base = Decimal(entry.amount).quantize(unit, rounding=ROUND_HALF_EVEN)
            entry.account = account
            # Before the approval workflow every entry counted: keep it counting.
            entry.status = "paid"
            entry.base_amount = base
            entry.signed_amount = -base if entry.kind in EXPENSE_KINDS else base
            entry.save(update_fields=["account", "status", "base_amount", "signed_amount"])


class Migration(migrations.Migration):
    dependencies = [("finance", "0002_accounts_budgets_parties_receipts_workflow")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
