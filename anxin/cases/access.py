"""The one door to cases and what hangs on them (timeline, plans, assessments)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest

from anxin.accounts.access import (
    ARCHIVE_READ_ROLES,
    ARCHIVE_WRITE_ROLES,
    deny,
    project_ids_for_user,
)
from anxin.accounts.models import User
from anxin.audit.actions import record
from anxin.audit.models import AuditEvent
from anxin.cases.models import Case
from anxin.core.ids import as_pk


def cases_visible_to(user: User, *, write: bool = False) -> QuerySet[Case]:
    if not user.is_authenticated:
        return Case.objects.none()
    roles = ARCHIVE_WRITE_ROLES if write else ARCHIVE_READ_ROLES
    return Case.objects.filter(project_id__in=project_ids_for_user(user, roles))


def get_case_for_user(
    user: User, case_id: Any, *, write: bool = False, request: HttpRequest | None = None
) -> Case:
    """The case if ``user`` may read it (or change it, with ``write``); 404 / 403 otherwise.

    A read is an audit event (a case page shows the archive's health data); so is a refusal.
    """
    pk = as_pk(case_id)
    case = (
        cases_visible_to(user)
        .select_related("client", "client__street", "project", "project__district", "worker")
        .filter(pk=pk)
        .first()
    )
    if case is None:
        deny(user, action="case.read", object_type="cases.case", object_id=case_id, request=request)
    assert case is not None
    if write and not cases_visible_to(user, write=True).filter(pk=pk).exists():
        deny(
            user,
            action="case.write",
            object_type="cases.case",
            object_id=pk,
            request=request,
            not_found=False,
            project_id=case.project_id,
        )
    if not write:
        record(
            actor=user,
            kind=AuditEvent.Kind.READ,
            action="case.read",
            obj=case,
            organisation_id=case.project.organisation_id,
            request=request,
        )
    return case
