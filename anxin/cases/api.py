"""Cases in the JSON API: read the workflow state and timeline, record steps, plans, reviews,
closures and follow-ups. Scoped and audited exactly like the case page."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.http import HttpRequest
from ninja import File, Form, Path, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from anxin.accounts.api import api_user
from anxin.cases import actions
from anxin.cases.access import cases_visible_to, get_case_for_user
from anxin.cases.models import Case, PlanItem, Step
from anxin.cases.selectors import case_page
from anxin.clients.api import MAX_PK, VERSION_HELP, ConflictOut, DetailOut, ErrorsOut

router = Router(tags=["cases"])
CaseId = Annotated[int, Path(ge=1, le=MAX_PK)]


class TimelineOut(Schema):
    on: dt.date
    kind: str
    title: str
    who: str
    content: str


class PlanItemOut(Schema):
    service_item: str
    times: int
    per: str


class PlanOut(Schema):
    version: int
    goals: str
    review_on: dt.date
    responsible: str
    revision_reason: str
    items: list[PlanItemOut]


class CaseOut(Schema):
    id: int
    client_id: int
    client_name: str
    project: str
    status: str
    step: str
    next_step: str | None
    needs: list[str]
    classification: str
    exit: str
    opened_on: dt.date
    closed_on: dt.date | None
    version: int
    plans: list[PlanOut]
    timeline: list[TimelineOut]


class CaseListItemOut(Schema):
    id: int
    client_id: int
    client_name: str
    project: str
    status: str
    step: str
    classification: str


class VersionedIn(Schema):
    version: int | None = Field(None, ge=1, le=MAX_PK, description=VERSION_HELP)


class StepIn(VersionedIn):
    step: str = Field(description="application, baseline, registration or service")
    on: dt.date
    content: str = Field("", max_length=5000)


class PlanItemIn(Schema):
    service_item: str = Field(max_length=40)
    times: int = Field(ge=1, le=99)
    per: str = Field(description=", ".join(PlanItem.Per.values))


class PlanIn(VersionedIn):
    goals: str = Field(max_length=5000)
    review_on: dt.date
    items: list[PlanItemIn]
    agreed_with: str = Field("", max_length=128)
    revision_reason: str = Field("", max_length=256)


class NoteIn(VersionedIn):
    on: dt.date
    content: str = Field(max_length=5000)


class CloseIn(VersionedIn):
    exit: str = Field(description=", ".join(Case.Exit.values))
    on: dt.date
    reason: str = Field("", max_length=256)
    transfer_to: str = Field("", max_length=128)


class ClassifyIn(VersionedIn):
    klass: str = Field(description="A, B or C")
    reason: str = Field(max_length=200)


def case_out(case: Case) -> CaseOut:
    page = case_page(case)
    return CaseOut(
        id=case.pk,
        client_id=case.client_id,
        client_name=case.client.name,
        project=case.project.code,
        status=case.status,
        step=case.step,
        next_step=page["next_step"],
        needs=[str(n) for n in page["needs"]],
        classification=case.classification,
        exit=case.exit,
        opened_on=case.opened_on,
        version=case.version,
        closed_on=case.closed_on,
        plans=[
            PlanOut(
                version=p.version,
                goals=p.goals,
                review_on=p.review_on,
                responsible=p.responsible.display_name,
                revision_reason=p.revision_reason,
                items=[
                    PlanItemOut(service_item=i.service_item, times=i.times, per=i.per)
                    for i in p.items.all()
                ],
            )
            for p in page["plans"]
        ],
        timeline=[
            TimelineOut(
                on=t.on, kind=t.kind, title=str(t.title), who=t.who, content=t.content or ""
            )
            for t in page["timeline"]
        ],
    )


@router.get("/cases", response=list[CaseListItemOut], summary="Open and waiting cases I work on")
def case_list(request: HttpRequest, project: str = "", step: str = "") -> list[CaseListItemOut]:
    cases = (
        cases_visible_to(api_user(request))
        .exclude(status=Case.Status.CLOSED)
        .select_related("client", "project")
    )
    if project:
        cases = cases.filter(project__code=project[:40])
    if step in Step.values:
        cases = cases.filter(step=step)
    return [
        CaseListItemOut(
            id=c.pk,
            client_id=c.client_id,
            client_name=c.client.name,
            project=c.project.code,
            status=c.status,
            step=c.step,
            classification=c.classification,
        )
        for c in cases.order_by("client__name_pinyin")[:500]
    ]


@router.get(
    "/cases/{case_id}", response={200: CaseOut, 404: DetailOut}, summary="A case (an audited read)"
)
def case_read(request: HttpRequest, case_id: CaseId) -> CaseOut:
    return case_out(get_case_for_user(api_user(request), case_id, request=request))


def _write(request: HttpRequest, case_id: int) -> Case:
    return get_case_for_user(api_user(request), case_id, write=True, request=request)


def _reread(request: HttpRequest, case_id: int) -> CaseOut:
    return case_out(get_case_for_user(api_user(request), case_id, request=request))


WRITE = {200: CaseOut, 403: DetailOut, 404: DetailOut, 409: ConflictOut, 422: ErrorsOut}


@router.post("/cases/{case_id}/steps", response=WRITE, summary="Record the next workflow step")
def case_step(request: HttpRequest, case_id: CaseId, payload: StepIn) -> CaseOut:
    case = _write(request, case_id)
    actions.case_step(
        case=case,
        step=payload.step,
        on=payload.on,
        content=payload.content,
        acting_user=api_user(request),
        request=request,
        expected_version=payload.version,
    )
    return _reread(request, case_id)


@router.post(
    "/cases/{case_id}/plans",
    response={201: CaseOut, 403: DetailOut, 404: DetailOut, 409: ConflictOut, 422: ErrorsOut},
    summary="A new service-plan version",
)
def case_plan(request: HttpRequest, case_id: CaseId, payload: PlanIn) -> Status[CaseOut]:
    case = _write(request, case_id)
    user = api_user(request)
    actions.plan_create(
        case=case,
        goals=payload.goals,
        review_on=payload.review_on,
        responsible=case.worker or user,
        items=[actions.PlanItemInput(i.service_item, i.times, i.per) for i in payload.items],
        agreed_with=payload.agreed_with,
        revision_reason=payload.revision_reason,
        acting_user=user,
        request=request,
        expected_version=payload.version,
    )
    return Status(201, _reread(request, case_id))


@router.post("/cases/{case_id}/reviews", response=WRITE, summary="A process review")
def case_review(request: HttpRequest, case_id: CaseId, payload: NoteIn) -> CaseOut:
    actions.process_review(
        case=_write(request, case_id),
        on=payload.on,
        content=payload.content,
        acting_user=api_user(request),
        request=request,
        expected_version=payload.version,
    )
    return _reread(request, case_id)


@router.post("/cases/{case_id}/close", response=WRITE, summary="Closure registration (any exit)")
def case_close(request: HttpRequest, case_id: CaseId, payload: CloseIn) -> CaseOut:
    actions.case_close(
        case=_write(request, case_id),
        exit=payload.exit,
        on=payload.on,
        reason=payload.reason,
        transfer_to=payload.transfer_to,
        acting_user=api_user(request),
        request=request,
        expected_version=payload.version,
    )
    return _reread(request, case_id)


@router.post(
    "/cases/{case_id}/follow-up", response=WRITE, summary="The follow-up visit after closure"
)
def case_follow_up(request: HttpRequest, case_id: CaseId, payload: NoteIn) -> CaseOut:
    actions.case_follow_up(
        case=_write(request, case_id),
        on=payload.on,
        content=payload.content,
        acting_user=api_user(request),
        request=request,
        expected_version=payload.version,
    )
    return _reread(request, case_id)


@router.post(
    "/cases/{case_id}/classification",
    response=WRITE,
    summary="Set the class by hand, with the reason",
)
def case_classify(request: HttpRequest, case_id: CaseId, payload: ClassifyIn) -> CaseOut:
    actions.case_classify_override(
        case=_write(request, case_id),
        klass=payload.klass,
        reason=payload.reason,
        acting_user=api_user(request),
        request=request,
        expected_version=payload.version,
    )
    return _reread(request, case_id)


@router.post(
    "/cases/{case_id}/agreement",
    response=WRITE,
    summary="Record the signed agreement (multipart form with the scan)",
)
def case_agreement(
    request: HttpRequest,
    case_id: CaseId,
    on: Form[dt.date],
    scan: File[UploadedFile],
    content: Form[str] = "",
    version: Form[int | None] = None,
) -> CaseOut:
    actions.case_step(
        case=_write(request, case_id),
        step=Step.AGREEMENT,
        on=on,
        content=content[:5000],
        attachment=scan,
        acting_user=api_user(request),
        request=request,
        expected_version=version,
    )
    return _reread(request, case_id)
