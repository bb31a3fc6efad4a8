"""The gates, exits and plan versions of the LW §5 workflow (R3)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import override

from anxin.audit.models import AuditEvent
from anxin.cases import actions
from anxin.cases.models import Case, CaseEvent, ServicePlan, Step
from anxin.cases.testing import add_assessment, scan, walk
from anxin.clients.models import Client
from anxin.core.testing import liwan_input, register

TODAY = timezone.localdate()


def refused(match: str, call) -> None:
    with override("en"), pytest.raises(ValidationError) as exc:
        call()
    assert any(match in m for m in exc.value.messages), exc.value.messages


def test_intake_opens_the_case_at_referral_with_its_event(world):
    case = register(world)
    assert case.step == Step.REFERRAL
    assert case.events.get().step == Step.REFERRAL


def test_steps_cannot_be_skipped(world):
    case = register(world)
    refused(
        "next step is Application",
        lambda: actions.case_step(
            case=case, step=Step.AGREEMENT, on=TODAY, acting_user=world.worker
        ),
    )
    assert Case.objects.get(pk=case.pk).step == Step.REFERRAL


def test_no_registration_without_a_baseline_assessment(world):
    case = walk(register(world), Step.APPLICATION, world.worker)
    refused(
        "baseline assessment",
        lambda: actions.case_step(
            case=case, step=Step.BASELINE, on=TODAY, acting_user=world.worker
        ),
    )
    add_assessment(case, "danger-level", 0)
    actions.case_step(case=case, step=Step.BASELINE, on=TODAY, acting_user=world.worker)
    actions.case_step(case=case, step=Step.REGISTRATION, on=TODAY, acting_user=world.worker)
    assert Case.objects.get(pk=case.pk).step == Step.REGISTRATION


def test_agreement_needs_the_signed_scan(world):
    case = walk(register(world), Step.REGISTRATION, world.worker)
    refused(
        "signed informed-consent",
        lambda: actions.case_step(
            case=case, step=Step.AGREEMENT, on=TODAY, acting_user=world.worker
        ),
    )
    event = actions.case_step(
        case=case, step=Step.AGREEMENT, on=TODAY, attachment=scan(), acting_user=world.worker
    )
    assert event.attachment.name.endswith(".png")


def test_no_service_plan_without_an_agreement(world):
    case = walk(register(world), Step.REGISTRATION, world.worker)
    refused(
        "without a signed agreement",
        lambda: actions.plan_create(
            case=case,
            goals="g",
            review_on=TODAY + dt.timedelta(days=30),
            responsible=world.worker,
            items=[actions.PlanItemInput("medication_training", 1, "month")],
            acting_user=world.worker,
        ),
    )
    assert not ServicePlan.objects.exists()


def test_no_services_before_a_plan(world):
    case = walk(register(world), Step.AGREEMENT, world.worker)
    with override("en"):
        assert "before a service plan" in (actions.case_can_receive_services(case) or "")
    refused(
        "before a service plan",
        lambda: actions.case_step(case=case, step=Step.SERVICE, on=TODAY, acting_user=world.worker),
    )
    case = walk(case, Step.SERVICE, world.worker)
    assert actions.case_can_receive_services(case) is None


def test_plan_versions_are_kept_and_revisions_need_a_reason(world):
    case = walk(register(world), Step.SERVICE, world.worker)
    item = [actions.PlanItemInput("relapse_prevention", 1, "week")]
    refused(
        "why the plan is revised",
        lambda: actions.plan_create(
            case=case,
            goals="新目标",
            review_on=TODAY + dt.timedelta(days=90),
            responsible=world.worker,
            items=item,
            acting_user=world.worker,
        ),
    )
    actions.plan_create(
        case=case,
        goals="新目标",
        review_on=TODAY + dt.timedelta(days=90),
        responsible=world.worker,
        items=item,
        revision_reason="过程评估后调整",
        acting_user=world.worker,
    )
    versions = list(case.plans.order_by("version").values_list("version", "goals"))
    assert versions == [(1, "按时服药，恢复社交"), (2, "新目标")]
    assert case.events.filter(kind=CaseEvent.Kind.PLAN).count() == 2


def test_plan_items_follow_the_class_tiers(world):
    """LW §8: personalised services are for class A only; practical for A and B."""
    case = walk(register(world), Step.AGREEMENT, world.worker, klass_scores=(1, 8))  # class B
    assert Case.objects.get(pk=case.pk).classification == "B"
    refused(
        "Class A",
        lambda: actions.plan_create(
            case=case,
            goals="g",
            review_on=TODAY + dt.timedelta(days=30),
            responsible=world.worker,
            items=[actions.PlanItemInput("vocational", 24, "year")],
            acting_user=world.worker,
        ),
    )
    actions.plan_create(
        case=case,
        goals="g",
        review_on=TODAY + dt.timedelta(days=30),
        responsible=world.worker,
        items=[actions.PlanItemInput("life_skills", 1, "week")],
        acting_user=world.worker,
    )


def test_unknown_catalogue_item_is_refused(world):
    case = walk(register(world), Step.AGREEMENT, world.worker)
    refused(
        "not in this project's service catalogue",
        lambda: actions.plan_create(
            case=case,
            goals="g",
            review_on=TODAY + dt.timedelta(days=30),
            responsible=world.worker,
            items=[actions.PlanItemInput("hotline", 1, "week")],
            acting_user=world.worker,
        ),
    )


def test_process_reviews_repeat_once_there_is_a_plan(world):
    case = walk(register(world), Step.AGREEMENT, world.worker)
    refused(
        "service plan",
        lambda: actions.process_review(case=case, on=TODAY, content="x", acting_user=world.worker),
    )
    case = walk(case, Step.SERVICE, world.worker)
    for _ in range(3):
        actions.process_review(case=case, on=TODAY, content="情况稳定", acting_user=world.worker)
    assert case.events.filter(kind=CaseEvent.Kind.PROCESS_REVIEW).count() == 3


def test_closure_needs_an_outcome_assessment_or_a_reason(world):
    case = walk(register(world), Step.SERVICE, world.worker)
    refused(
        "outcome assessment or a stated reason",
        lambda: actions.case_close(
            case=case, exit=Case.Exit.COMPLETED, on=TODAY, acting_user=world.worker
        ),
    )
    assert Case.objects.get(pk=case.pk).status == Case.Status.OPEN
    add_assessment(case, "sdss", 1, timepoint="outcome")
    actions.case_close(case=case, exit=Case.Exit.COMPLETED, on=TODAY, acting_user=world.worker)
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED and case.step == Step.CLOSURE
    assert Client.objects.get(pk=case.client_id).status == Client.Status.CLOSED


@pytest.mark.parametrize(
    ("exit", "kwargs", "needs", "client_status"),
    [
        (Case.Exit.WITHDRAWAL, {"reason": "本人要求"}, "知情同意书", Client.Status.CLOSED),
        (Case.Exit.TRANSFER, {"reason": "需住院治疗"}, "receiving partner", Client.Status.CLOSED),
        (Case.Exit.DEATH, {}, "reason or circumstances", Client.Status.DECEASED),
        (Case.Exit.MOVED, {}, "reason or circumstances", Client.Status.MOVED),
    ],
)
def test_every_exit_has_its_requirement_and_ends_in_closure(
    world, exit, kwargs, needs, client_status
):
    case = walk(register(world), Step.REGISTRATION, world.worker)
    refused(
        needs,
        lambda: actions.case_close(
            case=case, exit=exit, on=TODAY, acting_user=world.worker, **kwargs
        ),
    )
    completions: dict[str, dict[str, Any]] = {
        Case.Exit.WITHDRAWAL: {"reason": "本人要求", "attachment": scan("consent.png")},
        Case.Exit.TRANSFER: {"reason": "需住院治疗", "transfer_to": "荔湾区精神卫生中心"},
        Case.Exit.DEATH: {"reason": "病故"},
        Case.Exit.MOVED: {"reason": "迁往外省"},
    }
    complete = completions[exit]
    actions.case_close(case=case, exit=exit, on=TODAY, acting_user=world.worker, **complete)
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED and case.exit == exit
    assert Client.objects.get(pk=case.client_id).status == client_status
    assert AuditEvent.objects.filter(action="case.close", object_id=str(case.pk)).exists()


def test_follow_up_only_after_closure_and_never_after_death(world):
    case = walk(register(world), Step.SERVICE, world.worker)
    refused(
        "after closure",
        lambda: actions.case_follow_up(case=case, on=TODAY, content="x", acting_user=world.worker),
    )
    actions.case_close(
        case=case, exit=Case.Exit.COMPLETED, on=TODAY, reason="目标达成", acting_user=world.worker
    )
    actions.case_follow_up(case=case, on=TODAY, content="生活规律", acting_user=world.worker)
    assert Case.objects.get(pk=case.pk).step == Step.FOLLOW_UP
    other = walk(
        register(world, liwan_input(world, name="李四", id17="44010319800101003")),
        Step.APPLICATION,
        world.worker,
    )
    actions.case_close(
        case=other, exit=Case.Exit.DEATH, on=TODAY, reason="病故", acting_user=world.worker
    )
    refused(
        "death",
        lambda: actions.case_follow_up(case=other, on=TODAY, content="x", acting_user=world.worker),
    )


def test_replacement_from_the_waiting_list(world):
    from anxin.clients.actions import client_register

    leaving = walk(register(world), Step.SERVICE, world.worker)
    waiting = client_register(
        project=world.liwan,
        waiting=True,
        acting_user=world.worker,
        data=liwan_input(world, name="候补", id17="44010319800101005"),
    )
    refused(
        "waiting list",
        lambda: actions.case_step(
            case=waiting, step=Step.APPLICATION, on=TODAY, acting_user=world.worker
        ),
    )
    actions.case_close(
        case=leaving, exit=Case.Exit.MOVED, on=TODAY, reason="搬迁", acting_user=world.worker
    )
    actions.case_admit_from_waiting(case=waiting, replaces=leaving, acting_user=world.worker)
    leaving.refresh_from_db()
    waiting.refresh_from_db()
    assert leaving.replaced_by == waiting and waiting.status == Case.Status.OPEN
    assert Client.objects.get(pk=waiting.client_id).status == Client.Status.ACTIVE
    actions.case_step(case=waiting, step=Step.APPLICATION, on=TODAY, acting_user=world.worker)


def test_a_refused_step_changes_nothing(world):
    case = walk(register(world), Step.REGISTRATION, world.worker)
    events = CaseEvent.objects.count()
    audits = AuditEvent.objects.count()
    with pytest.raises(ValidationError):
        actions.case_step(case=case, step=Step.AGREEMENT, on=TODAY, acting_user=world.worker)
    assert (CaseEvent.objects.count(), AuditEvent.objects.count()) == (events, audits)
    assert Case.objects.get(pk=case.pk).step == Step.REGISTRATION
