"""Every indicator of both shipped templates, on a small hand-checked data set: a new indicator
without a figure here fails the test. The service-record rows of LW are in test_indicators."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count
from django.utils import timezone

from anxin.contracts.indicators import _cycles_completed, indicator_table, project_period
from anxin.contracts.tests.test_indicators import TODAY, by_code, others
from anxin.delivery.actions import ParticipantInput, WorkerHours
from anxin.delivery.models import Form, Participant, TrainingCycle
from anxin.delivery.tests.test_groups import cc_case
from anxin.delivery.tests.test_records import in_service, make
from anxin.hotline.actions_outreach import outreach_attempt_record
from anxin.hotline.models import Call, OutreachPerson
from anxin.hotline.tests.calls_testing import finished, start
from anxin.operations import actions as ops
from anxin.operations.models import Article, Meeting, ProjectDocument
from anxin.operations.tests.factories import article, document, meeting, supervision, training

C = Participant.Kind.CLIENT
H = Decimal
LAST_YEAR = dt.date(TODAY.year - 1, 6, 1)


def test_liwan_staff_development_publicity_and_documents(world):
    training(world)  # worker 6 h, lead 4.5 h
    training(
        world,
        on=TODAY - dt.timedelta(days=30),
        attendees=[ops.Attendee(world.worker, H("3")), ops.Attendee(world.counsellor, H("2"))],
    )
    training(world, on=LAST_YEAR)  # another year: not counted
    supervision(world)  # two workers' records
    meeting(world)
    meeting(world, on=TODAY - dt.timedelta(days=31))
    meeting(world, kind=Meeting.Kind.CASE_CONFERENCE)  # not an administrative meeting
    accepted = article(world)  # provincial
    ops.article_accept(article=accepted, accepted_on=TODAY, acting_user=world.lead)
    city = article(world, level=Article.Level.CITY, title="市级报道")
    ops.article_accept(article=city, accepted_on=TODAY, acting_user=world.lead)
    article(world, level=Article.Level.NATIONAL, title="国家级报道")  # not accepted
    article(world, published_on=LAST_YEAR, title="去年的报道")
    document(world)  # needs-survey report
    document(world, kind=ProjectDocument.Kind.REFERRAL_MECHANISM, title="转介机制")
    table = by_code(indicator_table(world.liwan, TODAY))
    figures = {code: r.achieved for code, r in table.items()}
    assert {code: figures[code] for code in ("8", "8h", "9", "9r", "10")} == {
        "8": 2,
        "8h": 2,  # the lowest of the team's totals: worker 9, lead 4.5, counsellor 2
        "9": 1,
        "9r": 2,
        "10": 2,
    }
    assert (figures["2"], figures["2m"]) == (2, 2)  # provincial + national; two accepted
    assert (figures["1r"], figures["3d"]) == (1, 1)
    assert table["3"].status == "behind" and table["3"].achieved == 0  # groups: the referral tests
    assert table["1r"].status == "met" and table["8"].status == "behind"
    targets = {code: r.target for code, r in table.items()}
    assert {c: targets[c] for c in ("1", "2", "2m", "7", "7p", "8", "8h", "9", "9r", "10")} == {
        "1": 50, "2": 2, "2m": 12, "7": 4, "7p": 120, "8": 6, "8h": 40, "9": 12, "9r": 100,
        "10": 12,
    }  # fmt: skip
    assert set(table) == {
        "1", "1r", "2", "2m", "3", "3d", "4a", "4a2", "4b", "4c", "4d", "4e", "5a", "5b", "5c",
        "5d", "6a", "6b", "6c", "7", "7p", "8", "8h", "9", "9r", "10",
    }  # fmt: skip


def test_every_chongchuan_indicator(world):
    cases = [cc_case(world, n) for n in range(1, 5)]
    guardian = cases[0].client.family_members.get()
    common = {
        "project": world.chongchuan,
        "workers": [WorkerHours(world.other_worker, H("1"), H("0.5"))],
        "acting_user": world.other_worker,
    }
    everyone = [ParticipantInput(C, case=c) for c in cases]
    make(
        world,
        [*everyone[:1], ParticipantInput("guardian", family_member=guardian)],
        service_item="needs_survey",
        form=Form.HOME_VISIT,
        **common,
    )
    make(world, everyone[1:2], service_item="needs_survey", form=Form.HOME_VISIT, **common)
    # Rows 2 and 3 count the hotline's calls (anxin.hotline), not service records of the items.
    make(world, everyone[:1] + others(1, "匿名"), service_item="hotline", form=Form.PHONE, **common)
    make(
        world,
        others(2, "新持证"),
        service_item="newly_certified_support",
        form=Form.PHONE,
        **common,
    )
    operator = world.other_worker
    finished(world, operator, world.chongchuan)  # a counselling call
    finished(world, operator, world.chongchuan, purpose=Call.Purpose.CALL_BACK)
    start(world, operator, world.chongchuan)  # still in progress: not counted
    newly = OutreachPerson.objects.create(project=world.chongchuan, name="新持证甲")
    for result in ("no_answer", "reached"):  # only the call that reached them is support
        outreach_attempt_record(
            person=newly, result=result, started_at=timezone.now(), acting_user=operator
        )
    make(
        world,
        [ParticipantInput("guardian", family_member=guardian)],
        service_item="counselling",
        **common,
    )
    make(
        world,
        others(12, "助残员"),
        service_item="worker_stress_relief",
        form=Form.ACTIVITY,
        **common,
    )
    make(world, everyone, service_item="group_activity", form=Form.ACTIVITY, **common)  # < 10
    make(world, everyone, service_item="multi_family_group", form=Form.GROUP, **common)
    make(world, everyone, service_item="themed_service", form=Form.GROUP, **common)  # < 6
    make(
        world,
        [ParticipantInput("guardian", family_member=guardian), *others(3, "家长")],
        service_item="guardian_salon",
        form=Form.GROUP,
        **common,
    )
    make(world, everyone[:2], service_item="joint_home_visit", form=Form.HOME_VISIT, **common)
    document(
        world,
        project=world.chongchuan,
        kind=ProjectDocument.Kind.SATISFACTION_REPORT,
        acting_user=world.other_worker,
    )
    table = by_code(indicator_table(world.chongchuan, TODAY))
    assert {code: r.achieved for code, r in table.items()} == {
        "1": 3,  # two clients and one guardian
        "1r": 0,
        "2": 2,  # a counselling call and a call-back
        "3": 1,  # the outreach call that reached the person
        "4": 1,  # the guardian's counselling
        "5": 1,
        "6": 0,  # four clients: not an activity (≥ 10)
        "7": 1,  # multi-family group: 4 families ≥ 3
        "8": 0,  # four clients: not a group (≥ 6)
        "9": 1,  # a salon has no client threshold
        "10": 2,
        "c": 1,  # every case lives on 城东街道
        "s": 1,
    }
    assert {code: r.target for code, r in table.items()} == {
        "1": 350, "1r": 1, "2": 200, "3": 100, "4": 100, "5": 2, "6": 4, "7": 4, "8": 4, "9": 4,
        "10": 10, "c": 16, "s": 1,
    }  # fmt: skip
    assert table["4"].hours_logged == H("1.5")
    assert all(r.hours_min is None for r in table.values())  # CC prints no hour table


def test_completed_cycles_count_those_with_the_rules_contacts(world):
    cases = in_service(world, 2)
    start = TODAY - dt.timedelta(days=60)
    for case, sessions in zip(cases, (10, 9), strict=True):
        for n in range(sessions):
            make(
                world,
                [ParticipantInput(C, case=case)],
                on=start + dt.timedelta(days=n * 5),
            )
        TrainingCycle.objects.create(
            project=world.liwan,
            case=case,
            service_item="medication_training",
            starts_on=start,
            ended_on=TODAY,
            created_by=world.worker,
            updated_by=world.worker,
        )
    period = project_period(world.liwan, TODAY)
    rules = {"x": {"kind": "cycles_completed", "items": ["medication_training"]}}
    assert _cycles_completed(world.liwan, period, rules) == {"x": 1}  # 10 of 10; not 9 of 10
    assert TrainingCycle.objects.aggregate(n=Count("pk"))["n"] == 2
