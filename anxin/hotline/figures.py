"""The hotline's figures for a year (R5.6, issue 6 point 7): person-times of hotline calls per
month by caller type and by topic, outreach attempts to the newly certified per month by result,
the outreach list by status and the crisis escalations opened. Aggregates only (purchaser
viewers read them): counts, never a person. A fixed number of aggregate queries whatever the
data; the topics of a call are a JSON list, so calls are grouped by their list of topics in the
database and each group's count is added to each of its topics.

Hotline calls are the finished calls of every purpose but outreach; a finished outreach call is
an attempt (with its result; a call from a newly certified person has none).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from anxin.accounts.models import Project
from anxin.hotline.models import Call, Escalation, OutreachPerson
from anxin.hotline.selectors import topic_names
from anxin.hotline.selectors_crisis import outreach_counts

MONTHS = 12
OUTREACH_RESULTS = (
    OutreachPerson.Status.REACHED,
    OutreachPerson.Status.NEEDS_SERVICE,
    OutreachPerson.Status.REFUSED,
    OutreachPerson.Status.NO_ANSWER,
)
NOT_REACHED = (OutreachPerson.Status.NO_ANSWER, OutreachPerson.Status.REFUSED)


@dataclass
class Series:
    code: str
    name: str
    values: list[int] = field(default_factory=lambda: [0] * MONTHS)

    @property
    def total(self) -> int:
        return sum(self.values)

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "values": self.values, "total": self.total}


@dataclass
class HotlineFigures:
    project: Project
    year: int
    calls: Series  # hotline person-times per month
    by_caller_type: list[Series]
    by_topic: list[Series]
    outreach: list[Series]  # attempts per month by result
    outreach_support: Series  # outreach person-times counted for the contract (reached)
    people: dict[str, int]
    escalations: dict[str, int]

    @property
    def month_labels(self) -> list[str]:
        return [
            date_format(dt.date(self.year, n, 1), "YEAR_MONTH_FORMAT") for n in range(1, MONTHS + 1)
        ]

    def as_json(self) -> dict[str, Any]:
        return {
            "project": self.project.code,
            "year": self.year,
            "months": self.month_labels,
            "calls": self.calls.as_json(),
            "by_caller_type": [s.as_json() for s in self.by_caller_type],
            "by_topic": [s.as_json() for s in self.by_topic],
            "outreach": [s.as_json() for s in self.outreach],
            "outreach_support": self.outreach_support.as_json(),
            "people": self.people,
            "escalations": self.escalations,
        }


def year_range(year: int) -> tuple[dt.datetime, dt.datetime]:
    zone = timezone.get_current_timezone()
    return (
        dt.datetime(year, 1, 1, tzinfo=zone),
        dt.datetime(year + 1, 1, 1, tzinfo=zone),
    )


def default_year(project: Project, today: dt.date | None = None) -> int:
    """This year, kept inside the project's period."""
    year = (today or timezone.localdate()).year
    return min(max(year, project.period_start.year), project.period_end.year)


def _finished(project: Project, year: int) -> QuerySet[Call]:
    start, end = year_range(year)
    return Call.objects.filter(
        project=project, status=Call.Status.DONE, started_at__gte=start, started_at__lt=end
    )


def _month_index(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return int(value.month) - 1


def _grouped(qs: QuerySet[Call], key: str) -> list[tuple[int, Any, int]]:
    rows = (
        qs.annotate(month=TruncMonth("started_at"))
        .values("month", key)
        .annotate(n=Count("pk"))
        .order_by()
    )
    found = []
    for row in rows:
        month = _month_index(row["month"])
        if month is not None:
            found.append((month, row[key], int(row["n"])))
    return found


def hotline_figures(project: Project, year: int) -> HotlineFigures:
    """Five aggregate queries (calls by caller type, by topics, outreach by result, the list by
    status, escalations), whatever the number of calls."""
    finished = _finished(project, year)
    hotline = finished.exclude(purpose=Call.Purpose.NEWLY_CERTIFIED)
    outreach = finished.filter(purpose=Call.Purpose.NEWLY_CERTIFIED)

    calls = Series("calls", _("Hotline calls"))
    callers = {code: Series(code, str(label)) for code, label in Call.CallerType.choices}
    for month, caller_type, n in _grouped(hotline, "caller_type"):
        calls.values[month] += n
        if caller_type in callers:
            callers[caller_type].values[month] += n

    names = topic_names(project)
    topics = {code: Series(code, name) for code, name in names.items()}
    for month, codes, n in _grouped(hotline, "topics"):
        for code in dict.fromkeys(codes or []):  # a topic ticked twice counts once
            if code not in topics:
                topics[code] = Series(str(code), str(code))  # a topic since taken off the list
            topics[code].values[month] += n

    results = {
        code: Series(code, str(OutreachPerson.Status(code).label)) for code in OUTREACH_RESULTS
    }
    incoming = Series("", _("Called in"))
    support = Series("outreach_support", _("Newly certified supported"))
    for month, result, n in _grouped(outreach, "attempt_result"):
        results.get(result, incoming).values[month] += n
        if result not in NOT_REACHED:
            support.values[month] += n

    start, end = year_range(year)
    escalations = Escalation.objects.filter(
        project=project, created_at__gte=start, created_at__lt=end
    ).aggregate(
        opened=Count("pk"),
        open=Count("pk", filter=Q(status=Escalation.Status.OPEN)),
    )
    return HotlineFigures(
        project=project,
        year=year,
        calls=calls,
        by_caller_type=list(callers.values()),
        by_topic=[s for s in topics.values() if s.total or s.code in names],
        outreach=[*results.values(), *([incoming] if incoming.total else [])],
        outreach_support=support,
        people=outreach_counts(project),
        escalations={key: int(value or 0) for key, value in escalations.items()},
    )
