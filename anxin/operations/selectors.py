"""Reads of staff development and publicity: paged lists with a fixed number of queries, the
detail of one row, and a year's figures (aggregates in the database, never loops over rows)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from django.core.paginator import Page, Paginator
from django.db.models import Count, Model, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from anxin.accounts.models import Membership, Project, User
from anxin.operations.actions import SUPERVISED_ROLES, TEAM_ROLES
from anxin.operations.models import (
    Article,
    Meeting,
    ProjectDocument,
    StaffTraining,
    Supervision,
    SupervisionRecord,
    TrainingAttendance,
)

PAGE_SIZE = 30
FIRST_YEAR, LAST_YEAR = 2000, 2100
M = TypeVar("M", bound=Model)


def year_bounds(year: int | None) -> tuple[dt.date, dt.date] | None:
    return (dt.date(year, 1, 1), dt.date(year, 12, 31)) if year else None


def _in_year(qs: QuerySet[M], field: str, year: int | None) -> QuerySet[M]:
    bounds = year_bounds(year)
    if bounds is None:
        return qs
    return qs.filter(**{f"{field}__gte": bounds[0], f"{field}__lte": bounds[1]})


def page_of(qs: QuerySet[Any], page: Any = 1) -> Page[Any]:
    return Paginator(qs, PAGE_SIZE).get_page(page)


def team_members(project: Project, roles: frozenset[str] = TEAM_ROLES) -> list[User]:
    """The project's active team members in ``roles``, by name (one query)."""
    rows = (
        Membership.objects.filter(project=project, active=True, role__in=roles)
        .select_related("user")
        .order_by("user__full_name", "user_id")
    )
    return [m.user for m in rows]


def supervised_members(project: Project) -> list[User]:
    return team_members(project, SUPERVISED_ROLES)


# Lists ---------------------------------------------------------------------------------------


def trainings_qs(project: Project, year: int | None = None) -> QuerySet[StaffTraining]:
    attendances = TrainingAttendance.objects.select_related("user").order_by(
        "user__full_name", "user_id"
    )
    return (
        _in_year(StaffTraining.objects.filter(project=project), "on", year)
        .annotate(attendee_count=Count("attendances"), total_hours=Sum("attendances__hours"))
        .defer("notes")
        .prefetch_related(Prefetch("attendances", queryset=attendances))
        .order_by("-on", "-id")
    )


def supervisions_qs(project: Project, year: int | None = None) -> QuerySet[Supervision]:
    records = (
        SupervisionRecord.objects.select_related("worker")
        .defer("content")
        .order_by("worker__full_name", "worker_id")
    )
    return (
        _in_year(Supervision.objects.filter(project=project), "on", year)
        .annotate(record_count=Count("records"))
        .prefetch_related(Prefetch("records", queryset=records))
        .order_by("-on", "-id")
    )


def meetings_qs(project: Project, year: int | None = None) -> QuerySet[Meeting]:
    return (
        _in_year(Meeting.objects.filter(project=project), "on", year)
        .annotate(attendee_count=Count("attendees"))
        .defer("minutes")
        .prefetch_related(Prefetch("attendees", queryset=User.objects.order_by("full_name", "id")))
        .order_by("-on", "-id")
    )


def articles_qs(project: Project, year: int | None = None) -> QuerySet[Article]:
    return _in_year(Article.objects.filter(project=project), "published_on", year).order_by(
        "-published_on", "-id"
    )


def documents_qs(project: Project, year: int | None = None) -> QuerySet[ProjectDocument]:
    return (
        _in_year(ProjectDocument.objects.filter(project=project), "on", year)
        .select_related("uploaded_by")
        .order_by("-on", "-id")
    )


# One row -------------------------------------------------------------------------------------


def training_attendances(training: StaffTraining) -> list[TrainingAttendance]:
    return list(training.attendances.select_related("user").order_by("user__full_name", "user_id"))


def supervision_records(supervision: Supervision) -> list[SupervisionRecord]:
    return list(
        supervision.records.select_related("worker").order_by("worker__full_name", "worker_id")
    )


def meeting_attendees(meeting: Meeting) -> list[User]:
    return list(meeting.attendees.order_by("full_name", "id"))


# A year's figures ----------------------------------------------------------------------------


@dataclass
class MemberHours:
    user: User
    role: str
    hours: Decimal


@dataclass
class YearFigures:
    year: int
    trainings: int
    training_hours: Decimal
    supervisions: int
    supervision_records: int
    meetings: int
    admin_meetings: int
    admin_meeting_months: int
    articles: int
    provincial_articles: int
    accepted_articles: int
    accepted_months: int
    documents: dict[str, int]
    members: list[MemberHours]

    @property
    def lowest_member_hours(self) -> Decimal | None:
        return min((m.hours for m in self.members), default=None)


def year_figures(project: Project, year: int) -> YearFigures:
    """What the project did in ``year``: sessions, records, hours per team member, articles
    and documents, in a fixed number of aggregate queries (seven)."""
    first, last = year_bounds(year) or (dt.date.min, dt.date.max)
    in_year = {"on__gte": first, "on__lte": last}
    training = StaffTraining.objects.filter(project=project, **in_year).aggregate(
        sessions=Count("id", distinct=True), hours=Sum("attendances__hours")
    )
    supervision = Supervision.objects.filter(project=project, **in_year).aggregate(
        sessions=Count("id", distinct=True), records=Count("records")
    )
    admin = Q(kind=Meeting.Kind.ADMIN)
    meetings = Meeting.objects.filter(project=project, **in_year).aggregate(
        total=Count("id"),
        admin=Count("id", filter=admin),
        months=Count(TruncMonth("on"), filter=admin, distinct=True),
    )
    published = Q(published_on__gte=first, published_on__lte=last)
    accepted = Q(accepted_by_purchaser=True, accepted_on__gte=first, accepted_on__lte=last)
    articles = Article.objects.filter(project=project).aggregate(
        total=Count("id", filter=published),
        provincial=Count(
            "id",
            filter=published & Q(level__in=[Article.Level.NATIONAL, Article.Level.PROVINCIAL]),
        ),
        accepted=Count("id", filter=accepted),
        months=Count(TruncMonth("accepted_on"), filter=accepted, distinct=True),
    )
    documents = dict(
        ProjectDocument.objects.filter(project=project)
        .values_list("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )
    hours = dict(
        TrainingAttendance.objects.filter(
            training__project=project, training__on__gte=first, training__on__lte=last
        )
        .values_list("user_id")
        .annotate(total=Sum("hours"))
        .values_list("user_id", "total")
    )
    memberships = (  # the staff who deliver the services, as the training-hours indicator
        Membership.objects.filter(project=project, active=True, role__in=SUPERVISED_ROLES)
        .select_related("user")
        .order_by("user__full_name", "user_id")
    )
    members = [
        MemberHours(m.user, m.get_role_display(), hours.get(m.user_id) or Decimal("0"))
        for m in memberships
    ]
    return YearFigures(
        year=year,
        trainings=training["sessions"],
        training_hours=training["hours"] or Decimal("0"),
        supervisions=supervision["sessions"],
        supervision_records=supervision["records"],
        meetings=meetings["total"],
        admin_meetings=meetings["admin"],
        admin_meeting_months=meetings["months"],
        articles=articles["total"],
        provincial_articles=articles["provincial"],
        accepted_articles=articles["accepted"],
        accepted_months=articles["months"],
        documents=documents,
        members=members,
    )
