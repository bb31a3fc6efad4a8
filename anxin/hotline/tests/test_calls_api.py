"""Calls in the JSON API: start, draft, finish, read, list; scoped and audited like the pages,
refusing with reasons and writing nothing then."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from anxin.accounts.actions import api_token_create
from anxin.audit.models import AuditEvent
from anxin.hotline.models import Call
from anxin.hotline.tests.calls_testing import NOT_OPERATORS, NOT_READERS, finished, start

NUMBER = "13800138000"


def _auth(user) -> dict[str, str]:
    _token, key = api_token_create(user=user, name="t", acting_user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}", "HTTP_ACCEPT_LANGUAGE": "en"}


def test_a_call_from_start_to_finish_through_the_api(world, client):
    auth = _auth(world.counsellor)
    started = client.post(
        "/api/v1/projects/lw/calls",
        {"channel": "chat", "phone": "+86 138 0013 8000", "topics": ["sleep"]},
        "application/json",
        **auth,
    )
    assert started.status_code == 201, started.content
    body = started.json()
    assert body["status"] == "draft" and body["channel"] == "chat" and body["phone"] == NUMBER
    call_id = body["id"]
    url = f"/api/v1/calls/{call_id}"
    draft = client.post(
        url + "/draft",
        {"notes": "聊天中情绪平稳", "screening": {"suicidal_thoughts": False}},
        "application/json",
        **auth,
    )
    assert draft.status_code == 200 and set(draft.json()["changed"]) == {"notes", "screening"}
    more = client.post(
        url + "/draft", {"screening": {"violence": False}}, "application/json", **auth
    )
    assert more.json()["screened_positive"] is False
    stored = Call.objects.get(pk=call_id)
    assert stored.screening["suicidal_thoughts"] is False  # a partial screening adds to it
    assert stored.screening["violence"] is False and stored.topics == ["sleep"]
    refused = client.post(url + "/finish", {"minutes": 700}, "application/json", **auth)
    assert refused.status_code == 422
    assert any("600 minutes" in e for e in refused.json()["errors"])
    assert any("outcome" in e for e in refused.json()["errors"])
    assert Call.objects.get(pk=call_id).status == "draft"
    done = client.post(
        url + "/finish", {"minutes": 18, "outcome": "supported"}, "application/json", **auth
    )
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "done" and done.json()["minutes"] == 18
    read = client.get(url, **auth)
    assert read.json()["notes"] == "聊天中情绪平稳"
    assert AuditEvent.objects.filter(action="call.read", actor=world.counsellor).exists()
    again = client.post(url + "/draft", {"notes": "x"}, "application/json", **auth)
    assert again.status_code == 422 and "finished" in again.json()["errors"][0]


def test_the_list_filters_and_never_carries_a_number_a_name_or_notes(world, client):
    finished(world, phone=NUMBER, caller_name="张女士", notes="谈到家庭矛盾", topics=["sleep"])
    finished(world, world.worker, caller_type="public", topics=["employment"])
    start(world)
    auth = _auth(world.supervisor)
    listed = client.get("/api/v1/projects/lw/calls", **auth)
    assert listed.status_code == 200
    body = listed.json()
    assert body["count"] == 3
    text = listed.content.decode()
    assert NUMBER not in text and "张女士" not in text and "谈到家庭矛盾" not in text
    assert any(item["phone_masked"] == "138****8000" for item in body["items"])
    only = client.get("/api/v1/projects/lw/calls?topic=employment", **auth).json()
    assert [i["caller_type"] for i in only["items"]] == ["public"]
    drafts = client.get("/api/v1/projects/lw/calls?status=draft", **auth).json()
    assert drafts["count"] == 1
    mine = client.get(f"/api/v1/projects/lw/calls?operator={world.worker.pk}", **auth).json()
    assert mine["count"] == 1
    assert not AuditEvent.objects.filter(action="call.read").exists()


@pytest.mark.parametrize("persona", NOT_READERS)
def test_others_get_404_and_nothing_is_written(world, client, persona):
    call = start(world)
    auth = _auth(getattr(world, persona))
    assert client.get(f"/api/v1/calls/{call.pk}", **auth).status_code == 404
    assert client.get("/api/v1/projects/lw/calls", **auth).status_code == 404
    draft = client.post(
        f"/api/v1/calls/{call.pk}/draft", {"notes": "x"}, "application/json", **auth
    )
    assert draft.status_code == 404
    assert Call.objects.get(pk=call.pk).notes == ""
    assert AuditEvent.objects.filter(kind="denied", actor=getattr(world, persona)).count() == 3


@pytest.mark.parametrize("persona", NOT_OPERATORS)
def test_only_operators_start_calls(world, client, persona):
    response = client.post(
        "/api/v1/projects/lw/calls", {}, "application/json", **_auth(getattr(world, persona))
    )
    assert response.status_code == (403 if persona == "supervisor" else 404)
    assert not Call.objects.exists()


def test_a_colleagues_draft_is_refused_with_403(world, client):
    call = start(world)
    response = client.post(
        f"/api/v1/calls/{call.pk}/finish", {}, "application/json", **_auth(world.worker)
    )
    assert response.status_code == 403 and Call.objects.get(pk=call.pk).status == "draft"


def test_a_bad_street_or_topic_is_refused_with_the_reason(world, client):
    call = start(world)
    auth = _auth(world.counsellor)
    url = f"/api/v1/calls/{call.pk}/draft"
    street = client.post(url, {"street": "999999999"}, "application/json", **auth)
    assert street.status_code == 422 and street.json()["errors"] == ["No street 999999999."]
    elsewhere = client.post(url, {"street": "320613001"}, "application/json", **auth)
    assert elsewhere.status_code == 422 and "district" in elsewhere.json()["errors"][0]
    ok = client.post(url, {"street": "440103001"}, "application/json", **auth)
    assert ok.status_code == 200 and Call.objects.get(pk=call.pk).street_id == "440103001"


def _queries(client, auth) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/api/v1/projects/lw/calls", **auth).status_code == 200
    return len(ctx.captured_queries)


def test_the_list_queries_do_not_grow_with_calls(world, client):
    finished(world, phone=NUMBER)
    auth = _auth(world.counsellor)
    few = _queries(client, auth)
    for n in range(8):
        finished(world, world.worker if n % 2 else world.counsellor, phone=f"1390000000{n}")
    assert _queries(client, auth) == few
