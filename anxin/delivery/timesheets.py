"""A worker's timesheet (R5 item 7): direct and indirect hours of the service records they worked
on (not voided), summed in SQL by ISO week (weeks start on Monday) and by month, per project.

The hours are the ``ServiceWorker`` rows of the records, the same rows the contract's hour
accounting reads: nothing is entered twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet, Sum
from django.db.models.functions import TruncMonth, TruncWeek

from anxin.accounts.access import (
    ARCHIVE_WRITE_ROLES,
    deny,
    get_project_for_user,
)
from anxin.accounts.models import Membership, Project, User
from anxin.core.ids import as_pk
from anxin.delivery.models import ServiceWorker

ZERO = Decimal("0")
OVERSIGHT_ROLES = frozenset({Membership.Role.LEAD, Membership.Role.SUPERVISOR})


@dataclass(frozen=True)
class Row:
    project: Project
    period: dt.date  # the Monday of the week, or the first of the month
    direct: Decimal
    indirect: Decimal

    @property
    def total(self) -> Decimal:
        return self.direct + self.indirect

    @property
    def iso_week(self) -> tuple[int, int]:
        year, week, _day = self.period.isocalendar()
        return year, week


@dataclass
class Timesheet:
    worker: User
    start: dt.date
    end: dt.date
    weeks: list[Row] = field(default_factory=list)
    months: list[Row] = field(default_factory=list)
    direct: Decimal = ZERO
    indirect: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.direct + self.indirect

    @property
    def projects(self) -> list[Project]:
        """The projects the hours were recorded in, in order of appearance."""
        return list({row.project.pk: row.project for row in self.months}.values())

    @property
    def several_projects(self) -> bool:
        return len(self.projects) > 1


def _hours(worker: User, start: dt.date, end: dt.date, project: Project | None) -> QuerySet[Any]:
    rows = ServiceWorker.objects.filter(
        user=worker, record__voided=False, record__on__gte=start, record__on__lte=end
    )
    if project is not None:
        rows = rows.filter(record__project=project)
    return rows


def _grouped(rows: QuerySet[Any], trunc: Any, projects: dict[int, Project]) -> list[Row]:
    sums = (
        rows.annotate(period=trunc)
        .values("record__project_id", "period")
        .annotate(direct=Sum("direct_hours"), indirect=Sum("indirect_hours"))
        .order_by("period", "record__project_id")
    )
    result = []
    for row in sums:
        period = row["period"]
        if isinstance(period, dt.datetime):
            period = period.date()
        result.append(
            Row(
                project=projects[row["record__project_id"]],
                period=period,
                direct=row["direct"] or ZERO,
                indirect=row["indirect"] or ZERO,
            )
        )
    return result


def timesheet(
    worker: User, start: dt.date, end: dt.date, *, project: Project | None = None
) -> Timesheet:
    """``worker``'s hours between ``start`` and ``end`` (inclusive), in every project or one:
    four queries, whatever the number of records."""
    rows = _hours(worker, start, end, project)
    projects = {p.pk: p for p in Project.objects.filter(pk__in=rows.values("record__project_id"))}
    totals = rows.aggregate(direct=Sum("direct_hours"), indirect=Sum("indirect_hours"))
    return Timesheet(
        worker=worker,
        start=start,
        end=end,
        weeks=_grouped(rows, TruncWeek("record__on"), projects),
        months=_grouped(rows, TruncMonth("record__on"), projects),
        direct=totals["direct"] or ZERO,
        indirect=totals["indirect"] or ZERO,
    )


def overseen_projects(user: User) -> QuerySet[Project]:
    """Projects whose workers' timesheets ``user`` may see: those they lead or supervise."""
    if not user.is_authenticated:
        return Project.objects.none()
    return Project.objects.filter(
        memberships__user_id=user.pk,
        memberships__active=True,
        memberships__role__in=OVERSIGHT_ROLES,
    ).order_by("name")


def project_workers(project: Project) -> QuerySet[User]:
    """The project's members who record services (and so have hours)."""
    return User.objects.filter(
        memberships__project=project,
        memberships__active=True,
        memberships__role__in=ARCHIVE_WRITE_ROLES,
    ).order_by("full_name", "pk")


def get_worker_for_overseer(
    user: User, project_code: str, worker_id: Any, *, request: Any = None
) -> tuple[Project, User]:
    """The project (led or supervised by ``user``) and one of its workers; 404 otherwise."""
    project = get_project_for_user(user, project_code, roles=OVERSIGHT_ROLES, request=request)
    worker = project_workers(project).filter(pk=as_pk(worker_id)).first()
    if worker is None:
        deny(
            user,
            action="timesheet.read",
            object_type="accounts.user",
            object_id=worker_id,
            request=request,
            project_id=project.pk,
        )
    assert worker is not None
    return project, worker
