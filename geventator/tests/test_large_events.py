"""Every list, report, export and change page of an event costs the same queries however large the event.

The pages are devtools/benchmark.py's (which times them on a large event); here a small and a five
times larger event are compared on the suite's store, so a per-row query shows on both stores.
"""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType

from devtools.benchmark import cost, pages, seed, signed_in

pytestmark = pytest.mark.django_db


def test_every_page_costs_the_same_queries_for_a_small_and_a_larger_event():
    costs = {}
    # Both above one page (50), so both first pages hold the same kinds of records.
    for name, transactions, activities in (("small", 60, 6), ("large", 300, 30)):
        owner, event = seed(transactions, activities, name=name)
        clients = signed_in(owner)
        ContentType.objects.clear_cache()  # both start cold (the admin caches content types)
        costs[name] = {label: cost(clients[kind], url) for kind, label, url in pages(event, transactions)}

    assert all(status == 200 for status, _queries in costs["large"].values()), costs["large"]
    assert costs["large"] == costs["small"]
