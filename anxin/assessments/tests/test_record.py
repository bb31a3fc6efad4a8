"""assessment_record and instrument_add: scoring, encryption, audit, crisis tasks, refusals."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone, translation

from anxin.assessments.actions import assessment_record, instrument_add, stored_answers
from anxin.assessments.models import AssessmentRecord, Instrument
from anxin.assessments.scoring import ScoringError
from anxin.assessments.tests.conftest import answers, builtin, follow_up
from anxin.audit.models import AuditEvent
from anxin.cases.actions import case_close
from anxin.cases.models import Case, Task
from anxin.core.testing import World, liwan_input, make_id, register

TODAY = timezone.localdate


def record(world: World, case: Case, code: str, values: dict, timepoint: str = "baseline"):
    return assessment_record(
        case=case,
        instrument=builtin(code),
        timepoint=timepoint,
        assessed_on=TODAY(),
        answers=values,
        notes="睡眠差，说想一了百了",
        acting_user=world.worker,
    )


def test_a_recorded_assessment_keeps_its_score_and_version(world: World) -> None:
    case = register(world)
    assessment = record(world, case, "phq9", answers("phq9", 2, 2, 2, 2, 2, 2, 1, 1, 0))
    assessment.refresh_from_db()
    assert (assessment.total, assessment.band, assessment.flags) == (14, "moderate", [])
    assert assessment.instrument.version == 1
    assert (assessment.project_id, assessment.client_id) == (world.liwan.pk, case.client_id)
    assert assessment.assessor == world.worker
    assert stored_answers(assessment)["q1"] == 2
    event = AuditEvent.objects.get(action="assessment.record")
    assert event.kind == AuditEvent.Kind.CHANGE and event.actor == world.worker
    assert event.object_id == str(assessment.pk) and event.project_id == world.liwan.pk
    assert event.detail["total"] == 14 and event.detail["version"] == 1
    assert not Task.objects.filter(kind=Task.Kind.CRISIS).exists()


def test_answers_and_notes_are_encrypted_at_rest(world: World) -> None:
    case = register(world)
    assessment = record(
        world, case, "follow-up-2018", follow_up(drug_1="氯氮平 100mg", doctor="秘密医生")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT answers, notes FROM assessments_assessmentrecord WHERE id = %s",
            [assessment.pk],
        )
        raw_answers, raw_notes = cursor.fetchone()
    for secret in ("氯氮平", "秘密医生", "symptom_status", "insight"):
        assert secret not in raw_answers
    assert "一了百了" not in raw_notes
    assert json.loads(AssessmentRecord.objects.get().answers)["drug_1"] == "氯氮平 100mg"


def test_phq9_item_9_raises_a_crisis_for_worker_and_supervisor(world: World) -> None:
    case = register(world)
    case.worker = world.worker
    case.save(update_fields=["worker"])
    assessment = record(world, case, "phq9", answers("phq9", 0, 0, 0, 0, 0, 0, 0, 0, 1))
    tasks = Task.objects.filter(case=case, kind=Task.Kind.CRISIS)
    assert {t.assignee for t in tasks} == {world.worker, world.supervisor}
    assert all("第9题" in t.title for t in tasks)  # stored in the users' language
    assert all(t.due_on == TODAY() for t in tasks)
    assert assessment.flags == ["self_harm_thoughts"]


def test_danger_level_3_raises_a_crisis_and_2_does_not(world: World) -> None:
    case = register(world)
    record(world, case, "danger-level", {"level": 2})
    assert not Task.objects.filter(kind=Task.Kind.CRISIS).exists()
    record(world, case, "danger-level", {"level": 3})
    assert Task.objects.filter(kind=Task.Kind.CRISIS, case=case).count() == 2


def test_an_unstable_follow_up_raises_a_crisis(world: World) -> None:
    case = register(world)
    stable = record(world, case, "follow-up-2018", follow_up(), timepoint="follow_up")
    assert stable.band == "stable" and not Task.objects.exists()
    unstable = record(
        world, case, "follow-up-2018", follow_up(insight="absent"), timepoint="follow_up"
    )
    assert unstable.band == "unstable" and unstable.flags == ["follow_up_unstable"]
    titles = set(Task.objects.filter(kind=Task.Kind.CRISIS).values_list("title", flat=True))
    assert len(titles) == 1 and "不稳定" in titles.pop()


def test_baseline_assessments_set_the_class(world: World) -> None:
    case = register(world)
    record(world, case, "danger-level", {"level": 0})
    record(world, case, "sdss", answers("sdss", 9, 9, 9, 1, 1, 1, 0, 0, 0, 0))
    case.refresh_from_db()
    assert case.classification == "A"  # danger 0 and SDSS 3 <= 4 (the default rule table)


def test_scoring_errors_change_nothing(world: World) -> None:
    case = register(world)
    with pytest.raises(ScoringError) as exc, translation.override("en"):
        record(world, case, "phq9", {"q1": 5})
    assert ("q1", "5 is not one of the options (0, 1, 2, 3).") in exc.value.problems
    assert not AssessmentRecord.objects.exists()
    assert not AuditEvent.objects.filter(action="assessment.record").exists()


def test_closed_case_takes_only_follow_up_assessments(world: World) -> None:
    case = register(world)
    case_close(case=case, exit="moved", on=TODAY(), reason="迁居外地", acting_user=world.worker)
    with pytest.raises(ValidationError) as exc, translation.override("en"):
        record(world, case, "phq9", answers("phq9", *[0] * 9), timepoint="outcome")
    assert exc.value.messages == ["The case is closed: only follow-up assessments can be recorded."]
    assert not AssessmentRecord.objects.exists()
    done = record(world, case, "follow-up-2018", follow_up(), timepoint="follow_up")
    assert done.pk is not None


def test_waiting_list_case_is_refused(world: World) -> None:
    from anxin.clients.actions import client_register

    case = client_register(
        project=world.liwan,
        data=liwan_input(world, name="候补", id17="44010319900101002"),
        waiting=True,
        acting_user=world.worker,
    )
    assert case.status == Case.Status.WAITING
    with pytest.raises(ValidationError) as exc, translation.override("en"):
        record(world, case, "phq9", answers("phq9", *[0] * 9))
    assert "waiting list" in exc.value.messages[0]


def test_other_refusals_are_listed_together(world: World) -> None:
    case = register(world)
    other = Instrument.objects.create(
        organisation=world.other_org, code="x", version=1, title_zh="x", title_en="x",
        definition=builtin("phq9").definition,
    )  # fmt: skip
    with pytest.raises(ValidationError) as exc, translation.override("en"):
        assessment_record(
            case=case,
            instrument=other,
            timepoint="someday",
            assessed_on=TODAY() + dt.timedelta(days=1),
            answers={},
            acting_user=world.worker,
        )
    assert exc.value.messages == [
        "Unknown timepoint someday (use baseline, process, outcome, follow_up, ad_hoc).",
        "This instrument belongs to another organisation.",
        "The date of the assessment cannot be in the future.",
    ]


ORG_YAML = """
code: mood-check
version: 1
title: {zh: 心情自评, en: Mood check}
direction: higher_is_better
items:
  - code: q1
    text: 心情好
    options: [{value: 0, label: 从不}, {value: 1, label: 有时}, {value: 2, label: 经常}]
scoring: {total: sum, min: 0, max: 2}
critical:
  - {item: q1, op: "==", value: 0, flag: low_mood, label: 心情差, crisis: false}
"""


def test_an_organisation_adds_its_own_instrument(world: World) -> None:
    instrument = instrument_add(organisation=world.org, yaml_text=ORG_YAML, acting_user=world.admin)
    assert (instrument.organisation, instrument.code, instrument.version) == (
        world.org,
        "mood-check",
        1,
    )
    assert AuditEvent.objects.filter(action="instrument.add", object_id=instrument.pk).exists()
    case = register(world)
    assessment = record(world, case, "phq9", answers("phq9", *[0] * 9))
    assert assessment.pk
    flagged = assessment_record(
        case=case,
        instrument=instrument,
        timepoint="process",
        assessed_on=TODAY(),
        answers={"q1": 0},
        acting_user=world.worker,
    )
    assert flagged.flags == ["low_mood"]
    assert not Task.objects.exists()  # a flag marked crisis: false raises no task
    with pytest.raises(ValidationError) as exc, translation.override("en"):
        instrument_add(organisation=world.org, yaml_text=ORG_YAML, acting_user=world.admin)
    assert "give this one version 2" in exc.value.messages[0]
    second = instrument_add(
        organisation=world.org,
        yaml_text=ORG_YAML.replace("version: 1", "version: 2"),
        acting_user=world.admin,
    )
    assert second.version == 2


def test_instrument_add_lists_every_problem_and_refuses_builtin_codes(world: World) -> None:
    with pytest.raises(ValidationError) as exc, translation.override("en"):
        instrument_add(
            organisation=world.org,
            yaml_text=ORG_YAML.replace("value: 1,", "valeur: 1,").replace(
                "version: 1", "version: x"
            ),
            acting_user=world.admin,
        )
    messages = exc.value.messages
    assert messages[0] == "mood-check is not a valid instrument definition:"
    assert any("version: a whole number" in m for m in messages)
    assert any("options[2]: unknown keys valeur" in m for m in messages)
    with pytest.raises(ValidationError) as exc, translation.override("en"):
        instrument_add(
            organisation=world.org,
            yaml_text=ORG_YAML.replace("mood-check", "phq9"),
            acting_user=world.admin,
        )
    assert exc.value.messages == ["phq9 is the code of a built-in instrument: choose another code."]
    assert not Instrument.objects.filter(organisation=world.org).exists()


def test_another_client_gets_its_own_record(world: World) -> None:
    first = register(world)
    second = register(world, liwan_input(world, name="李四", id17="44010319850505003"))
    record(world, first, "gad7", answers("gad7", *[1] * 7))
    record(world, second, "gad7", answers("gad7", *[3] * 7))
    assert list(AssessmentRecord.objects.order_by("id").values_list("client_id", "total")) == [
        (first.client_id, 7),
        (second.client_id, 21),
    ]
    assert make_id("44010319850505003")
