"""Joint home follow-up visits (R5.5): the follow-up record as the visit's assessment, the team,
the guardian support, the next visit from the stability class, all or nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from anxin.assessments.models import AssessmentRecord
from anxin.assessments.tests.conftest import follow_up
from anxin.cases import actions
from anxin.cases.models import Case, Step, Task
from anxin.cases.testing import walk
from anxin.clients.actions import client_register
from anxin.core.testing import World, liwan_input, register
from anxin.delivery.actions import WorkerHours
from anxin.delivery.models import Form, Participant, ServiceRecord, Visitor
from anxin.delivery.visits import add_months, home_visit_record, next_visit_date

D = dt.date
DOCTOR = ("刘医生", "崇川区精神卫生中心", "精防医生")


def cc_case(world: World) -> Case:
    data = liwan_input(
        world, street=world.street("城东街道"), household_district=None, disability_level="2"
    )
    case = client_register(project=world.chongchuan, data=data, acting_user=world.other_worker)
    case = walk(case, Step.AGREEMENT, world.other_worker)
    actions.plan_create(
        case=case,
        goals="定期随访",
        review_on=D(2027, 1, 4),
        responsible=world.other_worker,
        items=[actions.PlanItemInput("joint_home_visit", 1, "month")],
        acting_user=world.other_worker,
    )
    case.refresh_from_db()
    return case


def visit(world: World, case: Case, on: D, answers: dict[str, Any], **extra: Any):
    values: dict[str, Any] = {
        "case": case,
        "on": on,
        "starts_at": dt.time(9, 30),
        "ends_at": dt.time(10, 30),
        "workers": [WorkerHours(world.other_worker, Decimal("1"), Decimal("0.5"))],
        "visitors": [DOCTOR],
        "followup_answers": answers,
        "guardian_support": "讲解服药监护要点",
        "acting_user": world.other_worker,
    }
    values.update(extra)
    return home_visit_record(**values)


def test_a_visit_keeps_the_follow_up_record_the_team_and_the_guardian_support(world):
    case = cc_case(world)
    result = visit(world, case, D(2026, 8, 31), follow_up())
    record = result.record
    assert (record.service_item, record.form, record.on) == (
        "joint_home_visit",
        Form.HOME_VISIT,
        D(2026, 8, 31),
    )
    assessment = result.assessment
    assert record.assessment == assessment
    assert assessment.instrument.code == "follow-up-2018"
    assert assessment.timepoint == AssessmentRecord.Timepoint.AD_HOC
    assert (assessment.band, assessment.assessed_on, assessment.case) == (
        "stable",
        D(2026, 8, 31),
        case,
    )
    assert list(record.visitors.values_list("name", "organisation", "role")) == [DOCTOR]
    worker = record.workers.get()
    assert (worker.user, worker.direct_hours, worker.indirect_hours) == (
        world.other_worker,
        Decimal("1"),
        Decimal("0.5"),
    )
    kinds = sorted(record.participants.values_list("kind", flat=True))
    assert kinds == [Participant.Kind.CLIENT, Participant.Kind.GUARDIAN]
    assert "讲解服药监护要点" in ServiceRecord.objects.get(pk=record.pk).content


def test_stable_next_visit_in_three_months(world):
    result = visit(world, cc_case(world), D(2026, 8, 31), follow_up())
    assert result.next_visit_on == D(2026, 11, 30)  # 31 Aug + 3 months: end of November, Monday


@pytest.mark.parametrize(
    ("changes", "band"),
    [({"insight": "partial"}, "basically_stable"), ({"danger_level": 1}, "basically_stable")],
)
def test_basically_stable_next_visit_in_two_weeks_on_a_workday(world, changes, band):
    result = visit(world, cc_case(world), D(2026, 9, 17), follow_up(**changes))
    assert result.assessment.band == band
    assert result.next_visit_on == D(2026, 10, 8)  # 1 Oct: National Day holiday until the 7th


def test_unstable_next_visit_in_two_weeks_and_a_crisis_task(world):
    result = visit(world, cc_case(world), D(2026, 11, 2), follow_up(danger_level=3))
    assert result.assessment.band == "unstable"
    assert result.next_visit_on == D(2026, 11, 16)
    assert Task.objects.filter(kind=Task.Kind.CRISIS, case=result.record.assessment.case).exists()


def test_next_visit_dates():
    assert add_months(D(2026, 11, 30), 3) == D(2027, 2, 28)
    assert add_months(D(2027, 12, 15), 3) == D(2028, 3, 15)
    assert next_visit_date(D(2026, 1, 31), "stable") == D(2026, 4, 30)
    assert next_visit_date(D(2026, 1, 31), "basically_stable") == D(2026, 2, 14)  # make-up Saturday
    assert next_visit_date(D(2026, 2, 3), "") == D(
        2026, 2, 24
    )  # no class: soonest; Spring Festival


def test_no_guardian_participant_without_support_given(world):
    result = visit(world, cc_case(world), D(2026, 8, 31), follow_up(), guardian_support=" ")
    assert list(result.record.participants.values_list("kind", flat=True)) == ["client"]
    assert ServiceRecord.objects.get(pk=result.record.pk).content == ""


def _nothing_written() -> bool:
    return not (
        AssessmentRecord.objects.filter(instrument__code="follow-up-2018").exists()
        or ServiceRecord.objects.exists()
        or Visitor.objects.exists()
    )


@pytest.mark.parametrize(
    "visitors",
    [[], [("刘医生", "", "")], [("", "崇川区精神卫生中心", "")]],
)
def test_refused_without_a_complete_outside_visitor(world, visitors):
    case = cc_case(world)
    with translation.override("en"), pytest.raises(ValidationError, match="visitor"):
        visit(world, case, D(2026, 8, 31), follow_up(), visitors=visitors)
    assert _nothing_written()


def test_refused_answers_write_nothing(world):
    case = cc_case(world)
    answers = follow_up()
    del answers["insight"]
    with pytest.raises(ValidationError):
        visit(world, case, D(2026, 8, 31), answers)
    assert _nothing_written()


def test_a_refused_service_record_rolls_back_the_assessment(world):
    case = cc_case(world)
    with translation.override("en"), pytest.raises(ValidationError, match="not a worker"):
        visit(
            world,
            case,
            D(2026, 8, 31),
            follow_up(),
            workers=[WorkerHours(world.worker, Decimal("1"))],
        )
    assert _nothing_written()
    assert not Task.objects.filter(kind=Task.Kind.CRISIS).exists()


def test_not_in_the_liwan_catalogue(world):
    case = walk(register(world), Step.SERVICE, world.worker)
    with translation.override("en"), pytest.raises(ValidationError, match="catalogue"):
        visit(
            world,
            case,
            D(2026, 8, 31),
            follow_up(),
            workers=[WorkerHours(world.worker, Decimal("1"))],
            acting_user=world.worker,
        )
    assert _nothing_written()


# the page ---------------------------------------------------------------------------------------


def _post(answers: dict[str, Any], **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "on": "2026-11-02",
        "starts_at": "09:30",
        "ends_at": "11:00",
        "indirect_hours": "0.5",
        "guardian_support": "指导监护人观察服药",
        "visitor_name": ["刘医生", ""],
        "visitor_organisation": ["崇川区精神卫生中心", ""],
        "visitor_role": ["精防医生", ""],
    }
    data.update({f"item-{code}": value for code, value in answers.items()})
    data.update(extra)
    return data


def test_the_page_records_a_visit_and_tells_the_next_date(world, login):
    case = cc_case(world)
    client = login(world.other_worker)
    url = reverse("delivery:visit-new", args=[case.pk])
    page = client.get(url).content.decode()
    assert "严重精神障碍患者随访服务记录表" in page and 'name="item-danger_level"' in page
    response = client.post(url, _post(follow_up()))
    record = ServiceRecord.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("delivery:detail", args=[record.pk])
    worker = record.workers.get()
    assert (worker.direct_hours, worker.indirect_hours) == (Decimal("1.50"), Decimal("0.50"))
    assert list(record.visitors.values_list("name", flat=True)) == ["刘医生"]
    assert record.assessment is not None and record.assessment.band == "stable"
    shown = client.get(response["Location"]).content.decode()
    assert "2027年2月2日" in shown  # the next visit, in the message


def test_the_page_shows_refusals_and_keeps_the_answers(world, login):
    case = cc_case(world)
    client = login(world.other_worker)
    url = reverse("delivery:visit-new", args=[case.pk])
    data = _post(follow_up(), visitor_name=[""], visitor_organisation=[""], visitor_role=[""])
    with translation.override("en"):
        response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert _nothing_written()
    page = response.content.decode()
    assert 'value="full" autocomplete="off" checked' in page


def test_the_page_is_closed_to_others(world, login):
    case = cc_case(world)
    url = reverse("delivery:visit-new", args=[case.pk])
    for user in (world.worker, world.outsider, world.purchaser):
        assert login(user).get(url).status_code == 404
        assert login(user).post(url, _post(follow_up())).status_code == 404
    assert _nothing_written()
