"""Checks shared by the referral actions: dates in order and not ahead, items to share, and the
one way every refusal is raised."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from anxin.audit.models import AuditEvent
from anxin.referrals.models import Share

CHANGE = AuditEvent.Kind.CHANGE
SHARE_KEYS = frozenset(Share.values)


def day(on: dt.date) -> str:
    return formats.date_format(on, "DATE_FORMAT")


def refuse(problems: list[str]) -> None:
    if problems:
        raise ValidationError(problems)


def date_problems(on: dt.date | None, after: dt.date | None = None) -> list[str]:
    if on is None:
        return [_("Give the date.")]
    if on > timezone.localdate():
        return [_("The date cannot be in the future.")]
    if after is not None and on < after:
        return [
            _("The date cannot be before %(date)s, the date of the step before.")
            % {"date": day(after)}
        ]
    return []


def share_problems(shared: Sequence[str]) -> list[str]:
    unknown = sorted(set(shared) - SHARE_KEYS)
    if unknown:
        return [_("Unknown items to share: %(items)s.") % {"items": ", ".join(unknown)}]
    if not shared:
        return [_("Choose what the partner needs to know (at least one item).")]
    return []
