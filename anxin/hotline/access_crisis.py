"""The one door to crisis escalations, the newly-certified outreach list and the hotline figures.

- Hotline operators are the project's counsellors, social workers and lead: they read and record
  crisis steps, keep the outreach list (import, attempts, enrolment).
- Supervisors read everything of the hotline and act on crises (record steps, close them); only
  a supervisor or the lead closes an escalation.
- Everyone who sees the project's figures (members, purchaser viewers, the organisation admin at
  the aggregate level) reads the hotline figures: counts only, no person.
- Everyone else gets 404 (an audited refusal); a reader who may not do something gets 403, also
  audited. Reading an escalation or an outreach person (their notes and numbers are about a
  person) is an audit event.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from anxin.accounts.access import AGGREGATE_ROLES, deny, get_project_for_user, role_in_project
from anxin.accounts.models import Membership, Project, User
from anxin.audit.actions import record as audit
from anxin.audit.models import AuditEvent
from anxin.core.ids import as_pk
from anxin.hotline.access import OPERATOR_ROLES as CALL_OPERATOR_ROLES
from anxin.hotline.models import Escalation, OutreachPerson

R = Membership.Role
OPERATOR_ROLES = CALL_OPERATOR_ROLES  # counsellors, social workers and the lead
CRISIS_ROLES = OPERATOR_ROLES | {R.SUPERVISOR}  # read escalations and record their steps
CLOSE_ROLES = frozenset({R.LEAD, R.SUPERVISOR})  # close an escalation with its outcome
OUTREACH_READ_ROLES = CRISIS_ROLES
OUTREACH_WRITE_ROLES = OPERATOR_ROLES
FIGURES_ROLES = AGGREGATE_ROLES


def can_close(user: User, project: Project) -> bool:
    return role_in_project(user, project) in CLOSE_ROLES


def can_write_outreach(user: User, project: Project) -> bool:
    return role_in_project(user, project) in OUTREACH_WRITE_ROLES


def get_project_for_crises(user: User, code: Any, *, request: HttpRequest | None = None) -> Project:
    """The project (by code or id) if ``user`` is one of its operators or supervisors."""
    return get_project_for_user(user, str(code), roles=CRISIS_ROLES, request=request)


def get_project_for_outreach(
    user: User, code: Any, *, write: bool = False, request: HttpRequest | None = None
) -> Project:
    """The project if ``user`` may read its outreach list (or keep it, with ``write``): 404 for
    those who may not read, 403 for supervisors asked to write."""
    project = get_project_for_user(user, str(code), roles=OUTREACH_READ_ROLES, request=request)
    if write and not can_write_outreach(user, project):
        deny(
            user,
            action="outreach.write",
            object_type="accounts.project",
            object_id=project.pk,
            request=request,
            not_found=False,
            project_id=project.pk,
        )
    return project


def get_project_for_figures(
    user: User, code: Any, *, request: HttpRequest | None = None
) -> Project:
    """The project if ``user`` sees its figures (aggregates only)."""
    return get_project_for_user(user, str(code), roles=FIGURES_ROLES, request=request)


def get_escalation_for_user(
    user: User,
    escalation_id: Any,
    *,
    close: bool = False,
    read: bool = True,
    request: HttpRequest | None = None,
) -> Escalation:
    """The escalation if ``user`` is an operator or supervisor of its project; with ``close``
    only a supervisor or the lead (403 for the others). ``read`` records an audited read (the
    page and the API's detail); a step or a close is audited by its action instead."""
    escalation = (
        Escalation.objects.select_related(
            "project", "project__organisation", "call", "call__operator", "closed_by"
        )
        .filter(pk=as_pk(escalation_id))
        .first()
    )
    role = role_in_project(user, escalation.project) if escalation is not None else None
    if escalation is None or role not in CRISIS_ROLES:
        deny(
            user,
            action="escalation.read",
            object_type="hotline.escalation",
            object_id=escalation_id,
            request=request,
            project_id=escalation.project_id if escalation else None,
        )
    assert escalation is not None
    if close and role not in CLOSE_ROLES:
        deny(
            user,
            action="escalation.close",
            object_type="hotline.escalation",
            object_id=escalation.pk,
            request=request,
            not_found=False,
            project_id=escalation.project_id,
        )
    if read:
        audit(
            actor=user,
            kind=AuditEvent.Kind.READ,
            action="escalation.read",
            obj=escalation,
            organisation_id=escalation.project.organisation_id,
            request=request,
        )
    return escalation


def get_outreach_person_for_user(
    user: User,
    person_id: Any,
    *,
    write: bool = False,
    request: HttpRequest | None = None,
) -> OutreachPerson:
    """A person of the outreach list if ``user`` may read the project's list (an audited read),
    or keep it with ``write`` (403 for a supervisor)."""
    person = (
        OutreachPerson.objects.select_related(
            "project", "project__organisation", "project__district", "street", "client"
        )
        .filter(pk=as_pk(person_id))
        .first()
    )
    role = role_in_project(user, person.project) if person is not None else None
    if person is None or role not in OUTREACH_READ_ROLES:
        deny(
            user,
            action="outreach.read",
            object_type="hotline.outreachperson",
            object_id=person_id,
            request=request,
            project_id=person.project_id if person else None,
        )
    assert person is not None
    if write and role not in OUTREACH_WRITE_ROLES:
        deny(
            user,
            action="outreach.write",
            object_type="hotline.outreachperson",
            object_id=person.pk,
            request=request,
            not_found=False,
            project_id=person.project_id,
        )
    if not write:
        audit(
            actor=user,
            kind=AuditEvent.Kind.READ,
            action="outreach.read",
            obj=person,
            organisation_id=person.project.organisation_id,
            request=request,
        )
    return person
