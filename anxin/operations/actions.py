"""State changes of a project's staff development and publicity (R7.5, R7.6): record a training
with its attendees' hours, a supervision with a record per worker, a meeting with its attendees,
an article, its acceptance by the purchaser, and upload a project document.

Every refusal is collected and raised as one ``ValidationError`` in the user's language, and
nothing is written. The people recorded must be active members of the project's team.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.access import ARCHIVE_READ_ROLES, ARCHIVE_WRITE_ROLES
from anxin.accounts.models import Membership, Project, User
from anxin.audit.actions import record as audit
from anxin.audit.models import AuditEvent
from anxin.core.uploads import check_upload
from anxin.operations.models import (
    Article,
    Meeting,
    ProjectDocument,
    StaffTraining,
    Supervision,
    SupervisionRecord,
    TrainingAttendance,
)

# Who may be recorded: trainings and meetings take the whole team (supervisors and consultants
# too, not purchaser viewers); a supervision record is about someone who does the project's work.
TEAM_ROLES = ARCHIVE_READ_ROLES
SUPERVISED_ROLES = ARCHIVE_WRITE_ROLES
MAX_SESSION_HOURS = Decimal("24")
UPLOAD_KINDS = ("pdf", "image", "docx")


class Attendee(NamedTuple):
    user: User
    hours: Decimal


class WorkerRecord(NamedTuple):
    worker: User
    content: str


def _check_date(on: dt.date | None) -> list[str]:
    if on is None:
        return [_("Give the date.")]
    if on > timezone.localdate():
        return [_("The date cannot be in the future.")]
    return []


def _check_required(value: str, message: str) -> list[str]:
    return [] if value.strip() else [message]


def _hours_ok(hours: Decimal | None) -> bool:
    return hours is not None and Decimal("0") < hours <= MAX_SESSION_HOURS


def _check_people(project: Project, users: Sequence[User], roles: frozenset[str]) -> list[str]:
    """Each person once, each an active member of the project in one of ``roles``."""
    members = set(
        Membership.objects.filter(
            project=project, user_id__in=[u.pk for u in users], active=True, role__in=roles
        ).values_list("user_id", flat=True)
    )
    errors: list[str] = []
    seen: set[int] = set()
    for user in users:
        name = user.display_name
        if user.pk in seen:
            errors.append(_("%(name)s is listed twice.") % {"name": name})
            continue
        seen.add(user.pk)
        if user.pk not in members:
            errors.append(
                _("%(name)s is not an active member of this project's team.") % {"name": name}
            )
    return errors


def _stamp(acting_user: User) -> dict[str, User]:
    return {"created_by": acting_user, "updated_by": acting_user}


@transaction.atomic
def staff_training_create(
    *,
    project: Project,
    on: dt.date,
    title: str,
    provider: str,
    notes: str = "",
    attendees: Sequence[Attendee],
    acting_user: User,
    request: HttpRequest | None = None,
) -> StaffTraining:
    """A training session and each attendee's hours (more than 0, at most 24)."""
    errors = _check_date(on)
    errors += _check_required(title, _("Give the title."))
    errors += _check_required(provider, _("Say who gave the training."))
    if not attendees:
        errors.append(_("A training needs at least one attendee."))
    errors += _check_people(project, [a.user for a in attendees], TEAM_ROLES)
    errors += [
        _("%(name)s: the hours must be more than 0 and at most 24.") % {"name": a.user.display_name}
        for a in attendees
        if not _hours_ok(a.hours)
    ]
    if errors:
        raise ValidationError(errors)
    training = StaffTraining.objects.create(
        project=project,
        on=on,
        title=title.strip(),
        provider=provider.strip(),
        notes=notes.strip(),
        **_stamp(acting_user),
    )
    TrainingAttendance.objects.bulk_create(
        TrainingAttendance(training=training, user=a.user, hours=a.hours, **_stamp(acting_user))
        for a in attendees
    )
    audit(
        actor=acting_user,
        kind=AuditEvent.Kind.CHANGE,
        action="training.record",
        obj=training,
        organisation_id=project.organisation_id,
        request=request,
        detail={
            "attendees": [a.user.pk for a in attendees],
            "hours": str(sum((a.hours for a in attendees), Decimal("0"))),
        },
    )
    return training


@transaction.atomic
def supervision_create(
    *,
    project: Project,
    on: dt.date,
    supervisor_name: str,
    mode: str,
    hours: Decimal,
    records: Sequence[WorkerRecord],
    acting_user: User,
    request: HttpRequest | None = None,
) -> Supervision:
    """A supervision session with one record per worker supervised (exactly one if individual)."""
    errors = _check_date(on)
    errors += _check_required(supervisor_name, _("Give the supervisor's name."))
    if mode not in Supervision.Mode.values:
        errors.append(_("Unknown mode of supervision: %(mode)s.") % {"mode": mode})
    if not _hours_ok(hours):
        errors.append(_("The hours of the session must be more than 0 and at most 24."))
    if not records:
        errors.append(_("A supervision needs at least one worker's record."))
    elif mode == Supervision.Mode.INDIVIDUAL and len(records) > 1:
        errors.append(_("An individual supervision has a record of one worker only."))
    errors += _check_people(project, [r.worker for r in records], SUPERVISED_ROLES)
    errors += [
        _("%(name)s: the record is empty.") % {"name": r.worker.display_name}
        for r in records
        if not r.content.strip()
    ]
    if errors:
        raise ValidationError(errors)
    supervision = Supervision.objects.create(
        project=project,
        on=on,
        supervisor_name=supervisor_name.strip(),
        mode=mode,
        hours=hours,
        **_stamp(acting_user),
    )
    SupervisionRecord.objects.bulk_create(
        SupervisionRecord(
            supervision=supervision,
            worker=r.worker,
            content=r.content.strip(),
            **_stamp(acting_user),
        )
        for r in records
    )
    audit(
        actor=acting_user,
        kind=AuditEvent.Kind.CHANGE,
        action="supervision.record",
        obj=supervision,
        organisation_id=project.organisation_id,
        request=request,
        detail={"mode": mode, "workers": [r.worker.pk for r in records]},
    )
    return supervision


@transaction.atomic
def meeting_create(
    *,
    project: Project,
    on: dt.date,
    kind: str = Meeting.Kind.ADMIN,
    title: str,
    minutes: str = "",
    attendees: Sequence[User],
    acting_user: User,
    request: HttpRequest | None = None,
) -> Meeting:
    errors = _check_date(on)
    if kind not in Meeting.Kind.values:
        errors.append(_("Unknown kind of meeting: %(kind)s.") % {"kind": kind})
    errors += _check_required(title, _("Give the title."))
    if not attendees:
        errors.append(_("A meeting needs at least one attendee."))
    errors += _check_people(project, attendees, TEAM_ROLES)
    if errors:
        raise ValidationError(errors)
    meeting = Meeting.objects.create(
        project=project,
        on=on,
        kind=kind,
        title=title.strip(),
        minutes=minutes.strip(),
        **_stamp(acting_user),
    )
    meeting.attendees.set(attendees)
    audit(
        actor=acting_user,
        kind=AuditEvent.Kind.CHANGE,
        action="meeting.record",
        obj=meeting,
        organisation_id=project.organisation_id,
        request=request,
        detail={"kind": kind, "attendees": [u.pk for u in attendees]},
    )
    return meeting


def _check_url(url: str) -> list[str]:
    if not url:
        return []
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        return [_("The link is not a web address (http:// or https://).")]
    return []


@transaction.atomic
def article_create(
    *,
    project: Project,
    title: str,
    outlet: str,
    level: str,
    published_on: dt.date,
    url: str = "",
    acting_user: User,
    request: HttpRequest | None = None,
) -> Article:
    """An article about the project; the purchaser's acceptance is marked later by a lead."""
    url = url.strip()
    errors = _check_required(title, _("Give the title."))
    errors += _check_required(outlet, _("Give the outlet that published it."))
    if level not in Article.Level.values:
        errors.append(_("Unknown level of outlet: %(level)s.") % {"level": level})
    errors += _check_date(published_on)
    errors += _check_url(url)
    if errors:
        raise ValidationError(errors)
    article = Article.objects.create(
        project=project,
        title=title.strip(),
        outlet=outlet.strip(),
        level=level,
        published_on=published_on,
        url=url,
        **_stamp(acting_user),
    )
    audit(
        actor=acting_user,
        kind=AuditEvent.Kind.CHANGE,
        action="article.record",
        obj=article,
        organisation_id=project.organisation_id,
        request=request,
        detail={"level": level},
    )
    return article


@transaction.atomic
def article_accept(
    *,
    article: Article,
    accepted_on: dt.date,
    acting_user: User,
    request: HttpRequest | None = None,
) -> Article:
    """Mark an article as accepted by the purchaser on a date (not before it was published)."""
    errors: list[str] = []
    if article.accepted_by_purchaser:
        errors.append(_("The article is already marked as accepted."))
    errors += _check_date(accepted_on)
    if accepted_on is not None and accepted_on < article.published_on:
        errors.append(_("An article cannot be accepted before it was published."))
    if errors:
        raise ValidationError(errors)
    article.accepted_by_purchaser = True
    article.accepted_on = accepted_on
    article.updated_by = acting_user
    article.save(update_fields=["accepted_by_purchaser", "accepted_on", "updated_by", "updated_at"])
    audit(
        actor=acting_user,
        kind=AuditEvent.Kind.CHANGE,
        action="article.accept",
        obj=article,
        organisation_id=article.project.organisation_id,
        request=request,
        detail={"accepted_on": accepted_on.isoformat()},
    )
    return article


def _check_document(upload: UploadedFile | None) -> list[str]:
    if upload is None:
        return [_("Choose the file.")]
    try:
        check_upload(upload, kinds=UPLOAD_KINDS)
    except ValidationError as exc:
        return list(exc.messages)
    return []


@transaction.atomic
def project_document_upload(
    *,
    project: Project,
    kind: str,
    title: str,
    on: dt.date,
    upload: UploadedFile | None,
    acting_user: User,
    request: HttpRequest | None = None,
) -> ProjectDocument:
    """Keep a document of the project (PDF, Word .docx, PNG or JPEG; type read from content)."""
    errors: list[str] = []
    if kind not in ProjectDocument.Kind.values:
        errors.append(_("Unknown kind of document: %(kind)s.") % {"kind": kind})
    errors += _check_required(title, _("Give the title."))
    errors += _check_date(on)
    errors += _check_document(upload)
    if errors:
        raise ValidationError(errors)
    document = ProjectDocument.objects.create(
        project=project,
        kind=kind,
        title=title.strip(),
        on=on,
        file=upload,
        uploaded_by=acting_user,
        **_stamp(acting_user),
    )
    audit(
        actor=acting_user,
        kind=AuditEvent.Kind.CHANGE,
        action="document.upload",
        obj=document,
        organisation_id=project.organisation_id,
        request=request,
        detail={"kind": kind, "size": upload.size if upload else 0},
    )
    return document
