"""Calls (R5.6): start, draft, finish; the rules of a finished call, each refusal with its reason
and nothing written; the risk screening and the crisis hook; numbers and names encrypted."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext

from anxin.audit.models import AuditEvent
from anxin.hotline import actions
from anxin.hotline.models import Call, CallBack, Escalation
from anxin.hotline.phones import normalise_phone, phone_index
from anxin.hotline.tests.calls_testing import (  # noqa: F401 (fixture)
    FINISHED,
    NO_RISK,
    PLAN,
    escalations_fixture,
    finished,
    minutes_ago,
    start,
)


def zh(msgid: str) -> str:
    """A message as stored: in the users' language (the Chinese catalogue, when it has it)."""
    with translation.override(settings.LANGUAGE_CODE):
        return gettext(msgid)


def refusal(call: Call, **values: Any) -> list[str]:
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        actions.call_finish(call=call, values={**FINISHED, **values}, acting_user=call.operator)
    return exc.value.messages


def test_a_call_starts_as_a_draft_now_by_its_operator(world):
    call = start(world)
    assert call.status == Call.Status.DRAFT
    assert call.operator == world.counsellor and call.project == world.liwan
    assert abs((timezone.now() - call.started_at).total_seconds()) < 5
    assert call.caller_type == Call.CallerType.ANONYMOUS and call.phone == ""
    event = AuditEvent.objects.get(action="call.start")
    assert event.actor == world.counsellor and event.object_id == str(call.pk)
    assert event.project_id == world.liwan.pk


@pytest.mark.parametrize("persona", ["supervisor", "other_worker", "purchaser"])
def test_only_the_projects_operators_take_calls(world, persona):
    with translation.override("en"), pytest.raises(ValidationError, match="hotline operators"):
        actions.call_start(project=world.liwan, acting_user=getattr(world, persona))
    assert not Call.objects.exists()


def test_a_call_cannot_start_in_the_future(world):
    with translation.override("en"), pytest.raises(ValidationError, match="future"):
        start(world, at=timezone.now() + dt.timedelta(hours=1))
    assert not Call.objects.exists()


def test_the_social_worker_and_the_lead_take_calls_too(world):
    assert start(world, world.worker).operator == world.worker
    assert start(world, world.lead).operator == world.lead


def test_a_draft_takes_any_subset_and_saving_it_again_writes_nothing(world):
    call = start(world)
    changed = actions.call_save_draft(
        call=call, values={"notes": "来电者情绪低落"}, acting_user=world.counsellor
    )
    assert changed == ["notes"]
    stamp = Call.objects.get(pk=call.pk).updated_at
    again = actions.call_save_draft(
        call=call, values={"notes": "来电者情绪低落"}, acting_user=world.counsellor
    )
    assert again == []
    assert Call.objects.get(pk=call.pk).updated_at == stamp
    actions.call_save_draft(
        call=call,
        values={"topics": ["sleep", "emotions", "sleep"], "caller_type": "family"},
        acting_user=world.counsellor,
    )
    stored = Call.objects.get(pk=call.pk)
    assert stored.notes == "来电者情绪低落" and stored.topics == ["sleep", "emotions"]
    assert stored.caller_type == "family" and stored.status == Call.Status.DRAFT
    # One audit event for the drafts of a call, not one per save.
    assert AuditEvent.objects.filter(action="call.draft", object_id=str(call.pk)).count() == 1


def test_a_draft_keeps_a_number_half_typed(world):
    call = start(world, phone="138")
    assert Call.objects.get(pk=call.pk).phone == "138"


def test_a_draft_refuses_values_that_are_not_values_of_a_call(world):
    call = start(world)
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        actions.call_save_draft(
            call=call,
            values={"caller_type": "alien", "topics": ["astrology"], "minutes": 9999, "x": 1},
            acting_user=world.counsellor,
        )
    text = " ".join(exc.value.messages)
    assert "alien" in text and "astrology" in text and "600 minutes" in text and "x" in text
    assert Call.objects.get(pk=call.pk).caller_type == "anonymous"


def test_finishing_records_the_call_with_its_figures(world):
    call = start(world, at=minutes_ago(30), phone="+86 138-0013-8000")
    done = actions.call_finish(
        call=call,
        values={
            **FINISHED,
            "caller_type": "guardian",
            "caller_name": "李母",
            "topics": ["medication", "relapse_signs"],
            "minutes": 25,
            "notes": "监护人反映服药不规律，建议复诊。",
            "outcome": "informed",
            "street": world.street("沙面街道"),
        },
        acting_user=world.counsellor,
    )
    stored = Call.objects.get(pk=done.pk)
    assert stored.status == Call.Status.DONE
    assert stored.minutes == 25 and stored.outcome == "informed"
    assert stored.topics == ["medication", "relapse_signs"]
    assert stored.phone == "13800138000" and stored.caller_name == "李母"
    assert stored.screening == {**dict.fromkeys(actions.QUESTIONS), **NO_RISK, "danger_level": None}
    assert stored.screened_positive is False
    event = AuditEvent.objects.get(action="call.finish")
    assert event.detail == {
        "minutes": 25,
        "caller_type": "guardian",
        "topics": ["medication", "relapse_signs"],
        "outcome": "informed",
        "screened_positive": False,
    }


def test_the_duration_is_the_time_since_the_call_began_when_not_given(world):
    call = start(world, at=timezone.now() - dt.timedelta(minutes=19, seconds=30))
    done = actions.call_finish(
        call=call, values={**FINISHED, "minutes": None}, acting_user=world.counsellor
    )
    assert done.minutes == 20


def test_a_call_open_too_long_needs_its_duration(world):
    call = start(world, at=timezone.now() - dt.timedelta(hours=11))
    assert any("duration" in m for m in refusal(call, minutes=None))


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"minutes": 601}, "0 to 600 minutes"),
        ({"minutes": -1}, "0 to 600 minutes"),
        ({"channel": "fax"}, "Unknown channel: fax"),
        ({"caller_type": "ghost"}, "Unknown kind of caller: ghost"),
        ({"topics": ["astrology"]}, "Not a topic of this project's hotline: astrology"),
        ({"topics": []}, "at least one topic"),
        ({"outcome": ""}, "outcome"),
        ({"outcome": "vanished"}, "Unknown outcome"),
        ({"screening": {}}, "Suicidal thoughts?; Risk of violence towards others?"),
        (
            {"screening": {"suicidal_thoughts": True, "violence": False}},
            "Intends to act on them?; Has a plan?; Has the means at hand?",
        ),
        ({"screening": {**NO_RISK, "danger_level": 6}}, "danger level is 0 to 5"),
        ({"screening": {**NO_RISK, "mood": True}}, "Unknown screening questions: mood"),
        ({"phone": "12"}, "not a phone number"),
        ({"caller_name": "名" * 65}, "name is too long"),
        ({"outcome": "call_back"}, "Schedule the call-back"),
    ],
)
def test_a_finish_is_refused_with_the_reason_and_nothing_written(world, values, words):
    call = start(world, notes="草稿")
    messages = refusal(call, **values)
    assert any(words in m for m in messages), messages
    stored = Call.objects.get(pk=call.pk)
    assert stored.status == Call.Status.DRAFT and stored.notes == "草稿"
    assert stored.outcome == "" and stored.topics == []
    assert not AuditEvent.objects.filter(action="call.finish").exists()


def test_every_reason_is_given_at_once(world):
    call = start(world)
    messages = refusal(call, outcome="", topics=[], screening={}, minutes=700)
    assert len(messages) == 4


def test_a_dropped_call_needs_no_topic_but_its_screening(world):
    call = start(world)
    assert any(
        "risk screening" in m for m in refusal(call, outcome="dropped", topics=[], screening={})
    )
    done = actions.call_finish(
        call=call,
        values={**FINISHED, "outcome": "dropped", "topics": []},
        acting_user=world.counsellor,
    )
    assert done.status == Call.Status.DONE


def test_a_finished_call_no_longer_changes(world):
    call = finished(world)
    with translation.override("en"), pytest.raises(ValidationError, match="finished"):
        actions.call_save_draft(call=call, values={"notes": "x"}, acting_user=world.counsellor)
    with translation.override("en"), pytest.raises(ValidationError, match="finished"):
        actions.call_finish(call=call, values=FINISHED, acting_user=world.counsellor)
    assert Call.objects.get(pk=call.pk).notes == ""


def test_only_the_operator_who_took_the_call_changes_its_draft(world):
    call = start(world)
    with translation.override("en"), pytest.raises(ValidationError, match="operator who took"):
        actions.call_save_draft(call=call, values={"notes": "x"}, acting_user=world.worker)
    assert Call.objects.get(pk=call.pk).notes == ""


@pytest.mark.parametrize(
    ("screening", "positive", "found"),
    [
        ({}, False, []),
        (NO_RISK, False, []),
        ({**NO_RISK, "danger_level": 2}, False, []),
        ({"plan": True}, True, ["a suicide plan"]),
        (PLAN, True, ["suicidal thoughts", "a suicide plan"]),
        ({"means": True, "intent": True}, True, ["suicidal intent", "access to means"]),
        ({"violence": True}, True, ["risk of violence towards others"]),
        ({**NO_RISK, "danger_level": 3}, True, ["danger level 3"]),
    ],
)
def test_screening_positive_says_what_was_found(screening, positive, found):
    expected = "、".join(
        zh(f) if not f.startswith("danger level") else zh("danger level %(level)d") % {"level": 3}
        for f in found
    )
    assert actions.screening_positive(screening) == (positive, expected)


def test_a_positive_screening_on_a_draft_calls_the_crisis_hook_at_once(world, escalations):
    call = start(world)
    actions.call_save_draft(call=call, values={"screening": NO_RISK}, acting_user=world.counsellor)
    assert escalations == []
    actions.call_save_draft(call=call, values={"screening": PLAN}, acting_user=world.counsellor)
    reason = "、".join([zh("suicidal thoughts"), zh("a suicide plan")])
    assert escalations == [{"call": call.pk, "reason": reason, "by": world.counsellor.pk}]
    assert Call.objects.get(pk=call.pk).screened_positive is True


def test_a_positive_screening_at_the_finish_calls_the_crisis_hook(world, escalations):
    call = finished(world, screening={**NO_RISK, "violence": True}, outcome="escalated")
    assert escalations == [
        {
            "call": call.pk,
            "reason": zh("risk of violence towards others"),
            "by": world.counsellor.pk,
        }
    ]


def test_a_negative_screening_never_escalates(world, escalations):
    finished(world)
    finished(world, screening={**NO_RISK, "danger_level": 2})
    assert escalations == []


def test_a_positive_call_opens_one_escalation_with_its_follow_up(world):
    """With the real crisis action: at once, once, a follow-up call-back due within 24 hours."""
    call = start(world)
    actions.call_save_draft(call=call, values={"screening": PLAN}, acting_user=world.counsellor)
    actions.call_save_draft(call=call, values={"notes": "有计划"}, acting_user=world.counsellor)
    actions.call_finish(
        call=call,
        values={**FINISHED, "screening": PLAN, "outcome": "escalated"},
        acting_user=world.counsellor,
    )
    escalation = Escalation.objects.get()
    assert escalation.call_id == call.pk and escalation.status == Escalation.Status.OPEN
    assert escalation.reason == "、".join([zh("suicidal thoughts"), zh("a suicide plan")])
    due = escalation.follow_up_due - call.started_at
    assert dt.timedelta(hours=23) < due <= dt.timedelta(hours=24, minutes=1)
    follow_up = CallBack.objects.get(escalation=escalation)
    assert follow_up.assignee == world.counsellor and follow_up.done_at is None


@pytest.mark.parametrize(
    "typed",
    [
        "13800138000",
        "138 0013 8000",
        "138-0013-8000",
        "+86 138 0013 8000",
        "+8613800138000",
        "008613800138000",
        "8613800138000",
        "１３８００１３８０００",
        " (138) 0013-8000 ",
    ],
)
def test_every_way_of_typing_a_number_gives_the_same_index(typed):
    assert normalise_phone(typed) == "13800138000"
    assert phone_index(typed) == phone_index("13800138000")


def test_landlines_keep_their_area_code_and_differ_from_mobiles():
    assert normalise_phone("020-8123 4567") == "02081234567"
    assert phone_index("020-81234567") != phone_index("13800138000")
    assert phone_index("") == ""


def test_a_dump_of_the_hotline_tables_holds_no_number_or_name(world):
    finished(world, phone="13912345678", caller_name="王小明", notes="王小明说睡不好")
    call = start(world, phone="+86 139 1234 5678", caller_name="王小明")
    actions.call_back_schedule(
        call=call,
        due_at=timezone.now() + dt.timedelta(hours=2),
        reason="回电给王小明",
        acting_user=world.counsellor,
    )
    tables = [
        "hotline_call",
        "hotline_callback",
        "hotline_escalation",
        "hotline_escalationstep",
        "audit_auditevent",
    ]
    dump = []
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 (fixed table names)
            dump += [str(cell) for row in cursor.fetchall() for cell in row]
    text = "\n".join(dump)
    for secret in ("13912345678", "139 1234 5678", "1234 5678", "王小明", "睡不好"):
        assert secret not in text
    assert Call.objects.filter(phone_index=phone_index("13912345678")).count() == 2
