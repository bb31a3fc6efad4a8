"""The assessment routes of the JSON API: scoping per persona, recording, refusals, reads."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from anxin.assessments.actions import assessment_record
from anxin.assessments.models import AssessmentRecord
from anxin.assessments.tests.conftest import answers, builtin, follow_up
from anxin.audit.models import AuditEvent
from anxin.cases.models import Case, Task
from anxin.clients.tests.test_api import as_
from anxin.core.testing import World, register

READERS = ["worker", "lead", "counsellor", "supervisor"]
WRITERS = ["worker", "lead", "counsellor"]
BLIND = ["other_worker", "purchaser", "outsider", "admin"]


def body(**extra: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "instrument": "phq9",
        "timepoint": "baseline",
        "assessed_on": "2026-03-01",
        "answers": answers("phq9", 2, 2, 2, 2, 2, 2, 1, 1, 0),
        "notes": "入户评估",
    }
    values.update(extra)
    return values


def add(world: World, case: Case, code: str, values: tuple, days_ago: int) -> AssessmentRecord:
    return assessment_record(
        case=case,
        instrument=builtin(code),
        timepoint="process",
        assessed_on=timezone.localdate() - dt.timedelta(days=days_ago),
        answers=answers(code, *values),
        acting_user=world.worker,
    )


def test_instruments_are_listed_with_their_definitions(world: World) -> None:
    response = as_(world, "worker").get("/api/v1/instruments")
    assert response.status_code == 200
    codes = {i["code"]: i for i in response.json()}
    assert set(codes) == {
        "phq9",
        "gad7",
        "sdss",
        "barthel",
        "swls",
        "danger-level",
        "follow-up-2018",
    }
    assert codes["phq9"]["title"] == "Patient Health Questionnaire (PHQ-9)"
    assert codes["phq9"]["builtin"] is True
    assert len(codes["phq9"]["definition"]["items"]) == 9


@pytest.mark.parametrize("persona", READERS + BLIND)
def test_post_and_read_by_persona(world: World, persona: str) -> None:
    case = register(world)
    api = as_(world, persona)
    response = api.send("post", f"/api/v1/cases/{case.pk}/assessments", body())
    expected = 201 if persona in WRITERS else 403 if persona in READERS else 404
    assert response.status_code == expected, response.content
    if persona in WRITERS:
        data = response.json()
        assert (data["total"], data["band"], data["band_label"]) == (14, "moderate", "Moderate")
        assert data["answers"]["q1"] == 2 and data["notes"] == "入户评估"
        assert data["version"] == 1 and data["flags"] == []
    existing = add(world, case, "gad7", (1,) * 7, 1)
    listing = api.get(f"/api/v1/cases/{case.pk}/assessments")
    one = api.get(f"/api/v1/assessments/{existing.pk}")
    assert listing.status_code == one.status_code == (200 if persona in READERS else 404)
    if persona in READERS:
        assert "answers" not in listing.json()["assessments"][0]
        assert one.json()["answers"] == answers("gad7", *(1,) * 7)
        assert AuditEvent.objects.filter(action="case.read", actor=getattr(world, persona)).exists()


def test_bad_answers_get_one_message_per_item(world: World) -> None:
    case = register(world)
    response = as_(world, "worker").send(
        "post",
        f"/api/v1/cases/{case.pk}/assessments",
        body(answers={"q1": 7, "q2": True, "zz": 1}),
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert "q1: 7 is not one of the options (0, 1, 2, 3)." in errors
    assert "q2: True is not one of the options (0, 1, 2, 3)." in errors
    assert "q3: no answer." in errors and "zz: there is no such item in this instrument." in errors
    assert not AssessmentRecord.objects.exists()


def test_unknown_instrument_and_refusals(world: World) -> None:
    case = register(world)
    api = as_(world, "worker")
    url = f"/api/v1/cases/{case.pk}/assessments"
    assert api.send("post", url, body(instrument="zbi")).json() == {
        "errors": ["Unknown instrument zbi."]
    }
    assert api.send("post", url, body(version=9)).status_code == 422
    refused = api.send("post", url, body(timepoint="later"))
    assert refused.status_code == 422 and "Unknown timepoint later" in refused.json()["errors"][0]
    assert api.send("post", url, body(assessed_on="yesterday")).status_code == 422
    assert api.send("post", url, "{not json").status_code == 400


def test_a_crisis_through_the_api_raises_tasks(world: World) -> None:
    case = register(world)
    response = as_(world, "lead", "zh-hans").send(
        "post",
        f"/api/v1/cases/{case.pk}/assessments",
        body(instrument="danger-level", answers={"level": 5}),
    )
    assert response.status_code == 201
    assert response.json()["flags"] == [
        {"code": "danger_level_high", "label": "危险性评估3级及以上", "crisis": True}
    ]
    assert Task.objects.filter(case=case, kind=Task.Kind.CRISIS).exists()


def test_listing_carries_the_change_and_its_query_count_is_fixed(world: World) -> None:
    case = register(world)
    api = as_(world, "worker")
    url = f"/api/v1/cases/{case.pk}/assessments"
    add(world, case, "phq9", (2,) * 9, 40)  # 18
    add(world, case, "phq9", (1, 1, 1, 1, 1, 1, 1, 1, 0), 20)  # 8
    api.get(url)
    with CaptureQueriesContext(connection) as few:
        first = api.get(url).json()
    change, step = first["changes"]
    assert (change["kind"], step["kind"]) == ("overall", "step")
    assert (change["from_total"], change["to_total"], change["improved"]) == (18, 8, True)
    assert change["rci"] == pytest.approx(-3.1, abs=0.01)
    assert change["reduction_rate"] == pytest.approx(10 / 18)
    assert first["improvement_rule"] == "reliable_change"
    for days in range(10, 0, -1):
        add(world, case, "gad7", (days % 4,) * 7, days)
    with CaptureQueriesContext(connection) as many:
        assert len(api.get(url).json()["assessments"]) == 12
    assert len(many) == len(few)


@pytest.mark.parametrize("raw", ['"nan"', "NaN", "Infinity"])
def test_a_number_that_is_not_finite_is_refused_not_stored(world: World, raw: str) -> None:
    """JSON from a caller may carry NaN (Python's parser takes it): it was recorded (201) as a
    count of risky behaviour that is no number."""
    case = register(world)
    given = json.dumps(body(instrument="follow-up-2018", answers=follow_up(risk_minor=0)))
    sent = given.replace('"risk_minor": 0', f'"risk_minor": {raw}')
    response = as_(world, "worker").send("post", f"/api/v1/cases/{case.pk}/assessments", sent)
    assert response.status_code == 422
    assert any(e.startswith("risk_minor") for e in response.json()["errors"])
    assert not AssessmentRecord.objects.exists()
