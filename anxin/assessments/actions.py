"""Assessment actions: recording a scored assessment for a case, adding an organisation's own
instrument definition. Each runs in one transaction with its audit event."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from anxin.accounts.models import Organisation, User
from anxin.assessments.definitions import localised, parse, row
from anxin.assessments.models import AssessmentRecord, Instrument
from anxin.assessments.scoring import crisis_flags, score
from anxin.assessments.validation import DefinitionError
from anxin.audit.actions import record as audit
from anxin.audit.models import AuditEvent
from anxin.cases.models import Case

NOTES_LIMIT = 4000
T = AssessmentRecord.Timepoint


def recording_refusal(case: Case, timepoint: str) -> str | None:
    """Why no assessment at ``timepoint`` can be recorded for the case now, or None."""
    if case.status == Case.Status.WAITING:
        return _(
            "The client is on the waiting list: admit them from the waiting list before "
            "recording assessments."
        )
    if case.status == Case.Status.CLOSED and timepoint != T.FOLLOW_UP:
        return _("The case is closed: only follow-up assessments can be recorded.")
    return None


def _check(
    case: Case, instrument: Instrument, timepoint: str, assessed_on: Any, notes: str
) -> None:
    problems: list[str] = []
    if timepoint not in T.values:
        problems.append(
            _("Unknown timepoint %(code)s (use %(codes)s).")
            % {"code": timepoint, "codes": ", ".join(T.values)}
        )
    else:
        refusal = recording_refusal(case, timepoint)
        if refusal:
            problems.append(refusal)
    if instrument.organisation_id not in (None, case.project.organisation_id):
        problems.append(_("This instrument belongs to another organisation."))
    elif not instrument.active:
        problems.append(_("This instrument is retired: choose a current one."))
    if not isinstance(assessed_on, dt.date):
        problems.append(_("The date of the assessment is required."))
    elif assessed_on > timezone.localdate():
        problems.append(_("The date of the assessment cannot be in the future."))
    if len(notes) > NOTES_LIMIT:
        problems.append(
            _("The notes are too long (at most %(n)d characters).") % {"n": NOTES_LIMIT}
        )
    if problems:
        raise ValidationError(problems)


@transaction.atomic
def assessment_record(
    *,
    case: Case,
    instrument: Instrument,
    timepoint: str,
    assessed_on: dt.date,
    answers: dict[str, Any],
    notes: str = "",
    acting_user: User,
    request: HttpRequest | None = None,
) -> AssessmentRecord:
    """Score ``answers`` with the instrument's stored definition and keep them, encrypted.

    Refused (``ValidationError``, nothing changed) on a waiting-list case, on a closed case except
    at follow-up, and for answers that cannot be scored (``ScoringError``, one message per item).
    After saving: the case's class is re-evaluated (baseline, process) and every crisis flag
    (PHQ-9 item 9, danger level ≥ 3, an unstable follow-up) raises a crisis task at once.
    """
    notes = notes.strip()
    _check(case, instrument, timepoint, assessed_on, notes)
    definition = instrument.definition
    result = score(definition, answers)
    assessment = AssessmentRecord.objects.create(
        project_id=case.project_id,
        case=case,
        client_id=case.client_id,
        instrument=instrument,
        timepoint=timepoint,
        assessed_on=assessed_on,
        assessor=acting_user,
        answers=json.dumps(result.answers, ensure_ascii=False),
        total=result.total,
        band=result.band,
        subscales=result.subscales,
        flags=result.flags,
        notes=notes,
    )
    audit(
        actor=acting_user,
        kind=AuditEvent.Kind.CHANGE,
        action="assessment.record",
        obj=assessment,
        organisation_id=case.project.organisation_id,
        request=request,
        detail={
            "case": case.pk,
            "instrument": instrument.code,
            "version": instrument.version,
            "timepoint": timepoint,
            "total": result.total,
            "band": result.band,
            "flags": result.flags,
        },
    )
    from anxin.cases.classification import classify_after_assessment
    from anxin.cases.tasks import crisis_raise

    classify_after_assessment(record=assessment, acting_user=acting_user)
    with translation.override(settings.LANGUAGE_CODE):  # task titles are stored text
        crises = crisis_flags(definition, result.flags)
        title = localised({"zh": instrument.title_zh, "en": instrument.title_en})
    for flag, label in crises:
        crisis_raise(
            case=case,
            reason=f"{title}: {label}",
            source=f"assessment:{assessment.pk}:{flag}",
            acting_user=acting_user,
        )
    return assessment


def stored_answers(assessment: AssessmentRecord) -> dict[str, Any]:
    """The decrypted item-level answers of an assessment."""
    try:
        answers = json.loads(assessment.answers or "{}")
    except ValueError:
        return {}
    return answers if isinstance(answers, dict) else {}


@transaction.atomic
def instrument_add(
    *,
    organisation: Organisation,
    yaml_text: str,
    acting_user: User,
    request: HttpRequest | None = None,
) -> Instrument:
    """Validate an organisation's own definition and store it as a new instrument or a new
    version of one. Every problem of the definition is reported at once (``ValidationError``)."""
    try:
        definition = parse(yaml_text)
    except DefinitionError as exc:
        raise ValidationError([str(exc).splitlines()[0], *exc.problems]) from exc
    code, version = definition["code"], definition["version"]
    if Instrument.objects.filter(organisation__isnull=True, code=code).exists():
        raise ValidationError(
            _("%(code)s is the code of a built-in instrument: choose another code.")
            % {"code": code}
        )
    latest = (
        Instrument.objects.filter(organisation=organisation, code=code).order_by("-version").first()
    )
    if latest is not None and version <= latest.version:
        raise ValidationError(
            _(
                "%(code)s version %(latest)s is already stored; a definition never changes once "
                "stored: give this one version %(next)s."
            )
            % {"code": code, "latest": latest.version, "next": latest.version + 1}
        )
    instrument = Instrument.objects.create(organisation=organisation, **row(definition))
    audit(
        actor=acting_user,
        kind=AuditEvent.Kind.CHANGE,
        action="instrument.add",
        obj=instrument,
        organisation_id=organisation.pk,
        request=request,
        detail={"code": code, "version": version, "items": len(definition["items"])},
    )
    return instrument
