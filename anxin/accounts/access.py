"""Who may see or change projects, teams and organisation settings. The one door for access.

Case data (clients, cases, later services) is reached through project memberships: a person sees
the case data of the projects they are an active member of, in a role that reads archives. A
purchaser viewer sees aggregates only. An organisation admin manages projects and staff but reads
no archive unless they are also a member.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from anxin.accounts.models import Membership, Organisation, Project, User
from anxin.audit.actions import record
from anxin.audit.models import AuditEvent
from anxin.core.ids import as_pk

R = Membership.Role
ARCHIVE_READ_ROLES = frozenset(
    {
        R.LEAD,
        R.SOCIAL_WORKER,
        R.COUNSELLOR,
        R.NURSE,
        R.REHAB_THERAPIST,
        R.SUPERVISOR,
        R.PSYCHIATRIST,
    }
)
ARCHIVE_WRITE_ROLES = frozenset({R.LEAD, R.SOCIAL_WORKER, R.COUNSELLOR, R.NURSE, R.REHAB_THERAPIST})
AGGREGATE_ROLES = ARCHIVE_READ_ROLES | {R.PURCHASER_VIEWER}


def deny(
    user: Any,
    *,
    action: str,
    object_type: str,
    object_id: Any,
    request: HttpRequest | None = None,
    not_found: bool = True,
    project_id: int | None = None,
) -> None:
    """Record the refused access, then raise 404 (hide existence) or 403."""
    record(
        actor=user,
        kind=AuditEvent.Kind.DENIED,
        action=action,
        object_type=object_type,
        object_id=object_id,
        project_id=project_id,
        organisation_id=getattr(user, "organisation_id", None),
        request=request,
    )
    if not_found:
        raise Http404(_("Not found."))
    raise PermissionDenied(_("You do not have permission to do this."))


def project_ids_for_user(user: User, roles: frozenset[str]) -> QuerySet[Membership, int]:
    return Membership.objects.filter(
        user_id=user.pk, active=True, role__in=roles, project__organisation__isnull=False
    ).values_list("project_id", flat=True)


def projects_for_user(user: User, roles: frozenset[str] = AGGREGATE_ROLES) -> QuerySet[Project]:
    """Projects ``user`` works on in one of ``roles``. At the aggregate level an organisation
    admin also sees every project of their organisation (no archive: that needs a membership)."""
    if not user.is_authenticated:
        return Project.objects.none()
    visible = Q(pk__in=project_ids_for_user(user, roles))
    if roles == AGGREGATE_ROLES and user.is_org_admin and user.organisation_id:
        visible |= Q(organisation_id=user.organisation_id)
    return (
        Project.objects.filter(visible).select_related("organisation", "district").order_by("name")
    )


def role_in_project(user: User, project: Project) -> str | None:
    return (
        Membership.objects.filter(user_id=user.pk, project_id=project.pk, active=True)
        .values_list("role", flat=True)
        .first()
    )


def get_project_for_user(
    user: User,
    project_ref: int | str,
    *,
    roles: frozenset[str] = AGGREGATE_ROLES,
    manage: bool = False,
    request: HttpRequest | None = None,
) -> Project:
    """The project if ``user`` may see it with one of ``roles``, or manage it as org admin."""
    lookup = {"pk": project_ref} if str(project_ref).isdigit() else {"code": project_ref}
    project = Project.objects.select_related("organisation", "district").filter(**lookup).first()
    if project is not None and user.is_authenticated:
        is_admin = user.is_org_admin and user.organisation_id == project.organisation_id
        if manage and is_admin:
            return project
        if not manage and (
            (is_admin and roles == AGGREGATE_ROLES) or role_in_project(user, project) in roles
        ):
            return project
    deny(
        user,
        action="project.access",
        object_type="accounts.project",
        object_id=project_ref,
        request=request,
        project_id=project.pk if project else None,
    )
    raise AssertionError("unreachable")


def require_org_admin(user: User, request: HttpRequest | None = None) -> Organisation:
    if user.is_authenticated and user.is_org_admin and user.organisation_id:
        assert user.organisation is not None
        return user.organisation
    deny(
        user,
        action="organisation.admin",
        object_type="accounts.organisation",
        object_id=getattr(user, "organisation_id", "") or "",
        request=request,
        not_found=False,
    )
    raise AssertionError("unreachable")


def get_member_for_admin(admin: User, user_id: int, request: HttpRequest | None = None) -> User:
    organisation = require_org_admin(admin, request)
    member = User.objects.filter(pk=as_pk(user_id), organisation=organisation).first()
    if member is None:
        deny(
            admin,
            action="user.access",
            object_type="accounts.user",
            object_id=user_id,
            request=request,
        )
    assert member is not None
    return member


def get_user_for_two_factor_reset(
    admin: User, user_id: int, request: HttpRequest | None = None
) -> User:
    """Someone whose two-factor login an organisation admin may reset: the organisation's own
    staff, or a purchaser viewer of one of its projects. Anyone else is refused (404)."""
    organisation = require_org_admin(admin, request)
    viewer = Q(
        organisation__isnull=True,
        memberships__project__organisation=organisation,
        memberships__role=R.PURCHASER_VIEWER,
        memberships__active=True,
    )
    member = (
        User.objects.filter(Q(organisation=organisation) | viewer, pk=as_pk(user_id))
        .distinct()
        .first()
    )
    if member is None:
        deny(
            admin,
            action="two_factor.reset",
            object_type="accounts.user",
            object_id=user_id,
            request=request,
        )
    assert member is not None
    return member
