"""Each reminder rule fires on the day it is met and not the day before; due dates skip holidays;
a second run makes nothing new; the number of queries does not grow with the cases."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from anxin.cases.models import Case, CaseEvent, ServicePlan, Step, Task
from anxin.cases.reminders import generate_reminders
from anxin.cases.testing import add_assessment
from anxin.core.testing import liwan_input, register

D = dt.date
DAY = dt.timedelta(days=1)
LONG_AGO = D(2025, 1, 1)


def make_case(
    world,
    n: int = 1,
    *,
    worker=True,
    step: str = Step.SERVICE,
    registered_on: D | None = LONG_AGO,
    opened_on: D = LONG_AGO,
    project=None,
) -> Case:
    data = liwan_input(world, name=f"测试{n}", id17=f"44010319800101{n:03d}")
    if project == world.chongchuan:
        street = world.street("城东街道")
        data = liwan_input(
            world,
            name=f"崇{n}",
            id17=f"32061319800101{n:03d}",
            street=street,
            household_district=None,
            disability_level="2",
        )
    case = register(world, data, project=project)
    case.step = step
    case.opened_on = opened_on
    case.worker = (world.worker if project is None else world.other_worker) if worker else None
    case.save(update_fields=["step", "opened_on", "worker"])
    case.events.update(on=opened_on)  # the referral step of the intake
    if registered_on:
        event(case, CaseEvent.Kind.STEP, registered_on, step=Step.REGISTRATION)
    return case


def event(case: Case, kind: str, on: D, step: str = "") -> CaseEvent:
    return CaseEvent.objects.create(
        project_id=case.project_id, case=case, kind=kind, step=step, on=on
    )


def plan(case: Case, review_on: D, version: int = 1) -> ServicePlan:
    assert case.worker is not None
    return ServicePlan.objects.create(
        project_id=case.project_id,
        case=case,
        version=version,
        goals="目标",
        review_on=review_on,
        responsible=case.worker,
    )


def close(case: Case, on: D, exit: str = Case.Exit.COMPLETED) -> None:
    case.status, case.closed_on, case.exit, case.step = Case.Status.CLOSED, on, exit, Step.CLOSURE
    case.save(update_fields=["status", "closed_on", "exit", "step"])


def tasks(kind: str) -> list[Task]:
    return list(Task.objects.filter(kind=kind).order_by("id"))


# process review -------------------------------------------------------------------------------


def test_process_review_from_registration_fires_on_day_90_due_after_spring_festival(world):
    case = make_case(world, registered_on=D(2025, 11, 19), step=Step.PLAN)
    fires = D(2025, 11, 19) + 90 * DAY
    assert fires == D(2026, 2, 17)  # inside the Spring Festival holiday
    assert generate_reminders(fires - DAY)["process_review"] == 0
    assert generate_reminders(fires)["process_review"] == 1
    (task,) = tasks(Task.Kind.PROCESS_REVIEW)
    assert task.due_on == D(2026, 2, 24)  # first working day after the holiday
    assert (task.case, task.assignee, task.project) == (case, world.worker, world.liwan)
    assert task.status == Task.Status.OPEN
    assert "2025年11月19日" in task.title  # stored in the users' language


def test_process_review_counts_from_the_last_review(world):
    case = make_case(world, registered_on=D(2025, 1, 1))
    event(case, CaseEvent.Kind.PROCESS_REVIEW, D(2026, 6, 1))
    event(case, CaseEvent.Kind.PROCESS_REVIEW, D(2026, 3, 2))  # older, recorded later
    assert generate_reminders(D(2026, 8, 29))["process_review"] == 0  # 89 days after 1 June
    assert generate_reminders(D(2026, 8, 30))["process_review"] == 1
    (task,) = tasks(Task.Kind.PROCESS_REVIEW)
    assert task.due_on == D(2026, 8, 31)  # 30 Aug is a Sunday


def test_process_review_follows_the_project_setting(world):
    world.liwan.workflow = {"process_review_days": 30}
    world.liwan.save(update_fields=["workflow"])
    make_case(world, registered_on=D(2026, 3, 2))
    make_case(world, 2, project=world.chongchuan, registered_on=D(2026, 3, 2))  # 90 days there
    assert generate_reminders(D(2026, 3, 31))["process_review"] == 0
    assert generate_reminders(D(2026, 4, 1))["process_review"] == 1
    assert tasks(Task.Kind.PROCESS_REVIEW)[0].case.project == world.liwan


def test_no_process_review_before_registration_nor_for_waiting_or_closed_cases(world):
    make_case(world, 1, registered_on=None, step=Step.BASELINE)
    waiting = make_case(world, 2)
    Case.objects.filter(pk=waiting.pk).update(status=Case.Status.WAITING)
    close(make_case(world, 3), D(2026, 10, 1))
    assert generate_reminders(D(2026, 11, 1))["process_review"] == 0


# plan review ----------------------------------------------------------------------------------


def test_plan_review_seven_days_ahead_due_after_national_day(world):
    case = make_case(world)
    plan(case, D(2026, 1, 5), version=1)
    plan(case, D(2026, 10, 3), version=2)  # the current version decides
    assert generate_reminders(D(2026, 9, 25))["plan_review"] == 0  # eight days before
    assert generate_reminders(D(2026, 9, 26))["plan_review"] == 1  # seven days before
    (task,) = tasks(Task.Kind.PLAN_REVIEW)
    assert task.due_on == D(2026, 10, 8)


def test_plan_review_past_due_still_fires(world):
    plan(make_case(world), D(2026, 3, 4))  # a Wednesday
    assert generate_reminders(D(2026, 5, 1))["plan_review"] == 1
    assert tasks(Task.Kind.PLAN_REVIEW)[0].due_on == D(2026, 3, 4)


# follow-up after closure ----------------------------------------------------------------------


def test_follow_up_thirty_days_after_closure_on_a_make_up_saturday(world):
    case = make_case(world)
    close(case, D(2026, 1, 15))
    fires = D(2026, 1, 15) + 30 * DAY
    assert fires == D(2026, 2, 14)  # a Saturday worked in lieu: stays
    assert generate_reminders(fires - DAY)["follow_up"] == 0
    assert generate_reminders(fires)["follow_up"] == 1
    assert tasks(Task.Kind.FOLLOW_UP)[0].due_on == D(2026, 2, 14)


def test_no_follow_up_after_death_or_once_recorded(world):
    close(make_case(world, 1), D(2026, 1, 15), exit=Case.Exit.DEATH)
    done = make_case(world, 2)
    close(done, D(2026, 1, 15))
    event(done, CaseEvent.Kind.STEP, D(2026, 2, 10), step=Step.FOLLOW_UP)
    transferred = make_case(world, 3)
    close(transferred, D(2026, 1, 15), exit=Case.Exit.TRANSFER)
    assert generate_reminders(D(2026, 3, 1))["follow_up"] == 1
    assert tasks(Task.Kind.FOLLOW_UP)[0].case == transferred


# no contact -----------------------------------------------------------------------------------


def test_no_contact_counts_events_and_assessments(world):
    case = make_case(world, registered_on=D(2026, 8, 1))
    event(case, CaseEvent.Kind.NOTE, D(2026, 8, 20))
    add_assessment(case, "phq-9", 5, on=D(2026, 9, 1))  # the latest contact
    fires = D(2026, 9, 1) + 30 * DAY
    assert fires == D(2026, 10, 1)
    assert generate_reminders(fires - DAY)["no_contact"] == 0
    assert generate_reminders(fires)["no_contact"] == 1
    (task,) = tasks(Task.Kind.NO_CONTACT)
    assert task.due_on == D(2026, 10, 8)


def _service(case: Case, on: D, *, attended: bool = True, voided: bool = False) -> None:
    from anxin.delivery.models import Form, Participant, ServiceRecord

    record = ServiceRecord.objects.create(
        project_id=case.project_id,
        service_item="medication_training",
        form=Form.ONE_TO_ONE,
        on=on,
        starts_at=dt.time(9),
        ends_at=dt.time(10),
        voided=voided,
    )
    Participant.objects.create(
        record=record, kind=Participant.Kind.CLIENT, case=case, attended=attended
    )


def test_no_contact_counts_attended_service_sessions(world):
    case = make_case(world, registered_on=D(2026, 8, 1))
    _service(case, D(2026, 8, 31))  # the latest contact
    fires = D(2026, 8, 31) + 30 * DAY
    assert generate_reminders(fires - DAY)["no_contact"] == 0
    assert generate_reminders(fires)["no_contact"] == 1
    assert "2026年8月31日" in tasks(Task.Kind.NO_CONTACT)[0].title


def test_no_contact_ignores_missed_and_voided_sessions(world):
    case = make_case(world, registered_on=D(2026, 8, 1))
    _service(case, D(2026, 8, 20))
    _service(case, D(2026, 9, 1), attended=False)
    _service(case, D(2026, 9, 2), voided=True)
    other = make_case(world, 2, registered_on=D(2026, 8, 1))
    _service(other, D(2026, 9, 3))  # another client's session
    assert generate_reminders(D(2026, 9, 19))["no_contact"] == 1
    assert tasks(Task.Kind.NO_CONTACT)[0].case == case


def test_no_contact_counts_from_opening_without_any_contact(world):
    case = make_case(world, registered_on=None, opened_on=D(2026, 6, 1))
    case.events.all().delete()  # not even the referral step
    assert generate_reminders(D(2026, 6, 30))["no_contact"] == 0
    assert generate_reminders(D(2026, 7, 1))["no_contact"] == 1


def test_no_contact_only_for_cases_in_service(world):
    make_case(world, step=Step.PLAN, registered_on=D(2026, 1, 5))
    assert generate_reminders(D(2026, 11, 1))["no_contact"] == 0


def test_no_contact_follows_the_project_setting(world):
    make_case(world, project=world.chongchuan, registered_on=D(2026, 8, 3))  # 60 days there
    assert generate_reminders(D(2026, 10, 1))["no_contact"] == 0
    assert generate_reminders(D(2026, 10, 2))["no_contact"] == 1
    assert tasks(Task.Kind.NO_CONTACT)[0].assignee == world.other_worker


# across rules ---------------------------------------------------------------------------------


def test_cases_without_a_worker_are_counted_not_assigned(world):
    make_case(world, worker=False, registered_on=D(2026, 1, 5))
    result = generate_reminders(D(2026, 11, 1))
    assert result == {
        "process_review": 0,
        "plan_review": 0,
        "follow_up": 0,
        "no_contact": 0,
        "cycle_behind": 0,
        "referral_overdue": 0,
        "unassigned": 2,  # process review and no contact
    }
    assert not Task.objects.exists()


def test_second_run_makes_nothing_new_even_after_handling(world):
    case = make_case(world, registered_on=D(2026, 1, 5))
    plan(case, D(2026, 11, 3))
    first = generate_reminders(D(2026, 11, 1))
    assert first["process_review"] == first["plan_review"] == first["no_contact"] == 1
    Task.objects.filter(kind=Task.Kind.PLAN_REVIEW).update(status=Task.Status.DONE)
    second = generate_reminders(D(2026, 11, 1))
    third = generate_reminders(D(2026, 11, 2))
    assert all(second[kind] == 0 for kind in ("process_review", "plan_review", "no_contact"))
    assert third == second
    assert Task.objects.count() == 3


def test_a_new_review_starts_a_new_cycle(world):
    case = make_case(world, registered_on=D(2026, 1, 5))
    generate_reminders(D(2026, 4, 10))
    event(case, CaseEvent.Kind.PROCESS_REVIEW, D(2026, 4, 20))
    assert generate_reminders(D(2026, 7, 18))["process_review"] == 0
    assert generate_reminders(D(2026, 7, 19))["process_review"] == 1
    assert [t.due_on for t in tasks(Task.Kind.PROCESS_REVIEW)] == [D(2026, 4, 7), D(2026, 7, 20)]


def _queries(today: D) -> int:
    with CaptureQueriesContext(connection) as ctx:
        generate_reminders(today)
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_cases(world):
    def populate(first: int, count: int) -> None:
        for n in range(first, first + count):
            case = make_case(world, n, registered_on=D(2026, 1, 5))
            plan(case, D(2026, 11, 3))
            closed = make_case(world, 100 + n)
            close(closed, D(2026, 6, 1))

    populate(1, 1)
    few = _queries(D(2026, 11, 1))
    Task.objects.all().delete()
    populate(2, 6)
    assert Task.objects.count() == 0
    many = _queries(D(2026, 11, 1))
    assert Task.objects.count() == 4 * 7
    assert many == few


# the command ----------------------------------------------------------------------------------


def test_command_prints_counts_per_kind(world, capsys):
    make_case(world, registered_on=D(2025, 11, 19), step=Step.PLAN)
    make_case(world, 2, worker=False, registered_on=D(2025, 11, 19), step=Step.PLAN)
    with translation.override("en"):
        call_command("run-reminders", "--date", "2026-02-17")
        call_command("run-reminders", "--date", "2026-02-17")
    first, second = capsys.readouterr().out.split("Reminders for")[1:]
    assert "2026-02-17" in first
    assert "process_review: 1" in first and "unassigned: 1" in first
    assert "no_contact: 0" in first
    assert "process_review: 0" in second
    assert Task.objects.get().due_on == D(2026, 2, 24)


def test_command_runs_for_today_by_default(world, capsys):
    call_command("run-reminders")
    assert "process_review: 0" in capsys.readouterr().out


def test_command_refuses_a_bad_date(world):
    with translation.override("en"), pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("run-reminders", "--date", "2026-02-30")
