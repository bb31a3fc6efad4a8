"""A worker fills a PHQ-9 on a phone in Chromium, then sees the ECharts line chart."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from anxin.assessments.models import AssessmentRecord
from anxin.assessments.tests.conftest import builtin
from anxin.clients.tests.test_browser_register import log_in
from anxin.core.testing import register

pytestmark = pytest.mark.browser


def test_fill_phq9_on_a_phone_then_see_the_chart(transactional_db, world, phone_page: Page):
    page = phone_page
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    case = register(world)
    log_in(page, "worker")
    page.goto(f"/assessments/case/{case.pk}/new/?timepoint=baseline")
    page.locator("#id_instrument").select_option(str(builtin("phq9").pk))
    page.locator("form[method=get] button[type=submit]").click()
    expect(page.locator("#q-q9")).to_contain_text("有不如死掉或用某种方式伤害自己的念头")
    for number, value in enumerate([2, 2, 2, 2, 2, 2, 1, 1, 0], start=1):
        page.locator(f"label[for='item-q{number}-{value + 1}']").click()
    page.locator("form.assessment-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/assessments/\d+/$"))
    expect(page.get_by_text("中度抑郁")).to_be_visible()
    record = AssessmentRecord.objects.get()
    assert (record.total, record.band) == (14, "moderate")

    page.goto(f"/assessments/case/{case.pk}/")
    chart = page.locator(".assessment-chart[data-series='0']")
    expect(chart.locator("canvas")).to_have_count(1)  # ECharts drew the line chart
    box = chart.bounding_box()
    assert box is not None and box["height"] > 100
    assert not [p for p in problems if "Content Security Policy" in p], problems
