"""Two users doing the same thing at the same moment: each in a thread with its own connection."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection


def race(users: list, read: Callable[[], Any], act: Callable[[Any, Any], object]) -> list[str]:
    """For each user at once: ``read()`` a copy, wait for the others, then ``act(copy, user)``.

    Returns the sorted outcomes, "done" or "refused" (a ValidationError). Tests using it need
    ``django_db(transaction=True)``: the threads only see committed rows.
    """
    barrier = threading.Barrier(len(users))
    outcomes: list[str] = []

    def run(user) -> None:
        try:
            copy = read()
            barrier.wait()
            act(copy, user)
            outcomes.append("done")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return sorted(outcomes)
