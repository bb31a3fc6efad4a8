"""The one door to hotline calls and call-backs.

- Hotline operators are the project's counsellors and social workers: they take calls, save and
  finish their own drafts, link calls to clients, schedule and make call-backs, and read every
  call of the project (a repeat caller's earlier calls were often taken by a colleague).
- Supervisors read every call of the project and change none.
- Purchaser viewers see aggregates only (the hotline figures), never a call; everyone else sees
  nothing. Both get 404, an audited refusal; a reader who may not change something gets 403.
- Reading a call (its notes are about a person in distress) is an audit event; lists are not.
- A call linked to a client shows the client only to those who may read the client's case (the
  client's project team): an operator who is not on it sees that the call is linked, no more.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest

from anxin.accounts.access import deny, get_project_for_user, project_ids_for_user, role_in_project
from anxin.accounts.models import Membership, Project, User
from anxin.audit.actions import record as audit
from anxin.audit.models import AuditEvent
from anxin.cases.access import cases_visible_to
from anxin.core.ids import as_pk
from anxin.hotline.models import Call, CallBack

R = Membership.Role
OPERATOR_ROLES = frozenset({R.COUNSELLOR, R.SOCIAL_WORKER, R.LEAD})
READ_ROLES = OPERATOR_ROLES | {R.SUPERVISOR}


def hotline_project_ids(user: User, *, write: bool = False) -> QuerySet[Membership, int]:
    return project_ids_for_user(user, OPERATOR_ROLES if write else READ_ROLES)


def hotline_projects(user: User, *, write: bool = False) -> QuerySet[Project]:
    if not user.is_authenticated:
        return Project.objects.none()
    return Project.objects.filter(pk__in=hotline_project_ids(user, write=write)).order_by("name")


def is_operator(user: User, project: Project) -> bool:
    return role_in_project(user, project) in OPERATOR_ROLES


def reads_hotline(user: User, project: Project) -> bool:
    return role_in_project(user, project) in READ_ROLES


def calls_visible_to(user: User, *, write: bool = False) -> QuerySet[Call]:
    if not user.is_authenticated:
        return Call.objects.none()
    return Call.objects.filter(project_id__in=hotline_project_ids(user, write=write))


def get_hotline_project(
    user: User, code: Any, *, write: bool = False, request: HttpRequest | None = None
) -> Project:
    """The project (by code or id) if ``user`` reads its hotline, or operates it with ``write``:
    404 for everyone else, 403 for a supervisor asked to take a call."""
    project = get_project_for_user(user, str(code), roles=READ_ROLES, request=request)
    if write and not is_operator(user, project):
        deny(
            user,
            action="hotline.write",
            object_type="accounts.project",
            object_id=project.pk,
            request=request,
            not_found=False,
            project_id=project.pk,
        )
    return project


def get_call_for_user(
    user: User,
    call_id: Any,
    *,
    write: bool = False,
    request: HttpRequest | None = None,
) -> Call:
    """The call if ``user`` reads its project's hotline (an audited read), or operates it with
    ``write`` (the action that follows is audited instead); 404 / 403 otherwise."""
    call = (
        calls_visible_to(user)
        .select_related(
            "project",
            "project__organisation",
            "project__district",
            "operator",
            "case__client",
            "family_member",
            "street",
            "linked_by",
        )
        .filter(pk=as_pk(call_id))
        .first()
    )
    if call is None:
        deny(
            user, action="call.read", object_type="hotline.call", object_id=call_id, request=request
        )
    assert call is not None
    if write and not is_operator(user, call.project):
        deny(
            user,
            action="call.write",
            object_type="hotline.call",
            object_id=call.pk,
            request=request,
            not_found=False,
            project_id=call.project_id,
        )
    if not write:
        record_read(user, call, request=request)
    return call


def record_read(user: User, call: Call, *, request: HttpRequest | None = None) -> None:
    """A call was shown to ``user``: an audit event."""
    audit(
        actor=user,
        kind=AuditEvent.Kind.READ,
        action="call.read",
        obj=call,
        organisation_id=call.project.organisation_id,
        request=request,
    )


def get_draft_for_user(user: User, call_id: Any, *, request: HttpRequest | None = None) -> Call:
    """A call ``user`` may go on writing: one they took, in a project they still operate. A
    colleague's call is read (``get_call_for_user``), not written: 403."""
    call = get_call_for_user(user, call_id, write=True, request=request)
    if call.operator_id != user.pk:
        deny(
            user,
            action="call.draft",
            object_type="hotline.call",
            object_id=call.pk,
            request=request,
            not_found=False,
            project_id=call.project_id,
        )
    return call


def get_call_back_for_user(
    user: User, call_back_id: Any, *, write: bool = False, request: HttpRequest | None = None
) -> CallBack:
    """A call-back of a project whose hotline ``user`` reads (or operates, with ``write``): any
    operator of the project may make it, so that a colleague's call-back is not missed."""
    call_back = (
        CallBack.objects.filter(pk=as_pk(call_back_id), project_id__in=hotline_project_ids(user))
        .select_related("project", "project__organisation", "call", "assignee", "escalation")
        .first()
    )
    if call_back is None:
        deny(
            user,
            action="callback.read",
            object_type="hotline.callback",
            object_id=call_back_id,
            request=request,
        )
    assert call_back is not None
    if write and not is_operator(user, call_back.project):
        deny(
            user,
            action="callback.write",
            object_type="hotline.callback",
            object_id=call_back.pk,
            request=request,
            not_found=False,
            project_id=call_back.project_id,
        )
    return call_back


def sees_archive_link(user: User, call: Call) -> bool:
    """Whether ``user`` may see which client a call is linked to: the client's project team."""
    return call.case_id is not None and cases_visible_to(user).filter(pk=call.case_id).exists()
