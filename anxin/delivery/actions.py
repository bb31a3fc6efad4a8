"""State changes of service records (R5): record a session, attach a file to it, void it. Every
refusal is collected and raised as one ``ValidationError`` in the user's language, and nothing is
written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.access import ARCHIVE_WRITE_ROLES
from anxin.accounts.models import Membership, Project, User
from anxin.audit.actions import record as audit
from anxin.audit.models import AuditEvent
from anxin.cases.actions import case_can_receive_services
from anxin.cases.classification import service_refusal
from anxin.cases.models import Case
from anxin.clients.models import FamilyMember
from anxin.contracts.catalogue import service_item as catalogue_item
from anxin.core.models import Division
from anxin.core.uploads import check_upload
from anxin.delivery.models import (
    Attachment,
    Form,
    GroupProgramme,
    Participant,
    ServiceRecord,
    ServiceWorker,
)

UPLOAD_KINDS = ("pdf", "image")
HOURS_SLACK = Decimal("0.5")


class WorkerHours(NamedTuple):
    user: User
    direct_hours: Decimal
    indirect_hours: Decimal = Decimal("0")


class ParticipantInput(NamedTuple):
    kind: str
    case: Case | None = None
    family_member: FamilyMember | None = None
    name: str = ""
    organisation: str = ""
    attended: bool = True


def session_hours(starts_at: dt.time, ends_at: dt.time) -> Decimal:
    """The length of a session in hours (two decimals); zero or less if it ends before it starts."""
    minutes = (ends_at.hour * 60 + ends_at.minute) - (starts_at.hour * 60 + starts_at.minute)
    return (Decimal(minutes) / Decimal(60)).quantize(Decimal("0.01"))


def _check_workers(project: Project, workers: Sequence[WorkerHours], length: Decimal) -> list[str]:
    errors: list[str] = []
    if not workers:
        return [_("A service needs at least one worker.")]
    members = set(
        Membership.objects.filter(
            project=project,
            user_id__in=[w.user.pk for w in workers],
            active=True,
            role__in=ARCHIVE_WRITE_ROLES,
        ).values_list("user_id", flat=True)
    )
    seen: set[int] = set()
    for w in workers:
        name = w.user.display_name
        if w.user.pk in seen:
            errors.append(_("%(name)s is listed twice as a worker.") % {"name": name})
        seen.add(w.user.pk)
        if w.user.pk not in members:
            errors.append(
                _("%(name)s is not a worker of this project who may record services.")
                % {"name": name}
            )
        if w.direct_hours < 0 or w.indirect_hours < 0:
            errors.append(_("Hours cannot be negative (%(name)s).") % {"name": name})
        elif length > 0 and w.direct_hours > length + HOURS_SLACK:
            errors.append(
                _("%(name)s: %(hours)s direct hours is more than the session's %(length)s hours.")
                % {"name": name, "hours": w.direct_hours, "length": length}
            )
    return errors


def _check_participants(
    project: Project, item: str, participants: Sequence[ParticipantInput]
) -> list[str]:
    errors: list[str] = []
    client_ids: set[int] = set()
    case_ids: set[int] = set()
    for p in participants:
        if p.kind not in Participant.Kind.values:
            errors.append(_("Unknown kind of participant: %(kind)s.") % {"kind": p.kind})
            continue
        if p.kind == Participant.Kind.CLIENT:
            case = p.case
            if case is None:
                errors.append(_("A client participant needs their case."))
                continue
            if case.pk in case_ids:
                errors.append(_("A client is listed twice."))
                continue
            case_ids.add(case.pk)
            client_ids.add(case.client_id)
            if case.project_id != project.pk:
                errors.append(_("Case %(id)s is not a case of this project.") % {"id": case.pk})
                continue
            name = case.client.name
            why = case_can_receive_services(case) or service_refusal(case, item)
            if why:
                errors.append(f"{name}: {why}")
        elif p.family_member is None and not p.name.strip():
            errors.append(_("A participant who is not a client needs a name."))
    # A family member attends with their client, or alone (a guardians' salon, counselling for a
    # guardian: CC §3) when the client is one of this project's.
    alone = {
        p.family_member.client_id
        for p in participants
        if p.family_member is not None and p.family_member.client_id not in client_ids
    }
    ours = set(
        Case.objects.filter(project=project, client_id__in=alone).values_list(
            "client_id", flat=True
        )
    )
    for p in participants:
        if p.family_member is not None and p.family_member.client_id not in client_ids | ours:
            errors.append(
                _("%(name)s is not a family member of a client of this project.")
                % {"name": p.family_member.name}
            )
    return errors


def _check_attachments(attachments: Iterable[tuple[str, UploadedFile]]) -> list[str]:
    errors: list[str] = []
    for kind, upload in attachments:
        if kind not in Attachment.Kind.values:
            errors.append(_("Unknown kind of attachment: %(kind)s.") % {"kind": kind})
            continue
        try:
            check_upload(upload, kinds=UPLOAD_KINDS)
        except ValidationError as exc:
            errors.extend(f"{upload.name}: {m}" for m in exc.messages)
    return errors


@transaction.atomic
def service_record_create(
    *,
    project: Project,
    service_item: str,
    form: str,
    on: dt.date,
    starts_at: dt.time,
    ends_at: dt.time,
    street: Division | None = None,
    place: str = "",
    content: str = "",
    workers: Sequence[WorkerHours],
    participants: Sequence[ParticipantInput],
    programme: GroupProgramme | None = None,
    session_no: int | None = None,
    assessment: Any = None,
    attachments: Sequence[tuple[str, UploadedFile]] = (),
    acting_user: User,
    request: HttpRequest | None = None,
) -> ServiceRecord:
    errors: list[str] = []
    if catalogue_item(project, service_item) is None:
        errors.append(
            _("%(code)s is not in this project's service catalogue.") % {"code": service_item}
        )
    if form not in Form.values:
        errors.append(_("Unknown form of service: %(form)s.") % {"form": form})
    if on > timezone.localdate():
        errors.append(_("A service cannot be recorded for a future date."))
    length = session_hours(starts_at, ends_at)
    if length <= 0:
        errors.append(_("The session must end after it starts."))
    if programme is not None and programme.project_id != project.pk:
        errors.append(_("The group programme is not one of this project's."))
    if assessment is not None and assessment.project_id != project.pk:
        errors.append(_("The assessment is not one of this project's."))
    errors += _check_workers(project, workers, length)
    if not participants:
        errors.append(_("A service needs at least one participant."))
    elif catalogue_item(project, service_item) is not None:
        errors += _check_participants(project, service_item, participants)
    errors += _check_attachments(attachments)
    if errors:
        raise ValidationError(errors)

    service = ServiceRecord.objects.create(
        project=project,
        service_item=service_item,
        form=form,
        on=on,
        starts_at=starts_at,
        ends_at=ends_at,
        street=street,
        place=place,
        content=content,
        programme=programme,
        session_no=session_no,
        assessment=assessment,
        created_by=acting_user,
        updated_by=acting_user,
    )
    ServiceWorker.objects.bulk_create(
        ServiceWorker(
            record=service,
            user=w.user,
            direct_hours=w.direct_hours,
            indirect_hours=w.indirect_hours,
        )
        for w in workers
    )
    Participant.objects.bulk_create(
        Participant(
            record=service,
            kind=p.kind,
            case=p.case if p.kind == Participant.Kind.CLIENT else None,
            family_member=p.family_member,
            name=p.name or (p.family_member.name if p.family_member else ""),
            organisation=p.organisation,
            attended=p.attended,
        )
        for p in participants
    )
    for kind, upload in attachments:
        Attachment.objects.create(record=service, kind=kind, file=upload, uploaded_by=acting_user)
    audit(
        actor=acting_user,
        kind=AuditEvent.Kind.CHANGE,
        action="service.record",
        obj=service,
        organisation_id=project.organisation_id,
        request=request,
        detail={
            "item": service_item,
            "form": form,
            "cases": [p.case.pk for p in participants if p.case is not None],
        },
    )
    return service


@transaction.atomic
def service_record_void(
    *, record: ServiceRecord, reason: str, acting_user: User, request: HttpRequest | None = None
) -> ServiceRecord:
    """Void a mistaken record with a reason: it stays, and no count includes it any more."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Give the reason for voiding the record."))
    if record.voided:
        raise ValidationError(_("The record is already voided."))
    record.voided = True
    record.void_reason = reason[:200]
    record.updated_by = acting_user
    record.save(update_fields=["voided", "void_reason", "updated_by", "updated_at"])
    audit(
        actor=acting_user,
        kind=AuditEvent.Kind.CHANGE,
        action="service.void",
        obj=record,
        organisation_id=record.project.organisation_id,
        request=request,
        reason=reason,
    )
    return record


@transaction.atomic
def service_record_attach(
    *,
    record: ServiceRecord,
    kind: str,
    upload: UploadedFile,
    acting_user: User,
    request: HttpRequest | None = None,
) -> Attachment:
    """Add a sign-in sheet, photo or other file to a record after the session (type and size
    checked like at recording); a voided record takes no more attachments."""
    errors = [_("The record is voided.")] if record.voided else []
    errors += _check_attachments([(kind, upload)])
    if errors:
        raise ValidationError(errors)
    attachment = Attachment.objects.create(
        record=record, kind=kind, file=upload, uploaded_by=acting_user
    )
    audit(
        actor=acting_user,
        kind=AuditEvent.Kind.CHANGE,
        action="service.attach",
        obj=record,
        organisation_id=record.project.organisation_id,
        request=request,
        detail={"attachment": attachment.pk, "kind": kind},
    )
    return attachment


def service_record_copy_setup(record: ServiceRecord) -> dict[str, Any]:
    """Initial values for the next session of the same setup (R5 fast entry): same item, form,
    place, workers and participants; date and time are left to the page."""
    return {
        "service_item": record.service_item,
        "form": record.form,
        "street": record.street_id,
        "place": record.place,
        "programme": record.programme_id,
        "session_no": (record.session_no + 1) if record.session_no else None,
        "workers": [
            {
                "user": w.user_id,
                "direct_hours": w.direct_hours,
                "indirect_hours": w.indirect_hours,
            }
            for w in record.workers.all()
        ],
        "participants": [
            {
                "kind": p.kind,
                "case": p.case_id,
                "family_member": p.family_member_id,
                "name": p.name,
                "organisation": p.organisation,
            }
            for p in record.participants.all()
        ],
    }
