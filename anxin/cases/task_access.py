"""The one door to tasks: who may handle a task, and the scoped reads of the "my tasks" page.

A task is handled by its assignee, or by a lead or supervisor of its project (they step in when
a worker is away, and follow every crisis). Everyone reads only tasks of projects where they are
an active member; nobody else learns that a task exists.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from anxin.accounts.access import ARCHIVE_READ_ROLES, deny, project_ids_for_user
from anxin.accounts.models import Membership, User
from anxin.cases.models import Task
from anxin.core.ids import as_pk

R = Membership.Role
OVERSIGHT_ROLES = frozenset({R.LEAD, R.SUPERVISOR})


def tasks_handleable_by(user: User) -> QuerySet[Task]:
    """Tasks ``user`` may handle: their own in projects they still work on, and every task of
    projects they lead or supervise."""
    if not user.is_authenticated:
        return Task.objects.none()
    own = Q(assignee_id=user.pk, project_id__in=project_ids_for_user(user, ARCHIVE_READ_ROLES))
    oversight = Q(project_id__in=project_ids_for_user(user, OVERSIGHT_ROLES))
    return Task.objects.filter(own | oversight)


def get_task_for_user(user: User, task_id: Any, *, request: HttpRequest | None = None) -> Task:
    """The task if ``user`` may handle it; otherwise a 404 and an audited refusal."""
    pk = as_pk(task_id)
    task = (
        tasks_handleable_by(user)
        .select_related("case", "case__client", "project", "assignee")
        .filter(pk=pk)
        .first()
    )
    if task is None:
        deny(
            user,
            action="task.handle",
            object_type="cases.task",
            object_id=task_id,
            request=request,
            project_id=Task.objects.filter(pk=pk).values_list("project_id", flat=True).first(),
        )
    assert task is not None
    return task


def _open_own(user: User) -> QuerySet[Task]:
    if not user.is_authenticated:
        return Task.objects.none()
    return Task.objects.filter(
        assignee_id=user.pk,
        status=Task.Status.OPEN,
        project_id__in=project_ids_for_user(user, ARCHIVE_READ_ROLES),
    )


def open_task_counts(user: User, today: dt.date | None = None) -> dict[str, int]:
    """``{"total", "crisis", "overdue"}`` of the user's open tasks, in one query (for a badge in
    the navigation bar)."""
    today = today or timezone.localdate()
    counts = _open_own(user).aggregate(
        total=Count("pk"),
        crisis=Count("pk", filter=Q(kind=Task.Kind.CRISIS)),
        overdue=Count("pk", filter=Q(due_on__lt=today) & ~Q(kind=Task.Kind.CRISIS)),
    )
    return {key: int(value or 0) for key, value in counts.items()}


@dataclass
class TaskBoard:
    """The "my tasks" page: the user's open tasks in three groups, and the open crisis tasks of
    others in the projects the user leads or supervises."""

    today: dt.date
    crisis: list[Task] = field(default_factory=list)
    overdue: list[Task] = field(default_factory=list)
    upcoming: list[Task] = field(default_factory=list)
    team_crisis: list[Task] = field(default_factory=list)
    oversees: bool = False

    @property
    def total(self) -> int:
        return len(self.crisis) + len(self.overdue) + len(self.upcoming)


_RELATED = ("case", "case__client", "project", "assignee")


def task_board(user: User, today: dt.date | None = None) -> TaskBoard:
    """Two queries whatever the number of tasks (three with the oversight check)."""
    board = TaskBoard(today=today or timezone.localdate())
    for task in _open_own(user).select_related(*_RELATED).order_by("due_on", "id"):
        if task.kind == Task.Kind.CRISIS:
            board.crisis.append(task)
        elif task.due_on < board.today:
            board.overdue.append(task)
        else:
            board.upcoming.append(task)
    overseen = list(project_ids_for_user(user, OVERSIGHT_ROLES)) if user.is_authenticated else []
    if overseen:
        board.oversees = True
        board.team_crisis = list(
            Task.objects.filter(
                project_id__in=overseen, kind=Task.Kind.CRISIS, status=Task.Status.OPEN
            )
            .exclude(assignee_id=user.pk)
            .select_related(*_RELATED)
            .order_by("due_on", "id")
        )
    return board
