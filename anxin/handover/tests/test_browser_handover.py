"""The end of contract in Chromium: one admin downloads the hand-over package and asks for the
purge, a second admin confirms it by typing the project's code; the project page says so."""

from __future__ import annotations

import json
import os
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from anxin.cases.models import Case
from anxin.clients.tests.test_browser_register import log_in
from anxin.core.testing import register
from anxin.handover.tests.data import admin_of

pytestmark = [pytest.mark.browser]


def test_two_admins_hand_over_and_purge_a_project(
    transactional_db, world, page: Page, tmp_path: Path, settings: Any
):
    settings.MEDIA_ROOT = tmp_path / "media"
    register(world)
    admin_of(world.org, "admin2", "第二管理员")
    log_in(page, "admin")
    page.goto("/accounts/projects/lw/")
    page.locator("a[href='/handover/lw/']").first.click()
    expect(page).to_have_url(re.compile(r"/handover/lw/$"))
    with page.expect_download() as download:
        page.locator("form[action='/handover/lw/export/'] button").click()
    saved = tmp_path / "package.zip"
    download.value.save_as(saved)
    manifest = json.loads(zipfile.ZipFile(saved).read("manifest.json"))
    assert manifest["project"]["code"] == "lw" and manifest["clients"] == 1
    page.reload()
    expect(page.locator("#exports tbody tr")).to_have_count(1)
    page.locator("#id_reason").fill("合同结束，已移交")
    page.locator("form[action='/handover/lw/purge/'] button").click()
    expect(page.locator("#pending")).to_be_visible()
    expect(page.locator("form[action$='/confirm/']")).to_have_count(0)
    if os.environ.get("ANXIN_SCREENSHOTS"):
        page.screenshot(
            path=os.environ["ANXIN_SCREENSHOTS"] + "/handover-pending.png", full_page=True
        )

    page.locator("form[action='/accounts/logout/'] button").click()
    log_in(page, "admin2")
    page.goto("/handover/lw/")
    page.locator("#id_code").fill("lw")
    page.locator("form[action$='/confirm/'] button").click()
    expect(page.locator("#purged")).to_be_visible()
    assert not Case.objects.filter(project=world.liwan).exists()
    if os.environ.get("ANXIN_SCREENSHOTS"):
        page.screenshot(
            path=os.environ["ANXIN_SCREENSHOTS"] + "/handover-purged.png", full_page=True
        )
    page.goto("/accounts/projects/lw/")
    expect(page.locator("#purged")).to_contain_text("第二管理员")
