"""A project lead opens the contract dashboard in Chromium: the indicators with their state, the
street chart drawn by ECharts (no request leaves the site), and a drill-down to the records."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from anxin.assessments.definitions import sync_builtin_instruments
from anxin.clients.tests.test_browser_register import log_in
from anxin.delivery.actions import ParticipantInput
from anxin.delivery.models import Participant
from anxin.delivery.tests.test_records import in_service, make

pytestmark = [pytest.mark.browser]


def test_lead_reads_the_dashboard_and_drills_down(transactional_db, world, page: Page):
    sync_builtin_instruments()
    cases = in_service(world, 6)
    make(world, [ParticipantInput(Participant.Kind.CLIENT, case=c) for c in cases], form="group")
    log_in(page, "lead")

    page.goto(f"/contracts/p/{world.liwan.code}/dashboard/")
    row = page.locator("#indicator-4c")
    expect(row).to_contain_text("服药训练")
    expect(row).to_contain_text("6 / 660")
    expect(row.locator(".badge:visible")).to_have_text("进度落后")
    expect(page.locator("#indicator-4a")).to_contain_text("6 / 200")
    chart = page.locator("#street-chart")
    expect(chart).to_have_attribute("data-ready", "1")
    expect(chart.locator("svg")).to_have_count(1)
    expect(page.locator("#streets")).to_contain_text("沙面街道")

    row.locator("a").click()
    expect(page).to_have_url(re.compile(r"/services/p/lw/\?.*item=medication_training"))
    expect(page.locator(".list-group-item")).to_have_count(1)
    expect(page.locator(".list-group-item")).to_contain_text("服药训练")


def test_purchaser_sees_the_figures_without_drill_down(transactional_db, world, page: Page):
    sync_builtin_instruments()
    in_service(world, 2)
    log_in(page, "purchaser")
    page.goto(f"/contracts/p/{world.liwan.code}/dashboard/")
    expect(page.locator("#indicator-4a")).to_contain_text("2 / 200")
    expect(page.locator("#indicators a")).to_have_count(0)
