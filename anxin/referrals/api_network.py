"""The referral network's setting in the JSON API (R6.1, R6.3): the organisation's partner
directory and contacts, a project's agreements, its communication groups and their traces; and
what the referral routes (``api.py``, which includes this router) share with it. Scoped and
audited like the pages (``anxin.referrals.access``), every change one action, refusals 422.
Agreements and group activities take a JSON body, or a multipart form with the file."""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import FileResponse, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Path, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile
from ninja.params.models import Form, FormModel
from pydantic import AfterValidator, Field, StringConstraints

from anxin.accounts.api import DivisionOut, api_user
from anxin.accounts.models import Project, User
from anxin.clients.api import MAX_PK, PAGE_SIZE, DetailOut, ErrorsOut, Long, Name, Short
from anxin.core.models import Division
from anxin.referrals import access
from anxin.referrals import actions_network as network
from anxin.referrals.models import (
    Agreement,
    CommunicationGroup,
    GroupActivity,
    Level,
    Partner,
    PartnerContact,
)

router = Router(tags=["referral network"])
Code = Annotated[str, Path(max_length=40, pattern=r"^[-A-Za-z0-9_]+$")]
ObjectId = Annotated[int, Path(ge=1, le=MAX_PK)]
Id = Annotated[int, Field(ge=1, le=MAX_PK)]
Choice = Annotated[str, StringConstraints(max_length=32, pattern=r"^[a-z_]*$")]
Choices = Annotated[list[Choice], Field(max_length=20)]
Ids = Annotated[list[Id], Field(max_length=200)]
Place = Annotated[str, StringConstraints(max_length=12, pattern=r"^[0-9]*$")]
PageNo = Annotated[int, Field(ge=1, le=1_000_000)]


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("NUL characters are not allowed")
    return value


Label = Annotated[str, StringConstraints(max_length=128), AfterValidator(_no_nul)]
Title = Annotated[str, StringConstraints(max_length=200), AfterValidator(_no_nul)]


class _JsonOrFormModel(FormModel):
    """Fields read from a JSON body, or from a multipart form when a file comes with them."""

    @classmethod
    def get_request_data(cls, request: HttpRequest, api: Any, path_params: Any) -> Any:
        if request.content_type != "application/json":
            return super().get_request_data(request, api, path_params)
        try:
            data = api.parser.parse_body(request) if request.body else {}
        except ValueError as error:
            raise HttpError(400, "Cannot parse request body") from error
        if not isinstance(data, dict):
            raise HttpError(400, "Cannot parse request body")
        return data


class JsonOrForm(Form):  # type: ignore[misc]
    _model = _JsonOrFormModel

    @classmethod
    def _param_source(cls) -> str:
        return "form"


class RefOut(Schema):
    id: int
    name: str


class PersonOut(Schema):
    id: int
    name: str = Field(alias="display_name")


class PageOut(Schema):
    count: int
    page: int
    pages: int


class ContactOut(Schema):
    id: int
    name: str
    role: str
    phone: str
    active: bool


def paged(qs: QuerySet[Any], page: int) -> tuple[dict[str, Any], list[Any]]:
    count = qs.count()
    start = (page - 1) * PAGE_SIZE
    rows = list(qs[start : start + PAGE_SIZE]) if start < count else []
    return {"count": count, "page": page, "pages": max(1, math.ceil(count / PAGE_SIZE))}, rows


def refuse(errors: list[str]) -> None:
    if errors:
        raise ValidationError(errors)


def check_choice(value: str, name: str, choices: list[str], errors: list[str]) -> None:
    if value and value not in choices:
        errors.append(
            _("Unknown value “%(value)s” in %(column)s; accepted: %(accepted)s.")
            % {"value": value, "column": name, "accepted": ", ".join(choices)}
        )


def division(code: str, level: str, errors: list[str]) -> Division | None:
    found = Division.objects.filter(code=code, level=level).first() if code else None
    if code and found is None:
        street = level == Division.Level.STREET
        message = (
            _("Unknown street code %(code)s.") if street else _("Unknown district code %(code)s.")
        )
        errors.append(message % {"code": code})
    return found


def find_partner(user: User, pk: int, errors: list[str]) -> Partner | None:
    """A partner of the caller's directory named in a body (unknown: a reason in ``errors``)."""
    partner = access.partners_visible_to(user).filter(pk=pk).first()
    if partner is None:
        errors.append(_("No partner %(id)s.") % {"id": pk})
    return partner


def find_contact(user: User, pk: int | None, errors: list[str]) -> PartnerContact | None:
    visible = access.partners_visible_to(user)
    contact = PartnerContact.objects.filter(pk=pk, partner__in=visible).first() if pk else None
    if pk and contact is None:
        errors.append(_("No partner contact %(id)s.") % {"id": pk})
    return contact


def today() -> dt.date:
    return timezone.localdate()


# The partner directory -----------------------------------------------------------------------


class PartnerIn(Schema):
    name: Label
    kind: Choice
    level: Choice = Field(description="district or street")
    district: Place = Field(description="the district's 6-digit code")
    street: Place = Field(default="", description="the street's code (street level)")
    services: Long = ""
    address: Title = ""
    phone: Short = ""


class PartnerUpdateIn(PartnerIn):
    active: bool = Field(default=True, description="false: no longer offered for referrals")


class PartnerQueryIn(Schema):
    kind: Choice = ""
    level: Choice = ""
    street: Place = ""
    q: Label = ""
    all: bool = Field(default=False, description="inactive partners too")
    page: PageNo = 1


class PartnerOut(Schema):
    id: int
    name: str
    kind: str
    level: str
    district: DivisionOut
    street: DivisionOut | None
    services: str
    address: str
    phone: str
    active: bool


class PartnerPageOut(PageOut):
    items: list[PartnerOut]


class ContactIn(Schema):
    name: Name
    role: Name = ""
    phone: Short = ""


class AgreementOut(Schema):
    id: int
    project: str = Field(alias="project.code")
    partner: RefOut
    title: str
    signed_on: dt.date
    ends_on: dt.date | None
    scope: str
    in_force: bool
    file: str | None = Field(description="GET this path for the scan (an audited export)")

    @staticmethod
    def resolve_in_force(obj: Agreement) -> bool:
        return obj.signed_on <= today() and (obj.ends_on is None or obj.ends_on >= today())

    @staticmethod
    def resolve_file(obj: Agreement) -> str | None:
        return f"/api/v1/agreements/{obj.pk}/file" if obj.file else None


class PartnerDetailOut(PartnerOut):
    contacts: list[ContactOut]
    agreements: list[AgreementOut] = Field(description="those of your projects")


def _partner_detail(user: User, partner: Partner) -> dict[str, Any]:
    """What ``PartnerDetailOut`` is made of: the agreements of the caller's projects only."""
    agreements = Agreement.objects.filter(
        partner=partner, project_id__in=access.referral_project_ids(user)
    ).select_related("project", "partner")
    return {
        **PartnerOut.model_validate(partner).model_dump(),
        "contacts": list(partner.contacts.all()),
        "agreements": list(agreements),
    }


def _partner_input(payload: PartnerIn) -> network.PartnerInput:
    errors: list[str] = []
    district = division(payload.district, Division.Level.DISTRICT, errors)
    street = division(payload.street, Division.Level.STREET, errors)
    refuse(errors)
    fields = payload.model_dump(exclude={"district", "street", "active"})
    return network.PartnerInput(**fields, district=district, street=street)


@router.get(
    "/partners",
    response={200: PartnerPageOut, 404: DetailOut, 422: ErrorsOut},
    summary="Your organisation's partner directory (filters: kind, level, street, q; all)",
)
def partner_list(request: HttpRequest, params: Query[PartnerQueryIn]) -> Any:
    user = api_user(request)
    access.require_directory(user, request=request)
    errors: list[str] = []
    check_choice(params.kind, "kind", Partner.Kind.values, errors)
    check_choice(params.level, "level", Level.values, errors)
    refuse(errors)
    qs = access.partners_visible_to(user).select_related("district", "street")
    filters = {"kind": params.kind, "level": params.level, "street_id": params.street}
    qs = qs.filter(**{key: value for key, value in filters.items() if value})
    if not params.all:
        qs = qs.filter(active=True)
    if params.q.strip():
        qs = qs.filter(name__icontains=params.q.strip())
    page, rows = paged(qs, params.page)
    return {**page, "items": rows}


@router.post(
    "/partners",
    response={201: PartnerDetailOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut},
    summary="Add a partner to your organisation's directory",
)
def partner_create(request: HttpRequest, payload: PartnerIn) -> Status[Any]:
    user = api_user(request)
    organisation_id = access.require_directory(user, write=True, request=request)
    partner = network.partner_create(
        organisation_id=organisation_id,
        data=_partner_input(payload),
        acting_user=user,
        request=request,
    )
    return Status(201, _partner_detail(user, partner))


@router.get(
    "/partners/{partner_id}",
    response={200: PartnerDetailOut, 404: DetailOut},
    summary="A partner with its contacts and your projects' agreements (an audited read)",
)
def partner_read(request: HttpRequest, partner_id: ObjectId) -> Any:
    user = api_user(request)
    return _partner_detail(user, access.get_partner_for_user(user, partner_id, request=request))


@router.put(
    "/partners/{partner_id}",
    response={200: PartnerDetailOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut},
    summary="Change a partner, or take it out of use (active: false)",
)
def partner_update(request: HttpRequest, partner_id: ObjectId, payload: PartnerUpdateIn) -> Any:
    user = api_user(request)
    partner = access.get_partner_for_user(user, partner_id, write=True, request=request)
    network.partner_update(
        partner=partner,
        data=_partner_input(payload),
        active=payload.active,
        acting_user=user,
        request=request,
    )
    return _partner_detail(user, partner)


@router.post(
    "/partners/{partner_id}/contacts",
    response={201: ContactOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut},
    summary="Add a contact person at a partner",
)
def contact_add(request: HttpRequest, partner_id: ObjectId, payload: ContactIn) -> Status[Any]:
    user = api_user(request)
    partner = access.get_partner_for_user(user, partner_id, write=True, request=request)
    contact = network.partner_contact_add(
        partner=partner, acting_user=user, request=request, **payload.model_dump()
    )
    return Status(201, contact)


@router.post(
    "/partner-contacts/{contact_id}/deactivate",
    response={200: ContactOut, 403: DetailOut, 404: DetailOut},
    summary="A contact left or changed post: kept on earlier referrals, no longer offered",
)
def contact_deactivate(request: HttpRequest, contact_id: ObjectId) -> Any:
    user = api_user(request)
    contact = access.get_contact_for_user(user, contact_id, request=request)
    network.partner_contact_deactivate(contact=contact, acting_user=user, request=request)
    return contact


# Agreements ----------------------------------------------------------------------------------


class AgreementIn(Schema):
    partner_id: Id
    title: Title
    signed_on: dt.date
    ends_on: dt.date | None = None
    scope: Long = ""


@router.get(
    "/projects/{code}/agreements",
    response={200: list[AgreementOut], 404: DetailOut},
    summary="A project's cooperation agreements with partners",
)
def agreement_list(request: HttpRequest, code: Code) -> Any:
    project = access.get_referral_project(api_user(request), code, request=request)
    rows = Agreement.objects.filter(project=project).select_related("project", "partner")
    return list(rows)


@router.post(
    "/projects/{code}/agreements",
    response={201: AgreementOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut},
    summary="Record an agreement (the project lead): JSON, or multipart with the scan as file",
)
def agreement_create(
    request: HttpRequest,
    code: Code,
    payload: Annotated[AgreementIn, JsonOrForm(...)],
    file: File[UploadedFile | None] = None,
) -> Status[Any]:
    user = api_user(request)
    project = access.get_agreement_project(user, code, request=request)
    errors: list[str] = []
    partner = find_partner(user, payload.partner_id, errors)
    refuse(errors)
    assert partner is not None
    agreement = network.agreement_add(
        project=project,
        partner=partner,
        acting_user=user,
        file=file,
        request=request,
        **payload.model_dump(exclude={"partner_id"}),
    )
    return Status(201, agreement)


@router.get(
    "/agreements/{agreement_id}/file",
    response={200: None, 404: DetailOut},
    summary="Download an agreement's scan (an audited export)",
)
def agreement_file(request: HttpRequest, agreement_id: ObjectId) -> FileResponse:
    agreement = access.get_agreement_file_for_user(api_user(request), agreement_id, request=request)
    name = agreement.file.name.rsplit("/", 1)[-1]
    return FileResponse(agreement.file.open("rb"), as_attachment=True, filename=name)


# Communication groups ------------------------------------------------------------------------


class GroupIn(Schema):
    name: Label
    platform: Choice = Field(description="wechat, wecom, dingtalk, meeting or other")
    level: Choice = Field(description="district or street")
    purpose: Long
    started_on: dt.date
    street: Place = Field(default="", description="the street's code (street level)")
    partner_ids: Ids
    staff_ids: Ids = Field(default=[], description="members of the project's team")


class GroupUpdateIn(GroupIn):
    closed_on: dt.date | None = None


class ActivityIn(Schema):
    on: dt.date
    kind: Choice = Field(description="meeting, case_discussion, notice or other")
    summary: Long


class GroupOut(Schema):
    id: int
    project: str = Field(alias="project.code")
    name: str
    platform: str
    level: str
    street: DivisionOut | None
    purpose: str
    started_on: dt.date
    closed_on: dt.date | None
    partner_count: int
    staff_count: int
    activity_count: int
    last_activity_on: dt.date | None


class ActivityOut(Schema):
    id: int
    on: dt.date
    kind: str
    summary: str
    evidence: str | None = Field(description="GET this path for the evidence (audited)")

    @staticmethod
    def resolve_evidence(obj: GroupActivity) -> str | None:
        return f"/api/v1/group-activities/{obj.pk}/evidence" if obj.evidence else None


class GroupDetailOut(GroupOut):
    partners: list[RefOut]
    staff: list[PersonOut]
    activities: list[ActivityOut]


def _count(model: Any, link: str) -> Coalesce:
    rows = model.objects.filter(**{link: OuterRef("pk")}).values(link)
    return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n")[:1]), 0)


def _groups(project: Project) -> QuerySet[CommunicationGroup]:
    """The project's groups with their counts and last activity: one query."""
    last = GroupActivity.objects.filter(group=OuterRef("pk")).order_by("-on").values("on")[:1]
    return (
        CommunicationGroup.objects.filter(project=project)
        .select_related("project", "street")
        .annotate(
            partner_count=_count(CommunicationGroup.partners.through, "communicationgroup"),
            staff_count=_count(CommunicationGroup.staff.through, "communicationgroup"),
            activity_count=_count(GroupActivity, "group"),
            last_activity_on=Subquery(last),
        )
    )


def _group_detail(group: CommunicationGroup) -> CommunicationGroup:
    """The group with its counts, to answer with (``GroupDetailOut``)."""
    return _groups(group.project).get(pk=group.pk)


def _group_input(user: User, project: Project, payload: GroupIn) -> network.GroupInput:
    """The body as the action takes it; partners of your directory, staff of the project."""
    errors: list[str] = []
    street = division(payload.street, Division.Level.STREET, errors)
    ids = payload.partner_ids
    partners = {p.pk: p for p in access.partners_visible_to(user).filter(pk__in=ids)}
    errors += [_("No partner %(id)s.") % {"id": pk} for pk in ids if pk not in partners]
    ids = payload.staff_ids
    members = User.objects.filter(pk__in=ids, memberships__project=project).distinct()
    staff = {u.pk: u for u in members}
    errors += [_("No user %(id)s.") % {"id": pk} for pk in ids if pk not in staff]
    refuse(errors)
    return network.GroupInput(
        **payload.model_dump(include={"name", "platform", "level", "purpose", "started_on"}),
        street=street,
        partners=list(partners.values()),
        staff=list(staff.values()),
    )


@router.get(
    "/projects/{code}/groups",
    response={200: list[GroupOut], 404: DetailOut},
    summary="A project's communication groups: members, number of activities, the last one",
)
def group_list(request: HttpRequest, code: Code) -> Any:
    project = access.get_referral_project(api_user(request), code, request=request)
    return list(_groups(project))


@router.post(
    "/projects/{code}/groups",
    response={201: GroupDetailOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut},
    summary="Set up a communication group with its partners and staff",
)
def group_create(request: HttpRequest, code: Code, payload: GroupIn) -> Status[Any]:
    user = api_user(request)
    project = access.get_referral_project(user, code, write=True, request=request)
    data = _group_input(user, project, payload)
    group = network.group_create(project=project, data=data, acting_user=user, request=request)
    return Status(201, _group_detail(group))


@router.get(
    "/groups/{group_id}",
    response={200: GroupDetailOut, 404: DetailOut},
    summary="A communication group with its members and activities (an audited read)",
)
def group_read(request: HttpRequest, group_id: ObjectId) -> Any:
    user = api_user(request)
    return _group_detail(access.get_group_for_user(user, group_id, request=request))


@router.put(
    "/groups/{group_id}",
    response={200: GroupDetailOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut},
    summary="Change a group and its members, or close it (closed_on)",
)
def group_update(request: HttpRequest, group_id: ObjectId, payload: GroupUpdateIn) -> Any:
    user = api_user(request)
    group = access.get_group_for_user(user, group_id, write=True, request=request)
    network.group_update(
        group=group,
        data=_group_input(user, group.project, payload),
        closed_on=payload.closed_on,
        acting_user=user,
        request=request,
    )
    return _group_detail(group)


@router.post(
    "/groups/{group_id}/activities",
    response={201: ActivityOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut},
    summary="Record a trace of a group's activity: JSON, or multipart with evidence as file",
)
def group_activity_add(
    request: HttpRequest,
    group_id: ObjectId,
    payload: Annotated[ActivityIn, JsonOrForm(...)],
    evidence: File[UploadedFile | None] = None,
) -> Status[Any]:
    user = api_user(request)
    group = access.get_group_for_user(user, group_id, write=True, request=request)
    activity = network.group_activity_add(
        group=group, evidence=evidence, acting_user=user, request=request, **payload.model_dump()
    )
    return Status(201, activity)


@router.get(
    "/group-activities/{activity_id}/evidence",
    response={200: None, 404: DetailOut},
    summary="Download a piece of a group's evidence (an audited export)",
)
def group_evidence(request: HttpRequest, activity_id: ObjectId) -> FileResponse:
    activity = access.get_evidence_for_user(api_user(request), activity_id, request=request)
    name = activity.evidence.name.rsplit("/", 1)[-1]
    return FileResponse(activity.evidence.open("rb"), as_attachment=True, filename=name)
