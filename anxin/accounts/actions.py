"""State changes of organisations, projects, staff and tokens. Each writes its audit event."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.models import (
    ApiToken,
    LoginAttempt,
    Membership,
    Organisation,
    Project,
    Qualification,
    User,
)
from anxin.accounts.two_factor import is_required, session_verified
from anxin.audit.actions import record, request_origin
from anxin.audit.models import AuditEvent
from anxin.contracts.actions import payments_create_from_template
from anxin.contracts.catalogue import default_eligibility, default_workflow
from anxin.contracts.selectors import available_template_codes
from anxin.core.models import Division
from anxin.core.uploads import check_upload

CHANGE = AuditEvent.Kind.CHANGE


@transaction.atomic
def organisation_create(
    *, name: str, short_name: str = "", credit_code: str = "", acting_user: User | None
) -> Organisation:
    if Organisation.objects.filter(name=name).exists():
        raise ValidationError(_("An organisation named %(name)s exists already.") % {"name": name})
    organisation = Organisation.objects.create(
        name=name, short_name=short_name, credit_code=credit_code, created_by=acting_user
    )
    record(
        actor=acting_user,
        kind=CHANGE,
        action="organisation.create",
        obj=organisation,
        organisation_id=organisation.pk,
        detail={"name": name},
    )
    return organisation


@transaction.atomic
def project_create(
    *,
    organisation: Organisation,
    code: str,
    name: str,
    purchaser: str,
    template: str,
    period_start: dt.date,
    period_end: dt.date,
    district: Division,
    budget_ceiling: Decimal,
    client_target: int,
    acting_user: User,
    request: Any = None,
) -> Project:
    if period_end < period_start:
        raise ValidationError(_("The period must end after it starts."))
    if district.level != Division.Level.DISTRICT:
        raise ValidationError(_("Choose a district, not a street."))
    if Project.objects.filter(code=code).exists():
        raise ValidationError(_("A project with code %(code)s already exists.") % {"code": code})
    if template not in available_template_codes(organisation):
        raise ValidationError(_("There is no contract template %(code)s.") % {"code": template})
    project = Project.objects.create(
        organisation=organisation,
        code=code,
        name=name,
        purchaser=purchaser,
        template=template,
        period_start=period_start,
        period_end=period_end,
        district=district,
        budget_ceiling=budget_ceiling,
        client_target=client_target,
        eligibility=default_eligibility(template),
        workflow=default_workflow(template),
        created_by=acting_user,
        updated_by=acting_user,
    )
    record(
        actor=acting_user,
        kind=CHANGE,
        action="project.create",
        obj=project,
        request=request,
        detail={"code": code, "template": template},
    )
    payments_create_from_template(project=project, acting_user=acting_user, request=request)
    return project


def _merge_project_settings(
    project: Project, field: str, values: dict[str, Any], acting_user: User, request: Any
) -> Project:
    """Merge ``values`` into one of the project's JSON settings; the audit keeps before/after."""
    before = dict(getattr(project, field))
    setattr(project, field, {**before, **values})
    project.updated_by = acting_user
    project.save(update_fields=[field, "updated_by", "updated_at"])
    record(
        actor=acting_user,
        kind=CHANGE,
        action=f"project.{field}",
        obj=project,
        request=request,
        detail={"before": before, "after": getattr(project, field)},
    )
    return project


@transaction.atomic
def project_set_eligibility(
    *, project: Project, rules: dict[str, bool], acting_user: User, request: Any = None
) -> Project:
    """Switch the project's intake rules on or off (they start as the template's)."""
    return _merge_project_settings(project, "eligibility", rules, acting_user, request)


@transaction.atomic
def project_set_workflow(
    *, project: Project, settings: dict[str, Any], acting_user: User, request: Any = None
) -> Project:
    """Change workflow settings (intervals, the improvement rule)."""
    return _merge_project_settings(project, "workflow", settings, acting_user, request)


@transaction.atomic
def staff_create(
    *,
    organisation: Organisation,
    username: str,
    full_name: str,
    password: str,
    full_time: bool,
    years_experience: int,
    is_org_admin: bool = False,
    acting_user: User | None,
    request: Any = None,
) -> User:
    user = User(
        username=username,
        full_name=full_name,
        organisation=organisation,
        full_time=full_time,
        years_experience=years_experience,
        is_org_admin=is_org_admin,
    )
    return _save_new_login(user, password, acting_user, organisation.pk, request)


def _save_new_login(
    user: User, password: str, acting_user: User | None, organisation_id: int, request: Any
) -> User:
    """Refuse a taken user name or a weak password (Django's validators), then save and audit."""
    if User.objects.filter(username=user.username).exists():
        raise ValidationError(_("The user name %(name)s is taken.") % {"name": user.username})
    validate_password(password, user)
    user.set_password(password)
    user.save()
    record(
        actor=acting_user,
        kind=CHANGE,
        action="user.create",
        obj=user,
        request=request,
        organisation_id=organisation_id,
        detail={"username": user.username, "employer": user.employer},
    )
    return user


@transaction.atomic
def outside_user_create(
    *,
    username: str,
    full_name: str,
    employer: str,
    password: str,
    on_behalf_of: Organisation,
    acting_user: User | None,
    request: Any = None,
) -> User:
    """A person outside the organisation, such as purchaser staff: no organisation, part of no
    team; what they see comes only from a purchaser-viewer membership."""
    user = User(username=username, full_name=full_name, employer=employer, full_time=False)
    return _save_new_login(user, password, acting_user, on_behalf_of.pk, request)


@transaction.atomic
def membership_set(
    *, project: Project, user: User, role: str, acting_user: User | None, request: Any = None
) -> Membership:
    if role != Membership.Role.PURCHASER_VIEWER and user.organisation_id != project.organisation_id:
        raise ValidationError(
            _(
                "Only the organisation's own staff can hold a project team role; people from "
                "outside can only be purchaser viewers."
            )
        )
    membership, created = Membership.objects.get_or_create(
        project=project,
        user=user,
        defaults={"role": role, "created_by": acting_user, "updated_by": acting_user},
    )
    if not created:
        membership.role = role
        membership.active = True
        membership.updated_by = acting_user
        membership.save(update_fields=["role", "active", "updated_by", "updated_at"])
    record(
        actor=acting_user,
        kind=CHANGE,
        action="membership.set",
        obj=membership,
        request=request,
        organisation_id=project.organisation_id,
        project_id=project.pk,
        detail={"user": user.username, "role": role},
    )
    return membership


@transaction.atomic
def membership_end(*, membership: Membership, acting_user: User, request: Any = None) -> Membership:
    membership.active = False
    membership.updated_by = acting_user
    membership.save(update_fields=["active", "updated_by", "updated_at"])
    record(
        actor=acting_user,
        kind=CHANGE,
        action="membership.end",
        obj=membership,
        request=request,
        organisation_id=membership.project.organisation_id,
    )
    return membership


@transaction.atomic
def qualification_add(
    *,
    user: User,
    cert_type: str,
    level: int,
    number: str,
    issued_on: dt.date | None,
    scan: UploadedFile | None,
    acting_user: User | None,
    request: Any = None,
) -> Qualification:
    if scan is not None:
        check_upload(scan, kinds=("pdf", "image"))
    qualification = Qualification.objects.create(
        user=user,
        cert_type=cert_type,
        level=level,
        number=number.strip(),
        issued_on=issued_on,
        created_by=acting_user,
        updated_by=acting_user,
    )
    if scan is not None:
        qualification.scan.save(scan.name or "scan", scan, save=False)
        qualification.save(update_fields=["scan"])
    record(
        actor=acting_user,
        kind=CHANGE,
        action="qualification.add",
        obj=qualification,
        request=request,
        organisation_id=user.organisation_id,
        detail={"user": user.username, "cert_type": cert_type, "level": level},
    )
    return qualification


@transaction.atomic
def api_token_create(
    *, user: User, name: str, acting_user: User | None, request: Any = None
) -> tuple[ApiToken, str]:
    """A new token for ``user``. Made from a web session (``request``), the session must have
    passed two-factor login when the user's roles require it; the server command
    (``anxin create-token``) has no session and is for whoever runs the server."""
    if request is not None and is_required(user) and not session_verified(request.user):
        raise ValidationError(_("Log in with your two-factor code before creating an API token."))
    key = "ax_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=key[:8], key_hash=ApiToken.hash_key(key)
    )
    record(
        actor=acting_user,
        kind=CHANGE,
        action="api_token.create",
        obj=token,
        request=request,
        organisation_id=user.organisation_id,
        detail={"user": user.username, "name": name},
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, acting_user: User) -> ApiToken:
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record(
        actor=acting_user,
        kind=CHANGE,
        action="api_token.revoke",
        obj=token,
        organisation_id=token.user.organisation_id,
    )
    return token


@transaction.atomic
def login_attempt_record(*, username: str, success: bool, user: User | None, request: Any) -> None:
    origin = request_origin(request)
    LoginAttempt.objects.create(username=username[:150], success=success, ip=origin.get("ip"))
    record(
        actor=user,
        kind=AuditEvent.Kind.LOGIN if success else AuditEvent.Kind.DENIED,
        action="login.success" if success else "login.failed",
        object_type="accounts.user",
        object_id=user.pk if user else "",
        organisation_id=user.organisation_id if user else None,
        request=request,
        detail={"username": username[:150]},
    )


@transaction.atomic
def purchaser_viewer_add(
    *,
    project: Project,
    username: str,
    full_name: str,
    employer: str,
    password: str,
    acting_user: User,
    request: Any = None,
) -> User:
    """A login for the purchaser's staff on one project: aggregates only, never an archive."""
    viewer = outside_user_create(
        username=username,
        full_name=full_name,
        employer=employer,
        password=password,
        on_behalf_of=project.organisation,
        acting_user=acting_user,
        request=request,
    )
    membership_set(
        project=project,
        user=viewer,
        role=Membership.Role.PURCHASER_VIEWER,
        acting_user=acting_user,
        request=request,
    )
    return viewer


def password_changed_record(*, user: User, request: Any = None) -> None:
    """The password itself is changed by Django's form; this leaves the trace."""
    record(
        actor=user,
        kind=CHANGE,
        action="user.password_change",
        obj=user,
        request=request,
        organisation_id=user.organisation_id,
    )
