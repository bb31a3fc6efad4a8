"""Call-backs (R5.6): scheduled from a call with a due time, on the operator's list (and the home
page), missed ones flagged; making one creates the outgoing call, linked to it; a crisis
follow-up made is a step of its escalation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from anxin.accounts.actions import api_token_create
from anxin.audit.models import AuditEvent
from anxin.core.testing import register
from anxin.hotline import actions
from anxin.hotline.models import Call, CallBack, Escalation, EscalationStep
from anxin.hotline.selectors import call_back_board, home_summary
from anxin.hotline.tests.calls_testing import NOT_OPERATORS, PLAN, finished, start

NUMBER = "13800138000"


def _in(hours: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(hours=hours)


def _schedule(call: Call, hours: float = 2, user=None, **extra) -> CallBack:
    return actions.call_back_schedule(
        call=call,
        due_at=_in(hours),
        reason=extra.pop("reason", "回访睡眠情况"),
        acting_user=user or call.operator,
        **extra,
    )


def _overdue(call_back: CallBack, hours: float = 3) -> CallBack:
    CallBack.objects.filter(pk=call_back.pk).update(due_at=_in(-hours))
    call_back.refresh_from_db()
    return call_back


def test_a_call_back_is_scheduled_from_a_call_and_audited(world):
    call = finished(world, phone=NUMBER)
    call_back = _schedule(call, assignee=world.worker, user=world.counsellor)
    assert call_back.project == world.liwan and call_back.call == call
    assert call_back.assignee == world.worker and call_back.done_at is None
    assert call_back.reason == "回访睡眠情况"
    event = AuditEvent.objects.get(action="callback.schedule")
    assert event.detail["call"] == call.pk and event.detail["assignee"] == world.worker.pk


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ({"due_at": "past"}, "due in the future"),
        ({"due_at": None}, "Give the time"),
        ({"assignee": "supervisor"}, "is not a hotline operator"),
        ({"assignee": "other_worker"}, "is not a hotline operator"),
        ({"reason": "长" * 201}, "too long"),
        ({"user": "supervisor"}, "hotline operators schedule"),
    ],
)
def test_a_call_back_is_refused_with_the_reason_and_nothing_written(world, extra, words):
    call = finished(world)
    values = {
        "call": call,
        "due_at": _in(1),
        "reason": "",
        "acting_user": world.counsellor,
    }
    if "due_at" in extra:
        values["due_at"] = _in(-1) if extra["due_at"] == "past" else None
    if "assignee" in extra:
        values["assignee"] = getattr(world, extra["assignee"])
    if "reason" in extra:
        values["reason"] = extra["reason"]
    if "user" in extra:
        values["acting_user"] = getattr(world, extra["user"])
    with translation.override("en"), pytest.raises(ValidationError, match=words):
        actions.call_back_schedule(**values)
    assert not CallBack.objects.exists()
    assert not AuditEvent.objects.filter(action="callback.schedule").exists()


def test_an_agreed_call_back_is_scheduled_before_the_call_is_finished(world):
    call = start(world)
    _schedule(call)
    done = actions.call_finish(
        call=call,
        values={
            "topics": ["emotions"],
            "screening": {"suicidal_thoughts": False, "violence": False},
            "outcome": "call_back",
            "minutes": 5,
        },
        acting_user=world.counsellor,
    )
    assert done.status == Call.Status.DONE


def test_the_list_shows_mine_and_the_teams_with_missed_ones_flagged(world):
    call = finished(world, phone=NUMBER)
    missed = _overdue(_schedule(call))
    later = _schedule(call, hours=5)
    theirs = _schedule(call, hours=1, assignee=world.worker)
    made = _schedule(call, hours=2)
    actions.call_back_make(call_back=made, acting_user=world.counsellor)
    board = call_back_board(world.counsellor)
    assert [cb.pk for cb in board.mine] == [missed.pk, later.pk]
    assert [cb.pk for cb in board.team] == [theirs.pk]
    assert board.missed == 1
    supervisor = call_back_board(world.supervisor)
    assert supervisor.mine == [] and len(supervisor.team) == 3
    assert not any(getattr(cb, "operable") for cb in supervisor.team)  # noqa: B009
    assert home_summary(world.counsellor) == {"projects": 1, "due": 1 + _today(later), "missed": 1}
    assert home_summary(world.purchaser) == {"projects": 0, "due": 0, "missed": 0}


def _today(call_back: CallBack) -> int:
    return int(timezone.localdate(call_back.due_at) == timezone.localdate())


def test_making_a_call_back_creates_the_outgoing_call_linked_to_it(world):
    case = register(world)
    call = finished(world, phone="+86 138 0013 8000", caller_name="张母", caller_type="guardian")
    actions.call_link(call=call, case=case, reason="自报身份", acting_user=world.counsellor)
    call_back = _schedule(call, assignee=world.worker, user=world.counsellor)
    made = actions.call_back_make(call_back=call_back, acting_user=world.worker)
    call_back.refresh_from_db()
    assert call_back.done_call == made and call_back.done_at is not None
    assert made.status == Call.Status.DRAFT and made.operator == world.worker
    assert made.channel == Call.Channel.PHONE_OUT and made.purpose == Call.Purpose.CALL_BACK
    assert made.phone == NUMBER and made.phone_index == call.phone_index
    assert made.caller_name == "张母" and made.caller_type == "guardian" and made.case == case
    assert AuditEvent.objects.filter(action="callback.make", object_id=str(call_back.pk)).exists()
    with translation.override("en"), pytest.raises(ValidationError, match="already made"):
        actions.call_back_make(call_back=call_back, acting_user=world.counsellor)
    assert Call.objects.count() == 2


def test_a_crisis_follow_up_made_is_a_step_of_the_escalation(world):
    call = finished(world, screening=PLAN, outcome="escalated")
    escalation = Escalation.objects.get(call=call)
    follow_up = CallBack.objects.get(escalation=escalation)
    made = actions.call_back_make(call_back=follow_up, acting_user=world.counsellor)
    assert made.purpose == Call.Purpose.CRISIS_FOLLOW_UP
    step = EscalationStep.objects.get(escalation=escalation)
    assert step.kind == EscalationStep.Kind.FOLLOW_UP and step.at == made.started_at


def test_the_pages_schedule_list_and_make_call_backs(world, login):
    call = finished(world)
    http = login(world.counsellor)
    due = timezone.localtime(_in(3)).strftime("%Y-%m-%dT%H:%M")
    response = http.post(
        reverse("hotline:call-back-new", args=[call.pk]),
        {"cb-due_at": due, "cb-reason": "回访", "cb-assignee": str(world.counsellor.pk)},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("hotline:detail", args=[call.pk])
    call_back = CallBack.objects.get()
    assert timezone.localtime(call_back.due_at).strftime("%Y-%m-%dT%H:%M") == due
    past = http.post(
        reverse("hotline:call-back-new", args=[call.pk]),
        {"cb-due_at": "2020-01-01T09:00", "cb-assignee": str(world.counsellor.pk)},
    )
    assert past.status_code == 302 and CallBack.objects.count() == 1
    _overdue(call_back)
    page = http.get(reverse("hotline:call-backs"), HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert "missed" in html and reverse("hotline:call-back-make", args=[call_back.pk]) in html
    home = http.get(reverse("home")).content.decode()
    assert reverse("hotline:call-backs") in home
    made = http.post(reverse("hotline:call-back-make", args=[call_back.pk]))
    new = Call.objects.exclude(pk=call.pk).get()
    assert made["Location"] == reverse("hotline:screen", args=[new.pk])
    again = http.post(reverse("hotline:call-back-make", args=[call_back.pk]))
    assert again["Location"] == reverse("hotline:call-backs")
    assert Call.objects.count() == 2


@pytest.mark.parametrize("persona", NOT_OPERATORS)
def test_only_operators_schedule_and_make_call_backs_over_http(world, login, persona):
    call = finished(world)
    call_back = _schedule(call)
    http = login(getattr(world, persona))
    scheduled = http.post(
        reverse("hotline:call-back-new", args=[call.pk]),
        {"cb-due_at": timezone.localtime(_in(3)).strftime("%Y-%m-%dT%H:%M")},
    )
    made = http.post(reverse("hotline:call-back-make", args=[call_back.pk]))
    expected = 403 if persona == "supervisor" else 404
    assert scheduled.status_code == expected and made.status_code == expected
    assert CallBack.objects.count() == 1 and Call.objects.count() == 1
    assert AuditEvent.objects.filter(kind="denied", actor=getattr(world, persona)).count() == 2


def _list_queries(http) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert http.get(reverse("hotline:call-backs")).status_code == 200
    return len(ctx.captured_queries)


def test_the_call_back_list_queries_do_not_grow(world, login):
    call = finished(world)
    _schedule(call)
    http = login(world.counsellor)
    few = _list_queries(http)
    for n in range(6):
        _overdue(_schedule(call, assignee=world.worker if n % 2 else None))
    finished(world, screening=PLAN, outcome="escalated")  # a crisis follow-up too
    assert _list_queries(http) == few


def test_call_backs_through_the_api(world, client):
    call = finished(world)
    _token, key = api_token_create(user=world.counsellor, name="t", acting_user=world.counsellor)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}", "HTTP_ACCEPT_LANGUAGE": "en"}
    url = f"/api/v1/calls/{call.pk}/call-backs"
    past = client.post(url, {"due_at": _in(-1).isoformat()}, "application/json", **auth)
    assert past.status_code == 422 and "future" in past.json()["errors"][0]
    created = client.post(
        url, {"due_at": _in(2).isoformat(), "reason": "回访"}, "application/json", **auth
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["missed"] is False and body["assignee"]["id"] == world.counsellor.pk
    _overdue(CallBack.objects.get(pk=body["id"]))
    listed = client.get("/api/v1/call-backs", **auth).json()
    assert [cb["id"] for cb in listed["mine"]] == [body["id"]] and listed["mine"][0]["missed"]
    made = client.post(f"/api/v1/call-backs/{body['id']}/make", **auth)
    assert made.status_code == 201
    assert made.json()["purpose"] == "call_back" and made.json()["status"] == "draft"
    again = client.post(f"/api/v1/call-backs/{body['id']}/make", **auth)
    assert again.status_code == 422 and "already made" in again.json()["errors"][0]
    _token, key = api_token_create(user=world.purchaser, name="t", acting_user=world.purchaser)
    assert client.get("/api/v1/call-backs", HTTP_AUTHORIZATION=f"Bearer {key}").json() == {
        "mine": [],
        "team": [],
    }
