"""Background work on the task queue (django-tasks): the one way the apps enqueue a task.

`enqueue_after_commit(task, *args, **kwargs)` enqueues once the current write (geventator.db.atomic,
on both stores) commits, at once outside a transaction: a worker never sees a task for rows that
were rolled back, and nothing slow runs inside the request. The worker is `manage.py db_worker` (started by `make run`).
"""

from typing import Any

from django.db import transaction
from django_tasks import task
from django_tasks.base import Task


def enqueue_after_commit(task_: Task[Any, Any], *args: Any, **kwargs: Any) -> None:
    transaction.on_commit(lambda: task_.enqueue(*args, **kwargs))


@task()
def ping(value: str) -> str:
    """A no-op task: checks that the queue and its worker run (tests, deploy checks)."""
    return value
