"""Fuzzing the API from its own OpenAPI description (schemathesis), in-process, signed in.

Every operation of /api/schema/ gets bounded, derandomized examples (reproducible runs), sent
through the WSGI app with an owner's or a treasurer's token; path ids point at the seeded records
so writes reach real objects. Checks: no 5xx, and every response matches the schema.
"""

from __future__ import annotations

import functools
from datetime import datetime, timedelta

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from activities.factories import ActivityFactory, LocationFactory
from finance.factories import CategoryFactory, TransactionFactory
from geventator.wsgi import application
from organizers.models import Membership
from organizers.tokens import issue_token

pytestmark = pytest.mark.django_db

# Examples per operation and persona (each is one request), on both stores.
MAX_EXAMPLES = 10
CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.fixture
def seeded(event_a, owner, treasurer, organizer, outsider):
    """One record of every kind in event A, and the path ids that point at them."""
    category = CategoryFactory(event=event_a)
    transaction = TransactionFactory(event=event_a, category=category)
    location = LocationFactory(event=event_a)
    start = datetime(2026, 6, 12, 10, 0, tzinfo=event_a.tzinfo)
    activity = ActivityFactory(event=event_a, location=location, start=start, end=start + timedelta(hours=1))
    return {
        "/api/events/": event_a.pk,
        "/api/memberships/": Membership.objects.get(event=event_a, organizer=organizer).pk,
        "/api/categories/": category.pk,
        "/api/transactions/": transaction.pk,
        "/api/locations/": location.pk,
        "/api/activities/": activity.pk,
    }


@pytest.fixture(autouse=True)
def _connection_kept_between_requests():
    """The WSGI app is called directly, not through Django's test client: like that client, keep
    the request signals from closing the connection that holds the test's transaction."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@functools.cache
def load_schema():
    """The schema once per run (it does not depend on the store's data)."""
    return schemathesis.openapi.from_wsgi("/api/schema/", application)


def fuzz_operation(operation, token: str, ids: dict) -> int:
    """Runs the operation's examples; returns how many requests were sent."""
    sent = 0

    @hypothesis.settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    # Valid requests and ones that break the schema (wrong types, missing fields, bad formats).
    @given(
        case=st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))
    )
    def run(case) -> None:
        nonlocal sent
        if "id" in (case.path_parameters or {}):
            # A real record most of the time: random UUIDs would only ever meet a 404.
            prefix = operation.path.split("{")[0]
            if prefix in ids:
                case.path_parameters["id"] = str(ids[prefix])
        case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)
        sent += 1

    run()
    return sent


@pytest.mark.parametrize("persona", ["owner", "treasurer"])
def test_fuzzed_requests_get_no_server_error_and_match_the_schema(request, seeded, persona, settings, report_figure):
    settings.ALLOWED_HOSTS = ["localhost"]  # the host schemathesis' WSGI client sends
    user = request.getfixturevalue(persona)
    token = issue_token(user, "fuzz")[1]
    schema = load_schema()
    # The token endpoint signs in with a password, not a token: its lockout has its own tests, and
    # random passwords would only fill the lockout log.
    operations = [result.ok() for result in schema.get_all_operations() if result.ok().path != "/api/auth/token/"]
    # Deletes last: a deleted seeded record would turn the other operations into 404s.
    operations.sort(key=lambda operation: operation.method.upper() == "DELETE")

    cases = sum(fuzz_operation(operation, token, seeded) for operation in operations)

    report_figure(
        f"API fuzz ({persona}): {cases} cases (valid and schema-breaking) over {len(operations)} "
        "operations: no 5xx, every response as the schema says"
    )
    assert cases >= len(operations)
