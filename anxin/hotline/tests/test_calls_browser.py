"""A counsellor takes a live call in Chromium: the number first (the caller's earlier calls appear
beside the form), Enter never sends the form, the call is saved as a draft while it goes on, the
line drops (the server is out of reach) and the browser is reloaded: nothing is lost; the call is
finished and the browser's copy is dropped."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from anxin.clients.tests.test_browser_register import log_in
from anxin.hotline.models import Call
from anxin.hotline.tests.calls_testing import finished

pytestmark = [pytest.mark.browser]


def test_a_live_call_is_saved_as_it_goes_and_survives_a_dropped_line(
    transactional_db, world, page: Page
):
    earlier = finished(world, world.worker, phone="13800138000", topics=["sleep"])
    log_in(page, "counsellor")
    page.goto("/hotline/")
    page.locator("form[action='/hotline/p/lw/start/'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/hotline/calls/\d+/edit/$"))
    call = Call.objects.exclude(pk=earlier.pk).get()

    phone = page.locator("#id_phone")
    expect(phone).to_be_focused()
    phone.press_sequentially("+86 138 0013 8000")
    history = page.locator("#caller-history")
    expect(history.locator(f"a[href='/hotline/calls/{earlier.pk}/']")).to_be_visible()
    expect(history).not_to_contain_text("13800138000")
    phone.press("Enter")  # moves on, never sends the form
    expect(page).to_have_url(re.compile(rf"/hotline/calls/{call.pk}/edit/$"))
    expect(phone).not_to_be_focused()

    page.locator("input[name=topics][value=sleep]").check()
    page.locator("#id_suicidal_thoughts_1").check()  # no
    page.locator("#id_violence_1").check()
    page.locator("#id_notes").fill("来电者连续三晚失眠")
    status = page.locator("#draft-status")
    expect(status).to_contain_text(re.compile(r"\d\d:\d\d:\d\d"))
    call.refresh_from_db()
    assert call.notes == "来电者连续三晚失眠" and call.phone == "13800138000"
    assert call.topics == ["sleep"] and call.status == Call.Status.DRAFT

    # The line drops: the server cannot be reached, the operator goes on typing, the browser is
    # reloaded (or closed and the call reopened).
    draft_url = f"**/hotline/calls/{call.pk}/draft/"
    page.route(draft_url, lambda route: route.abort())
    page.locator("#id_notes").fill("来电者连续三晚失眠，白天心慌，已建议就医")
    page.wait_for_timeout(300)
    page.reload()
    expect(page.locator("#restored-banner")).to_be_visible()
    expect(page.locator("#id_notes")).to_have_value("来电者连续三晚失眠，白天心慌，已建议就医")
    page.unroute(draft_url)
    expect(status).to_contain_text(re.compile(r"\d\d:\d\d:\d\d"), timeout=15_000)
    call.refresh_from_db()
    assert call.notes == "来电者连续三晚失眠，白天心慌，已建议就医"

    page.locator("#id_outcome").select_option("referred")
    page.locator("button[name=action][value=finish]").click()
    expect(page).to_have_url(re.compile(rf"/hotline/calls/{call.pk}/$"))
    call.refresh_from_db()
    assert call.status == Call.Status.DONE and call.outcome == "referred"
    # The finished page drops the browser's copy once its script has run (deferred: wait for it).
    page.wait_for_function(
        f"() => window.localStorage.getItem('anxin-hotline-draft:{call.pk}') === null",
        timeout=10_000,
    )
