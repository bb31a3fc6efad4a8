"""What ``anxin check-deploy`` looks at: settings that are unsafe for real client data.

Each check returns findings; an *error* makes the command exit 1, a *warning* is printed only.
The findings name the setting and the environment variable that fixes it, never a value: the
output may be pasted into a ticket.
"""

from __future__ import annotations

import base64
import binascii
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

ERROR = "error"
WARNING = "warning"

# Keys that are public because they are written in this repository: the test run's
# (anxin/core/testenv.py) and the benchmark's (anxin/core/bench_indicators.py). config/settings.py
# has no fallback for any key (a missing key stops the start), so these are the known values.
KNOWN_SECRET_KEYS = frozenset(
    {
        "test-secret-key-not-for-production-0123456789",
        "bench-secret-key-synthetic-data-only-0123456789",
    }
)
KNOWN_FIELD_KEYS = frozenset({"A" * 43 + "=", "B" * 43 + "="})  # the base64 part of "id:key"
KNOWN_INDEX_KEYS = frozenset({"test-index-key", "bench-index-key"})

MIN_SECRET_KEY_LENGTH = 50  # as Django's own check (security.W009); keygen makes 67 characters
MIN_SECRET_KEY_CHARS = 5
MIN_INDEX_KEY_LENGTH = 32  # keygen makes 43 characters (32 random bytes)
MIN_FIELD_KEY_DISTINCT_BYTES = 16  # 32 random bytes have about 30 different values
MAX_SESSION_SECONDS = 8 * 60 * 60
SQLITE_ENGINE = "django.db.backends.sqlite3"


@dataclass(frozen=True)
class Finding:
    level: str
    setting: str
    message: str


def _error(setting: str, message: str) -> Finding:
    return Finding(ERROR, setting, message)


def _warning(setting: str, message: str) -> Finding:
    return Finding(WARNING, setting, message)


def check_debug() -> Iterable[Finding]:
    if settings.DEBUG:
        yield _error(
            "DEBUG",
            _(
                "Debug mode is on: error pages show code, settings and data. "
                "Set ANXIN_DEBUG=0 (or leave it unset)."
            ),
        )


def _secret_key() -> str:
    try:
        return str(settings.SECRET_KEY or "")
    except ImproperlyConfigured:  # Django refuses to hand out an empty SECRET_KEY
        return ""


def _missing(setting: str, variable: str) -> Finding:
    return _error(
        setting,
        _("%(variable)s is missing. Generate keys with `python -m anxin.core.keygen`.")
        % {"variable": variable},
    )


def _known(setting: str, variable: str) -> Finding:
    return _error(
        setting,
        _(
            "%(variable)s is a development or test value published in the source code. "
            "Generate new keys for this installation."
        )
        % {"variable": variable},
    )


def _too_short(setting: str, variable: str, minimum: int) -> Finding:
    return _error(
        setting,
        _("%(variable)s is too short: use at least %(minimum)d random characters.")
        % {"variable": variable, "minimum": minimum},
    )


def check_secret_key() -> Iterable[Finding]:
    key = _secret_key()
    if not key:
        yield _missing("SECRET_KEY", "ANXIN_SECRET_KEY")
    elif key in KNOWN_SECRET_KEYS or key.startswith("django-insecure-"):
        yield _known("SECRET_KEY", "ANXIN_SECRET_KEY")
    elif len(key) < MIN_SECRET_KEY_LENGTH or len(set(key)) < MIN_SECRET_KEY_CHARS:
        yield _too_short("SECRET_KEY", "ANXIN_SECRET_KEY", MIN_SECRET_KEY_LENGTH)


def _field_keys(spec: str) -> list[tuple[str, str, bytes | None]]:
    """(id, base64 text, decoded key or None when malformed) for each "id:base64" entry."""
    found: list[tuple[str, str, bytes | None]] = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        key_id, _sep, b64 = part.partition(":")
        try:
            key: bytes | None = base64.urlsafe_b64decode(b64.encode())
        except (binascii.Error, ValueError):
            key = None
        found.append((key_id, b64, key))
    return found


def check_field_keys() -> Iterable[Finding]:
    setting, variable = "ANXIN_FIELD_KEYS", "ANXIN_FIELD_KEYS"
    keys = _field_keys(str(getattr(settings, setting, "") or ""))
    if not keys:
        yield _missing(setting, variable)
        return
    for key_id, b64, key in keys:
        if b64 in KNOWN_FIELD_KEYS:
            yield _known(setting, variable)
        elif key is None or len(key) != 32:
            yield _error(
                setting,
                _("Field key %(id)s is not 32 bytes in base64 (AES-256).") % {"id": key_id},
            )
        elif len(set(key)) < MIN_FIELD_KEY_DISTINCT_BYTES:
            yield _error(
                setting,
                _(
                    "Field key %(id)s is not random. "
                    "Generate one with `python -m anxin.core.keygen`."
                )
                % {"id": key_id},
            )


def check_index_key() -> Iterable[Finding]:
    setting = variable = "ANXIN_INDEX_KEY"
    key = str(getattr(settings, setting, "") or "")
    if not key:
        yield _missing(setting, variable)
    elif key in KNOWN_INDEX_KEYS:
        yield _known(setting, variable)
    elif len(key) < MIN_INDEX_KEY_LENGTH:
        yield _too_short(setting, variable, MIN_INDEX_KEY_LENGTH)


def check_allowed_hosts() -> Iterable[Finding]:
    hosts = list(settings.ALLOWED_HOSTS)
    if not hosts:
        yield _error(
            "ALLOWED_HOSTS",
            _("No host name is allowed. Set ANXIN_ALLOWED_HOSTS to the site's host names."),
        )
    elif "*" in hosts:
        yield _error(
            "ALLOWED_HOSTS",
            _('Every host name is allowed ("*"). List the site\'s names in ANXIN_ALLOWED_HOSTS.'),
        )


def check_https() -> Iterable[Finding]:
    if not settings.SECURE_SSL_REDIRECT and not settings.SECURE_PROXY_SSL_HEADER:
        yield _error(
            "SECURE_SSL_REDIRECT",
            _(
                "Plain http is not redirected to https and no TLS proxy is configured. "
                "Serve the site through https and set ANXIN_HTTPS=1."
            ),
        )
    for name in ("SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"):
        if not getattr(settings, name):
            yield _error(
                name,
                _("The cookie is also sent over plain http. Set ANXIN_HTTPS=1."),
            )
    if not settings.SECURE_HSTS_SECONDS:
        yield _error(
            "SECURE_HSTS_SECONDS",
            _(
                "Browsers are not told to use https only (HSTS). "
                "Set ANXIN_HTTPS=1 (or ANXIN_HSTS_SECONDS)."
            ),
        )


def check_sessions() -> Iterable[Finding]:
    if settings.SESSION_COOKIE_AGE > MAX_SESSION_SECONDS:
        yield _error(
            "SESSION_COOKIE_AGE",
            _(
                "Sessions last longer than %(hours)d hours. "
                "Set ANXIN_SESSION_SECONDS to %(seconds)d or less (default 1800)."
            )
            % {"hours": MAX_SESSION_SECONDS // 3600, "seconds": MAX_SESSION_SECONDS},
        )
    if not settings.SESSION_EXPIRE_AT_BROWSER_CLOSE:
        yield _warning(
            "SESSION_EXPIRE_AT_BROWSER_CLOSE",
            _("Sessions outlive the browser: a shared computer stays logged in."),
        )


def check_database() -> Iterable[Finding]:
    if settings.DATABASES["default"].get("ENGINE") == SQLITE_ENGINE:
        yield _warning(
            "DATABASES",
            _(
                "The database is SQLite, which is meant for the demo. "
                "Use PostgreSQL for real use (DATABASE_URL=postgres://…)."
            ),
        )


def check_media() -> Iterable[Finding]:
    root = Path(settings.MEDIA_ROOT)
    try:
        mode = root.stat().st_mode
    except FileNotFoundError:
        yield _warning(
            "MEDIA_ROOT",
            _("The media folder does not exist yet; the first upload creates it (mode 750)."),
        )
        return
    if mode & (stat.S_IROTH | stat.S_IXOTH):
        yield _error(
            "MEDIA_ROOT",
            _(
                "Other users of the server can open the media folder (uploaded documents). "
                "Remove their access: chmod o-rwx on the folder of ANXIN_MEDIA_ROOT."
            ),
        )


CHECKS: tuple[Callable[[], Iterable[Finding]], ...] = (
    check_debug,
    check_secret_key,
    check_field_keys,
    check_index_key,
    check_allowed_hosts,
    check_https,
    check_sessions,
    check_database,
    check_media,
)


def run_checks() -> list[Finding]:
    return [finding for check in CHECKS for finding in check()]
