"""Group programmes (R5.4): fixed-family bounds, members, session numbering and attendance."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import override

from anxin.audit.models import AuditEvent
from anxin.cases import actions as case_actions
from anxin.cases.models import Case, Step
from anxin.cases.testing import walk
from anxin.core.testing import World, liwan_input, register
from anxin.delivery import groups
from anxin.delivery.actions import WorkerHours
from anxin.delivery.groups import (
    programme_close,
    programme_create,
    programme_member_add,
    programme_member_remove,
    programme_session_record,
)
from anxin.delivery.models import GroupProgramme, Participant
from anxin.delivery.selectors import records_for_case, threshold_status

T9, T11 = dt.time(9), dt.time(11)


def cc_case(world: World, n: int, *, stable: bool = True) -> Case:
    """An open CC case in service (a client with a psychiatric disability certificate)."""
    data = liwan_input(
        world,
        name=f"崇{n}",
        id17=f"32061319800101{n:03d}",
        street=world.street("城东街道"),
        household_district=None,
        disability_level="2",
    )
    case = register(world, data, project=world.chongchuan)
    if not stable:
        case.client.condition_stable = False
        case.client.save(update_fields=["condition_stable"])
    case = walk(case, Step.AGREEMENT, world.other_worker)
    today = timezone.localdate()
    case_actions.plan_create(
        case=case,
        goals="稳定服药，家庭互助",
        review_on=today + dt.timedelta(days=60),
        responsible=world.other_worker,
        items=[case_actions.PlanItemInput("multi_family_group", 4, "month")],
        acting_user=world.other_worker,
    )
    case_actions.case_step(case=case, step=Step.SERVICE, on=today, acting_user=world.other_worker)
    case.refresh_from_db()
    return case


def lw_case(world: World, n: int, *, klass_scores: tuple[float, float] = (0, 2)) -> Case:
    """An open Liwan case in service; class A by default, (1, 8) gives class B."""
    case = register(world, liwan_input(world, name=f"荔{n}", id17=f"44010319800101{n:03d}"))
    return walk(case, Step.SERVICE, world.worker, klass_scores=klass_scores)


def multi_family(world: World, cases: list[Case], **extra: object) -> GroupProgramme:
    values: dict[str, object] = {
        "project": world.chongchuan,
        "service_item": "multi_family_group",
        "theme": "稳定期家庭互助",
        "fixed_members": True,
        "planned_sessions": 6,
        "starts_on": timezone.localdate(),
        "members": cases,
        "acting_user": world.other_worker,
    }
    values.update(extra)
    return programme_create(**values)  # type: ignore[arg-type]


def lw_group(world: World, cases: list[Case], item: str = "medication_training") -> GroupProgramme:
    return programme_create(
        project=world.liwan,
        service_item=item,
        theme="服药依从小组",
        planned_sessions=8,
        starts_on=timezone.localdate(),
        members=cases,
        acting_user=world.worker,
    )


def session(programme: GroupProgramme, attended: list[Case], user, **extra: object):
    values: dict[str, object] = {
        "programme": programme,
        "on": timezone.localdate(),
        "starts_at": T9,
        "ends_at": T11,
        "place": "街道康园工疗站",
        "attended": {c.pk for c in attended},
        "workers": [WorkerHours(user, Decimal("2"), Decimal("0.5"))],
        "acting_user": user,
    }
    values.update(extra)
    return programme_session_record(**values)  # type: ignore[arg-type]


def refusal(call) -> list[str]:
    with override("en"), pytest.raises(ValidationError) as exc:
        call()
    return exc.value.messages


# Fixed families: CC multi-family groups have 3–5 families (CC §3) -------------------------------


@pytest.mark.parametrize("families", [2, 6])
def test_multi_family_group_outside_3_to_5_families_is_refused_with_the_reason(world, families):
    cases = [cc_case(world, n) for n in range(families)]
    messages = refusal(lambda: multi_family(world, cases))
    assert any("3 to 5 fixed families" in m and f"would have {families}" in m for m in messages)
    assert not GroupProgramme.objects.exists()


@pytest.mark.parametrize("families", [3, 5])
def test_multi_family_group_of_3_or_5_families_is_accepted(world, families):
    cases = [cc_case(world, n) for n in range(families)]
    programme = multi_family(world, cases)
    assert set(programme.members.all()) == set(cases)
    assert AuditEvent.objects.filter(action="programme.create", object_id=programme.pk).exists()


def test_multi_family_group_needs_fixed_members(world):
    cases = [cc_case(world, n) for n in range(3)]
    messages = refusal(lambda: multi_family(world, cases, fixed_members=False))
    assert any("fixed members" in m for m in messages)


def test_multi_family_group_is_for_the_stable_phase(world):
    cases = [cc_case(world, n) for n in range(2)] + [cc_case(world, 9, stable=False)]
    messages = refusal(lambda: multi_family(world, cases))
    assert any("崇9" in m and "stable-medication phase" in m for m in messages)


def test_members_of_a_fixed_group_stay_within_the_bounds(world):
    cases = [cc_case(world, n) for n in range(6)]
    programme = multi_family(world, cases[:3])
    assert any(
        "would have 2" in m
        for m in refusal(
            lambda: programme_member_remove(
                programme=programme, case=cases[0], acting_user=world.other_worker
            )
        )
    )
    programme_member_add(programme=programme, case=cases[3], acting_user=world.other_worker)
    programme_member_add(programme=programme, case=cases[4], acting_user=world.other_worker)
    assert any(
        "would have 6" in m
        for m in refusal(
            lambda: programme_member_add(
                programme=programme, case=cases[5], acting_user=world.other_worker
            )
        )
    )
    programme_member_remove(programme=programme, case=cases[0], acting_user=world.other_worker)
    assert programme.members.count() == 4
    assert AuditEvent.objects.filter(action="programme.member_remove").count() == 1


# Members: open cases of the project whose class allows the item --------------------------------


def test_members_must_be_cases_of_the_project(world):
    other = cc_case(world, 1)
    messages = refusal(lambda: lw_group(world, [other]))
    assert any("崇1 is not a client of this project" in m for m in messages)


def test_members_must_have_open_cases_in_service(world):
    closed = lw_case(world, 1)
    Case.objects.filter(pk=closed.pk).update(status=Case.Status.CLOSED)
    closed.refresh_from_db()
    no_plan = register(world, liwan_input(world, name="荔2", id17="44010319800101002"))
    messages = refusal(lambda: lw_group(world, [closed, no_plan]))
    assert any("荔1" in m and "open cases" in m for m in messages)
    assert any("荔2" in m and "service plan" in m for m in messages)


def test_members_class_must_allow_the_item(world):
    class_b = lw_case(world, 1, klass_scores=(1, 8))
    assert class_b.classification == "B"
    messages = refusal(lambda: lw_group(world, [class_b], item="social_skills"))
    assert any("荔1" in m and "Social-skills training is for Class A" in m for m in messages)
    assert lw_group(world, [class_b], item="life_skills").members.count() == 1


def test_item_must_be_in_the_catalogue(world):
    messages = refusal(lambda: lw_group(world, [], item="multi_family_group"))
    assert any("not in this project's service catalogue" in m for m in messages)


# Sessions ------------------------------------------------------------------------


def test_sessions_are_numbered_and_attendance_is_per_member(world):
    cases = [lw_case(world, n) for n in range(7)]
    programme = lw_group(world, cases)
    first = session(programme, cases[:6], world.worker)
    second = session(programme, cases[:4], world.worker)
    assert (first.session_no, second.session_no) == (1, 2)
    assert first.programme == programme and first.service_item == "medication_training"
    rows = first.participants.filter(kind=Participant.Kind.CLIENT)
    assert rows.count() == 7 and rows.filter(attended=True).count() == 6
    assert threshold_status(first) == (True, None)
    with override("en"):
        counted, why = threshold_status(second)
    assert not counted and why is not None and "4 clients attended, 6 needed" in why
    # each attendee's record is in their archive; an absent member's row says absent
    assert second in records_for_case(cases[0])
    assert Participant.objects.filter(case=cases[0], record=second, attended=True).exists()
    assert Participant.objects.filter(case=cases[5], record=second, attended=False).exists()


def test_a_voided_session_keeps_its_number(world):
    from anxin.delivery.actions import service_record_void

    cases = [lw_case(world, n) for n in range(2)]
    programme = lw_group(world, cases)
    first = session(programme, cases, world.worker)
    service_record_void(record=first, reason="录错了", acting_user=world.worker)
    assert session(programme, cases, world.worker).session_no == 2


def test_guardians_and_guests_take_part(world):
    cases = [lw_case(world, n) for n in range(2)]
    programme = lw_group(world, cases)
    guardian = cases[0].client.family_members.get()
    record = session(programme, cases, world.worker, family=[guardian], guests=["街道残联 刘"])
    kinds = sorted(record.participants.values_list("kind", flat=True))
    assert kinds == ["client", "client", "guardian", "other"]


def test_attendance_only_for_members_and_family_of_members(world):
    cases = [lw_case(world, n) for n in range(3)]
    programme = lw_group(world, cases[:2])
    outsider_family = cases[2].client.family_members.get()
    messages = refusal(lambda: session(programme, [cases[2]], world.worker))
    assert any("members with an open case" in m for m in messages)
    messages = refusal(lambda: session(programme, [], world.worker, family=[outsider_family]))
    assert any("not a family member of a member" in m for m in messages)
    assert not programme.sessions.exists()


def test_a_closed_programme_takes_no_sessions_or_members(world):
    cases = [lw_case(world, n) for n in range(2)]
    programme = lw_group(world, cases[:1])
    programme_close(programme=programme, acting_user=world.worker)
    assert any("closed" in m for m in refusal(lambda: session(programme, cases[:1], world.worker)))
    assert any(
        "closed" in m
        for m in refusal(
            lambda: programme_member_add(
                programme=programme, case=cases[1], acting_user=world.worker
            )
        )
    )


def test_next_session_copies_nothing_when_none_was_held(world):
    programme = lw_group(world, [lw_case(world, 1)])
    assert groups.previous_session(programme) is None
    assert groups.next_session_no(programme) == 1


@pytest.mark.parametrize(("attending", "counted"), [(2, False), (3, True)])
def test_a_multi_family_session_counts_with_three_families(world, attending, counted):
    """CC §3: 3-5 fixed families; the item's own threshold (3 clients) replaces the general 6."""
    cases = [cc_case(world, n) for n in range(4)]
    programme = multi_family(world, cases)
    record = session(programme, cases[:attending], world.other_worker)
    assert threshold_status(record)[0] is counted
