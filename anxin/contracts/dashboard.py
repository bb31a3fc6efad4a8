"""A project's contract dashboard (R7.3, R7.4): the indicator table, coverage of the district's
streets, and the LW standardised-service rate (规范服务率), each read with a fixed number of
aggregate queries.

规范服务率 has no published formula (domain.md §8); the default, configurable per template under
``standardised_rate.require``: a registered client whose case has a signed agreement
(``agreement``), a service plan (``plan``), contacts since the plan at least
``planned_frequency_share`` of what the plan's frequencies ask by now (``planned_frequency``; a
"per cycle" item counts as per 12 weeks), and a process review (or the registration) within the
project's review interval (``timely_reviews``), divided by the registered clients.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db.models import (
    Case as SqlCase,
)
from django.db.models import (
    Count,
    DateField,
    Exists,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.urls import reverse

from anxin.accounts.models import Project
from anxin.cases.models import Case, CaseEvent, PlanItem, ServicePlan, Step
from anxin.contracts.catalogue import load_template, workflow_setting
from anxin.contracts.indicators import (
    BEHIND,
    HOTLINE_KINDS,
    MET,
    NO_SOURCE,
    SERVICE_KINDS,
    Result,
    indicator_table,
)
from anxin.contracts.indicators import project_period as period_of
from anxin.core.models import Division
from anxin.delivery.models import Participant

DAYS_PER = {
    PlanItem.Per.WEEK: 7,
    PlanItem.Per.MONTH: 30.44,
    PlanItem.Per.QUARTER: 91.31,
    PlanItem.Per.YEAR: 365.25,
    PlanItem.Per.CYCLE: 84,
}


class DaysBetween(Func):
    """Whole days from the first date to the second (an integer), on SQLite and PostgreSQL."""

    output_field = IntegerField()
    arity = 2

    def as_sql(  # type: ignore[override]
        self, compiler: Any, connection: Any, **extra: Any
    ) -> Any:
        first, params_a = compiler.compile(self.source_expressions[0])
        second, params_b = compiler.compile(self.source_expressions[1])
        if connection.vendor == "postgresql":
            return f"(({second})::date - ({first})::date)", [*params_b, *params_a]
        return (
            f"CAST(julianday({second}) - julianday({first}) AS INTEGER)",
            [*params_b, *params_a],
        )


@dataclass
class StreetRow:
    code: str
    name: str
    registered: int
    served: int
    contacts: int


@dataclass
class Rate:
    target: float
    numerator: int
    denominator: int
    parts: dict[str, int]

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    @property
    def met(self) -> bool:
        return self.value is not None and self.value >= self.target


@dataclass
class Dashboard:
    as_of: dt.date
    elapsed: float
    indicators: list[Result]
    streets: list[StreetRow]
    standardised: Rate | None
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def streets_served(self) -> int:
        return sum(1 for s in self.streets if s.served)

    def chart(self) -> dict[str, Any]:
        return {
            "streets": [s.name for s in self.streets],
            "registered": [s.registered for s in self.streets],
            "served": [s.served for s in self.streets],
            "contacts": [s.contacts for s in self.streets],
        }


def _registered_cases(project: Project, as_of: dt.date) -> Any:
    registered = CaseEvent.objects.filter(
        case=OuterRef("pk"), kind=CaseEvent.Kind.STEP, step=Step.REGISTRATION, on__lte=as_of
    )
    return Case.objects.filter(project=project).filter(Exists(registered))


def street_rows(project: Project, as_of: dt.date) -> list[StreetRow]:
    """Every street of the project's district: registered clients, clients served in the
    period (attended a session), and their contacts. Three queries."""
    period = period_of(project, as_of)
    streets = list(
        Division.objects.filter(parent_id=project.district_id, kind=Division.Kind.SUBDISTRICT)
        .order_by("code")
        .values_list("pk", "code", "name")
    )
    registered = dict(
        _registered_cases(project, as_of)
        .values("client__street_id")
        .annotate(n=Count("client_id", distinct=True))
        .values_list("client__street_id", "n")
    )
    served = {
        row["case__client__street_id"]: row
        for row in Participant.objects.filter(
            record__project=project,
            record__voided=False,
            record__on__gte=period.start,
            record__on__lte=period.end,
            attended=True,
            kind=Participant.Kind.CLIENT,
        )
        .values("case__client__street_id")
        .annotate(n=Count("case__client_id", distinct=True), contacts=Count("pk"))
    }
    return [
        StreetRow(
            code=code,
            name=name,
            registered=registered.get(pk, 0),
            served=served.get(pk, {}).get("n", 0),
            contacts=served.get(pk, {}).get("contacts", 0),
        )
        for pk, code, name in streets
    ]


def standardised_rate(project: Project, as_of: dt.date) -> Rate | None:
    """The template's 规范服务率, or None when its template defines none. One query."""
    rule = load_template(project.template).get("standardised_rate")
    if not rule:
        return None
    require = set(rule.get("require", []))
    share = float(rule.get("planned_frequency_share", 1))
    review_days = int(workflow_setting(project, "process_review_days"))
    events = CaseEvent.objects.filter(case=OuterRef("pk"), on__lte=as_of)
    steps = events.filter(kind=CaseEvent.Kind.STEP)
    plan_on = Subquery(
        events.filter(kind=CaseEvent.Kind.PLAN).order_by("on").values("on")[:1],
        output_field=DateField(),
    )
    last_review = Subquery(
        events.filter(
            Q(kind=CaseEvent.Kind.PROCESS_REVIEW)
            | Q(kind=CaseEvent.Kind.STEP, step=Step.REGISTRATION)
        )
        .order_by("-on")
        .values("on")[:1],
        output_field=DateField(),
    )
    per_day = SqlCase(
        *(When(per=per, then=Value(1 / days)) for per, days in DAYS_PER.items()),
        default=Value(0.0),
        output_field=FloatField(),
    )
    latest_plan = ServicePlan.objects.filter(case=OuterRef("plan__case")).order_by("-version")
    rate_per_day = Subquery(
        PlanItem.objects.filter(plan__case=OuterRef("pk"))
        .filter(plan=Subquery(latest_plan.values("pk")[:1]))
        .order_by()
        .values("plan__case")
        .annotate(r=Sum(Cast("times", FloatField()) * per_day))
        .values("r"),
        output_field=FloatField(),
    )
    contacts = Subquery(
        Participant.objects.filter(
            case=OuterRef("pk"),
            attended=True,
            record__voided=False,
            record__on__gte=OuterRef("plan_on"),
            record__on__lte=as_of,
        )
        .order_by()
        .values("case")
        .annotate(n=Count("pk"))
        .values("n"),
        output_field=IntegerField(),
    )
    cases = _registered_cases(project, as_of).annotate(
        has_agreement=Exists(steps.filter(step=Step.AGREEMENT)),
        plan_on=plan_on,
        last_review=last_review,
        per_day=Coalesce(rate_per_day, Value(0.0)),
        contacts=Coalesce(contacts, 0),
        days=DaysBetween("plan_on", Value(as_of, output_field=DateField())),
    )
    expected = Value(share) * Cast("per_day", FloatField()) * Cast("days", FloatField())
    parts = {
        "agreement": Q(has_agreement=True),
        "plan": Q(plan_on__isnull=False),
        "planned_frequency": Q(plan_on__isnull=False) & Q(contacts__gte=expected),
        "timely_reviews": Q(last_review__gte=as_of - dt.timedelta(days=review_days)),
    }
    every = Q()
    for name in sorted(require):
        every &= parts[name]
    aggregates = {name: Count("pk", filter=q) for name, q in parts.items() if name in require}
    row = cases.aggregate(total=Count("pk"), standard=Count("pk", filter=every), **aggregates)
    return Rate(
        target=float(rule.get("target", 0)),
        numerator=row["standard"],
        denominator=row["total"],
        parts={name: row[name] for name in aggregates},
    )


# Pages listing the records behind the kinds of anxin.operations (by year).
OPERATION_PAGES = {
    "staff_trainings": "operations:training-list",
    "staff_training_hours": "operations:overview",
    "supervisions": "operations:supervision-list",
    "supervision_records": "operations:supervision-list",
    "meetings": "operations:meeting-list",
    "articles": "operations:article-list",
    "documents": "operations:document-list",
}


def drill_url(project: Project, result: Result, as_of: dt.date) -> str:
    """The page of the records behind an indicator: the service records of its item or form,
    or the list of trainings, supervisions, meetings, articles or documents of the year."""
    count = result.count
    page = OPERATION_PAGES.get(count.get("kind", ""))
    if page is not None:
        return reverse(page, args=[project.code]) + f"?year={as_of.year}"
    if count.get("kind") in HOTLINE_KINDS:  # the hotline's figures page, by month
        return reverse("hotline:figures", args=[project.code]) + f"?year={as_of.year}"
    if count.get("kind") == "communication_groups":
        return reverse("referrals:groups", args=[project.code])
    if count.get("kind") == "referrals":
        return reverse("referrals:figures", args=[project.code]) + f"?year={as_of.year}"
    if count.get("kind") not in SERVICE_KINDS:
        return ""
    items, forms = count.get("items") or [], count.get("forms") or []
    if len(items) > 1 or len(forms) > 1:
        return ""
    period = period_of(project, as_of)
    query = {"start": period.start.isoformat(), "end": period.end.isoformat()}
    if items:
        query["item"] = items[0]
    if forms:
        query["form"] = forms[0]
    return reverse("delivery:list", args=[project.code]) + "?" + urlencode(query)


def project_dashboard(project: Project, as_of: dt.date) -> Dashboard:
    indicators = indicator_table(project, as_of)
    for result in indicators:
        result.drill = drill_url(project, result, as_of)
    counts = {
        status: sum(1 for r in indicators if r.status == status)
        for status in (MET, BEHIND, NO_SOURCE)
    }
    return Dashboard(
        as_of=as_of,
        elapsed=period_of(project, as_of).elapsed,
        indicators=indicators,
        streets=street_rows(project, as_of),
        standardised=standardised_rate(project, as_of),
        counts=counts,
    )
