"""Settings for the test suite: the production settings with a throwaway secret."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "test-only-secret-key")
# Tests run against a throwaway server; majority acknowledgement only slows them down there.
os.environ.setdefault("MONGODB_WRITE_CONCERN", "1")
# The test client speaks plain HTTP: no redirect to HTTPS (the deploy check test turns it on).
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

from geventator.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A test database in a file, like the app's, not Django's shared in-memory one: there, threads
    # of one test (two approvals at once) fail on table locks at once instead of waiting for the
    # write lock. One file per test process; Django deletes it when the run ends.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(Path(tempfile.gettempdir()) / f"geventator-test-{os.getpid()}.sqlite3")
    }
