"""The login page in a real browser: Chinese, styled, and nothing loaded from outside hosts."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import ConsoleMessage, Page, Request, Response, expect
from pytest_django.live_server_helper import LiveServer

from anxin.core.browser import is_local

pytestmark = pytest.mark.browser


class Traffic:
    """Every request, failed response and console error of a page, from before its first load."""

    def __init__(self, page: Page) -> None:
        self.requests: list[str] = []
        self.bad_responses: list[str] = []
        self.errors: list[str] = []
        page.on("request", self._request)
        page.on("response", self._response)
        page.on("requestfailed", lambda r: self.errors.append(f"request failed: {r.url}"))
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))

    def _request(self, request: Request) -> None:
        self.requests.append(request.url)

    def _response(self, response: Response) -> None:
        if response.status >= 400:
            self.bad_responses.append(f"{response.status} {response.url}")

    def _console(self, message: ConsoleMessage) -> None:
        # A content-security-policy violation (an inline script or style, an outside host)
        # shows up here as an error.
        if message.type == "error":
            self.errors.append(f"console: {message.text}")


def test_login_page_renders_in_chinese_from_this_server_only(
    page: Page, live_server: LiveServer
) -> None:
    traffic = Traffic(page)

    response = page.goto("/accounts/login/")
    page.wait_for_load_state("networkidle")

    assert response is not None and response.status == 200
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page).to_have_title(re.compile("登录"))
    expect(page.get_by_label("用户名")).to_be_visible()
    expect(page.get_by_label("密码")).to_be_visible()
    expect(page.get_by_role("button", name="登录")).to_be_visible()

    outside = [url for url in traffic.requests if not is_local(url, live_server.url)]
    assert outside == [], f"requests to outside hosts: {outside}"
    assert any("/static/vendor/bootstrap/bootstrap.min.css" in url for url in traffic.requests)
    assert traffic.bad_responses == []
    assert traffic.errors == []
    # Bootstrap's stylesheet has loaded and applies: the primary button is coloured.
    background = page.get_by_role("button", name="登录").evaluate(
        "el => getComputedStyle(el).backgroundColor"
    )
    assert background not in {"rgba(0, 0, 0, 0)", "transparent", "rgb(239, 239, 239)"}


def test_login_page_fits_a_phone_screen(phone_page: Page) -> None:
    traffic = Traffic(phone_page)

    phone_page.goto("/accounts/login/")

    expect(phone_page.get_by_role("button", name="登录")).to_be_visible()
    scroll_width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 390, "the login page scrolls sideways on a phone"
    assert traffic.bad_responses == []
    assert traffic.errors == []
