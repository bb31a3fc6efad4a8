"""The one door to the referral network.

- The partner directory belongs to the organisation: the staff of its projects who read archives
  (and its admin) read it; those who write archives (and the admin) keep it up to date. A
  partner's contacts are people: reading a partner is an audited read.
- Referrals, consents to share and communication groups belong to a project: its team reads them
  (archive roles) and its workers record them; a supervisor or psychiatrist consultant who may
  read but not write gets 403. A project's agreements with partners are recorded by its lead.
- Referral figures are aggregates: the purchaser viewer and the organisation admin see them too.
- Everyone else gets 404, an audited refusal. Reading a referral or a group (their free text is
  about people) is an audit event; a letter, a consent scan or a piece of evidence downloaded is
  an audited export.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest

from anxin.accounts.access import (
    AGGREGATE_ROLES,
    ARCHIVE_READ_ROLES,
    ARCHIVE_WRITE_ROLES,
    deny,
    get_project_for_user,
    project_ids_for_user,
    role_in_project,
)
from anxin.accounts.models import Membership, Project, User
from anxin.audit.actions import record as audit
from anxin.audit.models import AuditEvent
from anxin.core.ids import as_pk
from anxin.referrals.models import (
    Agreement,
    CommunicationGroup,
    Consent,
    GroupActivity,
    Partner,
    PartnerContact,
    Referral,
)

R = Membership.Role
AGREEMENT_ROLES = frozenset({R.LEAD})


# Projects ------------------------------------------------------------------------------------


def referral_project_ids(user: User, *, write: bool = False) -> QuerySet[Membership, int]:
    return project_ids_for_user(user, ARCHIVE_WRITE_ROLES if write else ARCHIVE_READ_ROLES)


def referral_projects(user: User, *, write: bool = False) -> QuerySet[Project]:
    if not user.is_authenticated:
        return Project.objects.none()
    return Project.objects.filter(pk__in=referral_project_ids(user, write=write)).order_by("name")


def writes_referrals(user: User, project: Project) -> bool:
    return role_in_project(user, project) in ARCHIVE_WRITE_ROLES


def get_referral_project(
    user: User,
    code: Any,
    *,
    write: bool = False,
    figures: bool = False,
    request: HttpRequest | None = None,
) -> Project:
    """The project (by code or id) if ``user`` reads its referrals (its figures, with
    ``figures``), or records them with ``write``: 404 for others, 403 for readers asked to write."""
    roles = AGGREGATE_ROLES if figures else ARCHIVE_READ_ROLES
    project = get_project_for_user(user, str(code), roles=roles, request=request)
    if write and not writes_referrals(user, project):
        _forbid(user, "referrals.write", "accounts.project", project.pk, project.pk, request)
    return project


def _forbid(
    user: User,
    action: str,
    object_type: str,
    object_id: Any,
    project_id: int | None,
    request: HttpRequest | None,
) -> None:
    deny(
        user,
        action=action,
        object_type=object_type,
        object_id=object_id,
        request=request,
        not_found=False,
        project_id=project_id,
    )


def _read(user: User, obj: Any, action: str, organisation_id: int, request: Any) -> None:
    audit(
        actor=user,
        kind=AuditEvent.Kind.READ,
        action=action,
        obj=obj,
        organisation_id=organisation_id,
        request=request,
    )


def record_export(user: User, obj: Any, action: str, organisation_id: int, request: Any) -> None:
    """A letter, scan or piece of evidence left the system: an audited export."""
    audit(
        actor=user,
        kind=AuditEvent.Kind.EXPORT,
        action=action,
        obj=obj,
        organisation_id=organisation_id,
        request=request,
    )


# The partner directory (the organisation's) ---------------------------------------------------


def _org_member(user: User, organisation_id: int, roles: frozenset[str]) -> bool:
    if not user.is_authenticated or user.organisation_id != organisation_id:
        return False
    if user.is_org_admin:
        return True
    return Membership.objects.filter(
        user_id=user.pk,
        active=True,
        role__in=roles,
        project__organisation_id=organisation_id,
    ).exists()


def reads_directory(user: User) -> bool:
    return user.organisation_id is not None and _org_member(
        user, user.organisation_id, ARCHIVE_READ_ROLES
    )


def writes_directory(user: User) -> bool:
    return user.organisation_id is not None and _org_member(
        user, user.organisation_id, ARCHIVE_WRITE_ROLES
    )


def partners_visible_to(user: User) -> QuerySet[Partner]:
    if user.organisation_id is None or not reads_directory(user):
        return Partner.objects.none()
    return Partner.objects.filter(organisation_id=user.organisation_id)


def require_directory(
    user: User, *, write: bool = False, request: HttpRequest | None = None
) -> int:
    """The organisation whose directory ``user`` reads (keeps, with ``write``): its id."""
    if not reads_directory(user):
        deny(
            user,
            action="partner.directory",
            object_type="accounts.organisation",
            object_id=getattr(user, "organisation_id", "") or "",
            request=request,
        )
    if write and not writes_directory(user):
        _forbid(user, "partner.write", "accounts.organisation", user.organisation_id, None, request)
    assert user.organisation_id is not None
    return user.organisation_id


def get_partner_for_user(
    user: User, partner_id: Any, *, write: bool = False, request: HttpRequest | None = None
) -> Partner:
    """A partner of the user's organisation: an audited read (its contacts are people), or
    404; 403 for a reader asked to change it."""
    partner = (
        partners_visible_to(user)
        .select_related("district", "street", "organisation")
        .filter(pk=as_pk(partner_id))
        .first()
    )
    if partner is None:
        deny(
            user,
            action="partner.read",
            object_type="referrals.partner",
            object_id=partner_id,
            request=request,
        )
    assert partner is not None
    if write and not writes_directory(user):
        _forbid(user, "partner.write", "referrals.partner", partner.pk, None, request)
    if not write:
        _read(user, partner, "partner.read", partner.organisation_id, request)
    return partner


def get_contact_for_user(
    user: User, contact_id: Any, *, request: HttpRequest | None = None
) -> PartnerContact:
    """A partner contact to change: the directory's keepers only."""
    contact = (
        PartnerContact.objects.filter(pk=as_pk(contact_id), partner__in=partners_visible_to(user))
        .select_related("partner")
        .first()
    )
    if contact is None:
        deny(
            user,
            action="partner_contact.write",
            object_type="referrals.partnercontact",
            object_id=contact_id,
            request=request,
        )
    assert contact is not None
    if not writes_directory(user):
        _forbid(user, "partner.write", "referrals.partnercontact", contact.pk, None, request)
    return contact


def get_agreement_file_for_user(
    user: User, agreement_id: Any, *, request: HttpRequest | None = None
) -> Agreement:
    agreement = (
        Agreement.objects.filter(pk=as_pk(agreement_id), project_id__in=referral_project_ids(user))
        .select_related("project", "partner")
        .first()
    )
    if agreement is None or not agreement.file:
        deny(
            user,
            action="agreement.file",
            object_type="referrals.agreement",
            object_id=agreement_id,
            request=request,
        )
    assert agreement is not None
    record_export(user, agreement, "agreement.file", agreement.project.organisation_id, request)
    return agreement


def can_record_agreements(user: User, project: Project) -> bool:
    return role_in_project(user, project) in AGREEMENT_ROLES


def get_agreement_project(user: User, code: Any, *, request: HttpRequest | None = None) -> Project:
    """The project whose agreements ``user`` records: its lead; 404 / 403 for others."""
    project = get_referral_project(user, code, request=request)
    if not can_record_agreements(user, project):
        _forbid(user, "agreement.write", "accounts.project", project.pk, project.pk, request)
    return project


# Referrals and consents (a project's) ---------------------------------------------------------


def referrals_visible_to(user: User, *, write: bool = False) -> QuerySet[Referral]:
    if not user.is_authenticated:
        return Referral.objects.none()
    return Referral.objects.filter(project_id__in=referral_project_ids(user, write=write))


def get_referral_for_user(
    user: User, referral_id: Any, *, write: bool = False, request: HttpRequest | None = None
) -> Referral:
    """A referral of a project whose team ``user`` is on: an audited read, or 404; with
    ``write`` (the action that follows is audited), 403 for a reader who may not write."""
    referral = (
        referrals_visible_to(user)
        .select_related(
            "project",
            "project__organisation",
            "project__district",
            "partner",
            "partner_contact",
            "case__client",
            "case__client__street",
            "worker",
            "consent",
        )
        .filter(pk=as_pk(referral_id))
        .first()
    )
    if referral is None:
        deny(
            user,
            action="referral.read",
            object_type="referrals.referral",
            object_id=referral_id,
            request=request,
        )
    assert referral is not None
    if write and not writes_referrals(user, referral.project):
        _forbid(
            user, "referral.write", "referrals.referral", referral.pk, referral.project_id, request
        )
    if not write:
        _read(user, referral, "referral.read", referral.project.organisation_id, request)
    return referral


def get_consent_for_user(
    user: User, consent_id: Any, *, write: bool = False, request: HttpRequest | None = None
) -> Consent:
    consent = (
        Consent.objects.filter(pk=as_pk(consent_id), project_id__in=referral_project_ids(user))
        .select_related("project", "project__organisation", "case", "partner")
        .first()
    )
    if consent is None:
        deny(
            user,
            action="consent.read",
            object_type="referrals.consent",
            object_id=consent_id,
            request=request,
        )
    assert consent is not None
    if write and not writes_referrals(user, consent.project):
        _forbid(user, "consent.write", "referrals.consent", consent.pk, consent.project_id, request)
    return consent


# Communication groups (a project's) -----------------------------------------------------------


def get_group_for_user(
    user: User, group_id: Any, *, write: bool = False, request: HttpRequest | None = None
) -> CommunicationGroup:
    """A communication group of a project whose team ``user`` is on: an audited read (its
    traces may discuss clients), or 404; 403 for a reader asked to write."""
    group = (
        CommunicationGroup.objects.filter(
            Q(pk=as_pk(group_id)) & Q(project_id__in=referral_project_ids(user))
        )
        .select_related("project", "project__organisation", "street")
        .first()
    )
    if group is None:
        deny(
            user,
            action="group.read",
            object_type="referrals.communicationgroup",
            object_id=group_id,
            request=request,
        )
    assert group is not None
    if write and not writes_referrals(user, group.project):
        _forbid(
            user, "group.write", "referrals.communicationgroup", group.pk, group.project_id, request
        )
    if not write:
        _read(user, group, "group.read", group.project.organisation_id, request)
    return group


def get_evidence_for_user(
    user: User, activity_id: Any, *, request: HttpRequest | None = None
) -> GroupActivity:
    activity = (
        GroupActivity.objects.filter(
            pk=as_pk(activity_id), group__project_id__in=referral_project_ids(user)
        )
        .select_related("group__project")
        .first()
    )
    if activity is None or not activity.evidence:
        deny(
            user,
            action="group.evidence",
            object_type="referrals.groupactivity",
            object_id=activity_id,
            request=request,
        )
    assert activity is not None
    record_export(user, activity, "group.evidence", activity.group.project.organisation_id, request)
    return activity
