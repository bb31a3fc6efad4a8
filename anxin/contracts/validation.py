"""Validation of contract templates (the YAML of ``anxin/contracts/templates`` and organisations'
own templates).

``validate_template`` checks a parsed template and returns every problem found, each naming where
it is (``indicators[4c].hours.direct: …``), in the user's language. An empty list means the
template can be used. Entries of a list are named by their code when they have one
(``indicators[4c]``), else by their position counted from 1 (``services[#3]``).
"""

from __future__ import annotations

import json
from collections.abc import Collection
from decimal import Decimal
from typing import Any

import yaml
from django.utils.translation import gettext as _

from anxin.accounts.models import Membership, Qualification
from anxin.contracts.catalogue import ELIGIBILITY_KEYS, TemplateError
from anxin.contracts.validation_base import (
    CODE_RE,
    Checker,
    is_count,
    is_number,
    listed,
)
from anxin.contracts.validation_indicators import _check_indicators

TOP_KEYS = {
    "code",
    "version",
    "title",
    "source",
    "defaults",
    "eligibility",
    "workflow",
    "forms",
    "services",
    "team",
    "indicators",
    "standardised_rate",
    "payments",
    "hotline",
}
REQUIRED_KEYS = ("code", "version", "title", "services", "indicators")
SERVICE_KEYS = {"code", "name", "tier", "classes", "cycle", "fixed_families", "threshold"}
CYCLE_KEYS = {
    "contacts",
    "max_contacts",
    "per_week",
    "weeks",
    "cycles_per_year",
    "min_minutes",
    "period",
    "consecutive",
}
CYCLE_NUMBERS = ("contacts", "max_contacts", "per_week", "weeks", "cycles_per_year", "min_minutes")
CLASSES = ("A", "B", "C")
TEAM_KEYS = {
    "code",
    "label",
    "count",
    "roles",
    "certificates_any",
    "min_years",
    "full_time",
}
CERTIFICATE_KEYS = {"type", "min_level"}
PAYMENT_KEYS = {"code", "share", "condition"}
STANDARDISED_KEYS = {"target", "require", "planned_frequency_share"}
STANDARDISED_REQUIREMENTS = {"agreement", "plan", "planned_frequency", "timely_reviews"}
HOTLINE_KEYS = {"topics"}
TOPIC_KEYS = {"code", "name"}
DEFAULT_KEYS = {"client_target", "budget_ceiling", "purchaser", "district"}


def builtin_instrument_codes() -> set[str]:
    """The codes of the instruments shipped with anxin (no database needed)."""
    from anxin.assessments.definitions import builtin_files

    return {path.stem for path in builtin_files()}


def _check_top(c: Checker, data: dict[str, Any]) -> None:
    for key in REQUIRED_KEYS:
        if key not in data:
            c.add(key, _("this key is required."))
    unknown = sorted(str(k) for k in data if k not in TOP_KEYS)
    if unknown:
        c.add(
            "",
            _("unknown keys %(keys)s (allowed: %(allowed)s).")
            % {"keys": ", ".join(unknown), "allowed": ", ".join(sorted(TOP_KEYS))},
        )
    code = data.get("code")
    if "code" in data and (not isinstance(code, str) or not CODE_RE.match(code)):
        c.add(
            "code",
            _("give a code of at most 32 small letters, digits and dashes, e.g. my-rehab-2027."),
        )
    if "version" in data and not is_count(data.get("version")):
        c.add("version", _("give a whole number above 0."))
    if "title" in data:
        c.label("title", data["title"])
    if "source" in data and not isinstance(data["source"], str):
        c.add("source", _("must be text."))


def _check_defaults(c: Checker, value: Any) -> None:
    if not c.mapping("defaults", value, DEFAULT_KEYS):
        return
    target = value.get("client_target")
    if (target is not None and not (isinstance(target, int) and not isinstance(target, bool))) or (
        isinstance(target, int) and target < 0
    ):
        c.add("defaults.client_target", _("give a whole number of 0 or more."))
    ceiling = value.get("budget_ceiling")
    if ceiling is not None and (not is_number(ceiling) or ceiling < 0):
        c.add("defaults.budget_ceiling", _("give an amount of 0 or more."))
    for key in ("purchaser", "district"):
        if key in value and not isinstance(value[key], str):
            c.add(f"defaults.{key}", _("must be text."))


def _check_eligibility(c: Checker, value: Any) -> None:
    if not isinstance(value, dict):
        c.add("eligibility", _("must be a mapping of keys to values."))
        return
    for key, flag in value.items():
        if key not in ELIGIBILITY_KEYS:
            c.add(
                f"eligibility.{key}",
                _("unknown eligibility rule (known: %(known)s).")
                % {"known": ", ".join(ELIGIBILITY_KEYS)},
            )
        elif not isinstance(flag, bool):
            c.add(f"eligibility.{key}", _("give true or false."))


def _check_forms(c: Checker, value: Any) -> None:
    if not isinstance(value, dict):
        c.add("forms", _("must be a mapping of keys to values."))
        return
    for form, threshold in value.items():
        c.threshold(f"forms.{form}", threshold)


def _check_services(c: Checker, value: Any) -> set[str]:
    entries = c.entries("services", value)
    if isinstance(value, list) and not value:
        c.add("services", _("list at least one service item."))
    codes = c.codes("services", entries)
    for place, service in entries:
        c.mapping(place, service, SERVICE_KEYS)
        c.label(f"{place}.name", service.get("name"))
        if "tier" in service and not isinstance(service["tier"], str):
            c.add(f"{place}.tier", _("must be text."))
        classes = service.get("classes")
        if classes is not None and (
            not isinstance(classes, list) or not all(k in CLASSES for k in classes)
        ):
            c.add(f"{place}.classes", _("give a list of the classes A, B and C."))
        cycle = service.get("cycle")
        if cycle is not None and c.mapping(f"{place}.cycle", cycle, CYCLE_KEYS):
            for key in CYCLE_NUMBERS:
                if key in cycle:
                    c.positive_int(f"{place}.cycle.{key}", cycle[key])
        families = service.get("fixed_families")
        if families is not None and c.mapping(f"{place}.fixed_families", families, {"min", "max"}):
            low, high = families.get("min"), families.get("max")
            if not (is_count(low) and is_count(high) and low <= high):
                c.add(f"{place}.fixed_families", _("give min and max with 0 < min ≤ max."))
        if "threshold" in service:
            c.threshold(f"{place}.threshold", service["threshold"])
    return codes


def _check_team(c: Checker, value: Any) -> None:
    entries = c.entries("team", value)
    c.codes("team", entries)
    roles = set(Membership.Role.values)
    cert_types = set(Qualification.CertType.values)
    levels = set(Qualification.Level.values)
    for place, req in entries:
        c.mapping(place, req, TEAM_KEYS)
        c.label(f"{place}.label", req.get("label"))
        c.positive_int(f"{place}.count", req.get("count"))
        wanted = req.get("roles")
        if not isinstance(wanted, list) or not wanted or not all(r in roles for r in wanted):
            c.add(
                f"{place}.roles",
                _("give a list of roles from: %(known)s.") % {"known": ", ".join(sorted(roles))},
            )
        for n, cert in enumerate(listed(c, f"{place}.certificates_any", req), 1):
            where = f"{place}.certificates_any[#{n}]"
            if not c.mapping(where, cert, CERTIFICATE_KEYS):
                continue
            if cert.get("type") not in cert_types:
                c.add(
                    f"{where}.type",
                    _("give a certificate type from: %(known)s.")
                    % {"known": ", ".join(sorted(cert_types))},
                )
            if "min_level" in cert and cert["min_level"] not in levels:
                c.add(f"{where}.min_level", _("give a level of 1, 2 or 3."))
        years = req.get("min_years")
        if (years is not None and not (isinstance(years, int) and not isinstance(years, bool))) or (
            isinstance(years, int) and years < 0
        ):
            c.add(f"{place}.min_years", _("give a whole number of 0 or more."))
        if "full_time" in req and not isinstance(req["full_time"], bool):
            c.add(f"{place}.full_time", _("give true or false."))


def _check_payments(c: Checker, value: Any) -> None:
    entries = c.entries("payments", value)
    c.codes("payments", entries)
    total = Decimal(0)
    shares_ok = True
    for place, payment in entries:
        c.mapping(place, payment, PAYMENT_KEYS)
        share = payment.get("share")
        amount = Decimal(str(share)) if is_number(share) else None
        if (
            amount is None
            or not amount.is_finite()
            or not 0 < amount <= 1
            or amount != amount.quantize(Decimal("0.0001"))
        ):
            c.add(
                f"{place}.share",
                _("give a share above 0 and at most 1 with at most four decimals, e.g. 0.55."),
            )
            shares_ok = False
        else:
            total += amount
        c.label(f"{place}.condition", payment.get("condition"))
    if entries and shares_ok and total != 1:
        c.add("payments", _("the shares add up to %(total)s, not 1.") % {"total": total})


def _check_standardised(c: Checker, value: Any) -> None:
    if not c.mapping("standardised_rate", value, STANDARDISED_KEYS):
        return
    c.unit_share("standardised_rate.target", value.get("target"))
    c.unit_share(
        "standardised_rate.planned_frequency_share",
        value.get("planned_frequency_share"),
        required=False,
    )
    require = value.get("require", [])
    if not isinstance(require, list) or not all(r in STANDARDISED_REQUIREMENTS for r in require):
        c.add(
            "standardised_rate.require",
            _("give a list from: %(known)s.")
            % {"known": ", ".join(sorted(STANDARDISED_REQUIREMENTS))},
        )


def _check_hotline(c: Checker, value: Any) -> None:
    """The hotline's settings: the list of call topics, each with a code and a label."""
    if not c.mapping("hotline", value, HOTLINE_KEYS) or "topics" not in value:
        return
    entries = c.entries("hotline.topics", value["topics"])
    c.codes("hotline.topics", entries)
    for place, topic in entries:
        c.mapping(place, topic, TOPIC_KEYS)
        c.label(f"{place}.name", topic.get("name"))


def validate_template(
    data: Any, *, name: str, instruments: Collection[str] | None = None
) -> list[str]:
    """Every problem of a parsed contract template, each naming where it is; [] when usable.

    ``instruments`` are the instrument codes an outcome threshold may name (default: the built-in
    instruments; an organisation's template may also name the organisation's own)."""
    if not isinstance(data, dict):
        return [
            _("%(name)s holds no mapping of keys to values.") % {"name": name or _("The template")}
        ]
    known = builtin_instrument_codes() if instruments is None else set(instruments)
    c = Checker()
    _check_top(c, data)
    if "defaults" in data:
        _check_defaults(c, data["defaults"])
    if "eligibility" in data:
        _check_eligibility(c, data["eligibility"])
    if "workflow" in data and not isinstance(data["workflow"], dict):
        c.add("workflow", _("must be a mapping of keys to values."))
    if "forms" in data:
        _check_forms(c, data["forms"])
    services = _check_services(c, data.get("services", []))
    if "team" in data:
        _check_team(c, data["team"])
    _check_indicators(c, data.get("indicators", []), services, known)
    if "payments" in data:
        _check_payments(c, data["payments"])
    if "standardised_rate" in data:
        _check_standardised(c, data["standardised_rate"])
    if "hotline" in data:
        _check_hotline(c, data["hotline"])
    return c.problems


def organisation_instruments(organisation_id: int) -> set[str]:
    """The instrument codes an organisation's template may name: built-in and its own (retired
    ones too: a template stored earlier keeps loading)."""
    from anxin.assessments.models import Instrument

    own = Instrument.objects.filter(organisation_id=organisation_id)
    return builtin_instrument_codes() | set(own.values_list("code", flat=True))


def _has_alias(text: str) -> bool:
    """Anchors and aliases let a small file expand into a huge one: they are not allowed."""
    return any(isinstance(e, yaml.AliasEvent) for e in yaml.parse(text, Loader=yaml.SafeLoader))


def parse_template(
    text: str, *, name: str, instruments: Collection[str] | None = None
) -> dict[str, Any]:
    """Read a template's YAML safely (plain data only) and validate it; ``TemplateError`` lists
    every problem."""
    head = _("%(name)s is not a valid contract template:") % {"name": name or _("The template")}
    try:
        if _has_alias(text):
            raise TemplateError(head, [_("anchors and aliases (& and *) are not allowed.")])
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = str(getattr(exc, "problem", None) or exc)
        where = _("line %(line)d") % {"line": mark.line + 1} if mark else ""
        raise TemplateError(head, [f"{where}: {problem}" if where else problem]) from exc
    try:  # as the database would give it back: plain data, string keys
        data = json.loads(json.dumps(data))
    except (TypeError, ValueError) as exc:
        raise TemplateError(
            head, [_("only text, numbers, lists and mappings are allowed (no dates or tags).")]
        ) from exc
    problems = validate_template(data, name=name, instruments=instruments)
    if problems:
        raise TemplateError(head, problems)
    return data
