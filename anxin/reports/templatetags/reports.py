"""``{{ report.period|period_title }}``: a report's period in words, in the user's language."""

from __future__ import annotations

from django import template

from anxin.reports.selectors import period_title as _period_title

register = template.Library()


@register.filter
def period_title(label: str) -> str:
    return _period_title(label)
