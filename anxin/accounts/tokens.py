"""How API callers prove who they are: a personal token, or the logged-in session of the pages.

A token is sent as ``Authorization: Bearer <token>`` (``Token <token>`` is accepted too). Only
its SHA-256 is stored. A token that is unknown, revoked or belongs to an inactive user is refused
with 401 and the refusal is an audit event. Session callers must send the CSRF token on unsafe
methods, as the pages' forms do.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.security.base import AuthBase
from ninja.utils import check_csrf

from anxin.accounts.models import ApiToken, User
from anxin.audit.actions import record
from anxin.audit.models import AuditEvent

SCHEMES = frozenset({"bearer", "token"})


def _refuse(request: HttpRequest, reason: str, token: ApiToken | None = None) -> None:
    owner = token.user if token is not None else None
    record(
        actor=None,
        kind=AuditEvent.Kind.DENIED,
        action="api.token",
        object_type="accounts.apitoken",
        object_id=token.pk if token is not None else "",
        organisation_id=owner.organisation_id if owner is not None else None,
        request=request,
        detail={
            "reason": reason,
            "prefix": token.prefix if token is not None else "",
            "user": owner.username if owner is not None else "",
            "path": request.path[:200],
        },
    )


def user_for_token(request: HttpRequest, key: str) -> User | None:
    """The active owner of a valid token; ``None`` (and an audit event) otherwise."""
    key = key.strip()
    token = (
        ApiToken.objects.select_related("user").filter(key_hash=ApiToken.hash_key(key)).first()
        if key
        else None
    )
    if token is None:
        _refuse(request, "unknown")
        return None
    if token.revoked_at is not None:
        _refuse(request, "revoked", token)
        return None
    if not token.user.is_active:
        _refuse(request, "inactive user", token)
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user


class ApiTokenAuth(AuthBase):
    """``Authorization: Bearer <token>`` or ``Authorization: Token <token>``."""

    openapi_type = "http"
    openapi_scheme = "bearer"

    def __call__(self, request: HttpRequest) -> User | None:
        header = request.headers.get("Authorization", "")
        if not header:
            return None
        scheme, _sep, key = header.strip().partition(" ")
        if scheme.lower() not in SCHEMES:
            return None
        user = user_for_token(request, key)
        if user is None:
            # A token was offered and is no good: answer 401 now rather than falling back to the
            # session (whose CSRF check would answer a confusing 403).
            raise AuthenticationError()
        # Model history (simple-history) and anything else reading request.user sees the caller.
        request.user = user
        return user


class SessionAuth(AuthBase):
    """The logged-in session of the pages; CSRF is checked on unsafe methods."""

    openapi_type = "apiKey"
    openapi_in = "cookie"
    openapi_name = settings.SESSION_COOKIE_NAME
    csrf = True  # read by ninja's docs page, which then sends the token

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if check_csrf(request) is not None:
            raise HttpError(403, _("CSRF check failed: send the X-CSRFToken header."))
        return user


token_auth = ApiTokenAuth()
session_auth = SessionAuth()
api_auth = [token_auth, session_auth]
