"""Reports in the JSON API: prepare (201, then 200), change the narrative, generate (201 with the
version), download the frozen file; scoped and audited like the pages (403 / 404); refused input
is a 422 with its reasons and writes nothing; the list costs a flat number of queries."""

from __future__ import annotations

import hashlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from anxin.audit.models import AuditEvent
from anxin.reports.models import Report, ReportVersion
from anxin.reports.tests.prepared import (
    AGGREGATE_ONLY,
    HIDDEN,
    NARRATIVE,
    TEAM,
    WRITERS,
    auth,
    change_target,
    docx_text,
    fake_versions,
    generate,
    quarterly,
)
from anxin.surveys.tests.factories import survey

BASE = "/api/v1"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
JSON = "application/json"


def body(**extra):
    return {"kind": "quarterly", "period": "2026Q3", **NARRATIVE, **extra}


def test_prepare_update_generate_and_download(world, client):
    headers = auth(world.worker)
    created = client.post(f"{BASE}/projects/lw/reports", body(), content_type=JSON, **headers)
    assert created.status_code == 201, created.content
    report = created.json()
    assert (report["kind"], report["period"], report["versions"]) == ("quarterly", "2026Q3", [])
    assert report["highlights"] == NARRATIVE["highlights"]
    again = client.post(
        f"{BASE}/projects/lw/reports",
        body(period="2026q3", problems="新问题"),
        content_type=JSON,
        **headers,
    )
    assert again.status_code == 200 and again.json()["id"] == report["id"]
    assert again.json()["problems"] == "新问题"
    put = client.put(
        f"{BASE}/reports/{report['id']}",
        {"highlights": "接口写的亮点", "problems": "", "next_steps": "继续"},
        content_type=JSON,
        **headers,
    )
    assert put.status_code == 200 and put.json()["highlights"] == "接口写的亮点"
    made = client.post(
        f"{BASE}/reports/{report['id']}/generate",
        {"as_of": "2026-09-30"},
        content_type=JSON,
        **headers,
    )
    assert made.status_code == 201, made.content
    version = made.json()
    assert version["number"] == 1 and version["generated_by"] == "王社工"
    assert version["figures"]["report"]["as_of"] == "2026-09-30"
    assert version["definitions"]["template"]["code"] == "liwan-rehab"
    today = client.post(f"{BASE}/reports/{report['id']}/generate", {}, content_type=JSON, **headers)
    assert today.status_code == 201 and today.json()["number"] == 2
    download = client.get(version["download"], **headers)
    data = b"".join(download.streaming_content)
    assert download.status_code == 200
    assert hashlib.sha256(data).hexdigest() == version["sha256"]
    assert "接口写的亮点" in docx_text(data)
    assert "-v1.docx" in download["Content-Disposition"]
    change_target(world, "1", "66")
    later = b"".join(client.get(version["download"], **headers).streaming_content)
    assert later == data
    listed = client.get(f"{BASE}/projects/lw/reports", **headers).json()
    assert [v["number"] for v in listed[0]["versions"]] == [2, 1]
    assert "highlights" not in listed[0]
    assert AuditEvent.objects.filter(action="report.download", actor=world.worker).count() == 2


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (body(period="2026Q7"), "2026Q7 is not a report period"),
        (body(period="2031"), "outside the project's period"),
        (body(kind="final", period="2026Q3"), "give a period such as 2026"),
        (body(kind="weekly"), "Choose the kind of report."),
        (body(highlights="a\x00b"), "Highlights: NUL characters are not allowed."),
        (body(problems="长" * 10001), "Problems: at most 10000 characters."),
        (body(kind="needs-survey", period="2026"), "Choose the survey this report is about."),
    ],
)
def test_refused_input_is_a_422_with_reasons_and_writes_nothing(world, client, payload, message):
    response = client.post(
        f"{BASE}/projects/lw/reports", payload, content_type=JSON, **auth(world.worker), **EN
    )
    assert response.status_code == 422
    assert any(message in e for e in response.json()["errors"]), response.json()
    assert not Report.objects.exists()


def test_a_wrong_survey_is_refused_without_telling_whose_it_is(world, client):
    satisfaction = survey(world, "satisfaction")
    other = survey(world, "needs", project=world.chongchuan, acting_user=world.other_worker)
    headers = {**auth(world.worker), **EN}
    for survey_id, message in [
        (other.pk, "The survey is not one of this project's."),
        (999999, "The survey is not one of this project's."),
        (satisfaction.pk, "Needs-survey report needs a survey of the kind Needs survey."),
    ]:
        response = client.post(
            f"{BASE}/projects/lw/reports",
            body(kind="needs-survey", period="2026", survey_id=survey_id),
            content_type=JSON,
            **headers,
        )
        assert response.status_code == 422 and response.json()["errors"] == [message]
    assert not Report.objects.exists()


def test_put_keeps_the_survey_unless_one_is_sent(world, client):
    needs = survey(world, "needs")
    report = quarterly(world, kind="needs-survey", period="2026", survey=needs)
    headers = auth(world.lead)
    kept = client.put(
        f"{BASE}/reports/{report.pk}", {"highlights": "h"}, content_type=JSON, **headers
    )
    assert kept.status_code == 200 and kept.json()["survey_id"] == needs.pk
    cleared = client.put(
        f"{BASE}/reports/{report.pk}",
        {"survey_id": None},
        content_type=JSON,
        **headers,
        **EN,
    )
    assert cleared.status_code == 422
    assert cleared.json()["errors"] == ["Choose the survey this report is about."]
    report.refresh_from_db()
    assert (report.survey, report.highlights) == (needs, "h")


@pytest.mark.parametrize("who", TEAM + AGGREGATE_ONLY + HIDDEN)
def test_every_persona_gets_what_the_rules_say(world, client, who):
    report = quarterly(world)
    version = generate(world, report)
    quarterly(world, period="2026Q2")
    headers = auth(getattr(world, who))
    read = 404 if who in HIDDEN else 200
    narrative = 404 if who in HIDDEN else 403 if who in AGGREGATE_ONLY else 200
    write = 404 if who in HIDDEN else 200 if who in WRITERS else 403
    listing = client.get(f"{BASE}/projects/lw/reports", **headers)
    assert listing.status_code == read
    if read == 200:
        assert len(listing.json()) == (1 if who in AGGREGATE_ONLY else 2)
    download = client.get(f"{BASE}/report-versions/{version.pk}/download", **headers)
    assert download.status_code == read
    assert client.get(f"{BASE}/reports/{report.pk}", **headers).status_code == narrative
    put = client.put(
        f"{BASE}/reports/{report.pk}", {"highlights": "改"}, content_type=JSON, **headers
    )
    assert put.status_code == write
    created = client.post(
        f"{BASE}/projects/lw/reports", body(period="2026Q1"), content_type=JSON, **headers
    )
    assert created.status_code == (201 if who in WRITERS else write)
    if who not in WRITERS:
        generated = client.post(
            f"{BASE}/reports/{report.pk}/generate", {}, content_type=JSON, **headers
        )
        assert generated.status_code == write
        assert "detail" in generated.json()
        assert ReportVersion.objects.count() == 1
        assert Report.objects.count() == 2
        assert AuditEvent.objects.filter(kind=AuditEvent.Kind.DENIED, actor__username=who).exists()


def test_unknown_and_out_of_range_ids_are_404_or_422(world, client):
    headers = auth(world.lead)
    assert client.get(f"{BASE}/reports/999999", **headers).status_code == 404
    assert client.get(f"{BASE}/report-versions/999999/download", **headers).status_code == 404
    assert client.get(f"{BASE}/reports/{2**64}", **headers).status_code == 422
    assert client.get(f"{BASE}/projects/nope/reports", **headers).status_code == 404


def test_the_list_costs_a_flat_number_of_queries(world, client):
    headers = auth(world.worker)
    fake_versions(quarterly(world, period="2026Q1"), 1, world.worker)
    with CaptureQueriesContext(connection) as one:
        assert client.get(f"{BASE}/projects/lw/reports", **headers).status_code == 200
    for period in ("2026Q2", "2026Q3"):
        fake_versions(quarterly(world, period=period), 2, world.lead)
    with CaptureQueriesContext(connection) as three:
        response = client.get(f"{BASE}/projects/lw/reports", **headers)
    assert len(response.json()) == 3
    assert len(three) == len(one)
