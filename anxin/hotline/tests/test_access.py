"""The one door to calls and call-backs, persona by persona: operators (counsellors and social
workers) read and write, supervisors read, everyone else gets 404; refusals and reads audited."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from anxin.accounts.actions import membership_end
from anxin.accounts.models import Membership
from anxin.audit.models import AuditEvent
from anxin.core.testing import register
from anxin.hotline import access, actions
from anxin.hotline.tests.calls_testing import NOT_READERS, READERS, finished, start


@pytest.mark.parametrize("persona", READERS)
def test_readers_read_a_call_and_the_read_is_audited(world, persona):
    call = finished(world)
    user = getattr(world, persona)
    assert access.get_call_for_user(user, call.pk) == call
    assert AuditEvent.objects.filter(action="call.read", actor=user, kind="read").count() == 1
    assert access.get_hotline_project(user, "lw") == world.liwan
    assert list(access.calls_visible_to(user)) == [call]


@pytest.mark.parametrize("persona", NOT_READERS)
def test_everyone_else_gets_404_and_an_audited_refusal(world, persona):
    call = finished(world)
    call_back = actions.call_back_schedule(
        call=call,
        due_at=call.started_at.replace(year=call.started_at.year + 1),
        acting_user=world.counsellor,
    )
    user = getattr(world, persona)
    for door in (
        lambda: access.get_call_for_user(user, call.pk),
        lambda: access.get_call_for_user(user, call.pk, write=True),
        lambda: access.get_draft_for_user(user, call.pk),
        lambda: access.get_hotline_project(user, "lw"),
        lambda: access.get_call_back_for_user(user, call_back.pk, write=True),
    ):
        with pytest.raises(Http404):
            door()
    assert AuditEvent.objects.filter(kind="denied", actor=user).count() == 5
    assert not access.calls_visible_to(user).exists()
    assert not AuditEvent.objects.filter(action="call.read", kind="read").exists()


def test_a_supervisor_reads_but_gets_403_to_write(world):
    call = start(world)
    for door in (
        lambda: access.get_call_for_user(world.supervisor, call.pk, write=True),
        lambda: access.get_draft_for_user(world.supervisor, call.pk),
        lambda: access.get_hotline_project(world.supervisor, "lw", write=True),
    ):
        with pytest.raises(PermissionDenied):
            door()
    assert AuditEvent.objects.filter(kind="denied", actor=world.supervisor).count() == 3


def test_a_colleagues_draft_is_refused_but_the_call_is_read(world):
    call = start(world)
    with pytest.raises(PermissionDenied):
        access.get_draft_for_user(world.worker, call.pk)
    assert access.get_call_for_user(world.worker, call.pk, write=True) == call
    assert access.get_draft_for_user(world.counsellor, call.pk) == call


def test_an_operator_who_left_the_project_sees_nothing_more(world):
    call = finished(world)
    membership = Membership.objects.get(project=world.liwan, user=world.counsellor)
    membership_end(membership=membership, acting_user=world.admin)
    with pytest.raises(Http404):
        access.get_call_for_user(world.counsellor, call.pk)


def test_bad_ids_match_nothing(world):
    for bad in ("abc", 0, -1, 2**63, None):
        with pytest.raises(Http404):
            access.get_call_for_user(world.counsellor, bad)


def test_the_archive_link_shows_to_the_clients_project_team_only(world):
    case = register(world)
    call = finished(world)
    actions.call_link(call=call, case=case, reason="自报身份", acting_user=world.counsellor)
    assert access.sees_archive_link(world.counsellor, call)
    assert access.sees_archive_link(world.supervisor, call)
    assert not access.sees_archive_link(world.other_worker, call)
    assert not access.sees_archive_link(world.purchaser, call)
    assert not access.sees_archive_link(world.counsellor, finished(world))
