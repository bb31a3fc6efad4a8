"""Training cycles (R5.3): every LW cycle rule of the template, the window, what counts as a
session, the baseline and closing assessments, and bounded queries on the lists."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from anxin.cases.models import Case
from anxin.cases.testing import add_assessment
from anxin.core.testing import liwan_input, register
from anxin.delivery.cycles import (
    cycle_end,
    cycle_progress,
    cycle_start,
    cycles_for_case,
    cycles_for_worker,
)
from anxin.delivery.models import Form, Participant, ServiceRecord, TrainingCycle

D = dt.date
DAY = dt.timedelta(days=1)
START = D(2026, 3, 2)  # a Monday


def make_case(world, n: int = 1, klass: str = "A") -> Case:
    case = register(world, liwan_input(world, name=f"周期{n}", id17=f"44010319800101{n:03d}"))
    case.classification, case.worker, case.status = klass, world.worker, Case.Status.OPEN
    case.save(update_fields=["classification", "worker", "status"])
    return case


def session(
    world,
    case: Case,
    item: str,
    on: D,
    *,
    minutes: int = 60,
    attended: bool = True,
    voided: bool = False,
) -> ServiceRecord:
    start = dt.datetime.combine(on, dt.time(9, 0))
    rec = ServiceRecord.objects.create(
        project_id=case.project_id,
        service_item=item,
        form=Form.ONE_TO_ONE,
        on=on,
        starts_at=start.time(),
        ends_at=(start + dt.timedelta(minutes=minutes)).time(),
        voided=voided,
    )
    Participant.objects.create(
        record=rec, kind=Participant.Kind.CLIENT, case=case, attended=attended
    )
    return rec


def sessions(world, case: Case, item: str, first: D, n: int, every: int = 7, **kw) -> None:
    for i in range(n):
        session(world, case, item, first + i * every * DAY, **kw)


def start(world, case: Case, item: str, on: D = START):
    return cycle_start(case=case, service_item=item, starts_on=on, acting_user=world.worker)


# contacts per cycle: medication, relapse prevention, peer support, social skills ----------------


@pytest.mark.parametrize(
    ("item", "required"),
    [
        ("medication_training", 10),
        ("relapse_prevention", 10),
        ("peer_support", 12),
        ("social_skills", 12),
    ],
)
def test_contacts_per_cycle(world, item, required):
    case = make_case(world)
    cycle = start(world, case, item)
    sessions(world, case, item, START, required - 1)
    progress = cycle_progress(cycle, today=START + 200 * DAY)
    assert (progress.done, progress.required, progress.max) == (required - 1, required, None)
    assert not progress.behind  # no time frame: not behind while running
    cycle_end(cycle=cycle, ended_on=START + 100 * DAY, acting_user=world.worker)
    ended = cycle_progress(cycle, today=START + 200 * DAY)
    assert ended.behind and str(required) in ended.reason
    cycle.ended_on = None
    cycle.save(update_fields=["ended_on"])
    session(world, case, item, START + 90 * DAY)
    cycle_end(cycle=cycle, ended_on=START + 100 * DAY, acting_user=world.worker)
    done = cycle_progress(cycle, today=START + 200 * DAY)
    assert (done.done, done.behind, done.reason) == (required, False, "")


def test_social_skills_must_be_consecutive_a_missed_session_restarts_the_count(world):
    case = make_case(world)
    cycle = start(world, case, "social_skills")
    sessions(world, case, "social_skills", START, 5)
    session(world, case, "social_skills", START + 35 * DAY, attended=False)
    sessions(world, case, "social_skills", START + 42 * DAY, 11)
    assert cycle_progress(cycle).done == 11  # the 5 before the missed one do not count
    session(world, case, "social_skills", START + 42 * DAY + 77 * DAY)
    assert cycle_progress(cycle).done == 12


def test_a_missed_session_does_not_restart_items_without_the_consecutive_rule(world):
    case = make_case(world)
    cycle = start(world, case, "peer_support")
    sessions(world, case, "peer_support", START, 5)
    session(world, case, "peer_support", START + 35 * DAY, attended=False)
    sessions(world, case, "peer_support", START + 42 * DAY, 3)
    assert cycle_progress(cycle).done == 8


# sessions a week over weeks: physical health, life skills ---------------------------------------


def test_physical_health_two_a_week_for_twelve_weeks(world):
    case = make_case(world)
    cycle = start(world, case, "physical_health")
    # four weeks of two sessions, then one in week five
    for week in range(4):
        session(world, case, "physical_health", START + (7 * week) * DAY)
        session(world, case, "physical_health", START + (7 * week + 3) * DAY)
    session(world, case, "physical_health", START + 28 * DAY)
    on_time = cycle_progress(cycle, today=START + 28 * DAY)  # four weeks elapsed: 8 required
    assert (on_time.done, on_time.weeks_elapsed, on_time.per_week_ok) == (9, 4, True)
    assert not on_time.behind
    late = cycle_progress(cycle, today=START + 35 * DAY)  # five weeks: 10 required
    assert (late.weeks_elapsed, late.per_week_ok, late.behind) == (5, False, True)
    assert "9" in late.reason
    final = cycle_progress(cycle, today=START + 365 * DAY)
    assert (final.weeks_elapsed, final.required) == (12, 24)


def test_physical_health_window_is_twelve_weeks(world):
    case = make_case(world)
    cycle = start(world, case, "physical_health")
    last_day = START + 83 * DAY
    session(world, case, "physical_health", START - DAY)  # before the cycle
    session(world, case, "physical_health", last_day)  # counts
    session(world, case, "physical_health", last_day + DAY)  # after the window
    assert cycle_progress(cycle).done == 1


def test_physical_health_two_cycles_a_year(world):
    case = make_case(world)
    first = start(world, case, "physical_health", D(2026, 1, 5))
    cycle_end(cycle=first, ended_on=D(2026, 3, 29), acting_user=world.worker)
    second = start(world, case, "physical_health", D(2026, 6, 1))
    cycle_end(cycle=second, ended_on=D(2026, 8, 23), acting_user=world.worker)
    with pytest.raises(ValidationError, match="2"):
        start(world, case, "physical_health", D(2026, 10, 5))
    start(world, case, "physical_health", D(2027, 1, 4))  # a new year


def test_life_skills_one_a_week_for_twelve_weeks(world):
    case = make_case(world, klass="B")
    cycle = start(world, case, "life_skills")
    sessions(world, case, "life_skills", START, 6)
    assert not cycle_progress(cycle, today=START + 42 * DAY).behind  # 6 weeks, 6 sessions
    assert cycle_progress(cycle, today=START + 49 * DAY).behind  # 7 weeks, 6 sessions
    sessions(world, case, "life_skills", START + 42 * DAY, 6)
    final = cycle_progress(cycle, today=START + 365 * DAY)
    assert (final.done, final.required, final.weeks_elapsed, final.behind) == (12, 12, 12, False)


# minimum length: psychotherapy 8–16 sessions of at least 30 minutes -----------------------------


def test_psychotherapy_counts_sessions_of_thirty_minutes_between_eight_and_sixteen(world):
    case = make_case(world)
    cycle = start(world, case, "psychotherapy")
    sessions(world, case, "psychotherapy", START, 7, minutes=30)
    sessions(world, case, "psychotherapy", START + DAY, 3, minutes=29)  # too short
    progress = cycle_progress(cycle)
    assert (progress.done, progress.required, progress.max) == (7, 8, 16)
    sessions(world, case, "psychotherapy", START + 100 * DAY, 10, minutes=50)
    over = cycle_progress(cycle)
    assert over.done == 17 and "16" in over.reason


# yearly counts: vocational ≥24, family items 4–12 a year ---------------------------------------


def test_vocational_twenty_four_a_year(world):
    case = make_case(world)
    cycle = start(world, case, "vocational", D(2026, 1, 1))
    sessions(world, case, "vocational", D(2026, 1, 1), 12, every=14)
    halfway = cycle_progress(cycle, today=D(2026, 7, 2))  # 182 days: 11 expected
    assert (halfway.done, halfway.required, halfway.behind) == (12, 24, False)
    assert cycle_progress(cycle, today=D(2026, 8, 1)).behind  # 212 days: 13 expected
    session(world, case, "vocational", D(2027, 1, 1))  # next year's window
    year_end = cycle_progress(cycle, today=D(2027, 2, 1))
    assert year_end.done == 12 and year_end.behind


@pytest.mark.parametrize("item", ["family_support", "family_rehab_guidance"])
def test_family_items_four_to_twelve_a_year(world, item):
    case = make_case(world, klass="B")
    cycle = start(world, case, item, D(2026, 1, 1))
    sessions(world, case, item, D(2026, 1, 10), 3, every=30)
    assert cycle_progress(cycle, today=D(2026, 12, 31)).behind  # 3 < 4
    session(world, case, item, D(2026, 6, 1))
    enough = cycle_progress(cycle, today=D(2027, 1, 5))
    assert (enough.done, enough.required, enough.max, enough.behind) == (4, 4, 12, False)
    sessions(world, case, item, D(2026, 7, 1), 9, every=10)
    too_many = cycle_progress(cycle, today=D(2027, 1, 5))
    assert too_many.done == 13 and "12" in too_many.reason


# what counts ------------------------------------------------------------------------------------


def test_only_attended_sessions_of_the_item_in_records_not_voided_count(world):
    case = make_case(world)
    other = make_case(world, 2)
    cycle = start(world, case, "medication_training")
    session(world, case, "medication_training", START)
    session(world, case, "medication_training", START + DAY, attended=False)
    session(world, case, "medication_training", START + 2 * DAY, voided=True)
    session(world, case, "relapse_prevention", START + 3 * DAY)
    session(world, other, "medication_training", START + 4 * DAY)
    assert cycle_progress(cycle).done == 1


# starting and ending ----------------------------------------------------------------------------


def test_start_refuses_items_without_a_cycle_or_not_for_the_class_or_running(world):
    case = make_case(world, klass="C")
    with pytest.raises(ValidationError):
        start(world, case, "rehab_assessment")  # no cycle rule
    with pytest.raises(ValidationError):
        start(world, case, "physical_health")  # practical tier: A and B only
    with pytest.raises(ValidationError):
        start(world, case, "no_such_item")
    start(world, case, "medication_training")
    with pytest.raises(ValidationError):
        start(world, case, "medication_training", START + DAY)  # one running at a time


def test_baseline_is_the_latest_assessment_before_the_start(world):
    case = make_case(world)
    add_assessment(case, "sdss", 8, on=START - 30 * DAY)
    latest = add_assessment(case, "sdss", 6, on=START - DAY)
    add_assessment(case, "sdss", 5, on=START + DAY)
    assert start(world, case, "peer_support").baseline == latest


def test_closing_is_the_first_assessment_on_or_after_the_end(world):
    case = make_case(world)
    cycle = start(world, case, "peer_support")
    end = START + 90 * DAY
    first = add_assessment(case, "sdss", 5, timepoint="outcome", on=end + DAY)
    add_assessment(case, "sdss", 4, timepoint="outcome", on=end + 10 * DAY)
    assert cycle_end(cycle=cycle, ended_on=end, acting_user=world.worker).closing == first


def test_closing_falls_back_to_the_latest_after_the_last_session(world):
    case = make_case(world)
    cycle = start(world, case, "peer_support")
    session(world, case, "peer_support", START + 50 * DAY)
    add_assessment(case, "sdss", 6, on=START + 40 * DAY)  # before the last session
    at_last = add_assessment(case, "sdss", 5, on=START + 55 * DAY)
    ended = cycle_end(cycle=cycle, ended_on=START + 60 * DAY, acting_user=world.worker)
    assert ended.closing == at_last
    with pytest.raises(ValidationError):
        cycle_end(cycle=cycle, ended_on=START + 61 * DAY, acting_user=world.worker)


def test_end_refuses_a_date_before_the_start(world):
    cycle = start(world, make_case(world), "peer_support")
    with pytest.raises(ValidationError):
        cycle_end(cycle=cycle, ended_on=START - DAY, acting_user=world.worker)


# lists ------------------------------------------------------------------------------------------


def _count(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_lists_cost_a_fixed_number_of_queries(world):
    def populate(first: int, n: int) -> None:
        for i in range(first, first + n):
            case = make_case(world, i)
            for item in ("physical_health", "psychotherapy", "social_skills", "vocational"):
                start(world, case, item)
                session(world, case, item, START + DAY)

    populate(1, 1)
    few = _count(lambda: cycles_for_worker(world.worker))
    populate(2, 4)
    many = _count(lambda: cycles_for_worker(world.worker))
    assert many == few
    rows = cycles_for_worker(world.worker, today=START + 14 * DAY)
    assert len(rows) == 20 and all(p.done == 1 for _c, p in rows)
    behind = cycles_for_worker(world.worker, today=START + 14 * DAY, behind_only=True)
    assert {c.service_item for c, _p in behind} == {"physical_health"}  # 1 of 4 after 2 weeks
    case = rows[0][0].case
    assert _count(lambda: cycles_for_case(case)) == few


# pages ------------------------------------------------------------------------------------------


def test_case_page_shows_progress_and_starts_and_ends_a_cycle(world, login):
    case = make_case(world)
    client = login(world.worker)
    url = reverse("delivery:cycles-case", args=[case.pk])
    with translation.override("en"):
        response = client.post(
            reverse("delivery:cycles-start", args=[case.pk]),
            {"service_item": "psychotherapy", "starts_on": START.isoformat()},
        )
    assert response.status_code == 302
    cycle = TrainingCycle.objects.get(case=case)
    sessions(world, case, "psychotherapy", START, 3, minutes=45)
    sessions(world, case, "psychotherapy", START + DAY, 1, minutes=20)  # too short to count
    page = client.get(url).content.decode()
    assert "心理治疗和康复" in page
    assert "已完成 3 次（要求 8–16 次）" in page
    client.post(
        reverse("delivery:cycles-end", args=[case.pk, cycle.pk]),
        {"ended_on": (START + 60 * DAY).isoformat()},
    )
    cycle.refresh_from_db()
    assert cycle.ended_on == START + 60 * DAY


def test_case_page_refuses_a_class_that_may_not_receive_the_item(world, login):
    case = make_case(world, klass="C")
    client = login(world.worker)
    response = client.post(
        reverse("delivery:cycles-start", args=[case.pk]),
        {"service_item": "physical_health", "starts_on": START.isoformat()},
        follow=True,
    )
    assert response.status_code == 200
    assert not TrainingCycle.objects.exists()
    assert "LW §8" in response.content.decode()


def test_cycle_pages_are_closed_to_others(world, login):
    case = make_case(world)
    cycle = start(world, case, "peer_support")
    for user in (world.outsider, world.purchaser, world.other_worker):
        client = login(user)
        assert client.get(reverse("delivery:cycles-case", args=[case.pk])).status_code == 404
        end = reverse("delivery:cycles-end", args=[case.pk, cycle.pk])
        assert client.post(end, {"ended_on": START.isoformat()}).status_code == 404
    supervisor = login(world.supervisor)  # may read, not write
    assert supervisor.get(reverse("delivery:cycles-case", args=[case.pk])).status_code == 200
    start_url = reverse("delivery:cycles-start", args=[case.pk])
    assert supervisor.post(start_url, {"service_item": "vocational"}).status_code == 403
    cycle.refresh_from_db()
    assert cycle.ended_on is None


def test_my_cycles_lists_those_falling_behind(world, login):
    case = make_case(world)
    today = dt.date.today()
    start(world, case, "physical_health", today - 21 * DAY)
    start(world, case, "peer_support", today - 21 * DAY)
    page = login(world.worker).get(reverse("delivery:cycles-mine")).content.decode()
    behind, on_track = page.split('id="track-heading"')
    assert case.client.name in behind and "躯体管理训练" in behind
    assert "同伴支持" in on_track and "同伴支持" not in behind
    other = login(world.counsellor).get(reverse("delivery:cycles-mine")).content.decode()
    assert case.client.name not in other


# the reminder for a cycle falling behind ---------------------------------------------------------


def test_a_cycle_falling_behind_raises_one_reminder_per_four_weeks(world):
    from anxin.cases.models import Task
    from anxin.cases.reminders import generate_reminders

    case = make_case(world)
    cycle = start(world, case, "physical_health")  # 2 a week for 12 weeks
    sessions(world, case, "physical_health", START, 4, every=3)  # 4 in the first two weeks
    assert generate_reminders(START + 14 * DAY)["cycle_behind"] == 0  # 4 of 4: on track
    counts = generate_reminders(START + 21 * DAY)  # 4 of 6 after three weeks
    assert counts["cycle_behind"] == 1
    task = Task.objects.get(kind=Task.Kind.CYCLE_BEHIND)
    assert (task.case, task.assignee, task.due_on) == (case, world.worker, START + 21 * DAY)
    assert "躯体管理训练" in task.title and "2026年3月2日" in task.title
    assert generate_reminders(START + 22 * DAY)["cycle_behind"] == 0  # not again every day
    task.status = Task.Status.DONE
    task.save(update_fields=["status"])
    assert generate_reminders(START + 27 * DAY)["cycle_behind"] == 0  # same four-week block
    assert generate_reminders(START + 28 * DAY)["cycle_behind"] == 1  # still behind: again
    cycle_end(cycle=cycle, ended_on=START + 29 * DAY, acting_user=world.worker)
    assert generate_reminders(START + 60 * DAY)["cycle_behind"] == 0  # ended: no more


def test_no_reminder_for_a_cycle_on_track_or_a_case_without_worker(world):
    from anxin.cases.reminders import generate_reminders

    on_track = make_case(world)
    start(world, on_track, "life_skills")  # 1 a week
    sessions(world, on_track, "life_skills", START, 5)
    orphan = make_case(world, 2)
    start(world, orphan, "life_skills")
    orphan.worker = None
    orphan.save(update_fields=["worker"])
    counts = generate_reminders(START + 35 * DAY)
    assert counts["cycle_behind"] == 0
    assert counts["unassigned"] == 1  # the orphan's cycle is behind, but has no one to tell
