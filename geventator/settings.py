"""GEventator settings: every value comes from the environment (see README, "Configuration")."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from geventator.logs import logging_config
from geventator.proxies import trusted_proxy_count

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG")
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-dev-key-only-used-with-DEBUG-on"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Behind a TLS-terminating proxy (the nginx of deploy/): trust its X-Forwarded-Proto so Django
# knows the request came over HTTPS. Only safe when the app is reachable through the proxy alone.
if env_bool("TRUST_X_FORWARDED_PROTO"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Storage: SQLite (embedded default) or MongoDB, chosen by DATABASE_URL ---------------------
DEFAULT_SQLITE_PATH = BASE_DIR / "var" / "geventator.sqlite3"
DATABASE_URL = os.environ.get("DATABASE_URL", "").strip() or f"sqlite:///{DEFAULT_SQLITE_PATH}"
USES_MONGODB = DATABASE_URL.startswith(("mongodb://", "mongodb+srv://"))


def _write_concern(value: str) -> int | str:
    return int(value) if value.isdigit() else value


if USES_MONGODB:
    # The whole URI goes to pymongo as HOST (credentials, replicaSet, tls, ... included).
    # Majority write concern: an acknowledged write survives a crash of the primary.
    DATABASES = {
        "default": {
            "ENGINE": "django_mongodb_backend",
            "HOST": DATABASE_URL,
            "NAME": urlsplit(DATABASE_URL).path.lstrip("/") or "geventator",
            "OPTIONS": {"w": _write_concern(os.environ.get("MONGODB_WRITE_CONCERN", "majority"))},
        }
    }
    DEFAULT_AUTO_FIELD = "django_mongodb_backend.fields.ObjectIdAutoField"
    # Django's contrib models have integer keys; on MongoDB they get ObjectId keys through these
    # AppConfigs and the migrations in geventator/mongo_migrations (`make mongo-migrations`).
    CONTRIB_APPS = [
        "geventator.mongo_apps.MongoAdminConfig",
        "geventator.mongo_apps.MongoAuthConfig",
        "geventator.mongo_apps.MongoContentTypesConfig",
        "geventator.mongo_apps.MongoAxesConfig",
    ]
    MIGRATION_MODULES = {
        "admin": "geventator.mongo_migrations.admin",
        "auth": "geventator.mongo_migrations.auth",
        "contenttypes": "geventator.mongo_migrations.contenttypes",
        "axes": "geventator.mongo_migrations.axes",
        # Not for its keys (UUIDs) but for an index over expressions the backend cannot build.
        "django_tasks_database": "geventator.mongo_migrations.django_tasks_database",
    }
else:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        # Several gunicorn workers share the file: WAL lets readers run beside the writer,
        # IMMEDIATE takes the write lock at BEGIN (no deadlock on lock upgrade) and the busy
        # timeout makes a writer wait for the lock instead of failing at once.
        DATABASES["default"]["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
    CONTRIB_APPS = [
        "django.contrib.admin",
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "axes",
    ]

INSTALLED_APPS = [
    *CONTRIB_APPS,
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "rules.apps.AutodiscoverRulesConfig",
    "import_export",
    "simple_history",
    # Background work (webhooks, e-mail) on a real task queue: django-tasks with its database
    # backend (django-tasks-db, UUID keys: the same migrations on both stores).
    "django_tasks",
    "django_tasks_db",
    "organizers",
    "finance",
    "activities",
    # The project itself: what spans the apps (the demo, backup and restore commands), so that the
    # base app organizers need not import finance or activities.
    "geventator",
]

# TASKS_BACKEND: "database" (default: a worker, `manage.py db_worker`, runs the tasks) or
# "immediate" (run inside the caller, for unit tests and one-off scripts).
_TASKS_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
TASKS = {
    "default": {
        "BACKEND": _TASKS_BACKENDS[os.environ.get("TASKS_BACKEND", "database")],
        "QUEUES": ["default"],
    }
}

MIDDLEWARE = [
    # First: /healthz answers probes that call the app by IP or localhost (no Host check).
    "geventator.health.HealthCheckMiddleware",
    # A view that finds the store unreachable or unwritable answers 503, not 500 (geventator/faults.py).
    "geventator.faults.StoreUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Keeps the request for the security log's receivers (organizers/security.py).
    "organizers.security.SecurityContextMiddleware",
    # Keeps the request for django-simple-history: the signed-in user (session or, once DRF has
    # authenticated, token) is recorded as the author of every change to a finance record.
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last: turns a lockout flagged by AxesBackend into the 429 lockout answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "geventator.urls"
WSGI_APPLICATION = "geventator.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "geventator" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

AUTH_USER_MODEL = "organizers.Organizer"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username/address before any password is checked (django-axes).
    "axes.backends.AxesStandaloneBackend",
    # Event roles (organizers/rules.py) answer object permissions; Django's backend keeps the
    # permissions a superuser grants through users and groups.
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "var" / "static"))
# Uploaded files (receipts). Never served by a URL of their own (no MEDIA_URL, not whitenoise): the
# receipt download view checks the event role first. Keep this folder on persistent storage and in
# backups (`manage.py backup` puts its files in the archive).
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))
RECEIPT_MAX_BYTES = int(float(os.environ.get("RECEIPT_MAX_MB", "10")) * 1024 * 1024)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

REST_FRAMEWORK = {
    # Token first: DRF takes the first class's WWW-Authenticate header, so a request without
    # credentials answers 401 (with "WWW-Authenticate: Token"), not 403 as with session first.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "organizers.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "geventator.api.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "geventator.api.BoundedSearchFilter",
        "geventator.api.StableOrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "geventator.api.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "GEventator API",
    "DESCRIPTION": "The shared ledger, schedule and organizer roster of an event.",
    "VERSION": "0.2.0",  # README, "API changelog"
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI's files come with the app (drf-spectacular-sidecar), not from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "organizers.idempotency.document_header",
        "organizers.conditional.document_headers",
    ],
}

# django-simple-history (finance records; organizers/history.py): historical rows get UUID keys like
# every other record (portable between stores), and old versions are never restored from the admin:
# a booked entry is corrected by a reversal, not by rewriting it.
SIMPLE_HISTORY_HISTORY_ID_USE_UUID = True
SIMPLE_HISTORY_REVERT_DISABLED = True

# django-import-export: its own per-row transactions fail on MongoDB (ImproperlyConfigured); the
# activity import runs in geventator.db.atomic() instead, all or nothing (activities/transfer.py).
IMPORT_EXPORT_USE_TRANSACTIONS = False

# Request size limits (bytes). A form or JSON body above DATA_UPLOAD_MAX_MEMORY_SIZE is answered
# with 400 before any view runs; uploaded files do not count there, so the CSV import checks its
# file against IMPORT_MAX_UPLOAD_SIZE (activities/transfer.py).
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DATA_UPLOAD_MAX_MEMORY_SIZE", 1024 * 1024))
IMPORT_MAX_UPLOAD_SIZE = int(os.environ.get("IMPORT_MAX_UPLOAD_SIZE", 2 * 1024 * 1024))
# The work of one import stays well inside gunicorn's worker timeout (30 s): at most this many rows
# a file, and this many seconds a row (never less than IMPORT_MIN_SECONDS for the file) before the
# import gives up and saves nothing (geventator/spreadsheets.py).
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", 5000))
IMPORT_SECONDS_PER_ROW = float(os.environ.get("IMPORT_SECONDS_PER_ROW", 0.005))
IMPORT_MIN_SECONDS = float(os.environ.get("IMPORT_MIN_SECONDS", 10))

# --- Security (README, "Security") ---------------------------------------------------------------
# HTTPS: on by default when DEBUG is off (`check --deploy` clean); behind a TLS-terminating proxy
# also set TRUST_X_FORWARDED_PROTO=1. A plain-HTTP dev run keeps DEBUG=1 (or SECURE_SSL_REDIRECT=0).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # probes call over plain HTTP (also answered before the chain)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Joining the browsers' HSTS preload list is the domain owner's one-way decision (SECURE_HSTS_PRELOAD=1),
# not a default: without it Django's deploy check W021 is answered here.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

# Content-Security-Policy (django-csp): only our own scripts; Swagger UI runs its start-up script
# from a URL (SpectacularSwaggerSplitView), not inline. Inline styles stay allowed: the admin and
# Swagger UI set style attributes, and styles cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Login lockout (django-axes) for the admin login and POST /api/auth/token/: after
# AXES_FAILURE_LIMIT failures for one username from one address, that pair is refused (429) until
# AXES_COOLOFF_MINUTES have passed; a success resets the count.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Behind a proxy every request comes from the proxy's address: TRUSTED_PROXY_COUNT (the proxies in
# front, 0 = clients connect directly) picks the client out of X-Forwarded-For, one rule for the
# lockout, the API throttles and the security log (geventator/proxies.py). Axes asks that function:
# its AXES_IPWARE_* settings need django-ipware, which is not installed.
TRUSTED_PROXY_COUNT = trusted_proxy_count(os.environ)
AXES_CLIENT_IP_CALLABLE = "geventator.proxies.client_address"
REST_FRAMEWORK["NUM_PROXIES"] = TRUSTED_PROXY_COUNT

# API throttling (per process: LocMem cache). Rates like "100/minute"; the token endpoint has its own.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "geventator"}}
REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] = [
    "rest_framework.throttling.AnonRateThrottle",
    "rest_framework.throttling.UserRateThrottle",
    "rest_framework.throttling.ScopedRateThrottle",
]
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {
    "anon": os.environ.get("API_THROTTLE_ANON", "100/minute"),
    "user": os.environ.get("API_THROTTLE_USER", "2000/minute"),
    "token": os.environ.get("API_THROTTLE_TOKEN", "20/minute"),
}
# How long an API token works (organizers/tokens.py); a password change ends it sooner.
API_TOKEN_TTL = timedelta(days=int(os.environ.get("API_TOKEN_TTL_DAYS", "30")))
# The furthest expiry a token made in the admin or at POST /api/tokens/ may be given.
API_TOKEN_MAX_TTL = timedelta(days=int(os.environ.get("API_TOKEN_MAX_DAYS", "365")))
# How long the API remembers a POST's Idempotency-Key and its first answer (organizers/idempotency.py).
IDEMPOTENCY_KEY_TTL = timedelta(hours=int(os.environ.get("IDEMPOTENCY_KEY_TTL_HOURS", "24")))

# Outgoing e-mail (notifications): SMTP in production, the console with DEBUG on unless set.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "geventator@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# JSON lines on stdout, plus a remote syslog service when SYSLOG_ADDRESS is set (geventator/logs.py);
# gunicorn.conf.py uses the same configuration for gunicorn's error and access logs.
LOGGING = logging_config(os.environ)
# django-axes logs every sign-in at INFO; the security log (organizers/security.py) has them already.
LOGGING["loggers"]["axes"] = {"level": "WARNING"}
