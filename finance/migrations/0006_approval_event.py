"""Approvals keep their transaction's event (finance.models.ledger.Approval.event).

Added empty, filled from each approval's transaction (and, for the history, from the
transaction's history, which outlives deleted transactions), then required.
"""

import django.db.models.deletion
from django.db import migrations, models


def fill_events(apps, schema_editor):
    Approval = apps.get_model("finance", "Approval")
    Transaction = apps.get_model("finance", "Transaction")
    HistoricalApproval = apps.get_model("finance", "HistoricalApproval")
    HistoricalTransaction = apps.get_model("finance", "HistoricalTransaction")
    # One update per event, not per row (works the same on SQLite and MongoDB).
    for event_id in Transaction.objects.order_by().values_list("event_id", flat=True).distinct():
        ids = list(Transaction.objects.filter(event_id=event_id).values_list("pk", flat=True))
        Approval.objects.filter(transaction_id__in=ids).update(event_id=event_id)
    for event_id in HistoricalTransaction.objects.order_by().values_list("event_id", flat=True).distinct():
        ids = list(set(HistoricalTransaction.objects.filter(event_id=event_id).values_list("id", flat=True)))
        HistoricalApproval.objects.filter(transaction_id__in=ids).update(event_id=event_id)


class Migration(migrations.Migration):
    dependencies = [
        ("finance", "0005_account_settled_up_at"),
        ("organizers", "__first__"),
    ]

    operations = [
        migrations.AddField(
            model_name="approval",
            name="event",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="organizers.event",
                verbose_name="event",
            ),
        ),
        migrations.AddField(
            model_name="historicalapproval",
            name="event",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="organizers.event",
                verbose_name="event",
            ),
        ),
        migrations.RunPython(fill_events, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="approval",
            name="event",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="organizers.event",
                verbose_name="event",
            ),
        ),
    ]
