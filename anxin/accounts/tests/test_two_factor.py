"""Two-factor login: enrolment with a real TOTP code, the second login step, recovery codes,
replay, lockout, turning off and moving to a new phone."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from django.test import Client as HttpClient
from django.test import override_settings
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from anxin.accounts.models import LoginAttempt
from anxin.accounts.tests.two_factor_helpers import (
    LOGIN,
    SETUP,
    VERIFY,
    code_for,
    enrol,
    full_login,
    password_login,
    wrong_code,
)
from anxin.audit.models import AuditEvent
from anxin.core.testing import PASSWORD, World, register

CONFIRM = "/accounts/two-factor/confirm/"
NO_THROTTLE = override_settings(OTP_TOTP_THROTTLE_FACTOR=0, OTP_STATIC_THROTTLE_FACTOR=0)


def verified(client: HttpClient) -> bool:
    return "otp_device_id" in client.session


@NO_THROTTLE
def test_enrolment_with_a_real_code(world: World, login) -> None:
    http = login(world.worker)
    page = http.get(SETUP)
    body = page.content.decode()
    assert page.status_code == 200 and 'src="data:image/svg+xml' in body
    device = TOTPDevice.objects.get(user=world.worker)
    assert not device.confirmed and (device.digits, device.step, device.tolerance) == (6, 30, 1)
    assert "issuer=%E5%AE%89%E5%BF%83%20anxin" in device.config_url
    # Reloading shows the same key: the device being set up is kept until confirmed.
    http.get(SETUP)
    assert TOTPDevice.objects.filter(user=world.worker).count() == 1

    wrong = http.post(CONFIRM, {"code": wrong_code(device)}, HTTP_ACCEPT_LANGUAGE="en")
    assert wrong.status_code == 200 and "wrong or has expired" in wrong.content.decode()
    device.refresh_from_db()
    assert not device.confirmed and not StaticToken.objects.exists() and not verified(http)
    assert AuditEvent.objects.filter(action="two_factor.enrol_failed", actor=world.worker).exists()

    done = http.post(CONFIRM, {"code": code_for(device)})
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == len(set(codes)) == 10
    assert all(re.fullmatch(r"[a-z2-7]{4}-[a-z2-7]{4}", code) for code in codes)
    stored = set(StaticToken.objects.filter(device__user=world.worker).values_list("token", flat=1))
    assert stored == {code.replace("-", "") for code in codes}
    # The download holds the same codes; the page says they are shown only now.
    assert all(code in unquote(done.context["download"]) for code in codes)
    device.refresh_from_db()
    assert device.confirmed and verified(http)
    assert AuditEvent.objects.filter(action="two_factor.enrol", actor=world.worker).count() == 1
    # From now on the page shows the state, not the key; the codes are never shown again.
    status = http.get(SETUP).content.decode()
    assert 'src="data:image/svg+xml' not in status and codes[0] not in status


def test_an_enrolled_user_must_enter_a_code_after_the_password(world: World, client) -> None:
    device, _codes = enrol(world.lead)
    case = register(world)
    case_url = reverse("cases:detail", args=[case.pk])
    response = password_login(client, world.lead, next_url=case_url)
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    assert "_auth_user_id" in client.session and not verified(client)
    # Until the code, every page leads to the code page, and the login is not yet a success.
    blocked = client.get(case_url)
    assert blocked.status_code == 302 and blocked["Location"].startswith(VERIFY)
    sneaking = client.get(case_url, HTTP_AUTHORIZATION="Bearer anything")
    assert sneaking.status_code == 302 and sneaking["Location"].startswith(VERIFY)
    assert client.get("/api/v1/projects").status_code == 403
    assert not LoginAttempt.objects.filter(username="lead", success=True).exists()
    assert AuditEvent.objects.filter(action="login.password", actor=world.lead).exists()
    # Nor can the password alone change the second factor.
    assert client.get(SETUP)["Location"].startswith(VERIFY)
    assert client.post(CONFIRM, {"code": "123456"})["Location"].startswith(VERIFY)

    done = client.post(VERIFY, {"code": code_for(device), "next": case_url})
    assert done.status_code == 302 and done["Location"] == case_url
    assert verified(client) and client.get(case_url).status_code == 200
    assert client.get("/api/v1/projects").status_code == 200
    assert LoginAttempt.objects.filter(username="lead", success=True).count() == 1
    event = AuditEvent.objects.get(action="login.success", actor=world.lead)
    assert event.detail["second_factor"] == "totp"


def test_a_user_without_an_authenticator_logs_in_as_before(world: World, client) -> None:
    response = password_login(client, world.worker)
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.get(reverse("clients:list")).status_code == 200
    assert client.get(VERIFY).status_code == 302  # nothing to verify


@NO_THROTTLE
def test_a_recovery_code_works_once(world: World, client) -> None:
    _device, codes = enrol(world.worker)
    password_login(client, world.worker)
    used = codes[3].upper().replace("-", " ")  # as people type it
    response = client.post(VERIFY, {"code": used}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302 and verified(client)
    assert StaticToken.objects.filter(device__user=world.worker).count() == 9
    event = AuditEvent.objects.get(action="login.success", actor=world.worker)
    assert event.detail["second_factor"] == "recovery"

    client.post(reverse("accounts:logout"))
    password_login(client, world.worker)
    again = client.post(VERIFY, {"code": codes[3]}, HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 200 and not verified(client)
    assert "wrong or has expired" in again.content.decode()
    assert client.post(VERIFY, {"code": codes[4]}).status_code == 302 and verified(client)


def test_the_same_code_cannot_be_used_twice(world: World, client) -> None:
    device, _codes = enrol(world.worker)
    code = code_for(device)
    password_login(client, world.worker)
    assert client.post(VERIFY, {"code": code}).status_code == 302 and verified(client)
    client.post(reverse("accounts:logout"))
    password_login(client, world.worker)
    replay = client.post(VERIFY, {"code": code})
    assert replay.status_code == 200 and not verified(client)
    assert AuditEvent.objects.filter(action="login.code_failed", actor=world.worker).count() == 1


@NO_THROTTLE
@override_settings(ANXIN_LOGIN_MAX_FAILURES=3)
def test_wrong_codes_count_towards_the_lockout(world: World, client) -> None:
    device, codes = enrol(world.worker)
    password_login(client, world.worker)
    for _attempt in range(2):
        assert client.post(VERIFY, {"code": wrong_code(device)}).status_code == 200
    # The right password again does not reset the count of wrong codes.
    client.post(reverse("accounts:logout"))
    assert password_login(client, world.worker)["Location"].startswith(VERIFY)
    locked = client.post(VERIFY, {"code": "zzzz-zzzz"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Too many failed logins" in locked.content.decode()
    assert AuditEvent.objects.filter(action="login.code_failed", actor=world.worker).count() == 3
    # Locked: even the right code or a recovery code is not checked, nor is the password.
    for code in (code_for(device), codes[0]):
        response = client.post(VERIFY, {"code": code}, HTTP_ACCEPT_LANGUAGE="en")
        assert "Too many failed logins" in response.content.decode() and not verified(client)
    assert StaticToken.objects.filter(device__user=world.worker).count() == 10
    client.post(reverse("accounts:logout"))
    again = password_login(client, world.worker)
    assert again.status_code == 200 and "_auth_user_id" not in client.session
    assert LoginAttempt.objects.filter(username="worker", success=False).count() == 3


def test_django_otp_makes_the_next_try_wait_after_a_wrong_code(world: World, client) -> None:
    device, _codes = enrol(world.worker)
    password_login(client, world.worker)
    client.post(VERIFY, {"code": wrong_code(device)})
    response = client.post(VERIFY, {"code": code_for(device)}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and not verified(client)
    assert "wait 1 seconds" in response.content.decode()
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # the refused try was not checked at all
    assert LoginAttempt.objects.filter(username="worker", success=False).count() == 2


def test_new_recovery_codes_replace_the_old(world: World, client) -> None:
    device, old = enrol(world.worker)
    full_login(client, world.worker, device)
    response = client.post(reverse("accounts:two-factor-recovery"))
    new = response.context["codes"]
    assert response.status_code == 200 and len(new) == 10 and not set(new) & set(old)
    assert AuditEvent.objects.filter(action="two_factor.recovery_codes").count() == 2
    client.post(reverse("accounts:logout"))
    password_login(client, world.worker)
    assert client.post(VERIFY, {"code": old[0]}).status_code == 200 and not verified(client)
    stored = set(StaticToken.objects.filter(device__user=world.worker).values_list("token", flat=1))
    assert stored == {code.replace("-", "") for code in new}


@NO_THROTTLE
def test_new_codes_work_where_old_ones_do_not(world: World, client) -> None:
    device, old = enrol(world.worker)
    full_login(client, world.worker, device)
    new = client.post(reverse("accounts:two-factor-recovery")).context["codes"]
    client.post(reverse("accounts:logout"))
    password_login(client, world.worker)
    assert client.post(VERIFY, {"code": old[1]}).status_code == 200 and not verified(client)
    assert client.post(VERIFY, {"code": new[1]}).status_code == 302 and verified(client)


def test_turning_off_is_for_those_not_required(world: World, client) -> None:
    device, _codes = enrol(world.worker)
    full_login(client, world.worker, device)
    world.org.two_factor_roles = ["social_worker"]
    world.org.save()
    refused = client.post(
        reverse("accounts:two-factor-disable"), follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "requires two-factor login for one of your roles" in refused.content.decode()
    assert TOTPDevice.objects.filter(user=world.worker, confirmed=True).exists()
    world.org.two_factor_roles = ["lead"]
    world.org.save()
    assert client.post(reverse("accounts:two-factor-disable")).status_code == 302
    assert not TOTPDevice.objects.filter(user=world.worker).exists()
    assert not StaticToken.objects.filter(device__user=world.worker).exists()
    assert AuditEvent.objects.filter(action="two_factor.disable", actor=world.worker).exists()
    client.post(reverse("accounts:logout"))
    assert password_login(client, world.worker)["Location"] == reverse("home")


def test_moving_to_a_new_phone_needs_a_verified_session(world: World, client) -> None:
    old, _codes = enrol(world.worker)
    full_login(client, world.worker, old)
    page = client.get(SETUP + "?replace=1")
    assert 'src="data:image/svg+xml' in page.content.decode()
    new = TOTPDevice.objects.get(user=world.worker, confirmed=False)
    assert client.post(CONFIRM, {"code": code_for(new)}).status_code == 200
    assert list(TOTPDevice.objects.filter(user=world.worker)) == [new]
    client.post(reverse("accounts:logout"))
    password_login(client, world.worker)
    assert client.post(VERIFY, {"code": code_for(old, 1)}).status_code == 200
    assert not verified(client)


@pytest.mark.parametrize(
    "path", ["/accounts/two-factor/recovery-codes/", "/accounts/two-factor/disable/"]
)
def test_an_unverified_session_cannot_change_the_second_factor(world: World, client, path) -> None:
    enrol(world.worker)
    password_login(client, world.worker)
    response = client.post(path)
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=world.worker, confirmed=True).exists()
    assert StaticToken.objects.filter(device__user=world.worker).count() == 10


def test_login_page_still_refuses_a_wrong_password(world: World, client) -> None:
    enrol(world.worker)
    response = client.post(LOGIN, {"username": "worker", "password": PASSWORD + "x"})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_the_pages_lock_themselves_without_the_middleware(world: World, client, settings) -> None:
    settings.MIDDLEWARE = [
        m for m in settings.MIDDLEWARE if m != "anxin.accounts.middleware.TwoFactorMiddleware"
    ]
    enrol(world.worker)
    password_login(client, world.worker)
    for path in (SETUP, SETUP + "?replace=1"):
        assert client.get(path)["Location"].startswith(VERIFY)
    for path in (CONFIRM, "/accounts/two-factor/recovery-codes/", "/accounts/two-factor/disable/"):
        assert client.post(path, {"code": "123456"})["Location"].startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=world.worker).count() == 1
    assert StaticToken.objects.filter(device__user=world.worker).count() == 10
