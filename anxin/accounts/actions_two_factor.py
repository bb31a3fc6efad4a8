"""State changes of two-factor login. Each writes its audit event.

The second login step counts towards the password lockout (``anxin.accounts.security``): a wrong
code is a failed login attempt, and only a completed login (password and code) is a successful
one, so entering the right password again does not reset the count of wrong codes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from anxin.accounts.models import LoginAttempt, Organisation, User
from anxin.accounts.two_factor import (
    RECOVERY_CODE_COUNT,
    RECOVERY_NAME,
    TOTP_NAME,
    clean_roles,
    confirmed_device,
    is_required,
    normalise_code,
)
from anxin.audit.actions import record, request_origin
from anxin.audit.models import AuditEvent

CHANGE = AuditEvent.Kind.CHANGE


def _record(user: User, action: str, request: Any, *, actor: User | None = None, **detail: Any):
    record(
        actor=actor or user,
        kind=CHANGE,
        action=action,
        obj=user,
        request=request,
        organisation_id=user.organisation_id,
        detail={"user": user.username, **detail},
    )


@transaction.atomic
def two_factor_policy_set(
    *, organisation: Organisation, roles: list[str], acting_user: User, request: Any = None
) -> Organisation:
    """Choose the roles that must use two-factor login; the audit keeps before and after."""
    before = list(organisation.two_factor_roles or [])
    organisation.two_factor_roles = clean_roles(roles)
    organisation.save(update_fields=["two_factor_roles", "updated_at"])
    record(
        actor=acting_user,
        kind=CHANGE,
        action="organisation.two_factor",
        obj=organisation,
        organisation_id=organisation.pk,
        request=request,
        detail={"before": before, "after": organisation.two_factor_roles},
    )
    return organisation


@transaction.atomic
def two_factor_prepare(*, user: User, request: Any = None) -> TOTPDevice:
    """The authenticator being set up: the unconfirmed device, created on first need."""
    device = TOTPDevice.objects.filter(user_id=user.pk, confirmed=False, name=TOTP_NAME).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
        _record(user, "two_factor.prepare", request)
    return device


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user_id=user.pk).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes: list[str] = []
    while len(codes) < RECOVERY_CODE_COUNT:
        code = StaticToken.random_token()
        if code not in codes:
            codes.append(code)
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def two_factor_enrol(*, user: User, code: str, request: HttpRequest) -> list[str]:
    """Confirm the authenticator with a code it shows; returns the new recovery codes (shown
    once). The session counts as verified from now on. A wrong code changes nothing but
    django-otp's count of wrong codes, and is an audit event."""
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user_id=user.pk, confirmed=False, name=TOTP_NAME)
            .first()
        )
        if device is None:
            raise ValidationError(_("Start again: open the two-factor login page."))
        if device.verify_token(normalise_code(code)):
            TOTPDevice.objects.filter(user_id=user.pk).exclude(pk=device.pk).delete()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            codes = _new_recovery_codes(user)
            otp_login(request, device)
            _record(user, "two_factor.enrol", request)
            return codes
        record(
            actor=user,
            kind=AuditEvent.Kind.DENIED,
            action="two_factor.enrol_failed",
            obj=user,
            request=request,
            organisation_id=user.organisation_id,
        )
    raise ValidationError(_("The code is wrong or has expired. Enter the code shown now."))


@transaction.atomic
def recovery_codes_renew(*, user: User, request: Any = None) -> list[str]:
    """Ten new recovery codes; the old ones stop working."""
    if confirmed_device(user) is None:
        raise ValidationError(_("Set up two-factor login first."))
    codes = _new_recovery_codes(user)
    _record(user, "two_factor.recovery_codes", request)
    return codes


@transaction.atomic
def two_factor_disable(*, user: User, request: Any = None) -> None:
    """Turn two-factor login off; refused while one of the user's roles requires it."""
    if is_required(user):
        raise ValidationError(
            _("Your organisation requires two-factor login for one of your roles.")
        )
    TOTPDevice.objects.filter(user_id=user.pk).delete()
    StaticDevice.objects.filter(user_id=user.pk).delete()
    _record(user, "two_factor.disable", request)


@transaction.atomic
def two_factor_reset(*, member: User, acting_user: User | None, request: Any = None) -> None:
    """An organisation admin (or, with no ``acting_user``, the server command) clears a person's
    authenticator and recovery codes (lost phone). Whoever must use two-factor login sets it up
    again at their next page."""
    TOTPDevice.objects.filter(user_id=member.pk).delete()
    StaticDevice.objects.filter(user_id=member.pk).delete()
    record(
        actor=acting_user,
        kind=CHANGE,
        action="two_factor.reset",
        obj=member,
        request=request,
        organisation_id=acting_user.organisation_id if acting_user else member.organisation_id,
        detail={"user": member.username},
    )


@dataclass(frozen=True)
class Verification:
    """The outcome of a second login step: ``method`` ("totp" or "recovery") when it passed;
    ``wait`` (seconds) when django-otp refused to check because of wrong codes just before."""

    method: str | None
    wait: int = 0


def two_factor_verify(*, user: User, code: str, request: HttpRequest) -> Verification:
    """The second login step. A code from the authenticator or an unused recovery code (which is
    then used up) verifies the session. A wrong code is a failed login attempt (lockout) and an
    audit event. Replayed TOTP codes are refused (django-otp keeps the last time step used)."""
    token = normalise_code(code)
    with transaction.atomic():
        method, device, wait = _match(user, token)
        origin = request_origin(request)
        LoginAttempt.objects.create(
            username=user.username, success=device is not None, ip=origin.get("ip")
        )
        if device is None:
            record(
                actor=user,
                kind=AuditEvent.Kind.DENIED,
                action="login.code_failed",
                obj=user,
                request=request,
                organisation_id=user.organisation_id,
                detail={"username": user.username, "throttled": wait > 0},
            )
            return Verification(None, wait)
        otp_login(request, device)
        record(
            actor=user,
            kind=AuditEvent.Kind.LOGIN,
            action="login.success",
            object_type="accounts.user",
            object_id=user.pk,
            organisation_id=user.organisation_id,
            request=request,
            detail={"username": user.username, "second_factor": method},
        )
        return Verification(method)


def _wait_seconds(device: TOTPDevice | StaticDevice) -> int:
    allowed, data = device.verify_is_allowed()
    if allowed or not data or "locked_until" not in data:
        return 0
    return max(1, math.ceil((data["locked_until"] - timezone.now()).total_seconds()))


def _match(user: User, token: str) -> tuple[str, TOTPDevice | StaticDevice | None, int]:
    """Which device accepts ``token``: six digits are an authenticator code, anything else a
    recovery code."""
    if token.isdigit() and len(token) == 6:
        method, model = "totp", TOTPDevice
        device = model.objects.select_for_update().filter(user_id=user.pk, confirmed=True)
    else:
        method, model = "recovery", StaticDevice
        device = model.objects.select_for_update().filter(user_id=user.pk, name=RECOVERY_NAME)
    found = device.order_by("pk").first()
    if found is None or not token:
        return method, None, 0
    wait = _wait_seconds(found)
    if found.verify_token(token):
        return method, found, 0
    return method, None, wait


def password_step_record(*, user: User, request: Any) -> None:
    """The password was right and a code is due: a trace, but not yet a successful login."""
    record(
        actor=user,
        kind=AuditEvent.Kind.LOGIN,
        action="login.password",
        object_type="accounts.user",
        object_id=user.pk,
        organisation_id=user.organisation_id,
        request=request,
        detail={"username": user.username},
    )
