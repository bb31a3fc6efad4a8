"""The crisis protocol (R5.6): a positive risk screening opens an escalation at once, alerts the
project's supervisors on their pages, puts a follow-up call due within 24 hours on the operator's
list, records every step with its time, and stays open and visible until a supervisor (or the
lead) closes it with an outcome. Pages say "screening", never "diagnosis"."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

import anxin.hotline
from anxin.audit.models import AuditEvent
from anxin.cases.models import Task
from anxin.core.testing import liwan_input, register
from anxin.hotline import actions, actions_crisis, selectors_crisis
from anxin.hotline.models import Call, CallBack, Escalation, EscalationStep
from anxin.hotline.selectors_crisis import crisis_board, escalations_qs
from anxin.hotline.tests.calls_testing import PLAN, finished, minutes_ago, start

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(hours=24)
# Who may not see a Liwan escalation: the purchaser (aggregates only), the worker of the other
# project, a worker of another organisation, the organisation admin.
HIDDEN = ["purchaser", "other_worker", "outsider", "admin"]
TEAM = ["counsellor", "worker", "lead", "supervisor"]


def crisis(world, user=None, **values) -> Escalation:
    """A call whose screening turns positive while it goes on (a suicide plan)."""
    call = start(world, user or world.counsellor, at=minutes_ago(30), screening=PLAN, **values)
    return Escalation.objects.get(call=call)


def client_case(world):
    case = register(world, liwan_input(world, name="危机案主", id17="44010319800101021"))
    case.worker = world.worker
    case.save(update_fields=["worker"])
    return case


# The protocol --------------------------------------------------------------------------------


def test_a_positive_screening_opens_an_escalation_at_once(world):
    before = timezone.now()
    escalation = crisis(world)
    call = escalation.call
    assert call.status == Call.Status.DRAFT  # while the call goes on
    assert escalation.status == Escalation.Status.OPEN
    assert escalation.project_id == world.liwan.pk
    assert escalation.reason == actions.screening_positive(PLAN)[1]
    # the follow-up call is due within 24 hours, on the operator's list
    assert before + DAY <= escalation.follow_up_due <= timezone.now() + DAY
    call_back = CallBack.objects.get(escalation=escalation)
    assert call_back.assignee_id == world.counsellor.pk and call_back.call_id == call.pk
    assert call_back.due_at == escalation.follow_up_due and call_back.done_at is None
    event = AuditEvent.objects.get(action="escalation.open")
    assert event.object_id == str(escalation.pk) and event.project_id == world.liwan.pk
    assert event.detail["call_back"] == call_back.pk


def test_a_negative_screening_opens_nothing(world):
    finished(world)
    assert not Escalation.objects.exists() and not CallBack.objects.exists()


def test_opening_is_idempotent_per_call(world):
    escalation = crisis(world)
    again = actions_crisis.escalation_open(
        call=escalation.call, reason="again", acting_user=world.counsellor
    )
    assert again.pk == escalation.pk and again.reason == escalation.reason
    finishing = actions.call_finish(
        call=escalation.call,
        values={"topics": ["emotions"], "outcome": Call.Outcome.ESCALATED, "minutes": 30},
        acting_user=world.counsellor,
    )
    assert finishing.status == Call.Status.DONE
    assert Escalation.objects.count() == 1 and CallBack.objects.count() == 1
    assert AuditEvent.objects.filter(action="escalation.open").count() == 1


def test_a_danger_level_of_three_or_more_escalates(world):
    level = {"suicidal_thoughts": False, "violence": False}
    call = finished(world, screening={**level, "danger_level": 3})
    escalation = Escalation.objects.get(call=call)
    assert "3" in escalation.reason
    assert escalation.reason == actions.screening_positive(call.screening)[1]
    two = finished(world, screening={**level, "danger_level": 2})
    assert not Escalation.objects.filter(call=two).exists()


def test_an_escalation_needs_a_reason(world):
    call = start(world)
    with pytest.raises(ValidationError):
        actions_crisis.escalation_open(call=call, reason="  ", acting_user=world.counsellor)
    assert not Escalation.objects.exists()


def test_a_known_clients_crisis_reaches_their_worker_and_the_supervisor(world):
    case = client_case(world)
    call = start(world)
    actions.call_link(call=call, case=case, reason="报了姓名和住址", acting_user=world.counsellor)
    actions.call_save_draft(call=call, values={"screening": PLAN}, acting_user=world.counsellor)
    escalation = Escalation.objects.get(call=call)
    tasks = Task.objects.filter(case=case, kind=Task.Kind.CRISIS)
    assert set(tasks.values_list("assignee_id", flat=True)) == {
        world.worker.pk,
        world.supervisor.pk,
    }
    assert all(escalation.reason in t.title for t in tasks)
    actions_crisis.escalation_close(
        escalation=escalation, outcome="已送医，家属陪同", acting_user=world.supervisor
    )
    assert set(tasks.values_list("status", flat=True)) == {Task.Status.DONE}  # handled with it


# Steps ---------------------------------------------------------------------------------------


def test_steps_are_recorded_with_their_time(world):
    escalation = crisis(world)
    at = timezone.now() - dt.timedelta(minutes=1)
    step = actions_crisis.escalation_step_add(
        escalation=escalation,
        kind=EscalationStep.Kind.EMERGENCY_120,
        at=at,
        note="120 已派车",
        acting_user=world.counsellor,
    )
    actions_crisis.escalation_step_add(
        escalation=escalation,
        kind=EscalationStep.Kind.GUARDIAN,
        at=timezone.now(),
        acting_user=world.supervisor,  # a supervisor acts on crises too
    )
    assert step.at == at and step.by_id == world.counsellor.pk and step.note == "120 已派车"
    assert list(escalation.steps.values_list("kind", flat=True)) == ["ambulance_120", "guardian"]
    assert AuditEvent.objects.filter(action="escalation.step").count() == 2


@pytest.mark.parametrize(
    ("kind", "at", "words"),
    [
        ("fax_sent", 0, "Choose the step"),
        ("police_110", None, "Give the time"),
        ("police_110", 60, "future"),
        ("police_110", -60, "before the call began"),
    ],
)
def test_a_wrong_step_is_refused_and_changes_nothing(world, kind, at, words):
    escalation = crisis(world)
    when = None if at is None else timezone.now() + dt.timedelta(minutes=at)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        actions_crisis.escalation_step_add(
            escalation=escalation, kind=kind, at=when, acting_user=world.counsellor
        )
    assert words in " ".join(refused.value.messages)
    assert not escalation.steps.exists()


def test_a_follow_up_call_made_is_recorded_as_a_step(world):
    escalation = crisis(world)
    call_back = CallBack.objects.get(escalation=escalation)
    follow_up = actions.call_back_make(call_back=call_back, acting_user=world.counsellor)
    assert follow_up.purpose == Call.Purpose.CRISIS_FOLLOW_UP
    step = escalation.steps.get()
    assert step.kind == EscalationStep.Kind.FOLLOW_UP and step.at == follow_up.started_at
    # once only
    call_back.refresh_from_db()
    again = actions_crisis.escalation_follow_up_made(
        call_back=call_back, acting_user=world.counsellor
    )
    assert again is None
    assert escalation.steps.count() == 1


# Closing -------------------------------------------------------------------------------------


def test_cannot_close_without_an_outcome(world):
    escalation = crisis(world)
    for outcome in ("", "   "):
        with pytest.raises(ValidationError):
            actions_crisis.escalation_close(
                escalation=escalation, outcome=outcome, acting_user=world.supervisor
            )
    escalation.refresh_from_db()
    assert escalation.status == Escalation.Status.OPEN and escalation.closed_at is None


@pytest.mark.parametrize("persona", ["counsellor", "worker", "purchaser", "other_worker"])
def test_only_a_supervisor_or_the_lead_closes(world, persona):
    escalation = crisis(world)
    with pytest.raises(ValidationError):
        actions_crisis.escalation_close(
            escalation=escalation, outcome="已处理", acting_user=getattr(world, persona)
        )
    escalation.refresh_from_db()
    assert escalation.status == Escalation.Status.OPEN


@pytest.mark.parametrize("persona", ["supervisor", "lead"])
def test_a_supervisor_or_the_lead_closes_with_the_outcome(world, persona):
    escalation = crisis(world)
    user = getattr(world, persona)
    actions_crisis.escalation_close(
        escalation=escalation, outcome="家属已接回，明日回访", acting_user=user
    )
    escalation.refresh_from_db()
    assert escalation.status == Escalation.Status.CLOSED
    assert escalation.closed_by_id == user.pk and escalation.outcome == "家属已接回，明日回访"
    assert escalation.closed_at is not None
    assert AuditEvent.objects.filter(action="escalation.close", actor=user).count() == 1
    with pytest.raises(ValidationError):  # closed once; no more steps either
        actions_crisis.escalation_close(escalation=escalation, outcome="再次", acting_user=user)
    with pytest.raises(ValidationError):
        actions_crisis.escalation_step_add(
            escalation=escalation, kind="other", at=timezone.now(), acting_user=user
        )


# The alert on the pages ----------------------------------------------------------------------


@pytest.mark.parametrize("page", ["home", "cases:tasks"])
@pytest.mark.parametrize("persona", ["supervisor", "lead", "counsellor"])
def test_open_escalation_alerts_the_supervisor_and_the_operator(world, login, page, persona):
    escalation = crisis(world)
    body = login(getattr(world, persona)).get(reverse(page)).content.decode()
    assert 'id="open-crises"' in body
    assert escalation.reason in body
    assert reverse("hotline:crisis-detail", args=[escalation.pk]) in body


@pytest.mark.parametrize("persona", ["worker", "purchaser", "other_worker", "outsider", "admin"])
def test_others_are_not_alerted(world, login, persona):
    crisis(world)  # the counsellor's call: the social worker sees only their own
    body = login(getattr(world, persona)).get(reverse("home")).content.decode()
    assert 'id="open-crises"' not in body


def test_the_alert_stays_until_closed(world, login):
    escalation = crisis(world)
    http = login(world.supervisor)
    assert 'id="open-crises"' in http.get(reverse("home")).content.decode()
    actions.call_back_make(
        call_back=CallBack.objects.get(escalation=escalation), acting_user=world.counsellor
    )
    assert 'id="open-crises"' in http.get(reverse("home")).content.decode()  # still open
    actions_crisis.escalation_close(escalation=escalation, outcome="平安", acting_user=world.lead)
    assert 'id="open-crises"' not in http.get(reverse("home")).content.decode()


def test_an_overdue_follow_up_is_flagged(world, login):
    escalation = crisis(world)
    Escalation.objects.filter(pk=escalation.pk).update(follow_up_due=timezone.now() - HOUR)
    body = login(world.supervisor).get(reverse("home")).content.decode()
    assert 'class="follow-up-overdue"' in body


def test_a_follow_up_made_in_time_is_not_flagged_when_the_due_time_passes(world, login):
    escalation = crisis(world)
    call_back = CallBack.objects.get(escalation=escalation)
    actions.call_back_make(call_back=call_back, acting_user=world.counsellor)
    Escalation.objects.filter(pk=escalation.pk).update(follow_up_due=timezone.now() - HOUR)
    page = login(world.supervisor).get(reverse("hotline:crisis-detail", args=[escalation.pk]))
    assert page.context["followed_up"] is True and page.context["overdue"] is False


def test_the_board_is_a_fixed_number_of_queries(world):
    crisis(world)
    with CaptureQueriesContext(connection) as few:
        crisis_board(world.supervisor)
    for _ in range(4):
        crisis(world)
    with CaptureQueriesContext(connection) as many:
        board = crisis_board(world.supervisor)
    assert len(many) == len(few) == 1
    assert board.total == 5 and len(board.items) == 5


def test_the_board_counts_beyond_its_limit(world, monkeypatch):
    monkeypatch.setattr(selectors_crisis, "BOARD_LIMIT", 2)
    for _ in range(3):
        crisis(world)
    board = crisis_board(world.supervisor)
    assert (len(board.items), board.total, board.more) == (2, 3, 1)


# Pages ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", TEAM)
def test_the_team_reads_the_escalation_and_the_read_is_audited(world, login, persona):
    escalation = crisis(world)
    http = login(getattr(world, persona))
    body = http.get(reverse("hotline:crisis-detail", args=[escalation.pk])).content.decode()
    assert escalation.reason in body and 'id="crisis-banner"' in body
    listing = http.get(reverse("hotline:crisis-list", args=["lw"]))
    assert listing.status_code == 200 and escalation.reason in listing.content.decode()
    assert AuditEvent.objects.filter(
        action="escalation.read", actor=getattr(world, persona), kind="read"
    ).exists()


@pytest.mark.parametrize("persona", HIDDEN)
def test_others_get_404_and_an_audited_refusal(world, login, persona):
    escalation = crisis(world)
    http = login(getattr(world, persona))
    paths = [
        reverse("hotline:crisis-detail", args=[escalation.pk]),
        reverse("hotline:crisis-list", args=["lw"]),
    ]
    for path in paths:
        assert http.get(path).status_code == 404
    for path in ("crisis-step", "crisis-close"):
        response = http.post(
            reverse(f"hotline:{path}", args=[escalation.pk]),
            {"kind": "other", "at": "2026-01-01T10:00", "outcome": "x"},
        )
        assert response.status_code == 404
    assert AuditEvent.objects.filter(kind="denied", actor=getattr(world, persona)).count() == 4
    escalation.refresh_from_db()
    assert escalation.status == Escalation.Status.OPEN and not escalation.steps.exists()


def test_a_bad_id_is_404(world, login):
    http = login(world.supervisor)
    assert http.get("/hotline/crises/99999999999999999999/").status_code == 404
    assert http.get("/hotline/crises/0/").status_code == 404


def test_recording_a_step_over_http(world, login):
    escalation = crisis(world)
    http = login(world.counsellor)
    at = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    response = http.post(
        reverse("hotline:crisis-step", args=[escalation.pk]),
        {"kind": "police_110", "at": at, "note": "已报警"},
    )
    assert response.status_code == 302
    step = escalation.steps.get()
    assert step.kind == "police_110" and step.note == "已报警" and step.by_id == world.counsellor.pk
    refused = http.post(
        reverse("hotline:crisis-step", args=[escalation.pk]), {"kind": "", "at": at}
    )
    assert refused.status_code == 200 and "is-invalid" in refused.content.decode()
    assert escalation.steps.count() == 1


def test_the_operator_gets_403_closing_over_http(world, login):
    escalation = crisis(world)
    http = login(world.counsellor)
    page = http.get(reverse("hotline:crisis-detail", args=[escalation.pk])).content.decode()
    assert "crisis-close" not in page  # no close form for an operator
    response = http.post(reverse("hotline:crisis-close", args=[escalation.pk]), {"outcome": "好"})
    assert response.status_code == 403
    assert AuditEvent.objects.filter(action="escalation.close", kind="denied").exists()
    escalation.refresh_from_db()
    assert escalation.status == Escalation.Status.OPEN


def test_the_supervisor_closes_over_http_only_with_an_outcome(world, login):
    escalation = crisis(world)
    http = login(world.supervisor)
    page = http.get(reverse("hotline:crisis-detail", args=[escalation.pk])).content.decode()
    assert "crisis-close" in page
    empty = http.post(reverse("hotline:crisis-close", args=[escalation.pk]), {"outcome": " "})
    assert empty.status_code == 200
    escalation.refresh_from_db()
    assert escalation.status == Escalation.Status.OPEN
    done = http.post(
        reverse("hotline:crisis-close", args=[escalation.pk]), {"outcome": "已转介住院"}
    )
    assert done.status_code == 302
    escalation.refresh_from_db()
    assert escalation.status == Escalation.Status.CLOSED and escalation.outcome == "已转介住院"
    page = http.get(reverse("hotline:crisis-detail", args=[escalation.pk])).content.decode()
    assert 'id="crisis-outcome"' in page and 'id="crisis-banner"' not in page


def test_the_list_pages_in_a_fixed_number_of_queries(world, login):
    http = login(world.supervisor)
    crisis(world)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert http.get(reverse("hotline:crisis-list", args=["lw"])).status_code == 200
        return len(ctx)

    few = count()
    for _ in range(4):
        escalation = crisis(world)
        actions_crisis.escalation_step_add(
            escalation=escalation, kind="guardian", at=timezone.now(), acting_user=world.counsellor
        )
    assert count() == few


def test_the_detail_page_in_a_fixed_number_of_queries(world, login):
    http = login(world.supervisor)
    escalation = crisis(world)
    path = reverse("hotline:crisis-detail", args=[escalation.pk])

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert http.get(path).status_code == 200
        return len(ctx)

    few = count()
    for kind in ("police_110", "guardian", "hospital", "other"):
        actions_crisis.escalation_step_add(
            escalation=escalation, kind=kind, at=timezone.now(), acting_user=world.counsellor
        )
    assert count() == few


# Words ---------------------------------------------------------------------------------------


def test_no_hotline_template_says_diagnosis():
    """Counsellors screen, they do not diagnose (精神卫生法): no page of the hotline says so."""
    folder = Path(anxin.hotline.__file__).parent / "templates"
    templates = sorted(folder.glob("**/*.html"))
    assert len(templates) >= 8
    offenders = [
        str(path.relative_to(folder))
        for path in templates
        if "诊断" in path.read_text() or re.search("diagnos", path.read_text(), re.I)
    ]
    assert offenders == []


def test_the_escalation_page_in_english_says_screening(world, login):
    escalation = crisis(world)
    http = login(world.supervisor)
    body = http.get(
        reverse("hotline:crisis-detail", args=[escalation.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert not re.search("diagnos", body, re.I)


def test_the_list_shows_open_crises_first_then_the_latest_closed(world):
    first, second, third = crisis(world), crisis(world), crisis(world)
    for escalation in (first, second):
        actions_crisis.escalation_close(
            escalation=escalation, outcome="平安", acting_user=world.supervisor
        )
    assert [e.pk for e in escalations_qs(world.liwan)] == [third.pk, second.pk, first.pk]
    assert [e.pk for e in escalations_qs(world.liwan, "closed")] == [second.pk, first.pk]
