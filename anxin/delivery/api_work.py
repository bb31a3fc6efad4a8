"""Training cycles (R5.3), joint home visits (R5.5) and timesheets (R5 item 7) in the JSON API.

Scoped and audited exactly like their pages (``cycle_views``): a case through
``get_case_for_user`` (an audited read; 403 to a reader who may not write), a cycle through its
case (``cycles.get_cycle_for_user``), another worker's timesheet through
``timesheets.get_worker_for_overseer``. The rules live in the actions; their refusals are answered
422 with ``{"errors": [...]}``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema, Status
from pydantic import Field, StringConstraints

from anxin.accounts.api import api_user
from anxin.accounts.models import Project, User
from anxin.assessments.selectors import band_label
from anxin.cases.access import get_case_for_user
from anxin.clients.api import MAX_PK, DetailOut, ErrorsOut, Long, Name, Short
from anxin.contracts.catalogue import service_items
from anxin.delivery.actions import WorkerHours, session_hours
from anxin.delivery.api import Code, Code40, Hours, Org
from anxin.delivery.cycles import (
    Progress,
    cycle_end,
    cycle_progress,
    cycle_start,
    cycles_for_case,
    cycles_for_worker,
    get_cycle_for_user,
)
from anxin.delivery.models import TrainingCycle
from anxin.delivery.timesheets import (
    Row,
    get_worker_for_overseer,
    overseen_projects,
    project_workers,
    timesheet,
)
from anxin.delivery.visits import home_visit_record

router = Router(tags=["cycles, home visits and timesheets"])
PathId = Annotated[int, Path(ge=1, le=MAX_PK)]
FIRST_YEAR = 2000
MAX_VISITORS = 20
MAX_ANSWERS = 200
CENTS = Decimal("0.01")


# Training cycles --------------------------------------------------------------------------------


class CycleOut(Schema):
    id: int
    case_id: int
    client_name: str
    project: str
    service_item: str
    item_name: str
    starts_on: dt.date
    ended_on: dt.date | None
    running: bool
    done: int = Field(description="sessions that count under the item's rule")
    required: int
    max: int | None
    per_week_ok: bool
    weeks_elapsed: int
    behind: bool
    reason: str = Field(description="why the cycle is behind or over its maximum, else empty")
    baseline_assessment_id: int | None
    closing_assessment_id: int | None


class CycleStartIn(Schema):
    service_item: Code40
    starts_on: dt.date


class CycleEndIn(Schema):
    ended_on: dt.date


class MyCyclesQueryIn(Schema):
    behind: bool = False


class _ItemNames:
    """Names of the service items of the cycles' projects, read once per project."""

    def __init__(self) -> None:
        self.names: dict[int, dict[str, str]] = {}

    def __call__(self, project: Project, code: str) -> str:
        if project.pk not in self.names:
            self.names[project.pk] = {i["code"]: i["name"] for i in service_items(project)}
        return self.names[project.pk].get(code, code)


def cycle_out(cycle: TrainingCycle, progress: Progress, names: _ItemNames) -> CycleOut:
    return CycleOut(
        id=cycle.pk,
        case_id=cycle.case_id,
        client_name=cycle.case.client.name,
        project=cycle.project.code,
        service_item=cycle.service_item,
        item_name=names(cycle.project, cycle.service_item),
        starts_on=cycle.starts_on,
        ended_on=cycle.ended_on,
        running=cycle.ended_on is None,
        done=progress.done,
        required=progress.required,
        max=progress.max,
        per_week_ok=progress.per_week_ok,
        weeks_elapsed=progress.weeks_elapsed,
        behind=progress.behind,
        reason=progress.reason,
        baseline_assessment_id=cycle.baseline_id,
        closing_assessment_id=cycle.closing_id,
    )


CYCLE_WRITE = {403: DetailOut, 404: DetailOut, 422: ErrorsOut}


@router.get(
    "/cases/{case_id}/cycles",
    response={200: list[CycleOut], 404: DetailOut},
    summary="A case's training cycles with their progress (an audited read of the case)",
)
def case_cycles(request: HttpRequest, case_id: PathId) -> list[CycleOut]:
    case = get_case_for_user(api_user(request), case_id, request=request)
    names = _ItemNames()
    return [cycle_out(cycle, progress, names) for cycle, progress in cycles_for_case(case)]


@router.post(
    "/cases/{case_id}/cycles",
    response={201: CycleOut, **CYCLE_WRITE},
    summary="Start a training cycle of a service item; the baseline assessment is linked",
)
def case_cycle_start(
    request: HttpRequest, case_id: PathId, payload: CycleStartIn
) -> Status[CycleOut]:
    user = api_user(request)
    case = get_case_for_user(user, case_id, write=True, request=request)
    cycle = cycle_start(
        case=case, service_item=payload.service_item, starts_on=payload.starts_on, acting_user=user
    )
    return Status(201, cycle_out(cycle, cycle_progress(cycle), _ItemNames()))


@router.post(
    "/cycles/{cycle_id}/end",
    response={200: CycleOut, **CYCLE_WRITE},
    summary="End a running cycle; the closing assessment is linked",
)
def cycle_finish(request: HttpRequest, cycle_id: PathId, payload: CycleEndIn) -> CycleOut:
    user = api_user(request)
    cycle = get_cycle_for_user(user, cycle_id, write=True, request=request)
    cycle = cycle_end(cycle=cycle, ended_on=payload.ended_on, acting_user=user)
    return cycle_out(cycle, cycle_progress(cycle), _ItemNames())


@router.get(
    "/me/cycles",
    response=list[CycleOut],
    summary="Running cycles of the open cases I am responsible for (behind=true: those behind)",
)
def my_cycles(request: HttpRequest, params: Query[MyCyclesQueryIn]) -> list[CycleOut]:
    names = _ItemNames()
    rows = cycles_for_worker(api_user(request), behind_only=params.behind)
    return [cycle_out(cycle, progress, names) for cycle, progress in rows]


# Joint home visits ------------------------------------------------------------------------------

Support = Annotated[Long, StringConstraints(max_length=2000)]


class VisitorIn(Schema):
    name: Name
    organisation: Org
    role: Name = ""


class HomeVisitIn(Schema):
    on: dt.date
    starts_at: dt.time
    ends_at: dt.time
    indirect_hours: Hours = Field(
        Decimal("0"), description="my preparation and write-up; direct hours: the visit's length"
    )
    guardian_support: Support = ""
    visitors: list[VisitorIn] = Field(
        [], max_length=MAX_VISITORS, description="the team from outside (CC: the doctors)"
    )
    answers: dict[Short, Any] = Field(
        max_length=MAX_ANSWERS,
        description="the national follow-up record (follow-up-2018): item code → option value",
    )


class HomeVisitOut(Schema):
    record_id: int
    assessment_id: int
    band: str = Field(description="stability class of the follow-up record")
    band_label: str
    next_visit_on: dt.date


@router.post(
    "/cases/{case_id}/home-visits",
    response={201: HomeVisitOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut},
    summary="Record a joint home visit with the follow-up record; tells the next visit's date",
)
def home_visit_create(
    request: HttpRequest, case_id: PathId, payload: HomeVisitIn
) -> Status[HomeVisitOut]:
    user = api_user(request)
    case = get_case_for_user(user, case_id, write=True, request=request)
    hours = session_hours(payload.starts_at, payload.ends_at)
    visit = home_visit_record(
        case=case,
        on=payload.on,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        workers=[WorkerHours(user, max(hours, Decimal("0")), payload.indirect_hours)],
        visitors=[(v.name, v.organisation, v.role) for v in payload.visitors],
        followup_answers=payload.answers,
        guardian_support=payload.guardian_support,
        acting_user=user,
        request=request,
    )
    return Status(
        201,
        HomeVisitOut(
            record_id=visit.record.pk,
            assessment_id=visit.assessment.pk,
            band=visit.assessment.band,
            band_label=band_label(visit.assessment),
            next_visit_on=visit.next_visit_on,
        ),
    )


# Timesheets -------------------------------------------------------------------------------------


class WeekOut(Schema):
    project: str
    week_of: dt.date = Field(description="the Monday of the ISO week")
    iso_year: int
    iso_week: int
    direct: Decimal
    indirect: Decimal
    total: Decimal


class MonthOut(Schema):
    project: str
    month: dt.date = Field(description="the first of the month")
    direct: Decimal
    indirect: Decimal
    total: Decimal


class TeamWorkerOut(Schema):
    user_id: int
    name: str
    timesheet: str = Field(description="GET this path for their timesheet")


class WorkTeamOut(Schema):
    project: str
    workers: list[TeamWorkerOut]


class TimesheetOut(Schema):
    worker_id: int
    worker_name: str
    project: str | None = Field(description="the one project shown, or null for all")
    year: int
    start: dt.date
    end: dt.date
    direct: Decimal
    indirect: Decimal
    total: Decimal
    weeks: list[WeekOut]
    months: list[MonthOut]
    teams: list[WorkTeamOut] = Field(description="workers of the projects I lead or supervise")


class YearQueryIn(Schema):
    year: Annotated[int, Field(ge=FIRST_YEAR, le=9998)] | None = None


def _year(params: YearQueryIn) -> int:
    """The year asked for (default: this one), from 2000 to next year like the page."""
    this_year = timezone.localdate().year
    if params.year is None:
        return this_year
    if params.year > this_year + 1:
        raise ValidationError(
            _("Give a year from %(first)s to %(last)s.")
            % {"first": FIRST_YEAR, "last": this_year + 1}
        )
    return params.year


def _h(hours: Decimal) -> Decimal:
    """Hours with two decimals, whatever the database's sum gave."""
    return hours.quantize(CENTS)


def _week(row: Row) -> WeekOut:
    iso_year, iso_week = row.iso_week
    return WeekOut(
        project=row.project.code,
        week_of=row.period,
        iso_year=iso_year,
        iso_week=iso_week,
        direct=_h(row.direct),
        indirect=_h(row.indirect),
        total=_h(row.total),
    )


def _month(row: Row) -> MonthOut:
    return MonthOut(
        project=row.project.code,
        month=row.period,
        direct=_h(row.direct),
        indirect=_h(row.indirect),
        total=_h(row.total),
    )


def timesheet_out(
    worker: User, year: int, project: Project | None, teams: list[WorkTeamOut]
) -> TimesheetOut:
    sheet = timesheet(worker, dt.date(year, 1, 1), dt.date(year, 12, 31), project=project)
    return TimesheetOut(
        worker_id=worker.pk,
        worker_name=worker.display_name,
        project=project.code if project else None,
        year=year,
        start=sheet.start,
        end=sheet.end,
        direct=_h(sheet.direct),
        indirect=_h(sheet.indirect),
        total=_h(sheet.total),
        weeks=[_week(r) for r in sheet.weeks],
        months=[_month(r) for r in sheet.months],
        teams=teams,
    )


def _teams(user: User) -> list[WorkTeamOut]:
    return [
        WorkTeamOut(
            project=project.code,
            workers=[
                TeamWorkerOut(
                    user_id=w.pk,
                    name=w.display_name,
                    timesheet=f"/api/v1/projects/{project.code}/workers/{w.pk}/timesheet",
                )
                for w in project_workers(project)
            ],
        )
        for project in overseen_projects(user)
    ]


@router.get(
    "/me/timesheet",
    response={200: TimesheetOut, 422: ErrorsOut},
    summary="My direct and indirect hours of a year by ISO week and by month, per project",
)
def my_timesheet(request: HttpRequest, params: Query[YearQueryIn]) -> TimesheetOut:
    user = api_user(request)
    return timesheet_out(user, _year(params), None, _teams(user))


@router.get(
    "/projects/{code}/workers/{user_id}/timesheet",
    response={200: TimesheetOut, 404: DetailOut, 422: ErrorsOut},
    summary="A worker's hours in a project I lead or supervise",
)
def worker_timesheet(
    request: HttpRequest, code: Code, user_id: PathId, params: Query[YearQueryIn]
) -> TimesheetOut:
    project, worker = get_worker_for_overseer(api_user(request), code, user_id, request=request)
    return timesheet_out(worker, _year(params), project, [])
