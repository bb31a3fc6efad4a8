"""Hotline calls and call-backs in the JSON API: start a call, save its draft, finish it, read it,
list a project's calls, link a call to a client, schedule, list and make call-backs, and a
caller's earlier calls by number (POSTed: a number never goes in a URL). Scoped and audited
exactly like the pages; lists never carry a number, a name or notes."""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema, Status
from pydantic import Field, StringConstraints

from anxin.accounts.api import api_user
from anxin.accounts.models import User
from anxin.cases.access import cases_visible_to
from anxin.clients.access import clients_visible_to
from anxin.clients.api import MAX_PK, DetailOut, ErrorsOut, Long, Name, Short
from anxin.clients.models import FamilyMember
from anxin.core.masking import mask_phone
from anxin.core.models import Division
from anxin.hotline import actions
from anxin.hotline.access import (
    get_call_back_for_user,
    get_call_for_user,
    get_draft_for_user,
    get_hotline_project,
    sees_archive_link,
)
from anxin.hotline.models import Call, CallBack, Escalation
from anxin.hotline.phones import phone_index
from anxin.hotline.selectors import (
    PAGE_SIZE,
    CallFilters,
    CallRow,
    call_back_board,
    call_backs_of,
    caller_history,
    project_calls_qs,
)

router = Router(tags=["hotline"])
Code = Annotated[str, Path(max_length=40, pattern=r"^[-A-Za-z0-9_]+$")]
ObjectId = Annotated[int, Path(ge=1, le=MAX_PK)]
Id = Annotated[int, Field(ge=1, le=MAX_PK)]
Code40 = Annotated[str, StringConstraints(max_length=40, pattern=r"^[-A-Za-z0-9_]*$")]
Reason = Annotated[str, StringConstraints(max_length=400)]
Minutes = Annotated[int, Field(ge=0, le=10_000)]


class ScreeningIn(Schema):
    """Risk screening answers: true, false or null (not asked yet). Given in a draft, the answers
    sent replace those stored; the others stay."""

    suicidal_thoughts: bool | None = None
    intent: bool | None = None
    plan: bool | None = None
    means: bool | None = None
    violence: bool | None = None
    danger_level: Annotated[int, Field(ge=0, le=5)] | None = None


class CallFieldsIn(Schema):
    """Any subset of a call's fields; only the fields sent are changed."""

    channel: Code40 | None = None
    purpose: Code40 | None = None
    caller_type: Code40 | None = None
    caller_name: Name | None = None
    phone: Short | None = None
    minutes: Minutes | None = None
    topics: list[Code40] | None = Field(default=None, max_length=50)
    screening: ScreeningIn | None = None
    notes: Long | None = None
    outcome: Code40 | None = None
    street: Code40 | None = Field(default=None, description="the street's 9- or 12-digit code")


class CallStartIn(CallFieldsIn):
    started_at: dt.datetime | None = Field(default=None, description="default: now")


class OperatorOut(Schema):
    id: int
    name: str


class CallBackOut(Schema):
    id: int
    project: str
    call_id: int
    due_at: dt.datetime
    reason: str
    assignee: OperatorOut
    done_at: dt.datetime | None
    done_call_id: int | None
    missed: bool
    crisis_follow_up: bool


class CallListItemOut(Schema):
    id: int
    project: str
    status: str
    channel: str
    purpose: str
    started_at: dt.datetime
    minutes: int | None
    caller_type: str
    phone_masked: str
    topics: list[str]
    screened_positive: bool
    outcome: str
    operator: OperatorOut
    linked: bool


class CallOut(CallListItemOut):
    caller_name: str
    phone: str
    screening: dict[str, Any]
    notes: str
    street: str | None
    case_id: int | None = Field(description="only for the client's project team")
    family_member_id: int | None = Field(description="only for the client's project team")
    linked_reason: str = Field(description="only for the client's project team")
    linked_at: dt.datetime | None
    escalation_id: int | None
    call_backs: list[CallBackOut]


class CallPageOut(Schema):
    count: int
    page: int
    pages: int
    items: list[CallListItemOut]


class CallQueryIn(Schema):
    start: dt.date | None = None
    end: dt.date | None = None
    status: Code40 = ""
    caller_type: Code40 = ""
    topic: Code40 = ""
    operator: Annotated[int, Field(ge=0, le=MAX_PK)] = 0
    positive: bool = False
    page: Annotated[int, Field(ge=1, le=1_000_000)] = 1


class DraftOut(Schema):
    saved: bool
    changed: list[str]
    screened_positive: bool
    escalation_id: int | None


class LinkIn(Schema):
    case_id: Id | None = None
    family_member_id: Id | None = None
    reason: Reason


class CallBackIn(Schema):
    due_at: dt.datetime
    reason: Reason = ""
    assignee_id: Id | None = Field(default=None, description="default: you")


class CallBackBoardOut(Schema):
    mine: list[CallBackOut]
    team: list[CallBackOut]


class HistoryIn(Schema):
    phone: Short
    exclude: Id | None = Field(default=None, description="a call not to list (the current one)")


class HistoryItemOut(Schema):
    id: int
    started_at: dt.datetime
    status: str
    channel: str
    minutes: int | None
    topics: list[str]
    outcome: str
    screened_positive: bool
    operator: OperatorOut


class CallerHistoryOut(Schema):
    items: list[HistoryItemOut]
    more: bool


def _operator(user: User) -> OperatorOut:
    return OperatorOut(id=user.pk, name=user.display_name)


def _call_back_out(call_back: CallBack, now: dt.datetime) -> CallBackOut:
    return CallBackOut(
        id=call_back.pk,
        project=call_back.project.code,
        call_id=call_back.call_id,
        due_at=call_back.due_at,
        reason=call_back.reason,
        assignee=_operator(call_back.assignee),
        done_at=call_back.done_at,
        done_call_id=call_back.done_call_id,
        missed=call_back.done_at is None and call_back.due_at < now,
        crisis_follow_up=call_back.escalation_id is not None,
    )


def _list_item(call: Call, project_code: str) -> dict[str, Any]:
    return {
        "id": call.pk,
        "project": project_code,
        "status": call.status,
        "channel": call.channel,
        "purpose": call.purpose,
        "started_at": call.started_at,
        "minutes": call.minutes,
        "caller_type": call.caller_type,
        "phone_masked": mask_phone(call.phone),
        "topics": list(call.topics or []),
        "screened_positive": call.screened_positive,
        "outcome": call.outcome,
        "operator": _operator(call.operator),
        "linked": call.case_id is not None,
    }


def call_out(user: User, call: Call) -> CallOut:
    sees = sees_archive_link(user, call)
    now = timezone.now()
    escalation = Escalation.objects.filter(call_id=call.pk).values_list("pk", flat=True).first()
    return CallOut(
        **_list_item(call, call.project.code),
        caller_name=call.caller_name,
        phone=call.phone,
        screening=call.screening or {},
        notes=call.notes,
        street=call.street_id,
        case_id=call.case_id if sees else None,
        family_member_id=call.family_member_id if sees else None,
        linked_reason=call.linked_reason if sees else "",
        linked_at=call.linked_at,
        escalation_id=escalation,
        call_backs=[_call_back_out(cb, now) for cb in call_backs_of(call)],
    )


def _values(payload: CallFieldsIn, call: Call | None = None) -> dict[str, Any]:
    """The fields sent, as the actions take them: the street by its code, a partial screening
    merged into the stored one."""
    values = payload.model_dump(exclude_unset=True, exclude={"started_at"})
    if "street" in values:
        code = values["street"]
        street = Division.objects.filter(pk=code).first() if code else None
        if code and street is None:
            raise ValidationError(_("No street %(code)s.") % {"code": code})
        values["street"] = street
    if "screening" in values:
        given = values["screening"] or {}
        values["screening"] = {**((call.screening or {}) if call else {}), **given}
    for key in ("caller_name", "phone", "notes", "outcome"):
        if key in values and values[key] is None:
            values[key] = ""
    return values


@router.post(
    "/projects/{code}/calls",
    response={201: CallOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut},
    summary="Start a call (a draft, taken by you); any fields may be given at once",
)
def call_start(request: HttpRequest, code: Code, payload: CallStartIn) -> Status[CallOut]:
    user = api_user(request)
    project = get_hotline_project(user, code, write=True, request=request)
    values = _values(payload)
    call = actions.call_start(
        project=project,
        channel=values.pop("channel", None) or Call.Channel.PHONE_IN,
        purpose=values.pop("purpose", None) or Call.Purpose.COUNSELLING,
        started_at=payload.started_at,
        acting_user=user,
        request=request,
    )
    if values:
        actions.call_save_draft(call=call, values=values, acting_user=user, request=request)
    return Status(201, call_out(user, get_call_for_user(user, call.pk, request=request)))


@router.get(
    "/projects/{code}/calls",
    response={200: CallPageOut, 404: DetailOut},
    summary="A project's calls (filters: dates, status, caller, topic, operator, positive)",
)
def call_list(request: HttpRequest, code: Code, params: Query[CallQueryIn]) -> CallPageOut:
    project = get_hotline_project(api_user(request), code, request=request)
    filters = CallFilters(
        start=params.start,
        end=params.end,
        status=params.status,
        caller_type=params.caller_type,
        topic=params.topic,
        operator=params.operator or None,
        positive=params.positive,
    )
    qs = project_calls_qs(project, filters)
    count = qs.count()
    start = (params.page - 1) * PAGE_SIZE
    rows = list(qs[start : start + PAGE_SIZE]) if start < count else []
    return CallPageOut(
        count=count,
        page=params.page,
        pages=max(1, math.ceil(count / PAGE_SIZE)),
        items=[CallListItemOut(**_list_item(c, project.code)) for c in rows],
    )


@router.get(
    "/calls/{call_id}",
    response={200: CallOut, 404: DetailOut},
    summary="A call (an audited read)",
)
def call_read(request: HttpRequest, call_id: ObjectId) -> CallOut:
    user = api_user(request)
    return call_out(user, get_call_for_user(user, call_id, request=request))


@router.post(
    "/calls/{call_id}/draft",
    response={200: DraftOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut},
    summary="Save any of your call's fields while it goes on (a positive screening escalates)",
)
def call_draft(request: HttpRequest, call_id: ObjectId, payload: CallFieldsIn) -> DraftOut:
    user = api_user(request)
    call = get_draft_for_user(user, call_id, request=request)
    changed = actions.call_save_draft(
        call=call, values=_values(payload, call), acting_user=user, request=request
    )
    escalation = Escalation.objects.filter(call_id=call.pk).values_list("pk", flat=True).first()
    return DraftOut(
        saved=True,
        changed=changed,
        screened_positive=call.screened_positive,
        escalation_id=escalation,
    )


@router.post(
    "/calls/{call_id}/finish",
    response={200: CallOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut},
    summary="Finish your call, with its last fields (everything a finished call needs is checked)",
)
def call_finish(request: HttpRequest, call_id: ObjectId, payload: CallFieldsIn) -> CallOut:
    user = api_user(request)
    call = get_draft_for_user(user, call_id, request=request)
    actions.call_finish(call=call, values=_values(payload, call), acting_user=user, request=request)
    return call_out(user, get_call_for_user(user, call_id, request=request))


@router.post(
    "/calls/{call_id}/link",
    response={200: CallOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut},
    summary="Link a call to a client (case) or family member of the project, with the reason",
)
def call_link(request: HttpRequest, call_id: ObjectId, payload: LinkIn) -> CallOut:
    user = api_user(request)
    call = get_call_for_user(user, call_id, write=True, request=request)
    errors: list[str] = []
    case = member = None
    if payload.case_id:
        case = cases_visible_to(user).filter(pk=payload.case_id).first()
        if case is None:
            errors.append(_("No case %(id)s.") % {"id": payload.case_id})
    if payload.family_member_id:
        member = FamilyMember.objects.filter(
            pk=payload.family_member_id, client__in=clients_visible_to(user)
        ).first()
        if member is None:
            errors.append(_("No family member %(id)s.") % {"id": payload.family_member_id})
    if errors:
        raise ValidationError(errors)
    actions.call_link(
        call=call,
        case=case,
        family_member=member,
        reason=payload.reason,
        acting_user=user,
        request=request,
    )
    return call_out(user, get_call_for_user(user, call_id, request=request))


@router.post(
    "/calls/{call_id}/call-backs",
    response={201: CallBackOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut},
    summary="Schedule a call-back from a call",
)
def call_back_schedule(
    request: HttpRequest, call_id: ObjectId, payload: CallBackIn
) -> Status[CallBackOut]:
    user = api_user(request)
    call = get_call_for_user(user, call_id, write=True, request=request)
    assignee = user
    if payload.assignee_id and payload.assignee_id != user.pk:
        found = User.objects.filter(pk=payload.assignee_id).first()
        if found is None:
            raise ValidationError(_("No user %(id)s.") % {"id": payload.assignee_id})
        assignee = found
    call_back = actions.call_back_schedule(
        call=call,
        due_at=payload.due_at,
        reason=payload.reason,
        assignee=assignee,
        acting_user=user,
        request=request,
    )
    return Status(201, _call_back_out(call_back, timezone.now()))


@router.get(
    "/call-backs",
    response=CallBackBoardOut,
    summary="Open call-backs: yours, and the rest of your hotline teams' (missed ones flagged)",
)
def call_back_list(request: HttpRequest) -> CallBackBoardOut:
    board = call_back_board(api_user(request))
    return CallBackBoardOut(
        mine=[_call_back_out(cb, board.now) for cb in board.mine],
        team=[_call_back_out(cb, board.now) for cb in board.team],
    )


@router.post(
    "/call-backs/{call_back_id}/make",
    response={201: CallOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut},
    summary="Make a call-back: a new outgoing call (a draft, yours) to the same caller",
)
def call_back_make(request: HttpRequest, call_back_id: ObjectId) -> Status[CallOut]:
    user = api_user(request)
    call_back = get_call_back_for_user(user, call_back_id, write=True, request=request)
    call = actions.call_back_make(call_back=call_back, acting_user=user, request=request)
    return Status(201, call_out(user, get_call_for_user(user, call.pk, request=request)))


@router.post(
    "/projects/{code}/caller-history",
    response={200: CallerHistoryOut, 404: DetailOut},
    summary="A caller's earlier calls in the project, by number (never shown back)",
)
def caller_history_lookup(request: HttpRequest, code: Code, payload: HistoryIn) -> CallerHistoryOut:
    project = get_hotline_project(api_user(request), code, request=request)
    history = caller_history(project, index=phone_index(payload.phone), exclude=payload.exclude)
    return CallerHistoryOut(items=[_history_item(row) for row in history.rows], more=history.more)


def _history_item(row: CallRow) -> HistoryItemOut:
    call = row.call
    return HistoryItemOut(
        id=call.pk,
        started_at=call.started_at,
        status=call.status,
        channel=call.channel,
        minutes=call.minutes,
        topics=list(call.topics or []),
        outcome=call.outcome,
        screened_positive=call.screened_positive,
        operator=_operator(call.operator),
    )
