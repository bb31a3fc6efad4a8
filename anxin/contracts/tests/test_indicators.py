"""The indicator engine on a small, hand-checked data set (LW and CC), with a fixed number of
queries whatever the data size."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from anxin.assessments.models import AssessmentRecord
from anxin.cases.testing import add_assessment
from anxin.contracts.indicators import BEHIND, MET, indicator_table
from anxin.delivery.actions import ParticipantInput, WorkerHours, service_record_void
from anxin.delivery.models import Participant, ServiceRecord, TrainingCycle
from anxin.delivery.selectors import threshold_status, with_counts
from anxin.delivery.tests.test_groups import cc_case
from anxin.delivery.tests.test_records import in_service, make

TODAY = timezone.localdate()
DAY = dt.timedelta(days=1)
C, OTHER = Participant.Kind.CLIENT, Participant.Kind.OTHER
H = Decimal


def by_code(results):
    return {r.code: r for r in results}


def others(n: int, prefix: str = "居民") -> list[ParticipantInput]:
    return [ParticipantInput(OTHER, name=f"{prefix}{i}") for i in range(n)]


@pytest.fixture
def data(world):
    """Three clients in service; sessions, assessments and cycles whose counts are known."""
    cases = in_service(world, 7)  # 7 registered, each with a danger-level and an SDSS baseline
    three = cases[:3]
    two_workers = [
        WorkerHours(world.worker, H("1.5"), H("1")),
        WorkerHours(world.lead, H("1.5"), H("1")),
    ]
    # Medication training: a group of 6 attending + 1 absent (counted), a one-to-one.
    group = [ParticipantInput(C, case=c) for c in cases[:6]]
    group.append(ParticipantInput(C, case=cases[6], attended=False))
    make(world, group, form="group", workers=two_workers, ends_at=dt.time(10, 30))
    make(world, [ParticipantInput(C, case=cases[0])])
    # A group of 5 (not counted as a group; its contacts still count) and a voided session.
    make(world, [ParticipantInput(C, case=c) for c in cases[:5]], form="group")
    voided = make(world, [ParticipantInput(C, case=cases[1])])
    service_record_void(record=voided, reason="录错", acting_user=world.worker)
    # Psychotherapy: 20 minutes (too short) and 40 minutes.
    for minutes in (20, 40):
        make(
            world,
            [ParticipantInput(C, case=cases[0])],
            service_item="psychotherapy",
            ends_at=(dt.datetime(2026, 1, 1, 9) + dt.timedelta(minutes=minutes)).time(),
            workers=[WorkerHours(world.worker, H(minutes) / 60, H("0.5"))],
        )
    # Community events: 10 clients... we have 7: 7 clients + 23 others = 30 (counts), 29 (not).
    clients = [ParticipantInput(C, case=c) for c in cases]
    make(world, clients + others(23), service_item="community_integration", form="community_event")
    make(world, clients + others(22), service_item="community_integration", form="community_event")
    # Needs survey: client 0 twice, their guardian, and one resident twice: 3 people.
    guardian = cases[0].client.family_members.get()
    for _ in range(2):
        make(
            world,
            [
                ParticipantInput(C, case=cases[0]),
                ParticipantInput("guardian", family_member=guardian),
                ParticipantInput(OTHER, name="张三"),
            ],
            service_item="needs_survey",
            form="home_visit",
        )
    # Assessments beyond the baselines: a process and an outcome one, and an ad-hoc one.
    add_assessment(three[0], "sdss", 3, "process")
    add_assessment(three[0], "sdss", 3, "outcome")
    add_assessment(three[0], "phq9", 3, "ad_hoc")
    # Medication-training cycles ended this year, SDSS before and after (减分率 ≥ 50 % improves):
    # 10 → 4 (60 %, improved), 10 → 7 (30 %, not), 10 → nothing after (not scored).
    start, end = TODAY - 120 * DAY, TODAY - 20 * DAY
    # (the third client's baseline SDSS of today would be "the first after the end": drop it)
    AssessmentRecord.objects.filter(case=three[2], instrument__code="sdss").delete()
    for case, after in zip(three, (4, 7, None), strict=True):
        add_assessment(case, "sdss", 10, "baseline", on=start - DAY)
        if after is not None:
            add_assessment(case, "sdss", after, "outcome", on=end)
        TrainingCycle.objects.create(
            project=world.liwan,
            case=case,
            service_item="medication_training",
            starts_on=start,
            ended_on=end,
            created_by=world.worker,
            updated_by=world.worker,
        )
    return world, cases


def test_liwan_indicators_from_the_records(data):
    world, _cases = data
    table = by_code(indicator_table(world.liwan, TODAY))
    assert table["4a"].achieved == 7  # registered
    assert table["4a"].target == 200  # 1 × the client target
    # contacts: group 6 + one-to-one 1 + small group 5 + psychotherapy 2 + events 7 + 7 + survey 2
    assert table["4a2"].achieved == 30
    assert table["4c"].achieved == 12  # medication training contacts (voided one left out)
    assert table["4c"].target == 660  # 66 clients × 10
    assert table["5d"].achieved == 1  # the 40-minute session only
    assert table["7"].achieved == 1  # one event of ≥ 30
    assert table["7p"].achieved == 59  # everyone attending both events
    assert table["1"].achieved == 3  # client, guardian, resident
    # baselines (2 × 7 - 1 dropped) + process and outcome (2) + before and after the cycles (3 + 2);
    # not the ad-hoc one
    assert table["4b"].achieved == 7 * 2 - 1 + 2 + 5
    assert table["4b"].target == 600
    # hours: the 6-person group had two workers with 2.5 h each; others 1.5 h each
    assert table["4c"].hours_logged == H("5") + 2 * H("1.5")  # the voided session left out
    assert (table["4c"].hours_min, table["4c"].hours_max) == (H("2310.0"), H("2640"))
    assert table["4b"].hours_logged == 0  # no rehabilitation-assessment sessions recorded
    assert table["4c"].improvement_cycles == 2
    assert table["4c"].improvement_rate == 0.5 and table["4c"].improvement_threshold == 0.3
    assert table["4d"].improvement_rate is None  # no cycles: no rate
    assert table["3"].status == BEHIND and table["3"].achieved == 0  # no communication groups
    assert table["4c"].status == BEHIND  # 12 of 660, most of the year gone


def test_chongchuan_sessions_follow_item_thresholds_and_are_met(world):
    cases = [cc_case(world, n) for n in range(1, 4)]
    common = {
        "project": world.chongchuan,
        "workers": [WorkerHours(world.other_worker, H("1"), H("0"))],
        "acting_user": world.other_worker,
    }
    everyone = [ParticipantInput(C, case=c) for c in cases]
    # Multi-family groups count with 3 attending families (the item's own threshold), not 6.
    make(world, everyone, service_item="multi_family_group", form="group", **common)
    make(world, everyone[:2], service_item="multi_family_group", form="group", **common)
    make(world, everyone[:1] + others(2, "家属"), service_item="hotline", form="phone", **common)
    relief = [
        make(
            world,
            others(8, "助残员"),
            service_item="worker_stress_relief",
            form="activity",
            **common,
        )
        for _ in range(2)
    ]
    assert threshold_status(with_counts(ServiceRecord.objects.filter(pk=relief[0].pk)).get()) == (
        True,
        None,
    )
    table = by_code(indicator_table(world.chongchuan, TODAY))
    assert table["7"].achieved == 1
    # the hotline row counts calls (anxin.hotline), not service records of the item
    assert table["2"].achieved == 0 and table["2"].target == 200
    # Two stress-relief sessions for disability workers: the yearly target of 2 is met (the
    # activity's 10 clients do not apply: the item has no client threshold).
    assert table["5"].achieved == 2 and table["5"].status == MET
    assert table["6"].achieved == 0 and table["6"].status == BEHIND
    assert table["4"].hours_logged == 0


def test_queries_do_not_grow_with_data(data):
    world, cases = data
    with CaptureQueriesContext(connection) as few:
        indicator_table(world.liwan, TODAY)
    for _ in range(5):
        make(world, [ParticipantInput(C, case=c) for c in cases], form="group")
    with CaptureQueriesContext(connection) as many:
        indicator_table(world.liwan, TODAY)
    assert len(many.captured_queries) == len(few.captured_queries) <= 16


def test_as_of_bounds_the_counts(data):
    world, _cases = data
    before = by_code(indicator_table(world.liwan, TODAY - DAY))
    assert before["4c"].achieved == 0 and before["4a"].achieved == 0
    assert before["4c"].status == BEHIND
    assert MET  # the constant exists for met indicators


@pytest.mark.parametrize("rule", ["reliable_change", "reduction_rate_50", "cutoff"])
@pytest.mark.parametrize("code", ["phq9", "sdss", "barthel"])
def test_improvement_in_sql_agrees_with_the_assessment_rules(world, rule, code):
    """The engine's SQL condition gives the same verdict as ``significantly_improved`` for every
    rule, on instruments where lower is better (PHQ-9, SDSS) or higher (Barthel)."""
    from django.db.models import F, FloatField, Value
    from django.db.models.functions import Cast

    from anxin.assessments.change import lower_is_better, significantly_improved
    from anxin.assessments.models import Instrument
    from anxin.contracts.indicators import improved_condition

    cases = in_service(world, 1)
    instrument = Instrument.objects.filter(code=code).order_by("-version").first()
    assert instrument is not None
    definition = instrument.definition
    top = float((definition.get("scoring") or {}).get("max", 27))
    pairs = [(b, a) for b in (0, 1, 2, 5, 9, 14, top) for a in (0, 1, 3, 7, 12, top)]
    cycle = TrainingCycle.objects.create(
        project=world.liwan,
        case=cases[0],
        service_item="medication_training",
        starts_on=TODAY,
        created_by=world.worker,
        updated_by=world.worker,
    )
    for before, after in pairs:
        gain = (
            (F("before") - F("after"))
            if lower_is_better(definition)
            else (F("after") - F("before"))
        )
        row = (
            TrainingCycle.objects.filter(pk=cycle.pk)
            .annotate(
                before=Value(float(before), output_field=FloatField()),
                after=Value(float(after), output_field=FloatField()),
            )
            .annotate(change=F("after") - F("before"), twice_gain=Cast(gain * 2, FloatField()))
            .filter(improved_condition(definition, rule))
            .exists()
        )
        expected = significantly_improved(definition, before, after, rule)
        assert row == expected, (code, rule, before, after)
