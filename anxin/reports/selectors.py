"""Reads of reports: a project's reports with their versions (a fixed number of queries, however
many), the surveys a report can be about, and the names downloads are saved under."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from anxin.accounts.models import Project
from anxin.reports.actions import SURVEY_KINDS
from anxin.reports.models import Report, ReportVersion
from anxin.reports.periods import parse_period
from anxin.surveys.models import Survey

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _versions() -> Prefetch:
    return Prefetch(
        "versions",
        queryset=ReportVersion.objects.select_related("generated_by").order_by("-number"),
    )


def project_reports(project: Project, *, generated_only: bool = False) -> list[Report]:
    """The project's reports, newest period first, each with its versions (newest first) and who
    generated them. ``generated_only``: those with at least one version (what the purchaser
    viewer and the organisation admin see). Three queries."""
    qs = Report.objects.filter(project=project)
    if generated_only:
        qs = qs.filter(versions__isnull=False).distinct()
    reports = list(
        qs.select_related("survey", "updated_by")
        .prefetch_related(_versions())
        .order_by("-period", "kind", "-id")
    )
    for report in reports:
        report.project = project
    return reports


def report_versions(report: Report) -> list[ReportVersion]:
    versions = list(
        ReportVersion.objects.filter(report=report)
        .select_related("generated_by")
        .order_by("-number")
    )
    for version in versions:
        version.report = report
    return versions


def project_surveys(project: Project) -> list[Survey]:
    """The project's needs and satisfaction surveys, newest first: what a survey report can be
    about."""
    return list(
        Survey.objects.filter(project=project, kind__in=set(SURVEY_KINDS.values())).order_by(
            "-created_at", "-id"
        )
    )


def period_title(label: str) -> str:
    try:
        return parse_period(label).title
    except ValidationError:  # a label stored before the rules changed: show it as it is
        return label


def version_filename(version: ReportVersion) -> str:
    """The name a downloaded version is saved under, in the user's language: the period, the
    kind of report and the version number (2026年第3季度报告-v2.docx)."""
    report = version.report
    names = {
        Report.Kind.QUARTERLY: _("%(period)s report"),
        Report.Kind.MIDTERM: _("%(period)s mid-term self-evaluation"),
        Report.Kind.FINAL: _("%(period)s final self-evaluation"),
        Report.Kind.NEEDS_SURVEY: _("%(period)s needs-survey report"),
        Report.Kind.SATISFACTION: _("%(period)s satisfaction-survey report"),
    }
    template = names.get(Report.Kind(report.kind), _("%(period)s report"))
    name = template % {"period": period_title(report.period)}
    return f"{name}-v{version.number}.docx".replace("/", "-")


def indicators_filename(project: Project, as_of: dt.date) -> str:
    name = _("%(project)s indicators as of %(date)s") % {
        "project": project.code,
        "date": as_of.isoformat(),
    }
    return f"{name}.xlsx"


def fund_usage_filename(project: Project, year: int | None, quarter: int | None) -> str:
    if year is None:
        period = _("whole period")
    elif quarter is None:
        period = str(year)
    else:
        period = f"{year}Q{quarter}"
    name = _("%(project)s fund usage %(period)s") % {"project": project.code, "period": period}
    return f"{name}.xlsx"
