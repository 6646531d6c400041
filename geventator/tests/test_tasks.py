"""The task queue: django-tasks' database backend and a real worker run, on both stores."""

import pytest
from django.core.management import call_command
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from geventator.db import atomic
from geventator.tasks import enqueue_after_commit, ping

pytestmark = pytest.mark.django_db(transaction=True)


def run_worker() -> None:
    call_command("db_worker", batch=True, no_startup_delay=True, interval=0, verbosity=0)


def test_a_worker_runs_an_enqueued_task_from_the_database() -> None:
    result = ping.enqueue("hello")
    assert DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.READY

    run_worker()

    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == "hello"


def test_enqueue_after_commit_waits_for_the_commit_and_drops_a_rollback() -> None:
    with pytest.raises(RuntimeError), atomic():
        enqueue_after_commit(ping, "rolled back")
        raise RuntimeError
    assert not DBTaskResult.objects.exists()

    with atomic():
        enqueue_after_commit(ping, "kept")
        assert not DBTaskResult.objects.exists()
    assert DBTaskResult.objects.get().args_kwargs == {"args": ["kept"], "kwargs": {}}
