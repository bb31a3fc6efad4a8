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


def test_what_a_refused_look_up_asked_for_is_kept_to_the_columns_length(db):
    """A URL may carry a code of any length; the audit row keeps its first 64 characters (on
    PostgreSQL a longer value would be refused, turning a refusal into a 500)."""
    from anxin.audit.actions import record
    from anxin.audit.models import AuditEvent

    event = record(actor=None, kind=AuditEvent.Kind.DENIED, action="a" * 80, object_id="x" * 300)
    event.refresh_from_db()
    assert (len(event.action), len(event.object_id)) == (64, 64)
