"""Two-factor login required by the organisation: the setting, who it applies to, the block until
set up (pages, htmx, API session; not API tokens), the admin's reset, and token creation."""

from __future__ import annotations

import io

import pytest
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client as HttpClient
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.middleware import OTPMiddleware
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from anxin.accounts.actions import api_token_create, membership_set
from anxin.accounts.actions_two_factor import two_factor_policy_set
from anxin.accounts.models import User
from anxin.accounts.tests.two_factor_helpers import (
    SETUP,
    VERIFY,
    code_for,
    enrol,
    full_login,
    password_login,
)
from anxin.accounts.two_factor import ENROL, is_required, pending_step
from anxin.accounts.two_factor import VERIFY as VERIFY_STEP
from anxin.audit.models import AuditEvent
from anxin.core.testing import World, another_liwan_project, register

POLICY = "/accounts/staff/two-factor/"
CONFIRM = "/accounts/two-factor/confirm/"


def require(world: World, *roles: str) -> None:
    two_factor_policy_set(organisation=world.org, roles=list(roles), acting_user=world.admin)


def reset_url(user: User) -> str:
    return reverse("accounts:two-factor-reset", args=[user.pk])


def test_nothing_is_required_by_default(world: World) -> None:
    assert world.org.two_factor_roles == []
    people = [world.admin, world.lead, world.worker, world.purchaser, world.outsider]
    assert not any(is_required(person) for person in people)


def test_the_admin_chooses_the_roles_and_the_change_is_audited(world: World, login) -> None:
    http = login(world.admin)
    page = http.get(POLICY)
    assert page.status_code == 200
    body = page.content.decode()
    assert body.count("text-bg-info") == 3  # the recommended roles are marked
    response = http.post(POLICY, {"roles": ["psychiatrist", "lead"]})
    assert response.status_code == 302
    world.org.refresh_from_db()
    assert world.org.two_factor_roles == ["lead", "psychiatrist"]
    event = AuditEvent.objects.get(action="organisation.two_factor")
    assert event.actor == world.admin and event.organisation_id == world.org.pk
    assert event.detail == {"before": [], "after": ["lead", "psychiatrist"]}
    # Bad input: a clear message, nothing changed.
    bad = http.post(POLICY, {"roles": ["lead", "root"]}, HTTP_ACCEPT_LANGUAGE="en")
    assert bad.status_code == 200 and "not one of the available choices" in bad.content.decode()
    world.org.refresh_from_db()
    assert world.org.two_factor_roles == ["lead", "psychiatrist"]
    assert AuditEvent.objects.filter(action="organisation.two_factor").count() == 1
    # Requiring it of organisation admins applies to the admin at once.
    http.post(POLICY, {"roles": ["org_admin", "lead"]})
    assert AuditEvent.objects.get(
        action="organisation.two_factor", detail__after=["org_admin", "lead"]
    )
    assert http.get(POLICY)["Location"].startswith(SETUP)


@pytest.mark.parametrize("persona", ["lead", "worker", "purchaser"])
def test_only_an_org_admin_changes_the_setting(world: World, login, persona: str) -> None:
    http = login(getattr(world, persona))
    assert http.get(POLICY).status_code == 403
    assert http.post(POLICY, {"roles": ["lead"]}).status_code == 403
    world.org.refresh_from_db()
    assert world.org.two_factor_roles == []
    assert AuditEvent.objects.filter(action="organisation.admin", kind="denied").count() == 2


def test_another_organisations_admin_changes_only_their_own(world: World, login) -> None:
    other_admin = User.objects.create_user("other_admin", organisation=world.other_org)
    other_admin.is_org_admin = True
    other_admin.save()
    http = login(world.admin)
    http.logout()
    http.force_login(other_admin)
    assert http.post(POLICY, {"roles": ["social_worker"]}).status_code == 302
    world.org.refresh_from_db()
    world.other_org.refresh_from_db()
    assert world.org.two_factor_roles == [] and world.other_org.two_factor_roles == [
        "social_worker"
    ]
    assert is_required(world.outsider) and not is_required(world.worker)


def test_who_is_required(world: World) -> None:
    require(world, "social_worker")
    assert is_required(world.worker) and is_required(world.other_worker)
    assert not any(is_required(p) for p in (world.admin, world.lead, world.purchaser))
    require(world, "org_admin")
    assert is_required(world.admin) and not is_required(world.worker)
    # Purchaser viewers follow the organisation whose project they view.
    require(world, "purchaser_viewer")
    assert is_required(world.purchaser) and not is_required(world.admin)
    two_factor_policy_set(
        organisation=world.other_org, roles=["purchaser_viewer"], acting_user=world.admin
    )
    require(world)
    assert not is_required(world.purchaser)
    # Only active memberships count.
    require(world, "social_worker")
    world.worker.memberships.update(active=False)
    assert not is_required(world.worker)


def test_required_but_not_set_up_reaches_only_the_set_up_page(world: World, client) -> None:
    require(world, "social_worker")
    case = register(world)
    token = api_token_create(user=world.worker, name="script", acting_user=None)[1]
    response = password_login(client, world.worker)
    assert response.status_code == 302
    page_urls = [
        reverse("home"),
        reverse("clients:list"),
        reverse("cases:detail", args=[case.pk]),
        reverse("accounts:password"),
        VERIFY,
    ]
    for url in page_urls:
        blocked = client.get(url)
        assert blocked.status_code == 302 and blocked["Location"].startswith(SETUP), url
    assert client.post(reverse("cases:detail", args=[case.pk])).status_code == 302
    htmx = client.get(reverse("clients:list"), HTTP_HX_REQUEST="true")
    assert htmx.status_code == 204 and htmx["HX-Redirect"].startswith(SETUP)
    api = client.get("/api/v1/projects", HTTP_ACCEPT_LANGUAGE="en")
    assert api.status_code == 403 and "two-factor" in api.json()["detail"]
    # A token is a separate credential: not affected.
    with_token = client.get("/api/v1/projects", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert with_token.status_code == 200
    # ... but only on the API: a page does not read the header, so offering one (even a valid
    # token) with the half-logged-in session gets no further than the set-up page.
    for offered in (f"Bearer {token}", "Bearer anything"):
        page = client.get(reverse("cases:detail", args=[case.pk]), HTTP_AUTHORIZATION=offered)
        assert page.status_code == 302 and page["Location"].startswith(SETUP)
    bogus = client.get("/api/v1/projects", HTTP_AUTHORIZATION="Bearer anything")
    assert bogus.status_code == 401  # a bad token is refused, never the session instead
    # Allowed: the set-up page, the language switch, the health check, logging out.
    assert client.get(SETUP).status_code == 200
    assert client.post(reverse("set_language"), {"language": "en"}).status_code == 302
    assert client.get("/healthz").status_code in (200, 503)
    assert client.get("/no/such/page/").status_code == 404
    assert client.get(reverse("survey-public:answer", args=["no-such-token"])).status_code == 404

    device = TOTPDevice.objects.get(user=world.worker, confirmed=False)
    assert client.post(CONFIRM, {"code": code_for(device)}).status_code == 200
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 200
    assert client.get("/api/v1/projects").status_code == 200
    assert client.post(reverse("accounts:logout")).status_code == 302


def test_roles_not_chosen_are_unaffected(world: World, login) -> None:
    require(world, "social_worker")
    case = register(world)
    for persona in ("counsellor", "lead", "admin"):
        http = login(getattr(world, persona))
        expected = 200 if persona != "admin" else 404  # the admin reads no archive
        assert http.get(reverse("cases:detail", args=[case.pk])).status_code == expected
        assert http.get(reverse("home")).status_code == 200
        http.logout()


def test_a_requirement_switched_on_applies_to_open_sessions(world: World, login) -> None:
    http = login(world.lead)
    assert http.get(reverse("clients:list")).status_code == 200
    require(world, "lead")
    assert http.get(reverse("clients:list"))["Location"].startswith(SETUP)


def test_the_middleware_costs_one_query(world: World) -> None:
    def cost(user: User, expected: str | None) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert pending_step(user) == expected
        return len(queries)

    project = another_liwan_project(world, "lw2", "第二个项目")
    membership_set(project=project, user=world.worker, role="lead", acting_user=world.admin)
    assert cost(world.worker, None) == 1
    require(world, "org_admin", "lead")
    assert cost(world.admin, ENROL) == cost(world.worker, ENROL) == 1
    assert cost(world.counsellor, None) == 1
    world.worker.memberships.filter(project=project).update(active=False)
    assert cost(world.worker, None) == 1
    enrol(world.worker)
    assert cost(world.worker, VERIFY_STEP) == 1


def test_an_admin_resets_a_lost_phone(world: World, client) -> None:
    require(world, "social_worker")
    device, _codes = enrol(world.worker)
    full_login(client, world.worker, device)
    assert client.get(reverse("clients:list")).status_code == 200
    admin = HttpClient()
    admin.force_login(world.admin)
    response = admin.post(reverse("accounts:two-factor-reset", args=[world.worker.pk]))
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=world.worker).exists()
    assert not StaticDevice.objects.filter(user=world.worker).exists()
    event = AuditEvent.objects.get(action="two_factor.reset")
    assert event.actor == world.admin and event.detail == {"user": "worker"}
    # The worker's open session must now set up a new phone before anything else.
    assert client.get(reverse("clients:list"))["Location"].startswith(SETUP)
    assert client.get(SETUP).status_code == 200


def test_an_admin_resets_a_purchaser_viewer_of_their_projects(world: World, login) -> None:
    enrol(world.purchaser)
    http = login(world.admin)
    page = http.get(POLICY).content.decode()
    assert reset_url(world.purchaser) in page and reset_url(world.outsider) not in page
    assert http.post(reset_url(world.purchaser)).status_code == 302
    assert not TOTPDevice.objects.filter(user=world.purchaser).exists()


@pytest.mark.parametrize("persona", ["lead", "worker"])
def test_reset_is_refused_to_non_admins(world: World, login, persona: str) -> None:
    enrol(world.counsellor)
    http = login(getattr(world, persona))
    assert http.post(reset_url(world.counsellor)).status_code == 403
    assert TOTPDevice.objects.filter(user=world.counsellor).exists()
    assert not AuditEvent.objects.filter(action="two_factor.reset", kind="change").exists()
    assert AuditEvent.objects.filter(action="organisation.admin", kind="denied").exists()


def test_reset_is_refused_to_the_admin_of_another_organisation(world: World, login) -> None:
    other_admin = User.objects.create_user("other_admin", organisation=world.other_org)
    other_admin.is_org_admin = True
    other_admin.save()
    enrol(world.worker)
    enrol(world.purchaser)
    http = login(world.admin)
    http.logout()
    http.force_login(other_admin)
    for person in (world.worker, world.purchaser):
        assert http.post(reset_url(person)).status_code == 404
    assert TOTPDevice.objects.filter(user__in=[world.worker, world.purchaser]).count() == 2
    assert AuditEvent.objects.filter(action="two_factor.reset", kind="denied").count() == 2
    assert http.get(reset_url(world.worker)).status_code == 405  # POST only


def test_an_admin_does_not_reset_their_own(world: World, login) -> None:
    enrol(world.admin)
    http = login(world.admin)
    http.logout()
    http.force_login(world.admin)
    device = TOTPDevice.objects.get(user=world.admin)
    session = http.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    response = http.post(reset_url(world.admin), follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "Use your own two-factor login page" in response.content.decode()
    assert TOTPDevice.objects.filter(user=world.admin).exists()


def _request(user: User, verified_device: TOTPDevice | None = None):
    request = RequestFactory().post("/")
    SessionMiddleware(lambda r: None).process_request(request)  # type: ignore[arg-type]
    if verified_device is not None:
        request.session["otp_device_id"] = verified_device.persistent_id
    request.user = user
    OTPMiddleware(lambda r: None)._install_lazy_accessors(request)  # type: ignore[arg-type]
    return request


def test_creating_a_token_from_a_session_needs_two_factor_when_required(world: World) -> None:
    require(world, "lead")
    with pytest.raises(ValidationError):
        api_token_create(
            user=world.lead, name="x", acting_user=world.lead, request=_request(world.lead)
        )
    device, _codes = enrol(world.lead)
    request = _request(world.lead, device)
    _token, key = api_token_create(
        user=world.lead, name="x", acting_user=world.lead, request=request
    )
    assert key.startswith("ax_")
    # Not required: a plain session will do, and the server command needs none.
    assert api_token_create(
        user=world.worker, name="x", acting_user=world.worker, request=_request(world.worker)
    )
    assert api_token_create(user=world.lead, name="cli", acting_user=None)


def test_the_server_command_resets_when_no_admin_can(world: World) -> None:
    enrol(world.admin)
    out = io.StringIO()
    call_command("reset-two-factor", "admin", stdout=out)
    assert not TOTPDevice.objects.filter(user=world.admin).exists()
    event = AuditEvent.objects.get(action="two_factor.reset")
    assert event.actor is None and event.organisation_id == world.org.pk
    with pytest.raises(CommandError):
        call_command("reset-two-factor", "admin")  # nothing left to reset
    with pytest.raises(CommandError):
        call_command("reset-two-factor", "nobody")
    assert AuditEvent.objects.filter(action="two_factor.reset").count() == 1
