"""Referrals in the JSON API (R6.2, R8.3): a client's consents to share, referrals out drafted
from a case and moved through the state machine (``actions.TRANSITIONS``), referrals in recorded,
registered as an intake and their outcome reported to the partner. Scoped and audited exactly
like the pages (``anxin.referrals.access``), every change one action; a refused change is 422
with every reason. Lists never carry the name or phone of a person referred in, nor free text.

The partner directory, agreements and communication groups are in ``api_network``, whose router
this one includes (config/api.py registers only this one)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.db.models import BooleanField, ExpressionWrapper, Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from anxin.accounts.api import api_user
from anxin.accounts.models import Project, User
from anxin.cases.access import get_case_for_user
from anxin.clients.api import (
    ClientCreateIn,
    ClientFields,
    DetailOut,
    ErrorsOut,
    FamilyIn,
    Long,
    Name,
    Short,
    intake_from,
)
from anxin.contracts.catalogue import workflow_setting
from anxin.referrals import access, actions, actions_consent
from anxin.referrals.api_network import (
    Choice,
    Choices,
    Code,
    ContactOut,
    Id,
    JsonOrForm,
    ObjectId,
    PageNo,
    PageOut,
    PersonOut,
    RefOut,
    Title,
    check_choice,
    find_contact,
    find_partner,
    paged,
    refuse,
    today,
)
from anxin.referrals.api_network import router as network_router
from anxin.referrals.models import Consent, Referral

router = Router(tags=["referral network"])
router.add_router("", network_router)
S = Referral.Status
D = Referral.Direction
ON = "default: today"


# Consents ------------------------------------------------------------------------------------


class ConsentIn(Schema):
    given_by: Choice = Field(description="client or guardian")
    guardian_name: Name = ""
    partner_id: Id | None = Field(default=None, description="empty: any partner of the network")
    scope: Choices = Field(description="identity, id_number, contact, guardian, diagnosis, …")
    purpose: Title
    given_on: dt.date
    expires_on: dt.date | None = None
    method: Choice = Field(description="signed (with the scan as file) or oral (with a witness)")
    witness: Name = ""


class ConsentOut(Schema):
    id: int
    case_id: int
    given_by: str
    guardian_name: str
    partner: RefOut | None = Field(description="empty: any partner of the network")
    scope: list[str]
    purpose: str
    given_on: dt.date
    expires_on: dt.date | None
    method: str
    has_scan: bool
    witness: str
    withdrawn_on: dt.date | None
    withdrawal_note: str
    in_force: bool = Field(description="covers sharing today (given, not expired nor withdrawn)")

    @staticmethod
    def resolve_has_scan(obj: Consent) -> bool:
        return bool(obj.scan)

    @staticmethod
    def resolve_in_force(obj: Consent) -> bool:
        day = today()
        return (
            obj.given_on <= day
            and (obj.expires_on is None or obj.expires_on >= day)
            and (obj.withdrawn_on is None or obj.withdrawn_on > day)
        )


class WithdrawIn(Schema):
    on: dt.date | None = Field(default=None, description=ON)
    note: Title = ""


@router.get(
    "/cases/{case_id}/consents",
    response={200: list[ConsentOut], 404: DetailOut},
    summary="A client's consents to share (an audited read of the case)",
)
def consent_list(request: HttpRequest, case_id: ObjectId) -> Any:
    case = get_case_for_user(api_user(request), case_id, request=request)
    rows = Consent.objects.filter(case=case).select_related("partner")
    return list(rows)


@router.post(
    "/cases/{case_id}/consents",
    response={201: ConsentOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut},
    summary="Record a consent to share: multipart with the scan as file (signed), or a witness",
)
def consent_create(
    request: HttpRequest,
    case_id: ObjectId,
    payload: Annotated[ConsentIn, JsonOrForm(...)],
    scan: File[UploadedFile | None] = None,
) -> Status[Any]:
    user = api_user(request)
    case = get_case_for_user(user, case_id, write=True, request=request)
    errors: list[str] = []
    partner = find_partner(user, payload.partner_id, errors) if payload.partner_id else None
    refuse(errors)
    consent = actions_consent.consent_record(
        case=case,
        partner=partner,
        scan=scan,
        acting_user=user,
        request=request,
        **payload.model_dump(exclude={"partner_id"}),
    )
    return Status(201, consent)


@router.post(
    "/consents/{consent_id}/withdraw",
    response={200: ConsentOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut},
    summary="The client or guardian withdrew a consent: it covers nothing from that day",
)
def consent_withdraw(request: HttpRequest, consent_id: ObjectId, payload: WithdrawIn) -> Any:
    user = api_user(request)
    consent = access.get_consent_for_user(user, consent_id, write=True, request=request)
    on = payload.on or today()
    actions_consent.consent_withdraw(
        consent=consent, on=on, note=payload.note, acting_user=user, request=request
    )
    return consent


# Referrals -----------------------------------------------------------------------------------


class ReferralFieldsIn(Schema):
    partner_id: Id
    partner_contact_id: Id | None = None
    reason: Choice = Field(description="medical, professional or other")
    needs: Long
    shared: Choices = Field(description="what the partner is told (the consent must cover it)")
    urgent: bool = False
    basis: Choice = Field(default="", description="consent or emergency; may follow the draft")
    consent_id: Id | None = None
    emergency_reason: Long = ""


class ReferralDraftIn(ReferralFieldsIn):
    on: dt.date | None = Field(default=None, description=ON)


class ReferralInIn(Schema):
    partner_id: Id
    partner_contact_id: Id | None = None
    reason: Choice = Field(description="medical, professional or other")
    needs: Long
    person_name: Name
    person_phone: Short = ""
    received_on: dt.date
    urgent: bool = False


class MoveIn(Schema):
    to: Choice = Field(description="sent, received, accepted, rejected, completed or cancelled")
    on: dt.date | None = Field(default=None, description=ON)
    note: Long = Field(default="", description="the reason (rejected, cancelled), the feedback")


class OutcomeIn(Schema):
    on: dt.date | None = Field(default=None, description=ON)
    report: Long


class IntakeIn(ClientFields):
    """The client intake body (as ``POST /clients``, without the project: the referral's)."""

    name: Name
    id_number: Short
    street: Short
    family: list[FamilyIn] = Field(default=[], max_length=50)
    on: dt.date | None = Field(default=None, description=ON)
    waiting: bool = False


class ReferralQueryIn(Schema):
    direction: Choice = ""
    status: Choice = ""
    overdue: bool = Field(default=False, description="out, unanswered past the project's delay")
    page: PageNo = 1


class ReferralItemOut(Schema):
    id: int
    project: str = Field(alias="project.code")
    number: str
    direction: str
    status: str
    reason: str
    urgent: bool
    partner: RefOut
    case_id: int | None
    worker: PersonOut
    drafted_on: dt.date | None
    sent_on: dt.date | None
    received_on: dt.date | None
    answered_on: dt.date | None
    completed_on: dt.date | None
    outcome_reported_on: dt.date | None
    overdue: bool = Field(description="sent, unanswered after the project's referral_answer_days")
    created_at: dt.datetime


class ReferralPageOut(PageOut):
    items: list[ReferralItemOut]


class StepOut(Schema):
    status: str
    on: dt.date
    note: str
    by: PersonOut = Field(alias="recorded_by")


class ReferralOut(ReferralItemOut):
    client_id: int | None
    client_name: str
    partner_contact: ContactOut | None
    needs: str
    shared: list[str]
    basis: str
    consent_id: int | None
    emergency_reason: str
    rejection_reason: str
    feedback: str
    person_name: str
    person_phone: str
    outcome_report: str
    days_to_answer: int | None
    allowed_moves: list[str] = Field(description="a referral in is accepted through /intake")
    steps: list[StepOut]

    @staticmethod
    def resolve_client_id(obj: Referral) -> int | None:
        return obj.case.client_id if obj.case else None

    @staticmethod
    def resolve_client_name(obj: Referral) -> str:
        return obj.case.client.name if obj.case else ""

    @staticmethod
    def resolve_allowed_moves(obj: Referral) -> list[str]:
        moves = actions.allowed_moves(obj)
        if obj.direction == D.IN:
            moves -= {S.ACCEPTED}
        return [s for s in S.values if s in moves]

    @staticmethod
    def resolve_steps(obj: Referral) -> Any:
        return obj.steps.select_related("recorded_by")


def _overdue(project: Project) -> Q:
    """Out, sent and unanswered ``referral_answer_days`` or more days ago (as the reminders)."""
    days = int(workflow_setting(project, "referral_answer_days"))
    limit = today() - dt.timedelta(days=days)
    return Q(direction=D.OUT, status__in=[S.SENT, S.RECEIVED], sent_on__lte=limit)


def _referral_out(referral: Referral) -> Referral:
    """The referral to answer with (``ReferralOut``), its ``overdue`` flag set."""
    overdue = Referral.objects.filter(_overdue(referral.project), pk=referral.pk).exists()
    referral.overdue = overdue  # type: ignore[attr-defined]
    return referral


def _reread(request: HttpRequest, referral: Referral) -> Referral:
    """The referral after a change, as its team reads it (an audited read)."""
    user = api_user(request)
    return _referral_out(access.get_referral_for_user(user, referral.pk, request=request))


def _referral_values(user: User, payload: ReferralFieldsIn) -> dict[str, Any]:
    """The body as the actions take it: partner, contact and consent found in your scope."""
    errors: list[str] = []
    values = payload.model_dump(exclude={"partner_id", "partner_contact_id", "consent_id", "on"})
    values["partner"] = find_partner(user, payload.partner_id, errors)
    values["partner_contact"] = find_contact(user, payload.partner_contact_id, errors)
    values["consent"] = None
    if payload.consent_id is not None:
        visible = Consent.objects.filter(project_id__in=access.referral_project_ids(user))
        values["consent"] = visible.filter(pk=payload.consent_id).first()
        if values["consent"] is None:
            errors.append(_("No consent %(id)s.") % {"id": payload.consent_id})
    refuse(errors)
    return values


@router.get(
    "/projects/{code}/referrals",
    response={200: ReferralPageOut, 404: DetailOut, 422: ErrorsOut},
    summary="A project's referrals (filters: direction, status, overdue); no names in the list",
)
def referral_list(request: HttpRequest, code: Code, params: Query[ReferralQueryIn]) -> Any:
    project = access.get_referral_project(api_user(request), code, request=request)
    errors: list[str] = []
    check_choice(params.direction, "direction", D.values, errors)
    check_choice(params.status, "status", S.values, errors)
    refuse(errors)
    overdue = _overdue(project)
    qs = (
        Referral.objects.filter(project=project)
        .select_related("project", "partner", "worker")
        .annotate(overdue=ExpressionWrapper(overdue, output_field=BooleanField()))
    )
    filters = {"direction": params.direction, "status": params.status}
    qs = qs.filter(**{key: value for key, value in filters.items() if value})
    if params.overdue:
        qs = qs.filter(overdue)
    page, rows = paged(qs, params.page)
    return {**page, "items": rows}


@router.post(
    "/cases/{case_id}/referrals",
    response={201: ReferralOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut},
    summary="Draft a referral out for a client (sent later, on a consent or an emergency)",
)
def referral_draft(
    request: HttpRequest, case_id: ObjectId, payload: ReferralDraftIn
) -> Status[Any]:
    user = api_user(request)
    case = get_case_for_user(user, case_id, write=True, request=request)
    values = _referral_values(user, payload)
    referral = actions.referral_draft(
        case=case, on=payload.on, acting_user=user, request=request, **values
    )
    return Status(201, _reread(request, referral))


@router.post(
    "/projects/{code}/referrals/in",
    response={201: ReferralOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut},
    summary="Record a referral in from a partner (received; registered or declined later)",
)
def referral_in_record(request: HttpRequest, code: Code, payload: ReferralInIn) -> Status[Any]:
    user = api_user(request)
    project = access.get_referral_project(user, code, write=True, request=request)
    errors: list[str] = []
    partner = find_partner(user, payload.partner_id, errors)
    contact = find_contact(user, payload.partner_contact_id, errors)
    refuse(errors)
    assert partner is not None
    referral = actions.referral_in_record(
        project=project,
        partner=partner,
        partner_contact=contact,
        acting_user=user,
        request=request,
        **payload.model_dump(exclude={"partner_id", "partner_contact_id"}),
    )
    return Status(201, _reread(request, referral))


@router.get(
    "/referrals/{referral_id}",
    response={200: ReferralOut, 404: DetailOut},
    summary="A referral with its steps (an audited read)",
)
def referral_read(request: HttpRequest, referral_id: ObjectId) -> Any:
    user = api_user(request)
    return _referral_out(access.get_referral_for_user(user, referral_id, request=request))


def _for_write(request: HttpRequest, referral_id: int) -> tuple[User, Referral]:
    user = api_user(request)
    return user, access.get_referral_for_user(user, referral_id, write=True, request=request)


@router.put(
    "/referrals/{referral_id}",
    response={200: ReferralOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut},
    summary="Change a drafted referral (what was sent stays as it was sent)",
)
def referral_update(request: HttpRequest, referral_id: ObjectId, payload: ReferralFieldsIn) -> Any:
    user, referral = _for_write(request, referral_id)
    values = _referral_values(user, payload)
    actions.referral_update(referral=referral, acting_user=user, request=request, **values)
    return _reread(request, referral)


@router.post(
    "/referrals/{referral_id}/status",
    response={200: ReferralOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut},
    summary="Move a referral on (sent, received, accepted, rejected, completed, cancelled)",
)
def referral_move(request: HttpRequest, referral_id: ObjectId, payload: MoveIn) -> Any:
    user, referral = _for_write(request, referral_id)
    actions.referral_move(
        referral=referral,
        to=payload.to,
        on=payload.on or today(),
        note=payload.note,
        acting_user=user,
        request=request,
    )
    return _reread(request, referral)


@router.post(
    "/referrals/{referral_id}/intake",
    response={201: ReferralOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut},
    summary="Accept a referral in by registering the person (the client intake body)",
)
def referral_intake(request: HttpRequest, referral_id: ObjectId, payload: IntakeIn) -> Any:
    user, referral = _for_write(request, referral_id)
    project = referral.project
    body = {**payload.model_dump(exclude={"on", "waiting"}), "project": project.code}
    actions.referral_in_register(
        referral=referral,
        data=intake_from(ClientCreateIn.model_validate(body), project.district),
        on=payload.on or today(),
        waiting=payload.waiting,
        acting_user=user,
        request=request,
    )
    return Status(201, _reread(request, referral))


@router.post(
    "/referrals/{referral_id}/outcome-report",
    response={200: ReferralOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut},
    summary="Record that the referring partner was told the outcome (a referral in)",
)
def referral_outcome(request: HttpRequest, referral_id: ObjectId, payload: OutcomeIn) -> Any:
    user, referral = _for_write(request, referral_id)
    actions.referral_report_outcome(
        referral=referral,
        on=payload.on or today(),
        report=payload.report,
        acting_user=user,
        request=request,
    )
    return _reread(request, referral)
