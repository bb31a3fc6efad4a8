"""The one door to surveys.

- A project's team (archive roles) reads its surveys, their results and the free-text answers;
  its workers (archive write roles) create, open and close surveys, make one-time links and enter
  responses. A supervisor who may read but not write gets 403.
- The purchaser viewer and the organisation admin see the results as counts and shares only:
  no free text, no response, no link (free text may name a person).
- A one-time link is reached by its token alone (no login): it opens only an open survey, only
  until it is used or expires, and shows nothing but the questionnaire.
Everyone else gets 404, an audited refusal. Reading the free-text answers is an audited read;
an export is an audited export.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from anxin.accounts.access import (
    AGGREGATE_ROLES,
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
from anxin.core.crypto import blind_index
from anxin.core.ids import as_pk
from anxin.surveys.models import Survey, SurveyLink

LINK_INDEX_PURPOSE = "survey-link"


def token_hash(token: str) -> str:
    return blind_index(token.strip(), purpose=LINK_INDEX_PURPOSE)


def is_team(user: User, project: Project) -> bool:
    return role_in_project(user, project) in ARCHIVE_READ_ROLES


def writes_surveys(user: User, project: Project) -> bool:
    return role_in_project(user, project) in ARCHIVE_WRITE_ROLES


def survey_project_ids(user: User, *, write: bool = False) -> QuerySet[Any, int]:
    return project_ids_for_user(user, ARCHIVE_WRITE_ROLES if write else ARCHIVE_READ_ROLES)


def get_survey_project(
    user: User,
    code: Any,
    *,
    write: bool = False,
    results: bool = False,
    request: HttpRequest | None = None,
) -> Project:
    """The project if ``user`` is on its team (or, with ``results``, may see its figures), or
    records surveys in it with ``write``: 404 for others, 403 for readers asked to write."""
    roles = AGGREGATE_ROLES if results else ARCHIVE_READ_ROLES
    project = get_project_for_user(user, str(code), roles=roles, request=request)
    if write and not writes_surveys(user, project):
        deny(
            user,
            action="survey.write",
            object_type="accounts.project",
            object_id=project.pk,
            request=request,
            not_found=False,
            project_id=project.pk,
        )
    return project


def get_survey_for_user(
    user: User,
    survey_id: Any,
    *,
    write: bool = False,
    results: bool = False,
    request: HttpRequest | None = None,
) -> Survey:
    """A survey of a project whose team ``user`` is on (with ``results``: whose figures
    ``user`` sees); with ``write`` one they may change. 404 / 403 otherwise."""
    survey = (
        Survey.objects.select_related("project", "project__organisation", "project__district")
        .filter(pk=as_pk(survey_id))
        .first()
    )
    if survey is not None:
        project = survey.project
        is_admin = (
            user.is_authenticated
            and user.is_org_admin
            and user.organisation_id == project.organisation_id
        )
        role = role_in_project(user, project) if user.is_authenticated else None
        allowed = role in (AGGREGATE_ROLES if results else ARCHIVE_READ_ROLES) or (
            results and is_admin
        )
        if allowed:
            if write and role not in ARCHIVE_WRITE_ROLES:
                deny(
                    user,
                    action="survey.write",
                    object_type="surveys.survey",
                    object_id=survey.pk,
                    request=request,
                    not_found=False,
                    project_id=project.pk,
                )
            return survey
    deny(
        user,
        action="survey.read",
        object_type="surveys.survey",
        object_id=survey_id,
        request=request,
        project_id=survey.project_id if survey else None,
    )
    raise AssertionError("unreachable")


def record_text_read(user: User, survey: Survey, request: HttpRequest | None = None) -> None:
    """The free-text answers of a survey were shown: an audit event."""
    audit(
        actor=user,
        kind=AuditEvent.Kind.READ,
        action="survey.texts",
        obj=survey,
        organisation_id=survey.project.organisation_id,
        request=request,
    )


def record_export(user: User, survey: Survey, request: HttpRequest | None = None) -> None:
    audit(
        actor=user,
        kind=AuditEvent.Kind.EXPORT,
        action="survey.export",
        obj=survey,
        organisation_id=survey.project.organisation_id,
        request=request,
    )


def link_for_token(token: str, today: dt.date | None = None) -> SurveyLink:
    """The unused, unexpired link of an open survey with this token; 404 for anything else
    (a wrong, used or expired token all look the same to a guesser)."""
    if not token or len(token) > 100:
        raise Http404
    link = (
        SurveyLink.objects.select_related("survey", "survey__project", "street")
        .filter(token_hash=token_hash(token))
        .first()
    )
    today = today or timezone.localdate()
    if (
        link is None
        or link.used_at is not None
        or link.expires_on < today
        or link.survey.status != Survey.Status.OPEN
    ):
        raise Http404
    return link
