"""Browser tests: Playwright (Python, sync API) driving Debian's Chromium against the live server.

The fixtures that use this live at the end of ``anxin/conftest.py``: ``page`` (an office PC,
1280x900) and ``phone_page`` (a phone, 390x844), both in Chinese (zh-CN). Tests that use them are
marked ``@pytest.mark.browser``; ``make test-browser`` runs them, ``make test`` leaves them to CI.

Without Chromium the browser tests are skipped with the reason, except under ``CI=true``, where a
missing browser is a failure: CI installs Debian's ``chromium`` package and must run them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# Debian's package; Playwright never downloads a browser of its own here.
CHROMIUM_PATH = os.environ.get("ANXIN_CHROMIUM", "/usr/bin/chromium")
# Headless, as root in CI, on a machine with no internet: no sandbox, no GPU, and none of
# Chromium's own calls home (they would be refused and slow every start).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
]
DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 900}}
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
RESULTS_DIR = Path(os.environ.get("ANXIN_TEST_RESULTS", "test-results"))


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def missing_reason() -> str | None:
    """Why browser tests cannot run here, or None when they can."""
    if not (os.path.isfile(CHROMIUM_PATH) and os.access(CHROMIUM_PATH, os.X_OK)):
        return (
            f"Chromium not found at {CHROMIUM_PATH}: install Debian's chromium package "
            "(apt-get install chromium) to run browser tests"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright Python package is not installed (make install)"
    return None


def is_local(url: str, base_url: str) -> bool:
    """True for a URL the page may load: the live server itself, or inline data."""
    return url.startswith((base_url + "/", "data:", "blob:", "about:")) or url == base_url


@contextmanager
def allow_sync_orm_in_test_thread() -> Iterator[None]:
    """Playwright's sync API keeps an asyncio loop running in the test thread, and Django refuses
    ORM calls from a thread with a running loop (SynchronousOnlyOperation). The test thread never
    serves requests (the live server runs in its own thread), so lift the check while the browser
    is up, and only then."""
    key = "DJANGO_ALLOW_ASYNC_UNSAFE"
    old = os.environ.get(key)
    os.environ[key] = "true"
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = old


@contextmanager
def browser_page(base_url: str, device: dict[str, Any]) -> Iterator[Any]:
    """A fresh Chromium and a Chinese-language page whose relative URLs go to ``base_url``.

    Requests to any other host are aborted (tests use no network), and the browser is shut down
    afterwards, so no asyncio loop outlives the test."""
    from playwright.sync_api import Route, sync_playwright

    def only_local(route: Route) -> None:
        if is_local(route.request.url, base_url):
            route.continue_()
        else:
            route.abort("blockedbyclient")

    with allow_sync_orm_in_test_thread(), sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(
                base_url=base_url,
                locale="zh-CN",
                timezone_id="Asia/Shanghai",
                **device,
            )
            context.set_default_timeout(10_000)
            context.route("**/*", only_local)
            yield context.new_page()
            context.close()
        finally:
            browser.close()


def screenshot_path(nodeid: str) -> Path:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid).strip("_")
    return RESULTS_DIR / f"{name[:180]}.png"


def save_screenshot(page: Any, nodeid: str) -> Path | None:
    """Save a full-page screenshot of a failed test; never raise (the test has failed already)."""
    path = screenshot_path(nodeid)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), full_page=True)
    except Exception:  # the page or browser may be what broke
        return None
    return path
