"""Reads of the hotline, each in a fixed number of queries whatever the data: the project's topic
list, a caller's earlier calls (by the blind index of the number, or the client the call is
linked to), a project's calls with filters, call-backs due and missed, and the calls on a case's
timeline. Lists never decrypt notes or names, and never show a number unmasked."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from anxin.accounts.models import Project, User
from anxin.contracts.catalogue import load_template, localised
from anxin.core.masking import mask_phone
from anxin.hotline.access import hotline_project_ids
from anxin.hotline.models import Call, CallBack

PAGE_SIZE = 30
HISTORY_LIMIT = 20
CALL_BACK_LIMIT = 100
# The template whose topic list a template without one falls back to: the hotline tender's.
FALLBACK_TEMPLATE = "chongchuan-psych"
# What a list needs of a call: nothing encrypted but the number (to mask it).
LIST_FIELDS = (
    "id",
    "project",
    "operator",
    "status",
    "channel",
    "purpose",
    "started_at",
    "minutes",
    "caller_type",
    "phone",
    "case",
    "family_member",
    "topics",
    "screened_positive",
    "outcome",
    "created_at",
)
HISTORY_FIELDS = tuple(f for f in LIST_FIELDS if f != "phone")


def topics(project: Project) -> list[dict[str, str]]:
    """The project's call topics (code, name in the user's language), from its contract template
    (``hotline: {topics: [...]}``); a template without a list uses the hotline tender's."""
    listed = load_template(project.template).get("hotline", {}).get("topics")
    if not listed:
        listed = load_template(FALLBACK_TEMPLATE)["hotline"]["topics"]
    return [{"code": t["code"], "name": localised(t["name"])} for t in listed]


def topic_names(project: Project) -> dict[str, str]:
    return {t["code"]: t["name"] for t in topics(project)}


def named_topics(call: Call, names: dict[str, str]) -> list[str]:
    return [names.get(code, code) for code in call.topics or []]


@dataclass
class CallRow:
    """A call as lists show it: no notes, no name, the number masked."""

    call: Call
    topics: list[str]
    phone_masked: str


def _rows(calls: list[Call], names: dict[str, str]) -> list[CallRow]:
    return [
        CallRow(
            call=c,
            topics=named_topics(c, names),
            phone_masked=mask_phone(c.phone) if "phone" not in c.get_deferred_fields() else "",
        )
        for c in calls
    ]


@dataclass
class History:
    """A caller's earlier calls in the project, newest first; ``more`` when there are more than
    shown; ``searched`` when there was anything to search by (a number or a link)."""

    rows: list[CallRow]
    more: bool
    searched: bool


def caller_history(
    project: Project,
    *,
    index: str = "",
    case_id: int | None = None,
    family_member_id: int | None = None,
    exclude: int | None = None,
    limit: int = HISTORY_LIMIT,
) -> History:
    """The calls of ``project`` from the same number (its blind index) or linked to the same
    client or family member: one query. Another project's calls never show."""
    match = Q()
    if index:
        match |= Q(phone_index=index)
    if case_id:
        match |= Q(case_id=case_id)
    if family_member_id:
        match |= Q(family_member_id=family_member_id)
    if not match:
        return History(rows=[], more=False, searched=False)
    qs = (
        Call.objects.filter(match, project=project)
        .only(*HISTORY_FIELDS, "operator__full_name", "operator__username")
        .select_related("operator")
        .order_by("-started_at", "-id")
    )
    if exclude:
        qs = qs.exclude(pk=exclude)
    calls = list(qs[: limit + 1])
    return History(
        rows=_rows(calls[:limit], topic_names(project)), more=len(calls) > limit, searched=True
    )


def history_for_call(call: Call) -> History:
    return caller_history(
        call.project,
        index=call.phone_index,
        case_id=call.case_id,
        family_member_id=call.family_member_id,
        exclude=call.pk,
    )


@dataclass
class CallFilters:
    start: dt.date | None = None
    end: dt.date | None = None
    status: str = ""
    caller_type: str = ""
    topic: str = ""
    operator: int | None = None
    positive: bool = False


def project_calls_qs(project: Project, filters: CallFilters | None = None) -> QuerySet[Call]:
    f = filters or CallFilters()
    qs = Call.objects.filter(project=project)
    if f.start:
        qs = qs.filter(started_at__date__gte=f.start)
    if f.end:
        qs = qs.filter(started_at__date__lte=f.end)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.caller_type:
        qs = qs.filter(caller_type=f.caller_type)
    if f.topic:
        # The JSON list as text holds "code" with its quotes: the same on SQLite and PostgreSQL.
        qs = qs.filter(topics__icontains=f'"{f.topic}"')
    if f.operator:
        qs = qs.filter(operator_id=f.operator)
    if f.positive:
        qs = qs.filter(screened_positive=True)
    return (
        qs.only(*LIST_FIELDS, "operator__full_name", "operator__username")
        .select_related("operator")
        .order_by("-started_at", "-id")
    )


def project_calls(
    project: Project, filters: CallFilters, page: Any
) -> tuple[Page[Call], list[CallRow]]:
    """A page of the project's calls and its rows: two queries (the count and the page)."""
    paged = Paginator(project_calls_qs(project, filters), PAGE_SIZE).get_page(page)
    return paged, _rows(list(paged.object_list), topic_names(project))


def open_drafts(user: User, project: Project | None = None) -> list[Call]:
    """The calls ``user`` left in progress (a dropped line, a closed browser), newest first."""
    qs = Call.objects.filter(
        operator_id=user.pk,
        status=Call.Status.DRAFT,
        project_id__in=hotline_project_ids(user, write=True),
    )
    if project is not None:
        qs = qs.filter(project=project)
    return list(
        qs.only("id", "project_id", "started_at", "channel", "caller_type", "status")
        .select_related("project")
        .order_by("-started_at", "-id")[:HISTORY_LIMIT]
    )


@dataclass
class CallBackBoard:
    now: dt.datetime
    mine: list[CallBack]
    team: list[CallBack]

    @property
    def missed(self) -> int:
        return sum(1 for cb in self.mine if cb.due_at < self.now)


def _open_call_backs() -> QuerySet[CallBack]:
    return (
        CallBack.objects.filter(done_at__isnull=True)
        .select_related("project", "assignee", "escalation")
        .only(
            "id",
            "project__name",
            "project__code",
            "call",
            "done_call",
            "escalation",
            "escalation__status",
            "escalation__id",
            "assignee__full_name",
            "assignee__username",
            "due_at",
            "reason",
            "done_at",
        )
        .order_by("due_at", "id")
    )


def call_back_board(user: User) -> CallBackBoard:
    """Open call-backs: ``user``'s own (in projects they still operate), and those of the rest of
    the team in the projects whose hotline they read (which ``user`` may make for them). Three
    queries."""
    operated = set(hotline_project_ids(user, write=True))
    mine = _open_call_backs().filter(assignee_id=user.pk, project_id__in=operated)
    team = list(
        _open_call_backs()
        .filter(project_id__in=hotline_project_ids(user))
        .exclude(assignee_id=user.pk)[:CALL_BACK_LIMIT]
    )
    for call_back in team:
        call_back.operable = call_back.project_id in operated  # type: ignore[attr-defined]
    return CallBackBoard(now=timezone.now(), mine=list(mine[:CALL_BACK_LIMIT]), team=team)


def call_backs_of(call: Call) -> list[CallBack]:
    return list(call.call_backs.select_related("assignee", "project").order_by("due_at", "id"))


def home_summary(user: User) -> dict[str, int]:
    """For the home page: hotline projects ``user`` operates, and their call-backs due by the end
    of today and missed (due in the past, not made). Two small queries."""
    operated = hotline_project_ids(user, write=True)
    projects = len(list(operated))
    if not projects:
        return {"projects": 0, "due": 0, "missed": 0}
    now = timezone.now()
    end_of_day = timezone.localtime(now).replace(hour=23, minute=59, second=59)
    counts = CallBack.objects.filter(
        assignee_id=user.pk, done_at__isnull=True, project_id__in=operated
    ).aggregate(
        due=Count("pk", filter=Q(due_at__lte=end_of_day)),
        missed=Count("pk", filter=Q(due_at__lt=now)),
    )
    return {"projects": projects, "due": counts["due"] or 0, "missed": counts["missed"] or 0}


def case_calls(case: Any) -> list[CallRow]:
    """The calls linked to a case (from the client, or from one of their family), for the case's
    timeline: one query, no notes."""
    calls = list(
        Call.objects.filter(case_id=case.pk)
        .only(*HISTORY_FIELDS, "operator__full_name", "operator__username")
        .select_related("operator")
        .order_by("-started_at", "-id")
    )
    return _rows(calls, topic_names(case.project))
