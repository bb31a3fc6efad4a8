"""End of contract (PIPL Art. 21): the hand-over export, and the two-person purge.

Every step is an action with its audit event: the export (who, when, the package's SHA-256), the
purge request, its cancellation or expiry, the confirmation by a second organisation admin and the
purge itself with its counts. Refusals are one ``ValidationError`` with the reason, and change
nothing.
"""

from __future__ import annotations

import datetime as dt
import getpass
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.models import Project, User
from anxin.audit.actions import record as audit
from anxin.audit.models import AuditEvent
from anxin.handover.export import ExportResult, write_handover
from anxin.handover.models import HandoverExport, PurgeRequest
from anxin.handover.purge import PurgeError, purge_project
from anxin.handover.selectors import latest_export, purge_of

EXPIRY = dt.timedelta(days=7)
S = PurgeRequest.Status


def _refuse_if_purged(project: Project) -> None:
    done = purge_of(project)
    if done is not None:
        raise ValidationError(
            _("Project %(code)s was purged on %(on)s: there is nothing left to hand over.")
            % {"code": project.code, "on": timezone.localdate(done.confirmed_at)}
        )


def _refuse_unless_admin(project: Project, user: User) -> None:
    if not (user.is_org_admin and user.organisation_id == project.organisation_id):
        raise ValidationError(_("Only an admin of the project's organisation may do this."))


def export_project(
    *,
    project: Project,
    path: Path,
    acting_user: User | None,
    via: str,
    request: HttpRequest | None = None,
) -> tuple[HandoverExport, ExportResult]:
    """Write the hand-over package to ``path`` and record who made it, when, and its checksum.
    ``acting_user`` is None for an operator's command (a system action)."""
    _refuse_if_purged(project)
    if acting_user is not None:
        _refuse_unless_admin(project, acting_user)
    result = write_handover(project, path, exported_by=acting_user, via=via)
    with transaction.atomic():
        export = HandoverExport.objects.create(
            project=project,
            created_by=acting_user,
            via=via,
            file_name=result.path.name[:200],
            size=result.size,
            sha256=result.sha256,
            records=result.records,
            files=result.files,
            counts=result.counts,
        )
        detail: dict[str, Any] = {
            "export": export.pk,
            "sha256": result.sha256,
            "size": result.size,
            "records": result.records,
            "files": result.files,
            "via": via,
        }
        if acting_user is None:
            detail["operator"] = _operator()
        audit(
            actor=acting_user,
            kind=AuditEvent.Kind.EXPORT,
            action="handover.export",
            obj=project,
            organisation_id=project.organisation_id,
            project_id=project.pk,
            request=request,
            detail=detail,
        )
    return export, result


def _operator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


def _expire_stale(project: Project, now: dt.datetime) -> None:
    for stale in PurgeRequest.objects.select_for_update().filter(
        project=project, status=S.PENDING, expires_at__lte=now
    ):
        stale.status = S.EXPIRED
        stale.save(update_fields=["status"])
        audit(
            actor=None,
            kind=AuditEvent.Kind.CHANGE,
            action="handover.purge_expire",
            obj=stale,
            organisation_id=project.organisation_id,
            project_id=project.pk,
            detail={"request": stale.pk},
        )


def purge_request(
    *, project: Project, acting_user: User, reason: str = "", request: HttpRequest | None = None
) -> PurgeRequest:
    """Ask for the project to be purged. Needs a hand-over export; a second admin confirms."""
    _refuse_unless_admin(project, acting_user)
    now = timezone.now()
    with transaction.atomic():
        _refuse_if_purged(project)
        _expire_stale(project, now)
        if PurgeRequest.objects.filter(project=project, status=S.PENDING).exists():
            raise ValidationError(_("A purge request for this project is already waiting."))
        export = latest_export(project)
        if export is None:
            raise ValidationError(
                _(
                    "Export the hand-over package first: a project is purged only after its data "
                    "was handed over."
                )
            )
        purge = PurgeRequest.objects.create(
            project=project,
            export=export,
            requested_by=acting_user,
            requested_at=now,
            expires_at=now + EXPIRY,
            reason=reason.strip()[:256],
        )
        audit(
            actor=acting_user,
            kind=AuditEvent.Kind.CHANGE,
            action="handover.purge_request",
            obj=purge,
            organisation_id=project.organisation_id,
            project_id=project.pk,
            request=request,
            detail={
                "request": purge.pk,
                "export": export.pk,
                "export_sha256": export.sha256,
                "expires_at": purge.expires_at.isoformat(),
            },
        )
    return purge


def _locked_pending(purge: PurgeRequest, now: dt.datetime) -> PurgeRequest:
    locked = PurgeRequest.objects.select_for_update().get(pk=purge.pk)
    if locked.status != S.PENDING:
        raise ValidationError(
            _("This purge request is no longer waiting (%(status)s).")
            % {"status": locked.get_status_display()}
        )
    if locked.expired(now):
        raise ValidationError(
            _("This purge request expired on %(on)s; make a new one.")
            % {"on": timezone.localtime(locked.expires_at).strftime("%Y-%m-%d %H:%M")}
        )
    return locked


def purge_cancel(
    *, purge: PurgeRequest, acting_user: User, request: HttpRequest | None = None
) -> PurgeRequest:
    """Cancel a waiting request (the requester or another admin)."""
    project = purge.project
    _refuse_unless_admin(project, acting_user)
    now = timezone.now()
    with transaction.atomic():
        locked = _locked_pending(purge, now)
        locked.status = S.CANCELLED
        locked.cancelled_by = acting_user
        locked.cancelled_at = now
        locked.save(update_fields=["status", "cancelled_by", "cancelled_at"])
        audit(
            actor=acting_user,
            kind=AuditEvent.Kind.CHANGE,
            action="handover.purge_cancel",
            obj=locked,
            organisation_id=project.organisation_id,
            project_id=project.pk,
            request=request,
            detail={"request": locked.pk},
        )
    return locked


def purge_confirm(
    *, purge: PurgeRequest, acting_user: User, code: str, request: HttpRequest | None = None
) -> PurgeRequest:
    """The second admin confirms by typing the project's code; the project's data is deleted in
    this transaction, its files after the commit."""
    project = purge.project
    _refuse_unless_admin(project, acting_user)
    now = timezone.now()
    with transaction.atomic():
        locked = _locked_pending(purge, now)
        if locked.requested_by_id == acting_user.pk:
            raise ValidationError(
                _("You asked for this purge: another organisation admin must confirm it.")
            )
        if (code or "").strip() != project.code:
            raise ValidationError(
                _("Type the project code “%(code)s” exactly to confirm the purge.")
                % {"code": project.code}
            )
        audit(
            actor=acting_user,
            kind=AuditEvent.Kind.CHANGE,
            action="handover.purge_confirm",
            obj=locked,
            organisation_id=project.organisation_id,
            project_id=project.pk,
            request=request,
            detail={"request": locked.pk, "requested_by": locked.requested_by_id},
        )
        try:
            result = purge_project(project)
        except PurgeError as exc:
            raise ValidationError(str(exc)) from exc
        locked.status = S.DONE
        locked.confirmed_by = acting_user
        locked.confirmed_at = now
        locked.counts = result.counts
        locked.files_deleted = len(result.files)
        locked.save(
            update_fields=["status", "confirmed_by", "confirmed_at", "counts", "files_deleted"]
        )
        audit(
            actor=acting_user,
            kind=AuditEvent.Kind.CHANGE,
            action="handover.purge_done",
            obj=locked,
            organisation_id=project.organisation_id,
            project_id=project.pk,
            request=request,
            detail={
                "request": locked.pk,
                "rows": result.rows,
                "counts": result.counts,
                "files": len(result.files),
                "clients": result.clients,
                "shared_clients_kept": result.shared_clients,
                "audit_events_cleared": result.audit_events_cleared,
            },
        )
    return locked
