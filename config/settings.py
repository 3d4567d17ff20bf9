"""Settings for every environment, driven by environment variables.

Development needs no variables at all: an SQLite file under var/ and a throwaway secret key.
Production (DJANGO_ENV=production) refuses to start without its secrets.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name, default=None):
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"The environment variable {name} is required.")
    return value


def env_bool(name, default):
    raw = os.environ.get(name)
    if raw is None:
        return default
    lowered = raw.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}.")


def env_int(name, default):
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}.") from None


def env_list(name, default=()):
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_secret(name, default=None):
    """A secret from NAME, or from the file NAME_FILE names (as container secrets are given)."""
    path = os.environ.get(f"{name}_FILE")
    if path is None:
        return env_str(name, default)
    if name in os.environ:
        raise ImproperlyConfigured(f"Set either {name} or {name}_FILE, not both.")
    try:
        return Path(path).read_text(encoding="utf-8").rstrip("\r\n")
    except (OSError, UnicodeDecodeError) as error:
        raise ImproperlyConfigured(f"{name}_FILE: cannot read {path!r}: {error}.") from None


ENVIRONMENT = env_str("DJANGO_ENV", "development")
if ENVIRONMENT not in {"development", "production"}:
    raise ImproperlyConfigured(
        f"DJANGO_ENV must be development or production, got {ENVIRONMENT!r}."
    )
PRODUCTION = ENVIRONMENT == "production"

DEBUG = env_bool("DJANGO_DEBUG", not PRODUCTION)
if PRODUCTION:
    SECRET_KEY = env_str("DJANGO_SECRET_KEY")
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS is required in production.")
else:
    SECRET_KEY = env_str("DJANGO_SECRET_KEY", "development-only-not-secret")
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    # First, so that its templates override the admin's and import-export's.
    "config",
    "config.apps.JumysAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "config.apps.LoginRecordsConfig",
    "django_filters",
    "import_export",
    "simple_history",
    "django_tasks",
    "django_tasks_db",
    "registry",
    "memoranda",
    "quotas",
    "vacancies",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.middleware.UserLanguageMiddleware",
    "config.middleware.IdleSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A save refused because an import holds SQLite's writer: a page saying so, not a 500.
    "config.busy.DatabaseBusyMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as its documentation asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Login lockout: after repeated failures for one user from one address, for a while, not forever.
AXES_FAILURE_LIMIT = env_int("JUMYS_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("JUMYS_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Every failed login is kept for administrators to review, not only the current counters.
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_CALLABLE = "config.views.lockout"
# Behind a load balancer every client would share its address: read the client's from the
# X-Forwarded-For that the proxies in front of us append to, counted from the right, so that
# entries a client sends itself (on the left) are ignored. Without proxies the header is
# ignored, since any client could then write it.
TRUSTED_PROXY_COUNT = env_int("JUMYS_TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured(
        f"JUMYS_TRUSTED_PROXY_COUNT must be 0 or more, got {TRUSTED_PROXY_COUNT}."
    )
if TRUSTED_PROXY_COUNT:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR"]
    # ipware counts only the proxies listed in the header; the last one is REMOTE_ADDR.
    AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT - 1
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
    AXES_IPWARE_PROXY_COUNT = None
# The header lists the client first, each proxy appending the address it was reached from.
AXES_IPWARE_PROXY_ORDER = "left-most"
# A strict chain must have exactly that many entries: any entry a client prepended would void
# it and its failures would escape the lockout of its address.
IPWARE_STRICT = False

# Sessions end after this much inactivity; use moves the deadline (config.middleware).
SESSION_COOKIE_AGE = env_int("JUMYS_SESSION_IDLE_MINUTES", 30) * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite is the embedded default; DATABASE_URL points at the shared PostgreSQL database.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'jumys.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets staff read while a long import writes; IMMEDIATE avoids "database is locked"
    # when two writers upgrade their read transactions at once.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL;",
        "transaction_mode": "IMMEDIATE",
        # How long a write waits while another holds the writer (an import's transaction holds
        # it until it commits) before the user is told the database is busy (config/busy.py):
        # well within gunicorn's timeout.
        "timeout": env_int("JUMYS_SQLITE_BUSY_SECONDS", 20),
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # JIT compilation pays off for hour-long analytics, not for a registry's queries: on the
    # national compliance sheet it took 1.9 s of a 2.6 s query (EXPLAIN ANALYZE).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "ru"
LANGUAGES = [
    ("ru", _("Russian")),
    ("kk", _("Kazakh")),
    ("en", _("English")),
]
# The project's own catalogues, then Kazakh for Django's and the apps' strings their own
# catalogues leave untranslated.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale" / "vendor"]
USE_I18N = True
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "Asia/Almaty"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("DJANGO_MEDIA_ROOT", str(VAR_DIR / "media")))

# Uploads larger than this are refused before they reach an import.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024)
IMPORT_MAX_FILE_SIZE = env_int("JUMYS_IMPORT_MAX_FILE_SIZE", 50 * 1024 * 1024)
IMPORT_MAX_UNPACKED_SIZE = env_int("JUMYS_IMPORT_MAX_UNPACKED_SIZE", 500 * 1024 * 1024)
# An XLSX workbook that unpacks to more than this is read row by row rather than whole: read
# whole, a workbook takes about five times its unpacked size (310 MB for 100,000 organizations,
# 62 MB unpacked), so past this a worker would pass 500 MB.
IMPORT_STREAM_FROM_UNPACKED_SIZE = env_int(
    "JUMYS_IMPORT_STREAM_FROM_UNPACKED_SIZE", 80 * 1024 * 1024
)
# A larger XLSX workbook is read row by row (config/spreadsheets/streamed.py): its memory does
# not grow with it, its time does. Up to this size, about 3,000,000 rows of ten columns; a
# workbook packed more than 200-fold is refused whatever its size.
IMPORT_STREAM_MAX_UNPACKED_SIZE = env_int(
    "JUMYS_IMPORT_STREAM_MAX_UNPACKED_SIZE", 2 * 1024 * 1024 * 1024
)
# A CSV file larger than this is read record by record rather than held as rows (about ten
# times its size in memory): 20 MB is some 130,000 rows of organizations.
IMPORT_STREAM_CSV_SIZE = env_int("JUMYS_IMPORT_STREAM_CSV_SIZE", 20 * 1024 * 1024)
# The most cells a sheet's area (rows × columns, from A1) may span: 500,000 rows of 20 columns,
# about 1.5 GB once read.
IMPORT_MAX_CELLS = env_int("JUMYS_IMPORT_MAX_CELLS", 10_000_000)
DOCUMENT_MAX_FILE_SIZE = env_int("JUMYS_DOCUMENT_MAX_FILE_SIZE", 20 * 1024 * 1024)
# Reminders link to the admin; e-mail has no request to take the address from.
SITE_URL = env_str("JUMYS_SITE_URL", "http://127.0.0.1:8000")
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "jumys@localhost")

# Import and export are open to every staff user unless tied to a permission.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "import"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "export"
IMPORT_EXPORT_USE_TRANSACTIONS = True
# Between preview and confirm the upload waits in the default (media) storage, which every
# application server shares, not in one server's temporary folder.
IMPORT_EXPORT_TMP_STORAGE_CLASS = "import_export.tmp_storages.MediaStorage"
IMPORT_EXPORT_SKIP_ADMIN_LOG = False


SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
SIMPLE_HISTORY_REVERT_DISABLED = False

if PRODUCTION:
    # The application servers serve the collected static files themselves.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be at least 50 characters long.")

# One cache for every application server in production (e.g. redis://…), per process otherwise.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env_str("JUMYS_CACHE_URL"),
    }
    if os.environ.get("JUMYS_CACHE_URL")
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # An import's live progress and its cancel flag (config/imports.py): written by the worker
    # while the import's own transaction is open, and read by every application server. Kept
    # out of the database, which on SQLite has one writer, held by that transaction; in the
    # shared cache if there is one, else in files in a folder every server and worker shares
    # (outside the media root: Django rightly refuses a cache where uploads are served from).
    "imports": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env_str("JUMYS_CACHE_URL"),
        "KEY_PREFIX": "imports",
    }
    if os.environ.get("JUMYS_CACHE_URL")
    else {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": env_str("JUMYS_IMPORT_PROGRESS_DIR", str(VAR_DIR / "import-progress")),
        # A full cache drops entries at random: room for every import under way.
        "OPTIONS": {"MAX_ENTRIES": 10_000},
    },
}

# Imports are checked and written by worker processes (`manage.py db_worker`), which take them
# from a table in the database: nothing else to run.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# A running import whose worker has not been heard of for this long died with it (killed,
# machine down): it is shown failed, and nothing of it was written.
IMPORT_STALE_SECONDS = env_int("JUMYS_IMPORT_STALE_SECONDS", 60)
# The user who started an import that took this long in the worker is e-mailed once it waits
# for them (the preview, the mapping step) or is over, with a link to its page; 0: never.
IMPORT_MAIL_AFTER_SECONDS = env_int("JUMYS_IMPORT_MAIL_AFTER_SECONDS", 60)

# Mail (reminders, long imports' outcomes) goes out through SMTP in production; development
# prints it to the console.
SMTP_EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_BACKEND = env_str(
    "DJANGO_EMAIL_BACKEND",
    SMTP_EMAIL_BACKEND if PRODUCTION else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("DJANGO_EMAIL_HOST", "localhost")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("DJANGO_EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured(
        "Set DJANGO_EMAIL_USE_TLS (STARTTLS, usually port 587) or DJANGO_EMAIL_USE_SSL "
        "(usually port 465), not both."
    )
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 465 if EMAIL_USE_SSL else 587 if EMAIL_USE_TLS else 25)
if not 0 < EMAIL_PORT < 65536:
    raise ImproperlyConfigured(f"DJANGO_EMAIL_PORT must be a port number, got {EMAIL_PORT}.")
EMAIL_HOST_USER = env_str("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_secret("DJANGO_EMAIL_HOST_PASSWORD", "")
# Seconds; without a limit an unanswering server would hang the daily run.
EMAIL_TIMEOUT = env_int("DJANGO_EMAIL_TIMEOUT", 30)
if EMAIL_TIMEOUT <= 0:
    raise ImproperlyConfigured(
        f"DJANGO_EMAIL_TIMEOUT must be a number of seconds above 0, got {EMAIL_TIMEOUT}."
    )
if PRODUCTION:
    # Mail that only reaches a log or memory would be recorded as sent and never retried.
    undelivered = {
        f"django.core.mail.backends.{name}.EmailBackend"
        for name in ("console", "locmem", "dummy", "filebased")
    }
    if EMAIL_BACKEND in undelivered and not env_bool("JUMYS_ALLOW_CONSOLE_EMAIL", False):
        raise ImproperlyConfigured(
            f"DJANGO_EMAIL_BACKEND={EMAIL_BACKEND} delivers no mail, so reminders would be "
            "lost. Leave DJANGO_EMAIL_BACKEND unset and set DJANGO_EMAIL_HOST (with "
            "DJANGO_EMAIL_PORT, DJANGO_EMAIL_HOST_USER, DJANGO_EMAIL_HOST_PASSWORD or "
            "DJANGO_EMAIL_HOST_PASSWORD_FILE, DJANGO_EMAIL_USE_TLS or DJANGO_EMAIL_USE_SSL), "
            "or set JUMYS_ALLOW_CONSOLE_EMAIL=1 to keep mail out of production on purpose."
        )
    if EMAIL_BACKEND == SMTP_EMAIL_BACKEND and "DJANGO_EMAIL_HOST" not in os.environ:
        raise ImproperlyConfigured(
            "DJANGO_EMAIL_HOST is required in production: the SMTP server reminders are sent "
            "through (or JUMYS_ALLOW_CONSOLE_EMAIL=1 with "
            "DJANGO_EMAIL_BACKEND=django.core.mail.backends.console.EmailBackend)."
        )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "WARNING")},
}
