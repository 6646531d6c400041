"""django-tasks-db's task results on MongoDB: its own migrations create an index over ordering
expressions (F("priority").desc(), ...), which the MongoDB backend turns into an empty key and
refuses. Here the state is the package's model as it is (so makemigrations sees no change), and
the collection gets the same index over plain fields."""

import uuid

import django_tasks_db.models
from django.db import migrations, models
from django.db.models import F, Q


def _fields() -> list[tuple[str, models.Field]]:  # type: ignore[type-arg]
    return [
        ("id", models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
        (
            "status",
            models.CharField(
                choices=[
                    ("READY", "Ready"),
                    ("RUNNING", "Running"),
                    ("FAILED", "Failed"),
                    ("SUCCESSFUL", "Successful"),
                ],
                default="READY",
                max_length=10,
                verbose_name="status",
            ),
        ),
        ("enqueued_at", models.DateTimeField(auto_now_add=True, verbose_name="enqueued at")),
        ("started_at", models.DateTimeField(null=True, verbose_name="started at")),
        ("finished_at", models.DateTimeField(null=True, verbose_name="finished at")),
        ("args_kwargs", models.JSONField(verbose_name="args kwargs")),
        ("priority", models.IntegerField(default=0, verbose_name="priority")),
        ("task_path", models.TextField(verbose_name="task path")),
        ("worker_ids", models.JSONField(default=list, verbose_name="worker id")),
        ("queue_name", models.CharField(default="default", max_length=32, verbose_name="queue name")),
        ("backend_name", models.CharField(max_length=32, verbose_name="backend name")),
        ("run_after", models.DateTimeField(verbose_name="run after")),
        ("return_value", models.JSONField(default=None, null=True, verbose_name="return value")),
        ("exception_class_path", models.TextField(verbose_name="exception class path")),
        ("traceback", models.TextField(verbose_name="traceback")),
    ]


_ORDERING = [F("priority").desc(), F("run_after").asc(), F("enqueued_at").asc()]
_OTHER_INDEXES = [
    models.Index(fields=["queue_name"], name="django_task_queue_n_99c321_idx"),
    models.Index(fields=["backend_name"], name="django_task_backend_071754_idx"),
]


class Migration(migrations.Migration):
    initial = True

    dependencies: list[tuple[str, str]] = []

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="DBTaskResult",
                    fields=_fields(),
                    options={
                        "verbose_name": "Task Result",
                        "verbose_name_plural": "Task Results",
                        "ordering": _ORDERING,
                        "indexes": [
                            django_tasks_db.models.ConditionalPartialIndex(
                                "status",
                                *_ORDERING,
                                condition=Q(status="READY"),
                                name="tasks_db_new_ordering_idx",
                            ),
                            *_OTHER_INDEXES,
                        ],
                        "constraints": [
                            models.CheckConstraint(
                                condition=Q(priority__range=(-100, 100)), name="priority_range"
                            )
                        ],
                    },
                )
            ],
            database_operations=[
                migrations.CreateModel(
                    name="DBTaskResult",
                    fields=_fields(),
                    options={
                        "indexes": [
                            models.Index(
                                fields=["status", "-priority", "run_after", "enqueued_at"],
                                name="tasks_db_new_ordering_idx",
                            ),
                            *_OTHER_INDEXES,
                        ]
                    },
                )
            ],
        )
    ]
