"""Assessments in the JSON API: the instruments, a case's assessments with change indicators,
recording one, reading one. Scoped and audited through the case (``get_case_for_user``).

Answers that cannot be scored are answered 422 with one message per item (``q3: …``).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Router, Schema, Status
from pydantic import Field

from anxin.accounts.api import api_user
from anxin.assessments import actions
from anxin.assessments.access import get_assessment_for_user
from anxin.assessments.change import Change, improvement_rule
from anxin.assessments.definitions import flag_labels, localised
from anxin.assessments.models import AssessmentRecord, Instrument
from anxin.assessments.selectors import (
    band_label,
    case_assessments,
    changes,
    current_instruments,
    instruments_for,
)
from anxin.cases.access import get_case_for_user
from anxin.clients.api import MAX_PK, DetailOut, ErrorsOut

router = Router(tags=["assessments"])
Id = Annotated[int, Path(ge=1, le=MAX_PK)]


class InstrumentOut(Schema):
    id: int
    code: str
    version: int
    title: str
    title_zh: str
    title_en: str
    builtin: bool
    definition: dict[str, Any]


class FlagOut(Schema):
    code: str
    label: str
    crisis: bool


class AssessmentSummaryOut(Schema):
    id: int
    case_id: int
    instrument: str
    version: int
    title: str
    timepoint: str
    assessed_on: dt.date
    assessor: str
    total: float | None
    band: str
    band_label: str
    subscales: dict[str, float]
    flags: list[FlagOut]


class AssessmentOut(AssessmentSummaryOut):
    client_id: int
    project: str
    answers: dict[str, Any]
    notes: str
    created_at: dt.datetime


class ChangeOut(Schema):
    instrument: str
    kind: str = Field(description="overall: baseline (else first) to latest; step: consecutive")
    from_id: int
    from_date: dt.date
    from_total: float
    to_id: int
    to_date: dt.date
    to_total: float
    rci: float | None
    reliable_change: bool | None
    reduction_rate: float | None
    reduction_category: str
    crossed_cutoff: bool | None
    improved: bool


class CaseAssessmentsOut(Schema):
    case_id: int
    improvement_rule: str
    assessments: list[AssessmentSummaryOut]
    changes: list[ChangeOut]


class AssessmentIn(Schema):
    instrument: str = Field(max_length=40, description="instrument code, e.g. phq9")
    version: int | None = Field(None, ge=1, le=32767, description="default: the current one")
    timepoint: str = Field(description=", ".join(AssessmentRecord.Timepoint.values))
    assessed_on: dt.date
    answers: dict[str, Any] = Field(description="item code → option value, list, number, text")
    notes: str = Field("", max_length=4000)


def instrument_out(instrument: Instrument) -> InstrumentOut:
    return InstrumentOut(
        id=instrument.pk,
        code=instrument.code,
        version=instrument.version,
        title=localised({"zh": instrument.title_zh, "en": instrument.title_en}),
        title_zh=instrument.title_zh,
        title_en=instrument.title_en,
        builtin=instrument.organisation_id is None,
        definition=instrument.definition,
    )


def _flags(record: AssessmentRecord) -> list[FlagOut]:
    known = flag_labels(record.instrument.definition or {})
    return [
        FlagOut(
            code=f,
            label=localised(known.get(f, {}).get("label")) or f,
            crisis=bool(known.get(f, {}).get("crisis", True)),
        )
        for f in record.flags or []
    ]


def _summary(record: AssessmentRecord) -> dict[str, Any]:
    return {
        "id": record.pk,
        "case_id": record.case_id,
        "instrument": record.instrument.code,
        "version": record.instrument.version,
        "title": localised({"zh": record.instrument.title_zh, "en": record.instrument.title_en}),
        "timepoint": record.timepoint,
        "assessed_on": record.assessed_on,
        "assessor": record.assessor.display_name,
        "total": record.total,
        "band": record.band,
        "band_label": band_label(record),
        "subscales": record.subscales or {},
        "flags": _flags(record),
    }


def assessment_out(record: AssessmentRecord) -> AssessmentOut:
    """The full assessment: only ever built from one that ``get_assessment_for_user`` gave."""
    return AssessmentOut(
        **_summary(record),
        client_id=record.client_id,
        project=record.case.project.code,
        answers=actions.stored_answers(record),
        notes=record.notes or "",
        created_at=record.created_at,
    )


def change_out(
    code: str, kind: str, first: AssessmentRecord, last: AssessmentRecord, change: Change
) -> ChangeOut:
    return ChangeOut(
        instrument=code,
        kind=kind,
        from_id=first.pk,
        from_date=first.assessed_on,
        from_total=change.before,
        to_id=last.pk,
        to_date=last.assessed_on,
        to_total=change.after,
        rci=change.rci,
        reliable_change=change.reliable,
        reduction_rate=change.reduction_rate,
        reduction_category=change.reduction_category,
        crossed_cutoff=change.crossed_cutoff,
        improved=change.improved,
    )


@router.get("/instruments", response=list[InstrumentOut], summary="Instruments you can use")
def instrument_list(request: HttpRequest) -> list[InstrumentOut]:
    user = api_user(request)
    return [instrument_out(i) for i in current_instruments(user.organisation_id)]


@router.get(
    "/cases/{case_id}/assessments",
    response={200: CaseAssessmentsOut, 404: DetailOut},
    summary="A case's assessments (no answers) and the change between them",
)
def case_assessment_list(request: HttpRequest, case_id: Id) -> CaseAssessmentsOut:
    case = get_case_for_user(api_user(request), case_id, request=request)
    records = case_assessments(case)
    rule = improvement_rule(case.project)
    return CaseAssessmentsOut(
        case_id=case.pk,
        improvement_rule=rule,
        assessments=[AssessmentSummaryOut(**_summary(r)) for r in records],
        changes=[
            change_out(row.code, kind, first, last, change)
            for row in changes(records, rule)
            for kind, first, last, change in [
                ("overall", row.first, row.last, row.change),
                *(("step", a, b, c) for a, b, c in row.steps),
            ]
        ],
    )


@router.post(
    "/cases/{case_id}/assessments",
    response={201: AssessmentOut, 403: DetailOut, 404: DetailOut, 422: ErrorsOut},
    summary="Record a scored assessment for a case",
)
def case_assessment_create(
    request: HttpRequest, case_id: Id, payload: AssessmentIn
) -> Status[AssessmentOut]:
    user = api_user(request)
    case = get_case_for_user(user, case_id, write=True, request=request)
    organisation_id = case.project.organisation_id
    if payload.version is None:
        found = [i for i in current_instruments(organisation_id) if i.code == payload.instrument]
    else:
        found = list(
            instruments_for(organisation_id).filter(
                code=payload.instrument, version=payload.version, active=True
            )
        )
    if not found:
        raise ValidationError(_("Unknown instrument %(code)s.") % {"code": payload.instrument[:40]})
    record = actions.assessment_record(
        case=case,
        instrument=found[0],
        timepoint=payload.timepoint,
        assessed_on=payload.assessed_on,
        answers=payload.answers,
        notes=payload.notes,
        acting_user=user,
        request=request,
    )
    return Status(201, assessment_out(get_assessment_for_user(user, record.pk, request=request)))


@router.get(
    "/assessments/{record_id}",
    response={200: AssessmentOut, 404: DetailOut},
    summary="One assessment with its answers (an audited read)",
)
def assessment_read(request: HttpRequest, record_id: Id) -> AssessmentOut:
    return assessment_out(get_assessment_for_user(api_user(request), record_id, request=request))
