"""Overdue referrals raise a reminder for the worker who sent them (per-project interval, once
per referral, settled by the answer); the indicator engine counts communication groups with a
trace in the period and referrals by direction, reason and status."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from anxin.cases.models import Task
from anxin.cases.reminders import generate_reminders
from anxin.contracts.indicator_sources import _referral_counts
from anxin.contracts.indicators import indicator_table, project_period
from anxin.referrals import actions
from anxin.referrals.tests import factories as f

DAY = dt.timedelta(days=1)


def _overdue_tasks():
    return Task.objects.filter(kind=Task.Kind.REFERRAL_OVERDUE)


def test_an_unanswered_referral_raises_one_reminder_for_its_sender(world) -> None:
    case = f.case(world)
    partner = f.partner(world)
    old = f.referral_out(world, case, partner, send_on=f.TODAY - 14 * DAY)
    f.referral_out(world, case, partner, send_on=f.TODAY - 13 * DAY)  # not yet due
    f.referral_out(world, case, partner, on=f.TODAY - 20 * DAY)  # a draft: never due
    result = generate_reminders(f.TODAY)
    assert result["referral_overdue"] == 1
    task = _overdue_tasks().get()
    assert (task.assignee, task.case, task.status) == (world.worker, case, "open")
    assert old.number in task.title and partner.name in task.title and "未答复" in task.title
    assert task.due_on >= f.TODAY
    assert generate_reminders(f.TODAY)["referral_overdue"] == 0
    assert generate_reminders(f.TODAY + DAY)["referral_overdue"] == 1  # the second, a day later
    assert _overdue_tasks().count() == 2


def test_the_answer_settles_the_reminder(world) -> None:
    case = f.case(world)
    referral = f.referral_out(world, case, f.partner(world), send_on=f.TODAY - 20 * DAY)
    actions.referral_move(
        referral=referral, to="received", on=f.TODAY - 19 * DAY, acting_user=world.worker
    )
    generate_reminders(f.TODAY)
    assert _overdue_tasks().get().status == "open"  # received is not an answer
    actions.referral_move(
        referral=referral, to="rejected", on=f.TODAY, note="床位已满", acting_user=world.worker
    )
    task = _overdue_tasks().get()
    assert (task.status, task.handled_by) == ("done", world.worker)
    assert generate_reminders(f.TODAY + DAY)["referral_overdue"] == 0


def test_the_interval_is_the_projects_setting(world) -> None:
    case = f.case(world)
    f.referral_out(world, case, f.partner(world), send_on=f.TODAY - 5 * DAY)
    assert generate_reminders(f.TODAY)["referral_overdue"] == 0
    world.liwan.workflow = {**world.liwan.workflow, "referral_answer_days": 5}
    world.liwan.save()
    assert generate_reminders(f.TODAY)["referral_overdue"] == 1


def test_communication_groups_count_when_they_left_a_trace_in_the_period(world) -> None:
    partner = f.partner(world)
    period = project_period(world.liwan, f.TODAY)
    quiet = f.group(world, [partner], name="沉默的群", started_on=period.start)
    busy = f.group(world, [partner], name="活跃的群", started_on=period.start)
    f.activity(world, busy, on=f.TODAY)
    f.activity(world, busy, on=f.TODAY - DAY)
    assert _row(world, "3") == Decimal(1)
    f.activity(world, quiet, on=period.start)
    assert _row(world, "3") == Decimal(2)
    old = f.group(world, [partner], name="去年的群", started_on=period.start - 30 * DAY)
    f.activity(world, old, on=period.start - DAY)  # a trace before the period
    assert _row(world, "3") == Decimal(2)


def _row(world, code: str) -> Decimal | None:
    return {r.code: r.achieved for r in indicator_table(world.liwan, f.TODAY)}[code]


def test_referral_counts_by_direction_reason_and_status(world) -> None:
    case = f.case(world)
    hospital = f.partner(world)
    period = project_period(world.liwan, f.TODAY)
    sent = f.referral_out(world, case, hospital, send_on=f.TODAY - 3 * DAY)
    actions.referral_move(referral=sent, to="accepted", on=f.TODAY - DAY, acting_user=world.worker)
    f.referral_out(world, case, hospital, send_on=f.TODAY, reason="other")
    f.referral_out(world, case, hospital)  # a draft: not counted
    cancelled = f.referral_out(world, case, hospital, send_on=f.TODAY)
    actions.referral_move(
        referral=cancelled,
        to="cancelled",
        on=f.TODAY,
        note="家属改变主意",
        acting_user=world.worker,
    )
    f.referral_in(world, hospital)
    rules: dict[str, dict[str, Any]] = {
        "out": {"kind": "referrals"},
        "medical": {"kind": "referrals", "reasons": ["medical"]},
        "accepted": {"kind": "referrals", "statuses": ["accepted", "completed"]},
        "in": {"kind": "referrals", "direction": "in"},
        "groups": {"kind": "communication_groups"},
    }
    counts = _referral_counts(world.liwan, period, rules)
    assert counts == {
        "out": Decimal(2),
        "medical": Decimal(1),
        "accepted": Decimal(1),
        "in": Decimal(1),
        "groups": Decimal(0),
    }
