"""Service records (R5.1, R5.2): actions, thresholds, tiers, hours, voiding."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone, translation

from anxin.audit.models import AuditEvent
from anxin.cases.models import Step
from anxin.cases.testing import PNG, walk
from anxin.core.testing import World, liwan_input, register
from anxin.delivery.actions import (
    ParticipantInput,
    WorkerHours,
    service_record_copy_setup,
    service_record_create,
    service_record_void,
)
from anxin.delivery.models import Participant, ServiceRecord
from anxin.delivery.selectors import (
    RecordFilters,
    project_records,
    records_for_case,
    threshold_status,
    with_counts,
    worker_hours,
)

C = Participant.Kind.CLIENT


def in_service(world: World, n: int, klass_scores: tuple[float, float] = (0, 2)) -> list:
    cases = []
    for i in range(n):
        data = liwan_input(world, name=f"客户{i}", id17=f"44010319800101{i + 100:03d}")
        cases.append(
            walk(register(world, data), Step.SERVICE, world.worker, klass_scores=klass_scores)
        )
    return cases


def make(world: World, participants, **extra):
    values = {
        "project": world.liwan,
        "service_item": "medication_training",
        "form": "one_to_one",
        "on": timezone.localdate(),
        "starts_at": dt.time(9, 0),
        "ends_at": dt.time(10, 0),
        "content": "讨论服药情况",
        "workers": [WorkerHours(world.worker, Decimal("1"), Decimal("0.5"))],
        "participants": participants,
        "acting_user": world.worker,
    }
    values.update(extra)
    return service_record_create(**values)


def refusals(world: World, participants, **extra) -> list[str]:
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        make(world, participants, **extra)
    return exc.value.messages


def test_one_to_one_is_recorded_with_workers_participants_and_audit(world):
    (case,) = in_service(world, 1)
    guardian = case.client.family_members.get()
    record = make(
        world,
        [ParticipantInput(C, case=case), ParticipantInput("guardian", family_member=guardian)],
    )
    assert record.workers.get().direct_hours == Decimal("1")
    assert record.participants.count() == 2
    assert record.participants.get(kind="guardian").name == guardian.name
    assert AuditEvent.objects.filter(action="service.record", object_id=str(record.pk)).exists()
    assert threshold_status(record) == (True, None)


@pytest.mark.parametrize(
    ("form", "attending", "counted"),
    [("group", 5, False), ("group", 6, True), ("activity", 9, False), ("activity", 10, True)],
)
def test_client_thresholds_of_groups_and_activities(world, form, attending, counted):
    cases = in_service(world, attending + 2)
    participants = [ParticipantInput(C, case=c) for c in cases[:attending]] + [
        ParticipantInput(C, case=c, attended=False) for c in cases[attending:]
    ]
    # Attending people who are not clients do not make a group count either.
    participants += [ParticipantInput("other", name=f"志愿者{i}") for i in range(5)]
    record = make(world, participants, form=form)
    ok, reason = threshold_status(record)
    assert ok is counted
    if not counted:
        minimum = 6 if form == "group" else 10
        with translation.override("en"):
            ok, reason = threshold_status(record)
        assert reason == (
            f"Not counted as {form.title()}: {attending} clients attended, {minimum} needed."
        )
    annotated = with_counts(ServiceRecord.objects.filter(pk=record.pk)).get()
    assert getattr(annotated, "attending_clients") == attending  # noqa: B009
    assert threshold_status(annotated)[0] is counted


@pytest.mark.parametrize(("attending", "counted"), [(29, False), (30, True)])
def test_community_event_counts_participants_of_any_kind(world, attending, counted):
    (case,) = in_service(world, 1)
    participants = [ParticipantInput(C, case=case)]
    participants += [ParticipantInput("other", name=f"居民{i}") for i in range(attending - 1)]
    participants += [ParticipantInput("other", name="缺席", attended=False)]
    record = make(world, participants, form="community_event", service_item="community_integration")
    assert threshold_status(record)[0] is counted


def test_voided_records_are_kept_and_counted_nowhere(world):
    cases = in_service(world, 6)
    record = make(world, [ParticipantInput(C, case=c) for c in cases], form="group")
    assert threshold_status(record)[0] is True
    with pytest.raises(ValidationError):
        service_record_void(record=record, reason=" ", acting_user=world.worker)
    service_record_void(record=record, reason="重复录入", acting_user=world.worker)
    record.refresh_from_db()
    assert record.voided and record.void_reason == "重复录入"
    assert threshold_status(record)[0] is False
    assert project_records(world.liwan, RecordFilters()).paginator.count == 0
    assert project_records(world.liwan, RecordFilters(include_voided=True)).paginator.count == 1
    today = timezone.localdate()
    assert worker_hours(world.worker, today, today)["direct"] == 0
    assert AuditEvent.objects.filter(action="service.void", reason="重复录入").exists()


def test_worker_hours_are_summed(world):
    (case,) = in_service(world, 1)
    make(world, [ParticipantInput(C, case=case)])
    make(
        world,
        [ParticipantInput(C, case=case)],
        starts_at=dt.time(14),
        ends_at=dt.time(16),
        workers=[WorkerHours(world.worker, Decimal("2"), Decimal("1"))],
    )
    today = timezone.localdate()
    assert worker_hours(world.worker, today, today) == {
        "direct": Decimal("3"),
        "indirect": Decimal("1.5"),
    }


def test_class_b_client_is_refused_a_personalised_item_with_the_reason(world):
    (case,) = in_service(world, 1, klass_scores=(1, 8))
    assert case.classification == "B"
    (message,) = refusals(world, [ParticipantInput(C, case=case)], service_item="peer_support")
    assert "Peer support" in message and "Class A" in message and "Class B" in message
    assert not ServiceRecord.objects.exists()


def test_class_c_client_is_refused_practical_items(world):
    (case,) = in_service(world, 1, klass_scores=(2, 15))
    assert case.classification == "C"
    for item in ("physical_health", "life_skills", "family_rehab_guidance", "psychotherapy"):
        assert refusals(world, [ParticipantInput(C, case=case)], service_item=item)
    make(world, [ParticipantInput(C, case=case)], service_item="medication_training")


def test_no_service_before_a_plan(world):
    case = walk(register(world), Step.AGREEMENT, world.worker)
    (message,) = refusals(world, [ParticipantInput(C, case=case)])
    assert "before a service plan" in message


def test_a_case_of_another_project_is_refused(world):
    data = liwan_input(
        world, street=world.street("城东街道"), household_district=None, disability_level="2"
    )
    from anxin.clients.actions import client_register

    case = client_register(project=world.chongchuan, data=data, acting_user=world.other_worker)
    (message,) = refusals(world, [ParticipantInput(C, case=case)])
    assert "not a case of this project" in message


def test_workers_must_be_writing_members_and_hours_fit_the_session(world):
    (case,) = in_service(world, 1)
    p = [ParticipantInput(C, case=case)]
    assert refusals(world, p, workers=[])
    for user in (world.supervisor, world.other_worker, world.purchaser, world.outsider):
        (message,) = refusals(world, p, workers=[WorkerHours(user, Decimal("1"))])
        assert "not a worker of this project" in message
    # A one-hour session: 1.5 h direct is allowed (rounding), 1.6 h is not; negatives never.
    make(world, p, workers=[WorkerHours(world.worker, Decimal("1.5"))])
    (message,) = refusals(world, p, workers=[WorkerHours(world.worker, Decimal("1.6"))])
    assert "more than the session" in message
    assert refusals(world, p, workers=[WorkerHours(world.worker, Decimal("-1"))])


def test_dates_times_and_attachments_are_checked_and_all_refusals_come_together(world):
    (case,) = in_service(world, 1)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    text = SimpleUploadedFile("sheet.txt", b"hello", content_type="text/plain")
    messages = refusals(
        world,
        [ParticipantInput(C, case=case)],
        on=tomorrow,
        starts_at=dt.time(10),
        ends_at=dt.time(9),
        service_item="nonexistent",
        attachments=[("sign_in", text)],
    )
    joined = " | ".join(messages)
    assert "future date" in joined
    assert "end after it starts" in joined
    assert "not in this project's service catalogue" in joined
    assert "not accepted here" in joined
    assert not ServiceRecord.objects.exists()


def test_attachments_are_kept_and_family_members_must_belong_to_a_client(world):
    first, second = in_service(world, 2)
    photo = SimpleUploadedFile("photo.png", PNG, content_type="image/png")
    record = make(world, [ParticipantInput(C, case=first)], attachments=[("photo", photo)])
    assert record.attachments.get().kind == "photo"
    # A guardian of one of the project's clients may attend without the client (a salon) ...
    guardian = second.client.family_members.get()
    alone = make(world, [ParticipantInput("guardian", family_member=guardian)])
    assert alone.participants.get().family_member == guardian
    # ... but not the family of another project's client.
    from anxin.delivery.tests.test_groups import cc_case

    stranger = cc_case(world, 1).client.family_members.get()
    (message,) = refusals(
        world, [ParticipantInput(C, case=first), ParticipantInput("family", family_member=stranger)]
    )
    assert "not a family member of a client of this project" in message


def test_copy_setup_gives_the_next_session(world):
    cases = in_service(world, 2)
    record = make(world, [ParticipantInput(C, case=c) for c in cases], form="group", place="活动室")
    setup = service_record_copy_setup(record)
    assert setup["service_item"] == "medication_training"
    assert setup["form"] == "group" and setup["place"] == "活动室"
    assert [w["user"] for w in setup["workers"]] == [world.worker.pk]
    assert {p["case"] for p in setup["participants"]} == {c.pk for c in cases}


def test_content_is_encrypted_at_rest(world):
    (case,) = in_service(world, 1)
    record = make(world, [ParticipantInput(C, case=case)], content="病情稳定，按时服药")
    with connection.cursor() as cursor:
        cursor.execute("SELECT content FROM delivery_servicerecord WHERE id = %s", [record.pk])
        (raw,) = cursor.fetchone()
    assert "服药" not in raw
    assert ServiceRecord.objects.get(pk=record.pk).content == "病情稳定，按时服药"


def test_records_for_case_count_every_participant_and_keep_voided_ones(world):
    cases = in_service(world, 6)
    group = make(world, [ParticipantInput(C, case=c) for c in cases], form="group")
    single = make(world, [ParticipantInput(C, case=cases[0])])
    service_record_void(record=single, reason="录错", acting_user=world.worker)
    rows = records_for_case(cases[0])
    assert {r.pk for r in rows} == {group.pk, single.pk}
    shown = next(r for r in rows if r.pk == group.pk)
    assert getattr(shown, "attending_clients") == 6  # noqa: B009
    assert threshold_status(shown) == (True, None)
    assert records_for_case(cases[1]) == [group]
