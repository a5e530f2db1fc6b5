"""One settings module, driven by the environment (see .env.example).

Production differs from the demo only by environment variables. Each variable
is read through a small typed helper that refuses a malformed value at start-up
instead of misbehaving later.
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.conf import global_settings
from django.core.exceptions import ImproperlyConfigured

from edubureau.core.field_keys import DEMO_SECRET_KEY, derived_field_key

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(os.environ.get("EDUBUREAU_VAR_DIR", PROJECT_DIR / "var"))


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_int_tuple(name: str, default: tuple[int, ...]) -> tuple[int, ...]:
    raw = env_list(name, [])
    if not raw:
        return default
    try:
        return tuple(int(item) for item in raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be comma-separated integers, got {raw!r}") from exc


TESTING = "pytest" in sys.modules or env_bool("EDUBUREAU_TESTING", False)

DEBUG = env_bool("DEBUG", False)
# The embedded default: no DATABASE_URL, SQLite under var/ — one machine, one operator
# (the demo, a trial). It keeps a generated secret key in var/secret_key (made on first
# run, never committed) so every command works without environment variables.
# Production (DATABASE_URL set) must be given SECRET_KEY and FIELD_ENCRYPTION_KEYS.
EMBEDDED = not os.environ.get("DATABASE_URL")


def _embedded_secret_key(path: Path) -> str:
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        # Created with owner-only permissions; a concurrent first run keeps the first key.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text(encoding="ascii").strip()
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(key)
        return key


SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if TESTING:
        SECRET_KEY = "insecure-test-key-never-use-in-production"
    elif EMBEDDED:
        SECRET_KEY = _embedded_secret_key(VAR_DIR / "secret_key")
    elif DEBUG or env_bool("EDUBUREAU_DEMO", False):
        SECRET_KEY = DEMO_SECRET_KEY
    else:
        raise ImproperlyConfigured("SECRET_KEY must be set (see .env.example)")

# Keys of the encrypted columns (phone numbers): comma-separated Fernet keys, the
# first encrypts. Generate one with
#   python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS", [])
if not FIELD_ENCRYPTION_KEYS:
    if DEBUG or TESTING or EMBEDDED or env_bool("EDUBUREAU_DEMO", False):
        # Derived from the secret key: the embedded default, the demo and the tests only.
        FIELD_ENCRYPTION_KEYS = [derived_field_key(SECRET_KEY)]
    else:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must be set (see .env.example)")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "edubureau.core",
    "edubureau.audit",
    "edubureau.orgs",
    "edubureau.notifications",
    "edubureau.jobs",
    "edubureau.rectification",
    "edubureau.downloads",
    "edubureau.imports",
    "edubureau.safety",
    "edubureau.stats",
    "edubureau.plans",
    "edubureau.reports",
]

MIDDLEWARE = [
    # First, so every answer, log line and error page carries the request's id.
    "edubureau.core.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Near the top, so that every HTML response, whichever layer made it, gets the policy.
    "edubureau.core.security_headers.ContentSecurityPolicyMiddleware",
    # Before anything reads a parameter: a NUL byte is a server error on PostgreSQL.
    "edubureau.core.request_guard.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "edubureau.audit.middleware.RequestContextMiddleware",
    "edubureau.orgs.middleware.IdleTimeoutMiddleware",
    "edubureau.orgs.middleware.ForcePasswordChangeMiddleware",
    # Then a second factor the bureau requires and the account has not set up.
    "edubureau.orgs.middleware.TwoFactorEnrolmentMiddleware",
    # PostgreSQL's row-level security for the signed-in account (orgs/wall.py).
    "edubureau.orgs.wall.WallMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so that it sees the final response of a failed login.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "edubureau.urls"
WSGI_APPLICATION = "edubureau.wsgi.application"
ASGI_APPLICATION = "edubureau.asgi.application"

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
                "edubureau.orgs.context_processors.navigation",
                "edubureau.notifications.context_processors.unread_notifications",
            ],
        },
    },
]

# SQLite under var/ is the embedded default; DATABASE_URL=postgres://… selects PostgreSQL.
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'edubureau.sqlite3'}")
# A kept connection (CONN_MAX_AGE) is checked at the first query of each request and
# replaced if the server dropped it (a PostgreSQL restart or failover, an idle timeout):
# without the check, every worker's next request after a restart failed with a 500
# (found by bench/fault_injection.py; core/tests/test_database_reconnect.py).
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the worker write while the web process reads; IMMEDIATE avoids
        # "database is locked" upgrades inside transactions.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # The test database is a file, not Django's in-memory default: with an in-memory
    # database the live server hands one connection to all its request threads, so
    # two concurrent requests interleave their transactions ("cannot release
    # savepoint") in a way production, where each thread has its own connection and
    # BEGIN IMMEDIATE serialises writers, never does. One file per test process.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"edubureau-test-{os.getpid()}.sqlite3")
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache holds only what may be a minute old (a province's or a city's dashboard,
# safety/selectors/dashboard.py), so each worker process keeps its own: nothing to run
# beside the application. A deployment with many workers may point it at a shared
# backend; nothing else changes.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "edubureau",
        "OPTIONS": {"MAX_ENTRIES": 500},  # ~60 KB a kept dashboard: 30 MB a worker at most
    }
}

AUTH_USER_MODEL = "orgs.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, reading the account with its bureau and school in one query.
    "edubureau.orgs.backends.AccountBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "edubureau.orgs.passwords.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "edubureau.orgs.passwords.NoIdentityValidator"},
    {"NAME": "edubureau.orgs.passwords.PasswordHistoryValidator", "OPTIONS": {"keep": 5}},
]
# Argon2id hashes every password a person chooses (see Argon2idHasher: its settings
# differ from Django's Argon2 hasher, which is left out so that "argon2" hashes are
# read with ours); Django's other hashers read older hashes, which are re-hashed at the
# next sign-in; a cheaper one is used only for random initial passwords (see
# InitialPasswordHasher).
PRODUCTION_PASSWORD_HASHERS = [
    "edubureau.orgs.passwords.Argon2idHasher",
    *(
        hasher
        for hasher in global_settings.PASSWORD_HASHERS
        if hasher != "django.contrib.auth.hashers.Argon2PasswordHasher"
    ),
    "edubureau.orgs.passwords.InitialPasswordHasher",
]
PASSWORD_HASHERS = PRODUCTION_PASSWORD_HASHERS
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]

# The scoping door compiles a scope's rows once per process and reader
# (orgs.scoping.SchoolScope.rows); under test every reuse is compared with a fresh
# compile, so a key that misses an input of the rule fails the suite.
CHECK_REUSED_SQL = TESTING

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login hardening (edubureau/orgs/login_limits.py): 5 failed logins lock the account
# at that address for 30 minutes, 20 from any addresses lock it everywhere, 50 from
# one address lock the address; 30 idle minutes end the session.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_USERNAME_FAILURE_LIMIT = env_int("LOGIN_USERNAME_FAILURE_LIMIT", 20)
LOGIN_IP_FAILURE_LIMIT = env_int("LOGIN_IP_FAILURE_LIMIT", 50)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "edubureau.orgs.login_limits.LoginLimitsHandler"
AXES_RESET_ON_SUCCESS = True
# The lock lasts 30 minutes from the lockout; retrying while locked does not extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
IDLE_TIMEOUT = timedelta(minutes=env_int("IDLE_TIMEOUT_MINUTES", 30))
SESSION_COOKIE_AGE = env_int("SESSION_MAX_AGE_SECONDS", 12 * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# HTTPS=true (production, behind TLS) turns on secure cookies, the redirect to https
# and HSTS together; each can still be set on its own.
HTTPS = env_bool("HTTPS", False)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS)
SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 365 * 24 * 3600 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", False)
# Joining the browsers' HSTS preload list is the domain owner's decision (for a
# *.gov.cn name, the province's), not something a deployment should assume.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
# A rejected CSRF token is a refusal like any other: audited, answered in Chinese.
CSRF_FAILURE_VIEW = "edubureau.audit.views.csrf_failure"
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", HTTPS) else None
)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING or env_bool("EDUBUREAU_DEMO", False)
# Files browsers ask for at the site's root (/favicon.ico), served as they are.
WHITENOISE_ROOT = BASE_DIR / "webroot"
# Uploaded files (photos, evidence) live outside the web root and are served only
# through views that check access.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so an unauthenticated call gets 401 with WWW-Authenticate.
        "edubureau.orgs.api_auth.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        # An account with its initial password gets 403 until it changes it, and one
        # whose bureau requires a second factor until it has set one up.
        "edubureau.orgs.api_auth.PasswordChanged",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": [],
    "EXCEPTION_HANDLER": "edubureau.audit.api.exception_handler",
}
# API tokens expire this many days after they are issued; a password change, a
# reset, logout, deactivation or a role change revokes them earlier.
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 30)
# A password older than this must be changed before anything else (等保 8.1.4.1 a)
# 定期更换); 14 days before, the home page prompts. 0 turns rotation off.
# Off in the tests, which travel years ahead of the accounts they made; the rotation
# tests (orgs/tests/test_password_rotation.py) turn it on.
PASSWORD_MAX_AGE_DAYS = env_int("PASSWORD_MAX_AGE_DAYS", 0 if TESTING else 180)
# Days of audit log `edubureau audit_prune` keeps (run from cron as the schema owner:
# the app's role may not delete audit rows); under 183 (six months) is refused.
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 365)
# Photos one school may upload a day, across every photo table (core.photos caps).
PHOTOS_PER_SCHOOL_PER_DAY = env_int("PHOTOS_PER_SCHOOL_PER_DAY", 300)
SPECTACULAR_SETTINGS = {
    "TITLE": "edubureau API",
    "DESCRIPTION": "教育局工作平台 REST API. Every endpoint is scoped to what the caller may see.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# Background jobs: django-tasks with its database backend works on SQLite and
# PostgreSQL alike; `edubureau worker` runs them. Tests run tasks immediately.
TASKS = {
    "default": {
        "BACKEND": "edubureau.orgs.wall.ImmediateBackend"
        if TESTING
        else "django_tasks_db.DatabaseBackend",
    }
}
# Reports: drafting over more schools than this runs in the worker, with a progress bar.
REPORTS_BACKGROUND_SCHOOLS = env_int("REPORTS_BACKGROUND_SCHOOLS", 1000)
# Downloads: {kind: size} overriding a kind's measured inline limit (the rows an export
# counts, the schools a circular covers); above it the file is made in the worker.
DOWNLOAD_INLINE_LIMITS: dict[str, int] = {}
# Imports: a workbook of more data rows than this is imported in the worker, with a
# progress page (a 2,000-row sheet takes about 3 s in the request).
IMPORT_INLINE_ROWS = env_int("IMPORT_INLINE_ROWS", 500)
# Safety: a monthly self-inspection is due on the Nth working day of the month; the
# same item failing again at a school within the window is a repeat; an overdue
# hazard climbs the escalation ladder (levels 1..5) after these working days.
SAFETY_SELF_INSPECTION_DUE_WORKING_DAY = env_int("SAFETY_SELF_INSPECTION_DUE_WORKING_DAY", 5)
SAFETY_REPEAT_WINDOW_DAYS = env_int("SAFETY_REPEAT_WINDOW_DAYS", 180)
SAFETY_ESCALATION_WORKING_DAYS = env_int_tuple("SAFETY_ESCALATION_WORKING_DAYS", (0, 2, 5, 10, 20))
# Statistics: the census day and the returns' due day (month, day of the census year);
# a count that moved by more than this percentage against last year's closed return
# needs an explanation; reminders start this many days before the due day.
STATS_CENSUS_MONTH_DAY = env_int_tuple("STATS_CENSUS_MONTH_DAY", (9, 1))
STATS_DUE_MONTH_DAY = env_int_tuple("STATS_DUE_MONTH_DAY", (9, 20))
# After this day (of the census year) missing returns are no longer chased on workbenches.
STATS_SEASON_CLOSES_MONTH_DAY = env_int_tuple("STATS_SEASON_CLOSES_MONTH_DAY", (12, 31))
STATS_CHANGE_WARNING_PERCENT = env_int("STATS_CHANGE_WARNING_PERCENT", 20)
STATS_REMIND_DAYS_BEFORE_DUE = env_int("STATS_REMIND_DAYS_BEFORE_DUE", 3)

WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 5)
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 5)
# Webhooks go over https to the robot services (qyapi.weixin.qq.com, oapi.dingtalk.com)
# and to the hosts listed here; loopback, private and link-local addresses (and plain
# http to them) only with WEBHOOK_ALLOW_PRIVATE. See notifications/url_policy.py.
WEBHOOK_ALLOWED_HOSTS = env_list("WEBHOOK_ALLOWED_HOSTS", [])
WEBHOOK_ALLOW_PRIVATE = env_bool("WEBHOOK_ALLOW_PRIVATE", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "edubureau.core.request_id.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "plain",
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
