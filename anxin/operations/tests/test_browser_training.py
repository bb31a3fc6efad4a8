"""A project lead, on a phone in Chromium, records a staff training: ticks who came, changes one
person's hours, the others take the session's."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from anxin.clients.tests.test_browser_register import log_in
from anxin.operations.models import StaffTraining

pytestmark = [pytest.mark.browser]


def test_record_a_training_on_a_phone(transactional_db, world, phone_page: Page):
    page = phone_page
    log_in(page, "lead")
    page.goto("/accounts/projects/lw/")
    page.locator("a[href='/operations/p/lw/trainings/']").first.click()
    expect(page).to_have_url(re.compile(r"/operations/p/lw/trainings/$"))
    page.locator("details.card > summary").click()
    page.locator("#id_title").fill("危机干预培训")
    page.locator("#id_provider").fill("区精神卫生中心")
    page.locator("#id_hours").fill("3")
    page.locator(f"#attendee-{world.worker.pk}").check()
    page.locator(f"#attendee-{world.counsellor.pk}").check()
    page.locator(f"#id_hours_{world.counsellor.pk}").fill("1.5")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing wider than the phone
    page.locator("form[method=post] button.btn-primary").click()

    training = StaffTraining.objects.get()
    expect(page).to_have_url(re.compile(rf"/operations/trainings/{training.pk}/$"))
    expect(page.locator(".alert-success")).to_be_visible()
    assert {a.user.username: a.hours for a in training.attendances.all()} == {
        "worker": Decimal("3"),
        "counsellor": Decimal("1.5"),
    }
