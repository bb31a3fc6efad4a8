"""Training cycles (R5.3): a client's enrolment in a cycle of a service item, and its progress
against the item's rule in the contract template (``cycle`` of a service item).

Progress is a read over the service records (architecture §4): the sessions of the cycle's item
that the client attended, in records that are not voided, dated inside the cycle's window, and at
least ``min_minutes`` long. The window runs from ``starts_on`` to the earliest of ``ended_on``,
the end of ``weeks`` weeks, or a year for ``period: year`` rules. A ``consecutive`` rule counts the
sessions attended since the last one missed. The count is one SQL subquery per cycle row, so a
list of cycles costs the same number of queries however many cycles it shows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case as SqlCase
from django.db.models import (
    Count,
    DateField,
    DurationField,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Least
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.access import ARCHIVE_READ_ROLES, deny, project_ids_for_user
from anxin.accounts.models import Project, User
from anxin.assessments.models import AssessmentRecord
from anxin.audit.actions import record
from anxin.audit.models import AuditEvent
from anxin.cases.access import cases_visible_to, get_case_for_user
from anxin.cases.classification import service_refusal
from anxin.cases.models import Case
from anxin.contracts.catalogue import service_item, service_items
from anxin.core.ids import as_pk
from anxin.delivery.models import Participant, TrainingCycle

YEAR_DAYS = 365
FAR_FUTURE = dt.date(9999, 12, 31)
FAR_PAST = dt.date(1, 1, 1)


@dataclass(frozen=True)
class Progress:
    done: int
    required: int
    max: int | None
    per_week_ok: bool
    weeks_elapsed: int
    behind: bool
    reason: str


def cycle_rule(project: Any, code: str) -> dict[str, Any] | None:
    """The cycle rule of a service item of the project, or None if it has none."""
    item = service_item(project, code)
    return item.get("cycle") if item else None


def window_days(rule: dict[str, Any]) -> int | None:
    """Days in a cycle's window after its first day, or None for a window open until it ends."""
    if rule.get("weeks"):
        return int(rule["weeks"]) * 7 - 1
    if rule.get("period") == "year":
        return YEAR_DAYS - 1
    return None


def window_end(cycle: TrainingCycle, rule: dict[str, Any]) -> dt.date | None:
    days = window_days(rule)
    dates = [cycle.ended_on] if cycle.ended_on else []
    if days is not None:
        dates.append(cycle.starts_on + dt.timedelta(days=days))
    return min(dates) if dates else None


# Queries ---------------------------------------------------------------------------------------


def _rules_by_project(projects: list[Project]) -> list[tuple[Project, dict[str, Any]]]:
    return [
        (project, item)
        for project in projects
        for item in service_items(project)
        if item.get("cycle")
    ]


def _per_item(rules: list[tuple[Project, dict[str, Any]]], value: Any, default: Any, field: Any):
    """A CASE over (project, service item) of the cycle row: ``value(rule)`` for each item."""
    whens = []
    for project, item in rules:
        result = value(item["cycle"])
        if result is not None:
            whens.append(When(project_id=project.pk, service_item=item["code"], then=result))
    if not whens:
        return default
    return SqlCase(*whens, default=default, output_field=field)


def _sessions(attended: bool) -> QuerySet[Participant]:
    return Participant.objects.filter(
        case_id=OuterRef("case_id"),
        attended=attended,
        record__voided=False,
        record__service_item=OuterRef("service_item"),
        record__on__gte=OuterRef("starts_on"),
        record__on__lte=OuterRef("until"),
    )


def with_progress(cycles: QuerySet[TrainingCycle]) -> QuerySet[Any]:
    """``cycles`` annotated with ``done``: the sessions that count, in one query with the rows.

    The rules are read from the templates of the projects the cycles belong to (one small query).
    """
    projects = list(Project.objects.filter(pk__in=cycles.values("project_id")))
    rules = _rules_by_project(projects)
    far = Value(FAR_FUTURE, output_field=DateField())
    window = _per_item(
        rules,
        lambda rule: (
            None
            if window_days(rule) is None
            else Cast(
                F("starts_on") + Value(dt.timedelta(days=window_days(rule) or 0)), DateField()
            )
        ),
        far,
        DateField(),
    )
    minimum = _per_item(
        rules,
        lambda rule: (
            Value(dt.timedelta(minutes=int(rule["min_minutes"])), output_field=DurationField())
            if rule.get("min_minutes")
            else None
        ),
        Value(dt.timedelta(0), output_field=DurationField()),
        DurationField(),
    )
    last_missed = Subquery(_sessions(False).order_by("-record__on").values("record__on")[:1])
    missed = _per_item(
        rules,
        lambda rule: (
            Coalesce(last_missed, Value(FAR_PAST), output_field=DateField())
            if rule.get("consecutive")
            else None
        ),
        Value(FAR_PAST, output_field=DateField()),
        DateField(),
    )
    counted = (
        _sessions(True)
        .filter(record__on__gt=OuterRef("missed_on"))
        .annotate(length=F("record__ends_at") - F("record__starts_at"))
        .filter(length__gte=OuterRef("min_length"))
        .order_by()
        .values("case_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return cycles.annotate(
        until=Least(Coalesce("ended_on", far, output_field=DateField()), window),
        min_length=minimum,
    ).annotate(
        missed_on=missed,
        done=Coalesce(Subquery(counted, output_field=IntegerField()), 0),
    )


def progress_of(cycle: TrainingCycle, done: int, today: dt.date | None = None) -> Progress:
    """Progress of ``cycle`` with ``done`` sessions counted, judged on ``today``."""
    today = today or timezone.localdate()
    rule = cycle_rule(cycle.project, cycle.service_item) or {}
    required = int(rule.get("contacts", 0))
    maximum = int(rule["max_contacts"]) if rule.get("max_contacts") else None
    end = window_end(cycle, rule)
    judged_on = min(today, end) if end else today
    days = max((judged_on - cycle.starts_on).days + (1 if end and judged_on == end else 0), 0)
    weeks = days // 7
    if rule.get("weeks"):
        weeks = min(weeks, int(rule["weeks"]))
    per_week = int(rule.get("per_week", 0))
    per_week_ok = done >= per_week * weeks
    over = end is not None and today >= end
    reasons: list[str] = []
    behind = False
    if per_week and not per_week_ok:
        behind = True
        reasons.append(
            _("%(done)s sessions after %(weeks)s weeks; %(per_week)s a week are required.")
            % {"done": done, "weeks": weeks, "per_week": per_week}
        )
    elif rule.get("period") == "year" and not over:
        expected = required * days // YEAR_DAYS
        if done < expected:
            behind = True
            reasons.append(
                _("%(done)s sessions so far; %(expected)s expected by now for %(required)s a year.")
                % {"done": done, "expected": expected, "required": required}
            )
    if over and done < required and not behind:
        behind = True
        reasons.append(
            _("The cycle ended with %(done)s of the %(required)s sessions required.")
            % {"done": done, "required": required}
        )
    if maximum is not None and done > maximum:
        reasons.append(
            _("%(done)s sessions: more than the %(max)s of the rule.")
            % {"done": done, "max": maximum}
        )
    return Progress(
        done=done,
        required=required,
        max=maximum,
        per_week_ok=per_week_ok,
        weeks_elapsed=weeks,
        behind=behind,
        reason=" ".join(reasons),
    )


def cycle_progress(cycle: TrainingCycle, today: dt.date | None = None) -> Progress:
    """Progress of one cycle (uses the ``done`` annotation of ``with_progress`` when present)."""
    done = getattr(cycle, "done", None)
    if done is None:
        done = with_progress(TrainingCycle.objects.filter(pk=cycle.pk)).get().done
    return progress_of(cycle, int(done), today)


def _listed(
    cycles: QuerySet[TrainingCycle], today: dt.date | None
) -> list[tuple[TrainingCycle, Progress]]:
    rows = with_progress(
        cycles.select_related("project", "case", "case__client", "baseline", "closing")
    )
    return [(cycle, progress_of(cycle, int(cycle.done), today)) for cycle in rows]


def cycles_for_case(
    case: Case, today: dt.date | None = None
) -> list[tuple[TrainingCycle, Progress]]:
    """Every cycle of the case with its progress: a fixed number of queries."""
    return _listed(TrainingCycle.objects.filter(case=case), today)


def cycles_for_worker(
    user: User, today: dt.date | None = None, *, behind_only: bool = False
) -> list[tuple[TrainingCycle, Progress]]:
    """The running cycles of the open cases ``user`` is responsible for, with their progress."""
    cycles = TrainingCycle.objects.filter(
        case__worker=user,
        case__status=Case.Status.OPEN,
        case__project_id__in=project_ids_for_user(user, ARCHIVE_READ_ROLES),
        ended_on__isnull=True,
    )
    rows = _listed(cycles, today)
    return [row for row in rows if row[1].behind] if behind_only else rows


def running_cycles_behind(today: dt.date) -> list[tuple[TrainingCycle, Progress]]:
    """Every running cycle of an open case that is behind its rule on ``today``, in every
    project: a fixed number of queries (for the daily reminders)."""
    cycles = TrainingCycle.objects.filter(case__status=Case.Status.OPEN, ended_on__isnull=True)
    return [row for row in _listed(cycles, today) if row[1].behind]


# Access ----------------------------------------------------------------------------------------


def get_cycle_for_user(
    user: User, cycle_id: Any, *, write: bool = False, request: HttpRequest | None = None
) -> TrainingCycle:
    """The cycle if ``user`` may read its case (or change it, with ``write``); 404 / 403.

    A cycle is reached through its case's door, ``get_case_for_user``: its read is audited, so are
    refusals, and ``cycle.case`` is the case that door gave."""
    cycle = (
        TrainingCycle.objects.filter(pk=as_pk(cycle_id), case__in=cases_visible_to(user))
        .select_related("project")
        .first()
    )
    if cycle is None:
        deny(
            user,
            action="cycle.read",
            object_type="delivery.trainingcycle",
            object_id=cycle_id,
            request=request,
        )
    assert cycle is not None
    cycle.case = get_case_for_user(user, cycle.case_id, write=write, request=request)
    return cycle


# Actions ---------------------------------------------------------------------------------------


def _refuse(message: str) -> None:
    raise ValidationError(message)


@transaction.atomic
def cycle_start(
    *, case: Case, service_item: str, starts_on: dt.date, acting_user: User
) -> TrainingCycle:
    """Enrol the case in a cycle of ``service_item`` from ``starts_on``.

    Refused when the item has no cycle rule, the client's class may not receive it (R5.2), the
    case is not open, a cycle of the item is still running, or the rule's cycles a year are used.
    The latest assessment of the case on or before the start is linked as the baseline (R4.4).
    """
    rule = cycle_rule(case.project, service_item)
    refusal = service_refusal(case, service_item)
    if refusal:
        _refuse(refusal)
    if rule is None:
        _refuse(_("%(code)s has no training cycle.") % {"code": service_item})
    assert rule is not None
    if case.status != Case.Status.OPEN:
        _refuse(_("Training cycles are started for open cases only."))
    mine = TrainingCycle.objects.filter(case=case, service_item=service_item)
    if mine.filter(ended_on__isnull=True).exists():
        _refuse(_("A cycle of this item is still running: end it first."))
    per_year = rule.get("cycles_per_year")
    if per_year and mine.filter(starts_on__year=starts_on.year).count() >= int(per_year):
        _refuse(_("The rule allows %(n)s cycles of this item a year.") % {"n": per_year})
    baseline = (
        AssessmentRecord.objects.filter(case=case, assessed_on__lte=starts_on)
        .order_by("-assessed_on", "-id")
        .first()
    )
    cycle = TrainingCycle.objects.create(
        project_id=case.project_id,
        case=case,
        service_item=service_item,
        starts_on=starts_on,
        baseline=baseline,
        created_by=acting_user,
        updated_by=acting_user,
    )
    record(
        actor=acting_user,
        kind=AuditEvent.Kind.CHANGE,
        action="cycle.start",
        obj=cycle,
        organisation_id=case.project.organisation_id,
        detail={"case": case.pk, "item": service_item, "baseline": baseline and baseline.pk},
    )
    return cycle


@transaction.atomic
def cycle_end(*, cycle: TrainingCycle, ended_on: dt.date, acting_user: User) -> TrainingCycle:
    """End a running cycle on ``ended_on`` and link its closing assessment (R4.4): the first
    assessment of the case on or after the end, else the latest after the cycle's last session
    (an assessment made at the last sessions, before the end was recorded)."""
    if cycle.ended_on is not None:
        _refuse(_("This cycle has already ended."))
    if ended_on < cycle.starts_on:
        _refuse(_("A cycle cannot end before it starts."))
    assessments = AssessmentRecord.objects.filter(case_id=cycle.case_id)
    closing = assessments.filter(assessed_on__gte=ended_on).order_by("assessed_on", "id").first()
    if closing is None:
        last_session = (
            Participant.objects.filter(
                case_id=cycle.case_id,
                attended=True,
                record__voided=False,
                record__service_item=cycle.service_item,
                record__on__gte=cycle.starts_on,
                record__on__lte=ended_on,
            )
            .order_by("-record__on")
            .values_list("record__on", flat=True)
            .first()
        )
        if last_session is not None:
            closing = (
                assessments.filter(assessed_on__gte=last_session, assessed_on__lte=ended_on)
                .order_by("-assessed_on", "-id")
                .first()
            )
    cycle.ended_on, cycle.closing, cycle.updated_by = ended_on, closing, acting_user
    cycle.save(update_fields=["ended_on", "closing", "updated_by", "updated_at"])
    record(
        actor=acting_user,
        kind=AuditEvent.Kind.CHANGE,
        action="cycle.end",
        obj=cycle,
        organisation_id=cycle.project.organisation_id,
        detail={"closing": closing and closing.pk},
    )
    return cycle
