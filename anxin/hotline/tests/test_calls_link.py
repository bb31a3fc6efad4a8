"""Linking a call to a registered client or guardian of the same project, with the reason; the
linked calls on the client's case timeline (the project team only), in a fixed number of
queries."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from anxin.accounts.actions import api_token_create, membership_set
from anxin.accounts.models import Membership
from anxin.audit.models import AuditEvent
from anxin.core.testing import another_liwan_project, liwan_input, register
from anxin.hotline import actions
from anxin.hotline.models import Call
from anxin.hotline.tests.calls_testing import finished, start

REASON = "来电者自报姓名与住址，与档案一致"


def _other_projects_case(world):
    other = another_liwan_project(world, "lw2", "荔湾另一项目")
    membership_set(
        project=other, user=world.lead, role=Membership.Role.SOCIAL_WORKER, acting_user=world.admin
    )
    data = liwan_input(world, name="李四", id17="44010319800101002")
    return register(world, data, project=other)


def test_an_anonymous_call_is_linked_to_a_client_with_the_reason(world):
    case = register(world)
    call = finished(world)
    actions.call_link(call=call, case=case, reason=REASON, acting_user=world.worker)
    stored = Call.objects.get(pk=call.pk)
    assert stored.case == case and stored.family_member is None
    assert stored.linked_reason == REASON and stored.linked_by == world.worker
    assert stored.linked_at is not None and stored.caller_type == "anonymous"
    event = AuditEvent.objects.get(action="call.link")
    assert event.detail == {
        "case": case.pk,
        "family_member": None,
        "before": {"case": None, "family_member": None},
    }
    assert REASON not in str(event.detail) and event.reason == ""
    with connection.cursor() as cursor:
        cursor.execute("SELECT linked_reason FROM hotline_call")
        assert REASON not in cursor.fetchone()[0]  # encrypted like the notes


def test_a_call_from_a_guardian_is_linked_to_the_clients_case(world):
    case = register(world)
    guardian = case.client.family_members.get()
    call = finished(world, caller_type="guardian")
    actions.call_link(
        call=call, family_member=guardian, reason="监护人来电", acting_user=world.counsellor
    )
    stored = Call.objects.get(pk=call.pk)
    assert stored.family_member == guardian and stored.case == case


@pytest.mark.parametrize("reason", ["", "   "])
def test_the_reason_is_required_and_nothing_is_written_without_it(world, reason):
    case = register(world)
    call = finished(world)
    with translation.override("en"), pytest.raises(ValidationError, match="reason for linking"):
        actions.call_link(call=call, case=case, reason=reason, acting_user=world.counsellor)
    assert Call.objects.get(pk=call.pk).case is None
    assert not AuditEvent.objects.filter(action="call.link").exists()


def test_another_projects_client_or_guardian_is_refused(world):
    elsewhere = _other_projects_case(world)
    call = finished(world)
    with translation.override("en"), pytest.raises(ValidationError, match="not a client of this"):
        actions.call_link(call=call, case=elsewhere, reason=REASON, acting_user=world.counsellor)
    guardian = elsewhere.client.family_members.get()
    with (
        translation.override("en"),
        pytest.raises(ValidationError, match="not of a client of this"),
    ):
        actions.call_link(
            call=call, family_member=guardian, reason=REASON, acting_user=world.counsellor
        )
    ours = register(world)
    with translation.override("en"), pytest.raises(ValidationError, match="not of this client"):
        actions.call_link(
            call=call,
            case=ours,
            family_member=guardian,
            reason=REASON,
            acting_user=world.counsellor,
        )
    assert Call.objects.get(pk=call.pk).case is None


def test_a_supervisor_does_not_link(world):
    case = register(world)
    call = finished(world)
    with translation.override("en"), pytest.raises(ValidationError, match="hotline operators"):
        actions.call_link(call=call, case=case, reason=REASON, acting_user=world.supervisor)


def test_linking_on_the_page_finds_the_client_and_needs_the_reason(world, login):
    case = register(world)
    guardian = case.client.family_members.get()
    call = finished(world)
    http = login(world.counsellor)
    url = reverse("hotline:link", args=[call.pk])
    page = http.get(url + "?q=zs")  # the initials of 张三
    targets = dict(page.context["form"].fields["target"].choices)
    assert set(targets) == {f"case:{case.pk}", f"member:{guardian.pk}"}
    assert "张三" in targets[f"case:{case.pk}"] and "张母" in targets[f"member:{guardian.pk}"]
    refused = http.post(url, {"q": "zs", "target": f"member:{guardian.pk}", "reason": ""})
    assert refused.status_code == 200 and refused.context["form"].errors["reason"]
    assert Call.objects.get(pk=call.pk).case is None
    done = http.post(url, {"q": "zs", "target": f"member:{guardian.pk}", "reason": REASON})
    assert done.status_code == 302 and done["Location"] == reverse("hotline:detail", args=[call.pk])
    assert Call.objects.get(pk=call.pk).family_member == guardian
    detail = http.get(done["Location"]).content.decode()
    assert reverse("cases:detail", args=[case.pk]) in detail and REASON in detail


def test_another_projects_client_is_not_offered_nor_taken_on_the_page(world, login):
    elsewhere = _other_projects_case(world)
    call = finished(world)
    http = login(world.counsellor)
    url = reverse("hotline:link", args=[call.pk])
    assert http.get(url + "?q=李四").context["form"].fields["target"].choices == []
    forged = http.post(url, {"q": "李四", "target": f"case:{elsewhere.pk}", "reason": REASON})
    assert forged.status_code == 200
    assert Call.objects.get(pk=call.pk).case is None


@pytest.mark.parametrize("persona", ["supervisor", "purchaser", "outsider"])
def test_others_may_not_link(world, login, persona):
    case = register(world)
    call = finished(world)
    response = login(getattr(world, persona)).post(
        reverse("hotline:link", args=[call.pk]),
        {"q": "zs", "target": f"case:{case.pk}", "reason": REASON},
    )
    assert response.status_code == (403 if persona == "supervisor" else 404)
    assert Call.objects.get(pk=call.pk).case is None


def test_linking_through_the_api(world, client):
    case = register(world)
    elsewhere = _other_projects_case(world)
    call = finished(world)
    _token, key = api_token_create(user=world.counsellor, name="t", acting_user=world.counsellor)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}", "HTTP_ACCEPT_LANGUAGE": "en"}
    url = f"/api/v1/calls/{call.pk}/link"
    no_reason = client.post(url, {"case_id": case.pk, "reason": ""}, "application/json", **auth)
    assert no_reason.status_code == 422 and "reason" in no_reason.json()["errors"][0]
    other = client.post(
        url, {"case_id": elsewhere.pk, "reason": REASON}, "application/json", **auth
    )
    assert other.status_code == 422 and other.json()["errors"] == [f"No case {elsewhere.pk}."]
    assert Call.objects.get(pk=call.pk).case is None
    done = client.post(url, {"case_id": case.pk, "reason": REASON}, "application/json", **auth)
    assert done.status_code == 200
    assert done.json()["case_id"] == case.pk and done.json()["linked_reason"] == REASON


def test_linked_calls_are_on_the_case_timeline_for_the_team(world, login):
    case = register(world)
    call = finished(world, topics=["medication"], outcome="referred")
    actions.call_link(call=call, case=case, reason=REASON, acting_user=world.counsellor)
    finished(world)  # not linked: not on the timeline
    for persona, link in (("worker", True), ("supervisor", True), ("lead", True)):
        page = login(getattr(world, persona)).get(reverse("cases:detail", args=[case.pk]))
        entries = [t for t in page.context["timeline"] if t.kind == "call"]
        assert [t.obj.pk for t in entries] == [call.pk]
        assert "服药问题" in entries[0].title
        html = page.content.decode()
        assert (reverse("hotline:detail", args=[call.pk]) in html) is link
    assert not AuditEvent.objects.filter(action="call.read").exists()  # no notes shown there


def _case_queries(http, case_id: int) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert http.get(reverse("cases:detail", args=[case_id])).status_code == 200
    return len(ctx.captured_queries)


def test_the_case_page_queries_do_not_grow_with_linked_calls(world, login):
    case = register(world)
    guardian = case.client.family_members.get()
    actions.call_link(call=finished(world), case=case, reason=REASON, acting_user=world.worker)
    http = login(world.worker)
    few = _case_queries(http, case.pk)
    for n in range(6):
        call = start(world) if n % 3 == 0 else finished(world)
        actions.call_link(
            call=call,
            family_member=guardian if n % 2 else None,
            case=None if n % 2 else case,
            reason=REASON,
            acting_user=world.counsellor,
        )
    assert _case_queries(http, case.pk) == few
