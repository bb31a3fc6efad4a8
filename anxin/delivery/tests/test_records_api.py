"""Service records in the JSON API: scoped and audited like the pages, refusing with reasons."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from anxin.accounts.actions import api_token_create
from anxin.audit.models import AuditEvent
from anxin.delivery.actions import ParticipantInput
from anxin.delivery.models import Participant, ServiceRecord
from anxin.delivery.tests.test_records import in_service, make

TODAY = timezone.localdate()
REFUSED = ["other_worker", "purchaser", "outsider", "admin"]
C = Participant.Kind.CLIENT


def _auth(user):
    _token, key = api_token_create(user=user, name="t", acting_user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def _payload(world, cases, **extra):
    body = {
        "service_item": "medication_training",
        "form": "group",
        "on": TODAY.isoformat(),
        "starts_at": "09:00",
        "ends_at": "10:30",
        "content": "小组服药训练",
        "workers": [{"user_id": world.worker.pk, "direct_hours": "1.5", "indirect_hours": "1"}],
        "participants": [{"kind": "client", "case_id": c.pk} for c in cases],
    }
    body.update(extra)
    return body


def test_worker_records_lists_reads_and_voids_through_the_api(world, client):
    cases = in_service(world, 6)
    auth = _auth(world.worker)
    url = f"/api/v1/projects/{world.liwan.code}/services"
    created = client.post(url, _payload(world, cases), content_type="application/json", **auth)
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["counted"] is True and body["attending_clients"] == 6
    assert body["content"] == "小组服药训练"
    listed = client.get(url + "?form=group", **auth).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == body["id"]
    read = client.get(f"/api/v1/services/{body['id']}", **auth)
    assert read.status_code == 200
    assert AuditEvent.objects.filter(action="service.read", actor=world.worker).exists()
    refused = client.post(
        f"/api/v1/services/{body['id']}/void",
        {"reason": " "},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
        **auth,
    )
    assert refused.status_code == 422
    assert refused.json()["errors"] == ["Give the reason for voiding the record."]
    voided = client.post(
        f"/api/v1/services/{body['id']}/void",
        {"reason": "重复"},
        content_type="application/json",
        **auth,
    )
    assert voided.status_code == 200 and voided.json()["voided"] is True
    assert client.get(url, **auth).json()["count"] == 0
    assert client.get(url + "?include_voided=true", **auth).json()["count"] == 1
    assert ServiceRecord.objects.filter(pk=body["id"]).exists()


def test_api_refusals_come_together_and_change_nothing(world, client):
    (case,) = in_service(world, 1, klass_scores=(1, 8))  # class B
    auth = _auth(world.worker)
    url = f"/api/v1/projects/{world.liwan.code}/services"
    response = client.post(
        url,
        _payload(
            world,
            [case],
            service_item="peer_support",
            form="one_to_one",
            workers=[{"user_id": world.supervisor.pk, "direct_hours": "9"}],
        ),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
        **auth,
    )
    assert response.status_code == 422
    errors = " | ".join(response.json()["errors"])
    assert "Peer support is for Class A" in errors
    assert "not a worker of this project" in errors
    assert "more than the session" in errors
    unknown = client.post(
        url,
        _payload(world, [case], participants=[{"kind": "client", "case_id": 999999}]),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
        **auth,
    )
    assert unknown.status_code == 422 and unknown.json()["errors"] == ["No case 999999."]
    assert not ServiceRecord.objects.exists()


def test_supervisor_reads_but_gets_403_on_writes(world, client):
    (case,) = in_service(world, 1)
    record = make(world, [ParticipantInput(C, case=case)])
    auth = _auth(world.supervisor)
    url = f"/api/v1/projects/{world.liwan.code}/services"
    assert client.get(url, **auth).json()["count"] == 1
    assert client.get(f"/api/v1/services/{record.pk}", **auth).status_code == 200
    assert (
        client.post(
            url, _payload(world, [case]), content_type="application/json", **auth
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"/api/v1/services/{record.pk}/void",
            {"reason": "x"},
            content_type="application/json",
            **auth,
        ).status_code
        == 403
    )
    assert ServiceRecord.objects.count() == 1 and not ServiceRecord.objects.get().voided


@pytest.mark.parametrize("persona", REFUSED)
def test_api_hides_records_from_refused_personas(world, client, persona):
    (case,) = in_service(world, 1)
    record = make(world, [ParticipantInput(C, case=case)])
    user = getattr(world, persona)
    auth = _auth(user)
    url = f"/api/v1/projects/{world.liwan.code}/services"
    assert client.get(url, **auth).status_code == 404
    assert client.get(f"/api/v1/services/{record.pk}", **auth).status_code == 404
    assert (
        client.post(
            url, _payload(world, [case]), content_type="application/json", **auth
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/api/v1/services/{record.pk}/void",
            {"reason": "x"},
            content_type="application/json",
            **auth,
        ).status_code
        == 404
    )
    assert ServiceRecord.objects.count() == 1 and not ServiceRecord.objects.get().voided
    assert AuditEvent.objects.filter(kind="denied", actor=user).count() >= 4


def test_api_list_query_count_is_flat(world, client):
    cases = in_service(world, 2)
    auth = _auth(world.worker)
    url = f"/api/v1/projects/{world.liwan.code}/services"
    make(world, [ParticipantInput(C, case=cases[0])])
    with CaptureQueriesContext(connection) as few:
        client.get(url, **auth)
    for _i in range(5):
        make(world, [ParticipantInput(C, case=c) for c in cases], form="group")
    with CaptureQueriesContext(connection) as many:
        body = client.get(url, **auth).json()
    assert body["count"] == 6
    assert len(many) == len(few)


def test_api_garbage_gets_422_or_404_never_500(world, client):
    (case,) = in_service(world, 1)
    auth = _auth(world.worker)
    url = f"/api/v1/projects/{world.liwan.code}/services"
    assert client.get(url + "?item=%00&form=x%00", **auth).status_code == 422
    assert client.get(url + "?worker=-5", **auth).status_code == 422
    assert client.get("/api/v1/services/0", **auth).status_code == 422
    assert client.get("/api/v1/services/99999999999999999999", **auth).status_code == 422
    assert client.get("/api/v1/projects/nope/services", **auth).status_code == 404
    bad = _payload(world, [case], place="\x00", participants=[{"kind": "other", "name": "\x00"}])
    response = client.post(url, bad, content_type="application/json", **auth)
    assert response.status_code == 422
    response = client.post(url, "{not json", content_type="application/json", **auth)
    assert response.status_code == 400
    assert not ServiceRecord.objects.exists()
