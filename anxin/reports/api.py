"""Reports to the purchaser in the JSON API (R7.7): list a project's reports, prepare one (its
kind, period, survey and narrative), change its narrative, generate a version, download a
version, and the indicator and quarterly fund-usage tables as .xlsx. Scoped and audited exactly
like the pages (``anxin.reports.access``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema, Status
from pydantic import Field, StringConstraints

from anxin.accounts.api import api_user
from anxin.accounts.models import Project
from anxin.clients.api import MAX_PK, DetailOut, ErrorsOut
from anxin.contracts.access import get_project_for_money
from anxin.contracts.export import indicators_xlsx
from anxin.reports import actions, selectors
from anxin.reports.access import (
    get_report_for_user,
    get_report_project,
    get_version_for_download,
    record_export,
)
from anxin.reports.exports import fund_usage_xlsx
from anxin.reports.models import Report, ReportVersion
from anxin.reports.periods import FIRST_YEAR, LAST_YEAR
from anxin.surveys.models import Survey

router = Router(tags=["reports"])
Code = Annotated[str, Path(max_length=40, pattern=r"^[-A-Za-z0-9_]+$")]
ObjectId = Annotated[int, Path(ge=1, le=MAX_PK)]
# NUL characters and lengths are refused by the action, with a message in the user's language.
Text = Annotated[str, StringConstraints(max_length=actions.NARRATIVE_MAX * 2)]


class VersionOut(Schema):
    id: int
    report: int
    number: int
    sha256: str
    generated_at: dt.datetime
    generated_by: str | None
    figures: dict[str, Any] = Field(description="The figures the version was made from")
    definitions: dict[str, Any] = Field(description="The definition versions behind them")
    download: str = Field(description="GET this path for the .docx (an audited export)")


class ReportOut(Schema):
    id: int
    project: str
    kind: str
    period: str
    survey_id: int | None
    versions: list[VersionOut]


class ReportDetailOut(ReportOut):
    highlights: str
    problems: str
    next_steps: str


class NarrativeIn(Schema):
    survey_id: Annotated[int, Field(ge=1, le=MAX_PK)] | None = None
    highlights: Text = ""
    problems: Text = ""
    next_steps: Text = ""


class ReportIn(NarrativeIn):
    kind: Annotated[str, StringConstraints(max_length=16)]
    period: Annotated[str, StringConstraints(max_length=16)]


class GenerateIn(Schema):
    """``{}`` counts the figures to today."""

    as_of: dt.date | None = Field(None, description="Count the figures to this day (today)")


class AsOfQuery(Schema):
    as_of: dt.date | None = None


class FundQuery(Schema):
    year: Annotated[int, Field(ge=FIRST_YEAR, le=LAST_YEAR)] | None = None
    quarter: Annotated[int, Field(ge=1, le=4)] | None = None


def version_out(version: ReportVersion) -> VersionOut:
    return VersionOut(
        id=version.pk,
        report=version.report_id,
        number=version.number,
        sha256=version.sha256,
        generated_at=version.generated_at,
        generated_by=version.generated_by.display_name if version.generated_by else None,
        figures=version.figures,
        definitions=version.definitions,
        download=f"/api/v1/report-versions/{version.pk}/download",
    )


def _report_fields(report: Report, versions: list[ReportVersion]) -> dict[str, Any]:
    return {
        "id": report.pk,
        "project": report.project.code,
        "kind": report.kind,
        "period": report.period,
        "survey_id": report.survey_id,
        "versions": [version_out(v) for v in versions],
    }


def report_detail_out(report: Report) -> ReportDetailOut:
    return ReportDetailOut(
        **_report_fields(report, selectors.report_versions(report)),
        highlights=report.highlights,
        problems=report.problems,
        next_steps=report.next_steps,
    )


def _survey(project: Project, survey_id: int | None) -> Survey | None:
    """The project's survey named by id, or None when none is named; another project's survey
    or none at all is refused alike (a 422 that tells nothing of other projects)."""
    if survey_id is None:
        return None
    survey = Survey.objects.filter(pk=survey_id, project=project).first()
    if survey is None:
        raise ValidationError(_("The survey is not one of this project's."))
    return survey


@router.get(
    "/projects/{code}/reports",
    response={200: list[ReportOut], 404: DetailOut},
    summary="A project's reports with their generated versions (the purchaser viewer and the "
    "organisation admin: those generated)",
)
def report_list(request: HttpRequest, code: Code) -> list[ReportOut]:
    access = get_report_project(api_user(request), code, request=request)
    reports = selectors.project_reports(access.project, generated_only=not access.team)
    return [ReportOut(**_report_fields(r, list(r.versions.all()))) for r in reports]


@router.post(
    "/projects/{code}/reports",
    response={
        200: ReportDetailOut,
        201: ReportDetailOut,
        403: DetailOut,
        404: DetailOut,
        422: ErrorsOut,
    },
    summary="Prepare a report: create it (201), or change the survey and narrative of the "
    "project's report of that kind and period (200)",
)
def report_prepare(request: HttpRequest, code: Code, payload: ReportIn) -> Status[Any]:
    user = api_user(request)
    project = get_report_project(user, code, write=True, request=request).project
    existed = Report.objects.filter(
        project=project, kind=payload.kind, period=payload.period.strip().upper()
    ).exists()
    report = actions.report_prepare(
        project=project,
        kind=payload.kind,
        period=payload.period,
        survey=_survey(project, payload.survey_id),
        highlights=payload.highlights,
        problems=payload.problems,
        next_steps=payload.next_steps,
        acting_user=user,
        request=request,
    )
    return Status(200 if existed else 201, report_detail_out(report))


@router.get(
    "/reports/{report_id}",
    response={200: ReportDetailOut, 403: DetailOut, 404: DetailOut},
    summary="A report with its narrative and versions (the project's team; an audited read)",
)
def report_detail(request: HttpRequest, report_id: ObjectId) -> ReportDetailOut:
    return report_detail_out(get_report_for_user(api_user(request), report_id, request=request))


@router.put(
    "/reports/{report_id}",
    response={200: ReportDetailOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut},
    summary="Change a report's narrative (and its survey, when survey_id is sent); its kind "
    "and period stay",
)
def report_update(request: HttpRequest, report_id: ObjectId, payload: NarrativeIn) -> Any:
    user = api_user(request)
    report = get_report_for_user(user, report_id, write=True, request=request)
    report = actions.report_prepare(
        project=report.project,
        kind=report.kind,
        period=report.period,
        survey=(
            _survey(report.project, payload.survey_id)
            if "survey_id" in payload.model_fields_set
            else report.survey
        ),
        highlights=payload.highlights,
        problems=payload.problems,
        next_steps=payload.next_steps,
        acting_user=user,
        request=request,
    )
    return report_detail_out(report)


@router.post(
    "/reports/{report_id}/generate",
    response={201: VersionOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut},
    summary="Generate the report from live data: a new frozen version (.docx, figures, "
    "definition versions)",
)
def report_generate(
    request: HttpRequest, report_id: ObjectId, payload: GenerateIn
) -> Status[VersionOut]:
    user = api_user(request)
    report = get_report_for_user(user, report_id, write=True, request=request)
    version = actions.report_generate(
        report=report,
        acting_user=user,
        as_of=payload.as_of,
        request=request,
    )
    return Status(201, version_out(version))


@router.get(
    "/report-versions/{version_id}/download",
    response={200: None, 404: DetailOut},
    summary="Download a generated version, unchanged (an audited export)",
)
def version_download(request: HttpRequest, version_id: ObjectId) -> FileResponse:
    version = get_version_for_download(api_user(request), version_id, request=request)
    return FileResponse(
        version.file.open("rb"),
        as_attachment=True,
        filename=selectors.version_filename(version),
        content_type=selectors.DOCX,
    )


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=selectors.XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename) or ""
    return response


@router.get(
    "/projects/{code}/indicators.xlsx",
    response={200: None, 404: DetailOut, 422: ErrorsOut},
    summary="The project's indicator table on a date (today), as .xlsx (an audited export)",
)
def indicators_export(request: HttpRequest, code: Code, params: Query[AsOfQuery]) -> HttpResponse:
    user = api_user(request)
    project = get_report_project(user, code, request=request).project
    as_of = params.as_of or timezone.localdate()
    data = indicators_xlsx(project, as_of)
    record_export(
        user, project, "indicators.xlsx", request=request, detail={"as_of": as_of.isoformat()}
    )
    return _xlsx(data, selectors.indicators_filename(project, as_of))


@router.get(
    "/projects/{code}/fund-usage.xlsx",
    response={200: None, 404: DetailOut, 422: ErrorsOut},
    summary="The quarterly fund-usage table (a quarter, a year, or the whole period), as .xlsx "
    "(an audited export)",
)
def fund_usage_export(request: HttpRequest, code: Code, params: Query[FundQuery]) -> HttpResponse:
    user = api_user(request)
    project = get_project_for_money(user, code, request=request).project
    data = fund_usage_xlsx(project, year=params.year, quarter=params.quarter)
    record_export(
        user,
        project,
        "fund_usage.xlsx",
        request=request,
        detail={"year": params.year, "quarter": params.quarter},
    )
    return _xlsx(data, selectors.fund_usage_filename(project, params.year, params.quarter))
