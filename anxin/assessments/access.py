"""The one door to assessments: an assessment is reached through its case."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from anxin.accounts.access import deny
from anxin.accounts.models import User
from anxin.assessments.models import AssessmentRecord
from anxin.cases.access import get_case_for_user
from anxin.core.ids import as_pk


def get_assessment_for_user(
    user: User, record_id: Any, *, request: HttpRequest | None = None
) -> AssessmentRecord:
    """The assessment if ``user`` may read its case (an audited read); 404 otherwise."""
    pk = as_pk(record_id)
    case_id = AssessmentRecord.objects.filter(pk=pk).values_list("case_id", flat=True).first()
    if case_id is None:
        deny(
            user,
            action="assessment.read",
            object_type="assessments.assessmentrecord",
            object_id=record_id,
            request=request,
        )
    case = get_case_for_user(user, case_id, request=request)
    assessment = AssessmentRecord.objects.select_related("instrument", "assessor").get(pk=pk)
    assessment.case = case
    return assessment
