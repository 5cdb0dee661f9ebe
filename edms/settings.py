"""EDMS settings, read from the environment (see README: Configuration).

Every variable goes through a parser in edms/core/env.py, which refuses a bad value by name
(secrets through edms/core/credentials.py). Importing this module creates nothing: a command
run where no installation exists must leave the directory as it found it (edms/core/guard.py).
"""

from datetime import timedelta
from pathlib import Path

from edms.core import credentials
from edms.core.env import (
    env_bool,
    env_choice,
    env_database,
    env_float,
    env_int,
    env_list,
    env_path,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = env_path("EDMS_DATA_DIR", Path("var")).resolve()
STORAGE_ROOT = env_path("EDMS_STORAGE_ROOT", DATA_DIR / "storage")
BACKUP_DIR = env_path("EDMS_BACKUP_DIR", DATA_DIR / "backups")
# Audit chain heads, appended outside the database (edms.audit.anchors): put it on a volume the
# database's administrators cannot write.
AUDIT_ANCHOR_FILE = env_path("EDMS_AUDIT_ANCHOR_FILE", DATA_DIR / "audit-anchors.jsonl")

SECRET_KEY = credentials.secret_key(DATA_DIR)
DEBUG = env_bool("EDMS_DEBUG")
ALLOWED_HOSTS = env_list("EDMS_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("EDMS_CSRF_TRUSTED_ORIGINS")
INSTANCE_NAME = env_str("EDMS_INSTANCE_NAME", "edms")
# Only scripts/start.sh serves on it; read here so that its first `edms` command refuses a bad one.
PORT = env_int("EDMS_PORT", 8000, minimum=1, maximum=65535)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "rest_framework_simplejwt.token_blacklist",
    "axes",  # before edms.accounts: its lockout verdict is set when accounts audits a failure
    "edms.core",
    "edms.accounts",
    "edms.workflows",
    "edms.documents",
    "edms.search",
    "edms.audit",
    "edms.backup",
    "edms.web",  # the administrators' UI; no models, so nothing to declare in the registry
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out web login into a 429 page
]

ROOT_URLCONF = "edms.urls"
WSGI_APPLICATION = "edms.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "edms.web.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {"default": env_database("EDMS_DATABASE_URL", f"sqlite:///{DATA_DIR / 'edms.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers (a backup snapshot) run beside a writer; the timeout rides out short locks.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out username and address first
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling (django-axes): after EDMS_LOGIN_FAILURE_LIMIT wrong passwords for one
# username from one address, that pair is refused with 429 until EDMS_LOGIN_COOLOFF_MINUTES pass
# without another failure. Counting the pair, not the username alone, keeps an attacker from
# locking a real user out from elsewhere. Every failure is also in the audit trail
# (edms/accounts/logins.py). REMOTE_ADDR is the address: behind a proxy, all clients share it.
AXES_FAILURE_LIMIT = env_int("EDMS_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("EDMS_LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_DISABLE_ACCESS_LOG = True  # successes need no second log; failures are audited
AXES_VERBOSE = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"

# Uploads larger than this go to a temporary file instead of memory; the restore upload limit
# is enforced separately (EDMS_MAX_UPLOAD_BYTES).
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
MAX_UPLOAD_BYTES = env_int("EDMS_MAX_UPLOAD_BYTES", 10 * 1024**3, minimum=1)
# One record line of a package or JSON Lines fixture; a longer one is refused before it is whole.
MAX_RECORD_BYTES = env_int("EDMS_MAX_RECORD_BYTES", 64 * 1024**2, minimum=1024)
MAX_DOCUMENT_FILE_BYTES = env_int("EDMS_MAX_DOCUMENT_FILE_BYTES", 512 * 1024**2, minimum=1)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "edms.core.http_errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "EDMS API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI served from our own static files: the docs page works on an offline network.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The schema maps every route an attacker could try: signed-in users only, unless published.
    "SERVE_PERMISSIONS": (
        ["rest_framework.permissions.AllowAny"]
        if env_bool("EDMS_PUBLIC_SCHEMA")
        else ["rest_framework.permissions.IsAuthenticated"]
    ),
}

# API and web UI. Tokens name the user by uuid, which a restore keeps, never by row id, which a
# clean restore may give to someone else. A refresh token is good for one refresh (then
# blacklisted); presenting a used one again revokes all of the user's tokens
# (edms/accounts/tokens.py). Tokens carry a digest of the password hash, so a password change
# voids them, access tokens included; a deactivated user's tokens are refused and blacklisted.
SIMPLE_JWT = {
    "USER_ID_FIELD": "uuid",
    "USER_ID_CLAIM": "user_uuid",
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=30),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=1),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "CHECK_REVOKE_TOKEN": True,
}
SPECTACULAR_SETTINGS["COMPONENT_SPLIT_REQUEST"] = True  # file fields as binary in request bodies
# Every upload streams to a temporary file and stops at MAX_UPLOAD_BYTES; an anonymous caller's
# file is refused before a byte of it is written.
FILE_UPLOAD_HANDLERS = ["edms.web.uploads.BoundedTemporaryFileUploadHandler"]
# Jobs publish live progress here: a file cache is shared by all processes of one server;
# EDMS_CACHE_URL (redis://...) shares it with Celery workers elsewhere.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": cache_url}
        if (cache_url := env_str("EDMS_CACHE_URL", ""))
        else {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": DATA_DIR / "cache",
        }
    )
}

# Celery runs backup jobs and scheduled backups when a broker is set (redis://127.0.0.1:6379/0);
# without one, `edms backup_scheduler` and background threads do the same work in-process.
CELERY_BROKER_URL = env_str("EDMS_CELERY_BROKER_URL", "")
# How background jobs run: inline, thread or celery; empty = celery with a broker, else thread.
JOB_RUNNER = env_choice("EDMS_JOB_RUNNER", "", ("inline", "thread", "celery"))
CELERY_TASK_ALWAYS_EAGER = False
# Its own queue name lets several installations share one Redis without taking each other's jobs.
CELERY_TASK_DEFAULT_QUEUE = env_str("EDMS_CELERY_QUEUE", "edms")
CELERY_TASK_SERIALIZER = CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True  # outcomes live in BackupJob/RestoreJob, not a result backend
CELERY_WORKER_PREFETCH_MULTIPLIER = 1  # backups are long: don't hoard them on one worker
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {"backup-schedule-tick": {"task": "edms.backup.tick", "schedule": 60.0}}
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
# Health turns to warning when the last good backup is older than this.
BACKUP_MAX_AGE_HOURS = env_float("EDMS_BACKUP_MAX_AGE_HOURS", 26.0, minimum=0)
# A failed backup, drill or verification and an overdue schedule email these addresses
# (edms/backup/operations/alerts.py), through an SMTP relay that needs no login.
ALERT_EMAIL = env_list("EDMS_ALERT_EMAIL")
EMAIL_HOST = env_str("EDMS_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EDMS_EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_USE_TLS = env_bool("EDMS_EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = env_str("EDMS_EMAIL_FROM", "edms@localhost")

# Scripts and styles come from our own static files only; the UI reads the CSRF token from a
# meta tag, so no script needs the cookie.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
CSRF_COOKIE_HTTPONLY = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {
        "handlers": ["console"],
        "level": env_choice(
            "EDMS_LOG_LEVEL", "WARNING", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
        ),
    },
}
