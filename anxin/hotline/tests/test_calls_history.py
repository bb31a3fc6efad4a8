"""Repeat callers (R5.6): a caller's earlier calls are found through the blind index of the number
(typed any way) or the client the call is linked to, within the project only; shown beside the
form without the number, in a fixed number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from anxin.accounts.actions import api_token_create, membership_set
from anxin.accounts.models import Membership
from anxin.audit.models import AuditEvent
from anxin.core.testing import register
from anxin.hotline import actions
from anxin.hotline.phones import phone_index
from anxin.hotline.selectors import caller_history, history_for_call
from anxin.hotline.tests.calls_testing import finished, minutes_ago, start

NUMBER = "13800138000"


def _ids(history) -> list[int]:
    return [row.call.pk for row in history.rows]


def test_the_same_number_typed_differently_is_the_same_caller(world):
    first = finished(world, phone="138 0013 8000", at=minutes_ago(300), topics=["sleep"])
    second = finished(world, world.worker, phone="+86-138-0013-8000", at=minutes_ago(200))
    finished(world, phone="13900139000", at=minutes_ago(100))  # someone else
    now = start(world, phone="0086 13800138000")
    history = history_for_call(now)
    assert _ids(history) == [second.pk, first.pk]  # newest first, not the call itself
    assert history.searched and not history.more
    row = history.rows[1]
    assert row.topics == ["睡眠问题"] and row.call.outcome == "supported"
    assert row.phone_masked == ""  # the history never carries the number


def test_another_projects_calls_never_show(world):
    membership_set(
        project=world.chongchuan,
        user=world.counsellor,
        role=Membership.Role.COUNSELLOR,
        acting_user=world.admin,
    )
    finished(world, world.other_worker, world.chongchuan, phone=NUMBER)
    finished(world, world.counsellor, world.chongchuan, phone=NUMBER)
    mine = finished(world, phone=NUMBER)
    history = caller_history(world.liwan, index=phone_index(NUMBER))
    assert _ids(history) == [mine.pk]


def test_calls_linked_to_the_client_show_without_a_number(world):
    case = register(world)
    anonymous = finished(world, at=minutes_ago(60))
    actions.call_link(
        call=anonymous, case=case, reason="来电者自报姓名和住址", acting_user=world.counsellor
    )
    now = start(world)
    assert history_for_call(now).searched is False
    actions.call_link(call=now, case=case, reason="自报姓名", acting_user=world.counsellor)
    assert _ids(history_for_call(now)) == [anonymous.pk]


def test_only_the_latest_calls_are_listed(world):
    for n in range(22):
        finished(world, phone=NUMBER, at=minutes_ago(100 + n))
    history = caller_history(world.liwan, index=phone_index(NUMBER))
    assert len(history.rows) == 20 and history.more


def _lookup(http, phone: str, exclude: int | None = None):
    data = {"phone": phone}
    if exclude:
        data["exclude"] = str(exclude)
    return http.post(reverse("hotline:history", args=["lw"]), data, HTTP_ACCEPT_LANGUAGE="en")


def test_the_history_panel_is_looked_up_by_a_posted_number(world, login):
    earlier = finished(world, phone=NUMBER, topics=["employment"])
    call = start(world)
    http = login(world.counsellor)
    response = _lookup(http, "+86 138 0013 8000", exclude=call.pk)
    assert response.status_code == 200
    body = response.content.decode()
    assert reverse("hotline:detail", args=[earlier.pk]) in body and "Employment" in body
    assert NUMBER not in body and "8000" not in body
    assert not AuditEvent.objects.filter(kind="read", action="call.read").exists()  # a list
    # Never by a number in a URL.
    assert http.get(reverse("hotline:history", args=["lw"]) + f"?phone={NUMBER}").status_code == 405
    empty = _lookup(http, "", exclude=call.pk).content.decode()
    assert "Type the caller's number" in empty


@pytest.mark.parametrize("persona", ["other_worker", "purchaser", "outsider", "admin"])
def test_the_history_panel_is_refused_to_others(world, login, persona):
    finished(world, phone=NUMBER)
    response = _lookup(login(getattr(world, persona)), NUMBER)
    assert response.status_code == 404
    assert AuditEvent.objects.filter(kind="denied", action="project.access").exists()


def _queries(http, call_id: int) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert _lookup(http, NUMBER, exclude=call_id).status_code == 200
    return len(ctx.captured_queries)


def test_the_history_panel_queries_do_not_grow_with_calls(world, login):
    call = start(world)
    finished(world, phone=NUMBER)
    http = login(world.counsellor)
    few = _queries(http, call.pk)
    for n in range(8):
        finished(world, world.worker if n % 2 else world.counsellor, phone=NUMBER)
    assert _queries(http, call.pk) == few


def test_the_api_looks_up_a_number_in_the_body(world, client):
    earlier = finished(world, phone=NUMBER, topics=["sleep"])
    finished(world, world.other_worker, world.chongchuan, phone=NUMBER)
    _token, key = api_token_create(user=world.worker, name="t", acting_user=world.worker)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    response = client.post(
        "/api/v1/projects/lw/caller-history",
        {"phone": "+86 13800138000"},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert [item["id"] for item in body["items"]] == [earlier.pk]
    assert body["items"][0]["topics"] == ["sleep"] and NUMBER not in response.content.decode()
    _token, key = api_token_create(user=world.purchaser, name="t", acting_user=world.purchaser)
    refused = client.post(
        "/api/v1/projects/lw/caller-history",
        {"phone": NUMBER},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert refused.status_code == 404
