"""An organisation's own questionnaire (uploaded on the instruments page) can be the questionnaire
of its surveys; another organisation's cannot."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from anxin.assessments.models import Instrument
from anxin.surveys import actions
from anxin.surveys.definitions import definition_choices
from anxin.surveys.tests import factories as f

OWN: dict[str, Any] = {
    "code": "activity-feedback",
    "version": 1,
    "title": {"zh": "活动反馈表", "en": "Activity feedback"},
    "scoring": {"total": "none"},
    "items": [
        {
            "code": "liked",
            "text": {"zh": "您喜欢这次活动吗？", "en": "Did you like the activity?"},
            "options": [{"value": "yes", "label": "喜欢"}, {"value": "no", "label": "不喜欢"}],
        }
    ],
}


def _instrument(organisation) -> Instrument:
    return Instrument.objects.create(
        organisation=organisation,
        code=OWN["code"],
        version=1,
        title_zh="活动反馈表",
        title_en="Activity feedback",
        definition=OWN,
    )


def test_the_organisations_own_questionnaire_makes_a_survey(world, login) -> None:
    _instrument(world.org)
    assert ("activity-feedback", "活动反馈表") in definition_choices(world.org.pk)
    survey = f.survey(world, kind="other", questionnaire="activity-feedback", title="小组活动反馈")
    assert survey.definition == OWN
    response = f.respond(world, survey, {"liked": "yes"})
    assert list(response.answers.values_list("item", "value")) == [("liked", "yes")]
    page = login(world.lead).get(f"/surveys/p/{world.liwan.code}/new/?kind=other")
    assert "活动反馈表" in page.content.decode()


def test_another_organisations_questionnaire_is_refused(world) -> None:
    _instrument(world.other_org)
    assert "activity-feedback" not in dict(definition_choices(world.org.pk))
    with pytest.raises(ValidationError):
        actions.survey_create(
            project=world.liwan,
            kind="other",
            title="借用别家问卷",
            questionnaire="activity-feedback",
            acting_user=world.lead,
        )
