"""Surveys in the JSON API, the collection side: a project's surveys, a new survey, one survey
with its questionnaire and counts, opening and closing it, one-time links (their tokens and
addresses are in the answer that makes them, and nowhere else, ever), and a response entered by
a worker. Scoped and audited exactly like the pages (``anxin.surveys.access``); refused input is
422 with the reasons. The results are ``api_results``'s."""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema, Status
from pydantic import AfterValidator, Field, StringConstraints

from anxin.accounts.api import api_user
from anxin.accounts.models import Project, User
from anxin.clients.api import MAX_PK, DetailOut, ErrorsOut
from anxin.core.models import Division
from anxin.surveys import actions, selectors
from anxin.surveys.access import get_survey_for_user, get_survey_project
from anxin.surveys.forms import MAX_LINKS, MAX_TARGET
from anxin.surveys.models import Response, Survey, SurveyLink

router = Router(tags=["surveys"])
Code = Annotated[str, Path(max_length=40, pattern=r"^[-A-Za-z0-9_]+$")]
SurveyId = Annotated[int, Path(ge=1, le=MAX_PK)]
Id = Annotated[int, Field(ge=1, le=MAX_PK)]
Choice = Annotated[str, StringConstraints(max_length=40, pattern=r"^[-a-z0-9_]*$")]
StreetCode = Annotated[str, StringConstraints(max_length=12, pattern=r"^[0-9]*$")]
MAX_ANSWERS = 200
MAX_NUMBER = 10**12


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("NUL characters are not allowed")
    return value


Title = Annotated[str, StringConstraints(max_length=200), AfterValidator(_no_nul)]
Text = Annotated[str, StringConstraints(max_length=10000), AfterValidator(_no_nul)]
Option = Annotated[str, StringConstraints(max_length=64), AfterValidator(_no_nul)]
Number = Annotated[int, Field(ge=-MAX_NUMBER, le=MAX_NUMBER)]
Real = Annotated[float, Field(ge=-MAX_NUMBER, le=MAX_NUMBER, allow_inf_nan=False)]
AnswerValue = Number | Real | Text | Annotated[list[Option], Field(max_length=100)] | None
ItemCode = Annotated[str, StringConstraints(max_length=40), AfterValidator(_no_nul)]


class SurveyOut(Schema):
    id: int
    project: str
    kind: str
    title: str
    questionnaire: str
    version: int
    anonymous: bool
    target: int | None
    status: str
    opens_on: dt.date | None
    closes_on: dt.date | None
    responses: int


class SurveyPageOut(Schema):
    count: int
    page: int
    pages: int
    items: list[SurveyOut]


class LinkCountsOut(Schema):
    made: int
    used: int
    expired: int
    waiting: int


class SurveyDetailOut(SurveyOut):
    definition: dict[str, Any] = Field(description="the questionnaire, as frozen at creation")
    responses_by_respondent: dict[str, int]
    responses_by_channel: dict[str, int]
    links: LinkCountsOut


class SurveyIn(Schema):
    kind: Choice = Field(description="needs, satisfaction or other")
    title: Title
    questionnaire: Choice = Field(
        description="needs-survey, satisfaction-survey or a code of the organisation's own"
    )
    anonymous: bool = False
    target: Annotated[int, Field(ge=1, le=MAX_TARGET)] | None = None
    opens_on: dt.date | None = None
    closes_on: dt.date | None = None


class SurveyListQueryIn(Schema):
    page: Annotated[int, Field(ge=1, le=1_000_000)] = 1


class StatusIn(Schema):
    status: Choice = Field(description="open or closed")


class LinksIn(Schema):
    respondent_type: Choice = Field(description="client, guardian, community or other")
    street: StreetCode = Field(default="", description="the street's 9- or 12-digit code")
    count: Annotated[int, Field(ge=1, le=MAX_LINKS)] = 1
    days: Annotated[int, Field(ge=1, le=actions.MAX_LINK_DAYS)] = actions.LINK_DAYS


class LinkOut(Schema):
    id: int
    token: str = Field(description="shown only in this answer; only a hash of it is kept")
    url: str
    respondent_type: str
    street: str | None
    expires_on: dt.date


class LinksOut(Schema):
    links: list[LinkOut]


class ResponseIn(Schema):
    respondent_type: Choice = Field(description="client, guardian, community or other")
    street: StreetCode = Field(default="", description="the street's 9- or 12-digit code")
    case_id: Id | None = Field(default=None, description="not for an anonymous survey")
    on: dt.date | None = Field(default=None, description="default: today")
    answers: dict[ItemCode, AnswerValue] = Field(
        max_length=MAX_ANSWERS,
        description="item code → option value (a list of them for a multiple choice), or text",
    )


class ResponseOut(Schema):
    id: int
    survey_id: int
    channel: str
    respondent_type: str
    street: str | None
    case_id: int | None
    submitted_on: dt.date
    answers: int = Field(description="the number of answer rows stored")


def _survey_out(survey: Survey, responses: int) -> dict[str, Any]:
    return {
        "id": survey.pk,
        "project": survey.project.code,
        "kind": survey.kind,
        "title": survey.title,
        "questionnaire": survey.code,
        "version": survey.version,
        "anonymous": survey.anonymous,
        "target": survey.target,
        "status": survey.status,
        "opens_on": survey.opens_on,
        "closes_on": survey.closes_on,
        "responses": responses,
    }


def _detail(survey: Survey) -> SurveyDetailOut:
    responses = Response.objects.filter(survey=survey).order_by()
    by_type = dict(responses.values_list("respondent_type").annotate(n=Count("id")))
    by_channel = dict(responses.values_list("channel").annotate(n=Count("id")))
    links = selectors.link_counts(survey)
    return SurveyDetailOut(
        **_survey_out(survey, sum(by_type.values())),
        definition=survey.definition,
        responses_by_respondent=by_type,
        responses_by_channel=by_channel,
        links=LinkCountsOut(
            made=links.made, used=links.used, expired=links.expired, waiting=links.waiting
        ),
    )


def _street(project: Project, code: str) -> Division | None:
    if not code:
        return None
    street = selectors.street_of(project, code)
    if street is None:
        raise ValidationError(_("No street %(code)s in the project's district.") % {"code": code})
    return street


@router.get(
    "/projects/{code}/surveys",
    response={200: SurveyPageOut, 404: DetailOut},
    summary="A project's surveys with their response counts",
)
def survey_list(
    request: HttpRequest, code: Code, params: Query[SurveyListQueryIn]
) -> SurveyPageOut:
    project = get_survey_project(api_user(request), code, request=request)
    qs = selectors.surveys_qs(project)
    count = qs.count()
    start = (params.page - 1) * selectors.PAGE_SIZE
    rows = list(qs.select_related("project")[start : start + selectors.PAGE_SIZE])
    return SurveyPageOut(
        count=count,
        page=params.page,
        pages=max(1, math.ceil(count / selectors.PAGE_SIZE)),
        items=[SurveyOut(**_survey_out(s, getattr(s, "response_count", 0))) for s in rows],
    )


@router.post(
    "/projects/{code}/surveys",
    response={201: SurveyDetailOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut},
    summary="Create a survey from a questionnaire (being prepared until it is opened)",
)
def survey_create(request: HttpRequest, code: Code, payload: SurveyIn) -> Status[SurveyDetailOut]:
    user = api_user(request)
    project = get_survey_project(user, code, write=True, request=request)
    survey = actions.survey_create(
        project=project, acting_user=user, request=request, **payload.dict()
    )
    return Status(201, _detail(survey))


@router.get(
    "/surveys/{survey_id}",
    response={200: SurveyDetailOut, 404: DetailOut},
    summary="A survey with its questionnaire, its response counts and its links' counts",
)
def survey_read(request: HttpRequest, survey_id: SurveyId) -> SurveyDetailOut:
    return _detail(get_survey_for_user(api_user(request), survey_id, request=request))


@router.post(
    "/surveys/{survey_id}/status",
    response={200: SurveyDetailOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut},
    summary="Open a survey (or reopen a closed one), or close it",
)
def survey_status(request: HttpRequest, survey_id: SurveyId, payload: StatusIn) -> Any:
    user = api_user(request)
    survey = get_survey_for_user(user, survey_id, write=True, request=request)
    actions.survey_set_status(
        survey=survey, status=payload.status, acting_user=user, request=request
    )
    return _detail(survey)


@transaction.atomic
def _make_links(
    request: HttpRequest, user: User, survey: Survey, payload: LinksIn
) -> list[tuple[SurveyLink, str]]:
    street = _street(survey.project, payload.street)
    return [
        actions.link_create(
            survey=survey,
            respondent_type=payload.respondent_type,
            street=street,
            days=payload.days,
            acting_user=user,
            request=request,
        )
        for _n in range(payload.count)
    ]


@router.post(
    "/surveys/{survey_id}/links",
    response={201: LinksOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut},
    summary="Make one-time links: their tokens and addresses are given here once, never again",
)
def survey_links(request: HttpRequest, survey_id: SurveyId, payload: LinksIn) -> Status[LinksOut]:
    user = api_user(request)
    survey = get_survey_for_user(user, survey_id, write=True, request=request)
    made = _make_links(request, user, survey, payload)
    links = [
        LinkOut(
            id=link.pk,
            token=token,
            url=request.build_absolute_uri(reverse("survey-public:answer", args=[token])),
            respondent_type=link.respondent_type,
            street=link.street_id,
            expires_on=link.expires_on,
        )
        for link, token in made
    ]
    return Status(201, LinksOut(links=links))


@router.post(
    "/surveys/{survey_id}/responses",
    response={201: ResponseOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut},
    summary="Record a response entered by a worker (answers by item code)",
)
def response_create(
    request: HttpRequest, survey_id: SurveyId, payload: ResponseIn
) -> Status[ResponseOut]:
    user = api_user(request)
    survey = get_survey_for_user(user, survey_id, write=True, request=request)
    project = survey.project
    street = _street(project, payload.street)
    case = None
    if payload.case_id is not None:
        case = selectors.case_of(project, payload.case_id)
        if case is None:
            raise ValidationError(_("No case %(id)s.") % {"id": payload.case_id})
    response = actions.response_submit(
        survey=survey,
        answers=dict(payload.answers),
        respondent_type=payload.respondent_type,
        street=street,
        case=case,
        on=payload.on,
        acting_user=user,
        request=request,
    )
    return Status(
        201,
        ResponseOut(
            id=response.pk,
            survey_id=survey.pk,
            channel=response.channel,
            respondent_type=response.respondent_type,
            street=response.street_id,
            case_id=response.case_id,
            submitted_on=response.submitted_on,
            answers=response.answers.count(),
        ),
    )
