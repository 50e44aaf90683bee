"""Settings for the help desk, read from the environment.

Every value comes through the small typed helpers below, which reject nonsense with the
variable's name. Unset means the embedded setup used by `make run`: a SQLite file and a Celery
broker on the local filesystem, both under `var/`. `DATABASE_URL` switches to PostgreSQL,
`CELERY_BROKER_URL` to Redis. With `DEBUG` off (the default) the site is in production mode:
it refuses to start without a real `SECRET_KEY` and passes `manage.py check --deploy`.
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured


def env_str(name: str, default: str = "") -> str:
    """The variable's value with surrounding blanks removed, or `default` when unset or blank."""
    return os.environ.get(name, "").strip() or default


def env_bool(name: str, default: bool) -> bool:
    """`true` or `false` (any case); anything else is a configuration error."""
    raw = env_str(name).lower()
    if not raw:
        return default
    if raw not in ("true", "false"):
        raise ImproperlyConfigured(f"{name} must be 'true' or 'false', got {raw!r}")
    return raw == "true"


def env_int(name: str, default: int, *, minimum: int, maximum: int) -> int:
    """A whole number within [minimum, maximum]."""
    raw = env_str(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {raw!r}") from None
    if not minimum <= value <= maximum:
        raise ImproperlyConfigured(f"{name} must be between {minimum} and {maximum}, got {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    """A comma-separated list; empty items are a configuration error (a stray comma hides typos)."""
    raw = env_str(name)
    if not raw:
        return default
    items = [item.strip() for item in raw.split(",")]
    if not all(items):
        raise ImproperlyConfigured(f"{name} has an empty item: {raw!r}")
    return items


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    """One of `choices` (compared in upper case)."""
    value = env_str(name, default).upper()
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return value


def env_rate(name: str, default: str) -> str:
    """A rate like `10/h`: a count per second (s), minute (m), hour (h) or day (d)."""
    value = env_str(name, default)
    count, _, period = value.partition("/")
    if not (count.isdigit() and int(count) > 0 and period in ("s", "m", "h", "d")):
        raise ImproperlyConfigured(
            f"{name} must look like 10/h (count per s, m, h or d), got {value!r}"
        )
    return value


def env_secret(name: str) -> str:
    """A secret from `NAME`, or from the file named by `NAME_FILE` (Docker/Kubernetes secrets)."""
    path = env_str(f"{name}_FILE")
    if not path:
        return env_str(name)
    if env_str(name):
        raise ImproperlyConfigured(f"Set {name} or {name}_FILE, not both")
    try:
        return Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ImproperlyConfigured(f"{name}_FILE: cannot read {path}: {exc.strerror}") from None


BASE_DIR = Path(__file__).resolve().parent.parent
# HELPDESK_VAR_DIR (default ./var): runtime files of the embedded setup — SQLite, broker, uploads.
VAR_DIR = Path(env_str("HELPDESK_VAR_DIR", str(BASE_DIR / "var")))

# DEBUG (default false): true only on a developer's machine; false is production mode.
DEBUG = env_bool("DEBUG", False)

# The key Django signs sessions, CSRF tokens and access links with. Production requires a real one.
_DEV_SECRET_KEY = "dev-only-secret-key-never-use-in-production-0123456789abcdef"  # noqa: S105
SECRET_KEY = env_secret("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is false (generate one with: "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))')"
        )
    SECRET_KEY = _DEV_SECRET_KEY
elif not DEBUG and (
    len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure")
):
    raise ImproperlyConfigured(
        "SECRET_KEY is too weak for production: use at least 50 random characters"
    )

# ALLOWED_HOSTS (default: localhost in DEBUG, required otherwise): host names this site answers to.
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is false")
# CSRF_TRUSTED_ORIGINS (default none): extra origins, e.g. https://help.example.com behind a proxy.
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# SITE_URL (default http://localhost:8000): the public address used in links sent by email.
SITE_URL = env_str("SITE_URL", "http://localhost:8000").rstrip("/")
# HELPDESK_NAME (default "IT Help Desk"): the desk's name on pages and in emails.
HELPDESK_NAME = env_str("HELPDESK_NAME", "IT Help Desk")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_celery_beat",
    "rest_framework",
    "drf_spectacular",
    "sla",
    "tickets",
    "portal",
    "agents",
    "api",
    "mail",
]

MIDDLEWARE = [
    # First, so load balancers get an answer whatever the Host header or scheme.
    "helpdesk.middleware.HealthCheckMiddleware",
    "helpdesk.middleware.RefuseNulCharactersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "helpdesk.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "helpdesk.urls"
WSGI_APPLICATION = "helpdesk.wsgi.application"

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
                "helpdesk.context_processors.desk",
            ],
            # {{ form|bootstrap }}: crispy's Bootstrap 5 markup drawn faster (helpdesk/bootstrap.py)
            "libraries": {"bootstrap": "helpdesk.bootstrap"},
        },
    },
]

# Select boxes, inputs and text areas drawn without templates (see helpdesk/form_renderer.py).
FORM_RENDERER = "helpdesk.form_renderer.FastWidgetRenderer"

# DATABASE_URL (default: SQLite at var/helpdesk.sqlite3), e.g. postgres://user@host:5432/helpdesk.
DATABASE_URL = env_str("DATABASE_URL")
# DATABASE_CONN_MAX_AGE (default 0): seconds a connection is reused; 60 suits gunicorn workers.
_CONN_MAX_AGE = env_int("DATABASE_CONN_MAX_AGE", 0, minimum=0, maximum=3600)
if DATABASE_URL:
    try:
        _database = dj_database_url.parse(DATABASE_URL, conn_max_age=_CONN_MAX_AGE)
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {exc}") from None
    _database["CONN_HEALTH_CHECKS"] = _CONN_MAX_AGE > 0
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    _database = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": VAR_DIR / "helpdesk.sqlite3",
        # The web server, the worker and beat write at once: IMMEDIATE takes the write lock
        # at BEGIN (no upgrade deadlocks), WAL lets readers go on, the timeout waits for the lock.
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }
DATABASES = {"default": _database}
# DATABASE_PREPARED_STATEMENTS (default: on with DATABASE_CONN_MAX_AGE): run the queue's
# queries as statements prepared on each PostgreSQL connection (helpdesk/db.py), planned once
# per connection. Needs connections kept between requests; set false behind a pooler that
# hands a session's statements to other clients (PgBouncer in transaction mode).
HELPDESK_PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", _CONN_MAX_AGE > 0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# CACHE_URL (default: in-process memory), e.g. redis://127.0.0.1:6379/1 to share between workers.
CACHE_URL = env_str("CACHE_URL")
if CACHE_URL and not CACHE_URL.startswith(("redis://", "rediss://")):
    raise ImproperlyConfigured(f"CACHE_URL must be a redis:// URL, got {CACHE_URL!r}")
CACHES = {
    "default": (
        {"BACKEND": "helpdesk.cache.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# HELPDESK_REMEMBER_CONFIGURATION (default: on with CACHE_URL): keep what is read from the
# desk's configuration (topics, calendars, email wording…) between requests
# (helpdesk/remembered.py). Every process must share the cache, or one would not hear of an
# admin's change made in another.
HELPDESK_REMEMBER_CONFIGURATION = env_bool("HELPDESK_REMEMBER_CONFIGURATION", bool(CACHE_URL))

# The signed-in user comes with their agent record (agents/backends.py).
AUTHENTICATION_BACKENDS = ["agents.backends.AgentAwareBackend"]
# With a shared cache, sessions are read from it (written to both): no query per request to
# find one. A cache of each process's own would still know a session signed out elsewhere.
SESSION_ENGINE = f"django.contrib.sessions.backends.{'cached_db' if CACHE_URL else 'db'}"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
# TIME_ZONE (default UTC): the zone dates are shown in.
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# STATIC_ROOT (default var/static): where collectstatic gathers files for whitenoise to serve.
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# MEDIA_ROOT (default var/media): attachments; never served directly, only through access checks.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# In DEBUG, serve static files straight from the app folders, no collectstatic needed.
WHITENOISE_AUTOREFRESH = DEBUG
WHITENOISE_USE_FINDERS = DEBUG

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Security. Production defaults pass `check --deploy`; TLS is expected to end at a proxy.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# TRUST_X_FORWARDED_PROTO (default false): true behind a proxy that sets X-Forwarded-Proto.
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# SECURE_HSTS_SECONDS (default a year in production, 0 in DEBUG).
SECURE_HSTS_SECONDS = env_int(
    "SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000, minimum=0, maximum=63_072_000
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Uploads above this stream to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Attachments (portal, agent panel, email, API).
# HELPDESK_ATTACHMENT_MAX_MB (default 10): the largest file accepted.
HELPDESK_ATTACHMENT_MAX_BYTES = (
    env_int("HELPDESK_ATTACHMENT_MAX_MB", 10, minimum=1, maximum=1024) * 1024 * 1024
)
# HELPDESK_ATTACHMENT_MAX_COUNT (default 5): files per message.
HELPDESK_ATTACHMENT_MAX_COUNT = env_int("HELPDESK_ATTACHMENT_MAX_COUNT", 5, minimum=0, maximum=50)
# HELPDESK_ATTACHMENT_EXTENSIONS (default: images, PDF, text, logs, office documents, zip).
HELPDESK_ATTACHMENT_EXTENSIONS = [
    extension.lower().lstrip(".")
    for extension in env_list(
        "HELPDESK_ATTACHMENT_EXTENSIONS",
        [
            "png",
            "jpg",
            "jpeg",
            "gif",
            "webp",
            "pdf",
            "txt",
            "log",
            "csv",
            "json",
            "xml",
            "docx",
            "xlsx",
            "pptx",
            "odt",
            "ods",
            "eml",
            "zip",
        ],
    )
]

# Email. EMAIL_HOST set means SMTP; else EMAIL_FILE_PATH set means messages are written to files
# in that folder (what `make run` does); else they are printed on the worker's console.
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
elif EMAIL_FILE_PATH:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# EMAIL_PORT (default 587), EMAIL_HOST_USER, EMAIL_HOST_PASSWORD(_FILE); EMAIL_USE_TLS (default
# true: STARTTLS, port 587) or EMAIL_USE_SSL (default false: implicit TLS, port 465).
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", not EMAIL_USE_SSL)
if EMAIL_USE_SSL and EMAIL_USE_TLS:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be true")
EMAIL_TIMEOUT = 20
# DEFAULT_FROM_EMAIL (default helpdesk@localhost): the sender of every notification.
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "helpdesk@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery. CELERY_BROKER_URL (default: files under var/broker, no server needed), e.g. redis://…
# (The host part only keeps kombu from warning that none was given.)
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://localhost//")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _BROKER_DIR = VAR_DIR / "broker"
    _BROKER_DIR.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_BROKER_DIR),
        "data_folder_out": str(_BROKER_DIR),
        "processed_folder": str(_BROKER_DIR),
        "store_processed": False,
        "control_folder": str(_BROKER_DIR / "control"),
    }
elif not CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    raise ImproperlyConfigured(
        f"CELERY_BROKER_URL must be filesystem:// or a redis:// URL, got {CELERY_BROKER_URL!r}"
    )
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Tasks are safe to run twice; acknowledging late means a crashed worker's task runs again.
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A request must not hang on a broker outage: stored work (the notification outbox) is
# picked up again by the periodic jobs once the broker is back.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# SLA engine.
# HELPDESK_SLA_SWEEP_SECONDS (default 60): how often beat runs the sweep that warns, marks
# overdue and escalates.
HELPDESK_SLA_SWEEP_SECONDS = env_int("HELPDESK_SLA_SWEEP_SECONDS", 60, minimum=1, maximum=3600)
# HELPDESK_SLA_BATCH_SIZE (default 1000): tickets a sweep locks and handles per transaction.
HELPDESK_SLA_BATCH_SIZE = env_int("HELPDESK_SLA_BATCH_SIZE", 1000, minimum=1, maximum=10_000)
# HELPDESK_AUTO_CLOSE_DAYS (default 7): close resolved tickets after this many days (daily, at
# 03:30); 0 never closes them automatically.
HELPDESK_AUTO_CLOSE_DAYS = env_int("HELPDESK_AUTO_CLOSE_DAYS", 7, minimum=0, maximum=365)
# HELPDESK_PAGING_TIMEOUT (default 10): seconds to wait for the on-call webhook's answer.
HELPDESK_PAGING_TIMEOUT = env_int("HELPDESK_PAGING_TIMEOUT", 10, minimum=1, maximum=120)
# Inbound email (mail/).
# HELPDESK_MAILBOX_KEY (default: derived from SECRET_KEY): the Fernet key IMAP passwords are
# stored encrypted with; generate one with python -c 'from cryptography.fernet import Fernet;
# print(Fernet.generate_key().decode())'. Changing it means entering the passwords again.
HELPDESK_MAILBOX_KEY = env_secret("HELPDESK_MAILBOX_KEY")
# HELPDESK_IMAP_CA_FILE (default: the system's CAs): CA certificates to verify IMAP servers by.
HELPDESK_IMAP_CA_FILE = env_str("HELPDESK_IMAP_CA_FILE")
# HELPDESK_IMAP_POLL_SECONDS (default 60): how often beat polls the active IMAP mailboxes.
HELPDESK_IMAP_POLL_SECONDS = env_int("HELPDESK_IMAP_POLL_SECONDS", 60, minimum=1, maximum=3600)
# Every periodic job, in one place; admins can change their timing in Django admin.
CELERY_BEAT_SCHEDULE = {
    "requeue-stalled-notifications": {
        "task": "tickets.tasks.requeue_stalled_notifications_task",
        "schedule": 120.0,
    },
    "sla-sweep": {
        "task": "sla.tasks.sweep_sla_task",
        "schedule": float(HELPDESK_SLA_SWEEP_SECONDS),
        # A sweep still queued when the next one is due is redundant: let it lapse.
        "options": {"expires": max(HELPDESK_SLA_SWEEP_SECONDS - 1, 1)},
    },
    "auto-close-resolved": {
        "task": "sla.tasks.auto_close_resolved_task",
        "schedule": crontab(hour=3, minute=30),
    },
    "poll-mailboxes": {
        "task": "mail.tasks.poll_mailboxes_task",
        "schedule": float(HELPDESK_IMAP_POLL_SECONDS),
        # Each poll claims its mailbox; a poll still queued at the next tick is redundant.
        "options": {"expires": max(HELPDESK_IMAP_POLL_SECONDS - 1, 1)},
    },
}

# LOG_LEVEL (default INFO): DEBUG, INFO, WARNING or ERROR.
LOG_LEVEL = env_choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}

# Customer portal.
# Customers sign in on the portal; the agent panel passes its own login_url.
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:my_tickets"
LOGOUT_REDIRECT_URL = "portal:home"
# HELPDESK_ACCESS_LINK_DAYS (default 30): how long an emailed access link to a ticket works.
HELPDESK_ACCESS_LINK_MAX_AGE = (
    env_int("HELPDESK_ACCESS_LINK_DAYS", 30, minimum=1, maximum=365) * 24 * 3600
)
# HELPDESK_MAX_OPEN_TICKETS_PER_EMAIL (default 10, 0 = no cap): tickets one address may have
# open at once through the portal.
HELPDESK_MAX_OPEN_TICKETS_PER_EMAIL = env_int(
    "HELPDESK_MAX_OPEN_TICKETS_PER_EMAIL", 10, minimum=0, maximum=10_000
)
# Rate limits, counted in the cache (set CACHE_URL with several processes), per client IP and
# per email address, as COUNT/PERIOD with PERIOD s, m, h or d. "lookups" are the forms that
# send an email: ticket status look-up, password reset, registration. Logins count failures.
HELPDESK_RATE_LIMITS = {
    "tickets": {
        "ip": env_rate("HELPDESK_RATELIMIT_TICKETS_PER_IP", "20/h"),
        "email": env_rate("HELPDESK_RATELIMIT_TICKETS_PER_EMAIL", "5/h"),
    },
    "lookups": {
        "ip": env_rate("HELPDESK_RATELIMIT_LOOKUPS_PER_IP", "10/h"),
        "email": env_rate("HELPDESK_RATELIMIT_LOOKUPS_PER_EMAIL", "3/h"),
    },
    "logins": {
        "ip": env_rate("HELPDESK_RATELIMIT_LOGINS_PER_IP", "30/h"),
        "email": env_rate("HELPDESK_RATELIMIT_LOGINS_PER_EMAIL", "10/h"),
    },
}
# TRUST_X_FORWARDED_FOR (default false): take the client IP from the last X-Forwarded-For
# entry, as set by the reverse proxy; without a proxy a client could forge it.
TRUST_X_FORWARDED_FOR = env_bool("TRUST_X_FORWARDED_FOR", False)
# API (api/): osTicket-compatible ticket creation and the JSON API for integrations.
# HELPDESK_API_MAX_BODY_MB (default 25): largest request body; attachments travel in base64,
# a third larger than the files.
HELPDESK_API_MAX_BODY_BYTES = (
    env_int("HELPDESK_API_MAX_BODY_MB", 25, minimum=1, maximum=1024) * 1024 * 1024
)
# HELPDESK_API_RATE (default 120/m): requests per API key, counted in the cache.
HELPDESK_API_RATE = env_rate("HELPDESK_API_RATE", "120/m")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.ActsAsAgent"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.KeyRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.LimitedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Help desk API",
    "DESCRIPTION": "Tickets for integrations, acting as the API key's agent.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "ENUM_NAME_OVERRIDES": {
        "TicketStatusEnum": "tickets.models.Ticket.Status",
        "ActiveStatusEnum": "api.serializers.ACTIVE_STATUS_CHOICES",
    },
}
# Content Security Policy of every page but Django admin's: no inline script or style, nothing
# from other sites, no framing, forms post only here.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
