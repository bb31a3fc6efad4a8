"""One client from referral to closure and the follow-up visit, in Chromium, as a social worker."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import FilePayload, Page, expect

from anxin.assessments.definitions import sync_builtin_instruments
from anxin.assessments.models import Instrument
from anxin.cases.models import Case, Step
from anxin.cases.testing import PNG
from anxin.clients.tests.test_browser_register import log_in
from anxin.core.testing import register

pytestmark = pytest.mark.browser

SDSS_ITEMS = [
    "work",
    "marriage",
    "parenting",
    "withdrawal",
    "outside_activities",
    "home_inactivity",
    "family_role",
    "self_care",
    "interest",
    "responsibility",
]


def record_step(page: Page, name: str) -> None:
    page.get_by_role("button", name=re.compile(f"记录：{name}")).click()
    expect(page.locator(".alert-success")).to_be_visible()


def fill_assessment(page: Page, case_id: int, code: str, items: list[str]) -> None:
    page.goto(f"/assessments/case/{case_id}/new/?timepoint=baseline")
    instrument = Instrument.objects.get(code=code, organisation__isnull=True)
    page.locator("#id_instrument").select_option(str(instrument.pk))
    page.locator("form[method=get] button[type=submit]").click()
    for item in items:
        page.locator(f"label[for='item-{item}-1']").click()  # the first option: no problem
    page.locator("form.assessment-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/assessments/\d+/$"))


def test_referral_to_closure(transactional_db, world, page: Page):
    # A transactional test starts from flushed tables: put the built-in instruments back.
    sync_builtin_instruments()
    page.on("dialog", lambda dialog: dialog.accept())
    case = register(world)
    log_in(page, "worker")
    url = f"/cases/{case.pk}/"
    page.goto(url)
    expect(page.get_by_text("下一步：接受申请")).to_be_visible()
    page.locator("#id_content").fill("家属陪同来访，申请社区康复服务")
    record_step(page, "接受申请")

    # The baseline step is refused until a baseline assessment exists, with the reason.
    expect(page.get_by_text("请先完成至少一次基线评估")).to_be_visible()
    fill_assessment(page, case.pk, "danger-level", ["level"])
    fill_assessment(page, case.pk, "sdss", SDSS_ITEMS)
    page.goto(url)
    expect(page.locator(".badge", has_text="甲类")).to_be_visible()  # classified by the rules
    record_step(page, "基线评估")
    record_step(page, "登记建档")
    page.locator("#id_attachment").set_input_files(
        files=FilePayload(name="协议.png", mimeType="image/png", buffer=PNG)
    )
    record_step(page, "签订服务协议")

    page.get_by_role("link", name="制定服务计划").click()
    page.locator("#id_goals").fill("规律服药，每周参加一次康复活动")
    page.locator("#id_review_on").fill((timezone.localdate() + dt.timedelta(days=60)).isoformat())
    page.get_by_label("服药训练").check()
    page.locator("#id_times_medication_training").fill("2")
    page.get_by_role("button", name="保存服务计划").click()
    expect(page.get_by_text("规律服药，每周参加一次康复活动")).to_be_visible()
    record_step(page, "服务中")

    page.locator("form[action$='/review/'] textarea").fill("服药依从性好，情绪稳定")
    page.get_by_role("button", name="记录过程评估").click()
    expect(page.locator(".timeline")).to_contain_text("服药依从性好")

    page.locator("summary", has_text="结案").click()
    close = page.locator("form[action$='/close/']")
    close.locator("select[name=close-exit]").select_option("completed")
    close.get_by_role("button", name="登记结案").click()
    expect(page.get_by_text("必须有结案评估或写明原因")).to_be_visible()  # refused: nothing changed
    page.locator("summary", has_text="结案").click()
    close = page.locator("form[action$='/close/']")
    close.locator("input[name=close-reason]").fill("服务目标达成")
    close.get_by_role("button", name="登记结案").click()
    expect(page.get_by_text("下一步：结案后回访")).to_be_visible()

    page.locator("form[action$='/follow-up/'] textarea").fill("回访：生活规律，按时复诊")
    page.get_by_role("button", name="记录回访").click()
    expect(page.locator(".timeline")).to_contain_text("回访：生活规律")
    case.refresh_from_db()
    assert (case.status, case.step, case.exit) == (
        Case.Status.CLOSED,
        Step.FOLLOW_UP,
        Case.Exit.COMPLETED,
    )
