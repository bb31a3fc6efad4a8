"""Validation of a contract template's indicators (``indicators``): what each counts, its target,
its work-hour rule and its outcome threshold. Part of ``anxin.contracts.validation``."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.utils.translation import gettext as _

from anxin.assessments.change import RULES as IMPROVEMENT_RULES
from anxin.contracts.validation_base import Checker, is_number

COUNT_KINDS = {
    "people",
    "participants",
    "contacts",
    "sessions",
    "clients_registered",
    "assessments",
    "cycles_completed",
    "documents",
    "articles",
    "communication_groups",
    "staff_trainings",
    "staff_training_hours",
    "supervisions",
    "supervision_records",
    "meetings",
    "streets_covered",
    "calls",
    "outreach_calls",
    "referrals",
}

_CODE_LISTS = (
    "forms",
    "timepoints",
    "purposes",
    "caller_types",
    "channels",
    "topics",
    "reasons",
    "statuses",
)

UNITS = {
    "people",
    "person_times",
    "clients",
    "records",
    "sessions",
    "cycles",
    "documents",
    "articles",
    "groups",
    "hours",
    "streets",
}

INDICATOR_KEYS = {
    "code",
    "name",
    "unit",
    "target",
    "count",
    "hours",
    "hour_items",
    "improvement",
}

HOURS_KEYS = {"fixed", "direct", "indirect", "clients", "times", "note"}

TARGET_KEYS = {"clients", "times"}

IMPROVEMENT_KEYS = {"threshold", "item", "instrument", "rule"}


def _check_hours(c: Checker, where: str, rule: Any) -> None:
    if not c.mapping(where, rule, HOURS_KEYS):
        return
    if "note" in rule:
        c.label(f"{where}.note", rule["note"])
    if "fixed" in rule:
        c.range(f"{where}.fixed", rule["fixed"])
        mixed = sorted(k for k in ("direct", "indirect", "clients", "times") if k in rule)
        if mixed:
            c.add(
                where,
                _("a fixed rule has no %(keys)s: give either fixed or direct hours.")
                % {"keys": ", ".join(mixed)},
            )
        return
    if "direct" not in rule:
        c.add(where, _("give fixed: [min, max] or direct: [min, max] hours per unit."))
    else:
        c.range(f"{where}.direct", rule["direct"])
    if "indirect" in rule:
        indirect = rule["indirect"]
        if isinstance(indirect, list):
            c.range(f"{where}.indirect", indirect)
        elif not is_number(indirect) or indirect < 0:
            c.add(f"{where}.indirect", _("give a number of hours of 0 or more, or [min, max]."))
    if "clients" in rule:
        c.share(f"{where}.clients", rule["clients"])
    if "times" in rule:
        c.times(f"{where}.times", rule["times"])


def _check_target(c: Checker, where: str, target: Any) -> None:
    if target is None:
        c.add(where, _("a target is required."))
    elif isinstance(target, dict):
        if c.mapping(where, target, TARGET_KEYS):
            if "clients" not in target:
                c.add(where, _("a target rule needs clients (the share of the client count)."))
            else:
                c.share(f"{where}.clients", target["clients"])
            if "times" in target:
                c.times(f"{where}.times", target["times"])
    elif not is_number(target) or target < 0:
        c.add(
            where,
            _(
                "give a number of 0 or more, or {clients: share, times: [n]} for a target scaled "
                "by the client count."
            ),
        )


def _check_count(c: Checker, where: str, count: Any, services: set[str]) -> None:
    if count is None:
        c.add(where, _("a counting rule is required ({kind: …})."))
        return
    if not isinstance(count, dict):
        c.add(where, _("must be a mapping of keys to values."))
        return
    kind = count.get("kind")
    if kind not in COUNT_KINDS:
        c.add(
            f"{where}.kind",
            _("unknown kind of count %(kind)s (known: %(known)s).")
            % {"kind": kind, "known": ", ".join(sorted(COUNT_KINDS))},
        )
    if "items" in count:
        _check_items(c, f"{where}.items", count["items"], services)
    if count.get("direction", "out") not in ("out", "in"):
        c.add(f"{where}.direction", _("must be out or in."))
    for key in _CODE_LISTS:
        value = count.get(key)
        if value is not None and (
            not isinstance(value, list) or not all(isinstance(v, str) for v in value)
        ):
            c.add(f"{where}.{key}", _("must be a list of codes."))
    if "min_minutes" in count:
        c.positive_int(f"{where}.min_minutes", count["min_minutes"])


def _check_items(c: Checker, where: str, items: Any, services: set[str]) -> None:
    if not isinstance(items, list) or not items:
        c.add(where, _("give a list of service item codes."))
        return
    for item in items:
        if item not in services:
            c.add(
                where,
                _("%(item)s is not a service item of this template.") % {"item": item},
            )


def _check_improvement(
    c: Checker, where: str, rule: Any, services: set[str], instruments: Collection[str]
) -> None:
    if not c.mapping(where, rule, IMPROVEMENT_KEYS):
        return
    c.unit_share(f"{where}.threshold", rule.get("threshold"))
    item = rule.get("item")
    if item is None:
        c.add(f"{where}.item", _("give the service item whose cycles are counted."))
    elif item not in services:
        c.add(
            f"{where}.item",
            _("%(item)s is not a service item of this template.") % {"item": item},
        )
    if "rule" in rule and rule["rule"] not in IMPROVEMENT_RULES:
        c.add(
            f"{where}.rule",
            _("unknown improvement rule (known: %(known)s).")
            % {"known": ", ".join(sorted(IMPROVEMENT_RULES))},
        )
    instrument = rule.get("instrument")
    if instrument is None:
        c.add(f"{where}.instrument", _("give the instrument code, e.g. sdss."))
    elif instrument not in instruments:
        c.add(
            f"{where}.instrument",
            _("there is no instrument %(code)s (available: %(known)s).")
            % {"code": instrument, "known": ", ".join(sorted(instruments))},
        )


def _check_indicators(
    c: Checker, value: Any, services: set[str], instruments: Collection[str]
) -> None:
    entries = c.entries("indicators", value)
    c.codes("indicators", entries)
    for place, indicator in entries:
        c.mapping(place, indicator, INDICATOR_KEYS)
        c.label(f"{place}.name", indicator.get("name"))
        unit = indicator.get("unit")
        if unit not in UNITS:
            c.add(
                f"{place}.unit",
                _("unknown unit %(unit)s (known: %(known)s).")
                % {"unit": unit, "known": ", ".join(sorted(UNITS))},
            )
        _check_target(c, f"{place}.target", indicator.get("target"))
        _check_count(c, f"{place}.count", indicator.get("count"), services)
        if "hours" in indicator:
            _check_hours(c, f"{place}.hours", indicator["hours"])
        if "hour_items" in indicator:
            _check_items(c, f"{place}.hour_items", indicator["hour_items"], services)
        if "improvement" in indicator:
            _check_improvement(
                c, f"{place}.improvement", indicator["improvement"], services, instruments
            )
