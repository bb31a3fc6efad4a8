from __future__ import annotations

from django.test import override_settings
from django.urls import reverse

from anxin.accounts.models import LoginAttempt
from anxin.audit.models import AuditEvent
from anxin.core.testing import PASSWORD


def test_login_and_logout(client, world):
    response = client.post(reverse("accounts:login"), {"username": "worker", "password": PASSWORD})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="login.success", actor=world.worker).exists()
    assert client.post(reverse("accounts:logout")).status_code == 302


@override_settings(ANXIN_LOGIN_MAX_FAILURES=3)
def test_lockout_after_repeated_failures_even_with_the_right_password(client, world):
    for _ in range(3):
        response = client.post(
            reverse("accounts:login"), {"username": "worker", "password": "wrong"}
        )
        assert response.status_code == 200
    response = client.post(
        reverse("accounts:login"),
        {"username": "worker", "password": PASSWORD},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "Too many failed logins" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert LoginAttempt.objects.filter(username="worker", success=False).count() == 3
    assert AuditEvent.objects.filter(action="login.failed").count() == 3
    # Another user is not affected.
    assert (
        client.post(
            reverse("accounts:login"), {"username": "lead", "password": PASSWORD}
        ).status_code
        == 302
    )


@override_settings(ANXIN_LOGIN_MAX_FAILURES=3)
def test_a_success_resets_the_count(client, world):
    for _ in range(2):
        client.post(reverse("accounts:login"), {"username": "worker", "password": "wrong"})
    assert (
        client.post(
            reverse("accounts:login"), {"username": "worker", "password": PASSWORD}
        ).status_code
        == 302
    )
    client.post(reverse("accounts:logout"))
    client.post(reverse("accounts:login"), {"username": "worker", "password": "wrong"})
    assert (
        client.post(
            reverse("accounts:login"), {"username": "worker", "password": PASSWORD}
        ).status_code
        == 302
    )


def test_login_page_is_chinese_by_default_with_security_headers(client, db):
    response = client.get(reverse("accounts:login"))
    body = response.content.decode()
    assert '<html lang="zh-CN">' in body and "登录" in body
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "http" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "csrfmiddlewaretoken" in body


def test_english_is_available(client, db):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Log in" in client.get(reverse("accounts:login")).content.decode()


def test_session_expires_and_is_refreshed(settings, client, world):
    assert settings.SESSION_COOKIE_AGE <= 30 * 60 and settings.SESSION_SAVE_EVERY_REQUEST
    client.post(reverse("accounts:login"), {"username": "worker", "password": PASSWORD})
    assert client.session.get_expiry_age() <= 30 * 60


def test_csrf_is_enforced(world):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("accounts:login"), {"username": "worker", "password": PASSWORD})
    assert response.status_code == 403


def test_password_change_is_validated_and_audited(world, login):
    http = login(world.worker)
    weak = http.post(
        reverse("accounts:password"),
        {"old_password": PASSWORD, "new_password1": "123", "new_password2": "123"},
    )
    assert weak.status_code == 200 and weak.context["form"].errors
    response = http.post(
        reverse("accounts:password"),
        {
            "old_password": PASSWORD,
            "new_password1": "Another-long-pass-9",
            "new_password2": "Another-long-pass-9",
        },
    )
    assert response.status_code == 302
    world.worker.refresh_from_db()
    assert world.worker.check_password("Another-long-pass-9")
    assert AuditEvent.objects.filter(action="user.password_change", actor=world.worker).exists()
