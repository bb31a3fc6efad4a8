"""The referral network's figures for a year (R6, issue 7): referrals per partner and direction,
how many were accepted, rejected, completed or are still open, the completion rate (completed /
accepted), the average days from sending (receiving, for a referral in) to acceptance, counts by
reason and by month, and the communication groups with a trace in the year. They feed the
contract indicators, which count the same way (``anxin.contracts.indicator_sources``): a
referral out counts in the year it was sent, a referral in in the year it was received; drafts
and cancelled referrals never count.

Aggregates only (the purchaser viewer and the organisation admin read them): partners are
institutions, and no person appears. Three aggregate queries whatever the data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, DateField, F, Q, QuerySet, Sum, When
from django.db.models.functions import Coalesce, ExtractMonth
from django.utils import timezone
from django.utils.formats import date_format

from anxin.accounts.models import Project
from anxin.contracts.dashboard import DaysBetween
from anxin.referrals.models import GroupActivity, Referral

S = Referral.Status
D = Referral.Direction
MONTHS = 12
NOT_COUNTED = (S.DRAFTED, S.CANCELLED)
ACCEPTED = Q(status__in=(S.ACCEPTED, S.COMPLETED))  # the partner (or we) took the person on
STILL_OPEN = Q(status__in=(S.SENT, S.RECEIVED, S.ACCEPTED))
TIMED = ACCEPTED & Q(answered_on__isnull=False)
TALLIES = {
    "total": Count("pk"),
    "accepted": Count("pk", filter=ACCEPTED),
    "rejected": Count("pk", filter=Q(status=S.REJECTED)),
    "completed": Count("pk", filter=Q(status=S.COMPLETED)),
    "still_open": Count("pk", filter=STILL_OPEN),
    "timed": Count("pk", filter=TIMED),
    # sent (out) or received (in) to accepted, in whole days
    "days": Sum(DaysBetween(Coalesce("sent_on", "received_on"), "answered_on"), filter=TIMED),
}


@dataclass
class Tally:
    """Counts of referrals; ``days`` is the sum of the days to acceptance of the ``timed``."""

    total: int = 0
    accepted: int = 0
    rejected: int = 0
    completed: int = 0
    still_open: int = 0
    timed: int = 0
    days: int = 0

    def add(self, other: Tally) -> None:
        for name in TALLIES:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def completion_rate(self) -> float | None:
        return self.completed / self.accepted if self.accepted else None

    @property
    def completion_percent(self) -> float | None:
        rate = self.completion_rate
        return None if rate is None else rate * 100

    @property
    def average_days(self) -> float | None:
        return self.days / self.timed if self.timed else None

    def as_json(self) -> dict[str, Any]:
        rate, days = self.completion_rate, self.average_days
        return {
            "total": self.total,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "completed": self.completed,
            "still_open": self.still_open,
            "completion_rate": None if rate is None else round(rate, 4),
            "average_days": None if days is None else round(days, 2),
        }


@dataclass
class PartnerRow(Tally):
    partner_id: int = 0
    name: str = ""
    direction: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "partner_id": self.partner_id,
            "partner": self.name,
            "direction": self.direction,
            **super().as_json(),
        }


@dataclass
class DirectionFigures(Tally):
    code: str = ""
    name: str = ""
    partners: list[PartnerRow] = field(default_factory=list)
    months: list[int] = field(default_factory=lambda: [0] * MONTHS)

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, **super().as_json(), "months": self.months}


@dataclass
class ReasonRow:
    code: str
    name: str
    counts: dict[str, int]

    @property
    def out(self) -> int:
        return self.counts.get(D.OUT, 0)

    @property
    def inward(self) -> int:
        return self.counts.get(D.IN, 0)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "out": self.out,
            "in": self.inward,
            "total": self.total,
        }


@dataclass
class ReferralFigures:
    project: Project
    year: int
    out: DirectionFigures
    inward: DirectionFigures
    by_reason: list[ReasonRow]
    active_groups: int
    traces: int

    @property
    def directions(self) -> list[DirectionFigures]:
        return [self.out, self.inward]

    @property
    def partners(self) -> list[PartnerRow]:
        return [*self.out.partners, *self.inward.partners]

    @property
    def total(self) -> int:
        return self.out.total + self.inward.total

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
            "directions": [d.as_json() for d in self.directions],
            "partners": [p.as_json() for p in self.partners],
            "by_reason": [r.as_json() for r in self.by_reason],
            "groups": {"active": self.active_groups, "traces": self.traces},
        }


def default_year(project: Project, today: dt.date | None = None) -> int:
    """This year, kept inside the project's period."""
    year = (today or timezone.localdate()).year
    return min(max(year, project.period_start.year), project.period_end.year)


def counted_referrals(project: Project, year: int) -> QuerySet[Referral]:
    """The year's referrals: out by the day sent, in by the day received; no draft, none
    cancelled."""
    start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    in_year = Q(direction=D.OUT, sent_on__gte=start, sent_on__lt=end) | Q(
        direction=D.IN, received_on__gte=start, received_on__lt=end
    )
    return Referral.objects.filter(project=project).filter(in_year).exclude(status__in=NOT_COUNTED)


def _tally(row: dict[str, Any]) -> dict[str, int]:
    return {name: int(row[name] or 0) for name in TALLIES}


def referral_figures(project: Project, year: int) -> ReferralFigures:
    """Three aggregate queries: per partner and direction, per direction, reason and month, and
    the groups' traces."""
    directions = {code: DirectionFigures(code=code, name=str(label)) for code, label in D.choices}
    referrals = counted_referrals(project, year)

    per_partner = (
        referrals.values("direction", "partner_id", "partner__name")
        .annotate(**TALLIES)
        .order_by("direction", "-total", "partner__name", "partner_id")
    )
    for row in per_partner:
        figures = directions.get(row["direction"])
        if figures is None:
            continue
        partner = PartnerRow(
            partner_id=row["partner_id"],
            name=row["partner__name"],
            direction=row["direction"],
            **_tally(row),
        )
        figures.partners.append(partner)
        figures.add(partner)

    day = Case(
        When(direction=D.OUT, then=F("sent_on")), default=F("received_on"), output_field=DateField()
    )
    grouped = (
        referrals.annotate(month=ExtractMonth(day))
        .values("direction", "reason", "month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    reasons = {code: ReasonRow(code, str(label), {}) for code, label in Referral.Reason.choices}
    for row in grouped:
        figures = directions.get(row["direction"])
        if figures is None or row["month"] is None:
            continue
        n = int(row["n"])
        figures.months[int(row["month"]) - 1] += n
        reason = reasons.setdefault(row["reason"], ReasonRow(row["reason"], row["reason"], {}))
        reason.counts[row["direction"]] = reason.counts.get(row["direction"], 0) + n

    start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    groups = GroupActivity.objects.filter(
        group__project=project, on__gte=start, on__lt=end
    ).aggregate(active=Count("group_id", distinct=True), traces=Count("pk"))
    return ReferralFigures(
        project=project,
        year=year,
        out=directions[D.OUT],
        inward=directions[D.IN],
        by_reason=list(reasons.values()),
        active_groups=int(groups["active"] or 0),
        traces=int(groups["traces"] or 0),
    )
