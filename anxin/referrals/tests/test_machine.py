"""The referral state machine: every allowed transition works and every other is refused, in both
directions, with nothing written on a refusal; dates in order; what each step requires."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.core.exceptions import ValidationError

from anxin.audit.models import AuditEvent
from anxin.core.testing import liwan_input
from anxin.referrals import actions
from anxin.referrals.models import Referral, ReferralStep
from anxin.referrals.tests import factories as f

S = Referral.Status
ALL = list(S.values)
OUT_ALLOWED = {
    ("drafted", "sent"),
    ("drafted", "cancelled"),
    ("sent", "received"),
    ("sent", "accepted"),
    ("sent", "rejected"),
    ("sent", "cancelled"),
    ("received", "accepted"),
    ("received", "rejected"),
    ("received", "cancelled"),
    ("accepted", "completed"),
}
IN_ALLOWED = {("received", "rejected"), ("accepted", "completed")}  # accepted: by registering
NOTE = "说明"
OUT_PATHS = {  # how to reach each status of a referral out
    "drafted": [],
    "sent": ["sent"],
    "received": ["sent", "received"],
    "accepted": ["sent", "accepted"],
    "rejected": ["sent", "rejected"],
    "completed": ["sent", "accepted", "completed"],
    "cancelled": ["cancelled"],
}


def _walk(world, referral: Referral, path: list[str], start: dt.date) -> Referral:
    for i, to in enumerate(path):
        referral = actions.referral_move(
            referral=referral,
            to=to,
            on=start + dt.timedelta(days=i),
            note=NOTE,
            acting_user=world.worker,
        )
    return referral


@pytest.mark.parametrize(("now", "to"), list(itertools.product(OUT_PATHS, ALL)))
def test_every_transition_of_a_referral_out(world, now: str, to: str) -> None:
    case = f.case(world)
    start = f.TODAY - dt.timedelta(days=10)
    referral = f.referral_out(world, case, f.partner(world), on=start)
    referral = _walk(world, referral, OUT_PATHS[now], start)
    assert referral.status == now
    steps = ReferralStep.objects.filter(referral=referral).count()
    if (now, to) in OUT_ALLOWED:
        moved = actions.referral_move(
            referral=referral, to=to, on=f.TODAY, note=NOTE, acting_user=world.worker
        )
        assert moved.status == to
        assert ReferralStep.objects.filter(referral=referral).count() == steps + 1
        assert AuditEvent.objects.filter(
            action=f"referral.{to}", object_id=str(referral.pk)
        ).exists()
    else:
        with pytest.raises(ValidationError) as refused:
            actions.referral_move(
                referral=referral, to=to, on=f.TODAY, note=NOTE, acting_user=world.worker
            )
        assert "不能" in " ".join(refused.value.messages)
        referral.refresh_from_db()
        assert referral.status == now
        assert ReferralStep.objects.filter(referral=referral).count() == steps


@pytest.mark.parametrize(
    ("now", "to"), list(itertools.product(["received", "accepted", "rejected", "completed"], ALL))
)
def test_every_transition_of_a_referral_in(world, now: str, to: str) -> None:
    partner = f.partner(world)
    referral = f.referral_in(world, partner, received_on=f.TODAY - dt.timedelta(days=5))
    if now in ("accepted", "completed"):
        actions.referral_in_register(
            referral=referral,
            data=liwan_input(world, name="李四", id17="44010319800101002"),
            on=f.TODAY - dt.timedelta(days=4),
            acting_user=world.worker,
        )
        referral.refresh_from_db()
    if now == "completed":
        referral = actions.referral_move(
            referral=referral,
            to="completed",
            on=f.TODAY - dt.timedelta(days=1),
            acting_user=world.worker,
        )
    if now == "rejected":
        referral = actions.referral_move(
            referral=referral,
            to="rejected",
            on=f.TODAY - dt.timedelta(days=1),
            note=NOTE,
            acting_user=world.worker,
        )
    assert referral.status == now
    if (now, to) in IN_ALLOWED:
        assert (
            actions.referral_move(
                referral=referral, to=to, on=f.TODAY, note=NOTE, acting_user=world.worker
            ).status
            == to
        )
    else:
        with pytest.raises(ValidationError):
            actions.referral_move(
                referral=referral, to=to, on=f.TODAY, note=NOTE, acting_user=world.worker
            )
        referral.refresh_from_db()
        assert referral.status == now


def test_a_referral_in_is_accepted_only_by_registering_the_person(world) -> None:
    referral = f.referral_in(world, f.partner(world))
    with pytest.raises(ValidationError) as refused:
        actions.referral_move(
            referral=referral, to="accepted", on=f.TODAY, acting_user=world.worker
        )
    assert "登记" in refused.value.messages[0]
    case = actions.referral_in_register(
        referral=referral,
        data=liwan_input(world, name="李四", id17="44010319800101002"),
        on=f.TODAY,
        acting_user=world.worker,
    )
    referral.refresh_from_db()
    assert (referral.status, referral.case, referral.answered_on) == ("accepted", case, f.TODAY)
    intake = case.events.get(step="referral")
    assert intake.detail == {"source": "referral"}
    assert referral.number in intake.content and referral.partner.name in intake.content


def test_a_referral_in_whose_person_fails_the_project_rules_writes_nothing(world) -> None:
    referral = f.referral_in(world, f.partner(world))
    bad = liwan_input(world, name="李四", id17="44010319800101002", violence_tendency=True)
    with pytest.raises(ValidationError):
        actions.referral_in_register(
            referral=referral, data=bad, on=f.TODAY, acting_user=world.worker
        )
    referral.refresh_from_db()
    assert referral.status == "received" and referral.case is None
    assert not world.liwan.cases.exists()


def test_what_each_step_requires(world) -> None:
    case = f.case(world)
    start = f.TODAY - dt.timedelta(days=5)
    referral = f.referral_out(world, case, f.partner(world), send_on=start)
    for to, needs in (("rejected", "拒绝"), ("cancelled", "取消")):
        with pytest.raises(ValidationError) as refused:
            actions.referral_move(referral=referral, to=to, on=f.TODAY, acting_user=world.worker)
        assert needs in refused.value.messages[0]
    accepted = actions.referral_move(
        referral=referral, to="accepted", on=start + dt.timedelta(days=2), acting_user=world.worker
    )
    assert accepted.received_on == accepted.answered_on == start + dt.timedelta(days=2)
    assert accepted.days_to_answer == 2
    with pytest.raises(ValidationError) as refused:
        actions.referral_move(
            referral=accepted, to="completed", on=f.TODAY, acting_user=world.worker
        )
    assert "反馈" in refused.value.messages[0]
    done = actions.referral_move(
        referral=accepted,
        to="completed",
        on=f.TODAY,
        note="已门诊复诊，调整用药",
        acting_user=world.worker,
    )
    assert done.feedback == "已门诊复诊，调整用药" and done.completed_on == f.TODAY


def test_dates_must_follow_each_other_and_not_lie_ahead(world) -> None:
    case = f.case(world)
    sent = f.TODAY - dt.timedelta(days=3)
    referral = f.referral_out(world, case, f.partner(world), send_on=sent)
    for on in (sent - dt.timedelta(days=1), f.TODAY + dt.timedelta(days=1)):
        with pytest.raises(ValidationError):
            actions.referral_move(referral=referral, to="received", on=on, acting_user=world.worker)
    referral.refresh_from_db()
    assert referral.status == "sent" and referral.received_on is None


def test_the_outcome_is_still_recorded_after_the_client_left(world) -> None:
    from anxin.cases import actions as case_actions

    case = f.case(world)
    referral = f.referral_out(world, case, f.partner(world), send_on=f.TODAY)
    actions.referral_move(referral=referral, to="accepted", on=f.TODAY, acting_user=world.worker)
    case_actions.case_close(
        case=case,
        on=f.TODAY,
        exit="transfer",
        transfer_to="荔湾区精神卫生中心",
        reason="转介住院治疗",
        acting_user=world.worker,
    )
    done = actions.referral_move(
        referral=referral, to="completed", on=f.TODAY, note="已住院治疗", acting_user=world.worker
    )
    assert done.status == "completed"


def test_numbers_run_per_project_direction_and_year(world) -> None:
    case = f.case(world)
    partner = f.partner(world)
    first = f.referral_out(world, case, partner)
    second = f.referral_out(world, case, partner)
    incoming = f.referral_in(world, partner)
    year = f.TODAY.year
    assert [first.number, second.number] == [f"ZC{year}-0001", f"ZC{year}-0002"]
    assert incoming.number.startswith("ZR") and incoming.number.endswith("-0001")


def test_a_draft_is_changed_only_while_it_is_a_draft(world) -> None:
    case = f.case(world)
    partner = f.partner(world)
    referral = f.referral_out(world, case, partner)
    values = {
        "partner": partner,
        "reason": "other",
        "needs": "就业支持",
        "shared": ["identity"],
        "basis": "emergency",
        "emergency_reason": "有自伤风险",
        "acting_user": world.worker,
    }
    changed = actions.referral_update(referral=referral, **values)
    assert (changed.reason, changed.basis, changed.consent) == ("other", "emergency", None)
    actions.referral_move(referral=changed, to="sent", on=f.TODAY, acting_user=world.worker)
    with pytest.raises(ValidationError):
        actions.referral_update(referral=Referral.objects.get(pk=referral.pk), **values)
