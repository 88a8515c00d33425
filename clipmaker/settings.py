"""КлипМейкер settings: one module, driven by the environment (django-environ).

With nothing set it runs the *embedded default*: SQLite, Celery on kombu's filesystem transport
and a file cache, all under ``var/``, with the platform sandbox switched on. ``DATABASE_URL`` and
``REDIS_URL`` switch to PostgreSQL and Redis. ``DJANGO_ENV=production`` demands the secrets and
refuses to start without them.
"""

from __future__ import annotations

import os
import secrets
import sys
from datetime import timedelta
from pathlib import Path

import environ

from clipmaker.envcheck import require_production_settings
from clipmaker.logging import default_log_format, logging_config

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
PRODUCTION = DJANGO_ENV == "production"
TESTING = "pytest" in sys.modules or env.bool("TESTING", default=False)

VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

# Prometheus multiprocess mode: web workers, Celery processes and beat write their counters
# into one directory, and /metrics adds them up (clipmaker/metrics/). Set before any metric
# exists; docker-compose mounts a shared volume there.
METRICS_DIR = Path(
    env.str(
        "PROMETHEUS_MULTIPROC_DIR",
        default=str(VAR_DIR / ("metrics-test" if TESTING else "metrics")),
    )
)
METRICS_DIR.mkdir(parents=True, exist_ok=True)
os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(METRICS_DIR)

if PRODUCTION:
    require_production_settings(env)


def _local_secret(name: str, nbytes: int = 32) -> str:
    """A secret generated once into var/ for the embedded default; never committed."""
    path = VAR_DIR / name
    if not path.exists():
        path.write_text(secrets.token_hex(nbytes))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env.str("SECRET_KEY", default="") or _local_secret("secret_key")
DEBUG = env.bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["*"])
PORT = env.int("PORT", default=8000)
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default=f"http://127.0.0.1:{PORT}").rstrip("/")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[PUBLIC_BASE_URL])

# --- token encryption key ring -------------------------------------------------------------
# PLATFORM_TOKEN_SECRET: the newest key (64 hex chars). PLATFORM_TOKEN_OLD_SECRETS: older keys
# still accepted for reading, comma-separated, so a rotation can re-encrypt under the newest.
PLATFORM_TOKEN_SECRET = env.str("PLATFORM_TOKEN_SECRET", default="") or _local_secret(
    "platform_token_secret"
)
PLATFORM_TOKEN_OLD_SECRETS = env.list("PLATFORM_TOKEN_OLD_SECRETS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",  # the API's tokens, stored as digests (clipmaker/accounts/tokens.py)
    "axes",  # failed-login lockouts for every login (clipmaker/accounts/login_limit.py)
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served by us: /api/docs/ works offline
    "django_htmx",
    "django_celery_beat",
    "clipmaker.accounts",
    "clipmaker.clips",
    "clipmaker.staff",
    "clipmaker.notifications",
    "clipmaker.onboarding",
    "platforms",
    "publishing",
    "stats",
]

PLATFORM_SANDBOX = env.bool("PLATFORM_SANDBOX", default=not PRODUCTION)
if PRODUCTION and PLATFORM_SANDBOX:
    raise SystemExit("PLATFORM_SANDBOX must not be enabled with DJANGO_ENV=production.")
if PLATFORM_SANDBOX:
    INSTALLED_APPS.append("platforms.sandbox")

MIDDLEWARE = [
    "clipmaker.middleware.RequestIdMiddleware",  # X-Request-ID on every line and response
    "clipmaker.middleware.DebugPageRedactionMiddleware",  # DEBUG error pages never show a token
    "clipmaker.middleware.ProbeMiddleware",  # /healthz and /metrics for any Host, over HTTP
    "clipmaker.middleware.RequestSecretsMiddleware",  # tokens a request brings are redacted
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # With DEBUG on, people get our 404/403/500 pages; the admin, staff and ?debug=1 keep
    # Django's debug pages (clipmaker/error_pages.py).
    "clipmaker.error_pages.FriendlyErrorPagesMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Turns a login that axes refused into the lockout answer (429).
    "axes.middleware.AxesMiddleware",
    # Redis down: 503 «Сервис временно недоступен…» instead of a bare 500.
    "clipmaker.middleware.ServiceUnavailableMiddleware",
]

ROOT_URLCONF = "clipmaker.urls"
WSGI_APPLICATION = "clipmaker.wsgi.application"

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
                "clipmaker.notifications.context.notification_bell",
            ],
        },
    },
]

# --- database ------------------------------------------------------------------------------
SQLITE_PATH = VAR_DIR / "clipmaker.sqlite3"
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{SQLITE_PATH}"),
}
USING_SQLITE = DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"


def _private_file(path: Path) -> None:
    """Create ``path`` readable by its owner only (0600), or tighten it; SQLite gives its -wal
    and -shm files the same mode as the database file."""
    if path.exists():
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


if USING_SQLITE:
    if DATABASES["default"]["NAME"] not in ("", ":memory:"):
        _private_file(Path(DATABASES["default"]["NAME"]))
    # web, worker and beat write to one file at once: WAL, a busy timeout and immediate
    # transactions keep them from failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file (not :memory:) so that worker processes started by tests see the test database.
    DATABASES["default"]["TEST"] = {
        "NAME": env.str("SQLITE_TEST_NAME", default=str(VAR_DIR / "test.sqlite3"))
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache, broker -------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
# Seconds to connect to Redis (cache, throttles, broker) before giving up: a request or an
# enqueue answers "unavailable" in about two seconds instead of hanging while Redis is down.
BROKER_CONNECT_TIMEOUT = env.float("BROKER_CONNECT_TIMEOUT", default=1.0)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "clipmaker",
            "OPTIONS": {"socket_connect_timeout": BROKER_CONNECT_TIMEOUT, "socket_timeout": 5},
        }
    }
    CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
    CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL)
    # Only short ETAs are ever put on the broker (the dispatcher's next tick), far below this.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=60 * 60),
        # A Redis that is down answers "refused" at once; one that is unreachable must not
        # hold a request either (see CELERY_TASK_PUBLISH_RETRY_POLICY).
        "socket_connect_timeout": BROKER_CONNECT_TIMEOUT,
    }
    CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = BROKER_CONNECT_TIMEOUT
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
    BROKER_DIR = VAR_DIR / "broker"
    for sub in ("out", "processed", "control"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://localhost//"  # a host name keeps kombu from warning
    # kombu's filesystem transport with atomic writes (see clipmaker/broker.py).
    CELERY_BROKER_TRANSPORT = "clipmaker.broker:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "out"),
        "data_folder_out": str(BROKER_DIR / "out"),
        "data_folder_processed": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
        # How often a worker looks for new messages (kombu's default is a whole second).
        "polling_interval": env.float("CELERY_BROKER_POLLING_INTERVAL", default=0.2),
    }
    (VAR_DIR / "results").mkdir(exist_ok=True)
    CELERY_RESULT_BACKEND = f"file://{VAR_DIR / 'results'}"

CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fixup closes the database connection around every task unless this is set;
# clipmaker.celery applies Django's own rule (CONN_MAX_AGE, health checks) instead.
CELERY_DB_REUSE_MAX = 10_000
CELERY_TASK_IGNORE_RESULT = True
# Sending a message gives up after one quick retry (the dispatcher re-sends a row whose
# message could not go out on its next tick): the broker's connect timeout plus at most
# ~0.2 s, so that a publish, «Повторить» or a command never hangs while Redis is down.
CELERY_BROKER_CONNECTION_TIMEOUT = BROKER_CONNECT_TIMEOUT
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0.1,
    "interval_step": 0.1,
    "interval_max": 0.2,
}
CELERY_RESULT_EXPIRES = 3600
# The longest upload (Rutube, 15 min) fits under the hard limit; the publication lease is
# longer still so that a live task is never reaped.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=20 * 60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=22 * 60)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
# Keep Django's LOGGING (JSON lines, token redaction) in the worker too.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# --- auth ----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/clips/"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out address or username before any password is checked.
    "clipmaker.accounts.login_limit.LoginLimitBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Failed logins (site, API token, admin): after AXES_FAILURE_LIMIT failures the address, and
# separately the username, is locked out for AXES_COOLOFF_TIME.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "clipmaker.accounts.login_limit.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_SENSITIVE_PARAMETERS = ["password", "token", "access_token", "refresh_token"]
# The client address behind NUM_PROXIES proxies, as the per-address rate limits read it.
AXES_IPWARE_PROXY_COUNT = env.int("NUM_PROXIES", default=1 if PRODUCTION else 0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]
)
# API tokens live this long; the user creates a new one (or several) on the settings page.
API_TOKEN_TTL_DAYS = env.int("API_TOKEN_TTL_DAYS", default=30)
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=API_TOKEN_TTL_DAYS),
    "AUTH_HEADER_PREFIX": "Token",
    "TOKEN_LIMIT_PER_USER": env.int("API_TOKEN_LIMIT_PER_USER", default=20),
}

LANGUAGE_CODE = "ru"
TIME_ZONE = "Europe/Moscow"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))

# --- storage: filesystem by default, S3-compatible when a bucket is configured --------------
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default=None)
    AWS_S3_REGION_NAME = env.str("AWS_S3_REGION_NAME", default=None)
    AWS_DEFAULT_ACL = None
    AWS_QUERYSTRING_AUTH = True
    _default_storage = {"BACKEND": "storages.backends.s3.S3Storage"}
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if TESTING or DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Uploaded clips stream to a temporary file, never into memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
CLIP_MAX_UPLOAD_BYTES = env.int("CLIP_MAX_UPLOAD_BYTES", default=10 * 1024**3)
# The probe reads the index and two groups of frames; a file that keeps it longer is refused.
CLIP_PROBE_TIME_LIMIT_SECONDS = env.int("CLIP_PROBE_TIME_LIMIT_SECONDS", default=120)
# A clip still "processing" this long after its probe was sent gets the probe sent again.
CLIP_PROBE_RESEND_SECONDS = env.int("CLIP_PROBE_RESEND_SECONDS", default=300)
# Resumable uploads (tus): partial files live here until the last byte arrives. Every web host
# that takes uploads needs the same directory (docs/scaling.md).
CLIP_UPLOAD_DIR = Path(env.str("CLIP_UPLOAD_DIR", default=str(VAR_DIR / "uploads")))
# An unfinished upload with no new bytes for this long is removed by the cleanup task.
CLIP_UPLOAD_EXPIRE_SECONDS = env.int("CLIP_UPLOAD_EXPIRE_SECONDS", default=24 * 3600)
# The page sends a file in requests of this size (a proxy's body limit must allow it).
CLIP_UPLOAD_CHUNK_BYTES = env.int("CLIP_UPLOAD_CHUNK_BYTES", default=50 * 1024 * 1024)
# Unfinished uploads one user may have at once.
CLIP_UPLOAD_OPEN_LIMIT = env.int("CLIP_UPLOAD_OPEN_LIMIT", default=5)


# --- platforms -----------------------------------------------------------------------------
# Each adapter declares its own base URLs and settings (``platforms/providers/<name>.py``):
# ``VK_API_URL``, ``VK_CLIENT_ID``, ... are read from the environment (or an override here) at
# call time, and default to the sandbox when it is on, else to the real hosts.
# A self-hosted Bot API server (tdlib/telegram-bot-api --local) at TELEGRAM_API_URL: uploads up
# to 2000 MB instead of 50 MB. TELEGRAM_LOCAL_BOT_API is the older name, still read.
TELEGRAM_LOCAL_API = env.bool(
    "TELEGRAM_LOCAL_API", default=env.bool("TELEGRAM_LOCAL_BOT_API", default=False)
)
PLATFORM_USER_AGENT = env.str("PLATFORM_USER_AGENT", default="ClipMaker-Autopost/0.1")
# Signed clip URLs handed to Rutube stay valid this long.
CLIP_URL_TTL_SECONDS = env.int("CLIP_URL_TTL_SECONDS", default=6 * 3600)

# The sandbox's control API (/sandbox/_control/) answers this X-Sandbox-Token or a staff login.
SANDBOX_CONTROL_TOKEN = (
    (env.str("SANDBOX_CONTROL_TOKEN", default="") or _local_secret("sandbox_control_token", 24))
    if PLATFORM_SANDBOX
    else ""
)
SANDBOX_STATE_PATH = env.str("SANDBOX_STATE_PATH", default=str(VAR_DIR / "sandbox.sqlite3"))
SANDBOX_PROCESSING_SECONDS = env.float("SANDBOX_PROCESSING_SECONDS", default=2.0)
SANDBOX_TOKEN_TTL_SECONDS = env.int("SANDBOX_TOKEN_TTL_SECONDS", default=3600)
# User tokens the sandbox's VK implicit flow gives a person (a day, as reported for real VK).
SANDBOX_VK_USER_TOKEN_TTL_SECONDS = env.int("SANDBOX_VK_USER_TOKEN_TTL_SECONDS", default=86400)

# --- publishing engine and stats sync: clipmaker/engine_settings.py ------------------------
from clipmaker.engine_settings import *  # noqa: E402, F403

# A new publication's figures move every couple of minutes with the sandbox (make run).
STATS_FRESH_INTERVAL_SECONDS = env.int(
    "STATS_FRESH_INTERVAL_SECONDS", default=120 if PLATFORM_SANDBOX else 3600
)

# --- notifications and e-mail ----------------------------------------------------------------
# Development prints letters to the console; production sends them by SMTP (EMAIL_HOST ...).
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default=(
        "django.core.mail.backends.smtp.EmailBackend"
        if PRODUCTION
        else "django.core.mail.backends.console.EmailBackend"
    ),
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="КлипМейкер <noreply@localhost>")
# Notifications that come within this many seconds of each other go out in one e-mail.
NOTIFICATION_DIGEST_SECONDS = env.int("NOTIFICATION_DIGEST_SECONDS", default=60)

# --- API -----------------------------------------------------------------------------------
# Proxies in front of the web process: production sits behind one TLS proxy (see
# SECURE_PROXY_SSL_HEADER). Per-address limits read the client from X-Forwarded-For behind
# this many, and an X-Request-ID set by that proxy is trusted.
NUM_PROXIES = env.int("NUM_PROXIES", default=1 if PRODUCTION else 0)
TRUST_X_REQUEST_ID = env.bool("TRUST_X_REQUEST_ID", default=NUM_PROXIES > 0)
REST_FRAMEWORK = {
    # Token first, so that a request without valid credentials gets 401 (WWW-Authenticate).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "clipmaker.accounts.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "EXCEPTION_HANDLER": "publishing.api.api_exception_handler",
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # Descriptions in Russian from extend_schema and help_text only, never from docstrings.
    "DEFAULT_SCHEMA_CLASS": "clipmaker.api_schema.RussianAutoSchema",
    "DEFAULT_PAGINATION_CLASS": "clipmaker.pagination.StrictPageNumberPagination",
    "PAGE_SIZE": 50,
    "NUM_PROXIES": NUM_PROXIES,
    "DEFAULT_THROTTLE_RATES": {
        "connect": "5/hour",
        "publish": "20/min",
        "connection_test": "30/hour",
        "login": "20/min",
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "API КлипМейкера: автопостинг",
    "DESCRIPTION": (
        "Публикация клипов в VK, Rutube, Дзен и Telegram сразу или по расписанию, места "
        "публикации, подключения платформ и статистика. Вход: сессия сайта или заголовок "
        "`Authorization: Token <ключ>` (ключ — `POST /api/v1/auth/token/` или страница "
        '«Безопасность»). Ошибки — `{"detail": "..."}` или '
        '`{"errors": {"<поле>": ["..."]}}`, по-русски.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "PlatformEnum": "platforms.providers.registry.platform_choices",
        "DestinationKindEnum": "platforms.serializers.KIND_CHOICES",
        "NotificationKindEnum": "clipmaker.notifications.models.NotificationKind",
    },
    # Requests get their own components: an upload's file is binary there (a URL in answers)
    # and required strings say minLength 1, so the schema matches what the API accepts.
    "COMPONENT_SPLIT_REQUEST": True,
    # Every answer an operation can give is documented (clipmaker/api_schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "clipmaker.api_schema.document_error_answers",
    ],
}

# --- security ------------------------------------------------------------------------------
# Error pages and mails hide anything secret-named or token-shaped, with DEBUG on too.
DEFAULT_EXCEPTION_REPORTER_FILTER = "clipmaker.debug.TokenSafeExceptionReporterFilter"
DEFAULT_EXCEPTION_REPORTER = "clipmaker.debug.TokenSafeExceptionReporter"
# /metrics asks for "Authorization: Bearer <METRICS_TOKEN>" when set; in production it is
# closed until one is set (development serves it openly).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- logging: structlog, JSON in production, readable in development, always redacted --------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = default_log_format()
LOGGING = logging_config(level=LOG_LEVEL, fmt=LOG_FORMAT)
