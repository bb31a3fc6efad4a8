"""Rows for the survey tests, made through the actions (the world's Liwan project)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from anxin.accounts.actions import api_token_create
from anxin.core.testing import World
from anxin.surveys import actions
from anxin.surveys.models import Response, Survey, SurveyLink

TODAY = timezone.localdate()
NEEDS_ANSWERS: dict[str, Any] = {
    "living_with": "parents",
    "income": "dibao",
    "daily_life": "partial",
    "medication": "regular",
    "rehab_needs": ["social", "work"],
    "burden": "3",
    "caregiver_needs": ["respite"],
    "services_wanted": ["groups", "employment"],
    "preferred_time": "weekday",
    "comments": "希望周末也有活动",
}
SATISFACTION_ANSWERS: dict[str, Any] = {
    "attitude": "5",
    "timeliness": "4",
    "professional": "5",
    "effect": "4",
    "overall": "5",
    "recommend": "yes",
    "suggestions": "多组织外出活动",
}


def auth(user) -> dict[str, str]:
    _token, key = api_token_create(user=user, name="t", acting_user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def survey(world: World, kind: str = "needs", *, open_it: bool = True, **extra: Any) -> Survey:
    values: dict[str, Any] = {
        "project": world.liwan,
        "kind": kind,
        "title": "2026年服务需求调查" if kind == "needs" else "2026年服务满意度调查",
        "questionnaire": "needs-survey" if kind == "needs" else "satisfaction-survey",
        "anonymous": kind == "satisfaction",
        "target": 50,
        "acting_user": world.lead,
    }
    values.update(extra)
    created = actions.survey_create(**values)
    if open_it:
        created = actions.survey_set_status(
            survey=created, status=Survey.Status.OPEN, acting_user=world.lead
        )
    return created


def respond(
    world: World, survey: Survey, answers: dict[str, Any] | None = None, **extra: Any
) -> Response:
    values: dict[str, Any] = {
        "survey": survey,
        "answers": answers
        if answers is not None
        else (NEEDS_ANSWERS if survey.kind == "needs" else SATISFACTION_ANSWERS),
        "respondent_type": "guardian",
        "street": world.street("沙面街道"),
        "acting_user": world.worker,
    }
    values.update(extra)
    return actions.response_submit(**values)


def link(world: World, survey: Survey, **extra: Any) -> tuple[SurveyLink, str]:
    values: dict[str, Any] = {
        "survey": survey,
        "respondent_type": "client",
        "street": world.street("沙面街道"),
        "acting_user": world.worker,
    }
    values.update(extra)
    return actions.link_create(**values)
