"""Service records in the JSON API: list a project's records, read one, record one, void one,
attach a file to one and download it. Scoped and audited exactly like the pages."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Annotated

from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Path, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import AfterValidator, Field, StringConstraints, WithJsonSchema

from anxin.accounts.api import api_user
from anxin.accounts.models import User
from anxin.cases.access import cases_visible_to
from anxin.clients.api import MAX_PK, DetailOut, ErrorsOut, Long, Name, Short
from anxin.clients.models import FamilyMember
from anxin.delivery import actions
from anxin.delivery.access import (
    get_attachment_for_user,
    get_project_for_records,
    get_record_for_user,
)
from anxin.delivery.models import ServiceRecord
from anxin.delivery.selectors import (
    PAGE_SIZE,
    RecordFilters,
    project_records_qs,
    threshold_status,
)

router = Router(tags=["services"])
RecordId = Annotated[int, Path(ge=1, le=MAX_PK)]
Code = Annotated[str, Path(max_length=40, pattern=r"^[-A-Za-z0-9_]+$")]
Id = Annotated[int, Field(ge=1, le=MAX_PK)]
Code40 = Annotated[str, StringConstraints(max_length=40, pattern=r"^[-A-Za-z0-9_]*$")]


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("NUL characters are not allowed")
    return value


Text = Annotated[str, StringConstraints(max_length=200), AfterValidator(_no_nul)]
# A wall-clock time as answered ("09:30:00"): JSON Schema's format "time" would demand a UTC
# offset (RFC 3339), which a local time of day does not have.
LocalTime = Annotated[
    dt.time,
    WithJsonSchema({"type": "string", "pattern": r"^\d{2}:\d{2}:\d{2}$", "example": "09:30:00"}),
]
Org = Annotated[str, StringConstraints(max_length=128), AfterValidator(_no_nul)]
Hours = Annotated[Decimal, Field(ge=0, le=24, max_digits=5, decimal_places=2)]


class WorkerOut(Schema):
    user_id: int
    name: str
    direct_hours: Decimal
    indirect_hours: Decimal


class ParticipantOut(Schema):
    kind: str
    case_id: int | None
    family_member_id: int | None
    name: str
    organisation: str
    attended: bool


class RecordListItemOut(Schema):
    id: int
    project: str
    service_item: str
    form: str
    on: dt.date
    starts_at: LocalTime
    ends_at: LocalTime
    attending_clients: int
    attending_participants: int
    counted: bool
    not_counted_reason: str | None
    voided: bool
    workers: list[WorkerOut]


class AttachmentOut(Schema):
    id: int
    kind: str
    uploaded_at: dt.datetime
    download: str = Field(description="GET this path for the file (an audited export)")


class RecordOut(RecordListItemOut):
    place: str
    content: str
    void_reason: str
    participants: list[ParticipantOut]
    attachments: list[AttachmentOut]


class RecordPageOut(Schema):
    count: int
    page: int
    pages: int
    items: list[RecordListItemOut]


class RecordQueryIn(Schema):
    start: dt.date | None = None
    end: dt.date | None = None
    item: Code40 = ""
    form: Code40 = ""
    worker: Annotated[int, Field(ge=0, le=MAX_PK)] = 0
    include_voided: bool = False
    page: Annotated[int, Field(ge=1, le=1_000_000)] = 1


class WorkerIn(Schema):
    user_id: Id
    direct_hours: Hours
    indirect_hours: Hours = Decimal("0")


class ParticipantIn(Schema):
    kind: Short = Field(description="client, guardian, family, disability_worker or other")
    case_id: Id | None = None
    family_member_id: Id | None = None
    name: Name = ""
    organisation: Org = ""
    attended: bool = True


class RecordIn(Schema):
    service_item: Code40
    form: Code40
    on: dt.date
    starts_at: dt.time
    ends_at: dt.time
    place: Text = ""
    content: Long = ""
    workers: list[WorkerIn] = Field(max_length=50)
    participants: list[ParticipantIn] = Field(max_length=500)


class VoidIn(Schema):
    reason: Text


def _workers_out(service: ServiceRecord) -> list[WorkerOut]:
    return [
        WorkerOut(
            user_id=w.user_id,
            name=w.user.display_name,
            direct_hours=w.direct_hours,
            indirect_hours=w.indirect_hours,
        )
        for w in service.workers.all()
    ]


def _list_item(service: ServiceRecord) -> dict[str, object]:
    counted, reason = threshold_status(service)
    return {
        "id": service.pk,
        "project": service.project.code,
        "service_item": service.service_item,
        "form": service.form,
        "on": service.on,
        "starts_at": service.starts_at,
        "ends_at": service.ends_at,
        "attending_clients": getattr(service, "attending_clients", 0),
        "attending_participants": getattr(service, "attending_participants", 0),
        "counted": counted,
        "not_counted_reason": reason,
        "voided": service.voided,
        "workers": _workers_out(service),
    }


def record_out(service: ServiceRecord) -> RecordOut:
    return RecordOut(
        **_list_item(service),  # type: ignore[arg-type]
        place=service.place,
        content=service.content,
        void_reason=service.void_reason,
        participants=[
            ParticipantOut(
                kind=p.kind,
                case_id=p.case_id,
                family_member_id=p.family_member_id,
                name=p.name,
                organisation=p.organisation,
                attended=p.attended,
            )
            for p in service.participants.all()
        ],
        attachments=[
            AttachmentOut(
                id=a.pk,
                kind=a.kind,
                uploaded_at=a.uploaded_at,
                download=f"/api/v1/services/attachments/{a.pk}",
            )
            for a in service.attachments.all()
        ],
    )


@router.get(
    "/projects/{code}/services",
    response={200: RecordPageOut, 404: DetailOut},
    summary="A project's service records (filters: dates, item, form, worker)",
)
def record_list(request: HttpRequest, code: Code, params: Query[RecordQueryIn]) -> RecordPageOut:
    project = get_project_for_records(api_user(request), code, request=request)
    filters = RecordFilters(
        start=params.start,
        end=params.end,
        service_item=params.item,
        form=params.form,
        worker=params.worker or None,
        include_voided=params.include_voided,
    )
    qs = project_records_qs(project, filters)
    count = qs.count()
    start = (params.page - 1) * PAGE_SIZE
    rows = list(qs[start : start + PAGE_SIZE]) if start < count else []
    return RecordPageOut(
        count=count,
        page=params.page,
        pages=max(1, math.ceil(count / PAGE_SIZE)),
        items=[RecordListItemOut(**_list_item(r)) for r in rows],  # type: ignore[arg-type]
    )


@router.get(
    "/services/{record_id}",
    response={200: RecordOut, 404: DetailOut},
    summary="A service record (an audited read)",
)
def record_read(request: HttpRequest, record_id: RecordId) -> RecordOut:
    return record_out(get_record_for_user(api_user(request), record_id, request=request))


@router.post(
    "/projects/{code}/services",
    response={201: RecordOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut},
    summary="Record a service session (participants by case id)",
)
def record_create(request: HttpRequest, code: Code, payload: RecordIn) -> Status[RecordOut]:
    user = api_user(request)
    project = get_project_for_records(user, code, write=True, request=request)
    case_ids = {p.case_id for p in payload.participants if p.case_id}
    cases = {
        c.pk: c
        for c in cases_visible_to(user, write=True)
        .filter(pk__in=case_ids)
        .select_related("client", "project")
    }
    member_ids = {p.family_member_id for p in payload.participants if p.family_member_id}
    members = {
        m.pk: m
        for m in FamilyMember.objects.filter(
            pk__in=member_ids, client__cases__in=cases_visible_to(user, write=True)
        ).distinct()
    }
    users = {u.pk: u for u in User.objects.filter(pk__in=[w.user_id for w in payload.workers])}
    errors = [_("No case %(id)s.") % {"id": pk} for pk in sorted(case_ids - set(cases))]
    errors += [
        _("No family member %(id)s.") % {"id": pk} for pk in sorted(member_ids - set(members))
    ]
    errors += [
        _("No user %(id)s.") % {"id": w.user_id} for w in payload.workers if w.user_id not in users
    ]
    if errors:
        raise ValidationError(errors)
    service = actions.service_record_create(
        project=project,
        service_item=payload.service_item,
        form=payload.form,
        on=payload.on,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        place=payload.place,
        content=payload.content,
        workers=[
            actions.WorkerHours(users[w.user_id], w.direct_hours, w.indirect_hours)
            for w in payload.workers
        ],
        participants=[
            actions.ParticipantInput(
                p.kind,
                case=cases[p.case_id] if p.case_id else None,
                family_member=members[p.family_member_id] if p.family_member_id else None,
                name=p.name,
                organisation=p.organisation,
                attended=p.attended,
            )
            for p in payload.participants
        ],
        acting_user=user,
        request=request,
    )
    return Status(201, record_out(get_record_for_user(user, service.pk, request=request)))


@router.post(
    "/services/{record_id}/void",
    response={200: RecordOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut},
    summary="Void a record with a reason (it is kept)",
)
def record_void(request: HttpRequest, record_id: RecordId, payload: VoidIn) -> RecordOut:
    user = api_user(request)
    service = get_record_for_user(user, record_id, write=True, request=request)
    actions.service_record_void(
        record=service, reason=payload.reason, acting_user=user, request=request
    )
    return record_out(get_record_for_user(user, record_id, request=request))


@router.post(
    "/services/{record_id}/attachments",
    response={201: RecordOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut},
    summary="Attach a file to a record (multipart: kind = sign_in, photo or other; file)",
)
def record_attach(
    request: HttpRequest,
    record_id: RecordId,
    kind: Form[Code40],
    file: File[UploadedFile],
) -> Status[RecordOut]:
    user = api_user(request)
    service = get_record_for_user(user, record_id, write=True, request=request)
    actions.service_record_attach(
        record=service, kind=kind, upload=file, acting_user=user, request=request
    )
    return Status(201, record_out(get_record_for_user(user, record_id, request=request)))


@router.get(
    "/services/attachments/{attachment_id}",
    response={200: None, 404: DetailOut},
    summary="Download an attachment (an audited export)",
)
def attachment_download(request: HttpRequest, attachment_id: RecordId) -> FileResponse:
    attachment = get_attachment_for_user(api_user(request), attachment_id, request=request)
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.file.name.rsplit("/", 1)[-1],
    )
