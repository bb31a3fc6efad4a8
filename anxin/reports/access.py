"""The one door to a project's reports to the purchaser (R7.7).

- The project's team (archive read roles: leads, workers, supervisors, psychiatrist consultants)
  reads its reports, their narrative and their versions; leads and workers (archive write roles)
  prepare and generate them. A team member who may not write (a supervisor) gets 403.
- A generated version and the two Excel tables (indicators, quarterly fund usage) are aggregates
  made for the purchaser: the project's purchaser viewers and the organisation's admins list and
  download them too, but get 403 on the narrative, on preparing and on generating.
- Everyone else gets 404, an audited refusal.

Reading a report's narrative is an audited read; a download (a version, an Excel table) is an
audited export.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from anxin.accounts.access import (
    AGGREGATE_ROLES,
    ARCHIVE_READ_ROLES,
    ARCHIVE_WRITE_ROLES,
    deny,
    get_project_for_user,
    role_in_project,
)
from anxin.accounts.models import Project, User
from anxin.audit.actions import record as audit
from anxin.audit.models import AuditEvent
from anxin.core.ids import as_pk
from anxin.reports.models import Report, ReportVersion


@dataclass(frozen=True)
class ReportAccess:
    """What ``user`` may do with a project's reports."""

    project: Project
    team: bool  # reads the narrative of reports not yet generated
    can_write: bool  # prepares and generates


def _is_org_admin(user: User, project: Project) -> bool:
    return bool(user.is_org_admin and user.organisation_id == project.organisation_id)


def report_access(user: User, project: Project) -> ReportAccess | None:
    """``user``'s access to ``project``'s reports, or None when they may see none of them."""
    if not user.is_authenticated:
        return None
    role = role_in_project(user, project)
    if role in ARCHIVE_READ_ROLES:
        return ReportAccess(project, team=True, can_write=role in ARCHIVE_WRITE_ROLES)
    if role in AGGREGATE_ROLES or _is_org_admin(user, project):
        return ReportAccess(project, team=False, can_write=False)
    return None


def _forbid(user: User, action: str, obj_type: str, obj_id: Any, project: Project, request: Any):
    deny(
        user,
        action=action,
        object_type=obj_type,
        object_id=obj_id,
        request=request,
        not_found=False,
        project_id=project.pk,
    )


def get_report_project(
    user: User,
    code: Any,
    *,
    write: bool = False,
    request: HttpRequest | None = None,
) -> ReportAccess:
    """The project (by code or id) whose reports ``user`` lists, or prepares with ``write``:
    404 for those who see none of them, 403 for those who may not write."""
    project = get_project_for_user(user, str(code), roles=AGGREGATE_ROLES, request=request)
    access = report_access(user, project)
    assert access is not None  # get_project_for_user let only aggregate readers through
    if write and not access.can_write:
        _forbid(user, "report.write", "accounts.project", project.pk, project, request)
    return access


def get_report_for_user(
    user: User, report_id: Any, *, write: bool = False, request: HttpRequest | None = None
) -> Report:
    """A report with its narrative, for its project's team (an audited read), or with ``write``
    for those who prepare and generate it (the action that follows is audited). 403 for the
    purchaser viewer, the organisation admin and team members who may not write; 404 for
    everyone else."""
    report = (
        Report.objects.select_related("project", "project__organisation", "survey")
        .filter(pk=as_pk(report_id))
        .first()
    )
    access = None if report is None else report_access(user, report.project)
    if report is None or access is None:
        deny(
            user,
            action="report.read",
            object_type="reports.report",
            object_id=report_id,
            request=request,
            project_id=report.project_id if report else None,
        )
    assert report is not None and access is not None
    if not access.team or (write and not access.can_write):
        action = "report.write" if write else "report.read"
        _forbid(user, action, "reports.report", report.pk, report.project, request)
    if not write:
        audit(
            actor=user,
            kind=AuditEvent.Kind.READ,
            action="report.read",
            obj=report,
            organisation_id=report.project.organisation_id,
            request=request,
        )
    return report


def get_version_for_download(
    user: User, version_id: Any, *, request: HttpRequest | None = None
) -> ReportVersion:
    """A generated version, frozen, for everyone who sees the project's reports: an audited
    export; 404 for everyone else."""
    version = (
        ReportVersion.objects.select_related("report__project__organisation")
        .filter(pk=as_pk(version_id))
        .first()
    )
    if version is None or report_access(user, version.report.project) is None:
        deny(
            user,
            action="report.download",
            object_type="reports.reportversion",
            object_id=version_id,
            request=request,
            project_id=version.report.project_id if version else None,
        )
    assert version is not None
    project = version.report.project
    audit(
        actor=user,
        kind=AuditEvent.Kind.EXPORT,
        action="report.download",
        obj=version,
        organisation_id=project.organisation_id,
        project_id=project.pk,
        request=request,
        detail={"report": version.report_id, "version": version.number, "sha256": version.sha256},
    )
    return version


def record_export(
    user: User,
    project: Project,
    action: str,
    *,
    request: HttpRequest | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """An Excel table of the project's figures left the system: an audited export. Call it
    after the project came from ``get_report_project`` and the table was made."""
    audit(
        actor=user,
        kind=AuditEvent.Kind.EXPORT,
        action=action,
        obj=project,
        organisation_id=project.organisation_id,
        project_id=project.pk,
        request=request,
        detail=detail,
    )
