"""Group programmes (R5.4) in the JSON API: a project's programmes, one programme with its members
and sessions, creating one, member changes, closing, and recording the next session.

Scoped and audited exactly like the pages (``group_views``): a project through
``get_project_for_records``, a programme through ``groups.get_programme_for_user`` (an audited
read), cases by id among those the caller may write. Every rule lives in the actions of
``anxin.delivery.groups``; their refusals are answered 422 with ``{"errors": [...]}``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Router, Schema, Status
from pydantic import Field

from anxin.accounts.api import api_user
from anxin.accounts.models import Project, User
from anxin.cases.access import cases_visible_to
from anxin.cases.models import Case
from anxin.clients.api import MAX_PK, DetailOut, ErrorsOut, Long, Name
from anxin.clients.models import FamilyMember
from anxin.contracts.catalogue import service_items
from anxin.core.models import Division
from anxin.delivery import groups
from anxin.delivery.access import get_project_for_records, get_record_for_user
from anxin.delivery.actions import WorkerHours
from anxin.delivery.api import (
    Code,
    Code40,
    Id,
    LocalTime,
    Org,
    RecordOut,
    Text,
    WorkerIn,
    record_out,
)
from anxin.delivery.models import Form, GroupProgramme

router = Router(tags=["group programmes"])
ProgrammeId = Annotated[int, Path(ge=1, le=MAX_PK)]
CaseId = Annotated[int, Path(ge=1, le=MAX_PK)]
Theme = Org  # up to 128 characters, no NUL: the model's theme
MAX_MEMBERS = 500
MAX_GUESTS = 50


class ProgrammeListItemOut(Schema):
    id: int
    project: str
    service_item: str
    item_name: str
    form: str
    theme: str
    fixed_members: bool
    starts_on: dt.date
    closed: bool
    members: int
    sessions_recorded: int = Field(description="sessions held, voided ones left out")
    sessions_planned: int
    attendance_rate: int | None = Field(description="attended client rows of the sessions, %")


class BoundsOut(Schema):
    min: int
    max: int


class MemberOut(Schema):
    case_id: int
    client_id: int
    client_name: str
    case_status: str


class SessionOut(Schema):
    record_id: int
    session_no: int | None
    on: dt.date
    starts_at: LocalTime
    ends_at: LocalTime
    attending_clients: int
    attending_participants: int
    counted: bool
    not_counted_reason: str | None
    voided: bool


class ProgrammeOut(Schema):
    id: int
    project: str
    service_item: str
    item_name: str
    form: str
    theme: str
    fixed_members: bool
    family_bounds: BoundsOut | None = Field(description="fixed families allowed (CC: 3 to 5)")
    planned_sessions: int
    starts_on: dt.date
    closed: bool
    next_session_no: int
    members: list[MemberOut]
    sessions: list[SessionOut]


class ProgrammeSessionOut(RecordOut):
    programme_id: int
    session_no: int


class ProgrammeIn(Schema):
    service_item: Code40
    form: Code40 = Field(Form.GROUP, description="group or activity")
    theme: Theme
    fixed_members: bool = False
    planned_sessions: int = Field(ge=1, le=groups.MAX_PLANNED_SESSIONS)
    starts_on: dt.date
    members: list[Id] = Field([], max_length=MAX_MEMBERS, description="case ids")


class MemberIn(Schema):
    case_id: Id


class SessionIn(Schema):
    on: dt.date
    starts_at: dt.time
    ends_at: dt.time
    street: Code40 = Field("", description="code of a street of the project's district")
    place: Text = ""
    content: Long = ""
    attended: list[Id] = Field(
        [], max_length=MAX_MEMBERS, description="case ids of the members who came"
    )
    family_members: list[Id] = Field(
        [], max_length=MAX_MEMBERS, description="guardians and family members of members who came"
    )
    guests: list[Name] = Field([], max_length=MAX_GUESTS, description="other people, by name")
    workers: list[WorkerIn] = Field(max_length=50)


def _item_names(project: Project) -> dict[str, str]:
    return {i["code"]: i["name"] for i in service_items(project)}


def _writable_cases(user: User, ids: set[int]) -> dict[int, Case]:
    """The cases among ``ids`` that ``user`` may write, with their clients and projects."""
    return {
        c.pk: c
        for c in cases_visible_to(user, write=True)
        .filter(pk__in=ids)
        .select_related("client", "project")
    }


def _unknown_cases(ids: set[int], found: dict[int, Case]) -> list[str]:
    return [_("No case %(id)s.") % {"id": pk} for pk in sorted(ids - set(found))]


def programme_out(programme: GroupProgramme) -> ProgrammeOut:
    """A programme with its members and sessions: only built from one the door gave."""
    bounds = groups.family_bounds(programme.project, programme.service_item)
    return ProgrammeOut(
        id=programme.pk,
        project=programme.project.code,
        service_item=programme.service_item,
        item_name=_item_names(programme.project).get(
            programme.service_item, programme.service_item
        ),
        form=programme.form,
        theme=programme.theme,
        fixed_members=programme.fixed_members,
        family_bounds=BoundsOut(min=bounds[0], max=bounds[1]) if bounds else None,
        planned_sessions=programme.planned_sessions,
        starts_on=programme.starts_on,
        closed=programme.closed,
        next_session_no=groups.next_session_no(programme),
        members=[
            MemberOut(
                case_id=m.pk, client_id=m.client_id, client_name=m.client.name, case_status=m.status
            )
            for m in groups.programme_members(programme)
        ],
        sessions=[
            SessionOut(
                record_id=r.pk,
                session_no=r.session_no,
                on=r.on,
                starts_at=r.starts_at,
                ends_at=r.ends_at,
                attending_clients=getattr(r, "attending_clients", 0),
                attending_participants=getattr(r, "attending_participants", 0),
                counted=counted,
                not_counted_reason=reason,
                voided=r.voided,
            )
            for r, counted, reason in groups.programme_sessions(programme)
        ],
    )


def _reread(request: HttpRequest, programme_id: int) -> ProgrammeOut:
    user = api_user(request)
    return programme_out(groups.get_programme_for_user(user, programme_id, request=request))


WRITE = {200: ProgrammeOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut}


@router.get(
    "/projects/{code}/programmes",
    response={200: list[ProgrammeListItemOut], 404: DetailOut},
    summary="A project's group programmes with members and sessions held of planned",
)
def programme_list(request: HttpRequest, code: Code) -> list[ProgrammeListItemOut]:
    project = get_project_for_records(api_user(request), code, request=request)
    names = _item_names(project)
    return [
        ProgrammeListItemOut(
            id=p.pk,
            project=project.code,
            service_item=p.service_item,
            item_name=names.get(p.service_item, p.service_item),
            form=p.form,
            theme=p.theme,
            fixed_members=p.fixed_members,
            starts_on=p.starts_on,
            closed=p.closed,
            members=p.member_count,  # type: ignore[attr-defined]
            sessions_recorded=p.held,  # type: ignore[attr-defined]
            sessions_planned=p.planned_sessions,
            attendance_rate=groups.attendance_rate(p),
        )
        for p in groups.programmes_with_counts(project)
    ]


@router.get(
    "/programmes/{programme_id}",
    response={200: ProgrammeOut, 404: DetailOut},
    summary="A group programme with its members and sessions (an audited read)",
)
def programme_read(request: HttpRequest, programme_id: ProgrammeId) -> ProgrammeOut:
    return _reread(request, programme_id)


@router.post(
    "/projects/{code}/programmes",
    response={201: ProgrammeOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut},
    summary="Create a group programme (members by case id)",
)
def programme_create(
    request: HttpRequest, code: Code, payload: ProgrammeIn
) -> Status[ProgrammeOut]:
    user = api_user(request)
    project = get_project_for_records(user, code, write=True, request=request)
    ids = set(payload.members)
    cases = _writable_cases(user, ids)
    errors = _unknown_cases(ids, cases)
    if errors:
        raise ValidationError(errors)
    programme = groups.programme_create(
        project=project,
        service_item=payload.service_item,
        form=payload.form,
        theme=payload.theme,
        fixed_members=payload.fixed_members,
        planned_sessions=payload.planned_sessions,
        starts_on=payload.starts_on,
        members=[cases[pk] for pk in payload.members],
        acting_user=user,
        request=request,
    )
    return Status(201, _reread(request, programme.pk))


@router.post(
    "/programmes/{programme_id}/members",
    response=WRITE,
    summary="Add a member (a case of the project whose class and plan allow the item)",
)
def programme_member_add(
    request: HttpRequest, programme_id: ProgrammeId, payload: MemberIn
) -> ProgrammeOut:
    user = api_user(request)
    programme = groups.get_programme_for_user(user, programme_id, write=True, request=request)
    cases = _writable_cases(user, {payload.case_id})
    errors = _unknown_cases({payload.case_id}, cases)
    if errors:
        raise ValidationError(errors)
    groups.programme_member_add(
        programme=programme, case=cases[payload.case_id], acting_user=user, request=request
    )
    return _reread(request, programme.pk)


@router.delete(
    "/programmes/{programme_id}/members/{case_id}",
    response=WRITE,
    summary="Take a member off the list (their sessions stay in their archive)",
)
def programme_member_remove(
    request: HttpRequest, programme_id: ProgrammeId, case_id: CaseId
) -> ProgrammeOut:
    user = api_user(request)
    programme = groups.get_programme_for_user(user, programme_id, write=True, request=request)
    case = programme.members.select_related("client", "project").filter(pk=case_id).first()
    if case is None:
        raise Http404
    groups.programme_member_remove(
        programme=programme, case=case, acting_user=user, request=request
    )
    return _reread(request, programme.pk)


@router.post(
    "/programmes/{programme_id}/close",
    response=WRITE,
    summary="Close a programme: no more sessions or member changes",
)
def programme_close(request: HttpRequest, programme_id: ProgrammeId) -> ProgrammeOut:
    user = api_user(request)
    programme = groups.get_programme_for_user(user, programme_id, write=True, request=request)
    groups.programme_close(programme=programme, acting_user=user, request=request)
    return _reread(request, programme.pk)


def _street(programme: GroupProgramme, code: str) -> Division | None:
    if not code:
        return None
    street = Division.objects.filter(
        code=code, level=Division.Level.STREET, parent_id=programme.project.district_id
    ).first()
    if street is None:
        raise ValidationError(_("No street %(code)s in the project's district.") % {"code": code})
    return street


@router.post(
    "/programmes/{programme_id}/sessions",
    response={201: ProgrammeSessionOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut},
    summary="Record the next session: attendance of the members, family members, guests, hours",
)
def programme_session(
    request: HttpRequest, programme_id: ProgrammeId, payload: SessionIn
) -> Status[ProgrammeSessionOut]:
    user = api_user(request)
    programme = groups.get_programme_for_user(user, programme_id, write=True, request=request)
    street = _street(programme, payload.street)
    family_ids = set(payload.family_members)
    family = {
        f.pk: f
        for f in FamilyMember.objects.filter(
            pk__in=family_ids,
            active=True,
            client__cases__in=cases_visible_to(user, write=True),
        ).distinct()
    }
    users = {u.pk: u for u in User.objects.filter(pk__in=[w.user_id for w in payload.workers])}
    errors = [_("No family member %(id)s.") % {"id": pk} for pk in sorted(family_ids - set(family))]
    errors += [
        _("No user %(id)s.") % {"id": w.user_id} for w in payload.workers if w.user_id not in users
    ]
    if errors:
        raise ValidationError(errors)
    record = groups.programme_session_record(
        programme=programme,
        on=payload.on,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        street=street,
        place=payload.place,
        content=payload.content,
        attended=set(payload.attended),
        family=[family[pk] for pk in sorted(family_ids)],
        guests=payload.guests,
        workers=[
            WorkerHours(users[w.user_id], w.direct_hours, w.indirect_hours) for w in payload.workers
        ],
        acting_user=user,
        request=request,
    )
    body = record_out(get_record_for_user(user, record.pk, request=request))
    assert record.session_no is not None
    return Status(
        201,
        ProgrammeSessionOut(
            **body.model_dump(), programme_id=programme.pk, session_no=record.session_no
        ),
    )
