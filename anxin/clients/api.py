"""API routes of the client registry: list, read, register, update. Scoped exactly like the pages.

Every client is fetched through ``anxin.clients.access``; lists show masked values only; reading a
full archive is an audit event. Input the rules refuse is answered 422 with ``{"errors": [...]}``.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema, Status
from pydantic import AfterValidator, ConfigDict, Field, StringConstraints

from anxin.accounts.access import (
    ARCHIVE_READ_ROLES,
    ARCHIVE_WRITE_ROLES,
    get_project_for_user,
    project_ids_for_user,
)
from anxin.accounts.api import DetailOut, DivisionOut, api_user, division_out
from anxin.accounts.models import User
from anxin.clients.access import clients_visible_to, get_client_for_user
from anxin.clients.actions import client_register, client_update
from anxin.clients.intake import ClientInput, FamilyInput
from anxin.clients.models import Client, DisabilityLevel, FamilyMember, PriorityGroup
from anxin.clients.selectors import ClientFilters, client_archive, search_clients
from anxin.core.ids import MAX_PK
from anxin.core.models import Division

router = Router(tags=["clients"])
PAGE_SIZE = 50


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("NUL characters are not allowed")
    return value


Name = Annotated[str, StringConstraints(max_length=64), AfterValidator(_no_nul)]
Code = Annotated[str, StringConstraints(max_length=40, pattern=r"^[-A-Za-z0-9_]*$")]
Short = Annotated[str, StringConstraints(max_length=40), AfterValidator(_no_nul)]
Line = Annotated[str, StringConstraints(max_length=256), AfterValidator(_no_nul)]
Hospital = Annotated[str, StringConstraints(max_length=128), AfterValidator(_no_nul)]
Long = Annotated[str, StringConstraints(max_length=10000), AfterValidator(_no_nul)]


class ErrorsOut(Schema):
    errors: list[str]


class ConflictOut(Schema):
    detail: str
    current_version: int


VERSION_HELP = (
    "The record's version when it was read. If someone changed it since, nothing is saved and "
    "the answer is 409 with the current version. Leave it out to save without the check."
)


class FamilyIn(Schema):
    name: Name
    relation: Short
    is_guardian: bool = False
    phone: Short = ""
    lives_with_client: bool = False
    notes: Long = ""


class ClientFields(Schema):
    """Archive fields a caller may give at intake and change later."""

    name: Name = ""
    street: Short = ""
    household_district: Short | None = None
    household_address: Line = ""
    address: Line = ""
    phone: Short = ""
    diagnosis: Long = ""
    treating_hospital: Hospital = ""
    medication: Long = ""
    hospitalisation_history: Long = ""
    disability_level: Short = ""
    disability_cert_issued_on: dt.date | None = None
    priority_groups: list[Short] = []
    condition_stable: bool = True
    violence_tendency: bool = False
    discharge_allows_community_rehab: bool = True
    notes: Long = ""


class ClientCreateIn(ClientFields):
    project: Code
    name: Name
    id_number: Short
    street: Short
    family: list[FamilyIn] = []


class ClientChangesIn(ClientFields):
    """Only the fields present are changed."""

    model_config = ConfigDict(extra="forbid")
    status: Short = ""


class ClientPatchIn(Schema):
    reason: Line
    changes: ClientChangesIn
    version: int | None = Field(None, ge=1, le=MAX_PK, description=VERSION_HELP)


class ClientQueryIn(Schema):
    q: Line = ""
    project: Code = ""
    street: Short = ""
    priority_group: Short = ""
    status: Short = ""
    page: Annotated[int, Field(ge=1, le=1_000_000)] = 1


class ClientListItemOut(Schema):
    id: int
    name: str
    sex: str
    birth_date: dt.date
    street: DivisionOut
    status: str
    priority_groups: list[str]
    id_number_masked: str
    phone_masked: str


class ClientPageOut(Schema):
    count: int
    page: int
    pages: int
    items: list[ClientListItemOut]


class FamilyOut(Schema):
    id: int
    name: str
    relation: str
    is_guardian: bool
    phone: str
    lives_with_client: bool
    notes: str
    active: bool


class ClientCaseOut(Schema):
    id: int
    project: str
    project_name: str
    status: str
    opened_on: dt.date
    closed_on: dt.date | None
    closing_reason: str


class FieldChangeOut(Schema):
    field: str
    old: str
    new: str


class HistoryOut(Schema):
    at: dt.datetime
    by: str
    type: str
    reason: str
    subject: str
    changes: list[FieldChangeOut]


class ClientArchiveOut(Schema):
    id: int
    name: str
    id_number: str
    sex: str
    birth_date: dt.date
    household_district: DivisionOut | None
    household_address: str
    street: DivisionOut
    address: str
    phone: str
    diagnosis: str
    treating_hospital: str
    medication: str
    hospitalisation_history: str
    disability_level: str
    disability_cert_issued_on: dt.date | None
    priority_groups: list[str]
    condition_stable: bool
    violence_tendency: bool
    discharge_allows_community_rehab: bool
    status: str
    notes: str
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int
    family: list[FamilyOut]
    cases: list[ClientCaseOut]
    history: list[HistoryOut]


def list_item_out(client: Client) -> ClientListItemOut:
    return ClientListItemOut(
        id=client.pk,
        name=client.name,
        sex=client.sex,
        birth_date=client.birth_date,
        street=division_out(client.street),
        status=client.status,
        priority_groups=client.priority_group_codes,
        id_number_masked=client.id_number_masked,
        phone_masked=client.phone_masked,
    )


def archive_out(client: Client, user: User) -> ClientArchiveOut:
    """The full archive: only ever built from a client that ``get_client_for_user`` returned."""
    parts = client_archive(client, project_ids=project_ids_for_user(user, ARCHIVE_READ_ROLES))
    district = client.household_district
    return ClientArchiveOut(
        id=client.pk,
        name=client.name,
        id_number=client.id_number,
        sex=client.sex,
        birth_date=client.birth_date,
        household_district=division_out(district) if district is not None else None,
        household_address=client.household_address,
        street=division_out(client.street),
        address=client.address,
        phone=client.phone,
        diagnosis=client.diagnosis,
        treating_hospital=client.treating_hospital,
        medication=client.medication,
        hospitalisation_history=client.hospitalisation_history,
        disability_level=client.disability_level,
        disability_cert_issued_on=client.disability_cert_issued_on,
        priority_groups=client.priority_group_codes,
        condition_stable=client.condition_stable,
        violence_tendency=client.violence_tendency,
        discharge_allows_community_rehab=client.discharge_allows_community_rehab,
        status=client.status,
        notes=client.notes,
        created_at=client.created_at,
        updated_at=client.updated_at,
        version=client.version,
        family=[FamilyOut.model_validate(m) for m in parts["family"]],
        cases=[
            ClientCaseOut(
                id=c.pk,
                project=c.project.code,
                project_name=c.project.name,
                status=c.status,
                opened_on=c.opened_on,
                closed_on=c.closed_on,
                closing_reason=c.closing_reason,
            )
            for c in parts["cases"]
        ],
        history=[
            HistoryOut(
                at=h.when,
                by=h.who,
                type=h.kind,
                reason=h.reason,
                subject=h.subject,
                changes=[FieldChangeOut(field=c.label, old=c.old, new=c.new) for c in h.changes],
            )
            for h in parts["history"]
        ],
    )


def _division(code: str, level: str, errors: list[str], message: str) -> Division | None:
    division = Division.objects.filter(code=code, level=level).first() if code.isdigit() else None
    if division is None:
        errors.append(message % {"code": code})
    return division


def domain_values(values: dict[str, Any], errors: list[str]) -> dict[str, Any]:
    """Turn the codes of an API body into what the actions take; refusals go to ``errors``."""
    out = dict(values)
    if "name" in values and not values["name"].strip():
        errors.append(_("The name is required."))
    if "street" in values:
        out["street"] = _division(
            values["street"], Division.Level.STREET, errors, _("Unknown street code %(code)s.")
        )
    if values.get("household_district"):
        out["household_district"] = _division(
            values["household_district"],
            Division.Level.DISTRICT,
            errors,
            _("Unknown district code %(code)s."),
        )
    elif "household_district" in values:
        out["household_district"] = None
    if "disability_level" in values and values["disability_level"] not in DisabilityLevel.values:
        errors.append(_("The disability level must be empty or 1 to 4."))
    unknown = sorted(set(values.get("priority_groups", [])) - set(PriorityGroup.values))
    if unknown:
        errors.append(_("Unknown priority groups: %(codes)s.") % {"codes": ", ".join(unknown)})
    if "status" in values and values["status"] not in Client.Status.values:
        errors.append(_("Unknown status %(code)s.") % {"code": values["status"]})
    return out


def intake_from(payload: ClientCreateIn, district: Division) -> ClientInput:
    errors: list[str] = []
    values = domain_values(payload.model_dump(exclude={"project", "family"}), errors)
    street = values["street"]
    if street is not None and street.parent_id != district.pk:
        errors.append(
            _("The street of residence must be a street of %(district)s.")
            % {"district": district.name}
        )
    relations = set(FamilyMember.Relation.values)
    for member in payload.family:
        if member.relation not in relations:
            errors.append(
                _("Family member %(name)s: unknown relation %(code)s.")
                % {"name": member.name, "code": member.relation}
            )
    data = ClientInput(**values, family=[FamilyInput(**m.model_dump()) for m in payload.family])
    if errors:
        info = data.id_info
        if not info.valid:
            errors.append(_("Resident ID number: %(error)s.") % {"error": info.error})
        raise ValidationError(errors)
    return data


@router.get(
    "/clients",
    response={200: ClientPageOut, 404: DetailOut, 422: ErrorsOut},
    summary="Search the clients you can see (masked values)",
)
def client_list(request: HttpRequest, params: Query[ClientQueryIn]) -> ClientPageOut:
    user = api_user(request)
    errors: list[str] = []
    if params.priority_group and params.priority_group not in PriorityGroup.values:
        errors.append(_("Unknown priority groups: %(codes)s.") % {"codes": params.priority_group})
    if params.status and params.status not in Client.Status.values:
        errors.append(_("Unknown status %(code)s.") % {"code": params.status})
    if errors:
        raise ValidationError(errors)
    project_id = None
    if params.project:
        project_id = get_project_for_user(
            user, params.project, roles=ARCHIVE_READ_ROLES, request=request
        ).pk
    filters = ClientFilters(
        q=params.q,
        project=project_id,
        street=params.street,
        priority_group=params.priority_group,
        status=params.status,
    )
    qs = search_clients(clients_visible_to(user), filters)
    count = qs.count()
    page = params.page
    start = (page - 1) * PAGE_SIZE
    rows = list(qs[start : start + PAGE_SIZE]) if start < count else []
    return ClientPageOut(
        count=count,
        page=page,
        pages=max(1, math.ceil(count / PAGE_SIZE)),
        items=[list_item_out(c) for c in rows],
    )


@router.get(
    "/clients/{client_id}",
    response={200: ClientArchiveOut, 404: DetailOut},
    summary="A client's full archive (an audited read)",
)
def client_read(
    request: HttpRequest, client_id: Annotated[int, Path(ge=1, le=MAX_PK)]
) -> ClientArchiveOut:
    user = api_user(request)
    client = get_client_for_user(user, client_id, request=request, purpose="api")
    return archive_out(client, user)


@router.post(
    "/clients",
    response={201: ClientArchiveOut, 404: DetailOut, 422: ErrorsOut},
    summary="Register a client into a project (intake)",
)
def client_create(request: HttpRequest, payload: ClientCreateIn) -> Status[ClientArchiveOut]:
    user = api_user(request)
    project = get_project_for_user(
        user, payload.project, roles=ARCHIVE_WRITE_ROLES, request=request
    )
    data = intake_from(payload, project.district)
    case = client_register(
        project=project, data=data, acting_user=user, request=request, source="api"
    )
    client = get_client_for_user(user, case.client_id, request=request, purpose="api.register")
    return Status(201, archive_out(client, user))


@router.patch(
    "/clients/{client_id}",
    response={
        200: ClientArchiveOut,
        403: DetailOut,
        404: DetailOut,
        409: ConflictOut,
        422: ErrorsOut,
    },
    summary="Change archive fields, with the reason (kept in the history)",
)
def client_patch(
    request: HttpRequest, client_id: Annotated[int, Path(ge=1, le=MAX_PK)], payload: ClientPatchIn
) -> ClientArchiveOut:
    user = api_user(request)
    client = get_client_for_user(user, client_id, write=True, request=request)
    errors: list[str] = []
    changes = domain_values(payload.changes.model_dump(exclude_unset=True), errors)
    if errors:
        raise ValidationError(errors)
    client_update(
        client=client,
        changes=changes,
        reason=payload.reason,
        acting_user=user,
        request=request,
        expected_version=payload.version,
    )
    client = get_client_for_user(user, client_id, request=request, purpose="api.update")
    return archive_out(client, user)
