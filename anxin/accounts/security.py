"""Login lockout: too many failed logins for one user name lock it for a while."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from anxin.accounts.models import LoginAttempt


def is_locked_out(username: str) -> bool:
    """Locked when the last N attempts in the window all failed."""
    since = timezone.now() - dt.timedelta(minutes=settings.ANXIN_LOGIN_LOCK_MINUTES)
    recent = list(
        LoginAttempt.objects.filter(username__iexact=username, at__gte=since)
        .order_by("-at", "-id")
        .values_list("success", flat=True)[: settings.ANXIN_LOGIN_MAX_FAILURES]
    )
    return len(recent) >= settings.ANXIN_LOGIN_MAX_FAILURES and not any(recent)
