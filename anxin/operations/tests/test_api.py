"""Staff development and publicity in the JSON API: scoped and audited like the pages, 201 / 403 /
404 / 422 with reasons, lists with a flat number of queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from anxin.audit.models import AuditEvent
from anxin.operations.models import (
    Article,
    Meeting,
    ProjectDocument,
    StaffTraining,
    Supervision,
)
from anxin.operations.tests.factories import (
    PDF,
    TODAY,
    article,
    auth,
    document,
    meeting,
    pdf,
    supervision,
    training,
)

BASE = "/api/v1/projects/lw"
HIDDEN = ["purchaser", "admin", "other_worker", "outsider"]
STAFF_LISTS = ["staff-trainings", "supervisions", "meetings", "documents"]


def post(client, path: str, body, headers, **extra):
    return client.post(path, body, content_type="application/json", **headers, **extra)


def _training(world, **extra):
    body = {
        "on": TODAY.isoformat(),
        "title": "危机干预培训",
        "provider": "区精神卫生中心",
        "notes": "课件已存档",
        "attendees": [
            {"user_id": world.worker.pk, "hours": "6"},
            {"user_id": world.lead.pk, "hours": "4.5"},
        ],
    }
    body.update(extra)
    return body


def _supervision(world, **extra):
    body = {
        "on": TODAY.isoformat(),
        "supervisor_name": "赵督导",
        "mode": "group",
        "hours": "3",
        "records": [
            {"worker_id": world.worker.pk, "content": "讨论个案甲"},
            {"worker_id": world.counsellor.pk, "content": "反思边界"},
        ],
    }
    body.update(extra)
    return body


def _meeting(world, **extra):
    body = {
        "on": TODAY.isoformat(),
        "title": "行政例会",
        "minutes": "通报进度",
        "attendee_ids": [world.lead.pk, world.worker.pk],
    }
    body.update(extra)
    return body


def _article(**extra):
    body = {
        "title": "社工陪伴康复者",
        "outlet": "南方日报",
        "level": "provincial",
        "published_on": (TODAY - dt.timedelta(days=3)).isoformat(),
        "url": "https://news.example.cn/a.html",
    }
    body.update(extra)
    return body


def test_trainings_through_the_api(world, client):
    headers = auth(world.worker)
    created = post(client, f"{BASE}/staff-trainings", _training(world), headers)
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["attendee_count"] == 2 and Decimal(body["total_hours"]) == Decimal("10.5")
    assert body["notes"] == "课件已存档"
    assert {a["user_id"]: Decimal(a["hours"]) for a in body["attendees"]} == {
        world.worker.pk: Decimal("6"),
        world.lead.pk: Decimal("4.5"),
    }
    listed = client.get(f"{BASE}/staff-trainings?year={TODAY.year}", **headers).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == body["id"]
    assert "notes" not in listed["items"][0]
    assert client.get(f"{BASE}/staff-trainings?year={TODAY.year - 1}", **headers).json() == {
        "count": 0,
        "page": 1,
        "pages": 1,
        "items": [],
    }
    read = client.get(f"/api/v1/staff-trainings/{body['id']}", **headers)
    assert read.status_code == 200 and read.json()["notes"] == "课件已存档"
    assert AuditEvent.objects.filter(action="training.read", actor=world.worker).count() == 2
    assert AuditEvent.objects.filter(action="training.record", actor=world.worker).count() == 1


def test_training_refusals_through_the_api(world, client):
    headers = auth(world.worker)
    bad = _training(
        world,
        on=(TODAY + dt.timedelta(days=1)).isoformat(),
        attendees=[
            {"user_id": world.worker.pk, "hours": "0"},
            {"user_id": world.purchaser.pk, "hours": "2"},
        ],
    )
    response = post(client, f"{BASE}/staff-trainings", bad, headers, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert response.json()["errors"] == [
        "The date cannot be in the future.",
        "采购方 is not an active member of this project's team.",
        "王社工: the hours must be more than 0 and at most 24.",
    ]
    unknown = _training(world, attendees=[{"user_id": world.outsider.pk, "hours": "2"}])
    response = post(client, f"{BASE}/staff-trainings", unknown, headers, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert response.json()["errors"] == [f"No user {world.outsider.pk}."]
    too_many = _training(world, attendees=[{"user_id": world.worker.pk, "hours": "25"}])
    assert post(client, f"{BASE}/staff-trainings", too_many, headers).status_code == 422
    assert not StaffTraining.objects.exists()


def test_supervisions_through_the_api(world, client):
    headers = auth(world.supervisor)
    created = post(client, f"{BASE}/supervisions", _supervision(world), headers)
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["record_count"] == 2
    assert {r["user_id"]: r["content"] for r in body["records"]} == {
        world.worker.pk: "讨论个案甲",
        world.counsellor.pk: "反思边界",
    }
    listed = client.get(f"{BASE}/supervisions", **headers).json()
    assert listed["items"][0]["record_count"] == 2 and "records" not in listed["items"][0]
    refused = post(
        client,
        f"{BASE}/supervisions",
        _supervision(world, mode="individual"),
        headers,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        "An individual supervision has a record of one worker only."
    ]
    assert Supervision.objects.count() == 1


def test_meetings_through_the_api(world, client):
    headers = auth(world.lead)
    created = post(client, f"{BASE}/meetings", _meeting(world), headers)
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["kind"] == "admin" and body["attendee_count"] == 2 and body["minutes"] == "通报进度"
    assert client.get(f"/api/v1/meetings/{body['id']}", **headers).json()["minutes"] == "通报进度"
    refused = post(
        client,
        f"{BASE}/meetings",
        _meeting(world, kind="party", attendee_ids=[]),
        headers,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        "Unknown kind of meeting: party.",
        "A meeting needs at least one attendee.",
    ]
    assert Meeting.objects.count() == 1


def test_articles_and_acceptance_through_the_api(world, client):
    created = post(client, f"{BASE}/articles", _article(), auth(world.worker))
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["provincial_or_higher"] is True and body["accepted_by_purchaser"] is False
    accept = f"/api/v1/articles/{body['id']}/accept"
    assert post(client, accept, {}, auth(world.worker)).status_code == 403
    assert post(client, accept, {}, auth(world.purchaser)).status_code == 403
    assert post(client, accept, {}, auth(world.outsider)).status_code == 404
    lead = auth(world.lead)
    accepted = post(client, accept, {}, lead)
    assert accepted.status_code == 200
    assert accepted.json()["accepted_on"] == TODAY.isoformat()
    again = post(client, accept, {}, lead, HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 422
    assert again.json()["errors"] == ["The article is already marked as accepted."]
    listed = client.get(f"{BASE}/articles", **auth(world.purchaser)).json()
    assert listed["count"] == 1 and listed["items"][0]["accepted_by_purchaser"] is True
    bad = post(
        client,
        f"{BASE}/articles",
        _article(level="global", url="javascript:alert(1)"),
        lead,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert bad.status_code == 422
    assert bad.json()["errors"] == [
        "Unknown level of outlet: global.",
        "The link is not a web address (http:// or https://).",
    ]
    assert Article.objects.count() == 1


def test_documents_through_the_api(world, client):
    headers = auth(world.lead)
    created = client.post(
        f"{BASE}/documents",
        {"kind": "needs_survey_report", "title": "需求调研报告", "on": TODAY, "file": pdf()},
        **headers,
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["uploaded_by"] == "李组长"
    download = client.get(body["download"], **auth(world.counsellor))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert AuditEvent.objects.filter(
        kind="export", action="document.download", actor=world.counsellor
    ).exists()
    wrong = client.post(
        f"{BASE}/documents",
        {"kind": "other", "title": "x", "on": TODAY, "file": pdf("a.pdf", b"MZ")},
        HTTP_ACCEPT_LANGUAGE="en",
        **headers,
    )
    assert wrong.status_code == 422
    assert wrong.json()["errors"] == [
        "This type of file is not accepted here; accepted: PDF, PNG / JPEG, Word (.docx)."
    ]
    assert ProjectDocument.objects.count() == 1


def test_the_supervisor_reads_but_records_supervisions_only(world, client):
    headers = auth(world.supervisor)
    for name in [*STAFF_LISTS, "articles"]:
        assert client.get(f"{BASE}/{name}", **headers).status_code == 200, name
    assert post(client, f"{BASE}/staff-trainings", _training(world), headers).status_code == 403
    assert post(client, f"{BASE}/meetings", _meeting(world), headers).status_code == 403
    assert post(client, f"{BASE}/articles", _article(), headers).status_code == 403
    upload = client.post(
        f"{BASE}/documents",
        {"kind": "other", "title": "x", "on": TODAY, "file": pdf()},
        **headers,
    )
    assert upload.status_code == 403
    assert not StaffTraining.objects.exists() and not Meeting.objects.exists()
    assert not Article.objects.exists() and not ProjectDocument.objects.exists()


@pytest.mark.parametrize("persona", HIDDEN)
def test_everyone_else_gets_404_and_nothing_is_written(world, client, persona):
    user = getattr(world, persona)
    rows = [training(world), supervision(world), meeting(world), document(world)]
    headers = auth(user)
    for name in STAFF_LISTS:
        assert client.get(f"{BASE}/{name}", **headers).status_code == 404, name
    assert post(client, f"{BASE}/staff-trainings", _training(world), headers).status_code == 404
    assert post(client, f"{BASE}/supervisions", _supervision(world), headers).status_code == 404
    assert post(client, f"{BASE}/meetings", _meeting(world), headers).status_code == 404
    upload = client.post(
        f"{BASE}/documents",
        {"kind": "other", "title": "x", "on": TODAY, "file": pdf()},
        **headers,
    )
    assert upload.status_code == 404
    for path in ["staff-trainings", "supervisions", "meetings"]:
        pk = rows[["staff-trainings", "supervisions", "meetings"].index(path)].pk
        assert client.get(f"/api/v1/{path}/{pk}", **headers).status_code == 404
    assert client.get(f"/api/v1/documents/{rows[3].pk}/download", **headers).status_code == 404
    assert AuditEvent.objects.filter(kind="denied", actor=user).count() == 12
    assert StaffTraining.objects.count() == Supervision.objects.count() == 1
    assert Meeting.objects.count() == ProjectDocument.objects.count() == 1


@pytest.mark.parametrize(
    ("persona", "status"),
    [("purchaser", 200), ("admin", 200), ("other_worker", 404), ("outsider", 404)],
)
def test_articles_are_read_by_who_sees_the_project(world, client, persona, status):
    article(world)
    headers = auth(getattr(world, persona))
    assert client.get(f"{BASE}/articles", **headers).status_code == status
    created = post(client, f"{BASE}/articles", _article(), headers)
    assert created.status_code == (403 if status == 200 else 404)
    assert Article.objects.count() == 1


def test_api_lists_cost_the_same_queries_with_1_and_10_rows(world, client):
    headers = auth(world.lead)
    training(world)
    supervision(world)
    meeting(world)
    article(world)
    document(world)
    names = [*STAFF_LISTS, "articles"]

    def costs() -> dict[str, int]:
        out = {}
        for name in names:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(f"{BASE}/{name}", **headers).json()["count"] >= 1
            out[name] = len(queries)
        return out

    few = costs()
    for i in range(9):
        on = TODAY - dt.timedelta(days=i + 1)
        training(world, on=on)
        supervision(world, on=on)
        meeting(world, on=on)
        article(world, published_on=on)
        document(world, on=on)
    many = costs()
    assert many == few
    assert client.get(f"{BASE}/meetings", **headers).json()["count"] == 10


def test_api_garbage_gets_422_or_404_never_500(world, client):
    headers = auth(world.worker)
    assert client.get(f"{BASE}/staff-trainings?year=1", **headers).status_code == 422
    assert client.get(f"{BASE}/meetings?page=0", **headers).status_code == 422
    assert client.get("/api/v1/staff-trainings/0", **headers).status_code == 422
    assert client.get("/api/v1/meetings/99999999999999999999", **headers).status_code == 422
    assert client.get("/api/v1/supervisions/424242", **headers).status_code == 404
    assert client.get("/api/v1/projects/nope/articles", **headers).status_code == 404
    nul = _training(world, title="\x00")
    assert post(client, f"{BASE}/staff-trainings", nul, headers).status_code == 422
    long = _article(title="长" * 201)
    assert post(client, f"{BASE}/articles", long, headers).status_code == 422
    assert post(client, f"{BASE}/meetings", "{not json", headers).status_code == 400
    missing = client.post(f"{BASE}/documents", {"kind": "other"}, **headers)
    assert missing.status_code == 422
    assert not StaffTraining.objects.exists() and not Article.objects.exists()
