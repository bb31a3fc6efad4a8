"""Test helpers for cases: walk a case along the workflow quickly."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from anxin.cases import actions
from anxin.cases.models import Case, Step
from anxin.core.demo_case_specs import SCAN

PNG = SCAN  # a whole PNG: the upload check opens images


def scan(name: str = "signed.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def add_assessment(
    case: Case, code: str, total: float, timepoint: str = "baseline", on: dt.date | None = None
) -> Any:
    """An assessment row with a given total (scoring itself is tested in the assessments app)."""
    from anxin.assessments.models import AssessmentRecord, Instrument

    assessor = case.created_by
    assert assessor is not None
    instrument = (
        Instrument.objects.filter(code=code, organisation__isnull=True).order_by("-version").first()
    )
    if instrument is None:
        instrument = Instrument.objects.create(
            code=code, version=1, title_zh=code, title_en=code, definition={}
        )
    return AssessmentRecord.objects.create(
        project_id=case.project_id,
        case=case,
        client_id=case.client_id,
        instrument=instrument,
        timepoint=timepoint,
        assessed_on=on or timezone.localdate(),
        assessor=assessor,
        answers="{}",
        total=total,
    )


def walk(case: Case, to: str, user: Any, *, klass_scores: tuple[float, float] = (0, 2)) -> Case:
    """Record the steps up to ``to`` (a Step value), with the baseline assessments it needs."""
    today = timezone.localdate()
    order = [
        Step.APPLICATION,
        Step.BASELINE,
        Step.REGISTRATION,
        Step.AGREEMENT,
        Step.PLAN,
        Step.SERVICE,
    ]
    for step in order:
        if case.step_index >= list(Step.values).index(step):
            continue
        if step == Step.BASELINE:
            from anxin.cases.classification import classify_after_assessment

            danger = add_assessment(case, "danger-level", klass_scores[0])
            add_assessment(case, "sdss", klass_scores[1])
            classify_after_assessment(record=danger, acting_user=user)
            case.refresh_from_db()
        if step == Step.PLAN:
            actions.plan_create(
                case=case,
                goals="按时服药，恢复社交",
                review_on=today + dt.timedelta(days=60),
                responsible=user,
                items=[actions.PlanItemInput("medication_training", 2, "month")],
                acting_user=user,
            )
        else:
            actions.case_step(
                case=case,
                step=step,
                on=today,
                acting_user=user,
                attachment=scan() if step == Step.AGREEMENT else None,
            )
        case.refresh_from_db()
        if step == to:
            break
    return case
