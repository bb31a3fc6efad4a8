"""The referral letter and the referral figures in the JSON API, scoped and audited exactly like
the pages: the letter of a referral out as a Word file (the project's team, while the basis for
sharing holds; an audited export), and a project's referral figures for a year (aggregates:
the team, the purchaser viewer and the organisation admin)."""

from __future__ import annotations

from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from ninja import Path, Query, Router, Schema
from pydantic import Field

from anxin.accounts.api import api_user
from anxin.clients.api import MAX_PK, DetailOut, ErrorsOut
from anxin.referrals.access import get_referral_project
from anxin.referrals.figures import default_year, referral_figures
from anxin.referrals.letter import letter_docx, open_letter, record_letter_export
from anxin.referrals.views_letter import docx_response

router = Router(tags=["referral network"])
Code = Annotated[str, Path(max_length=40, pattern=r"^[-A-Za-z0-9_]+$")]
ObjectId = Annotated[int, Path(ge=1, le=MAX_PK)]


@router.get(
    "/referrals/{referral_id}/letter.docx",
    response={200: None, 404: DetailOut, 422: ErrorsOut},
    summary="The referral letter of a referral out as a Word file (an audited export); 422 with "
    "the reasons when the basis for sharing does not hold",
)
def letter(request: HttpRequest, referral_id: ObjectId) -> HttpResponse:
    user = api_user(request)
    referral, problems = open_letter(user, referral_id, request=request)
    if problems:
        raise ValidationError(problems)
    content = letter_docx(referral)
    record_letter_export(user, referral, "docx", request)
    return docx_response(referral, content)


class TallyOut(Schema):
    total: int
    accepted: int = Field(description="accepted, including those since completed")
    rejected: int
    completed: int
    still_open: int = Field(description="sent, received or accepted and not yet completed")
    completion_rate: float | None = Field(description="completed / accepted, 0 to 1")
    average_days: float | None = Field(
        description="average days from sending (receiving, for a referral in) to acceptance"
    )


class PartnerFiguresOut(TallyOut):
    partner_id: int
    partner: str
    direction: str


class DirectionFiguresOut(TallyOut):
    code: str
    name: str
    months: list[int] = Field(description="one count per month, January first")


class ReasonOut(Schema):
    code: str
    name: str
    out: int
    in_: int = Field(alias="in")
    total: int


class GroupsOut(Schema):
    active: int = Field(description="communication groups with at least one trace in the year")
    traces: int


class ReferralFiguresOut(Schema):
    project: str
    year: int
    months: list[str]
    directions: list[DirectionFiguresOut]
    partners: list[PartnerFiguresOut]
    by_reason: list[ReasonOut]
    groups: GroupsOut


class YearIn(Schema):
    year: Annotated[int, Field(ge=2000, le=2100)] | None = None


@router.get(
    "/projects/{code}/referral-figures",
    response={200: ReferralFiguresOut, 404: DetailOut},
    by_alias=True,
    summary="A project's referrals per partner and direction, acceptance, completion, time to "
    "acceptance, by reason and month, and the communication groups (aggregates only)",
)
def figures(request: HttpRequest, code: Code, params: Query[YearIn]) -> dict[str, Any]:
    project = get_referral_project(api_user(request), code, figures=True, request=request)
    return referral_figures(project, params.year or default_year(project)).as_json()
