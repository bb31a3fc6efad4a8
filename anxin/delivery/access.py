"""The one door to service records: a record is reached through its project's membership, in an
archive role (read) or a writing role (record, void). Reads and refusals are audited."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest

from anxin.accounts.access import (
    ARCHIVE_READ_ROLES,
    ARCHIVE_WRITE_ROLES,
    deny,
    get_project_for_user,
    project_ids_for_user,
    role_in_project,
)
from anxin.accounts.models import Project, User
from anxin.audit.actions import record as audit
from anxin.audit.models import AuditEvent
from anxin.core.ids import as_pk
from anxin.delivery.models import Attachment, ServiceRecord
from anxin.delivery.selectors import record_detail


def records_visible_to(user: User, *, write: bool = False) -> QuerySet[ServiceRecord]:
    if not user.is_authenticated:
        return ServiceRecord.objects.none()
    roles = ARCHIVE_WRITE_ROLES if write else ARCHIVE_READ_ROLES
    return ServiceRecord.objects.filter(project_id__in=project_ids_for_user(user, roles))


def get_record_for_user(
    user: User, record_id: Any, *, write: bool = False, request: HttpRequest | None = None
) -> ServiceRecord:
    """The record (with its participants, workers, attachments and counts) if ``user`` may read
    it, or change it with ``write``; 404 / 403 otherwise. A read is an audit event."""
    pk = as_pk(record_id)
    if not records_visible_to(user).filter(pk=pk).exists():
        deny(
            user,
            action="service.read",
            object_type="delivery.servicerecord",
            object_id=record_id,
            request=request,
        )
    service = record_detail(pk)
    assert service is not None
    if write and not records_visible_to(user, write=True).filter(pk=pk).exists():
        deny(
            user,
            action="service.write",
            object_type="delivery.servicerecord",
            object_id=pk,
            request=request,
            not_found=False,
            project_id=service.project_id,
        )
    if not write:
        audit(
            actor=user,
            kind=AuditEvent.Kind.READ,
            action="service.read",
            obj=service,
            organisation_id=service.project.organisation_id,
            request=request,
        )
    return service


def get_attachment_for_user(
    user: User, attachment_id: Any, *, request: HttpRequest | None = None
) -> Attachment:
    """An attachment of a record the user may read; its download is audited as an export."""
    pk = as_pk(attachment_id)
    attachment = (
        Attachment.objects.select_related("record__project")
        .filter(pk=pk, record__in=records_visible_to(user))
        .first()
    )
    if attachment is None:
        deny(
            user,
            action="service.attachment",
            object_type="delivery.attachment",
            object_id=attachment_id,
            request=request,
        )
    assert attachment is not None
    audit(
        actor=user,
        kind=AuditEvent.Kind.EXPORT,
        action="service.attachment",
        obj=attachment,
        organisation_id=attachment.record.project.organisation_id,
        project_id=attachment.record.project_id,
        request=request,
    )
    return attachment


def get_project_for_records(
    user: User, code: str, *, write: bool = False, request: HttpRequest | None = None
) -> Project:
    """A project (by code) whose records ``user`` may read, or record with ``write``: archive
    roles only, so purchasers and organisation admins without a membership get 404; a reader who
    may not write gets 403."""
    project = get_project_for_user(user, code, roles=ARCHIVE_READ_ROLES, request=request)
    if write and role_in_project(user, project) not in ARCHIVE_WRITE_ROLES:
        deny(
            user,
            action="service.write",
            object_type="accounts.project",
            object_id=project.pk,
            request=request,
            not_found=False,
            project_id=project.pk,
        )
    return project
