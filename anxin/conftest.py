from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, Any

import pytest
from django.conf import settings
from django.test import Client as HttpClient
from django.utils import translation

from anxin.core import browser
from anxin.core.testing import PASSWORD, World, build_world

if TYPE_CHECKING:
    from playwright.sync_api import Page
    from pytest_django.live_server_helper import LiveServer


@pytest.fixture(autouse=True)
def default_language() -> Iterator[None]:
    """Every test starts in the default language (zh-hans), whatever an earlier request left
    active in this thread; tests that read English messages use ``translation.override("en")``."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def world(db: None) -> World:
    return build_world()


@pytest.fixture
def login(client: HttpClient):
    """Log the test client in as a user (by object); returns the client."""

    def _login(user) -> HttpClient:
        assert client.login(username=user.username, password=PASSWORD)
        return client

    return _login


# Browser tests (Playwright driving Debian's Chromium against the live server): see
# anxin/core/browser.py.
_BROWSER_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep each phase's report on the test, so a browser fixture can tell that its test failed."""
    report = yield
    item.stash.setdefault(_BROWSER_REPORTS, {})[report.when] = report
    return report


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip browser tests, with the reason, where Chromium is missing, except under CI=true, where
    the fixtures fail them instead: CI must run them.

    Browser tests run against the live server, so each empties the database when it ends (a
    transactional test): each starts from the migrated contents (instruments, divisions …)
    restored, whatever browser test ran before it."""
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.django_db(transaction=True, serialized_rollback=True))
    reason = browser.missing_reason()
    if reason is None or browser.in_ci():
        return
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.skip(reason=reason))


def _browser_page(
    request: pytest.FixtureRequest, live_server: LiveServer, device: dict[str, Any]
) -> Iterator[Page]:
    if request.node.get_closest_marker("browser") is None:
        pytest.fail("a test that uses a browser page must be marked @pytest.mark.browser")
    reason = browser.missing_reason()
    if reason is not None:
        if browser.in_ci():
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)
    with browser.browser_page(live_server.url, device) as page:
        yield page
        reports = request.node.stash.get(_BROWSER_REPORTS, {})
        if any(r.failed for r in reports.values()):
            path = browser.save_screenshot(page, request.node.nodeid)
            if path is not None:
                print(f"screenshot of the failed page: {path}")


@pytest.fixture
def page(request: pytest.FixtureRequest, live_server: LiveServer) -> Iterator[Page]:
    """A Chromium page (1280x900, zh-CN) on the live server: ``page.goto("/accounts/login/")``."""
    yield from _browser_page(request, live_server, browser.DESKTOP)


@pytest.fixture
def phone_page(request: pytest.FixtureRequest, live_server: LiveServer) -> Iterator[Page]:
    """As ``page``, on a phone-sized screen (390x844, touch)."""
    yield from _browser_page(request, live_server, browser.PHONE)
