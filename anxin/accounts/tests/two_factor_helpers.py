"""Helpers of the two-factor tests: real TOTP codes computed from a device's key."""

from __future__ import annotations

import time
from typing import Any

from django.test import Client as HttpClient
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from anxin.accounts.actions_two_factor import recovery_codes_renew
from anxin.accounts.models import User
from anxin.accounts.two_factor import TOTP_NAME
from anxin.core.testing import PASSWORD

LOGIN = "/accounts/login/"
VERIFY = "/accounts/two-factor/verify/"
SETUP = "/accounts/two-factor/"


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code the authenticator app shows now (or ``steps_ahead`` periods later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    """Six digits that are none of the codes the device accepts now."""
    valid = {code_for(device, k) for k in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in valid)


def enrol(user: User) -> tuple[TOTPDevice, list[str]]:
    """A confirmed authenticator and ten recovery codes, as set up earlier."""
    device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=True)
    return device, recovery_codes_renew(user=user)


def password_login(client: HttpClient, user: User, next_url: str = "") -> Any:
    data = {"username": user.username, "password": PASSWORD}
    url = LOGIN + (f"?next={next_url}" if next_url else "")
    return client.post(url, data)


def full_login(client: HttpClient, user: User, device: TOTPDevice, steps_ahead: int = 0) -> Any:
    password_login(client, user)
    return client.post(VERIFY, {"code": code_for(device, steps_ahead)})


def case_list_url() -> str:
    return reverse("clients:list")
