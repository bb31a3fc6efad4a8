"""Surveys in the JSON API, the collection side: list, create, read, open and close, make links
(tokens given once), enter a response; 201 / 403 / 404 / 422 with the reasons, in Chinese;
bad input never a 500; the list with a flat number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from anxin.audit.models import AuditEvent
from anxin.core.testing import register
from anxin.surveys.access import token_hash
from anxin.surveys.models import Response, Survey, SurveyLink
from anxin.surveys.tests import factories as f

HIDDEN = ["other_worker", "outsider", "purchaser", "admin"]


def post(client, path: str, body, headers):
    return client.post(path, body, content_type="application/json", **headers)


def survey_body(**extra):
    body = {
        "kind": "needs",
        "title": "2026年服务需求调查",
        "questionnaire": "needs-survey",
        "target": 50,
        "opens_on": "2026-03-01",
    }
    body.update(extra)
    return body


def response_body(world, **extra):
    body = {
        "respondent_type": "guardian",
        "street": world.street("沙面街道").code,
        "answers": f.NEEDS_ANSWERS,
    }
    body.update(extra)
    return body


def test_create_open_and_read_a_survey(world, client):
    headers = f.auth(world.worker)
    created = post(client, "/api/v1/projects/lw/surveys", survey_body(), headers)
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["status"] == "draft" and body["questionnaire"] == "needs-survey"
    assert body["definition"]["code"] == "needs-survey" and body["responses"] == 0
    assert body["links"] == {"made": 0, "used": 0, "expired": 0, "waiting": 0}
    survey_id = body["id"]
    opened = post(client, f"/api/v1/surveys/{survey_id}/status", {"status": "open"}, headers)
    assert opened.status_code == 200 and opened.json()["status"] == "open"
    listed = client.get("/api/v1/projects/lw/surveys", **headers).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == survey_id
    read = client.get(f"/api/v1/surveys/{survey_id}", **headers)
    assert read.status_code == 200
    assert read.json()["definition"]["items"][0]["code"] == "living_with"


def test_enter_a_response_and_see_the_counts(world, client):
    survey = f.survey(world)
    case = register(world)
    headers = f.auth(world.worker)
    made = post(
        client,
        f"/api/v1/surveys/{survey.pk}/responses",
        response_body(world, case_id=case.pk, on=f.TODAY.isoformat()),
        headers,
    )
    assert made.status_code == 201, made.json()
    body = made.json()
    assert body["channel"] == "worker" and body["case_id"] == case.pk
    assert body["street"] == world.street("沙面街道").code and body["answers"] == 12
    saved = Response.objects.get()
    assert saved.entered_by == world.worker
    read = client.get(f"/api/v1/surveys/{survey.pk}", **headers).json()
    assert read["responses"] == 1 and read["responses_by_respondent"] == {"guardian": 1}
    assert read["responses_by_channel"] == {"worker": 1}


def test_links_give_their_tokens_once(world, client):
    survey = f.survey(world)
    headers = f.auth(world.worker)
    made = post(
        client,
        f"/api/v1/surveys/{survey.pk}/links",
        {"respondent_type": "client", "street": world.street("沙面街道").code, "count": 3},
        headers,
    )
    assert made.status_code == 201, made.json()
    links = made.json()["links"]
    assert len(links) == 3 and len({link["token"] for link in links}) == 3
    for link in links:
        assert link["url"] == f"http://testserver/s/{link['token']}/"
        assert SurveyLink.objects.get(pk=link["id"]).token_hash == token_hash(link["token"])
        assert client.get(f"/s/{link['token']}/").status_code == 200
    read = client.get(f"/api/v1/surveys/{survey.pk}", **headers)
    assert read.json()["links"]["made"] == 3
    assert not any(link["token"] in read.content.decode() for link in links)
    for event in AuditEvent.objects.filter(action="survey.link"):
        assert not any(link["token"] in str(event.detail) for link in links)


def test_refused_input_is_422_with_the_reasons_in_chinese(world, client):
    survey = f.survey(world)
    headers = f.auth(world.worker)
    wrong = post(
        client,
        f"/api/v1/surveys/{survey.pk}/responses",
        response_body(world, answers={**f.NEEDS_ANSWERS, "medication": "", "income": "rich"}),
        headers,
    )
    assert wrong.status_code == 422
    errors = wrong.json()["errors"]
    assert "medication: 未作答。" in errors and any(e.startswith("income: ") for e in errors)
    street = post(
        client,
        f"/api/v1/surveys/{survey.pk}/responses",
        response_body(world, street="320613001"),
        headers,
    )
    assert street.status_code == 422
    assert street.json()["errors"] == ["本项目所在区没有代码为 320613001 的街道。"]
    no_case = post(
        client,
        f"/api/v1/surveys/{survey.pk}/responses",
        response_body(world, case_id=10**12),
        headers,
    )
    assert no_case.status_code == 422 and no_case.json()["errors"] == [f"个案 {10**12} 不存在。"]
    dates = post(
        client,
        "/api/v1/projects/lw/surveys",
        survey_body(opens_on="2026-06-01", closes_on="2026-01-01", questionnaire="nope"),
        headers,
    )
    assert dates.status_code == 422 and len(dates.json()["errors"]) == 2
    state = post(client, f"/api/v1/surveys/{survey.pk}/status", {"status": "draft"}, headers)
    assert state.status_code == 422
    assert Response.objects.count() == 0 and Survey.objects.count() == 1


def test_an_anonymous_survey_takes_no_client(world, client):
    survey = f.survey(world, "satisfaction")
    case = register(world)
    headers = f.auth(world.worker)
    refused = post(
        client,
        f"/api/v1/surveys/{survey.pk}/responses",
        {"respondent_type": "client", "case_id": case.pk, "answers": f.SATISFACTION_ANSWERS},
        headers,
    )
    assert refused.status_code == 422 and Response.objects.count() == 0
    made = post(
        client,
        f"/api/v1/surveys/{survey.pk}/responses",
        {"respondent_type": "client", "answers": f.SATISFACTION_ANSWERS},
        headers,
    )
    assert made.status_code == 201 and made.json()["case_id"] is None
    assert Response.objects.get().case is None


@pytest.mark.parametrize(
    "answers",
    [
        {**f.NEEDS_ANSWERS, "comments": "a\x00b"},
        {**f.NEEDS_ANSWERS, "living_with": 10**30},
        {**f.NEEDS_ANSWERS, "living_with": 1e300},
        {**f.NEEDS_ANSWERS, "rehab_needs": ["x" * 65]},
        {**f.NEEDS_ANSWERS, "rehab_needs": {"a": 1}},
        {**f.NEEDS_ANSWERS, "x" * 41: "1"},
        {**f.NEEDS_ANSWERS, "living_with": 99},
        {**f.NEEDS_ANSWERS, "living_with": True},
        {**f.NEEDS_ANSWERS, "nonsense": "1"},
        "not a mapping",
    ],
)
def test_bad_answers_are_422_never_500(world, client, answers):
    survey = f.survey(world)
    response = post(
        client,
        f"/api/v1/surveys/{survey.pk}/responses",
        response_body(world, answers=answers),
        f.auth(world.worker),
    )
    assert response.status_code == 422, response.content
    assert response.json()["errors"]
    assert Response.objects.count() == 0


def test_other_bad_input_is_422_or_404(world, client):
    survey = f.survey(world)
    headers = f.auth(world.worker)
    for body in (
        {"respondent_type": "client", "count": 51},
        {"respondent_type": "client", "count": 0},
        {"respondent_type": "client", "days": 10**20},
        {"respondent_type": "client\x00"},
        {"respondent_type": "client", "street": "abc"},
    ):
        response = post(client, f"/api/v1/surveys/{survey.pk}/links", body, headers)
        assert response.status_code == 422, body
    assert (
        post(client, "/api/v1/projects/lw/surveys", survey_body(title="a\x00"), headers).status_code
        == 422
    )
    assert (
        post(client, "/api/v1/projects/lw/surveys", survey_body(target=10**9), headers).status_code
        == 422
    )
    assert client.get(f"/api/v1/surveys/{10**25}", **headers).status_code in (404, 422)
    assert client.get("/api/v1/surveys/99999", **headers).status_code == 404
    assert client.get("/api/v1/projects/nope/surveys", **headers).status_code == 404
    broken = client.post(
        f"/api/v1/surveys/{survey.pk}/responses",
        '{"answers": {"x": 1' + "0" * 5000 + "}}",
        content_type="application/json",
        **headers,
    )
    assert broken.status_code in (400, 422)
    assert SurveyLink.objects.count() == 0 and Response.objects.count() == 0


def test_the_supervisor_reads_but_may_not_write(world, client):
    survey = f.survey(world)
    headers = f.auth(world.supervisor)
    assert client.get("/api/v1/projects/lw/surveys", **headers).status_code == 200
    assert client.get(f"/api/v1/surveys/{survey.pk}", **headers).status_code == 200
    writes = [
        ("/api/v1/projects/lw/surveys", survey_body()),
        (f"/api/v1/surveys/{survey.pk}/status", {"status": "closed"}),
        (f"/api/v1/surveys/{survey.pk}/links", {"respondent_type": "client"}),
        (f"/api/v1/surveys/{survey.pk}/responses", response_body(world)),
    ]
    for path, body in writes:
        assert post(client, path, body, headers).status_code == 403, path
    assert Survey.objects.count() == 1 and SurveyLink.objects.count() == 0
    assert Response.objects.count() == 0


@pytest.mark.parametrize("persona", HIDDEN)
def test_everyone_else_gets_404(world, client, persona):
    survey = f.survey(world)
    headers = f.auth(getattr(world, persona))
    assert client.get("/api/v1/projects/lw/surveys", **headers).status_code == 404
    assert client.get(f"/api/v1/surveys/{survey.pk}", **headers).status_code == 404
    writes = [
        ("/api/v1/projects/lw/surveys", survey_body()),
        (f"/api/v1/surveys/{survey.pk}/status", {"status": "closed"}),
        (f"/api/v1/surveys/{survey.pk}/links", {"respondent_type": "client"}),
        (f"/api/v1/surveys/{survey.pk}/responses", response_body(world)),
    ]
    for path, body in writes:
        assert post(client, path, body, headers).status_code == 404, path
    assert SurveyLink.objects.count() == 0 and Response.objects.count() == 0


def test_no_token_no_answer(world, client):
    survey = f.survey(world)
    assert client.get(f"/api/v1/surveys/{survey.pk}").status_code == 401


def test_the_list_costs_the_same_queries_for_1_and_10_surveys(world, client):
    f.respond(world, f.survey(world))
    headers = f.auth(world.worker)
    client.get("/api/v1/projects/lw/surveys", **headers)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/api/v1/projects/lw/surveys", **headers).json()["count"] == 1
    for n in range(9):
        f.survey(world, "satisfaction" if n % 2 else "needs")
    with CaptureQueriesContext(connection) as many:
        body = client.get("/api/v1/projects/lw/surveys", **headers).json()
    assert body["count"] == 10 and body["items"][-1]["responses"] == 1
    assert len(many) == len(few)
