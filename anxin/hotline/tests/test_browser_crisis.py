"""A crisis call in Chromium, from the first screen to the supervisor's close: a counsellor takes a
call, the risk screening turns positive, the escalation opens at once, the counsellor records the
120 call; the supervisor finds the crisis on the home page and closes it with its outcome."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from anxin.clients.tests.test_browser_register import log_in
from anxin.hotline.models import CallBack, Escalation, EscalationStep

pytestmark = [pytest.mark.browser]


def test_a_crisis_call_from_first_screen_to_supervisor_close(transactional_db, world, page: Page):
    log_in(page, "counsellor")
    page.goto("/hotline/")
    page.locator(f"form[action='/hotline/p/{world.liwan.code}/start/'] button").click()
    expect(page).to_have_url(re.compile(r"/hotline/calls/\d+/edit/$"))
    expect(page.locator("#crisis-banner")).to_be_hidden()

    # The screening: suicidal thoughts with a plan, no intent stated, no means, no violence.
    for answer in ("suicidal_thoughts_0", "intent_1", "plan_0", "means_1", "violence_1"):
        page.locator(f"label[for='id_{answer}']").click()
    page.locator("#call-form button[value=save]").click()
    banner = page.locator("#crisis-banner")
    expect(banner).to_be_visible()
    escalation = Escalation.objects.get()
    assert escalation.status == Escalation.Status.OPEN
    follow_up = CallBack.objects.get(escalation=escalation)
    assert follow_up.assignee_id == world.counsellor.pk

    # The escalation page: record that 120 was called.
    banner.locator("a").click()
    expect(page).to_have_url(re.compile(rf"/hotline/crises/{escalation.pk}/$"))
    expect(page.locator("#crisis-banner")).to_be_visible()
    expect(page.locator("form.crisis-close")).to_have_count(0)  # an operator does not close
    page.locator("#id_kind").select_option(EscalationStep.Kind.EMERGENCY_120)
    page.locator("#id_note").fill("120 已派车，家属在场")
    page.locator("form.crisis-step button[type=submit]").click()
    expect(page.locator("#steps")).to_contain_text("120 已派车")
    assert escalation.steps.get().kind == EscalationStep.Kind.EMERGENCY_120

    # The supervisor is alerted on the home page and closes it with its outcome.
    page.context.clear_cookies()
    log_in(page, "supervisor")
    alert = page.locator("#open-crises")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text(escalation.reason)
    alert.locator(f"a[href='/hotline/crises/{escalation.pk}/']").click()
    close = page.locator("form.crisis-close")
    close.locator("button[type=submit]").click()  # no outcome: refused, still open
    expect(
        page.locator("form.crisis-close .alert-danger, form.crisis-close .invalid-feedback").first
    ).to_be_visible()
    escalation.refresh_from_db()
    assert escalation.status == Escalation.Status.OPEN
    page.locator("#id_outcome").fill("已由 120 送往市精神卫生中心，监护人陪同；明日回访")
    page.locator("form.crisis-close button[type=submit]").click()
    expect(page.locator("#crisis-outcome")).to_contain_text("明日回访")
    expect(page.locator("#crisis-banner")).to_have_count(0)
    escalation.refresh_from_db()
    assert escalation.status == Escalation.Status.CLOSED
    assert escalation.closed_by_id == world.supervisor.pk

    page.goto("/")
    expect(page.locator("#open-crises")).to_have_count(0)
