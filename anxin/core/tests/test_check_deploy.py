"""``anxin check-deploy``: one line per unsafe setting, exit 1 on any error, 0 when safe."""

from __future__ import annotations

import base64
import io
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from anxin.core import deploy_checks
from anxin.core.bench_indicators import BENCH_ENV
from anxin.core.crypto import new_key

ROOT = Path(__file__).resolve().parents[3]
SAFE_SECRET = secrets.token_urlsafe(50)
SAFE_FIELD_KEYS = f"k2:{new_key()},k1:{new_key()}"
SAFE_INDEX_KEY = secrets.token_urlsafe(32)
POSTGRES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "anxin"}}


@pytest.fixture
def safe(tmp_path: Path) -> Iterator[dict[str, object]]:
    """A production configuration with nothing to report (the database aside: see below)."""
    media = tmp_path / "media"
    media.mkdir(mode=0o750)
    media.chmod(0o750)
    values: dict[str, object] = {
        "DEBUG": False,
        "SECRET_KEY": SAFE_SECRET,
        "ANXIN_FIELD_KEYS": SAFE_FIELD_KEYS,
        "ANXIN_INDEX_KEY": SAFE_INDEX_KEY,
        "ALLOWED_HOSTS": ["anxin.example.org"],
        "SECURE_SSL_REDIRECT": True,
        "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SESSION_COOKIE_AGE": 1800,
        "SESSION_EXPIRE_AT_BROWSER_CLOSE": True,
        "MEDIA_ROOT": media,
    }
    with override_settings(**values):
        yield values


def run(**overrides: object) -> tuple[int, str]:
    """Run the command (under the overrides); its exit status and its report."""
    out = io.StringIO()
    with override_settings(**overrides):
        try:
            call_command("check-deploy", stdout=out)
        except CommandError as exc:
            assert exc.returncode == 1
            return 1, out.getvalue() + str(exc)
    return 0, out.getvalue()


def lines_about(report: str, setting: str) -> list[str]:
    return [line for line in report.splitlines() if f" {setting}:" in line]


def assert_refused(setting: str, **overrides: object) -> str:
    status, report = run(**overrides)
    assert status == 1, report
    assert len(lines_about(report, setting)) >= 1, report
    return report


def assert_warned(setting: str, **overrides: object) -> str:
    status, report = run(**overrides)
    assert status == 0, report
    assert len(lines_about(report, setting)) == 1, report
    return report


def test_a_safe_configuration_passes(safe):
    status, report = run()
    assert status == 0, report
    *findings, summary = report.splitlines()
    assert [line for line in findings if " DATABASES:" not in line] == [], report  # see below
    assert "0" in summary


def test_a_safe_configuration_on_postgresql_has_nothing_to_report(safe):
    with pytest.warns(UserWarning, match="DATABASES"):  # Django warns: only the command reads it
        status, report = run(DATABASES=POSTGRES)
    assert status == 0
    assert report.strip().count("\n") == 0, report  # the summary line only


def test_sqlite_is_a_warning(safe):
    sqlite = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "x.sqlite3"}}
    with pytest.warns(UserWarning, match="DATABASES"):
        assert_warned("DATABASES", DATABASES=sqlite)


def test_debug(safe):
    assert_refused("DEBUG", DEBUG=True)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "short-key",
        "a" * 60,  # long but five different characters at least are needed
        "django-insecure-" + secrets.token_urlsafe(50),
        "test-secret-key-not-for-production-0123456789",
        BENCH_ENV["ANXIN_SECRET_KEY"],
    ],
)
def test_secret_key(safe, value):
    report = assert_refused("SECRET_KEY", SECRET_KEY=value)
    if value:
        assert value not in report  # never print a key


@pytest.mark.parametrize(
    "value",
    [
        "",
        "t1:" + "A" * 43 + "=",  # the test run's key
        BENCH_ENV["ANXIN_FIELD_KEYS"],
        f"k2:{new_key()},t1:{'A' * 43}=",  # a published key still accepted for reading
        "k1:" + base64.urlsafe_b64encode(bytes(range(8)) * 4).decode(),  # not random
        "k1:" + base64.urlsafe_b64encode(secrets.token_bytes(16)).decode(),  # AES-128
        "k1:not base64!",
        "no-colon",
    ],
)
def test_field_keys(safe, value):
    report = assert_refused("ANXIN_FIELD_KEYS", ANXIN_FIELD_KEYS=value)
    for part in value.split(","):
        if len(part) > 10:
            assert part.partition(":")[2] not in report


@pytest.mark.parametrize(
    "value", ["", "test-index-key", BENCH_ENV["ANXIN_INDEX_KEY"], secrets.token_urlsafe(12)]
)
def test_index_key(safe, value):
    report = assert_refused("ANXIN_INDEX_KEY", ANXIN_INDEX_KEY=value)
    if value:
        assert value not in report


@pytest.mark.parametrize("hosts", [[], ["*"], ["anxin.example.org", "*"]])
def test_allowed_hosts(safe, hosts):
    assert_refused("ALLOWED_HOSTS", ALLOWED_HOSTS=hosts)


def test_no_https_at_all(safe):
    report = assert_refused(
        "SECURE_SSL_REDIRECT",
        SECURE_SSL_REDIRECT=False,
        SECURE_PROXY_SSL_HEADER=None,
        SESSION_COOKIE_SECURE=False,
        CSRF_COOKIE_SECURE=False,
        SECURE_HSTS_SECONDS=0,
    )
    for setting in ("SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS"):
        assert len(lines_about(report, setting)) == 1, report


def test_no_redirect_is_fine_behind_a_tls_proxy(safe):
    """The proxy redirects http itself; Django trusts its X-Forwarded-Proto."""
    status, report = run(SECURE_SSL_REDIRECT=False)
    assert status == 0 and not lines_about(report, "SECURE_SSL_REDIRECT")


def test_redirect_without_proxy_is_fine(safe):
    status, report = run(SECURE_PROXY_SSL_HEADER=None)
    assert status == 0 and not lines_about(report, "SECURE_SSL_REDIRECT")


def test_no_redirect_and_no_proxy(safe):
    assert_refused("SECURE_SSL_REDIRECT", SECURE_SSL_REDIRECT=False, SECURE_PROXY_SSL_HEADER=None)


@pytest.mark.parametrize("setting", ["SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"])
def test_insecure_cookies(safe, setting):
    assert_refused(setting, **{setting: False})


def test_no_hsts(safe):
    assert_refused("SECURE_HSTS_SECONDS", SECURE_HSTS_SECONDS=0)


def test_long_sessions(safe):
    assert run(SESSION_COOKIE_AGE=8 * 3600)[0] == 0
    assert_refused("SESSION_COOKIE_AGE", SESSION_COOKIE_AGE=8 * 3600 + 1)


def test_sessions_that_outlive_the_browser_are_a_warning(safe):
    assert_warned("SESSION_EXPIRE_AT_BROWSER_CLOSE", SESSION_EXPIRE_AT_BROWSER_CLOSE=False)


@pytest.mark.parametrize("mode", [0o755, 0o751, 0o754])
def test_media_folder_open_to_other_users(safe, mode):
    media = Path(str(safe["MEDIA_ROOT"]))
    media.chmod(mode)
    report = assert_refused("MEDIA_ROOT")
    assert str(media) not in report


def test_missing_media_folder_is_a_warning(safe, tmp_path):
    assert_warned("MEDIA_ROOT", MEDIA_ROOT=tmp_path / "not-yet")


def test_the_known_keys_are_the_ones_in_the_repository():
    assert BENCH_ENV["ANXIN_SECRET_KEY"] in deploy_checks.KNOWN_SECRET_KEYS
    assert BENCH_ENV["ANXIN_INDEX_KEY"] in deploy_checks.KNOWN_INDEX_KEYS
    assert BENCH_ENV["ANXIN_FIELD_KEYS"].partition(":")[2] in deploy_checks.KNOWN_FIELD_KEYS
    testenv = (ROOT / "anxin" / "core" / "testenv.py").read_text()
    for key in deploy_checks.KNOWN_SECRET_KEYS | deploy_checks.KNOWN_INDEX_KEYS:
        assert f'"{key}"' in testenv or key in BENCH_ENV.values()
    assert '"t1:" + "A" * 43 + "="' in testenv


def test_the_command_line_exit_status(tmp_path):
    """From the shell, as an operator runs it: exit 1 and the report on the test run's keys."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "check-deploy"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "ANXIN_INDEX_KEY:" in done.stdout and "SECRET_KEY:" in done.stdout
