"""Crisis tasks reach the worker and the supervisor at once; handling needs a note and the right
person; the "my tasks" page shows each persona what is theirs, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from anxin.accounts.models import Membership
from anxin.audit.models import AuditEvent
from anxin.cases.models import Case, Task
from anxin.cases.task_access import get_task_for_user, open_task_counts, task_board
from anxin.cases.tasks import crisis_raise, task_handle
from anxin.cases.testing import add_assessment
from anxin.core.testing import liwan_input, register

DAY = dt.timedelta(days=1)


def make_case(world, n: int = 1, *, worker=True) -> Case:
    case = register(world, liwan_input(world, name=f"案主{n}", id17=f"44010319800101{n:03d}"))
    if worker:
        case.worker = world.worker
        case.save(update_fields=["worker"])
    return case


def reminder(case: Case, assignee, due_on: dt.date, kind=Task.Kind.PROCESS_REVIEW) -> Task:
    return Task.objects.create(
        project_id=case.project_id,
        case=case,
        kind=kind,
        assignee=assignee,
        due_on=due_on,
        title="提醒",
        key=f"{kind}:{case.pk}:{due_on}:{assignee.pk}",
    )


# crisis_raise ---------------------------------------------------------------------------------


def test_crisis_reaches_the_worker_and_the_supervisor_at_once(world):
    case = make_case(world)
    record = add_assessment(case, "phq-9", 12)
    with translation.override("en"):  # whoever raises it, the stored title is in Chinese
        tasks = crisis_raise(
            case=case, reason="PHQ-9 第9题 > 0", source=record, acting_user=world.counsellor
        )
    assert {t.assignee for t in tasks} == {world.worker, world.supervisor}
    assert all(t.kind == Task.Kind.CRISIS and t.status == Task.Status.OPEN for t in tasks)
    assert all(t.due_on == timezone.localdate() and t.case == case for t in tasks)
    with translation.override("zh-hans"):
        assert tasks[0].title == translation.gettext("Crisis: %(reason)s") % {
            "reason": "PHQ-9 第9题 > 0"
        }
    event = AuditEvent.objects.get(action="task.crisis")
    assert event.kind == AuditEvent.Kind.CHANGE and event.actor == world.counsellor
    assert event.object_id == str(case.pk) and event.project_id == world.liwan.pk
    assert sorted(event.detail["tasks"]) == sorted(t.pk for t in tasks)


def test_crisis_is_idempotent_per_source(world):
    case = make_case(world)
    record = add_assessment(case, "phq-9", 12)
    first = crisis_raise(case=case, reason="PHQ-9", source=record, acting_user=world.worker)
    again = crisis_raise(case=case, reason="PHQ-9", source=record, acting_user=world.worker)
    assert [t.pk for t in again] == [t.pk for t in first]
    assert Task.objects.count() == 2
    assert AuditEvent.objects.filter(action="task.crisis").count() == 1
    crisis_raise(case=case, reason="危险性评估 3 级", source="call:7", acting_user=world.worker)
    crisis_raise(case=case, reason="危险性评估 3 级", source="call:7", acting_user=world.worker)
    assert Task.objects.count() == 4


def test_crisis_without_a_worker_goes_to_the_lead(world):
    case = make_case(world, worker=False)
    tasks = crisis_raise(case=case, reason="不稳定", acting_user=world.counsellor)
    assert {t.assignee for t in tasks} == {world.lead, world.supervisor}


def test_crisis_skips_inactive_supervisors_and_never_gets_lost(world):
    Membership.objects.filter(project=world.liwan, role__in=["supervisor", "lead"]).update(
        active=False
    )
    case = make_case(world, worker=False)
    (task,) = crisis_raise(case=case, reason="不稳定", acting_user=world.counsellor)
    assert task.assignee == world.counsellor


def test_crisis_needs_a_reason(world):
    case = make_case(world)
    with translation.override("en"), pytest.raises(ValidationError, match="why this is a crisis"):
        crisis_raise(case=case, reason="   ", acting_user=world.worker)
    assert not Task.objects.exists()


def test_crisis_belongs_to_the_callers_transaction(world):
    case = make_case(world)
    with pytest.raises(RuntimeError), transaction.atomic():
        crisis_raise(case=case, reason="PHQ-9", source="x", acting_user=world.worker)
        raise RuntimeError("the assessment failed to save")
    assert not Task.objects.exists()
    assert not AuditEvent.objects.filter(action="task.crisis").exists()


# task_handle and access -----------------------------------------------------------------------


def test_handle_needs_a_note_and_changes_nothing_without_one(world):
    task = reminder(make_case(world), world.worker, timezone.localdate())
    with translation.override("en"), pytest.raises(ValidationError, match="how the task was"):
        task_handle(task=task, note=" \n ", acting_user=world.worker)
    task.refresh_from_db()
    assert task.status == Task.Status.OPEN and task.handled_by is None


def test_handle_records_who_when_and_how(world):
    task = reminder(make_case(world), world.worker, timezone.localdate())
    task_handle(task=task, note="已电话联系，约定下周家访", acting_user=world.worker)
    task.refresh_from_db()
    assert task.status == Task.Status.DONE and task.handled_by == world.worker
    assert task.handled_at is not None and task.handling_note == "已电话联系，约定下周家访"
    event = AuditEvent.objects.get(action="task.handle")
    assert event.object_id == str(task.pk) and event.organisation_id == world.org.pk
    with translation.override("en"), pytest.raises(ValidationError, match="already been handled"):
        task_handle(task=task, note="again", acting_user=world.lead)


@pytest.mark.parametrize("persona", ["worker", "lead", "supervisor"])
def test_assignee_lead_and_supervisor_may_handle(world, persona):
    task = reminder(make_case(world), world.worker, timezone.localdate())
    assert get_task_for_user(getattr(world, persona), task.pk) == task


REFUSED = ["counsellor", "other_worker", "purchaser", "outsider", "admin"]


@pytest.mark.parametrize("persona", REFUSED)
def test_others_get_404_and_an_audited_refusal(world, persona):
    task = reminder(make_case(world), world.worker, timezone.localdate())
    with pytest.raises(Http404):
        get_task_for_user(getattr(world, persona), task.pk)
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.DENIED, action="task.handle")
    assert event.actor == getattr(world, persona) and event.project_id == world.liwan.pk


def test_an_assignee_who_left_the_project_may_no_longer_handle(world):
    task = reminder(make_case(world), world.worker, timezone.localdate())
    Membership.objects.filter(user=world.worker).update(active=False)
    with pytest.raises(Http404):
        get_task_for_user(world.worker, task.pk)
    assert task_board(world.worker).total == 0


@pytest.mark.parametrize("persona", REFUSED)
def test_refused_over_http_changes_nothing(world, login, persona):
    task = reminder(make_case(world), world.worker, timezone.localdate())
    response = login(getattr(world, persona)).post(
        reverse("cases:task-handle", args=[task.pk]), {"note": "我来处理"}
    )
    assert response.status_code == 404
    task.refresh_from_db()
    assert task.status == Task.Status.OPEN
    assert AuditEvent.objects.filter(kind="denied", object_id=str(task.pk)).count() == 1


def test_handle_over_http(world, login):
    task = reminder(make_case(world), world.worker, timezone.localdate())
    http = login(world.worker)
    url = reverse("cases:task-handle", args=[task.pk])
    response = http.post(url, {"note": "  "}, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    task.refresh_from_db()
    assert task.status == Task.Status.OPEN
    assert "Write how the task was handled." in response.content.decode()
    response = http.post(url, {"note": "已家访", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == reverse("cases:tasks")
    task.refresh_from_db()
    assert task.status == Task.Status.DONE and task.handling_note == "已家访"
    assert http.get(url).status_code == 405


def test_handle_over_http_returns_to_a_local_page(world, login):
    case = make_case(world)
    task = reminder(case, world.worker, timezone.localdate())
    response = login(world.lead).post(
        reverse("cases:task-handle", args=[task.pk]), {"note": "组长代为处理", "next": "/"}
    )
    assert response["Location"] == "/"
    task.refresh_from_db()
    assert task.handled_by == world.lead


# the page -------------------------------------------------------------------------------------


def test_worker_sees_crisis_then_overdue_then_upcoming(world, login):
    today = timezone.localdate()
    case, other = make_case(world, 1), make_case(world, 2)
    later = reminder(case, world.worker, today + 3 * DAY, kind=Task.Kind.PLAN_REVIEW)
    late = reminder(other, world.worker, today - 2 * DAY, kind=Task.Kind.NO_CONTACT)
    crisis_raise(case=other, reason="PHQ-9", source="a", acting_user=world.counsellor)
    done = reminder(case, world.worker, today - 9 * DAY)
    task_handle(task=done, note="ok", acting_user=world.worker)
    response = login(world.worker).get(reverse("cases:tasks"))
    assert response.status_code == 200
    board = response.context["board"]
    assert [t.kind for t in board.crisis] == [Task.Kind.CRISIS]
    assert board.overdue == [late] and board.upcoming == [later]
    assert not board.oversees
    body = response.content.decode()
    crisis_id = f'id="task-{board.crisis[0].pk}"'
    assert body.index(crisis_id) < body.index(f'id="task-{late.pk}"')
    assert body.index(f'id="task-{late.pk}"') < body.index(f'id="task-{later.pk}"')
    assert f'id="task-{done.pk}"' not in body
    assert "案主1" in body and "案主2" in body and world.liwan.name in body
    assert f"{later.due_on.year}年{later.due_on.month}月{later.due_on.day}日" in body
    assert reverse("cases:detail", args=[case.pk]) in body
    assert reverse("cases:task-handle", args=[later.pk]) in body


@pytest.mark.parametrize("persona", ["supervisor", "lead"])
def test_oversight_sees_the_teams_open_crises(world, login, persona):
    case = make_case(world)
    crisis_raise(case=case, reason="危险性评估 4 级", source="a", acting_user=world.worker)
    reminder(case, world.worker, timezone.localdate())  # not a crisis: not shown to others
    board = login(getattr(world, persona)).get(reverse("cases:tasks")).context["board"]
    assert board.oversees
    assert [t.assignee for t in board.team_crisis] == [
        u for u in (world.worker, world.supervisor) if u != getattr(world, persona)
    ]
    own = 1 if persona == "supervisor" else 0
    assert len(board.crisis) == own


@pytest.mark.parametrize(
    "persona", ["counsellor", "other_worker", "purchaser", "outsider", "admin"]
)
def test_others_see_nothing_of_the_case(world, login, persona):
    case = make_case(world)
    crisis_raise(case=case, reason="PHQ-9", source="a", acting_user=world.worker)
    reminder(case, world.worker, timezone.localdate())
    response = login(getattr(world, persona)).get(reverse("cases:tasks"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "案主1" not in body and "PHQ-9" not in body
    assert response.context["board"].total == 0


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(reverse("cases:tasks"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_page_in_english(world, login):
    task = reminder(make_case(world), world.worker, dt.date(2026, 2, 24))
    http = login(world.worker)
    body = http.get(reverse("cases:tasks"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "My tasks" in body and "Process review due" in body
    assert f'id="task-{task.pk}"' in body


def test_open_task_counts(world):
    today = timezone.localdate()
    case = make_case(world)
    reminder(case, world.worker, today - DAY)
    reminder(case, world.worker, today + DAY, kind=Task.Kind.PLAN_REVIEW)
    crisis_raise(case=case, reason="PHQ-9", source="a", acting_user=world.worker)
    assert open_task_counts(world.worker) == {"total": 3, "crisis": 1, "overdue": 1}
    assert open_task_counts(world.supervisor) == {"total": 1, "crisis": 1, "overdue": 0}
    assert open_task_counts(world.outsider) == {"total": 0, "crisis": 0, "overdue": 0}


def _page_queries(http) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert http.get(reverse("cases:tasks")).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("persona", ["worker", "supervisor"])
def test_page_queries_do_not_grow_with_tasks(world, login, persona):
    today = timezone.localdate()
    http = login(getattr(world, persona))
    first = make_case(world, 1)
    reminder(first, world.worker, today)
    crisis_raise(case=first, reason="PHQ-9", source="a", acting_user=world.worker)
    few = _page_queries(http)
    for n in range(2, 8):
        case = make_case(world, n)
        reminder(case, world.worker, today - n * DAY)
        reminder(case, world.worker, today + n * DAY, kind=Task.Kind.PLAN_REVIEW)
        crisis_raise(case=case, reason="PHQ-9", source="a", acting_user=world.worker)
    assert _page_queries(http) == few
    assert task_board(getattr(world, persona)).total >= 7


def test_a_long_source_gets_a_short_stable_key(world):
    case = make_case(world)
    source = "hotline-call:" + "x" * 200
    first = crisis_raise(case=case, reason="PHQ-9", source=source, acting_user=world.worker)
    again = crisis_raise(case=case, reason="PHQ-9", source=source, acting_user=world.worker)
    assert [t.pk for t in again] == [t.pk for t in first]
    assert all(len(t.key) <= 120 for t in first)


def test_a_note_too_long_is_refused(world):
    task = reminder(make_case(world), world.worker, timezone.localdate())
    with translation.override("en"), pytest.raises(ValidationError, match="too long"):
        task_handle(task=task, note="长" * 2001, acting_user=world.worker)


def test_handling_twice_over_http_says_so(world, login):
    task = reminder(make_case(world), world.worker, timezone.localdate())
    task_handle(task=task, note="已处理", acting_user=world.worker)
    http = login(world.supervisor)
    response = http.post(
        reverse("cases:task-handle", args=[task.pk]),
        {"note": "再次处理"},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert "already been handled" in response.content.decode()
    task.refresh_from_db()
    assert task.handling_note == "已处理" and task.handled_by == world.worker


def test_no_task_for_a_bad_id_or_anonymous(world):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(Http404):
        get_task_for_user(world.worker, "abc")
    reminder(make_case(world), world.worker, timezone.localdate())
    anonymous = AnonymousUser()
    assert open_task_counts(anonymous) == {"total": 0, "crisis": 0, "overdue": 0}  # type: ignore[arg-type]
    assert task_board(anonymous).total == 0  # type: ignore[arg-type]
