"""Settings, read from the environment; the embedded default needs nothing but Python.

Embedded default: a SQLite file under var/, Celery on kombu's filesystem transport, mail to files.
At scale: DATABASE_URL, CELERY_BROKER_URL, EMAIL_URL/EMAIL_HOST..., SECRET_KEY, ALLOWED_HOSTS.
Every variable read here is listed in .env.example (tests/test_compose.py checks it).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dj_database_url

from config.email_url import email_settings_from_url
from config.security_headers import CSP_DIRECTIVES, UNUSED_BROWSER_FEATURES

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("TIMELINE_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


DEBUG = env_bool("DEBUG", True)
# The fallback key is for the embedded default only (DEBUG on). With DEBUG off the service refuses to start
# without SECRET_KEY, in one line, rather than sign sessions and unsubscribe links with a key anyone can read.
SECRET_KEY = os.environ.get("SECRET_KEY", "").strip() or (
    "embedded-default-insecure-key-change-me-" + "x" * 20 if DEBUG else ""
)
if not SECRET_KEY:
    sys.exit("config.settings: SECRET_KEY is not set; with DEBUG off it is required (see .env.example)")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "events",
    "timeline",
    "sources",
    "digests",
    "alerts",
    "workers",
    "interop",
    "api",
]

MIDDLEWARE = [
    # First: probes reach a container by address over plain HTTP, before host checks and the HTTPS redirect.
    "config.health.HealthMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before anything that may answer: a CORS preflight must get its headers (CORS_* settings below).
    "corsheaders.middleware.CorsMiddleware",
    # Content-Security-Policy and Permissions-Policy on every response (CONTENT_SECURITY_POLICY, PERMISSIONS_POLICY).
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Anonymous API reads answered whole while the log's head stays (api/response_cache.py): inside the
    # middleware above, whose headers every answer gets, and before sessions, authentication and DRF, which a
    # hit skips.
    "api.response_cache.ResponseCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Failed admin logins: 429 after too many per username or address (config/login_throttle.py).
    "config.login_throttle.AdminLoginThrottleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
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

# Two database roles in production (README, "Two database roles"). DATABASE_URL's role runs the service: it may read
# and append to the event log and nothing more, so no bug or injected SQL in the service can lift the append-only
# guard (an owner can disable triggers; a superuser can also switch them off with session_replication_role).
# MIGRATE_DATABASE_URL's role owns the tables: only the commands in OWNER_COMMANDS connect as it, migrate to change
# the schema and then grant DATABASE_URL's role its rights (events/privileges.py). Unset (the embedded default,
# the tests): one role does everything.
# The URLs hold passwords, so they stay private names: uppercase ones would show on DEBUG's error pages.
_database_url = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'timeline.sqlite3'}")
_migrate_database_url = os.environ.get("MIGRATE_DATABASE_URL", "")
OWNER_COMMANDS = frozenset({"migrate"})
_runs_as_owner = bool(_migrate_database_url) and len(sys.argv) > 1 and sys.argv[1] in OWNER_COMMANDS
# The role migrate grants the service's rights to: DATABASE_URL's user ("" for SQLite, which has no roles).
DATABASE_APP_ROLE = dj_database_url.parse(_database_url)["USER"] or ""

DATABASES = {
    "default": dj_database_url.parse(
        _migrate_database_url if _runs_as_owner else _database_url,
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
        # With persistent connections, check one before reusing it: after a database restart or failover the
        # first request (or task) of each process then reconnects instead of failing on a dead connection.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take SQLite's write lock at BEGIN, so web and worker serialise their appends
    # instead of failing with "database is locked" when a reader upgrades to a writer; WAL lets reads go on.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

# PostgreSQL: an append's projection writes go as prepared statements (events.cursors; a third of their server time
# was parsing and planning), which live in the server connection that prepared them. The service connects to
# PostgreSQL directly; behind a pooler that hands a session's statements to other server connections (pgbouncer
# in transaction mode, before 1.21's max_prepared_statements) set DB_PREPARED_STATEMENTS=0. Django's own statements
# bind their values on the client and are never prepared either way.
DB_PREPARED_STATEMENTS = env_bool("DB_PREPARED_STATEMENTS", True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Production (DEBUG off): whitenoise serves hashed, compressed copies from STATIC_ROOT, so `collectstatic`
    # must run first (the image does it at build). The embedded default and the tests load settings with DEBUG
    # on and keep Django's plain storage, which needs no collectstatic.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Production (DEBUG off) is HTTPS only, behind a proxy that terminates TLS. Each default follows DEBUG, so the
# embedded default (DEBUG on) is unchanged and a production host needs only SECRET_KEY, ALLOWED_HOSTS and
# CSRF_TRUSTED_ORIGINS for `manage.py check --deploy` to pass with no warnings (tests/config/test_deploy_settings.py).
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
# Believe X-Forwarded-Proto only where a proxy that sets it is the only way in (docker-compose.yml: Caddy);
# otherwise any client could claim https.
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many proxies in front of the service append the client's address to X-Forwarded-For: the throttles count
# per client address (config/client_address.py), and behind a proxy REMOTE_ADDR is the proxy's, shared by all.
# 0 (the default) ignores the header, which any client can forge; docker-compose.yml sets 1 for Caddy.
TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# A year of HSTS, subdomains included, preload-eligible: the service is never meant to be reached over http.
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)

# Content-Security-Policy (django-csp): the second line of defence if an escape is ever missed; its directives,
# each with why it is there, are in config/security_headers.py.
CONTENT_SECURITY_POLICY = {"DIRECTIVES": CSP_DIRECTIVES}
# The report endpoint (config/csp_reports.py): at most this many reports per client address a minute are logged
# (a page with one broken source reports on every load; an attacker could post many), the rest answered 429
# unlogged; and a report body larger than this is refused with 413 before it is parsed.
# django-csp leaves out one kind of response: with DEBUG on, 404s and 500s, whose debug pages use inline code.
CSP_REPORTS_PER_CLIENT_PER_MINUTE = 30
CSP_REPORT_MAX_BYTES = 16 * 1024
# Permissions-Policy (django-permissions-policy): no page or frame may use the features the pages do not use.
PERMISSIONS_POLICY: dict[str, list[str]] = {feature: [] for feature in UNUSED_BROWSER_FEATURES}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # api.throttling reads these at call time, so tests and deployments can change them without a re-import.
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_THROTTLE_ANON", "300/minute"),
        "user": os.environ.get("API_THROTTLE_USER", "1200/minute"),
    },
}

# The API throttles and the admin login throttle count in the cache. The embedded default keeps the counts in
# each process's memory; with several web processes set CACHE_URL (redis://HOST:6379/1) so that every process
# counts against the same limits. A cache that stops answering does not stop the service: the throttles let
# requests through and log it (config/shared_cache.py), so the short timeouts bound what an outage costs.
CACHE_URL = os.environ.get("CACHE_URL", "").strip()
if CACHE_URL and not CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    sys.exit("config.settings: CACHE_URL must be a redis://, rediss:// or unix:// URL (or unset for local memory)")
CACHES = {
    "default": {
        # Django's, reusing its redis-py client (config/redis_cache.py).
        "BACKEND": "config.redis_cache.RedisCache",
        "LOCATION": CACHE_URL,
        "KEY_PREFIX": "timeline",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
# Whole answers to anonymous API reads, each valid while the log's head stays where it was built
# (api/response_cache.py): on by default with CACHE_URL, whose Redis every web process shares; off on the
# embedded default unless API_RESPONSE_CACHE=1 (then each process keeps its own, in memory).
API_RESPONSE_CACHE = env_bool("API_RESPONSE_CACHE", bool(CACHE_URL))
CACHES["responses"] = (
    {**CACHES["default"], "KEY_PREFIX": "timeline-responses"}
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "responses"}
)

# Failed admin logins (config/login_throttle.py): in each window, this many failures for one username (from
# anywhere) answer 429 for that username, and this many from one client address on names that exist answer 429
# for that address. The address limit is the higher one because offices share an address.
LOGIN_THROTTLE_USER_FAILURES = 5
LOGIN_THROTTLE_ADDRESS_FAILURES = 30
LOGIN_THROTTLE_SECONDS = 15 * 60

SPECTACULAR_SETTINGS = {
    "TITLE": "Intelligence timeline API",
    "DESCRIPTION": "Cited, graded, auditable timelines of the AI and semiconductor competition.",
    "VERSION": "1.0.0",
    # Swagger UI and Redoc from drf-spectacular-sidecar's bundled files: the docs work with no network.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_INCLUDE_SCHEMA": False,
    # Choice sets that share a field name get names of their own, so generated clients get stable type names.
    "ENUM_NAME_OVERRIDES": {
        "KindEnum": "timeline.taxonomy.Kind",
        "ListingKindEnum": ["entity_listing", "entity_delisting"],
        "LinkRelationEnum": "timeline.taxonomy.LinkRelation",
        "RelationTypeEnum": "timeline.taxonomy.RelationType",
        "DevelopmentStatusEnum": ["current", "disputed", "retracted", "merged"],
        "RelationshipStatusEnum": ["current", "retracted"],
    },
    # Closed request bodies, the 414 and the links from a new development to its writes (api/schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.contract_details",
    ],
}

# Celery: Redis when CELERY_BROKER_URL says so, else kombu's filesystem transport (no server needed).
# The host is named, although the transport ignores it: with none, kombu logs "No hostname was supplied" on
# every connection of every process.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://localhost/")
CELERY_BROKER_DIR = VAR_DIR / "broker"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "timeline@localhost")


# Email at scale: EMAIL_URL, or EMAIL_HOST (+ EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS,
# EMAIL_USE_SSL) which switches to SMTP; otherwise the file backend above (var/mail) of the embedded default.
if os.environ.get("EMAIL_URL"):
    globals().update(email_settings_from_url(os.environ["EMAIL_URL"]))
elif os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
# A stalled SMTP server must fail the send (and let the task retry), never hang a worker.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "15"))

# Digests. SITE_URL makes absolute links in emails; https in production for RFC 8058 one-click.
# `dev.py run` sets it to the address it serves on (its --port), unless the environment sets it already.
SITE_URL = os.environ.get("SITE_URL", "http://localhost:8000").rstrip("/")
DIGEST_SEND_WHEN_EMPTY = env_bool("DIGEST_SEND_WHEN_EMPTY", False)
DIGEST_MAX_ATTEMPTS = int(os.environ.get("DIGEST_MAX_ATTEMPTS", "5"))
DIGEST_RETRY_BACKOFF_SECONDS = float(os.environ.get("DIGEST_RETRY_BACKOFF_SECONDS", "60"))
DIGEST_UNSUBSCRIBE_MAILTO = os.environ.get("DIGEST_UNSUBSCRIBE_MAILTO", "")
# The subscribe form must not be a way to mail-bomb someone (digests.confirmations): at most this many
# confirmation mails to one address in 24 hours (enough for a typo and a second try), and at most this many
# subscribe requests that send one from one client address in an hour. Past a limit the page answers the same.
DIGEST_CONFIRMATIONS_PER_RECIPIENT_PER_DAY = int(os.environ.get("DIGEST_CONFIRMATIONS_PER_RECIPIENT_PER_DAY", "3"))
DIGEST_SUBSCRIBE_REQUESTS_PER_CLIENT_PER_HOUR = int(
    os.environ.get("DIGEST_SUBSCRIBE_REQUESTS_PER_CLIENT_PER_HOUR", "10")
)

# Alerts (alerts/, workers/alerts.py): saved searches, their webhooks and emails, and the live change stream.
# Webhook targets are checked like feed addresses, but with their own switch: any signed-in user names webhook
# URLs, while only analysts name feeds, so opening loopback for local feeds must not open it for webhooks.
# For development and tests only.
ALERTS_ALLOW_LOOPBACK = env_bool("ALERTS_ALLOW_LOOPBACK", False)
# How often beat runs the consumer (seconds): an alert's latency from commit to send is about this plus a send.
ALERTS_CONSUME_SECONDS = float(os.environ.get("ALERTS_CONSUME_SECONDS", "2"))
# One webhook POST waits at most this long (connect, then each read): a slow receiver must not hold a worker.
ALERTS_SEND_TIMEOUT = 10.0
# A claimed delivery is due again after this (a worker killed mid-send); longer than a send can take.
ALERTS_SEND_LEASE_SECONDS = 120
# Retries double from the base up to the cap, for ALERTS_RETRY_HOURS after the alert (Standard Webhooks' advice:
# retry for about a day); an endpoint failing for ALERTS_DISABLE_AFTER_HOURS is disabled and its owner told.
ALERTS_RETRY_BASE_SECONDS = float(os.environ.get("ALERTS_RETRY_BASE_SECONDS", "10"))
ALERTS_RETRY_MAX_SECONDS = 3 * 3600
ALERTS_RETRY_HOURS = 24.0
ALERTS_DISABLE_AFTER_HOURS = 24.0
# Deliveries handed to one send task (a few seconds of work at loopback speed; small enough to spread).
ALERTS_SEND_CHUNK = 50
# Webhook requests one send task makes at once (to different endpoints: one endpoint's go one at a time).
ALERTS_SEND_THREADS = int(os.environ.get("ALERTS_SEND_THREADS", "16"))
# The most alerts in one daily email; the rest wait for the next.
ALERTS_DAILY_MAX = 200
ALERTS_USER_AGENT = os.environ.get("ALERTS_USER_AGENT", "intelligence-timeline-webhooks/1.0")
# The live stream (/api/changes/stream/): a connection ends after ALERTS_STREAM_MAX_SECONDS (the client
# reconnects with Last-Event-ID), so it never pins a web worker; a comment every ALERTS_STREAM_KEEPALIVE_SECONDS
# keeps proxies from closing an idle one; the log is polled every ALERTS_STREAM_POLL_SECONDS.
ALERTS_STREAM_MAX_SECONDS = float(os.environ.get("ALERTS_STREAM_MAX_SECONDS", "300"))
ALERTS_STREAM_KEEPALIVE_SECONDS = 15.0
ALERTS_STREAM_POLL_SECONDS = 1.0

# Feeds: fetching, polling and flagging (sources/, workers/feeds.py). The code reads each one when it runs, so
# tests change them with pytest-django's `settings` fixture. The environment sets those an operator may need to:
# what the service sends and accepts, how hard it may press a host, and how often it polls.
# Loopback stays refused unless FEEDS_ALLOW_LOOPBACK opens it, for development and tests only; link-local and
# private addresses never open.
FEEDS_ALLOW_LOOPBACK = env_bool("FEEDS_ALLOW_LOOPBACK", False)
# Sent with every fetch, so a feed's publisher can tell who polls it.
FEEDS_USER_AGENT = os.environ.get("FEEDS_USER_AGENT", "intelligence-timeline-feeds/1.0")
# The largest feed body, as received and after decoding (a gzip bomb stops here); feeds rarely pass 1 MB.
FEEDS_MAX_BYTES = int(os.environ.get("FEEDS_MAX_BYTES", str(10 * 1024 * 1024)))
# Seconds to connect, to wait for each read, and for the whole fetch: a server that stalls or drips a byte at a
# time cannot hold a worker. The deadline stays under the poll's soft time limit below.
FEEDS_CONNECT_TIMEOUT = 10.0
FEEDS_READ_TIMEOUT = 20.0
FEEDS_FETCH_DEADLINE = 60.0
# Redirects followed in one fetch (each new address is checked again); a chain longer than this is a loop.
FEEDS_MAX_REDIRECTS = 5
# Fetches running at once against one host, so that a publisher of many feeds is not hit by every worker.
FEEDS_PER_HOST_LIMIT = int(os.environ.get("FEEDS_PER_HOST_LIMIT", "2"))
# When to poll next (sources/feeds/scheduling.py), in seconds: a source's observed entry frequency (or the default
# while it has too few entries to tell), kept between the minimum and the maximum.
FEEDS_MIN_INTERVAL = int(os.environ.get("FEEDS_MIN_INTERVAL", "300"))
FEEDS_MAX_INTERVAL = int(os.environ.get("FEEDS_MAX_INTERVAL", str(24 * 3600)))
FEEDS_DEFAULT_INTERVAL = int(os.environ.get("FEEDS_DEFAULT_INTERVAL", str(30 * 60)))
# After a failed poll the wait grows with the consecutive errors up to this cap, and after this many errors
# the source is parked until an analyst resets it: a dead feed stops costing a fetch.
FEEDS_ERROR_BACKOFF_MAX = 24 * 3600
FEEDS_PARK_AFTER_ERRORS = 10
# Each wait is lengthened by up to this fraction at random, so that sources added together do not stay in step.
FEEDS_JITTER = 0.1
# The dispatcher (beat, every minute) claims at most this many due sources a run; a claim lasts the lease, and a
# poll still queued when it ends is dropped, since the source is due again by then.
FEEDS_DISPATCH_BATCH = 200
FEEDS_DISPATCH_LEASE_SECONDS = 600
# A poll's time limits: the soft one lets the task record why it stopped, the hard one kills the process. The
# Redis visibility timeout (config/celery.py) must exceed the hard limit.
FEEDS_POLL_SOFT_TIME_LIMIT = 120
FEEDS_POLL_TIME_LIMIT = FEEDS_POLL_SOFT_TIME_LIMIT + 30
# How long a claim on a source (its lock, its host slot) lasts: longer than the hard limit, so a killed worker's
# claim expires on its own but a running poll's never does.
FEEDS_POLL_LOCK_SECONDS = 180
# The watch-list flags an item whose score reaches the threshold with at least this much topic and action
# evidence (sources/flagging/scoring.py); the same numbers as the default rules' (sources/flagging/rules.py).
FEEDS_FLAG_THRESHOLD = 4.0
FEEDS_FLAG_MIN_TOPIC = 1.5
FEEDS_FLAG_MIN_ACTION = 2.0

# Search (timeline.search): a search term of four or more letters also finds the entities whose name or alias is
# at least this similar to it (pg_trgm's similarity, 0 to 1), so "Huawai" finds Huawei and "Nvidea" Nvidia.
# 0.4 lets one or two letters differ in a name of six or more, and keeps short words from matching names.
SEARCH_NAME_SIMILARITY = float(os.environ.get("SEARCH_NAME_SIMILARITY", "0.4"))
# ordering=relevance ranks the matches this many at a time, the most recently written first (timeline.search,
# relevance_block): ranking all 100,000 matches of a common word reads every one of them. A query with no more
# matches than this is ranked as a whole; 500 is ten default pages.
SEARCH_RANK_BLOCK = int(os.environ.get("SEARCH_RANK_BLOCK", "500"))

# Django's cap on the body of a form request, and the API's on a JSON body (api/parsers.py): Django's own default
# (2.5 MB), written out because the API depends on it.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Primary sources (sources/kinds). A Federal Register poll follows next_page_url at most this many pages
# (newest first, and it stops at a page with nothing new): 5 x 100 documents covers a busy week of the default
# agencies. A screening-list export is the whole list (the Consolidated Screening List's CSV is ~10 MB, its JSON
# more), so it has its own size cap; and an export that lost more than SCREENING_LIST_MAX_DROP of the last
# snapshot's entries is taken for a broken export (a real list loses a few entries a month, never half).
FEDERAL_REGISTER_MAX_PAGES = int(os.environ.get("FEDERAL_REGISTER_MAX_PAGES", "5"))
SCREENING_LIST_MAX_BYTES = int(os.environ.get("SCREENING_LIST_MAX_BYTES", str(64 * 1024 * 1024)))
SCREENING_LIST_MAX_DROP = float(os.environ.get("SCREENING_LIST_MAX_DROP", "0.5"))

# The learned flagger (sources/flagging/). FLAGGER_ENABLED off scores with the rules alone (a way out if
# a model misbehaves, without a deploy). A retrain runs once FLAGGER_RETRAIN_AFTER_DECISIONS new decisions are in
# (checked every 5 minutes by beat, workers/schedule.py; 25 is a morning's queue: often enough to learn within
# the day, rarely enough that trainings, seconds each, never pile up) and nightly. The gate lets a new model in
# only if its precision and recall on eval.jsonl are each no lower than the current model's minus
# FLAGGER_GATE_TOLERANCE: 0.01 is about one item of the 113 relevant ones there, so a single borderline item
# cannot block a model, while any real loss does. Fewer than FLAGGER_MIN_TRAINING_ITEMS labelled items cannot
# cross-validate a threshold (5 folds need a few of each class in each).
FLAGGER_ENABLED = env_bool("FLAGGER_ENABLED", True)
FLAGGER_RETRAIN_AFTER_DECISIONS = int(os.environ.get("FLAGGER_RETRAIN_AFTER_DECISIONS", "25"))
FLAGGER_GATE_TOLERANCE = float(os.environ.get("FLAGGER_GATE_TOLERANCE", "0.01"))
FLAGGER_MIN_TRAINING_ITEMS = int(os.environ.get("FLAGGER_MIN_TRAINING_ITEMS", "40"))

# Readiness (config.health): the last heartbeat may be this old (default: four missed beats of
# workers/schedule.py's HEARTBEAT_SECONDS), and a projection may trail the log by this many events (default 0:
# projectors run in the append's own transaction, so any lag means an import or rebuild went wrong).
HEARTBEAT_SECONDS = float(os.environ.get("HEARTBEAT_SECONDS", "30"))
HEALTH_MAX_BEAT_AGE_SECONDS = float(os.environ.get("HEALTH_MAX_BEAT_AGE_SECONDS", str(4 * HEARTBEAT_SECONDS)))
HEALTH_MAX_PROJECTION_LAG = int(os.environ.get("HEALTH_MAX_PROJECTION_LAG", "0"))

# Logs: plain text to stderr by default; LOG_FORMAT=json writes one JSON object per line to stdout (web, workers
# and beat) and logs each request with its id (config.logs).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text").strip().lower()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "config.logs.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
if LOG_FORMAT == "json":
    LOGGING["handlers"] = {
        "console": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "json"}
    }
    MIDDLEWARE.insert(1, "config.logs.RequestLogMiddleware")

# Spreadsheet import (interop.spreadsheet): a file may be this large and this long (a bigger one is refused with
# a message saying to split it: 10 MB of CSV is some 20,000 developments, years of an analyst's sheet). An
# uploaded file is kept in INTEROP_IMPORT_DIR under its sha256 between the preview and the import, so the
# analyst never has to upload it twice.
INTEROP_IMPORT_MAX_BYTES = int(os.environ.get("INTEROP_IMPORT_MAX_BYTES", str(10 * 1024 * 1024)))
INTEROP_IMPORT_MAX_ROWS = int(os.environ.get("INTEROP_IMPORT_MAX_ROWS", "20000"))
INTEROP_IMPORT_DIR = Path(os.environ.get("INTEROP_IMPORT_DIR", VAR_DIR / "imports"))

# Embedding. Public reads (the API, TAXII, the MISP feed) answer CORS so another site's page can fetch them,
# e.g. TimelineJS loading ?format=timelinejs: CORS_ALLOWED_ORIGINS is a comma-separated list of origins, or "*"
# (the default: the data is public) for any. Never with credentials, and only GET/HEAD/OPTIONS: a cross-site
# page can read what anyone may read, and can neither write nor read as a logged-in analyst.
_cors_origins = [o.strip() for o in os.environ.get("CORS_ALLOWED_ORIGINS", "*").split(",") if o.strip()]
CORS_ALLOW_ALL_ORIGINS = _cors_origins == ["*"]
CORS_ALLOWED_ORIGINS = [] if CORS_ALLOW_ALL_ORIGINS else _cors_origins
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_METHODS = ("GET", "HEAD", "OPTIONS")
CORS_URLS_REGEX = r"^/(api|taxii2|misp)/"
# /embed/timelines/{slug}/ is meant for iframes: the sites that may frame it, as CSP frame-ancestors sources
# (space-separated, e.g. "https://example.org https://*.example.com"); "*" (the default) lets any site embed it.
# Every other page keeps X-Frame-Options: DENY. This one setting is where the embed page's framing is decided.
EMBED_FRAME_ANCESTORS = os.environ.get("EMBED_FRAME_ANCESTORS", "*").strip() or "'none'"
