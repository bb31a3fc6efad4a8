"""A social worker, on a phone in Chromium, records a group session with attendance for a group of
15 and sees it counted as a group."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from anxin.assessments.definitions import sync_builtin_instruments
from anxin.clients.tests.test_browser_register import log_in
from anxin.delivery.models import Participant, ServiceRecord
from anxin.delivery.tests.test_groups import lw_case, lw_group

pytestmark = [pytest.mark.browser]


def test_record_attendance_for_a_group_on_a_phone(transactional_db, world, phone_page: Page):
    # A transactional test starts from flushed tables: put the built-in instruments back.
    sync_builtin_instruments()
    page = phone_page
    cases = [lw_case(world, n) for n in range(15)]
    programme = lw_group(world, cases)
    log_in(page, "worker")

    page.goto(f"/services/groups/{programme.pk}/")
    page.locator(f"a[href$='/services/groups/{programme.pk}/session/']").click()
    expect(page).to_have_url(re.compile(r"/session/$"))
    members = page.locator("fieldset", has=page.locator("input[name=attended]"))
    box = members.bounding_box()
    assert box is not None and box["height"] <= 844  # fifteen people on one phone screen

    for case in cases[:7]:
        page.locator(f"label[for='attended-{case.pk}']").click()
    expect(page.locator("input[name=attended]:checked")).to_have_count(7)
    page.locator("#id_starts_at").fill("14:00")
    page.locator("#id_ends_at").fill("15:30")
    page.locator("#id_place").fill("多宝街康园工疗站")
    page.locator("#id_direct_hours").fill("1.5")
    page.locator("form.group-session button[type=submit]").click()

    expect(page).to_have_url(re.compile(rf"/services/groups/{programme.pk}/$"))
    expect(page.locator(".alert-success")).to_be_visible()  # counted as a group
    expect(page.locator("table .badge.text-bg-success")).to_have_count(1)
    record = ServiceRecord.objects.get(programme=programme)
    assert record.session_no == 1 and record.place == "多宝街康园工疗站"
    clients = record.participants.filter(kind=Participant.Kind.CLIENT)
    assert clients.filter(attended=True).count() == 7
    assert clients.filter(attended=False).count() == 8
