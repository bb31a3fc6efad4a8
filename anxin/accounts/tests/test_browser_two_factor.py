"""In Chromium: a social worker whose role requires two-factor login is sent to set it up, scans
(reads) the key, confirms with a code, keeps the recovery codes, and logs in again with one."""

from __future__ import annotations

import re
from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from playwright.sync_api import Page, expect

from anxin.accounts.actions_two_factor import two_factor_policy_set
from anxin.core.testing import PASSWORD

pytestmark = pytest.mark.browser


def password_step(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_set_up_then_log_in_with_a_recovery_code(transactional_db, world, page: Page) -> None:
    two_factor_policy_set(organisation=world.org, roles=["social_worker"], acting_user=world.admin)
    password_step(page, "worker")
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/"))
    page.goto("/clients/")  # nothing else opens until it is set up
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/\?next=%2Fclients%2F"))
    qr = page.locator("img.qr-code")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.naturalWidth") > 0  # the data: image passes the CSP
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    key = b32decode(secret + "=" * (-len(secret) % 8))
    page.locator("#id_code").fill(f"{TOTP(key).token():06d}")
    page.locator("form[action$='/confirm/'] button[type=submit]").click()
    codes = page.locator("#recovery-codes li")
    expect(codes).to_have_count(10)
    first = codes.first.inner_text().strip()
    assert StaticToken.objects.filter(token=first.replace("-", "")).exists()
    expect(page.locator("a[download]")).to_have_attribute("href", re.compile("^data:text/plain"))
    page.locator("main a.btn-primary").click()
    expect(page).to_have_url(re.compile(r"/clients/$"))

    page.locator("nav form[action$='/logout/'] button").click()
    password_step(page, "worker")
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/verify/"))
    page.locator("#id_code").fill(first)
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/$"))
    assert not StaticToken.objects.filter(token=first.replace("-", "")).exists()
