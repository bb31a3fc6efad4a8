"""Two-factor login pages: set up, recovery codes, the second login step, and the organisation
admin's setting and reset. The rules are in ``anxin.accounts.two_factor``; the middleware in
``anxin.accounts.middleware`` sends sessions here when a step is due."""

from __future__ import annotations

from base64 import b32encode
from urllib.parse import quote

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from anxin.accounts import actions_two_factor as actions
from anxin.accounts.access import get_user_for_two_factor_reset, require_org_admin
from anxin.accounts.forms import CodeForm, TwoFactorPolicyForm
from anxin.accounts.security import is_locked_out
from anxin.accounts.selectors import two_factor_people
from anxin.accounts.two_factor import (
    RECOMMENDED,
    format_recovery_code,
    is_enrolled,
    is_required,
    recovery_device,
    required_by,
    role_choices,
    session_verified,
)
from anxin.core.requests import AuthedHttpRequest


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


def _secret(device: TOTPDevice) -> str:
    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def _setup_context(request: AuthedHttpRequest, form: CodeForm | None = None) -> dict[str, object]:
    device = actions.two_factor_prepare(user=request.user, request=request)
    qr = segno.make(device.config_url, error="m")
    return {
        "setup": True,
        "qr": qr.svg_data_uri(scale=5, border=2, dark="#000", light="#fff"),
        "secret": _secret(device),
        "form": form or CodeForm(),
        "required": is_required(request.user),
        "next": _next(request),
    }


def _codes_page(request: AuthedHttpRequest, codes: list[str]) -> HttpResponse:
    shown = [format_recovery_code(code) for code in codes]
    text = "\n".join(
        [_("Anxin recovery codes for %(user)s") % {"user": request.user.username}, "", *shown, ""]
    )
    context = {
        "codes": shown,
        "download": "data:text/plain;charset=utf-8," + quote(text),
        "next": _next(request),
    }
    return render(request, "accounts/two_factor_codes.html", context)


def _unverified(request: AuthedHttpRequest) -> bool:
    """Enrolled but this session has not passed the code: nothing here may change (the
    middleware sends such sessions to the code page already; this is the second lock)."""
    return is_enrolled(request.user) and not session_verified(request.user)


@login_required
def two_factor(request: AuthedHttpRequest) -> HttpResponse:
    """Set up (or replace) the authenticator, or see where things stand."""
    if _unverified(request):
        return redirect("accounts:two-factor-verify")
    enrolled = is_enrolled(request.user)
    if not enrolled or (request.GET.get("replace") and session_verified(request.user)):
        return render(request, "accounts/two_factor.html", _setup_context(request))
    static = recovery_device(request.user)
    context = {
        "setup": False,
        "required": is_required(request.user),
        "codes_left": static.token_set.count() if static is not None else 0,
    }
    return render(request, "accounts/two_factor.html", context)


@login_required
@require_POST
def two_factor_confirm(request: AuthedHttpRequest) -> HttpResponse:
    if _unverified(request):
        return redirect("accounts:two-factor-verify")
    form = CodeForm(request.POST)
    if form.is_valid():
        try:
            codes = actions.two_factor_enrol(
                user=request.user, code=form.cleaned_data["code"], request=request
            )
        except ValidationError as exc:
            form.add_error("code", exc)
        else:
            messages.success(request, _("Two-factor login is on."))
            return _codes_page(request, codes)
    return render(request, "accounts/two_factor.html", _setup_context(request, form))


@login_required
@require_POST
def two_factor_recovery(request: AuthedHttpRequest) -> HttpResponse:
    if _unverified(request):
        return redirect("accounts:two-factor-verify")
    try:
        codes = actions.recovery_codes_renew(user=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("accounts:two-factor")
    messages.success(request, _("New recovery codes: the old ones no longer work."))
    return _codes_page(request, codes)


@login_required
@require_POST
def two_factor_disable(request: AuthedHttpRequest) -> HttpResponse:
    if _unverified(request):
        return redirect("accounts:two-factor-verify")
    try:
        actions.two_factor_disable(user=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Two-factor login is off."))
    return redirect("accounts:two-factor")


@login_required
def two_factor_verify(request: AuthedHttpRequest) -> HttpResponse:
    """The second login step: a code from the authenticator app or a recovery code."""
    user = request.user
    if session_verified(user) or not is_enrolled(user):
        return redirect(_next(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if is_locked_out(user.username):
            form.add_error(None, _locked_message())
        else:
            result = actions.two_factor_verify(
                user=user, code=form.cleaned_data["code"], request=request
            )
            if result.method is not None:
                if result.method == "recovery":
                    _recovery_used_message(request)
                return redirect(_next(request))
            if is_locked_out(user.username):
                form.add_error(None, _locked_message())
            elif result.wait:
                form.add_error(
                    "code",
                    _("Too many wrong codes in a row: wait %(seconds)d seconds and try again.")
                    % {"seconds": result.wait},
                )
            else:
                form.add_error("code", _("The code is wrong or has expired."))
    return render(
        request, "accounts/two_factor_verify.html", {"form": form, "next": _next(request)}
    )


def _locked_message() -> str:
    return _(
        "Too many failed logins for this user name. Try again in %(minutes)d minutes or ask "
        "your organisation admin."
    ) % {"minutes": settings.ANXIN_LOGIN_LOCK_MINUTES}


def _recovery_used_message(request: AuthedHttpRequest) -> None:
    static = recovery_device(request.user)
    left = static.token_set.count() if static is not None else 0
    messages.warning(
        request,
        _(
            "You logged in with a recovery code; %(left)d left. If your phone is lost, ask your "
            "organisation admin to reset two-factor login, or set up a new phone now."
        )
        % {"left": left},
    )


@login_required
def two_factor_policy(request: AuthedHttpRequest) -> HttpResponse:
    """The organisation setting: which roles must use two-factor login; and who has set it up."""
    organisation = require_org_admin(request.user, request)
    form = TwoFactorPolicyForm(
        request.POST or None, initial={"roles": organisation.two_factor_roles}
    )
    if request.method == "POST" and form.is_valid():
        actions.two_factor_policy_set(
            organisation=organisation,
            roles=form.cleaned_data["roles"],
            acting_user=request.user,
            request=request,
        )
        messages.success(request, _("Two-factor login settings saved."))
        return redirect("accounts:two-factor-policy")
    rows = [
        {
            "user": person,
            "enrolled": person.enrolled,  # type: ignore[attr-defined]
            "required": required_by(
                is_org_admin=person.is_org_admin,
                own_roles=organisation.two_factor_roles or [],
                memberships=[
                    (m.role, m.project.organisation.two_factor_roles or [])
                    for m in person.memberships.all()
                ],
            ),
        }
        for person in two_factor_people(organisation)
    ]
    context = {
        "organisation": organisation,
        "form": form,
        "recommended": RECOMMENDED,
        "labels": dict(role_choices()),
        "rows": rows,
    }
    return render(request, "accounts/two_factor_policy.html", context)


@login_required
@require_POST
def two_factor_reset(request: AuthedHttpRequest, user_id: int) -> HttpResponse:
    """An organisation admin clears someone's two-factor login (lost phone)."""
    member = get_user_for_two_factor_reset(request.user, user_id, request)
    if member.pk == request.user.pk:
        messages.error(request, _("Use your own two-factor login page to change your own."))
    else:
        actions.two_factor_reset(member=member, acting_user=request.user, request=request)
        messages.success(
            request,
            _("Two-factor login of %(name)s is reset: they set it up again at their next login.")
            % {"name": member.display_name},
        )
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("accounts:two-factor-policy")
