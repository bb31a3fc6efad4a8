"""Reminder tasks (R3.5), generated daily by ``anxin run-reminders``.

The rules below, each read with one aggregate query over the cases of every project (the intervals
are per-project workflow settings, see ``anxin.contracts.catalogue.workflow_setting``):

- process review: an open case whose last process review (or, before the first, its
  registration) was ``process_review_days`` or more days ago; due that many days after it.
- plan review: an open case whose current service plan's review date is at most
  ``PLAN_REVIEW_NOTICE_DAYS`` days away or past; due on the review date.
- follow-up: a case closed ``follow_up_after_closure_days`` or more days ago, for any exit but
  death, with no follow-up recorded; due that many days after closure.
- no contact: a case in service whose last contact (``last_contact_subquery``) was
  ``no_contact_days`` or more days ago; due that many days after it.
- referral unanswered: a referral out sent ``referral_answer_days`` or more days ago that the
  partner has neither accepted nor rejected; due that many days after it was sent, for the worker
  who made the referral, once per referral (answering it settles the task).
- training cycle behind: a running cycle of an open case that is behind its rule
  (``anxin.delivery.cycles.progress_of``); due on the day it is found, at most once per cycle in
  every ``CYCLE_REMINDER_DAYS`` days of the cycle, so a cycle still behind is raised again a
  block later but not every day.

A task appears on the day its rule is met; its due date is moved to the next working day
(weekends, statutory holidays, 调休). Each task goes to the case's responsible worker; cases
without one are counted as ``unassigned``. The key ``kind:case:due date:worker`` makes a run
idempotent: a task stays until handled, and is never made twice.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, DateField, Exists, Expression, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import formats, translation
from django.utils.translation import gettext as _

from anxin.accounts.models import Project
from anxin.assessments.models import AssessmentRecord
from anxin.cases.models import Case, CaseEvent, ServicePlan, Step, Task
from anxin.cases.workdays import next_workday
from anxin.contracts.catalogue import service_item, workflow_setting
from anxin.delivery.cycles import running_cycles_behind
from anxin.delivery.models import Participant
from anxin.referrals.models import Referral

K = Task.Kind
REMINDER_KINDS: tuple[str, ...] = (
    K.PROCESS_REVIEW,
    K.PLAN_REVIEW,
    K.FOLLOW_UP,
    K.NO_CONTACT,
    K.CYCLE_BEHIND,
    K.REFERRAL_OVERDUE,
)
UNASSIGNED = "unassigned"
PLAN_REVIEW_NOTICE_DAYS = 7
CYCLE_REMINDER_DAYS = 28
_TITLE_LENGTH = Task._meta.get_field("title").max_length or 200


def _latest(queryset: Any, field: str) -> Subquery:
    """The latest ``field`` of ``queryset``'s rows for the outer case."""
    return Subquery(
        queryset.filter(case=OuterRef("pk")).order_by(f"-{field}").values(field)[:1],
        output_field=DateField(),
    )


def last_contact_subquery() -> Expression:
    """The date of a case's last contact with the client, as an expression on ``Case``.

    A contact is any timeline event of the case, an assessment, or a service session the client
    attended (``Participant.attended`` in a service record that is not voided; home visits are
    service records too); a case with none counts from its opening date. Later sources (calls)
    are added to ``sources`` here, and every rule and page that asks for the last contact follows.
    """
    sources = [
        _latest(CaseEvent.objects.all(), "on"),
        _latest(AssessmentRecord.objects.all(), "assessed_on"),
        _latest(Participant.objects.filter(attended=True, record__voided=False), "record__on"),
    ]
    return Greatest(
        *(Coalesce(source, F("opened_on"), output_field=DateField()) for source in sources),
        output_field=DateField(),
    )


@dataclass(frozen=True)
class Due:
    kind: str
    case_id: int
    project_id: int
    worker_id: int | None
    since: dt.date
    due_on: dt.date
    ref: str = ""  # replaces the due date in the key when set (cycle reminders)
    detail: str = ""  # for cycle reminders: the item and why the cycle is behind

    @property
    def key(self) -> str:
        when = self.ref or self.due_on.isoformat()
        return f"{self.kind}:{self.case_id}:{when}:{self.worker_id}"

    def title(self) -> str:
        date = formats.date_format(self.since, "DATE_FORMAT")
        texts: dict[str, str] = {
            K.PROCESS_REVIEW: _("Process review due (last on %(date)s)"),
            K.PLAN_REVIEW: _("Service plan review due (review date %(date)s)"),
            K.FOLLOW_UP: _("Follow-up after closure due (closed on %(date)s)"),
            K.NO_CONTACT: _("No contact since %(date)s"),
            K.CYCLE_BEHIND: _("Training cycle behind (started on %(date)s): %(detail)s"),
            K.REFERRAL_OVERDUE: _("Referral %(detail)s unanswered since %(date)s"),
        }
        return (texts[self.kind] % {"date": date, "detail": self.detail})[:_TITLE_LENGTH]

    def task(self) -> Task:
        assert self.worker_id is not None
        return Task(
            project_id=self.project_id,
            case_id=self.case_id,
            kind=self.kind,
            assignee_id=self.worker_id,
            due_on=self.due_on,
            title=self.title(),
            key=self.key,
        )


class _Settings:
    """Per-project interval settings, read once per run."""

    def __init__(self) -> None:
        self.projects = {p.pk: p for p in Project.objects.only("pk", "template", "workflow")}

    def days(self, project_id: int, setting: str) -> int:
        return int(workflow_setting(self.projects[project_id], setting))

    def reached(self, field: str, setting: str, today: dt.date) -> Q:
        """Cases whose ``field`` lies at least the project's ``setting`` days before ``today``:
        one condition per distinct interval, so the database does the filtering."""
        by_days: dict[int, list[int]] = defaultdict(list)
        for pk in self.projects:
            by_days[self.days(pk, setting)].append(pk)
        condition = Q(pk__in=[])
        for days, ids in by_days.items():
            limit = today - dt.timedelta(days=days)
            condition |= Q(project_id__in=ids, **{f"{field}__lte": limit})
        return condition


Rows = Iterable[tuple[int, int, int | None, dt.date]]


def _dues(kind: str, rows: Rows, due: Callable[[int, dt.date], dt.date]) -> Iterator[Due]:
    for case_id, project_id, worker_id, since in rows:
        yield Due(kind, case_id, project_id, worker_id, since, next_workday(due(project_id, since)))


def _after(conf: _Settings, setting: str) -> Callable[[int, dt.date], dt.date]:
    return lambda project_id, since: since + dt.timedelta(days=conf.days(project_id, setting))


_COLUMNS = ("pk", "project_id", "worker_id", "since")


def process_reviews_due(conf: _Settings, today: dt.date) -> Iterator[Due]:
    events = CaseEvent.objects.all()
    rows = (
        Case.objects.filter(status=Case.Status.OPEN)
        .annotate(
            since=Coalesce(
                _latest(events.filter(kind=CaseEvent.Kind.PROCESS_REVIEW), "on"),
                _latest(events.filter(kind=CaseEvent.Kind.STEP, step=Step.REGISTRATION), "on"),
                output_field=DateField(),
            )
        )
        .filter(conf.reached("since", "process_review_days", today))
        .values_list(*_COLUMNS)
    )
    return _dues(K.PROCESS_REVIEW, rows, _after(conf, "process_review_days"))


def plan_reviews_due(conf: _Settings, today: dt.date) -> Iterator[Due]:
    notice = today + dt.timedelta(days=PLAN_REVIEW_NOTICE_DAYS)
    rows = (
        Case.objects.filter(status=Case.Status.OPEN)
        .annotate(
            since=Subquery(
                ServicePlan.objects.filter(case=OuterRef("pk"))
                .order_by("-version")
                .values("review_on")[:1],
                output_field=DateField(),
            )
        )
        .filter(since__lte=notice)
        .values_list(*_COLUMNS)
    )
    return _dues(K.PLAN_REVIEW, rows, lambda _project_id, review_on: review_on)


def follow_ups_due(conf: _Settings, today: dt.date) -> Iterator[Due]:
    followed_up = CaseEvent.objects.filter(
        case=OuterRef("pk"), kind=CaseEvent.Kind.STEP, step=Step.FOLLOW_UP
    )
    rows = (
        Case.objects.filter(status=Case.Status.CLOSED, closed_on__isnull=False)
        .exclude(exit=Case.Exit.DEATH)
        .exclude(Exists(followed_up))
        .annotate(since=F("closed_on"))
        .filter(conf.reached("since", "follow_up_after_closure_days", today))
        .values_list(*_COLUMNS)
    )
    return _dues(K.FOLLOW_UP, rows, _after(conf, "follow_up_after_closure_days"))


def no_contact_due(conf: _Settings, today: dt.date) -> Iterator[Due]:
    rows = (
        Case.objects.filter(status=Case.Status.OPEN, step=Step.SERVICE)
        .annotate(since=last_contact_subquery())
        .filter(conf.reached("since", "no_contact_days", today))
        .values_list(*_COLUMNS)
    )
    return _dues(K.NO_CONTACT, rows, _after(conf, "no_contact_days"))


def cycles_behind_due(conf: _Settings, today: dt.date) -> Iterator[Due]:
    for cycle, progress in running_cycles_behind(today):
        block = max((today - cycle.starts_on).days, 0) // CYCLE_REMINDER_DAYS
        item = service_item(cycle.project, cycle.service_item)
        name = item["name"] if item else cycle.service_item
        yield Due(
            K.CYCLE_BEHIND,
            cycle.case_id,
            cycle.project_id,
            cycle.case.worker_id,
            cycle.starts_on,
            next_workday(today),
            ref=f"c{cycle.pk}b{block}",
            detail=f"{name}. {progress.reason}",
        )


def referrals_overdue_due(conf: _Settings, today: dt.date) -> Iterator[Due]:
    rows = (
        Referral.objects.filter(
            direction=Referral.Direction.OUT,
            status__in=[Referral.Status.SENT, Referral.Status.RECEIVED],
            case__isnull=False,
            sent_on__isnull=False,
        )
        .filter(conf.reached("sent_on", "referral_answer_days", today))
        .values_list(
            "pk", "number", "partner__name", "case_id", "project_id", "worker_id", "sent_on"
        )
    )
    after = _after(conf, "referral_answer_days")
    for pk, number, partner, case_id, project_id, worker_id, sent_on in rows:
        assert sent_on is not None
        yield Due(
            K.REFERRAL_OVERDUE,
            case_id,
            project_id,
            worker_id,
            sent_on,
            next_workday(after(project_id, sent_on)),
            ref=f"r{pk}",
            detail=f"{number} → {partner}",
        )


RULES = (
    process_reviews_due,
    plan_reviews_due,
    follow_ups_due,
    no_contact_due,
    cycles_behind_due,
    referrals_overdue_due,
)


def _task_counts() -> dict[str, int]:
    rows = Task.objects.filter(kind__in=REMINDER_KINDS).values("kind").annotate(n=Count("pk"))
    counts = dict.fromkeys(REMINDER_KINDS, 0)
    counts.update({row["kind"]: row["n"] for row in rows})
    return counts


def due_reminders(today: dt.date) -> list[Due]:
    """Every reminder due on ``today``, made or not yet: a fixed number of queries."""
    conf = _Settings()
    return [due for rule in RULES for due in rule(conf, today)]


@transaction.atomic
def generate_reminders(today: dt.date) -> dict[str, int]:
    """Create the reminder tasks due on ``today`` that do not exist yet.

    Returns the number of new tasks per kind, and under ``"unassigned"`` the reminders due for
    cases without a responsible worker (no task is made for them).
    """
    with translation.override(settings.LANGUAGE_CODE):  # stored titles: the users' language
        dues = due_reminders(today)
        tasks = [due.task() for due in dues if due.worker_id is not None]
    before = _task_counts()
    Task.objects.bulk_create(tasks, ignore_conflicts=True, batch_size=500)
    after = _task_counts()
    result: dict[str, int] = {kind: after[kind] - before[kind] for kind in REMINDER_KINDS}
    result[UNASSIGNED] = sum(1 for due in dues if due.worker_id is None)
    return result
