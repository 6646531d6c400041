"""The project's settings, with the benchmark's URLconf (bench/urls.py adds the bare view).

Only `make bench` uses this module; nothing in the served app imports it.
"""

from geventator.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
# No collectstatic for a benchmark: admin pages name their static files without the manifest's hashes.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
