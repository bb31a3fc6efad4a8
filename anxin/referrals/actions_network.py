"""State changes of the referral network itself (R6.1, R6.3): the organisation's partner
directory with its contacts, a project's agreements with partners, and its communication groups
with their members and dated traces of activity.

Every refusal is one ``ValidationError`` with every reason, in the user's language; nothing is
written then.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from anxin.accounts.access import ARCHIVE_READ_ROLES
from anxin.accounts.models import Membership, Project, User
from anxin.audit.actions import record as audit
from anxin.core.models import Division
from anxin.core.uploads import check_upload
from anxin.referrals.checks import CHANGE, date_problems, refuse
from anxin.referrals.models import (
    Agreement,
    CommunicationGroup,
    GroupActivity,
    Level,
    Partner,
    PartnerContact,
)

UPLOAD_KINDS = ("pdf", "image", "docx")


def _upload_problems(upload: UploadedFile | None) -> list[str]:
    if upload is None:
        return []
    try:
        check_upload(upload, kinds=UPLOAD_KINDS)
    except ValidationError as error:
        return list(error.messages)
    return []


def _place_problems(level: str, district: Division | None, street: Division | None) -> list[str]:
    problems = []
    if level not in Level.values:
        problems.append(_("Choose the level: district or street."))
    if district is None or district.level != Division.Level.DISTRICT:
        problems.append(_("Choose the district."))
    if level == Level.STREET:
        if street is None:
            problems.append(_("A street-level partner needs its street."))
        elif district is not None and street.parent_id != district.pk:
            problems.append(_("The street is not in the district."))
    return problems


# Partners ------------------------------------------------------------------------------------


@dataclass
class PartnerInput:
    name: str
    kind: str
    level: str
    district: Division | None
    street: Division | None = None
    services: str = ""
    address: str = ""
    phone: str = ""


def _partner_problems(organisation_id: int, data: PartnerInput, exclude: int | None) -> list[str]:
    problems = []
    name = data.name.strip()
    if not name:
        problems.append(_("Give the partner's name."))
    elif (
        Partner.objects.filter(organisation_id=organisation_id, name=name)
        .exclude(pk=exclude or 0)
        .exists()
    ):
        problems.append(_("The directory already has a partner of this name."))
    if data.kind not in Partner.Kind.values:
        problems.append(_("Choose the kind of partner."))
    return problems + _place_problems(data.level, data.district, data.street)


def _apply_partner(partner: Partner, data: PartnerInput) -> None:
    partner.name = data.name.strip()
    partner.kind = data.kind
    partner.level = data.level
    partner.district = data.district  # type: ignore[assignment]
    partner.street = data.street if data.level == Level.STREET else None
    partner.services = data.services.strip()
    partner.address = data.address.strip()
    partner.phone = data.phone.strip()


@transaction.atomic
def partner_create(
    *, organisation_id: int, data: PartnerInput, acting_user: User, request: Any = None
) -> Partner:
    refuse(_partner_problems(organisation_id, data, None))
    partner = Partner(
        organisation_id=organisation_id, created_by=acting_user, updated_by=acting_user
    )
    _apply_partner(partner, data)
    partner.save()
    audit(actor=acting_user, kind=CHANGE, action="partner.create", obj=partner, request=request)
    return partner


@transaction.atomic
def partner_update(
    *,
    partner: Partner,
    data: PartnerInput,
    acting_user: User,
    active: bool = True,
    request: Any = None,
) -> Partner:
    refuse(_partner_problems(partner.organisation_id, data, partner.pk))
    _apply_partner(partner, data)
    partner.active = active
    partner.updated_by = acting_user
    partner.save()
    audit(actor=acting_user, kind=CHANGE, action="partner.update", obj=partner, request=request)
    return partner


@transaction.atomic
def partner_contact_add(
    *,
    partner: Partner,
    name: str,
    acting_user: User,
    role: str = "",
    phone: str = "",
    request: Any = None,
) -> PartnerContact:
    if not name.strip():
        refuse([_("Give the contact's name.")])
    contact = PartnerContact.objects.create(
        partner=partner,
        name=name.strip(),
        role=role.strip()[:64],
        phone=phone.strip(),
        created_by=acting_user,
        updated_by=acting_user,
    )
    audit(
        actor=acting_user,
        kind=CHANGE,
        action="partner.contact_add",
        obj=contact,
        organisation_id=partner.organisation_id,
        request=request,
    )
    return contact


@transaction.atomic
def partner_contact_deactivate(
    *, contact: PartnerContact, acting_user: User, request: Any = None
) -> PartnerContact:
    """The person left or changed post: kept (earlier referrals name them), no longer offered."""
    contact.active = False
    contact.updated_by = acting_user
    contact.save(update_fields=["active", "updated_by", "updated_at"])
    audit(
        actor=acting_user,
        kind=CHANGE,
        action="partner.contact_deactivate",
        obj=contact,
        organisation_id=contact.partner.organisation_id,
        request=request,
    )
    return contact


@transaction.atomic
def agreement_add(
    *,
    project: Project,
    partner: Partner,
    title: str,
    signed_on: dt.date,
    acting_user: User,
    ends_on: dt.date | None = None,
    scope: str = "",
    file: UploadedFile | None = None,
    request: Any = None,
) -> Agreement:
    """A project's cooperation agreement with a partner, with its scan."""
    problems = date_problems(signed_on) + _upload_problems(file)
    if partner.organisation_id != project.organisation_id:
        problems.append(_("Choose a partner from your organisation's directory."))
    if not title.strip():
        problems.append(_("Give the agreement's title."))
    if ends_on is not None and signed_on is not None and ends_on < signed_on:
        problems.append(_("The agreement cannot end before it was signed."))
    refuse(problems)
    agreement = Agreement.objects.create(
        project=project,
        partner=partner,
        title=title.strip(),
        signed_on=signed_on,
        ends_on=ends_on,
        scope=scope.strip(),
        file=file or "",
        created_by=acting_user,
        updated_by=acting_user,
    )
    audit(
        actor=acting_user,
        kind=CHANGE,
        action="agreement.add",
        obj=agreement,
        organisation_id=project.organisation_id,
        request=request,
    )
    return agreement


# Communication groups ------------------------------------------------------------------------


@dataclass
class GroupInput:
    name: str
    platform: str
    level: str
    purpose: str
    started_on: dt.date | None
    street: Division | None = None
    partners: Sequence[Partner] = ()
    staff: Sequence[User] = ()


def _group_problems(project: Project, data: GroupInput, exclude: int | None) -> list[str]:
    problems = date_problems(data.started_on)
    name = data.name.strip()
    if not name:
        problems.append(_("Give the group's name."))
    elif (
        CommunicationGroup.objects.filter(project=project, name=name)
        .exclude(pk=exclude or 0)
        .exists()
    ):
        problems.append(_("The project already has a group of this name."))
    if data.platform not in CommunicationGroup.Platform.values:
        problems.append(_("Choose the platform."))
    if not data.purpose.strip():
        problems.append(_("Say what the group is for."))
    problems += _place_problems(data.level, project.district, data.street)
    if any(p.organisation_id != project.organisation_id for p in data.partners):
        problems.append(_("Choose partners from your organisation's directory."))
    staff_ids = {u.pk for u in data.staff}
    members = set(
        Membership.objects.filter(
            project=project, user_id__in=staff_ids, active=True, role__in=ARCHIVE_READ_ROLES
        ).values_list("user_id", flat=True)
    )
    if staff_ids - members:
        problems.append(_("Only members of the project's team can be the group's staff."))
    if not data.partners:
        problems.append(_("A communication group needs at least one partner."))
    return problems


def _save_group(group: CommunicationGroup, data: GroupInput) -> None:
    group.name = data.name.strip()
    group.platform = data.platform
    group.level = data.level
    group.street = data.street if data.level == Level.STREET else None
    group.purpose = data.purpose.strip()
    assert data.started_on is not None
    group.started_on = data.started_on
    group.save()
    group.partners.set(data.partners)
    group.staff.set(data.staff)


@transaction.atomic
def group_create(
    *, project: Project, data: GroupInput, acting_user: User, request: Any = None
) -> CommunicationGroup:
    refuse(_group_problems(project, data, None))
    group = CommunicationGroup(project=project, created_by=acting_user, updated_by=acting_user)
    _save_group(group, data)
    audit(
        actor=acting_user,
        kind=CHANGE,
        action="group.create",
        obj=group,
        organisation_id=project.organisation_id,
        request=request,
    )
    return group


@transaction.atomic
def group_update(
    *,
    group: CommunicationGroup,
    data: GroupInput,
    acting_user: User,
    closed_on: dt.date | None = None,
    request: Any = None,
) -> CommunicationGroup:
    problems = _group_problems(group.project, data, group.pk)
    if closed_on is not None:
        problems += date_problems(closed_on)
        if data.started_on is not None and closed_on < data.started_on:
            problems.append(_("A group cannot close before it was set up."))
    refuse(problems)
    group.closed_on = closed_on
    group.updated_by = acting_user
    _save_group(group, data)
    audit(
        actor=acting_user,
        kind=CHANGE,
        action="group.update",
        obj=group,
        organisation_id=group.project.organisation_id,
        request=request,
    )
    return group


@transaction.atomic
def group_activity_add(
    *,
    group: CommunicationGroup,
    on: dt.date,
    kind: str,
    summary: str,
    acting_user: User,
    evidence: UploadedFile | None = None,
    request: Any = None,
) -> GroupActivity:
    """A dated trace of the group's activity (痕迹), with its evidence."""
    problems = date_problems(on) + _upload_problems(evidence)
    if on is not None and on < group.started_on:
        problems.append(_("The group was set up after this date."))
    if on is not None and group.closed_on is not None and on > group.closed_on:
        problems.append(_("The group was closed before this date."))
    if kind not in GroupActivity.Kind.values:
        problems.append(_("Choose the kind of activity."))
    if not summary.strip():
        problems.append(_("Summarise what happened."))
    refuse(problems)
    activity = GroupActivity.objects.create(
        group=group,
        on=on,
        kind=kind,
        summary=summary.strip(),
        evidence=evidence or "",
        created_by=acting_user,
        updated_by=acting_user,
    )
    audit(
        actor=acting_user,
        kind=CHANGE,
        action="group.activity",
        obj=activity,
        organisation_id=group.project.organisation_id,
        project_id=group.project_id,
        request=request,
    )
    return activity
