from __future__ import annotations

import pytest
from django.urls import reverse

from anxin.core.testing import register


def test_org_admin_sees_reads_changes_and_refusals(world, login):
    client = register(world).client
    login(world.worker).get(reverse("clients:detail", args=[client.pk]))
    login(world.other_worker).get(reverse("clients:detail", args=[client.pk]))
    response = login(world.admin).get(reverse("audit:log"))
    actions = [e.action for e in response.context["page"]]
    assert "client.register" in actions and "client.read" in actions
    assert any(
        e.kind == "denied" and e.actor_name == "other_worker" for e in response.context["page"]
    )
    denied = login(world.admin).get(reverse("audit:log"), {"kind": "denied"}).context["page"]
    assert {e.kind for e in denied} == {"denied"}


def test_other_organisations_events_are_not_shown(world, login):
    world.outsider.is_org_admin = True
    world.outsider.save()
    register(world)
    page = login(world.outsider).get(reverse("audit:log")).context["page"]
    assert not any(e.action == "client.register" for e in page)


@pytest.mark.parametrize("persona", ["lead", "worker", "supervisor", "purchaser"])
def test_audit_log_is_for_org_admins_only(world, login, persona):
    assert login(getattr(world, persona)).get(reverse("audit:log")).status_code == 403
