"""A social worker, in Chromium, logs in, registers a client and finds them by pinyin initials."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from anxin.clients.models import Client
from anxin.core.testing import PASSWORD, make_id

pytestmark = pytest.mark.browser


def log_in(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/$"))


@pytest.mark.parametrize("device", ["page", "phone_page"])
def test_register_then_find_by_pinyin(transactional_db, world, request, device):
    page: Page = request.getfixturevalue(device)
    log_in(page, "worker")
    page.goto("/clients/register/")
    page.get_by_label(re.compile(r"^姓名")).fill("欧阳娜娜")
    id_number = make_id("44010319850312004")
    page.get_by_label(re.compile(r"^公民身份号码")).fill(id_number.lower())
    expect(page.locator("#id-check")).to_contain_text("女")  # live check derives the sex
    page.get_by_label(re.compile(r"^现居住街道")).select_option(label="多宝街道")
    page.get_by_label("户籍所在区").select_option(label="荔湾区")
    page.locator("#id_phone").fill("13500135000")
    page.get_by_label("监护人姓名").fill("欧阳父")
    page.get_by_label("监护人关系").select_option(label="父母")
    page.get_by_label("低保", exact=True).check()
    page.get_by_role("button", name="登记").click()
    expect(page.get_by_role("heading", name=re.compile("欧阳娜娜"))).to_be_visible()
    assert Client.objects.get(name="欧阳娜娜").id_number == id_number

    page.goto("/clients/")
    page.get_by_label("搜索").fill("oynn")
    results = page.locator("#results")
    expect(results).to_contain_text("欧阳娜娜")  # htmx refreshed the list while typing
    expect(results).to_contain_text("135****5000")
    expect(results).not_to_contain_text("13500135000")
    results.get_by_role("link", name="欧阳娜娜").click()
    expect(page.get_by_text(id_number)).to_be_visible()
