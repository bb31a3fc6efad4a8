"""Reads of cases: the case page in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from anxin.cases.actions import next_step, step_requirements
from anxin.cases.classification import classification_outcome, service_refusal
from anxin.cases.models import STEP_ORDER, Case, CaseEvent, PlanItem, ServicePlan, Step
from anxin.contracts.catalogue import service_items, workflow_setting


@dataclass
class TimelineEntry:
    on: Any
    kind: str
    title: str
    who: str
    content: str
    obj: Any


def case_plans(case: Case) -> list[ServicePlan]:
    return list(
        case.plans.select_related("responsible").prefetch_related(
            Prefetch("items", queryset=PlanItem.objects.order_by("id"))
        )
    )


def case_page(case: Case, *, services_shown: int | None = None) -> dict[str, Any]:
    """Everything the case page shows: steps, next step and its needs, plans, timeline.

    With ``services_shown``, the timeline goes back only as far as the latest that many service
    records (a long case has hundreds) and ``timeline_cut`` says so; the window it shows is
    whole: everything else from those dates on is in it too."""
    from anxin.assessments.models import AssessmentRecord
    from anxin.assessments.selectors import band_label

    events = list(case.events.select_related("worker").order_by("-on", "-id"))
    plans = case_plans(case)
    assessments = list(
        AssessmentRecord.objects.filter(case=case)
        .select_related("instrument", "assessor")
        .order_by("-assessed_on", "-id")
    )
    names = {i["code"]: i["name"] for i in service_items(case.project)}
    services = _service_participations(case, services_shown)
    cut = services_shown is not None and len(services) > services_shown
    services = services[:services_shown] if cut else services
    timeline = (
        [TimelineEntry(e.on, e.kind, _event_title(e), _who(e.worker), e.content, e) for e in events]
        + [
            TimelineEntry(
                a.assessed_on,
                "assessment",
                f"{instrument_title(a.instrument)} · {a.get_timepoint_display()}",
                _who(a.assessor),
                f"{a.total:g} · {band_label(a)}" if a.total is not None else band_label(a),
                a,
            )
            for a in assessments
        ]
        + [
            TimelineEntry(
                p.record.on,
                "service",
                _service_title(p, names),
                _who(p.record.created_by),
                p.record.content,
                p.record,
            )
            for p in services
        ]
        + _call_entries(case)
        + _referral_entries(case)
    )
    timeline.sort(key=lambda t: (t.on, t.obj.created_at), reverse=True)
    if cut:
        oldest = services[-1].record
        timeline = [
            t for t in timeline if (t.on, t.obj.created_at) >= (oldest.on, oldest.created_at)
        ]
    upcoming = next_step(case)
    classification_required = workflow_setting(case.project, "classification_required")
    hint = classification_outcome(case) if classification_required else None
    missing = instrument_titles(hint.missing) if hint else []
    return {
        "steps": [
            (code, Step(code).label, i <= STEP_ORDER.index(case.step))
            for i, code in enumerate(STEP_ORDER)
        ],
        "next_step": upcoming,
        "next_step_label": Step(upcoming).label if upcoming else "",
        "needs": step_requirements(case, upcoming)
        if upcoming and upcoming != Step.FOLLOW_UP
        else [],
        "plans": plans,
        "plan": plans[0] if plans else None,
        "item_names": names,
        "timeline": timeline,
        "timeline_cut": cut,
        "assessments": assessments,
        "classification_required": classification_required,
        "classification_hint": hint,
        "has_joint_visits": "joint_home_visit" in names,
        "classification_missing": missing,
        "reviews_open": case.status == Case.Status.OPEN
        and STEP_ORDER.index(case.step) >= STEP_ORDER.index(Step.PLAN),
    }


def instrument_title(instrument: Any) -> str:
    english = (get_language() or "").startswith("en")
    return str(instrument.title_en if english else instrument.title_zh)


def instrument_titles(codes: list[str]) -> list[str]:
    """The built-in instruments' titles in the user's language, in the order of ``codes``."""
    from anxin.assessments.models import Instrument

    english = (get_language() or "").startswith("en")
    rows = Instrument.objects.filter(code__in=codes, organisation__isnull=True).values_list(
        "code", "title_en" if english else "title_zh"
    )
    titles = dict(rows)
    return [titles.get(code, code) for code in codes]


def plan_item_choices(case: Case) -> list[dict[str, Any]]:
    """The catalogue with, for each item, why this case may not receive it (R5.2)."""
    return [
        {**item, "refusal": service_refusal(case, item["code"])}
        for item in service_items(case.project)
    ]


def waiting_cases(project_id: int) -> QuerySet[Case]:
    return (
        Case.objects.filter(project_id=project_id, status=Case.Status.WAITING)
        .select_related("client")
        .order_by("opened_on", "id")
    )


def replaceable_cases(project_id: int) -> QuerySet[Case]:
    return (
        Case.objects.filter(
            project_id=project_id, status=Case.Status.CLOSED, replaced_by__isnull=True
        )
        .select_related("client")
        .order_by("-closed_on")
    )


def _service_participations(case: Case, latest: int | None = None) -> list[Any]:
    """The case's part in service records that were not voided, latest first (with ``latest``,
    that many and one more, to tell whether there are earlier ones): one query."""
    from anxin.delivery.models import Participant

    rows = (
        Participant.objects.filter(case=case, record__voided=False)
        .select_related("record", "record__created_by")
        .order_by("-record__on", "-record__created_at", "-id")
    )
    return list(rows if latest is None else rows[: latest + 1])


def _referral_entries(case: Case) -> list[TimelineEntry]:
    """The steps of the case's referrals after the draft (sent, answered, completed, …): one
    query. The note of a step is read on the referral's own (audited) page."""
    from anxin.referrals.models import Referral, ReferralStep

    steps = (
        ReferralStep.objects.filter(referral__case=case)
        .exclude(status=Referral.Status.DRAFTED)
        .select_related("referral__partner", "recorded_by")
    )
    return [
        TimelineEntry(
            step.on,
            "referral",
            f"{step.referral.get_direction_display()} {step.referral.number} · "
            f"{step.referral.partner.name} · {step.get_status_display()}",
            _who(step.recorded_by),
            "",
            step,
        )
        for step in steps
    ]


def _call_entries(case: Case) -> list[TimelineEntry]:
    """Hotline calls linked to the case (from the client or their family): when, how, the topics
    and the outcome; never the notes, which are read on the call's own (audited) page."""
    from anxin.hotline.selectors import case_calls

    entries = []
    label, positive = _("Hotline call"), _("risk screening positive")
    for row in case_calls(case):
        call = row.call
        parts = [str(call.get_outcome_display() or call.get_status_display())]
        if call.screened_positive:
            parts.append(positive)
        entries.append(
            TimelineEntry(
                timezone.localdate(call.started_at),
                "call",
                " · ".join(
                    p for p in (label, call.get_channel_display(), "、".join(row.topics)) if p
                ),
                _who(call.operator),
                " · ".join(parts),
                call,
            )
        )
    return entries


def _service_title(participant: Any, names: dict[str, str]) -> str:
    service = participant.record
    title = (
        f"{names.get(service.service_item, service.service_item)} · {service.get_form_display()}"
    )
    if not participant.attended:
        title += " · " + str(_("absent"))
    return title


def _who(user: Any) -> str:
    return (user.full_name or user.username) if user else ""


def _event_title(event: CaseEvent) -> str:
    if event.kind == CaseEvent.Kind.STEP and event.step:
        return str(Step(event.step).label)
    if event.kind == CaseEvent.Kind.EXIT:
        return f"{Step.CLOSURE.label} · {Case.Exit(event.detail.get('exit', 'completed')).label}"
    if event.kind == CaseEvent.Kind.PLAN:
        return f"{CaseEvent.Kind.PLAN.label} v{event.detail.get('version', '')}"
    if event.kind == CaseEvent.Kind.CLASSIFICATION:
        before, after = event.detail.get("from") or "—", event.detail.get("to")
        return f"{CaseEvent.Kind.CLASSIFICATION.label}: {before} → {after}"
    return str(CaseEvent.Kind(event.kind).label)
