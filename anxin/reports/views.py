"""Pages of reports to the purchaser (R7.7): a project's reports with their versions and the two
Excel tables; a report's page, where its kind, period, survey and narrative are written and its
versions generated (with htmx the new version is swapped in while a progress indicator shows; a
plain POST redirects); a version's download (the frozen file, an audited export).

Thin views: access through ``anxin.reports.access``, changes through ``anxin.reports.actions``,
reads through ``anxin.reports.selectors``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from anxin.accounts.models import Project
from anxin.contracts.access import get_project_for_money
from anxin.contracts.export import indicators_xlsx
from anxin.core.forms import errors_text
from anxin.core.requests import AuthedHttpRequest
from anxin.reports import actions, selectors
from anxin.reports.access import (
    ReportAccess,
    get_report_for_user,
    get_report_project,
    get_version_for_download,
    record_export,
    report_access,
)
from anxin.reports.exports import fund_usage_xlsx
from anxin.reports.forms import FundQueryForm, GenerateForm, IndicatorQueryForm, ReportForm
from anxin.reports.models import Report, ReportVersion

GET_POST = require_http_methods(["GET", "POST"])


@login_required
@require_GET
def report_list(request: AuthedHttpRequest, code: str) -> HttpResponse:
    """The project's reports with their versions; the purchaser viewer and the organisation
    admin see those generated. The two Excel tables are downloaded from here."""
    access = get_report_project(request.user, code, request=request)
    project = access.project
    context = {
        "project": project,
        "access": access,
        "reports": selectors.project_reports(project, generated_only=not access.team),
        "indicator_form": IndicatorQueryForm(initial={"as_of": timezone.localdate()}),
        "fund_form": FundQueryForm(),
    }
    return render(request, "reports/list.html", context)


def _report_context(
    request: AuthedHttpRequest,
    project: Project,
    access: ReportAccess,
    form: ReportForm,
    report: Report | None,
) -> dict[str, Any]:
    return {
        "project": project,
        "access": access,
        "form": form,
        "report": report,
        "period_title": selectors.period_title(report.period) if report else "",
        "versions": selectors.report_versions(report) if report else [],
        "generate_form": GenerateForm(),
    }


@login_required
@GET_POST
def report_edit(
    request: AuthedHttpRequest, code: str | None = None, report_id: int | None = None
) -> HttpResponse:
    """A new report of the project (``code``) or an existing one (``report_id``): its kind,
    period and survey, the narrative, and its versions with the button that generates one."""
    writing = request.method == "POST"
    report: Report | None = None
    if report_id is None:
        access = get_report_project(request.user, code, write=True, request=request)
        project = access.project
    else:
        report = get_report_for_user(request.user, report_id, write=writing, request=request)
        project = report.project
        found = report_access(request.user, project)
        assert found is not None
        access = found
    form = ReportForm(
        request.POST if writing else None,
        surveys=selectors.project_surveys(project),
        report=report,
    )
    if writing and form.is_valid():
        data = form.cleaned_data
        try:
            saved = actions.report_prepare(
                project=project,
                kind=data["kind"],
                period=data["period"],
                survey=form.chosen_survey(),
                highlights=data["highlights"],
                problems=data["problems"],
                next_steps=data["next_steps"],
                acting_user=request.user,
                new=report is None,
                request=request,
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("The report is saved."))
            return redirect("reports:edit", report_id=saved.pk)
    context = _report_context(request, project, access, form, report)
    return render(request, "reports/edit.html", context)


def _versions_fragment(
    request: AuthedHttpRequest,
    report: Report,
    *,
    new: ReportVersion | None = None,
    errors: list[str] | None = None,
) -> HttpResponse:
    context = {
        "report": report,
        "versions": selectors.report_versions(report),
        "new_version": new,
        "generate_errors": errors or [],
    }
    return render(request, "reports/_versions.html", context)


@login_required
@require_POST
def report_generate(request: AuthedHttpRequest, report_id: int) -> HttpResponse:
    """Build the report from live data and store a new frozen version (a few seconds, in the
    request). With htmx the versions table comes back with the new row; otherwise a redirect."""
    report = get_report_for_user(request.user, report_id, write=True, request=request)
    form = GenerateForm(request.POST)
    errors: list[str] = []
    version = None
    if not form.is_valid():
        errors = [errors_text(form)]
    else:
        try:
            version = actions.report_generate(
                report=report,
                acting_user=request.user,
                as_of=form.cleaned_data["as_of"],
                request=request,
            )
        except ValidationError as exc:
            errors = list(exc.messages)
    if request.htmx:
        return _versions_fragment(request, report, new=version, errors=errors)
    if version is None:
        messages.error(request, _("Not generated: %(errors)s") % {"errors": " ".join(errors)})
    else:
        messages.success(
            request, _("Version %(number)s is generated.") % {"number": version.number}
        )
    return redirect("reports:edit", report_id=report.pk)


@login_required
@require_GET
def version_download(request: AuthedHttpRequest, version_id: int) -> HttpResponseBase:
    """The version's .docx as it was generated (an audited export)."""
    version = get_version_for_download(request.user, version_id, request=request)
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


def _refused(request: AuthedHttpRequest, project: Project, message: str) -> HttpResponse:
    messages.error(request, _("Not exported: %(errors)s") % {"errors": message})
    return redirect("reports:list", code=project.code)


@login_required
@require_GET
def indicators_export(request: AuthedHttpRequest, code: str) -> HttpResponse:
    """The project's indicator table on a date (today when not given), as .xlsx."""
    project = get_report_project(request.user, code, request=request).project
    form = IndicatorQueryForm(request.GET)
    if not form.is_valid():
        return _refused(request, project, errors_text(form))
    as_of = form.cleaned_data["as_of"] or timezone.localdate()
    data = indicators_xlsx(project, as_of)
    record_export(
        request.user,
        project,
        "indicators.xlsx",
        request=request,
        detail={"as_of": as_of.isoformat()},
    )
    return _xlsx(data, selectors.indicators_filename(project, as_of))


@login_required
@require_GET
def fund_usage_export(request: AuthedHttpRequest, code: str) -> HttpResponse:
    """The quarterly fund-usage table (a quarter, a year or the whole period), as .xlsx: for
    those who see the project's money (``anxin.contracts.access``), like the funds page."""
    project = get_project_for_money(request.user, code, request=request).project
    form = FundQueryForm(request.GET)
    if not form.is_valid():
        return _refused(request, project, errors_text(form))
    year, quarter = form.cleaned_data["year"], form.cleaned_data["quarter"]
    try:
        data = fund_usage_xlsx(project, year=year, quarter=quarter)
    except ValidationError as exc:
        return _refused(request, project, " ".join(exc.messages))
    record_export(
        request.user,
        project,
        "fund_usage.xlsx",
        request=request,
        detail={"year": year, "quarter": quarter},
    )
    return _xlsx(data, selectors.fund_usage_filename(project, year, quarter))
