"""The one door to a project's staff development and publicity (R7.5, R7.6).

- Trainings, supervisions, meetings and documents: the project's team reads them (archive roles:
  leads, workers, supervisors, psychiatrist consultants); leads and workers record them;
  supervisors also record supervisions. Purchaser viewers, organisation admins without a
  membership, other projects' staff and outsiders get 404 (an audited denial).
- Articles are publicity: everyone who sees the project's figures reads them (the purchaser
  viewer and the organisation admin too); leads and workers record them; only a lead marks one
  as accepted by the purchaser.

A reader who may not write gets 403, also audited. Reading a training, a supervision or a meeting
(their free text is about people) is an audit event; downloading a document is an audited export.
"""

from __future__ import annotations

from enum import StrEnum
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
from anxin.accounts.models import Membership, Project, User
from anxin.audit.actions import record as audit
from anxin.audit.models import AuditEvent
from anxin.core.ids import as_pk
from anxin.operations.models import (
    Article,
    Meeting,
    ProjectDocument,
    StaffTraining,
    Supervision,
)

R = Membership.Role
ACCEPT_ROLES = frozenset({R.LEAD})


class Area(StrEnum):
    TRAINING = "training"
    SUPERVISION = "supervision"
    MEETING = "meeting"
    ARTICLE = "article"
    DOCUMENT = "document"


READ_ROLES: dict[Area, frozenset[str]] = {
    Area.TRAINING: ARCHIVE_READ_ROLES,
    Area.SUPERVISION: ARCHIVE_READ_ROLES,
    Area.MEETING: ARCHIVE_READ_ROLES,
    Area.ARTICLE: AGGREGATE_ROLES,
    Area.DOCUMENT: ARCHIVE_READ_ROLES,
}
WRITE_ROLES: dict[Area, frozenset[str]] = {
    Area.TRAINING: ARCHIVE_WRITE_ROLES,
    Area.SUPERVISION: ARCHIVE_WRITE_ROLES | {R.SUPERVISOR},
    Area.MEETING: ARCHIVE_WRITE_ROLES,
    Area.ARTICLE: ARCHIVE_WRITE_ROLES,
    Area.DOCUMENT: ARCHIVE_WRITE_ROLES,
}


def can_write(user: User, project: Project, area: Area) -> bool:
    return role_in_project(user, project) in WRITE_ROLES[area]


def can_accept_articles(user: User, project: Project) -> bool:
    return role_in_project(user, project) in ACCEPT_ROLES


def get_project_for_operations(
    user: User,
    code: Any,
    *,
    area: Area,
    write: bool = False,
    request: HttpRequest | None = None,
) -> Project:
    """The project (by code or id) if ``user`` may read ``area`` of it, or record in it with
    ``write``: 404 for those who may not read, 403 for readers who may not write."""
    project = get_project_for_user(user, str(code), roles=READ_ROLES[area], request=request)
    if write and not can_write(user, project, area):
        deny(
            user,
            action=f"{area}.write",
            object_type="accounts.project",
            object_id=project.pk,
            request=request,
            not_found=False,
            project_id=project.pk,
        )
    return project


def _readable(user: User, project: Project | None, area: Area) -> bool:
    return project is not None and role_in_project(user, project) in READ_ROLES[area]


def _audited_read(user: User, obj: Any, area: Area, request: HttpRequest | None) -> None:
    audit(
        actor=user,
        kind=AuditEvent.Kind.READ,
        action=f"{area}.read",
        obj=obj,
        organisation_id=obj.project.organisation_id,
        request=request,
    )


def get_training_for_user(
    user: User, training_id: Any, *, request: HttpRequest | None = None
) -> StaffTraining:
    """A training with its attendances if ``user`` is on the project's team (an audited read)."""
    training = (
        StaffTraining.objects.select_related("project", "created_by")
        .filter(pk=as_pk(training_id))
        .first()
    )
    if training is None or not _readable(user, training.project, Area.TRAINING):
        deny(
            user,
            action="training.read",
            object_type="operations.stafftraining",
            object_id=training_id,
            request=request,
            project_id=training.project_id if training else None,
        )
    assert training is not None
    _audited_read(user, training, Area.TRAINING, request)
    return training


def get_supervision_for_user(
    user: User, supervision_id: Any, *, request: HttpRequest | None = None
) -> Supervision:
    """A supervision with its records if ``user`` is on the project's team (an audited read)."""
    supervision = (
        Supervision.objects.select_related("project", "created_by")
        .filter(pk=as_pk(supervision_id))
        .first()
    )
    if supervision is None or not _readable(user, supervision.project, Area.SUPERVISION):
        deny(
            user,
            action="supervision.read",
            object_type="operations.supervision",
            object_id=supervision_id,
            request=request,
            project_id=supervision.project_id if supervision else None,
        )
    assert supervision is not None
    _audited_read(user, supervision, Area.SUPERVISION, request)
    return supervision


def get_meeting_for_user(
    user: User, meeting_id: Any, *, request: HttpRequest | None = None
) -> Meeting:
    """A meeting with its minutes if ``user`` is on the project's team (an audited read)."""
    meeting = (
        Meeting.objects.select_related("project", "created_by").filter(pk=as_pk(meeting_id)).first()
    )
    if meeting is None or not _readable(user, meeting.project, Area.MEETING):
        deny(
            user,
            action="meeting.read",
            object_type="operations.meeting",
            object_id=meeting_id,
            request=request,
            project_id=meeting.project_id if meeting else None,
        )
    assert meeting is not None
    _audited_read(user, meeting, Area.MEETING, request)
    return meeting


def get_article_for_acceptance(
    user: User, article_id: Any, *, request: HttpRequest | None = None
) -> Article:
    """An article a lead of its project may mark as accepted: 404 for those who cannot see the
    project's articles, 403 for those who see them but are not its lead."""
    article = Article.objects.select_related("project").filter(pk=as_pk(article_id)).first()
    if article is None:
        deny(
            user,
            action="article.accept",
            object_type="operations.article",
            object_id=article_id,
            request=request,
        )
    assert article is not None
    get_project_for_user(user, article.project_id, roles=AGGREGATE_ROLES, request=request)
    if not can_accept_articles(user, article.project):
        deny(
            user,
            action="article.accept",
            object_type="operations.article",
            object_id=article.pk,
            request=request,
            not_found=False,
            project_id=article.project_id,
        )
    return article


def get_document_for_user(
    user: User, document_id: Any, *, request: HttpRequest | None = None
) -> ProjectDocument:
    """A document of a project whose team ``user`` is on; its download is an audited export."""
    document = (
        ProjectDocument.objects.select_related("project").filter(pk=as_pk(document_id)).first()
    )
    if document is None or not _readable(user, document.project, Area.DOCUMENT):
        deny(
            user,
            action="document.download",
            object_type="operations.projectdocument",
            object_id=document_id,
            request=request,
            project_id=document.project_id if document else None,
        )
    assert document is not None
    audit(
        actor=user,
        kind=AuditEvent.Kind.EXPORT,
        action="document.download",
        obj=document,
        organisation_id=document.project.organisation_id,
        request=request,
        detail={"kind": document.kind},
    )
    return document
