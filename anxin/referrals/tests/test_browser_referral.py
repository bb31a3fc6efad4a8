"""A referral out in Chromium on a phone, as a worker does it after a home visit: the case page,
the client's consent to share (a photo of the signed form), the draft with what may be shared,
sent; then the partner's acceptance and, later, its feedback, which closes the referral."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import FilePayload, Page, expect

from anxin.cases.testing import PNG
from anxin.clients.tests.test_browser_register import log_in
from anxin.referrals.models import Consent, Referral
from anxin.referrals.tests import factories as f

pytestmark = [pytest.mark.browser]


def _step(page: Page, to: str, note: str = "") -> None:
    card = page.locator(f"details:has(form[action$='/move/{to}/'])")
    if card.get_attribute("open") is None:
        card.locator("summary").click()
    if note:
        card.locator(f"#id_{to}-note").fill(note)
    card.locator("button[type=submit]").click()


def test_a_referral_out_from_consent_to_the_partners_feedback(
    transactional_db, world, phone_page: Page
):
    page = phone_page
    case = f.case(world)
    partner = f.partner(world)
    log_in(page, "worker")
    page.goto(f"/cases/{case.pk}/")
    page.locator(f"#referrals a[href='/referrals/cases/{case.pk}/new/']").click()
    expect(page).to_have_url(re.compile(rf"/referrals/cases/{case.pk}/new/$"))

    # No consent on file yet: record it first (the signed form's photo), then back to the draft.
    page.locator(f"a[href='/referrals/cases/{case.pk}/consents/new/?next=referral']").click()
    page.locator("#id_given_by").select_option("guardian")
    page.locator("#id_guardian_name").fill("张母")
    for item in ("identity", "diagnosis", "risk"):
        page.locator(f"input[name=scope][value={item}]").check()
    page.locator("#id_purpose").fill("转介精神卫生中心复诊")
    page.locator("#id_method").select_option("signed")
    photo: FilePayload = {"name": "consent.png", "mimeType": "image/png", "buffer": PNG}
    page.locator("#id_scan").set_input_files(files=[photo])
    page.get_by_role("button", name="记录同意").click()
    expect(page).to_have_url(re.compile(rf"/referrals/cases/{case.pk}/new/$"))
    consent = Consent.objects.get(case=case)
    expect(page.locator("#id_consent")).to_have_value(str(consent.pk))

    page.locator("#id_partner").select_option(str(partner.pk))
    page.locator("#id_reason").select_option("medical")
    page.locator("#id_needs").fill("自行停药两周，睡眠差，需门诊复诊评估用药")
    page.locator("input[name=shared][value=risk]").uncheck()  # the partner needs less than allowed
    page.get_by_role("button", name="保存草稿").click()
    expect(page).to_have_url(re.compile(r"/referrals/r/\d+/$"))
    referral = Referral.objects.get(case=case)
    assert referral.shared == ["diagnosis", "identity"] and referral.consent == consent
    expect(page.locator("a[href$='/letter/']")).to_be_visible()

    _step(page, "sent")
    expect(page.locator(".alert-success")).to_be_visible()
    _step(page, "accepted")
    expect(page.locator("h1 + div .badge").first).to_have_text(re.compile("已接收"))
    _step(page, "completed", "已门诊复诊，医生调整用药，两周后复查")
    expect(page.locator("dl")).to_contain_text("两周后复查")
    referral.refresh_from_db()
    assert referral.status == "completed" and referral.feedback.endswith("两周后复查")
    assert list(referral.steps.values_list("status", flat=True)) == [
        "drafted",
        "sent",
        "accepted",
        "completed",
    ]
    # The case page shows the referral and its history in the timeline.
    page.goto(f"/cases/{case.pk}/")
    expect(page.locator("#referrals")).to_contain_text(referral.number)
