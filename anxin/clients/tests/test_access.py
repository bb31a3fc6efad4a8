"""Every client route refuses every persona that must not read or change the archive."""

from __future__ import annotations

import pytest
from django.urls import reverse

from anxin.audit.models import AuditEvent
from anxin.clients.access import get_client_for_user
from anxin.core.testing import register

READ_ROUTES = ["clients:detail", "clients:edit"]
REFUSED = ["other_worker", "purchaser", "outsider", "admin"]


@pytest.mark.parametrize("persona", REFUSED)
@pytest.mark.parametrize("route", READ_ROUTES)
def test_refused_personas_get_404_and_an_audit_event(world, login, persona, route):
    client_obj = register(world).client
    http = login(getattr(world, persona))
    before = AuditEvent.objects.filter(kind="denied").count()
    response = http.get(reverse(route, args=[client_obj.pk]))
    assert response.status_code == 404
    assert client_obj.name not in response.content.decode()
    assert AuditEvent.objects.filter(kind="denied").count() == before + 1


@pytest.mark.parametrize("persona", REFUSED)
def test_refused_personas_do_not_see_the_client_in_lists(world, login, persona):
    register(world)
    response = login(getattr(world, persona)).get(reverse("clients:list"), {"q": "zs"})
    assert response.status_code == 200
    assert "张三" not in response.content.decode()


@pytest.mark.parametrize("persona", REFUSED)
def test_refused_personas_cannot_post_changes(world, login, persona):
    client_obj = register(world).client
    http = login(getattr(world, persona))
    r1 = http.post(reverse("clients:edit", args=[client_obj.pk]), {"name": "改名", "reason": "x"})
    r2 = http.post(
        reverse("clients:family-add", args=[client_obj.pk]), {"name": "某人", "relation": "other"}
    )
    assert r1.status_code == r2.status_code == 404
    client_obj.refresh_from_db()
    assert client_obj.name == "张三"
    assert client_obj.family_members.count() == 1


def test_supervisor_reads_but_cannot_change(world, login):
    client_obj = register(world).client
    http = login(world.supervisor)
    assert http.get(reverse("clients:detail", args=[client_obj.pk])).status_code == 200
    assert http.get(reverse("clients:edit", args=[client_obj.pk])).status_code == 403
    response = http.post(
        reverse("clients:family-add", args=[client_obj.pk]), {"name": "某人", "relation": "other"}
    )
    assert response.status_code == 403
    assert client_obj.family_members.count() == 1


@pytest.mark.parametrize("persona", ["worker", "lead", "counsellor", "supervisor"])
def test_members_read_the_archive_and_each_read_is_audited(world, login, persona):
    client_obj = register(world).client
    http = login(getattr(world, persona))
    response = http.get(reverse("clients:detail", args=[client_obj.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert client_obj.id_number in body and "精神分裂症" in body
    event = AuditEvent.objects.filter(kind="read", object_id=str(client_obj.pk)).latest("id")
    assert event.actor == getattr(world, persona)
    assert event.ip == "127.0.0.1"


def test_anonymous_is_sent_to_login(client, world):
    client_obj = register(world).client
    response = client.get(reverse("clients:detail", args=[client_obj.pk]))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_access_function_refuses_garbage_ids(world):
    from django.http import Http404

    with pytest.raises(Http404):
        get_client_for_user(world.worker, "1 or 1=1")


def test_closed_membership_ends_access(world, login):
    from anxin.accounts.actions import membership_end

    client_obj = register(world).client
    membership = world.worker.memberships.get(project=world.liwan)
    membership_end(membership=membership, acting_user=world.admin)
    assert (
        login(world.worker).get(reverse("clients:detail", args=[client_obj.pk])).status_code == 404
    )
