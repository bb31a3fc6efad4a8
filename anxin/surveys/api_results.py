"""A survey's results in the JSON API, scoped and audited exactly like the page
(``views_results``): counts and shares for the project's team, its purchaser viewers and the
organisation admin; the free-text answers for the team only (an audited read); the Excel
workbook as an audited export."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Path, Router, Schema
from pydantic import Field

from anxin.accounts.api import api_user
from anxin.clients.api import MAX_PK, DetailOut
from anxin.surveys import access
from anxin.surveys.results_export import results_xlsx
from anxin.surveys.views_results import open_results, xlsx_response

router = Router(tags=["surveys"])
ObjectId = Annotated[int, Path(ge=1, le=MAX_PK)]
Share = Annotated[
    float | None, Field(description="0 to 1, of those who answered; null when none did")
]


class SurveyRefOut(Schema):
    id: int
    title: str
    project: str
    kind: str
    questionnaire: str
    version: int
    status: str
    anonymous: bool
    target: int | None


class ResultGroupOut(Schema):
    code: str = Field(description="the respondent type, the channel or the street's division code")
    label: str
    count: int
    share: float | None = Field(description="of all responses, 0 to 1")


class OptionOut(Schema):
    value: str
    label: str
    count: int
    share: Share


class NumberOut(Schema):
    count: int
    mean: float | None
    min: float | None
    max: float | None


class CrossGroupOut(Schema):
    code: str
    label: str
    responses: int


class CrossRowOut(Schema):
    value: str = Field(description='the option; "" for those who did not answer')
    label: str
    counts: list[int] = Field(description="one count per group, in the order of groups")
    total: int


class CrossTabOut(Schema):
    by: str = Field(description="street or respondent_type")
    groups: list[CrossGroupOut]
    rows: list[CrossRowOut]


class QuestionOut(Schema):
    code: str
    section: str
    section_title: str
    text: str
    type: str = Field(description="choice, multi, number, date or text")
    required: bool
    answered: int
    not_answered: int
    not_answered_share: float | None = Field(description="of all responses, 0 to 1")
    options: list[OptionOut] = Field(
        description="choice and multi questions; the shares of a multi may add up to over 1"
    )
    number: NumberOut | None
    by_street: CrossTabOut | None
    by_respondent_type: CrossTabOut | None
    texts: list[str] | None = Field(
        description="the free-text answers, newest first: for the project's team only"
    )


class SectionOut(Schema):
    code: str
    title: str


class SurveyResultsOut(Schema):
    survey: SurveyRefOut
    responses: int
    by_respondent_type: list[ResultGroupOut]
    by_street: list[ResultGroupOut]
    by_channel: list[ResultGroupOut]
    sections: list[SectionOut]
    questions: list[QuestionOut]
    texts_included: bool


@router.get(
    "/surveys/{survey_id}/results",
    response={200: SurveyResultsOut, 404: DetailOut},
    summary="A survey's results: responses by respondent type, street and channel; counts and "
    "shares per question, cross-tabs by street and respondent type; the free-text answers for "
    "the project's team only (an audited read)",
)
def results(request: HttpRequest, survey_id: ObjectId) -> dict[str, Any]:
    _survey, data = open_results(api_user(request), survey_id, request)
    return data.as_json()


@router.get(
    "/surveys/{survey_id}/results.xlsx",
    response={200: None, 404: DetailOut},
    summary="A survey's results as an Excel workbook (an audited export; the free-text answers "
    "for the project's team only)",
)
def results_workbook(request: HttpRequest, survey_id: ObjectId) -> HttpResponse:
    user = api_user(request)
    survey, data = open_results(user, survey_id, request, shown=False)
    content = results_xlsx(data)
    access.record_export(user, survey, request)
    return xlsx_response(survey, content)
