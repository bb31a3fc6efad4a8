"""Reads of crisis escalations and of the newly-certified outreach list, each in a fixed number of
queries whatever the data: the open crises a person must see (home and task pages), a
project's escalations, one escalation's steps and call-backs, the outreach list in calling order
with its counts by status, and one person's attempts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from anxin.accounts.access import project_ids_for_user
from anxin.accounts.models import Project, User
from anxin.hotline.access_crisis import CLOSE_ROLES, OPERATOR_ROLES
from anxin.hotline.models import Call, CallBack, Escalation, EscalationStep, OutreachPerson

PAGE_SIZE = 30
BOARD_LIMIT = 20  # open crises listed on the home and task pages; the rest are counted
# The outreach list in calling order: people still to call, then those to try again, those
# waiting for services, then the ones done with.
OUTREACH_ORDER = (
    OutreachPerson.Status.PLANNED,
    OutreachPerson.Status.NO_ANSWER,
    OutreachPerson.Status.NEEDS_SERVICE,
    OutreachPerson.Status.REACHED,
    OutreachPerson.Status.REFUSED,
    OutreachPerson.Status.ENROLLED,
)


def page_of(qs: QuerySet[Any], page: Any = 1) -> Page[Any]:
    return Paginator(qs, PAGE_SIZE).get_page(page)


# Crises -------------------------------------------------------------------------------------


def _followed_up() -> Case:
    """Whether the escalation's follow-up call was made (a step, or its call-back answered)."""
    step = EscalationStep.objects.filter(
        escalation=OuterRef("pk"), kind=EscalationStep.Kind.FOLLOW_UP
    )
    answered = CallBack.objects.filter(escalation=OuterRef("pk"), done_at__isnull=False)
    return Case(
        When(Exists(step), then=Value(True)),
        When(Exists(answered), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


def with_follow_up(qs: QuerySet[Escalation]) -> QuerySet[Escalation]:
    return qs.annotate(followed_up=_followed_up(), step_count=Count("steps"))


def open_escalations_for(user: User) -> QuerySet[Escalation]:
    """Open escalations ``user`` must see: every one of the projects they supervise or lead, and
    those of the calls they took in projects where they still answer the hotline."""
    if not user.is_authenticated:
        return Escalation.objects.none()
    oversight = Q(project_id__in=project_ids_for_user(user, CLOSE_ROLES))
    own = Q(call__operator_id=user.pk, project_id__in=project_ids_for_user(user, OPERATOR_ROLES))
    return Escalation.objects.filter(oversight | own, status=Escalation.Status.OPEN)


@dataclass
class CrisisBoard:
    """The open crises of the home and task pages: the first ``BOARD_LIMIT`` by follow-up due
    time and how many there are in all."""

    now: dt.datetime
    items: list[Escalation] = field(default_factory=list)
    total: int = 0

    @property
    def more(self) -> int:
        return self.total - len(self.items)


def crisis_board(user: User) -> CrisisBoard:
    """One query (two when there are more than ``BOARD_LIMIT`` open crises)."""
    board = CrisisBoard(now=timezone.now())
    qs = open_escalations_for(user)
    rows = list(
        with_follow_up(qs)
        .select_related("project", "call", "call__operator")
        .order_by("follow_up_due", "id")[: BOARD_LIMIT + 1]
    )
    board.items = rows[:BOARD_LIMIT]
    board.total = len(rows) if len(rows) <= BOARD_LIMIT else qs.count()
    return board


def escalations_qs(project: Project, status: str | None = None) -> QuerySet[Escalation]:
    """A project's escalations, open ones first (by follow-up due), then the latest closed."""
    qs = Escalation.objects.filter(project=project)
    if status in Escalation.Status.values:
        qs = qs.filter(status=status)
    return (
        with_follow_up(qs)
        .select_related("call", "call__operator", "closed_by")
        .annotate(
            open_first=Case(
                When(status=Escalation.Status.OPEN, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("open_first", F("closed_at").desc(nulls_first=True), "follow_up_due", "-id")
    )


def escalation_counts(project: Project) -> dict[str, int]:
    rows = Escalation.objects.filter(project=project).aggregate(
        open=Count("pk", filter=Q(status=Escalation.Status.OPEN)),
        closed=Count("pk", filter=Q(status=Escalation.Status.CLOSED)),
    )
    return {key: int(value or 0) for key, value in rows.items()}


def escalation_steps(escalation: Escalation) -> list[EscalationStep]:
    return list(escalation.steps.select_related("by").order_by("at", "id"))


def escalation_call_backs(escalation: Escalation) -> list[CallBack]:
    return list(
        escalation.call_backs.select_related("assignee", "done_call").order_by("due_at", "id")
    )


# Outreach -----------------------------------------------------------------------------------


def _status_rank() -> Case:
    return Case(
        *(When(status=status, then=Value(rank)) for rank, status in enumerate(OUTREACH_ORDER)),
        default=Value(len(OUTREACH_ORDER)),
        output_field=IntegerField(),
    )


def outreach_attempts_filter(prefix: str = "") -> Q:
    """A person's calls: the finished calls linked to them (attempts, and any call-back)."""
    return Q(**{f"{prefix}status": Call.Status.DONE})


def outreach_qs(project: Project, status: str | None = None) -> QuerySet[OutreachPerson]:
    """The project's outreach list in calling order: by status (still to call first), then the
    longest certified first; with each person's attempts and the last one's time."""
    qs = OutreachPerson.objects.filter(project=project)
    if status in OutreachPerson.Status.values:
        qs = qs.filter(status=status)
    attempts = outreach_attempts_filter("calls__")
    return (
        qs.select_related("street", "client")
        .annotate(
            rank=_status_rank(),
            attempts=Count("calls", filter=attempts),
            last_attempt=Max("calls__started_at", filter=attempts),
        )
        .order_by("rank", "certified_on", "id")
    )


def outreach_counts(project: Project) -> dict[str, int]:
    """People of the list by status, and in all (one query)."""
    rows = OutreachPerson.objects.filter(project=project).aggregate(
        total=Count("pk"),
        **{status: Count("pk", filter=Q(status=status)) for status in OutreachPerson.Status.values},
    )
    return {key: int(value or 0) for key, value in rows.items()}


def outreach_attempts(person: OutreachPerson) -> list[Call]:
    return list(
        Call.objects.filter(outreach=person)
        .filter(outreach_attempts_filter())
        .select_related("operator")
        .order_by("-started_at", "-id")
    )
