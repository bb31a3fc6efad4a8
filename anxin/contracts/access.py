"""Who may see or change a project's targets and money, and an organisation's templates. The one
door for access to contract data (built on ``anxin.accounts.access``).

- Targets (R7.1): everyone who sees the project's figures reads them (its members, its purchaser
  viewers, the organisation's admins); its leads and the organisation's admins change them.
- Money (R1.3): the project's leads and the organisation's admins read and change; supervisors
  read; purchaser viewers read the milestones and the fund-usage table, without spending notes.
  Other members (social workers, counsellors …) and everyone outside get 404.
- Templates: the organisation's admins.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from anxin.accounts.access import (
    AGGREGATE_ROLES,
    deny,
    get_project_for_user,
    require_org_admin,
    role_in_project,
)
from anxin.accounts.models import Membership, Organisation, Project, User
from anxin.contracts.models import BudgetLine, ContractTemplate, PaymentMilestone

R = Membership.Role
MONEY_READ_ROLES = frozenset({R.LEAD, R.SUPERVISOR, R.PURCHASER_VIEWER})


def _is_org_admin(user: User, project: Project) -> bool:
    return bool(user.is_org_admin and user.organisation_id == project.organisation_id)


def may_manage_contract(user: User, project: Project, role: str | None) -> bool:
    """A project lead, or an admin of the project's organisation."""
    return role == R.LEAD or _is_org_admin(user, project)


def get_project_for_targets(
    user: User, code: str, *, write: bool = False, request: HttpRequest | None = None
) -> Project:
    """The project (by code) if ``user`` may read its targets, or change them with ``write``:
    404 for people who do not see the project, 403 for readers who may not change."""
    project = get_project_for_user(user, code, roles=AGGREGATE_ROLES, request=request)
    if write and not may_manage_contract(user, project, role_in_project(user, project)):
        deny(
            user,
            action="target.write",
            object_type="accounts.project",
            object_id=project.pk,
            request=request,
            not_found=False,
            project_id=project.pk,
        )
    return project


@dataclass(frozen=True)
class MoneyAccess:
    project: Project
    can_write: bool
    sees_notes: bool


def money_access(user: User, project: Project) -> MoneyAccess | None:
    """What ``user`` may do with the project's money, or None when nothing."""
    if not user.is_authenticated:
        return None
    role = role_in_project(user, project)
    if may_manage_contract(user, project, role):
        return MoneyAccess(project, can_write=True, sees_notes=True)
    if role in MONEY_READ_ROLES:
        return MoneyAccess(project, can_write=False, sees_notes=role != R.PURCHASER_VIEWER)
    return None


def get_project_for_money(
    user: User, code: str, *, write: bool = False, request: HttpRequest | None = None
) -> MoneyAccess:
    """The project's money as ``user`` may see it (``write``: change it). 404 for those who may
    not read it (including members in other roles), 403 for readers who may not change."""
    project = get_project_for_user(user, code, roles=AGGREGATE_ROLES, request=request)
    access = money_access(user, project)
    if access is None:
        deny(
            user,
            action="money.read",
            object_type="accounts.project",
            object_id=code,
            request=request,
            project_id=project.pk,
        )
    assert access is not None
    if write and not access.can_write:
        deny(
            user,
            action="money.write",
            object_type="accounts.project",
            object_id=project.pk,
            request=request,
            not_found=False,
            project_id=project.pk,
        )
    return access


def get_template_for_admin(
    user: User, code: str, *, request: HttpRequest | None = None
) -> ContractTemplate:
    """One of the organisation's own templates, for its admins; 403 / 404 otherwise."""
    organisation: Organisation = require_org_admin(user, request)
    template = ContractTemplate.objects.filter(organisation=organisation, code=code).first()
    if template is None:
        deny(
            user,
            action="contract_template.read",
            object_type="contracts.contracttemplate",
            object_id=code[:64],
            request=request,
        )
    assert template is not None
    return template


def get_milestone(access: MoneyAccess, code: str) -> PaymentMilestone:
    """A payment milestone of a project the caller's ``MoneyAccess`` was given for; 404 if none."""
    milestone = PaymentMilestone.objects.filter(project=access.project, code=code).first()
    if milestone is None:
        raise Http404(_("Not found."))
    milestone.project = access.project
    return milestone


def get_budget_line(access: MoneyAccess, code: str) -> BudgetLine:
    """A budget line of a project the caller's ``MoneyAccess`` was given for; 404 if none."""
    line = BudgetLine.objects.filter(project=access.project, code=code).first()
    if line is None:
        raise Http404(_("Not found."))
    line.project = access.project
    return line
