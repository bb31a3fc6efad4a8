"""The indicator engine (R7.3): each indicator of a project's contract template is a counting rule
over the records, read with a fixed, small number of aggregate queries whatever the data size.

Every count runs over the project's period up to ``as_of`` (the project's first day to the earliest
of ``as_of`` and its last day). The kinds (``count.kind`` in the template):

- ``contacts``: person-times of clients who attended sessions (records not voided) of the
  indicator's ``items`` / ``forms``; ``min_minutes`` keeps only sessions at least that long.
- ``participants``: person-times of everyone who attended (clients, guardians, family, others).
- ``people``: distinct people who attended: clients, family members, and others by name.
- ``sessions``: sessions that count as their form (R5.1 thresholds, ``form_thresholds``).
- ``clients_registered``: cases registered (登记) in the period.
- ``assessments``: assessment records of the given ``timepoints``.
- ``cycles_completed``: training cycles of the items ended in the period with the rule's contacts.
- ``streets_covered``: streets where at least one client served in the period lives.
- ``staff_trainings``, ``staff_training_hours`` (the lowest total among the project's active
  team), ``supervisions``, ``supervision_records``, ``meetings`` (administrative), ``articles``
  (``level: provincial`` = provincial or national; ``accepted: true`` = accepted by the purchaser),
  ``documents`` (of a ``document`` kind): records of ``anxin.operations``.
- ``communication_groups``: the referral network's communication groups (R6.3) with at least one
  dated trace of activity (痕迹) in the period: a group set up but silent does not count.
- ``referrals``: referrals out sent (``direction: out``, the default) or referrals in received
  (``direction: in``) in the period; ``reasons`` and ``statuses`` (where they stand now) narrow
  them down. Drafts and cancelled referrals never count.
- ``calls``: person-times of the psychological hotline (R5.6): finished calls and chats started
  in the period; ``purposes``, ``caller_types``, ``channels`` and ``topics`` (a call with any of
  them) narrow them down. Calls in progress (drafts) are not counted.
- ``outreach_calls``: person-times of support for the newly certified: finished calls of purpose
  ``newly_certified`` in which the person was reached. Attempts with no answer or a refusal are
  recorded but are not support, so they do not count; an incoming call from a newly certified
  person does. The same filters apply.

Hours logged are the workers' direct and indirect hours of the sessions an indicator counts (or of
its ``hour_items``). The outcome (R4.4) is the share of the item's training cycles ended in the
period whose client improved significantly on the named instrument, comparing the latest score
before the cycle started with the first at or after its end (else the last inside the cycle).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    DecimalField,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Cast, Coalesce

from anxin.accounts.models import Project
from anxin.assessments.change import RC_THRESHOLD, improvement_rule, lower_is_better
from anxin.assessments.models import AssessmentRecord, Instrument
from anxin.cases.models import CaseEvent, Step
from anxin.contracts.catalogue import form_thresholds, load_template, localised, service_items
from anxin.contracts.indicator_sources import (
    _hotline_counts,
    _operation_counts,
    _referral_counts,
)
from anxin.contracts.planner import plan_row
from anxin.contracts.targets import project_targets
from anxin.delivery.models import Participant, ServiceRecord, ServiceWorker, TrainingCycle

ZERO = Decimal(0)
MET, ON_TRACK, BEHIND, NO_SOURCE = "met", "on_track", "behind", "no_source"
SERVICE_KINDS = {"contacts", "participants", "people", "sessions"}
HOTLINE_KINDS = {"calls", "outreach_calls"}
REFERRAL_KINDS = {"communication_groups", "referrals"}
OWN_KINDS = {"assessments", "cycles_completed", "clients_registered", "streets_covered"}


@dataclass
class Period:
    start: dt.date
    end: dt.date  # the last day counted: the earlier of as_of and the project's last day
    as_of: dt.date
    last: dt.date  # the project's last day

    @property
    def elapsed(self) -> float:
        """Share of the period elapsed on ``as_of`` (0 before it starts, 1 after it ends)."""
        total = (self.last - self.start).days + 1
        done = (min(self.as_of, self.last) - self.start).days + 1
        return min(max(done / total, 0.0), 1.0) if total > 0 else 1.0


@dataclass
class Result:
    code: str
    name: str
    unit: str
    target: Decimal
    achieved: Decimal | None
    hours_logged: Decimal | None
    hours_min: Decimal | None
    hours_max: Decimal | None
    improvement_rate: float | None
    improvement_threshold: float | None
    improvement_cycles: int = 0
    status: str = ON_TRACK
    expected: Decimal = ZERO  # what the target asks by now, pro rata
    count: dict[str, Any] = field(default_factory=dict)
    drill: str = ""  # the page of the records behind the figure, set by the dashboard

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "unit": self.unit,
            "target": _num(self.target),
            "achieved": _num(self.achieved),
            "hours_logged": _num(self.hours_logged),
            "hours_min": _num(self.hours_min),
            "hours_max": _num(self.hours_max),
            "improvement_rate": None
            if self.improvement_rate is None
            else round(self.improvement_rate, 4),
            "improvement_threshold": self.improvement_threshold,
            "status": self.status,
        }


def _num(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def project_period(project: Project, as_of: dt.date) -> Period:
    return Period(
        start=project.period_start,
        end=min(as_of, project.period_end),
        as_of=as_of,
        last=project.period_end,
    )


def indicator_definitions(project: Project) -> list[dict[str, Any]]:
    return list(load_template(project.template).get("indicators", []))


# Service records: one query for person-times and people, one for sessions, one for hours -------


def _record_filter(count: dict[str, Any], prefix: str = "") -> Q:
    q = Q()
    if count.get("items"):
        q &= Q(**{f"{prefix}service_item__in": count["items"]})
    if count.get("forms"):
        q &= Q(**{f"{prefix}form__in": count["forms"]})
    return q


def _long_enough(count: dict[str, Any], prefix: str = "") -> Q:
    minutes = count.get("min_minutes")
    if not minutes:
        return Q()
    return Q(**{f"{prefix}length__gte": dt.timedelta(minutes=int(minutes))})


def _participant_counts(
    project: Project, period: Period, rules: dict[str, dict[str, Any]]
) -> dict[str, int]:
    if not rules:
        return {}
    client = Q(kind=Participant.Kind.CLIENT)
    aggregates: dict[str, Any] = {}
    for code, count in rules.items():
        where = _record_filter(count, "record__") & _long_enough(count)
        kind = count["kind"]
        if kind == "contacts":
            aggregates[f"{code}"] = Count("pk", filter=where & client)
        elif kind == "participants":
            aggregates[f"{code}"] = Count("pk", filter=where)
        else:  # people: clients, family members, then others by name
            aggregates[f"{code}:c"] = Count("case__client_id", filter=where & client, distinct=True)
            aggregates[f"{code}:f"] = Count(
                "family_member_id", filter=where & Q(family_member__isnull=False), distinct=True
            )
            aggregates[f"{code}:o"] = Count(
                "name",
                filter=where & ~client & Q(family_member__isnull=True),
                distinct=True,
            )
    rows = (
        Participant.objects.filter(
            record__project=project,
            record__voided=False,
            record__on__gte=period.start,
            record__on__lte=period.end,
            attended=True,
        )
        .annotate(length=F("record__ends_at") - F("record__starts_at"))
        .aggregate(**aggregates)
    )
    result: dict[str, int] = {}
    for code, count in rules.items():
        if count["kind"] == "people":
            result[code] = sum(rows[f"{code}:{part}"] or 0 for part in "cfo")
        else:
            result[code] = rows[code] or 0
    return result


def counted_sessions(project: Project) -> Q:
    """The condition, on records annotated with ``attending_clients`` / ``attending_participants``
    (``anxin.delivery.selectors.with_counts``), that a session counts as its form (R5.1)."""
    forms = form_thresholds(project)
    below = Q(pk__in=[])
    special = [item for item in service_items(project) if item.get("threshold") is not None]
    for item in special:
        below |= Q(service_item=item["code"]) & _below(item["threshold"])
    plain = ~Q(service_item__in=[item["code"] for item in special])
    for form, rule in forms.items():
        below |= plain & Q(form=form) & _below(rule)
    return ~below


def _below(rule: dict[str, int]) -> Q:
    q = Q(pk__in=[])
    if "min_clients" in rule:
        q |= Q(attending_clients__lt=int(rule["min_clients"]))
    if "min_participants" in rule:
        q |= Q(attending_participants__lt=int(rule["min_participants"]))
    return q


def _records(project: Project, period: Period) -> QuerySet[ServiceRecord]:
    return ServiceRecord.objects.filter(
        project=project, voided=False, on__gte=period.start, on__lte=period.end
    )


def _attending(kind: Any = None) -> Coalesce:
    rows = Participant.objects.filter(record=OuterRef("pk"), attended=True)
    if kind is not None:
        rows = rows.filter(kind=kind)
    return Coalesce(
        Subquery(rows.order_by().values("record").annotate(n=Count("pk")).values("n")), 0
    )


def _session_counts(
    project: Project, period: Period, rules: dict[str, dict[str, Any]]
) -> dict[str, int]:
    if not rules:
        return {}
    counted = counted_sessions(project)
    aggregates = {
        code: Count("pk", filter=_record_filter(count) & counted & _long_enough(count))
        for code, count in rules.items()
    }
    # Only the records some rule can count get their attendance counted.
    wanted = Q(pk__in=[])
    for count in rules.values():
        wanted |= _record_filter(count)
    rows = (
        _records(project, period)
        .filter(wanted)
        .annotate(
            attending_clients=_attending(Participant.Kind.CLIENT),
            attending_participants=_attending(),
            length=F("ends_at") - F("starts_at"),
        )
        .aggregate(**aggregates)
    )
    return {code: rows[code] or 0 for code in rules}


def _hours_logged(
    project: Project, period: Period, rules: dict[str, dict[str, Any]]
) -> dict[str, Decimal]:
    if not rules:
        return {}
    hours = F("direct_hours") + F("indirect_hours")
    aggregates = {
        code: Sum(hours, filter=_record_filter(count, "record__"), output_field=DecimalField())
        for code, count in rules.items()
    }
    rows = ServiceWorker.objects.filter(
        record__project=project,
        record__voided=False,
        record__on__gte=period.start,
        record__on__lte=period.end,
    ).aggregate(**aggregates)
    return {code: Decimal(rows[code] or 0) for code in rules}


# Cases, assessments, cycles, streets --------------------------------------------------------


def _registered(project: Project, period: Period) -> int:
    return (
        CaseEvent.objects.filter(
            case__project=project,
            kind=CaseEvent.Kind.STEP,
            step=Step.REGISTRATION,
            on__gte=period.start,
            on__lte=period.end,
        )
        .values("case_id")
        .distinct()
        .count()
    )


def _assessment_counts(
    project: Project, period: Period, rules: dict[str, dict[str, Any]]
) -> dict[str, int]:
    if not rules:
        return {}
    aggregates = {
        code: Count(
            "pk",
            filter=Q(timepoint__in=count["timepoints"]) if count.get("timepoints") else Q(),
        )
        for code, count in rules.items()
    }
    rows = AssessmentRecord.objects.filter(
        project=project, assessed_on__gte=period.start, assessed_on__lte=period.end
    ).aggregate(**aggregates)
    return {code: rows[code] or 0 for code in rules}


def _cycles_completed(
    project: Project, period: Period, rules: dict[str, dict[str, Any]]
) -> dict[str, int]:
    if not rules:
        return {}
    from anxin.delivery.cycles import with_progress

    required = {item["code"]: item["cycle"] for item in service_items(project) if item["cycle"]}
    complete = Q(pk__in=[])
    for code, rule in required.items():
        complete |= Q(service_item=code, done__gte=int(rule.get("contacts", 0)))
    aggregates = {
        code: Count("pk", filter=complete & Q(service_item__in=count.get("items") or required))
        for code, count in rules.items()
    }
    cycles = with_progress(
        TrainingCycle.objects.filter(
            project=project, ended_on__gte=period.start, ended_on__lte=period.end
        )
    )
    rows = cycles.aggregate(**aggregates)
    return {code: rows[code] or 0 for code in rules}


def _streets_covered(project: Project, period: Period) -> int:
    """Streets where at least one client served in the period lives (as the dashboard's rows)."""
    return (
        Participant.objects.filter(
            record__project=project,
            record__voided=False,
            record__on__gte=period.start,
            record__on__lte=period.end,
            attended=True,
            kind=Participant.Kind.CLIENT,
            case__client__street__isnull=False,
        )
        .values("case__client__street_id")
        .distinct()
        .count()
    )


# Improvement (R4.4) -------------------------------------------------------------------------


def _scores(instrument: str) -> tuple[Subquery, Subquery, Subquery]:
    """Before, after, and inside-the-cycle totals of ``instrument`` for the outer cycle."""
    rows = AssessmentRecord.objects.filter(
        case_id=OuterRef("case_id"), instrument__code=instrument, total__isnull=False
    )
    before = rows.filter(assessed_on__lte=OuterRef("starts_on")).order_by("-assessed_on", "-id")
    after = rows.filter(assessed_on__gte=OuterRef("ended_on")).order_by("assessed_on", "id")
    inside = rows.filter(
        assessed_on__gt=OuterRef("starts_on"), assessed_on__lt=OuterRef("ended_on")
    ).order_by("-assessed_on", "-id")
    return (
        Subquery(before.values("total")[:1], output_field=FloatField()),
        Subquery(after.values("total")[:1], output_field=FloatField()),
        Subquery(inside.values("total")[:1], output_field=FloatField()),
    )


def improved_condition(definition: dict[str, Any], rule: str) -> Q:
    """``significantly_improved`` (anxin.assessments.change) as a condition on ``before`` and
    ``after`` annotations; a rule the instrument cannot support is never met, as there."""
    never = Q(pk__in=[])
    norms = definition.get("norms") or {}
    scoring = definition.get("scoring") or {}
    lower = lower_is_better(definition)
    if rule == "reliable_change":
        sd, reliability = norms.get("sd"), norms.get("reliability")
        if not isinstance(sd, int | float) or not isinstance(reliability, int | float):
            return never
        if sd <= 0 or not 0 <= reliability < 1:
            return never
        limit = RC_THRESHOLD * math.sqrt(2) * sd * math.sqrt(1 - reliability)
        return Q(change__lt=-limit) if lower else Q(change__gt=limit)
    if rule == "reduction_rate_50":
        if lower:
            floor = norms.get("floor", scoring.get("min", 0))
            # (before - after) >= 0.5 (before - floor), with room to improve
            return Q(before__gt=floor) & Q(twice_gain__gte=F("before") - floor)
        ceiling = norms.get("ceiling", scoring.get("max"))
        if not isinstance(ceiling, int | float):
            return never
        return Q(before__lt=ceiling) & Q(twice_gain__gte=ceiling - F("before"))
    if rule == "cutoff":
        cutoff = norms.get("cutoff")
        if not isinstance(cutoff, int | float):
            return never
        if lower:
            return Q(before__gte=cutoff, after__lt=cutoff)
        return Q(before__lte=cutoff, after__gt=cutoff)
    return never


def _improvement(
    project: Project, period: Period, rules: dict[str, dict[str, Any]]
) -> dict[str, tuple[int, int]]:
    """(cycles with both scores, of them improved) per indicator: one query per instrument."""
    if not rules:
        return {}
    codes = {rule["instrument"] for rule in rules.values()}
    definitions: dict[str, dict[str, Any]] = {}
    for row in Instrument.objects.filter(code__in=codes, active=True).order_by("code", "version"):
        definitions[row.code] = row.definition  # the latest active version wins
    result: dict[str, tuple[int, int]] = {}
    default_rule = improvement_rule(project)
    for instrument in sorted(codes):
        mine = {code: r for code, r in rules.items() if r["instrument"] == instrument}
        definition = definitions.get(instrument)
        if definition is None:
            result.update(dict.fromkeys(mine, (0, 0)))
            continue
        before, after, inside = _scores(instrument)
        gain = (
            (F("before") - F("after"))
            if lower_is_better(definition)
            else (F("after") - F("before"))
        )
        scored = Q(before__isnull=False, after__isnull=False)
        # Counted per service item (a GROUP BY), one improved-count per distinct rule: a plan
        # the database finds far cheaper than a filtered count per indicator.
        rule_names = sorted({r.get("rule") or default_rule for r in mine.values()})
        counts: dict[str, Any] = {"n": Count("pk", filter=scored)}
        for n, name in enumerate(rule_names):
            counts[f"i{n}"] = Count("pk", filter=scored & improved_condition(definition, name))
        rows = (
            TrainingCycle.objects.filter(
                project=project,
                service_item__in=[r["item"] for r in mine.values()],
                ended_on__gte=period.start,
                ended_on__lte=period.end,
            )
            .annotate(before=before, after=Coalesce(after, inside))
            .annotate(change=F("after") - F("before"), twice_gain=Cast(gain * 2, FloatField()))
            .values("service_item")
            .annotate(**counts)
            .order_by()
        )
        by_item: dict[str, dict[str, Any]] = {found["service_item"]: found for found in rows}
        for code, rule in mine.items():
            found = by_item.get(rule["item"], {})
            column = f"i{rule_names.index(rule.get('rule') or default_rule)}"
            result[code] = (found.get("n", 0), found.get(column, 0))
    return result


# The table ----------------------------------------------------------------------------------


def _status(target: Decimal, achieved: Decimal | None, elapsed: float, outcome_ok: bool) -> str:
    if achieved is None:
        return NO_SOURCE
    if achieved >= target and outcome_ok:
        return MET
    expected = target * Decimal(str(elapsed))
    if achieved < expected or not outcome_ok:
        return BEHIND
    return ON_TRACK


def indicator_table(project: Project, as_of: dt.date) -> list[Result]:
    """Every indicator of the project's template on ``as_of``: a fixed number of queries."""
    period = project_period(project, as_of)
    definitions = indicator_definitions(project)
    targets = project_targets(project)
    by_kind: dict[str, dict[str, dict[str, Any]]] = {}
    for indicator in definitions:
        count = indicator["count"]
        by_kind.setdefault(count["kind"], {})[indicator["code"]] = count
    participant_rules = {
        code: count
        for kind in ("contacts", "participants", "people")
        for code, count in by_kind.get(kind, {}).items()
    }
    achieved: dict[str, Decimal | None] = {}
    for code, n in _participant_counts(project, period, participant_rules).items():
        achieved[code] = Decimal(n)
    for code, n in _session_counts(project, period, by_kind.get("sessions", {})).items():
        achieved[code] = Decimal(n)
    for code, n in _assessment_counts(project, period, by_kind.get("assessments", {})).items():
        achieved[code] = Decimal(n)
    for code, n in _cycles_completed(project, period, by_kind.get("cycles_completed", {})).items():
        achieved[code] = Decimal(n)
    if by_kind.get("clients_registered"):
        registered = Decimal(_registered(project, period))
        achieved.update(dict.fromkeys(by_kind["clients_registered"], registered))
    if by_kind.get("streets_covered"):
        streets = Decimal(_streets_covered(project, period))
        achieved.update(dict.fromkeys(by_kind["streets_covered"], streets))
    operation_rules = {
        code: count
        for kind, rules in by_kind.items()
        if kind not in SERVICE_KINDS | OWN_KINDS | HOTLINE_KINDS | REFERRAL_KINDS
        for code, count in rules.items()
    }
    achieved.update(_operation_counts(project, period, operation_rules))
    hotline_rules = {
        code: count for kind in HOTLINE_KINDS for code, count in by_kind.get(kind, {}).items()
    }
    achieved.update(_hotline_counts(project, period, hotline_rules))
    referral_rules = {
        code: count for kind in REFERRAL_KINDS for code, count in by_kind.get(kind, {}).items()
    }
    achieved.update(_referral_counts(project, period, referral_rules))
    hour_rules = {
        i["code"]: {"items": i.get("hour_items") or i["count"].get("items"), **_forms(i)}
        for i in definitions
        if i.get("hour_items") or i["count"]["kind"] in SERVICE_KINDS
    }
    logged = _hours_logged(project, period, hour_rules)
    improvement = _improvement(
        project, period, {i["code"]: i["improvement"] for i in definitions if i.get("improvement")}
    )
    results = []
    for indicator in definitions:
        code = indicator["code"]
        target = targets.get(code, ZERO)
        plan = plan_row(indicator, project.client_target) if indicator.get("hours") else None
        rate = threshold = None
        cycles = 0
        outcome_ok = True
        if indicator.get("improvement"):
            threshold = float(indicator["improvement"]["threshold"])
            cycles, improved = improvement.get(code, (0, 0))
            rate = improved / cycles if cycles else None
            outcome_ok = rate is None or rate >= threshold
        value = achieved.get(code)
        results.append(
            Result(
                code=code,
                name=localised(indicator["name"]),
                unit=str(indicator.get("unit", "")),
                target=target,
                achieved=value,
                hours_logged=logged.get(code),
                hours_min=plan.min_hours if plan else None,
                hours_max=plan.max_hours if plan else None,
                improvement_rate=rate,
                improvement_threshold=threshold,
                improvement_cycles=cycles,
                status=_status(target, value, period.elapsed, outcome_ok),
                expected=(target * Decimal(str(period.elapsed))).quantize(Decimal("0.1")),
                count=dict(indicator["count"]),
            )
        )
    return results


def _forms(indicator: dict[str, Any]) -> dict[str, Any]:
    forms = indicator["count"].get("forms")
    return {"forms": forms} if forms and not indicator.get("hour_items") else {}
