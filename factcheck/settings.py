"""Settings for factcheck, read from the environment (see README.md, "Environment").

With nothing set, the project runs on embedded defaults: a SQLite file, a Celery broker in
another SQLite file (factcheck/broker.py) and a file cache, all under VAR_DIR. Production sets DATABASE_URL, REDIS_URL and SECRET_KEY.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

# Where the embedded defaults keep their state (broker, cache, media, the demo admin password).
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DEBUG", default=False)

# A missing key must stop a production process, not silently fall back to a known value.
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-used-with-DEBUG-on"  # noqa: S105
elif not DEBUG and SECRET_KEY.startswith("change-me"):
    # The placeholder from .env.example: a deployment that forgot to replace it must not start.
    raise ImproperlyConfigured("SECRET_KEY is still the .env.example placeholder; generate a real one.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "simple_history",
    "django_celery_beat",
    "axes",
    "sources",
    "claims",
    "front",
]

MIDDLEWARE = [
    "factcheck.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "front.middleware.PublicLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    "factcheck.middleware.PublicReadMiddleware",
    "factcheck.middleware.EditorTimeZoneMiddleware",
]

ROOT_URLCONF = "factcheck.urls"
WSGI_APPLICATION = "factcheck.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "factcheck" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "factcheck.health.admin_warnings",
            ],
        },
    },
]

# Database: SQLite file unless DATABASE_URL says otherwise. Connections are reused and
# health-checked so a restarted PostgreSQL costs one failed reuse, not a failed request.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # `make run`'s web, worker and beat write one file at once: WAL lets readers through while
    # one writes, IMMEDIATE takes the write lock up front (no "database is locked" on upgrade),
    # and a busy writer is waited for instead of failing the request or the check.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database that does not answer must fail a request or a health check fast, not hang it.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5)
    )
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db_url("DATABASE_REPLICA_URL")
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["replica"]["OPTIONS"] = DATABASES["default"].get("OPTIONS", {})
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["factcheck.routers.PublicReadReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# The public pages' interface languages (front/locale holds their translations), the first being
# the default; each page lives under its language prefix (/en/, /uk/, /ru/). The admin and the
# API stay in English. A claim's own text is shown in the language it was made in.
_AVAILABLE_LANGUAGES = {"en": "English", "uk": "Українська", "ru": "Русский"}
_languages = env.list("FACTCHECK_LANGUAGES", default=list(_AVAILABLE_LANGUAGES))
if not _languages or set(_languages) - set(_AVAILABLE_LANGUAGES):
    raise ImproperlyConfigured(
        f"FACTCHECK_LANGUAGES must be a comma-separated subset of {', '.join(_AVAILABLE_LANGUAGES)}."
    )
LANGUAGES = [(code, _AVAILABLE_LANGUAGES[code]) for code in _languages]
LANGUAGE_CODE = _languages[0]
TIME_ZONE = "UTC"
# Admin times carry their zone's abbreviation (factcheck/formats); the editor's zone comes from
# their browser (EditorTimeZoneMiddleware).
FORMAT_MODULE_PATH = ["factcheck.formats"]
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")

# Snapshot bodies go to S3-compatible object storage when a bucket is configured.
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
STORAGES = {
    "default": {
        "BACKEND": "storages.backends.s3.S3Storage"
        if AWS_STORAGE_BUCKET_NAME
        else "django.core.files.storage.FileSystemStorage",
    },
    # Compressed but not hashed: pages render before collectstatic has run (tests, make run).
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
if AWS_STORAGE_BUCKET_NAME:
    AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default="") or None
    AWS_S3_REGION_NAME = env.str("AWS_S3_REGION_NAME", default="") or None
    # Snapshot names are per source and time; never let two bodies overwrite each other.
    AWS_S3_FILE_OVERWRITE = False

# Redis is the broker, the result store and the cache when REDIS_URL is set; without it,
# everything runs on SQLite files and the filesystem so `make run` needs no server.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # The cache holds only derived data: while Redis is down it answers "miss" (factcheck/cache.py)
    # within a second instead of failing requests.
    CACHES = {
        "default": {
            "BACKEND": "factcheck.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="factcheck"),
            "OPTIONS": {"socket_connect_timeout": 1.0, "socket_timeout": 1.0},
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    # A message whose worker vanished (SIGKILL of the whole worker, a lost machine) is delivered
    # again after this long: the monitor's check lease is the same 15 minutes. It must stay above
    # the longest countdown a task is retried with (300 s), or waiting retries would run twice.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 900}
else:
    # A file cache, not an in-process one: web, worker and beat must see the same heartbeats,
    # politeness slots and throttle counters.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
    # Not the filesystem transport: its readers can see half-written messages (the worker died
    # with JSONDecodeError). One SQLite transaction per message instead (factcheck/broker.py).
    CELERY_BROKER_URL = f"factcheck-sqlite+sqlite:///{VAR_DIR / 'celery' / 'broker.sqlite3'}"
    CELERY_RESULT_BACKEND = None

CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_WORKER_CONCURRENCY = env.int("CELERY_WORKER_CONCURRENCY", default=None)
# Celery's Django fixup closes the database connection before and after every task unless this
# many tasks have run since its last close, which made every check pay a new PostgreSQL session
# (~5 ms of server CPU). "Never" here: factcheck/celery.py applies Django's own rule between
# tasks instead (CONN_MAX_AGE, and a connection that failed is dropped).
CELERY_DB_REUSE_MAX = 2**62
# Publishing while the broker is down fails within about a second instead of hanging a request.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2}
# Operations tasks (heartbeat) and the per-task JSON log line; the heartbeat shows on /healthz.
CELERY_IMPORTS = ["factcheck.tasks"]
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "factcheck.heartbeat", "schedule": 60.0, "options": {"expires": 50}},
    # Hourly; each run sends the digest only when a new period (ALERT_DIGEST_PERIOD) has begun.
    "attention-digest": {"task": "claims.tasks.send_attention_digest", "schedule": 3600.0},
}
# Beat writes each entry's last run to the database right away, so operators see it.
CELERY_BEAT_SYNC_EVERY = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Fetching waits on the network; it gets its own queue so slow sites cannot starve the rest.
CELERY_TASK_ROUTES = {
    "sources.tasks.check_source": {"queue": "fetch"},
    "sources.tasks.check_sources": {"queue": "fetch"},
}

# Source monitoring (see sources/fetch.py). Networks listed here are exempt from the
# private-address block: tests and development only, never in production.
SOURCE_FETCH_ALLOWED_NETWORKS = env.list("SOURCE_FETCH_ALLOWED_NETWORKS", default=[])
SOURCE_FETCH_ALLOWED_PORTS = env.list("SOURCE_FETCH_ALLOWED_PORTS", cast=int, default=[80, 443])
SOURCE_FETCH_MAX_BYTES = env.int("SOURCE_FETCH_MAX_BYTES", default=10 * 1024 * 1024)
SOURCE_FETCH_TIMEOUT = env.float("SOURCE_FETCH_TIMEOUT", default=20.0)
SOURCE_FETCH_CONNECT_TIMEOUT = env.float("SOURCE_FETCH_CONNECT_TIMEOUT", default=5.0)
SOURCE_FETCH_MAX_REDIRECTS = env.int("SOURCE_FETCH_MAX_REDIRECTS", default=5)
SOURCE_FETCH_USER_AGENT = env.str(
    "SOURCE_FETCH_USER_AGENT",
    default="factcheck-source-monitor/1.0 (+https://github.com/factcheck; link checker)",
)
# The dispatcher sends due sources SOURCE_CHECK_BATCH to a message; a worker process keeps up to
# SOURCE_CHECKS_IN_FLIGHT of a batch's fetches waiting on the network at once (one event loop, one
# connection pool) and reads the text of changed bytes in SOURCE_EXTRACT_PROCESSES processes of
# its own (sources/readers.py; 0 reads in a thread). Celery's default concurrency is one worker
# process per core, so the default of 1 gives one reader per core.
SOURCE_CHECK_BATCH = env.int("SOURCE_CHECK_BATCH", default=500)
SOURCE_CHECKS_IN_FLIGHT = env.int("SOURCE_CHECKS_IN_FLIGHT", default=500)
SOURCE_EXTRACT_PROCESSES = env.int("SOURCE_EXTRACT_PROCESSES", default=1)
SOURCE_FETCH_PER_HOST_CONCURRENCY = env.int("SOURCE_FETCH_PER_HOST_CONCURRENCY", default=2)
SOURCE_FETCH_PER_HOST_PER_SECOND = env.int("SOURCE_FETCH_PER_HOST_PER_SECOND", default=1)
SOURCE_CHECK_INTERVAL = env.int("SOURCE_CHECK_INTERVAL", default=24 * 3600)
SOURCE_BROKEN_AFTER_FAILURES = env.int("SOURCE_BROKEN_AFTER_FAILURES", default=5)
# Editors are told (claims/alerts.py): a digest of what needs attention once per period, by email
# to the Editors group and, when set, as a signed JSON POST to a newsroom chat webhook.
ALERT_DIGEST_PERIOD = env.int("ALERT_DIGEST_PERIOD", default=24 * 3600)
ALERT_WEBHOOK_URL = env.str("ALERT_WEBHOOK_URL", default="")
ALERT_WEBHOOK_SECRET = env.str("ALERT_WEBHOOK_SECRET", default="")
if ALERT_WEBHOOK_URL and not ALERT_WEBHOOK_SECRET:
    raise ImproperlyConfigured(
        "ALERT_WEBHOOK_SECRET must be set with ALERT_WEBHOOK_URL: receivers check the signature."
    )
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="factcheck <factcheck@localhost>")
# A changed place in a source's text alerts only once a later check sees it again
# (sources/volatility.py): that check comes SOURCE_CONFIRM_DELAY seconds after the first, and a
# check less than SOURCE_CONFIRM_MIN_AGE seconds after it confirms nothing.
SOURCE_CONFIRM_DELAY = env.int("SOURCE_CONFIRM_DELAY", default=600)
SOURCE_CONFIRM_MIN_AGE = env.int("SOURCE_CONFIRM_MIN_AGE", default=300)
# Retention (sources/retention.py, `manage.py prune_monitor`): routine checks are thinned after
# this many days, unused snapshots removed; SOURCE_RETENTION_KEEP lists functions returning the
# ids of snapshots other apps rely on (claims: the snapshot each citation was made against).
SOURCE_CHECK_RETENTION_DAYS = env.int("SOURCE_CHECK_RETENTION_DAYS", default=90)
SOURCE_SNAPSHOT_RETENTION_DAYS = env.int("SOURCE_SNAPSHOT_RETENTION_DAYS", default=365)
SOURCE_RETENTION_KEEP = ["claims.evidence.cited_snapshot_ids"]
# Text extraction bounds (sources/extract.py): a size cap, and for bodies over the in-process
# size a child process with a time and an address-space limit; HTML over the linear size is read
# paragraph by paragraph instead of by trafilatura.
SOURCE_EXTRACT_MAX_BYTES = env.int("SOURCE_EXTRACT_MAX_BYTES", default=10 * 1024 * 1024)
SOURCE_EXTRACT_IN_PROCESS_BYTES = env.int("SOURCE_EXTRACT_IN_PROCESS_BYTES", default=1024 * 1024)
SOURCE_EXTRACT_LINEAR_HTML_BYTES = env.int("SOURCE_EXTRACT_LINEAR_HTML_BYTES", default=2 * 1024 * 1024)
SOURCE_EXTRACT_TIMEOUT = env.float("SOURCE_EXTRACT_TIMEOUT", default=20.0)
SOURCE_EXTRACT_MAX_MEMORY = env.int("SOURCE_EXTRACT_MAX_MEMORY", default=1024 * 1024 * 1024)

# The organisation named as author of every ClaimReview we publish.
FACTCHECK_PUBLISHER = {
    "name": env.str("FACTCHECK_PUBLISHER_NAME", default="factcheck"),
    "url": env.str("FACTCHECK_PUBLISHER_URL", default="https://factcheck.example.org/"),
}
# The public site's address: ClaimReview `url`s, canonical links, the feed and the sitemap use it.
FACTCHECK_SITE_URL = env.str("FACTCHECK_SITE_URL", default="http://localhost:8000").rstrip("/")
if not FACTCHECK_SITE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(
        "FACTCHECK_SITE_URL must be an absolute http(s) URL, e.g. https://factcheck.example.org"
    )
# Seconds a rendered public page stays in the cache; a change to what it shows replaces it sooner
# (the key carries the version of the data, see front/cache.py).
FACTCHECK_PAGE_CACHE_SECONDS = env.int("FACTCHECK_PAGE_CACHE_SECONDS", default=3600)
# Four eyes: an editor may not publish (or approve) a verdict they wrote alone. On by default,
# as in a newsroom; the demo's verdicts are written by the system, so its admin can publish them.
FACTCHECK_FOUR_EYES = env.bool("FACTCHECK_FOUR_EYES", default=True)
# History stays visible; "revert" would bypass the editorial workflow (claims/workflow.py).
SIMPLE_HISTORY_REVERT_DISABLED = True

# Trusted reverse proxies in front of the app: the API throttle and the admin login lockout
# both take the client's address from X-Forwarded-For through factcheck/clientip.py.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)

REST_FRAMEWORK = {
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": env.str("API_THROTTLE_RATE", default="120/min")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "factcheck public API",
    "DESCRIPTION": (
        "Published fact-checks: claims, verdicts, claimants, sources, ClaimReview. Read-only and "
        "anonymous: only published (and, where asked for, retracted) claims are visible. Lists "
        "use cursor pagination (`page_size` 1-100); anonymous clients are rate-limited (429 with "
        "Retry-After); details carry an ETag for conditional GET."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI served from our own static files: no CDN, works offline and under a strict CSP.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ClaimantKindEnum": "claims.models.ClaimantKind",
        "SourceKindEnum": "sources.models.SourceKind",
        "CitationRoleEnum": "claims.models.CitationRole",
        "RatingEnum": "claims.models.Rating",
        "HealthEnum": "sources.models.Health",
    },
}

CORS_ALLOWED_ORIGINS: list[str] = []
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]

# Admin login: lock out an address/username pair after repeated failures.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["ip_address", "username"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "factcheck.clientip.client_address"

# Production hardening: on whenever DEBUG is off (TLS terminates at the proxy).
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        # The same fields as JSON, as key=value after the message (factcheck/logformat.py).
        "plain": {
            "()": "factcheck.logformat.PlainFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
    },
    "filters": {"context": {"()": "factcheck.middleware.LogContextFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": env.str("LOG_FORMAT", default="plain" if DEBUG else "json"),
            "filters": ["context"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.server": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},  # one INFO line per fetched URL drowns the check's own line
        # One line per task comes from factcheck.tasks (flat fields, with the task id); Celery's
        # own "received"/"succeeded" lines would double it. Failures still log with tracebacks.
        "celery.app.trace": {"level": "WARNING"},
        "celery.worker.strategy": {"level": "WARNING"},
    },
}
