"""Crisis escalations in the JSON API: scoped and audited like the pages; 201 / 403 / 404 / 422 with
reasons; the list in a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from anxin.audit.models import AuditEvent
from anxin.hotline import actions_crisis
from anxin.hotline.models import Escalation
from anxin.hotline.tests.test_crisis import HIDDEN, TEAM, crisis
from anxin.operations.tests.factories import auth


def post(client, path: str, body, headers):
    return client.post(path, body, content_type="application/json", **headers)


@pytest.mark.parametrize("persona", TEAM)
def test_the_team_lists_and_reads_escalations(client, world, persona):
    escalation = crisis(world)
    headers = auth(getattr(world, persona))
    listing = client.get("/api/v1/projects/lw/hotline/escalations?status=open", **headers)
    assert listing.status_code == 200
    body = listing.json()
    assert body["count"] == 1 and body["items"][0]["id"] == escalation.pk
    assert body["items"][0]["status"] == "open" and body["items"][0]["followed_up"] is False
    detail = client.get(f"/api/v1/hotline/escalations/{escalation.pk}", **headers)
    assert detail.status_code == 200
    data = detail.json()
    assert data["reason"] == escalation.reason and data["screening"]["plan"] is True
    assert len(data["follow_up_calls"]) == 1 and data["follow_up_calls"][0]["done_at"] is None
    assert AuditEvent.objects.filter(action="escalation.read", actor=getattr(world, persona))


@pytest.mark.parametrize("persona", HIDDEN)
def test_others_get_404_everywhere(client, world, persona):
    escalation = crisis(world)
    headers = auth(getattr(world, persona))
    paths = [
        "/api/v1/projects/lw/hotline/escalations",
        f"/api/v1/hotline/escalations/{escalation.pk}",
    ]
    for path in paths:
        assert client.get(path, **headers).status_code == 404
    base = f"/api/v1/hotline/escalations/{escalation.pk}"
    assert post(client, f"{base}/steps", {"kind": "other"}, headers).status_code == 404
    assert post(client, f"{base}/close", {"outcome": "x"}, headers).status_code == 404
    assert AuditEvent.objects.filter(kind="denied", actor=getattr(world, persona)).count() == 4
    assert not escalation.steps.exists()


def test_a_step_over_the_api(client, world):
    escalation = crisis(world)
    headers = auth(world.worker)
    created = post(
        client,
        f"/api/v1/hotline/escalations/{escalation.pk}/steps",
        {"kind": "hospital", "note": "转介市精神卫生中心"},
        headers,
    )
    assert created.status_code == 201
    steps = created.json()["steps"]
    assert [s["kind"] for s in steps] == ["hospital"] and steps[0]["by"]["id"] == world.worker.pk
    refused = post(
        client,
        f"/api/v1/hotline/escalations/{escalation.pk}/steps",
        {"kind": "hospital", "at": (timezone.now() + dt.timedelta(hours=2)).isoformat()},
        headers,
    )
    assert refused.status_code == 422 and refused.json()["errors"]
    unknown = post(
        client, f"/api/v1/hotline/escalations/{escalation.pk}/steps", {"kind": "magic"}, headers
    )
    assert unknown.status_code == 422
    assert escalation.steps.count() == 1


def test_closing_over_the_api(client, world):
    escalation = crisis(world)
    path = f"/api/v1/hotline/escalations/{escalation.pk}/close"
    assert post(client, path, {"outcome": "好"}, auth(world.counsellor)).status_code == 403
    supervisor = auth(world.supervisor)
    empty = post(client, path, {"outcome": "  "}, supervisor)
    assert empty.status_code == 422 and empty.json()["errors"]
    missing = post(client, path, {}, supervisor)
    assert missing.status_code == 422
    escalation.refresh_from_db()
    assert escalation.status == Escalation.Status.OPEN
    closed = post(client, path, {"outcome": "已联系家属并送医"}, supervisor)
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed" and closed.json()["outcome"] == "已联系家属并送医"
    again = post(client, path, {"outcome": "再次"}, supervisor)
    assert again.status_code == 422


def test_the_list_is_a_fixed_number_of_queries(client, world):
    headers = auth(world.supervisor)
    crisis(world)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert (
                client.get("/api/v1/projects/lw/hotline/escalations", **headers).status_code == 200
            )
        return len(ctx)

    few = count()
    for _ in range(3):
        escalation = crisis(world)
        actions_crisis.escalation_close(
            escalation=escalation, outcome="平安", acting_user=world.supervisor
        )
    assert count() == few
