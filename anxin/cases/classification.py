"""甲/乙/丙 classification (R3.3) from the project's rule table over assessment results.

The rule table is data (``project.workflow["classification"]``, default from the contract template,
domain.md §5): rules are read top to bottom on the latest total of each instrument; the first rule
whose conditions all hold gives the class. A rule needing a score the case does not have yet
cannot be decided, and classification waits (the case page says which instrument is missing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.audit.actions import record as audit
from anxin.audit.models import AuditEvent
from anxin.cases.models import Case, CaseEvent, Classification
from anxin.contracts.catalogue import service_item, workflow_setting
from anxin.core.concurrency import claim
from anxin.core.language import in_site_language

RULE_TIMEPOINTS = ("baseline", "process")


@dataclass
class Outcome:
    klass: str | None
    missing: list[str] = field(default_factory=list)
    rule: dict[str, Any] | None = None


def latest_totals(case: Case) -> dict[str, float]:
    """The latest total of each instrument for the case, in one query."""
    from anxin.assessments.models import AssessmentRecord

    totals: dict[str, float] = {}
    rows = (
        AssessmentRecord.objects.filter(case=case, total__isnull=False)
        .order_by("-assessed_on", "-id")
        .values_list("instrument__code", "total")
    )
    for code, total in rows:
        if total is not None:
            totals.setdefault(code, total)
    return totals


def evaluate(rules: list[dict[str, Any]], totals: dict[str, float]) -> Outcome:
    for rule in rules:
        conditions = rule.get("all", [])
        missing = [c["instrument"] for c in conditions if c["instrument"] not in totals]
        if missing:
            return Outcome(None, missing=missing, rule=rule)
        if all(
            ("max" not in c or totals[c["instrument"]] <= c["max"])
            and ("min" not in c or totals[c["instrument"]] >= c["min"])
            for c in conditions
        ):
            return Outcome(rule["class"], rule=rule)
    return Outcome(None)


def classification_outcome(case: Case) -> Outcome:
    return evaluate(workflow_setting(case.project, "classification") or [], latest_totals(case))


def set_class(
    case: Case, klass: str, *, source: str, reason: str, acting_user: Any, on: Any = None
) -> None:
    """Record a class change on the case and its timeline (in the caller's transaction)."""
    before = case.classification
    if before == klass and source == "rule":
        return
    if source == "rule":  # the override action has claimed the case with the form's version
        claim(case, None, by=acting_user)
    case.classification = klass
    case.updated_by = acting_user
    case.save(update_fields=["classification", "updated_by", "updated_at"])
    CaseEvent.objects.create(
        project_id=case.project_id,
        case=case,
        kind=CaseEvent.Kind.CLASSIFICATION,
        on=on or timezone.localdate(),
        worker=acting_user,
        content=reason,
        detail={"from": before, "to": klass, "source": source},
    )
    audit(
        actor=acting_user,
        kind=AuditEvent.Kind.CHANGE,
        action="case.classify",
        obj=case,
        reason=reason[:256],
        detail={"from": before, "to": klass, "source": source},
    )


def classify_after_assessment(*, record: Any, acting_user: Any) -> Outcome | None:
    """Hook of ``assessment_record``: at baseline and process reviews the rule table decides."""
    case = record.case
    if not workflow_setting(case.project, "classification_required"):
        return None
    if record.timepoint not in RULE_TIMEPOINTS:
        return None
    outcome = classification_outcome(case)
    if outcome.klass:
        with in_site_language():
            reason = _(
                "By the project's classification rules after the %(timepoint)s assessment."
            ) % {"timepoint": record.get_timepoint_display()}
        set_class(
            case,
            outcome.klass,
            source="rule",
            on=record.assessed_on,
            acting_user=acting_user,
            reason=reason,
        )
    return outcome


def service_refusal(case: Case, code: str) -> str | None:
    """Why the case may not receive service item ``code`` (R5.2), or None if it may."""
    item = service_item(case.project, code)
    if item is None:
        return _("%(code)s is not in this project's service catalogue.") % {"code": code}
    classes = item.get("classes")
    if not classes or not workflow_setting(case.project, "classification_required"):
        return None
    if not case.classification:
        return _(
            "The case has no class (甲/乙/丙) yet: classify it at the baseline assessment first."
        )
    if case.classification not in classes:
        labels = dict(Classification.choices)
        return _("%(item)s is for %(classes)s; this client is %(klass)s (LW §8).") % {
            "item": item["name"],
            "classes": "、".join(str(labels[c]) for c in classes),
            "klass": labels[case.classification],
        }
    return None
