"""Group programmes (R5.4): a series of group sessions with a theme, planned sessions and, where
the tender says so, fixed members (CC multi-family groups: 3–5 families in the stable-medication
phase). Each session is one service record made by the core action, numbered in its programme.

Actions check their rules, say why they refuse in the user's language, change nothing when they
refuse and write their audit event in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from anxin.accounts.access import (
    ARCHIVE_READ_ROLES,
    ARCHIVE_WRITE_ROLES,
    deny,
    project_ids_for_user,
)
from anxin.accounts.models import Project, User
from anxin.audit.actions import record
from anxin.audit.models import AuditEvent
from anxin.cases.actions import case_can_receive_services
from anxin.cases.classification import service_refusal
from anxin.cases.models import Case
from anxin.clients.models import FamilyMember
from anxin.contracts.catalogue import service_item as catalogue_item
from anxin.core.ids import as_pk
from anxin.core.models import Division
from anxin.delivery.actions import ParticipantInput, WorkerHours, service_record_create
from anxin.delivery.models import Form, GroupProgramme, Participant, ServiceRecord
from anxin.delivery.selectors import threshold_status, with_counts

CHANGE = AuditEvent.Kind.CHANGE
# The forms a programme of sessions can take.
PROGRAMME_FORMS = (Form.GROUP, Form.ACTIVITY)
MAX_PLANNED_SESSIONS = 200


# Access: the one door to programmes ------------------------------------------------------------


def programmes_visible_to(user: User, *, write: bool = False) -> QuerySet[GroupProgramme]:
    if not user.is_authenticated:
        return GroupProgramme.objects.none()
    roles = ARCHIVE_WRITE_ROLES if write else ARCHIVE_READ_ROLES
    return GroupProgramme.objects.filter(project_id__in=project_ids_for_user(user, roles))


def get_programme_for_user(
    user: User, programme_id: Any, *, write: bool = False, request: HttpRequest | None = None
) -> GroupProgramme:
    """The programme if ``user`` may read it (or record in it, with ``write``); 404 / 403.

    Its page names the clients who take part, so a read is an audit event; so is a refusal.
    """
    pk = as_pk(programme_id)
    programme = (
        programmes_visible_to(user)
        .select_related("project", "project__organisation")
        .filter(pk=pk)
        .first()
    )
    if programme is None:
        deny(
            user,
            action="programme.read",
            object_type="delivery.groupprogramme",
            object_id=programme_id,
            request=request,
        )
    assert programme is not None
    if write and not programmes_visible_to(user, write=True).filter(pk=pk).exists():
        deny(
            user,
            action="programme.write",
            object_type="delivery.groupprogramme",
            object_id=pk,
            request=request,
            not_found=False,
            project_id=programme.project_id,
        )
    if not write:
        record(
            actor=user,
            kind=AuditEvent.Kind.READ,
            action="programme.read",
            obj=programme,
            organisation_id=programme.project.organisation_id,
            request=request,
        )
    return programme


# Rules ------------------------------------------------------------------------


def family_bounds(project: Project, code: str) -> tuple[int, int] | None:
    """(min, max) families of a fixed-member item (CC multi-family groups: 3–5), or None."""
    item = catalogue_item(project, code)
    bounds = (item or {}).get("fixed_families")
    if not bounds:
        return None
    return int(bounds["min"]), int(bounds["max"])


def member_refusal(project: Project, code: str, case: Case, *, families: bool = False) -> str:
    """Why ``case`` may not be a member of a programme of item ``code`` in ``project``, or ""."""
    name = case.client.name
    if case.project_id != project.pk:
        return _("%(name)s is not a client of this project.") % {"name": name}
    refusal = case_can_receive_services(case) or service_refusal(case, code)
    if refusal:
        return f"{name}: {refusal}"
    if families and not case.client.condition_stable:
        return _(
            "%(name)s: multi-family groups are for families in the stable-medication phase; "
            "the client's condition is not marked stable."
        ) % {"name": name}
    return ""


def _families(cases: Iterable[Case]) -> int:
    return len({case.client_id for case in cases})


def _bounds_problem(project: Project, code: str, count: int) -> str:
    bounds = family_bounds(project, code)
    if bounds is None or bounds[0] <= count <= bounds[1]:
        return ""
    return _(
        "A multi-family group has %(min)s to %(max)s fixed families in the stable-medication "
        "phase (CC §3); this one would have %(count)s."
    ) % {"min": bounds[0], "max": bounds[1], "count": count}


def _refuse(problems: list[str]) -> None:
    problems = [p for p in problems if p]
    if problems:
        raise ValidationError(problems)


def _open(programme: GroupProgramme) -> str:
    return _("The programme is closed.") if programme.closed else ""


def _audit(
    programme: GroupProgramme,
    action: str,
    acting_user: User,
    request: HttpRequest | None,
    detail: dict[str, Any] | None = None,
) -> None:
    record(
        actor=acting_user,
        kind=CHANGE,
        action=action,
        obj=programme,
        organisation_id=programme.project.organisation_id,
        request=request,
        detail=detail,
    )


# Actions ------------------------------------------------------------------------


@transaction.atomic
def programme_create(
    *,
    project: Project,
    service_item: str,
    form: str = Form.GROUP,
    theme: str,
    fixed_members: bool = False,
    planned_sessions: int,
    starts_on: dt.date,
    members: list[Case],
    acting_user: User,
    request: HttpRequest | None = None,
) -> GroupProgramme:
    """A new programme. A fixed-family item (CC multi-family group) needs fixed members, and
    their number of families (distinct clients) within the template's bounds."""
    problems: list[str] = []
    item = catalogue_item(project, service_item)
    if item is None:
        problems.append(
            _("%(code)s is not in this project's service catalogue.") % {"code": service_item}
        )
    if form not in PROGRAMME_FORMS:
        problems.append(_("A programme's sessions are groups or activities."))
    if not theme.strip():
        problems.append(_("Give the programme a theme."))
    if not 1 <= planned_sessions <= MAX_PLANNED_SESSIONS:
        problems.append(_("Plan between 1 and %(max)s sessions.") % {"max": MAX_PLANNED_SESSIONS})
    unique = list({case.pk: case for case in members}.values())
    bounds = family_bounds(project, service_item) if item else None
    if bounds is not None and not fixed_members:
        problems.append(_("A multi-family group has fixed members (CC §3)."))
    if item is not None:
        problems += [
            member_refusal(project, service_item, case, families=bounds is not None)
            for case in unique
        ]
        problems.append(_bounds_problem(project, service_item, _families(unique)))
    _refuse(problems)
    programme = GroupProgramme.objects.create(
        project=project,
        service_item=service_item,
        form=form,
        theme=theme.strip(),
        fixed_members=fixed_members,
        planned_sessions=planned_sessions,
        starts_on=starts_on,
        created_by=acting_user,
        updated_by=acting_user,
    )
    programme.members.set(unique)
    _audit(
        programme,
        "programme.create",
        acting_user,
        request,
        {"members": sorted(case.pk for case in unique)},
    )
    return programme


def _locked(programme: GroupProgramme) -> GroupProgramme:
    """The programme's row, locked for the rest of the transaction (one change at a time)."""
    return GroupProgramme.objects.select_for_update().select_related("project").get(pk=programme.pk)


@transaction.atomic
def programme_member_add(
    *,
    programme: GroupProgramme,
    case: Case,
    acting_user: User,
    request: HttpRequest | None = None,
) -> GroupProgramme:
    programme = _locked(programme)
    members = list(programme.members.all())
    if any(member.pk == case.pk for member in members):
        raise ValidationError(_("%(name)s is already a member.") % {"name": case.client.name})
    bounds = family_bounds(programme.project, programme.service_item)
    problems = [
        _open(programme),
        member_refusal(
            programme.project, programme.service_item, case, families=bounds is not None
        ),
    ]
    if programme.fixed_members:
        problems.append(
            _bounds_problem(programme.project, programme.service_item, _families([*members, case]))
        )
    _refuse(problems)
    programme.members.add(case)
    programme.updated_by = acting_user
    programme.save(update_fields=["updated_by", "updated_at"])
    _audit(programme, "programme.member_add", acting_user, request, {"case": case.pk})
    return programme


@transaction.atomic
def programme_member_remove(
    *,
    programme: GroupProgramme,
    case: Case,
    acting_user: User,
    request: HttpRequest | None = None,
) -> GroupProgramme:
    """Take a member off the list; their sessions so far stay in their archive."""
    programme = _locked(programme)
    members = list(programme.members.all())
    if not any(member.pk == case.pk for member in members):
        raise ValidationError(_("%(name)s is not a member.") % {"name": case.client.name})
    problems = [_open(programme)]
    if programme.fixed_members:
        rest = [member for member in members if member.pk != case.pk]
        problems.append(_bounds_problem(programme.project, programme.service_item, _families(rest)))
    _refuse(problems)
    programme.members.remove(case)
    programme.updated_by = acting_user
    programme.save(update_fields=["updated_by", "updated_at"])
    _audit(programme, "programme.member_remove", acting_user, request, {"case": case.pk})
    return programme


@transaction.atomic
def programme_close(
    *, programme: GroupProgramme, acting_user: User, request: HttpRequest | None = None
) -> GroupProgramme:
    """No more sessions or member changes; what was recorded stays."""
    programme = _locked(programme)
    _refuse([_open(programme)])
    programme.closed = True
    programme.updated_by = acting_user
    programme.save(update_fields=["closed", "updated_by", "updated_at"])
    _audit(programme, "programme.close", acting_user, request)
    return programme


def next_session_no(programme: GroupProgramme) -> int:
    """Numbers are never reused: a voided session keeps its number."""
    last = programme.sessions.aggregate(last=Max("session_no"))["last"]
    return (last or 0) + 1


def programme_members(programme: GroupProgramme) -> list[Case]:
    """The members, by name, with their clients (one query)."""
    return list(
        programme.members.select_related("client").order_by("client__name_pinyin", "client_id")
    )


def programmes_with_counts(project: Project) -> QuerySet[GroupProgramme]:
    """The project's programmes annotated with ``held`` (sessions not voided), ``member_count``,
    ``client_rows`` (client rows of the sessions held) and ``attended_rows``: one query."""
    held = Q(sessions__voided=False)
    client_rows = held & Q(sessions__participants__kind=Participant.Kind.CLIENT)
    return GroupProgramme.objects.filter(project=project).annotate(
        held=Count("sessions", filter=held, distinct=True),
        member_count=Count("members", distinct=True),
        client_rows=Count("sessions__participants", filter=client_rows, distinct=True),
        attended_rows=Count(
            "sessions__participants",
            filter=client_rows & Q(sessions__participants__attended=True),
            distinct=True,
        ),
    )


def attendance_rate(programme: GroupProgramme) -> int | None:
    """Attended client rows of the sessions held, in percent (``programmes_with_counts`` rows)."""
    rows: int = getattr(programme, "client_rows", 0)
    attended: int = getattr(programme, "attended_rows", 0)
    return round(100 * attended / rows) if rows else None


def programme_sessions(
    programme: GroupProgramme,
) -> list[tuple[ServiceRecord, bool, str | None]]:
    """The sessions in order, voided ones too, each with whether it counts as its form and why
    not (one query)."""
    records = with_counts(programme.sessions.select_related("project")).order_by("session_no", "id")
    return [(r, *threshold_status(r)) for r in records]


def previous_session(programme: GroupProgramme) -> ServiceRecord | None:
    """The last session that was not voided: the next one copies its setup."""
    return (
        programme.sessions.filter(voided=False)
        .select_related("project")
        .order_by("-session_no", "-id")
        .first()
    )


@transaction.atomic
def programme_session_record(
    *,
    programme: GroupProgramme,
    on: dt.date,
    starts_at: dt.time,
    ends_at: dt.time,
    street: Division | None = None,
    place: str = "",
    content: str = "",
    attended: Collection[int],
    family: Sequence[FamilyMember] = (),
    guests: Sequence[str] = (),
    workers: Sequence[WorkerHours],
    acting_user: User,
    request: HttpRequest | None = None,
) -> ServiceRecord:
    """Record the next session: every member with an open case is a participant, attending if
    ticked (``attended`` holds case ids); guardians and family members of members and guests by
    name attend too. The record is the core's service record, numbered in the programme, and
    appears in each attendee's archive."""
    programme = _locked(programme)
    members = [m for m in programme_members(programme) if m.status == Case.Status.OPEN]
    member_ids = {m.pk for m in members}
    problems = [_open(programme)]
    if set(attended) - member_ids:
        problems.append(_("Attendance can only be ticked for members with an open case."))
    member_clients = {m.client_id for m in members}
    problems += [
        _("%(name)s is not a family member of a member.") % {"name": fm.name}
        for fm in family
        if fm.client_id not in member_clients
    ]
    _refuse(problems)
    participants = [
        ParticipantInput(kind=Participant.Kind.CLIENT, case=m, attended=m.pk in attended)
        for m in members
    ]
    participants += [
        ParticipantInput(
            kind=Participant.Kind.GUARDIAN if fm.is_guardian else Participant.Kind.FAMILY,
            family_member=fm,
        )
        for fm in family
    ]
    participants += [
        ParticipantInput(kind=Participant.Kind.OTHER, name=name.strip())
        for name in guests
        if name.strip()
    ]
    return service_record_create(
        project=programme.project,
        service_item=programme.service_item,
        form=programme.form,
        on=on,
        starts_at=starts_at,
        ends_at=ends_at,
        street=street,
        place=place,
        content=content,
        workers=workers,
        participants=participants,
        programme=programme,
        session_no=next_session_no(programme),
        acting_user=acting_user,
        request=request,
    )
