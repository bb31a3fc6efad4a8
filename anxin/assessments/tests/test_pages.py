"""Assessment pages: access for every persona, filling on a phone without JS, the chart data,
the change indicators, fixed query counts, the instrument admin."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from anxin.assessments.actions import assessment_record
from anxin.assessments.models import AssessmentRecord, Instrument
from anxin.assessments.tests.conftest import answers, builtin
from anxin.audit.models import AuditEvent
from anxin.cases.actions import case_close
from anxin.cases.models import Case
from anxin.core.testing import World, register

READERS = ["worker", "lead", "counsellor", "supervisor"]
WRITERS = ["worker", "lead", "counsellor"]
BLIND = ["other_worker", "purchaser", "outsider", "admin"]


def add(world: World, case: Case, code: str, values: tuple, days_ago: int, timepoint: str):
    return assessment_record(
        case=case,
        instrument=builtin(code),
        timepoint=timepoint,
        assessed_on=timezone.localdate() - dt.timedelta(days=days_ago),
        answers=answers(code, *values),
        acting_user=world.worker,
    )


@pytest.fixture
def case(world: World) -> Case:
    return register(world)


@pytest.mark.parametrize("persona", READERS + BLIND)
def test_case_page_and_detail_access(world: World, login, case: Case, persona: str) -> None:
    record = add(world, case, "phq9", (1,) * 9, 3, "baseline")
    http = login(getattr(world, persona))
    expected = 200 if persona in READERS else 404
    assert http.get(reverse("assessments:case", args=[case.pk])).status_code == expected
    assert http.get(reverse("assessments:detail", args=[record.pk])).status_code == expected
    if persona in BLIND:
        assert AuditEvent.objects.filter(
            kind=AuditEvent.Kind.DENIED, actor=getattr(world, persona)
        ).exists()


@pytest.mark.parametrize("persona", READERS + BLIND)
def test_fill_page_access(world: World, login, case: Case, persona: str) -> None:
    http = login(getattr(world, persona))
    response = http.get(reverse("assessments:new", args=[case.pk]))
    expected = 200 if persona in WRITERS else 403 if persona in READERS else 404
    assert response.status_code == expected
    phq9 = builtin("phq9")
    response = http.post(
        reverse("assessments:new", args=[case.pk]),
        {"instrument": phq9.pk, "timepoint": "baseline", "assessed_on": "2026-03-01"}
        | {f"item-q{i}": "0" for i in range(1, 10)},
    )
    assert response.status_code == (302 if persona in WRITERS else expected)
    assert AssessmentRecord.objects.exists() is (persona in WRITERS)


def test_anonymous_is_sent_to_login(client, case: Case) -> None:
    response = client.get(reverse("assessments:case", args=[case.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_fill_an_assessment_step_by_step(world: World, login, case: Case) -> None:
    http = login(world.worker)
    url = reverse("assessments:new", args=[case.pk])
    start = http.get(url, {"timepoint": "baseline"})
    body = start.content.decode()
    assert 'name="instrument"' in body and 'value="baseline" selected' in body
    phq9 = builtin("phq9")
    params = {"instrument": phq9.pk, "timepoint": "baseline", "assessed_on": "2026-03-01"}
    cards = http.get(url, params).content.decode()
    assert cards.count('class="card mb-3') == 10  # nine questions and the notes
    assert 'type="radio" class="btn-check" name="item-q9"' in cards
    assert "有不如死掉或用某种方式伤害自己的念头" in cards
    assert "style=" not in cards and not re.search(r"<script(?![^>]*\bsrc=)", cards)
    posted = {**params, **{f"item-q{i}": v for i, v in enumerate("222222110", start=1)}}
    response = http.post(url, {**posted, "notes": "家访"})
    record = AssessmentRecord.objects.get()
    assert response["Location"] == reverse("assessments:detail", args=[record.pk])
    assert (record.total, record.band, record.assessed_on) == (14, "moderate", dt.date(2026, 3, 1))
    page = http.get(response["Location"]).content.decode()
    assert "中度抑郁" in page and "phq9" in page and "家访" in page


def test_unanswered_questions_are_marked_and_nothing_is_saved(
    world: World, login, case: Case
) -> None:
    http = login(world.worker)
    phq9 = builtin("phq9")
    response = http.post(
        reverse("assessments:new", args=[case.pk]),
        {"instrument": phq9.pk, "timepoint": "process", "assessed_on": "2026-03-01"}
        | {f"item-q{i}": "1" for i in range(1, 8)},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count("card mb-3 border-danger") == 2
    assert body.count("no answer.") == 2 and "Not saved" in body
    assert 'value="1" autocomplete="off" checked' in body  # answers given are kept
    assert not AssessmentRecord.objects.exists()


def test_a_crisis_is_announced(world: World, login, case: Case) -> None:
    http = login(world.worker)
    response = http.post(
        reverse("assessments:new", args=[case.pk]),
        {"instrument": builtin("danger-level").pk, "timepoint": "process"}
        | {"assessed_on": "2026-03-01", "item-level": "4"},
        follow=True,
    )
    body = response.content.decode()
    assert "危险性评估3级及以上" in body
    assert case.tasks.filter(kind="crisis").exists()


def test_closed_case_offers_only_follow_up(world: World, login, case: Case) -> None:
    today = timezone.localdate()
    case_close(case=case, exit="moved", on=today, reason="迁居", acting_user=world.worker)
    http = login(world.worker)
    url = reverse("assessments:new", args=[case.pk])
    assert 'value="follow_up" selected' in http.get(url).content.decode()
    response = http.post(
        url,
        {"instrument": builtin("phq9").pk, "timepoint": "outcome", "assessed_on": today}
        | {f"item-q{i}": "0" for i in range(1, 10)},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200 and not AssessmentRecord.objects.exists()
    assert "only follow-up assessments can be recorded" in response.content.decode()


def test_case_page_shows_chart_data_and_change(world: World, login, case: Case) -> None:
    add(world, case, "phq9", (3, 3, 2, 2, 2, 2, 2, 2, 0), 60, "baseline")  # 18
    add(world, case, "phq9", (2, 2, 2, 2, 1, 1, 1, 1, 0), 30, "process")  # 12
    add(world, case, "phq9", (1, 1, 1, 1, 1, 1, 1, 1, 0), 1, "outcome")  # 8
    add(world, case, "sdss", (9, 9, 9, 1, 1, 0, 0, 0, 0, 0), 60, "baseline")
    http = login(world.lead)
    response = http.get(reverse("assessments:case", args=[case.pk]))
    body = response.content.decode()
    found = re.search(
        r'<script id="assessment-series" type="application/json">(.*?)</script>', body
    )
    assert found is not None
    data = json.loads(found[1])
    phq9 = next(s for s in data if s["code"] == "phq9")
    assert [p["total"] for p in phq9["points"]] == [18, 12, 8]
    assert phq9["cutoff"] == 10 and phq9["max"] == 27 and phq9["higher_is_better"] is False
    assert phq9["points"][0]["band"] == "中重度抑郁"
    assert [s["code"] for s in data] == ["phq9", "sdss"]
    assert "vendor/echarts/echarts.min.js" in body and "anxin/charts.js" in body
    (change,) = response.context["changes"]  # SDSS has one score only
    # 18 -> 8: RC = -10 / 3.2244 = -3.10; 减分率 10 / 18 = 55.6 %; crosses 10
    assert change.change.rci == pytest.approx(-3.1, abs=0.01)
    assert change.change.reduction_percent == 55.6
    assert change.change.crossed_cutoff is True and change.change.improved is True
    assert "55.6 %" in body
    assert [round(c.rci, 2) for _, _, c in change.steps] == [-1.86, -1.24]  # -6 and -4 points


def test_the_project_rule_decides_improved(world: World, login, case: Case) -> None:
    add(world, case, "phq9", (2, 2, 2, 2, 1, 1, 1, 1, 0), 30, "baseline")  # 12
    add(world, case, "phq9", (1, 1, 1, 1, 1, 1, 1, 1, 0), 1, "outcome")  # 8
    http = login(world.worker)
    url = reverse("assessments:case", args=[case.pk])
    assert http.get(url).context["changes"][0].change.improved is False  # RC -1.24
    world.liwan.workflow = {**world.liwan.workflow, "improvement_rule": "cutoff"}
    world.liwan.save(update_fields=["workflow"])
    assert http.get(url).context["changes"][0].change.improved is True  # 12 -> 8 crosses 10


def test_case_page_query_count_does_not_grow(world: World, login, case: Case) -> None:
    http = login(world.worker)
    url = reverse("assessments:case", args=[case.pk])
    add(world, case, "phq9", (1,) * 9, 10, "baseline")
    add(world, case, "gad7", (1,) * 7, 10, "baseline")
    http.get(url)
    with CaptureQueriesContext(connection) as few:
        assert http.get(url).status_code == 200
    for days in range(9, 0, -1):
        add(world, case, "phq9", (days % 3,) * 9, days, "process")
        add(world, case, "gad7", (days % 4,) * 7, days, "process")
    with CaptureQueriesContext(connection) as many:
        response = http.get(url)
    assert len(response.context["rows"]) == 20
    assert len(many) == len(few)


def test_detail_page_query_count_is_fixed(world: World, login, case: Case) -> None:
    first = add(world, case, "phq9", (1,) * 9, 10, "baseline")
    http = login(world.worker)
    http.get(reverse("assessments:detail", args=[first.pk]))
    with CaptureQueriesContext(connection) as queries:
        http.get(reverse("assessments:detail", args=[first.pk]))
    assert len(queries) <= 13  # 12, and one for the two-factor check (anxin.accounts.middleware)


@pytest.mark.parametrize("persona", ["admin", "worker", "lead", "supervisor", "outsider"])
def test_instrument_admin_is_for_organisation_admins(world: World, login, persona: str) -> None:
    response = login(getattr(world, persona)).get(reverse("assessments:instruments"))
    assert response.status_code == (200 if persona == "admin" else 403)


def test_instrument_upload_shows_every_error_then_stores(world: World, login) -> None:
    http = login(world.admin)
    url = reverse("assessments:instruments")
    page = http.get(url).content.decode()
    assert "phq9" in page and "follow-up-2018" in page
    bad = (
        "code: own\nversion: 1\ntitle: 自编\n"
        "items:\n  - code: q1\n    text: 题\n    options: [{label: 是}]\n"
    )
    response = http.post(url, {"definition": bad})
    body = response.content.decode()
    assert response.status_code == 200
    assert "items[1] (q1).options[1]" in body and "direction" in body
    assert not Instrument.objects.filter(organisation=world.org).exists()
    good = bad.replace("[{label: 是}]", "[{value: 0, label: 否}, {value: 1, label: 是}]")
    response = http.post(url, {"definition": good + "direction: lower_is_better\n"})
    assert response.status_code == 302
    assert Instrument.objects.get(organisation=world.org).code == "own"
    assert AuditEvent.objects.filter(action="instrument.add", actor=world.admin).exists()
