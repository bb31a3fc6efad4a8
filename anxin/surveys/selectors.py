"""Reads of the collection side of surveys: a project's surveys with their response counts
(counted in SQL, a fixed number of queries however many rows), a survey's progress (responses
by respondent and channel, links made, used and expired), the streets and open cases offered
when a response is entered, and the target a project's contract sets for its needs survey."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from anxin.accounts.models import Project
from anxin.cases.models import Case
from anxin.core.models import Division
from anxin.surveys.models import RespondentType, Response, Survey, SurveyLink

PAGE_SIZE = 30
NEEDS_ITEM = "needs_survey"


def surveys_qs(project: Project) -> QuerySet[Survey]:
    """The project's surveys, newest first, each with ``response_count``."""
    return (
        Survey.objects.filter(project=project)
        .annotate(response_count=Count("responses"))
        .order_by("-created_at", "-id")
    )


def page_of(qs: QuerySet[Any], page: Any = 1) -> Page[Any]:
    return Paginator(qs, PAGE_SIZE).get_page(page)


def response_count(survey: Survey) -> int:
    return Response.objects.filter(survey=survey).count()


@dataclass(frozen=True)
class LinkCounts:
    made: int = 0
    used: int = 0
    expired: int = 0

    @property
    def waiting(self) -> int:
        """Links neither used nor expired: still waiting for an answer."""
        return self.made - self.used - self.expired


def link_counts(survey: Survey, today: dt.date | None = None) -> LinkCounts:
    """How many one-time links were made, used, and expired unused (one query)."""
    today = today or timezone.localdate()
    row = SurveyLink.objects.filter(survey=survey).aggregate(
        made=Count("id"),
        used=Count("id", filter=Q(used_at__isnull=False)),
        expired=Count("id", filter=Q(used_at__isnull=True, expires_on__lt=today)),
    )
    return LinkCounts(made=row["made"], used=row["used"], expired=row["expired"])


def responses_by(survey: Survey) -> dict[str, list[tuple[str, int]]]:
    """Responses per respondent type and per channel, as (label, count) rows (two queries)."""
    qs = Response.objects.filter(survey=survey).order_by()
    labels = dict(RespondentType.choices)
    channels = dict(Response.Channel.choices)
    by_type = qs.values_list("respondent_type").annotate(n=Count("id")).order_by("respondent_type")
    by_channel = qs.values_list("channel").annotate(n=Count("id")).order_by("channel")
    return {
        "respondent": [(str(labels.get(k, k)), n) for k, n in by_type],
        "channel": [(str(channels.get(k, k)), n) for k, n in by_channel],
    }


def project_streets(project: Project) -> QuerySet[Division]:
    """The streets (and towns) of the project's district."""
    return Division.objects.filter(
        level=Division.Level.STREET, parent_id=project.district_id
    ).order_by("code")


def street_of(project: Project, code: str) -> Division | None:
    """A street of the project's district by its code, or None."""
    if not code or len(code) > 12:
        return None
    return project_streets(project).filter(code=code).first()


def respondent_cases(project: Project, also: Any = None) -> QuerySet[Case]:
    """The project's open cases (and the case ``also``, when it is one of the project's), the
    clients a worker may record as having answered, by name."""
    wanted = Q(status=Case.Status.OPEN)
    if also:
        wanted |= Q(pk=also)
    return (
        Case.objects.filter(wanted, project=project)
        .select_related("client")
        .order_by("client__name_pinyin", "id")
    )


def case_of(project: Project, case_id: int | None) -> Case | None:
    """One of the project's cases by id (any status), or None."""
    if not case_id:
        return None
    return Case.objects.filter(project=project, pk=case_id).first()


def needs_target(project: Project) -> int | None:
    """The number of people the project's contract says its needs survey must reach (LW 50,
    CC 350), or None when the contract template has no such indicator."""
    from anxin.contracts.catalogue import TemplateError
    from anxin.contracts.targets import indicators, project_targets

    try:
        rows = indicators(project)
        targets = project_targets(project)
    except TemplateError:
        return None
    for row in rows:
        count = row.get("count") or {}
        if count.get("kind") == "people" and NEEDS_ITEM in (count.get("items") or []):
            value = targets.get(row["code"])
            return int(value) if value else None
    return None
