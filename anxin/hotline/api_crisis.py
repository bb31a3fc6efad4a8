"""Crisis escalations, the newly-certified outreach list and the hotline figures in the JSON API:
list and read escalations, record a step, close one with its outcome; list the outreach list,
import the federation's file (all or nothing, with a dry run), read a person with their calls,
record an attempt, register a reached person as a client; the year's figures (aggregates only).
Scoped and audited exactly like the pages (``anxin.hotline.access_crisis``); lists never carry a
full ID or phone number."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path as FilePath
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Path, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field, StringConstraints

from anxin.accounts.api import api_user
from anxin.clients.api import MAX_PK, DetailOut, ErrorsOut, Long
from anxin.clients.import_files import ImportFileError
from anxin.clients.importer import ImportResult, RowError
from anxin.clients.views_import import _stash, check_import_file
from anxin.core.masking import mask_id_number, mask_phone
from anxin.hotline import actions_crisis, actions_outreach, selectors_crisis
from anxin.hotline.access_crisis import (
    get_escalation_for_user,
    get_outreach_person_for_user,
    get_project_for_crises,
    get_project_for_figures,
    get_project_for_outreach,
)
from anxin.hotline.figures import default_year, hotline_figures
from anxin.hotline.models import Call, CallBack, Escalation, EscalationStep, OutreachPerson

router = Router(tags=["hotline crises, outreach and figures"])
Code = Annotated[str, Path(max_length=40, pattern=r"^[-A-Za-z0-9_]+$")]
ObjectId = Annotated[int, Path(ge=1, le=MAX_PK)]
Choice = Annotated[str, StringConstraints(max_length=32, pattern=r"^[a-z_0-9]*$")]
Outcome = Annotated[str, StringConstraints(max_length=actions_crisis.OUTCOME_LENGTH)]
Note = Annotated[str, StringConstraints(max_length=actions_crisis.NOTE_LENGTH)]


class CrisisPersonOut(Schema):
    id: int
    name: str


def _person(user: Any) -> CrisisPersonOut:
    return CrisisPersonOut(id=user.pk, name=user.display_name)


# Escalations ----------------------------------------------------------------------------------


class EscalationStepOut(Schema):
    id: int
    kind: str
    kind_label: str
    at: dt.datetime
    note: str
    by: CrisisPersonOut


class FollowUpOut(Schema):
    id: int
    due_at: dt.datetime
    assignee: CrisisPersonOut
    done_at: dt.datetime | None
    done_call_id: int | None


class EscalationOut(Schema):
    id: int
    project: str
    call_id: int
    reason: str = Field(description="what the risk screening found")
    status: str = Field(description="open or closed")
    opened_at: dt.datetime
    operator: CrisisPersonOut
    follow_up_due: dt.datetime
    followed_up: bool
    closed_at: dt.datetime | None
    closed_by: CrisisPersonOut | None


class EscalationDetailOut(EscalationOut):
    outcome: str
    screening: dict[str, Any]
    steps: list[EscalationStepOut]
    follow_up_calls: list[FollowUpOut]


class EscalationPageOut(Schema):
    count: int
    page: int
    pages: int
    items: list[EscalationOut]


class EscalationQueryIn(Schema):
    status: Annotated[str, StringConstraints(pattern=r"^(open|closed)?$")] = ""
    page: Annotated[int, Field(ge=1, le=1_000_000)] = 1


class EscalationStepIn(Schema):
    kind: Choice = Field(
        description="police_110, ambulance_120, guardian, hospital, supervisor, follow_up, other"
    )
    at: dt.datetime | None = Field(
        default=None, description="when the step was taken; now if not given"
    )
    note: Note = ""


class EscalationCloseIn(Schema):
    outcome: Outcome


def _paged(qs: QuerySet[Any], page: int, out: Any) -> dict[str, Any]:
    count = qs.count()
    size = selectors_crisis.PAGE_SIZE
    start = (page - 1) * size
    rows = list(qs[start : start + size]) if start < count else []
    return {
        "count": count,
        "page": page,
        "pages": max(1, math.ceil(count / size)),
        "items": [out(r) for r in rows],
    }


def escalation_out(e: Escalation) -> dict[str, Any]:
    return {
        "id": e.pk,
        "project": e.project.code,
        "call_id": e.call_id,
        "reason": e.reason,
        "status": e.status,
        "opened_at": e.created_at,
        "operator": _person(e.call.operator),
        "follow_up_due": e.follow_up_due,
        "followed_up": bool(getattr(e, "followed_up", False)),
        "closed_at": e.closed_at,
        "closed_by": _person(e.closed_by) if e.closed_by_id else None,
    }


def _step_out(step: EscalationStep) -> EscalationStepOut:
    return EscalationStepOut(
        id=step.pk,
        kind=step.kind,
        kind_label=str(step.get_kind_display()),
        at=step.at,
        note=step.note,
        by=_person(step.by),
    )


def _follow_up_out(cb: CallBack) -> FollowUpOut:
    return FollowUpOut(
        id=cb.pk,
        due_at=cb.due_at,
        assignee=_person(cb.assignee),
        done_at=cb.done_at,
        done_call_id=cb.done_call_id,
    )


def _escalation_detail(escalation: Escalation) -> EscalationDetailOut:
    annotated = (
        selectors_crisis.with_follow_up(Escalation.objects.filter(pk=escalation.pk))
        .select_related("project", "call", "call__operator", "closed_by")
        .get()
    )
    return EscalationDetailOut(
        **escalation_out(annotated),
        outcome=annotated.outcome,
        screening=dict(annotated.call.screening or {}),
        steps=[_step_out(s) for s in selectors_crisis.escalation_steps(annotated)],
        follow_up_calls=[
            _follow_up_out(cb) for cb in selectors_crisis.escalation_call_backs(annotated)
        ],
    )


@router.get(
    "/projects/{code}/hotline/escalations",
    response={200: EscalationPageOut, 404: DetailOut},
    summary="A project's crisis escalations, open first (filter: status)",
)
def escalation_list(request: HttpRequest, code: Code, params: Query[EscalationQueryIn]) -> Any:
    project = get_project_for_crises(api_user(request), code, request=request)
    qs = selectors_crisis.escalations_qs(project, params.status or None).select_related("project")
    return _paged(qs, params.page, lambda e: EscalationOut(**escalation_out(e)))


@router.get(
    "/hotline/escalations/{escalation_id}",
    response={200: EscalationDetailOut, 404: DetailOut},
    summary="A crisis escalation with its steps and follow-up calls (an audited read)",
)
def escalation_read(request: HttpRequest, escalation_id: ObjectId) -> EscalationDetailOut:
    escalation = get_escalation_for_user(api_user(request), escalation_id, request=request)
    return _escalation_detail(escalation)


@router.post(
    "/hotline/escalations/{escalation_id}/steps",
    response={201: EscalationDetailOut, 404: DetailOut, 422: ErrorsOut},
    summary="Record a step taken on a crisis (110 or 120 called, guardian informed, …)",
)
def escalation_step(
    request: HttpRequest, escalation_id: ObjectId, payload: EscalationStepIn
) -> Status[EscalationDetailOut]:
    user = api_user(request)
    escalation = get_escalation_for_user(user, escalation_id, read=False, request=request)
    actions_crisis.escalation_step_add(
        escalation=escalation,
        kind=payload.kind,
        at=payload.at or timezone.now(),
        note=payload.note,
        acting_user=user,
        request=request,
    )
    return Status(201, _escalation_detail(escalation))


@router.post(
    "/hotline/escalations/{escalation_id}/close",
    response={200: EscalationDetailOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut},
    summary="Close a crisis escalation with its outcome (a supervisor or the lead)",
)
def escalation_close(
    request: HttpRequest, escalation_id: ObjectId, payload: EscalationCloseIn
) -> EscalationDetailOut:
    user = api_user(request)
    escalation = get_escalation_for_user(
        user, escalation_id, close=True, read=False, request=request
    )
    actions_crisis.escalation_close(
        escalation=escalation, outcome=payload.outcome, acting_user=user, request=request
    )
    return _escalation_detail(escalation)


# Outreach -------------------------------------------------------------------------------------


class OutreachOut(Schema):
    id: int
    project: str
    name: str
    id_number_masked: str
    phone_masked: str
    certified_on: dt.date | None
    disability_level: str
    street: str
    status: str
    attempts: int
    last_attempt: dt.datetime | None
    client_id: int | None


class OutreachCallOut(Schema):
    id: int
    started_at: dt.datetime
    minutes: int | None
    purpose: str
    result: str
    caller_type: str
    topics: list[str]
    screened_positive: bool
    escalation_id: int | None
    operator: CrisisPersonOut
    notes: str


class OutreachDetailOut(OutreachOut):
    phone: str
    calls: list[OutreachCallOut]


class OutreachPageOut(Schema):
    count: int
    page: int
    pages: int
    counts: dict[str, int]
    items: list[OutreachOut]


class OutreachQueryIn(Schema):
    status: Annotated[str, StringConstraints(max_length=16, pattern=r"^[a-z_]*$")] = ""
    page: Annotated[int, Field(ge=1, le=1_000_000)] = 1


class RowOut(Schema):
    sheet_row: int
    serial: str
    name: str
    messages: list[str]


class ImportReportOut(Schema):
    file_name: str
    sheet: str
    header_row: int
    rows_total: int
    rows_ok: int
    created: int
    dry_run: bool
    refused: list[RowOut]
    notes: list[RowOut]
    ignored_columns: list[str]


class ImportRefusedOut(ErrorsOut):
    report: ImportReportOut


class CrisisScreeningIn(Schema):
    suicidal_thoughts: bool | None = None
    intent: bool | None = None
    plan: bool | None = None
    means: bool | None = None
    violence: bool | None = None
    danger_level: Annotated[int, Field(ge=0, le=5)] | None = None


class AttemptIn(Schema):
    result: Choice = Field(description="no_answer, refused, reached or needs_service")
    started_at: dt.datetime | None = Field(default=None, description="now if not given")
    minutes: Annotated[int, Field(ge=0, le=actions_outreach.MAX_MINUTES)] | None = None
    caller_type: Choice = Field(default=Call.CallerType.CLIENT, description="who answered")
    topics: list[Choice] = Field(default_factory=list, max_length=50)
    screening: CrisisScreeningIn | None = None
    notes: Long = ""


class EnrolOut(Schema):
    person_id: int
    status: str
    client_id: int
    case_id: int


def outreach_out(p: OutreachPerson) -> dict[str, Any]:
    return {
        "id": p.pk,
        "project": p.project.code,
        "name": p.name,
        "id_number_masked": mask_id_number(p.id_number),
        "phone_masked": mask_phone(p.phone),
        "certified_on": p.certified_on,
        "disability_level": p.disability_level,
        "street": p.street.name if p.street_id and p.street else "",
        "status": p.status,
        "attempts": int(getattr(p, "attempts", 0) or 0),
        "last_attempt": getattr(p, "last_attempt", None),
        "client_id": p.client_id,
    }


def _report_out(result: ImportResult) -> ImportReportOut:
    def rows(items: list[RowError]) -> list[RowOut]:
        return [RowOut(**vars(r)) for r in items]

    return ImportReportOut(
        file_name=result.file_name,
        sheet=result.sheet,
        header_row=result.header_row,
        rows_total=result.rows_total,
        rows_ok=result.rows_ok,
        created=result.created,
        dry_run=result.dry_run,
        refused=rows(result.errors),
        notes=rows(result.notes),
        ignored_columns=result.ignored_columns,
    )


def _person_detail(person: OutreachPerson) -> OutreachDetailOut:
    calls = selectors_crisis.outreach_attempts(person)
    escalations = dict(Escalation.objects.filter(call__in=calls).values_list("call_id", "pk"))
    counted = selectors_crisis.outreach_qs(person.project).filter(pk=person.pk).get()
    counted.project = person.project
    return OutreachDetailOut(
        **outreach_out(counted),
        phone=person.phone,
        calls=[
            OutreachCallOut(
                id=c.pk,
                started_at=c.started_at,
                minutes=c.minutes,
                purpose=c.purpose,
                result=c.attempt_result,
                caller_type=c.caller_type,
                topics=list(c.topics or []),
                screened_positive=c.screened_positive,
                escalation_id=escalations.get(c.pk),
                operator=_person(c.operator),
                notes=c.notes,
            )
            for c in calls
        ],
    )


@router.get(
    "/projects/{code}/hotline/outreach",
    response={200: OutreachPageOut, 404: DetailOut},
    summary="The newly certified outreach list in calling order (filter: status)",
)
def outreach_list(request: HttpRequest, code: Code, params: Query[OutreachQueryIn]) -> Any:
    project = get_project_for_outreach(api_user(request), code, request=request)
    qs = selectors_crisis.outreach_qs(project, params.status or None).select_related("project")
    return {
        **_paged(qs, params.page, lambda p: OutreachOut(**outreach_out(p))),
        "counts": selectors_crisis.outreach_counts(project),
    }


@router.post(
    "/projects/{code}/hotline/outreach/import",
    response={
        200: ImportReportOut,
        201: ImportReportOut,
        403: DetailOut,
        404: DetailOut,
        422: ImportRefusedOut | ErrorsOut,
    },
    summary="Import the federation's list of the newly certified (multipart: file, dry_run)",
)
def outreach_import(
    request: HttpRequest,
    code: Code,
    file: File[UploadedFile],
    dry_run: Form[bool] = False,
) -> Any:
    user = api_user(request)
    project = get_project_for_outreach(user, code, write=True, request=request)
    suffix = FilePath(file.name or "").suffix.lower()
    check_import_file(file)  # type, size and a whole workbook, as the page checks them
    _token, stashed = _stash(file, suffix)
    try:
        result = actions_outreach.outreach_import(
            project=project,
            path=stashed,
            acting_user=user,
            file_name=file.name or "",
            dry_run=dry_run,
            request=request,
        )
    except ImportFileError as exc:
        raise ValidationError(exc.message) from exc
    finally:
        stashed.unlink(missing_ok=True)
    report = _report_out(result)
    if not result.ok:
        errors = [
            _("Row %(row)d: %(problems)s") % {"row": r.sheet_row, "problems": " ".join(r.messages)}
            for r in result.errors
        ]
        return Status(422, ImportRefusedOut(errors=errors, report=report))
    return Status(200 if dry_run else 201, report)


@router.get(
    "/hotline/outreach/{person_id}",
    response={200: OutreachDetailOut, 404: DetailOut},
    summary="A newly certified person with their calls (an audited read)",
)
def outreach_read(request: HttpRequest, person_id: ObjectId) -> OutreachDetailOut:
    person = get_outreach_person_for_user(api_user(request), person_id, request=request)
    return _person_detail(person)


@router.post(
    "/hotline/outreach/{person_id}/attempts",
    response={201: OutreachDetailOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut},
    summary="Record an attempt to reach a newly certified person, with its result",
)
def outreach_attempt(
    request: HttpRequest, person_id: ObjectId, payload: AttemptIn
) -> Status[OutreachDetailOut]:
    user = api_user(request)
    person = get_outreach_person_for_user(user, person_id, write=True, request=request)
    actions_outreach.outreach_attempt_record(
        person=person,
        result=payload.result,
        started_at=payload.started_at or timezone.now(),
        minutes=payload.minutes,
        caller_type=payload.caller_type,
        notes=payload.notes,
        topics=payload.topics,
        screening=payload.screening.model_dump() if payload.screening else None,
        acting_user=user,
        request=request,
    )
    person.refresh_from_db()
    return Status(201, _person_detail(person))


@router.post(
    "/hotline/outreach/{person_id}/enrol",
    response={201: EnrolOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut},
    summary="Register a reached person as a client of the project (the intake rules apply)",
)
def outreach_enrol(request: HttpRequest, person_id: ObjectId) -> Status[EnrolOut]:
    user = api_user(request)
    person = get_outreach_person_for_user(user, person_id, write=True, request=request)
    case = actions_outreach.outreach_enrol(person=person, acting_user=user, request=request)
    return Status(
        201,
        EnrolOut(
            person_id=person.pk, status=person.status, client_id=case.client_id, case_id=case.pk
        ),
    )


# Figures --------------------------------------------------------------------------------------


class SeriesOut(Schema):
    code: str
    name: str
    values: list[int] = Field(description="one count per month, January first")
    total: int


class FiguresOut(Schema):
    project: str
    year: int
    months: list[str]
    calls: SeriesOut
    by_caller_type: list[SeriesOut]
    by_topic: list[SeriesOut]
    outreach: list[SeriesOut]
    outreach_support: SeriesOut
    people: dict[str, int]
    escalations: dict[str, int]


class HotlineYearIn(Schema):
    year: Annotated[int, Field(ge=2000, le=2100)] | None = None


@router.get(
    "/projects/{code}/hotline/figures",
    response={200: FiguresOut, 404: DetailOut},
    summary="The hotline's person-times per month by caller type and topic, and outreach "
    "(aggregates only)",
)
def figures(request: HttpRequest, code: Code, params: Query[HotlineYearIn]) -> dict[str, Any]:
    project = get_project_for_figures(api_user(request), code, request=request)
    return hotline_figures(project, params.year or default_year(project)).as_json()
