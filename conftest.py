"""Suite-wide test set-up for both stores."""

from __future__ import annotations

import os

import pytest
from django.db import connections
from django.test import testcases

pytest_plugins = [
    "geventator.tests.figures",  # report_figure, and the "figures" summary
    "geventator.tests.browser.fixtures",  # page, new_page, sign_in: Chromium against live_server
]

# Rows that migrations create and no test changes: keeping them makes each reset cheap.
_KEPT_ON_RESET = {"django_migrations", "django_content_type", "auth_permission"}


def _empty_mongodb_collections(self) -> None:
    """Test isolation on MongoDB, which has no transaction to roll back.

    Django falls back to a full ``flush`` after each test (drop everything, re-run post_migrate:
    ~0.3 s a test). Deleting the documents of every collection but the migration-made ones leaves
    the same empty database in a fraction of the time.
    """
    for alias in self._databases_names(include_mirrors=False):
        database = connections[alias].database
        for name in database.list_collection_names():
            if name not in _KEPT_ON_RESET and not name.startswith("system."):
                database[name].delete_many({})


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] == "django_mongodb_backend":
        testcases.TransactionTestCase._fixture_teardown = _empty_mongodb_collections


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, request):
    """Parallel workers on MongoDB each use a server of their own when several were started
    (``devtools/mongo.py --servers N``): one SecantusDB process answers one request at a time, so
    workers sharing it would mostly wait for each other."""
    from django.conf import settings

    uris = [uri for uri in os.environ.get("SECANTUS_URIS", "").split(",") if uri]
    worker = getattr(request.config, "workerinput", {}).get("workerid", "")
    if settings.DATABASES["default"]["ENGINE"] == "django_mongodb_backend" and worker and len(uris) > 1:
        settings.DATABASES["default"]["HOST"] = uris[int(worker.removeprefix("gw")) % len(uris)]
        connections["default"].close()


def pytest_report_header(config: pytest.Config) -> str:
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    return f"GEventator store: {'MongoDB' if engine == 'django_mongodb_backend' else engine}"


@pytest.fixture(autouse=True)
def _fresh_throttles_and_lockouts():
    """API throttle counts live in the cache and lockouts in axes' store: each test starts afresh
    (the suite makes more requests per minute than the anon/user rates allow)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


# --- Personas -------------------------------------------------------------------------------------
# Event A has an owner, a treasurer, an organizer and a viewer; "outsider" owns event B only.


@pytest.fixture
def event_a(db):
    from organizers.factories import EventFactory

    return EventFactory(name="Festival A", slug="festival-a")


@pytest.fixture
def event_b(db):
    from organizers.factories import EventFactory

    return EventFactory(name="Congress B", slug="congress-b", timezone="America/New_York", currency="USD")


def _member(event, username: str, role: str):
    from organizers.factories import MembershipFactory, OrganizerFactory

    return MembershipFactory(event=event, organizer=OrganizerFactory(username=username), role=role).organizer


@pytest.fixture
def owner(event_a):
    return _member(event_a, "olivia_owner", "owner")


@pytest.fixture
def treasurer(event_a):
    return _member(event_a, "tomas_treasurer", "treasurer")


@pytest.fixture
def organizer(event_a):
    return _member(event_a, "oscar_organizer", "organizer")


@pytest.fixture
def viewer(event_a):
    return _member(event_a, "vera_viewer", "viewer")


@pytest.fixture
def outsider(event_b):
    return _member(event_b, "bruno_of_b", "owner")


@pytest.fixture
def superuser(db):
    from organizers.factories import OrganizerFactory

    return OrganizerFactory(username="root", is_superuser=True)


@pytest.fixture
def api():
    """An API client; ``api.as_user(user)`` signs in with a token, as external tools do."""
    from django.utils import timezone
    from rest_framework.test import APIClient

    from organizers.models import ApiToken
    from organizers.tokens import issue_token

    keys: dict[object, str] = {}

    class Client(APIClient):
        def as_user(self, user):
            if user is None:
                self.credentials()
            else:
                if user.pk not in keys:
                    token, keys[user.pk] = issue_token(user, "tests")
                    # As a token in use: its first use would otherwise add the hourly "last used"
                    # write to the queries that tests count.
                    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
                self.credentials(HTTP_AUTHORIZATION=f"Token {keys[user.pk]}")
            return self

    return Client()
