"""Settings for the test suite: the production settings with a throwaway secret."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key")
# Tests run against a throwaway server; majority acknowledgement only slows them down there.
os.environ.setdefault("MONGODB_WRITE_CONCERN", "1")
# The test client speaks plain HTTP: no redirect to HTTPS (the deploy check test turns it on).
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

from geventator.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
