"""The contract's live figures in the JSON API: the work-hour planner, a project's indicator
table and its dashboard (streets, standardised-service rate). Aggregates only: members and the
project's purchaser viewers may read them, like the dashboard page."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema
from pydantic import Field

from anxin.accounts.access import get_project_for_user
from anxin.accounts.api import api_user
from anxin.clients.api import DetailOut, ErrorsOut
from anxin.contracts.catalogue import TemplateError
from anxin.contracts.dashboard import project_dashboard
from anxin.contracts.export import indicators_json
from anxin.contracts.planner import MAX_CLIENTS, plan_hours
from anxin.contracts.selectors import available_template_codes

router = Router(tags=["contracts"])
Code = Annotated[str, Path(max_length=40, pattern=r"^[-A-Za-z0-9_]+$")]


class PlanRowOut(Schema):
    code: str
    name: str
    min_hours: float
    max_hours: float


class LivePlanOut(Schema):
    template: str
    clients: int
    rows: list[PlanRowOut]
    total_min_hours: float
    total_max_hours: float


class PlanQuery(Schema):
    template: Annotated[str, Field(max_length=64, pattern=r"^[-A-Za-z0-9_]+$")]
    clients: Annotated[int, Field(ge=0, le=MAX_CLIENTS)]


class IndicatorOut(Schema):
    code: str
    name: str
    unit: str
    target: float
    achieved: float | None
    hours_logged: float | None
    hours_min: float | None
    hours_max: float | None
    improvement_rate: float | None
    improvement_threshold: float | None
    status: str = Field(description="met, on_track, behind or no_source")


class IndicatorsOut(Schema):
    project: str
    as_of: dt.date
    indicators: list[IndicatorOut]


class LiveAsOfQuery(Schema):
    as_of: dt.date | None = None


class StreetOut(Schema):
    code: str
    name: str
    registered: int
    served: int
    contacts: int


class RateOut(Schema):
    target: float
    value: float | None
    numerator: int
    denominator: int
    parts: dict[str, int]


class DashboardOut(IndicatorsOut):
    elapsed: float
    streets: list[StreetOut]
    streets_served: int
    standardised_rate: RateOut | None


def _as_of(params: LiveAsOfQuery) -> dt.date:
    return params.as_of or timezone.localdate()


@router.get(
    "/planner",
    response={200: LivePlanOut, 422: ErrorsOut},
    summary="Work-hour plan of a contract template for a number of clients (R7.2)",
)
def planner(request: HttpRequest, params: Query[PlanQuery]) -> dict[str, Any]:
    user = api_user(request)
    if params.template not in available_template_codes(user.organisation_id):
        raise ValidationError(_("No contract template %(code)s.") % {"code": params.template})
    try:
        return plan_hours(params.template, params.clients).as_json()
    except TemplateError as exc:
        raise ValidationError(str(exc)) from exc


@router.get(
    "/projects/{code}/indicators",
    response={200: IndicatorsOut, 404: DetailOut},
    summary="The project's contract indicators on a date (R7.3)",
)
def indicators(request: HttpRequest, code: Code, params: Query[LiveAsOfQuery]) -> dict[str, Any]:
    project = get_project_for_user(api_user(request), code, request=request)
    return indicators_json(project, _as_of(params))


@router.get(
    "/projects/{code}/dashboard",
    response={200: DashboardOut, 404: DetailOut},
    summary="The project's dashboard: indicators, streets, standardised-service rate",
)
def dashboard(request: HttpRequest, code: Code, params: Query[LiveAsOfQuery]) -> dict[str, Any]:
    project = get_project_for_user(api_user(request), code, request=request)
    board = project_dashboard(project, _as_of(params))
    rate = board.standardised
    return {
        "project": project.code,
        "as_of": board.as_of,
        "elapsed": round(board.elapsed, 4),
        "indicators": [r.as_json() for r in board.indicators],
        "streets": [s.__dict__ for s in board.streets],
        "streets_served": board.streets_served,
        "standardised_rate": None
        if rate is None
        else {
            "target": rate.target,
            "value": rate.value,
            "numerator": rate.numerator,
            "denominator": rate.denominator,
            "parts": rate.parts,
        },
    }
