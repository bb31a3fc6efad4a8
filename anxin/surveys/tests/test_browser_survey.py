"""A respondent answers the needs survey on their phone through a one-time link, in Chromium on
a phone-sized screen: no login, the questions by sections (one choice, several choices, free
text), sent, thanked; the link then opens nothing."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from anxin.surveys.models import Response
from anxin.surveys.tests import factories as f

pytestmark = [pytest.mark.browser]


def _choose(page: Page, question: str, *labels: str) -> None:
    card = page.locator(f"#q-{question}")
    for label in labels:
        card.get_by_text(label, exact=True).click()


def test_a_respondent_answers_through_a_one_time_link_on_a_phone(
    transactional_db, world, phone_page: Page
):
    page = phone_page
    survey = f.survey(world)
    link, token = f.link(world, survey, respondent_type="guardian")
    csp_errors: list[str] = []
    page.on(
        "console",
        lambda message: (
            csp_errors.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )

    page.goto(f"/s/{token}/")
    expect(page.locator("h1")).to_have_text(survey.title)
    expect(page.locator("#organisation")).to_have_text(world.org.name)
    expect(page.locator("nav")).to_have_count(0)
    expect(page.locator("a")).to_have_count(0)
    expect(page.locator("#section-living h2")).to_have_text("一、居住与生活状况")
    # Fits the phone: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # Sending with a question left out keeps the answers and marks the question.
    _choose(page, "living_with", "与父母同住")
    _choose(page, "income", "低保或特困")
    _choose(page, "daily_life", "部分需要帮助")
    _choose(page, "rehab_needs", "社交技能", "职业康复与就业")
    _choose(page, "burden", "比较大")
    _choose(page, "services_wanted", "康复小组", "就业支持")
    _choose(page, "preferred_time", "周末")
    page.locator("#item-comments").fill("希望周末也有活动")
    page.locator("#submit-answers").click()
    expect(page.locator("#response-errors")).to_be_visible()
    expect(page.locator("#q-medication .question-error")).to_have_text("未作答。")
    expect(page.locator("#q-living_with input[value=parents]")).to_be_checked()
    expect(page.locator("#q-rehab_needs input[value=work]")).to_be_checked()
    expect(page.locator("#item-comments")).to_have_value("希望周末也有活动")
    assert Response.objects.count() == 0

    _choose(page, "medication", "按医嘱规律服药")
    _choose(page, "caregiver_needs", "喘息服务")
    page.locator("#submit-answers").click()
    expect(page.locator("#thanks")).to_be_visible()

    saved = Response.objects.get()
    assert saved.channel == "link" and saved.respondent_type == "guardian"
    assert saved.link_id == link.pk and saved.entered_by is None
    answers = {(a.item, a.value) for a in saved.answers.all() if a.value}
    assert {
        ("rehab_needs", "social"),
        ("rehab_needs", "work"),
        ("medication", "regular"),
    } <= answers
    assert ("caregiver_needs", "respite") in answers and ("preferred_time", "weekend") in answers
    assert saved.answers.get(item="comments").text == "希望周末也有活动"

    reopened = page.goto(f"/s/{token}/")
    assert reopened is not None and reopened.status == 404
    expect(page.locator("#gone")).to_be_visible()
    assert Response.objects.count() == 1
    assert csp_errors == []
