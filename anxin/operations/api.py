"""Staff development and publicity in the JSON API (R7.5, R7.6): list and record trainings,
supervisions, meetings and articles, mark an article accepted, upload and download documents.
Scoped and audited exactly like the pages (``anxin.operations.access``)."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Path, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import AfterValidator, Field, StringConstraints

from anxin.accounts.api import api_user
from anxin.accounts.models import Project, User
from anxin.clients.api import MAX_PK, DetailOut, ErrorsOut, Long, Name
from anxin.operations import actions, selectors
from anxin.operations.access import (
    Area,
    get_article_for_acceptance,
    get_document_for_user,
    get_meeting_for_user,
    get_project_for_operations,
    get_supervision_for_user,
    get_training_for_user,
)
from anxin.operations.models import (
    Article,
    Meeting,
    ProjectDocument,
    StaffTraining,
    Supervision,
    SupervisionRecord,
    TrainingAttendance,
)

router = Router(tags=["staff development and publicity"])
Code = Annotated[str, Path(max_length=40, pattern=r"^[-A-Za-z0-9_]+$")]
ObjectId = Annotated[int, Path(ge=1, le=MAX_PK)]
Id = Annotated[int, Field(ge=1, le=MAX_PK)]
Choice = Annotated[str, StringConstraints(max_length=32, pattern=r"^[a-z_]*$")]
Hours = Annotated[Decimal, Field(ge=0, le=24, max_digits=5, decimal_places=2)]


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("NUL characters are not allowed")
    return value


Title = Annotated[str, StringConstraints(max_length=200), AfterValidator(_no_nul)]
Outlet = Annotated[str, StringConstraints(max_length=128), AfterValidator(_no_nul)]
Url = Annotated[str, StringConstraints(max_length=500), AfterValidator(_no_nul)]


class ListQueryIn(Schema):
    year: Annotated[int, Field(ge=selectors.FIRST_YEAR, le=selectors.LAST_YEAR)] | None = None
    page: Annotated[int, Field(ge=1, le=1_000_000)] = 1


class StaffMemberOut(Schema):
    user_id: int
    name: str


class AttendeeOut(StaffMemberOut):
    hours: Decimal


class TrainingOut(Schema):
    id: int
    project: str
    on: dt.date
    title: str
    provider: str
    attendee_count: int
    total_hours: Decimal
    attendees: list[AttendeeOut]


class TrainingDetailOut(TrainingOut):
    notes: str


class TrainingPageOut(Schema):
    count: int
    page: int
    pages: int
    items: list[TrainingOut]


class AttendeeIn(Schema):
    user_id: Id
    hours: Hours


class TrainingIn(Schema):
    on: dt.date
    title: Title
    provider: Outlet
    notes: Long = ""
    attendees: list[AttendeeIn] = Field(max_length=200)


class SupervisionOut(Schema):
    id: int
    project: str
    on: dt.date
    supervisor_name: str
    mode: str
    hours: Decimal
    record_count: int
    workers: list[StaffMemberOut]


class SupervisionNoteOut(StaffMemberOut):
    content: str


class SupervisionDetailOut(SupervisionOut):
    records: list[SupervisionNoteOut]


class SupervisionPageOut(Schema):
    count: int
    page: int
    pages: int
    items: list[SupervisionOut]


class SupervisionRecordIn(Schema):
    worker_id: Id
    content: Long


class SupervisionIn(Schema):
    on: dt.date
    supervisor_name: Name
    mode: Choice = Field(description="individual or group")
    hours: Hours
    records: list[SupervisionRecordIn] = Field(max_length=200)


class MeetingOut(Schema):
    id: int
    project: str
    on: dt.date
    kind: str
    title: str
    attendee_count: int
    attendees: list[StaffMemberOut]


class MeetingDetailOut(MeetingOut):
    minutes: str


class MeetingPageOut(Schema):
    count: int
    page: int
    pages: int
    items: list[MeetingOut]


class MeetingIn(Schema):
    on: dt.date
    kind: Choice = Field(default="admin", description="admin, case_conference or other")
    title: Title
    minutes: Long = ""
    attendee_ids: list[Id] = Field(max_length=200)


class ArticleOut(Schema):
    id: int
    project: str
    title: str
    outlet: str
    level: str
    provincial_or_higher: bool
    published_on: dt.date
    url: str
    accepted_by_purchaser: bool
    accepted_on: dt.date | None


class ArticlePageOut(Schema):
    count: int
    page: int
    pages: int
    items: list[ArticleOut]


class ArticleIn(Schema):
    title: Title
    outlet: Outlet
    level: Choice = Field(description="national, provincial, city, district or other")
    published_on: dt.date
    url: Url = ""


class AcceptIn(Schema):
    accepted_on: dt.date | None = Field(default=None, description="today if not given")


class DocumentOut(Schema):
    id: int
    project: str
    kind: str
    title: str
    on: dt.date
    uploaded_by: str
    uploaded_at: dt.datetime
    download: str = Field(description="GET this path for the file (an audited export)")


class DocumentPageOut(Schema):
    count: int
    page: int
    pages: int
    items: list[DocumentOut]


def _paged(qs: QuerySet[Any], page: int, out: Any) -> dict[str, Any]:
    count = qs.count()
    start = (page - 1) * selectors.PAGE_SIZE
    rows = list(qs[start : start + selectors.PAGE_SIZE]) if start < count else []
    return {
        "count": count,
        "page": page,
        "pages": max(1, math.ceil(count / selectors.PAGE_SIZE)),
        "items": [out(r) for r in rows],
    }


def _members(project: Project, ids: list[int]) -> dict[int, User]:
    """The users among ``ids`` who are or were members of the project; refuses the others as
    unknown (the API does not tell whether a user of another organisation exists)."""
    users = {
        u.pk: u for u in User.objects.filter(pk__in=ids, memberships__project=project).distinct()
    }
    missing = sorted({pk for pk in ids if pk not in users})
    if missing:
        raise ValidationError([_("No user %(id)s.") % {"id": pk} for pk in missing])
    return users


def _person(user: User) -> StaffMemberOut:
    return StaffMemberOut(user_id=user.pk, name=user.display_name)


# Trainings -------------------------------------------------------------------------------------


def training_out(
    training: StaffTraining, project: Project, attendances: list[TrainingAttendance]
) -> dict[str, Any]:
    return {
        "id": training.pk,
        "project": project.code,
        "on": training.on,
        "title": training.title,
        "provider": training.provider,
        "attendee_count": len(attendances),
        "total_hours": sum((a.hours for a in attendances), Decimal("0")),
        "attendees": [
            AttendeeOut(user_id=a.user_id, name=a.user.display_name, hours=a.hours)
            for a in attendances
        ],
    }


@router.get(
    "/projects/{code}/staff-trainings",
    response={200: TrainingPageOut, 404: DetailOut},
    summary="A project's staff trainings with each attendee's hours (filter: year)",
)
def training_list(request: HttpRequest, code: Code, params: Query[ListQueryIn]) -> Any:
    project = get_project_for_operations(
        api_user(request), code, area=Area.TRAINING, request=request
    )
    qs = selectors.trainings_qs(project, params.year)
    return _paged(
        qs,
        params.page,
        lambda t: TrainingOut(**training_out(t, project, list(t.attendances.all()))),
    )


def _training_detail(request: HttpRequest, training_id: int) -> TrainingDetailOut:
    training = get_training_for_user(api_user(request), training_id, request=request)
    attendances = selectors.training_attendances(training)
    return TrainingDetailOut(
        **training_out(training, training.project, attendances), notes=training.notes
    )


@router.get(
    "/staff-trainings/{training_id}",
    response={200: TrainingDetailOut, 404: DetailOut},
    summary="A staff training with its notes (an audited read)",
)
def training_read(request: HttpRequest, training_id: ObjectId) -> TrainingDetailOut:
    return _training_detail(request, training_id)


@router.post(
    "/projects/{code}/staff-trainings",
    response={201: TrainingDetailOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut},
    summary="Record a staff training with each attendee's hours",
)
def training_create(
    request: HttpRequest, code: Code, payload: TrainingIn
) -> Status[TrainingDetailOut]:
    user = api_user(request)
    project = get_project_for_operations(
        user, code, area=Area.TRAINING, write=True, request=request
    )
    users = _members(project, [a.user_id for a in payload.attendees])
    training = actions.staff_training_create(
        project=project,
        on=payload.on,
        title=payload.title,
        provider=payload.provider,
        notes=payload.notes,
        attendees=[actions.Attendee(users[a.user_id], a.hours) for a in payload.attendees],
        acting_user=user,
        request=request,
    )
    return Status(201, _training_detail(request, training.pk))


# Supervisions ----------------------------------------------------------------------------------


def supervision_out(
    supervision: Supervision, project: Project, records: list[SupervisionRecord]
) -> dict[str, Any]:
    return {
        "id": supervision.pk,
        "project": project.code,
        "on": supervision.on,
        "supervisor_name": supervision.supervisor_name,
        "mode": supervision.mode,
        "hours": supervision.hours,
        "record_count": len(records),
        "workers": [_person(r.worker) for r in records],
    }


@router.get(
    "/projects/{code}/supervisions",
    response={200: SupervisionPageOut, 404: DetailOut},
    summary="A project's supervisions and who was supervised (filter: year)",
)
def supervision_list(request: HttpRequest, code: Code, params: Query[ListQueryIn]) -> Any:
    project = get_project_for_operations(
        api_user(request), code, area=Area.SUPERVISION, request=request
    )
    qs = selectors.supervisions_qs(project, params.year)
    return _paged(
        qs,
        params.page,
        lambda s: SupervisionOut(**supervision_out(s, project, list(s.records.all()))),
    )


def _supervision_detail(request: HttpRequest, supervision_id: int) -> SupervisionDetailOut:
    supervision = get_supervision_for_user(api_user(request), supervision_id, request=request)
    records = selectors.supervision_records(supervision)
    return SupervisionDetailOut(
        **supervision_out(supervision, supervision.project, records),
        records=[
            SupervisionNoteOut(user_id=r.worker_id, name=r.worker.display_name, content=r.content)
            for r in records
        ],
    )


@router.get(
    "/supervisions/{supervision_id}",
    response={200: SupervisionDetailOut, 404: DetailOut},
    summary="A supervision with each worker's record (an audited read)",
)
def supervision_read(request: HttpRequest, supervision_id: ObjectId) -> SupervisionDetailOut:
    return _supervision_detail(request, supervision_id)


@router.post(
    "/projects/{code}/supervisions",
    response={201: SupervisionDetailOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut},
    summary="Record a supervision with one record per worker supervised",
)
def supervision_create(
    request: HttpRequest, code: Code, payload: SupervisionIn
) -> Status[SupervisionDetailOut]:
    user = api_user(request)
    project = get_project_for_operations(
        user, code, area=Area.SUPERVISION, write=True, request=request
    )
    users = _members(project, [r.worker_id for r in payload.records])
    supervision = actions.supervision_create(
        project=project,
        on=payload.on,
        supervisor_name=payload.supervisor_name,
        mode=payload.mode,
        hours=payload.hours,
        records=[actions.WorkerRecord(users[r.worker_id], r.content) for r in payload.records],
        acting_user=user,
        request=request,
    )
    return Status(201, _supervision_detail(request, supervision.pk))


# Meetings --------------------------------------------------------------------------------------


def meeting_out(meeting: Meeting, project: Project, attendees: list[User]) -> dict[str, Any]:
    return {
        "id": meeting.pk,
        "project": project.code,
        "on": meeting.on,
        "kind": meeting.kind,
        "title": meeting.title,
        "attendee_count": len(attendees),
        "attendees": [_person(u) for u in attendees],
    }


@router.get(
    "/projects/{code}/meetings",
    response={200: MeetingPageOut, 404: DetailOut},
    summary="A project's meetings and who attended (filter: year)",
)
def meeting_list(request: HttpRequest, code: Code, params: Query[ListQueryIn]) -> Any:
    project = get_project_for_operations(
        api_user(request), code, area=Area.MEETING, request=request
    )
    qs = selectors.meetings_qs(project, params.year)
    return _paged(
        qs,
        params.page,
        lambda m: MeetingOut(**meeting_out(m, project, list(m.attendees.all()))),
    )


def _meeting_detail(request: HttpRequest, meeting_id: int) -> MeetingDetailOut:
    meeting = get_meeting_for_user(api_user(request), meeting_id, request=request)
    attendees = selectors.meeting_attendees(meeting)
    return MeetingDetailOut(
        **meeting_out(meeting, meeting.project, attendees), minutes=meeting.minutes
    )


@router.get(
    "/meetings/{meeting_id}",
    response={200: MeetingDetailOut, 404: DetailOut},
    summary="A meeting with its minutes (an audited read)",
)
def meeting_read(request: HttpRequest, meeting_id: ObjectId) -> MeetingDetailOut:
    return _meeting_detail(request, meeting_id)


@router.post(
    "/projects/{code}/meetings",
    response={201: MeetingDetailOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut},
    summary="Record a meeting with its attendees",
)
def meeting_create(
    request: HttpRequest, code: Code, payload: MeetingIn
) -> Status[MeetingDetailOut]:
    user = api_user(request)
    project = get_project_for_operations(user, code, area=Area.MEETING, write=True, request=request)
    users = _members(project, payload.attendee_ids)
    meeting = actions.meeting_create(
        project=project,
        on=payload.on,
        kind=payload.kind,
        title=payload.title,
        minutes=payload.minutes,
        attendees=[users[pk] for pk in payload.attendee_ids],
        acting_user=user,
        request=request,
    )
    return Status(201, _meeting_detail(request, meeting.pk))


# Articles --------------------------------------------------------------------------------------


def article_out(article: Article, project: Project) -> ArticleOut:
    return ArticleOut(
        id=article.pk,
        project=project.code,
        title=article.title,
        outlet=article.outlet,
        level=article.level,
        provincial_or_higher=article.provincial_or_higher,
        published_on=article.published_on,
        url=article.url,
        accepted_by_purchaser=article.accepted_by_purchaser,
        accepted_on=article.accepted_on,
    )


@router.get(
    "/projects/{code}/articles",
    response={200: ArticlePageOut, 404: DetailOut},
    summary="A project's articles and their acceptance (filter: year published)",
)
def article_list(request: HttpRequest, code: Code, params: Query[ListQueryIn]) -> Any:
    project = get_project_for_operations(
        api_user(request), code, area=Area.ARTICLE, request=request
    )
    qs = selectors.articles_qs(project, params.year)
    return _paged(qs, params.page, lambda a: article_out(a, project))


@router.post(
    "/projects/{code}/articles",
    response={201: ArticleOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut},
    summary="Record an article about the project",
)
def article_create(request: HttpRequest, code: Code, payload: ArticleIn) -> Status[ArticleOut]:
    user = api_user(request)
    project = get_project_for_operations(user, code, area=Area.ARTICLE, write=True, request=request)
    article = actions.article_create(
        project=project, acting_user=user, request=request, **payload.model_dump()
    )
    return Status(201, article_out(article, project))


@router.post(
    "/articles/{article_id}/accept",
    response={200: ArticleOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut},
    summary="Mark an article as accepted by the purchaser (project leads)",
)
def article_accept(request: HttpRequest, article_id: ObjectId, payload: AcceptIn) -> ArticleOut:
    user = api_user(request)
    article = get_article_for_acceptance(user, article_id, request=request)
    actions.article_accept(
        article=article,
        accepted_on=payload.accepted_on or timezone.localdate(),
        acting_user=user,
        request=request,
    )
    return article_out(article, article.project)


# Documents -------------------------------------------------------------------------------------


def document_out(document: ProjectDocument, project: Project) -> DocumentOut:
    return DocumentOut(
        id=document.pk,
        project=project.code,
        kind=document.kind,
        title=document.title,
        on=document.on,
        uploaded_by=document.uploaded_by.display_name,
        uploaded_at=document.created_at,
        download=f"/api/v1/documents/{document.pk}/download",
    )


@router.get(
    "/projects/{code}/documents",
    response={200: DocumentPageOut, 404: DetailOut},
    summary="A project's documents (needs survey, referral mechanism, satisfaction reports)",
)
def document_list(request: HttpRequest, code: Code, params: Query[ListQueryIn]) -> Any:
    project = get_project_for_operations(
        api_user(request), code, area=Area.DOCUMENT, request=request
    )
    qs = selectors.documents_qs(project, params.year)
    return _paged(qs, params.page, lambda d: document_out(d, project))


@router.post(
    "/projects/{code}/documents",
    response={201: DocumentOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut},
    summary="Upload a document (multipart: kind, title, on, file: PDF, Word .docx, PNG or JPEG)",
)
def document_upload(
    request: HttpRequest,
    code: Code,
    kind: Form[Choice],
    title: Form[Title],
    on: Form[dt.date],
    file: File[UploadedFile],
) -> Status[DocumentOut]:
    user = api_user(request)
    project = get_project_for_operations(
        user, code, area=Area.DOCUMENT, write=True, request=request
    )
    document = actions.project_document_upload(
        project=project,
        kind=kind,
        title=title,
        on=on,
        upload=file,
        acting_user=user,
        request=request,
    )
    return Status(201, document_out(document, project))


@router.get(
    "/documents/{document_id}/download",
    response={200: None, 404: DetailOut},
    summary="Download a document (an audited export)",
)
def document_download(request: HttpRequest, document_id: ObjectId) -> FileResponse:
    document = get_document_for_user(api_user(request), document_id, request=request)
    return FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.file.name.rsplit("/", 1)[-1],
    )
