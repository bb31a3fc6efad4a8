"""甲/乙/丙 from the project's rule table (domain.md §5 default), with overrides and history."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from anxin.cases import actions
from anxin.cases.classification import classify_after_assessment, evaluate, service_refusal
from anxin.cases.models import Case, CaseEvent, Step
from anxin.cases.testing import add_assessment, walk
from anxin.contracts.catalogue import default_workflow
from anxin.core.testing import register

RULES = default_workflow("liwan-rehab")["classification"]


@pytest.mark.parametrize(
    ("danger", "sdss", "klass"),
    [
        (0, 0, "A"),
        (0, 4, "A"),
        (0, 5, "B"),
        (1, 4, "B"),
        (1, 10, "B"),
        (1, 11, "C"),
        (2, 0, "C"),
        (5, 20, "C"),
    ],
)
def test_default_rule_table(danger, sdss, klass):
    assert evaluate(RULES, {"danger-level": danger, "sdss": sdss}).klass == klass


def test_missing_scores_wait_and_say_which():
    outcome = evaluate(RULES, {"sdss": 2})
    assert outcome.klass is None and outcome.missing == ["danger-level"]


def test_class_is_set_at_baseline_and_revised_at_process_review_with_history(world):
    case = walk(register(world), Step.SERVICE, world.worker, klass_scores=(0, 2))
    assert Case.objects.get(pk=case.pk).classification == "A"
    record = add_assessment(case, "sdss", 9, timepoint="process")
    classify_after_assessment(record=record, acting_user=world.worker)
    assert Case.objects.get(pk=case.pk).classification == "B"
    changes = list(
        case.events.filter(kind=CaseEvent.Kind.CLASSIFICATION)
        .order_by("id")
        .values_list("detail", flat=True)
    )
    assert [(c["from"], c["to"], c["source"]) for c in changes] == [
        ("", "A", "rule"),
        ("A", "B", "rule"),
    ]


def test_ad_hoc_assessments_do_not_reclassify(world):
    case = walk(register(world), Step.SERVICE, world.worker, klass_scores=(0, 2))
    record = add_assessment(case, "sdss", 15, timepoint="ad_hoc")
    classify_after_assessment(record=record, acting_user=world.worker)
    assert Case.objects.get(pk=case.pk).classification == "A"


def test_worker_override_needs_a_reason_and_is_kept(world):
    case = walk(register(world), Step.SERVICE, world.worker, klass_scores=(1, 8))
    with pytest.raises(ValidationError):
        actions.case_classify_override(case=case, klass="A", reason="", acting_user=world.worker)
    actions.case_classify_override(
        case=case, klass="A", reason="社交功能明显好转", acting_user=world.worker
    )
    case.refresh_from_db()
    assert case.classification == "A"
    assert case.events.filter(
        kind=CaseEvent.Kind.CLASSIFICATION, detail__source="override"
    ).exists()


def test_tiers_decide_which_items_a_class_may_receive(world):
    case = walk(register(world), Step.SERVICE, world.worker, klass_scores=(2, 15))  # class C
    assert service_refusal(case, "medication_training") is None
    assert service_refusal(case, "life_skills")
    assert service_refusal(case, "peer_support")


def test_projects_without_classes_never_refuse_by_class(world):
    from anxin.clients.actions import client_register
    from anxin.core.testing import liwan_input

    data = liwan_input(
        world, street=world.street("城东街道"), household_district=None, disability_level="2"
    )
    case = client_register(project=world.chongchuan, data=data, acting_user=world.other_worker)
    assert service_refusal(case, "counselling") is None
    record = add_assessment(case, "sdss", 15)
    assert classify_after_assessment(record=record, acting_user=world.other_worker) is None
    assert Case.objects.get(pk=case.pk).classification == ""
