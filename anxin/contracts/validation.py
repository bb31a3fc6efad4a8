"""Validation of contract templates (the YAML of ``anxin/contracts/templates`` and organisations'
own templates).

``validate_template`` checks a parsed template and returns every problem found, each naming where
it is (``indicators[4c].hours.direct: …``), in the user's language. An empty list means the
template can be used. Entries of a list are named by their code when they have one
(``indicators[4c]``), else by their position counted from 1 (``services[#3]``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from decimal import Decimal
from fractions import Fraction
from typing import Any

import yaml
from django.utils.translation import gettext as _

from anxin.accounts.models import Membership, Qualification
from anxin.assessments.change import RULES as IMPROVEMENT_RULES
from anxin.contracts.catalogue import ELIGIBILITY_KEYS, TemplateError

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
THRESHOLD_KEYS = {"min_clients", "min_participants"}
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
CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
ITEM_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
FRACTION_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


def builtin_instrument_codes() -> set[str]:
    """The codes of the instruments shipped with anxin (no database needed)."""
    from anxin.assessments.definitions import builtin_files

    return {path.stem for path in builtin_files()}


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_count(value: Any) -> bool:
    """A whole number above zero."""
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def share_value(value: Any) -> Fraction | None:
    """A share written as a number (``1``, ``0.1``) or a fraction ``"a/b"``; None if neither."""
    if is_number(value):
        return Fraction(str(value))
    if isinstance(value, str):
        match = FRACTION_RE.match(value)
        if match and int(match.group(2)) > 0:
            return Fraction(int(match.group(1)), int(match.group(2)))
    return None


class _Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}" if where else message)

    def mapping(self, where: str, value: Any, allowed: set[str]) -> bool:
        """``value`` is a mapping; unknown keys are reported (typos would be silently ignored)."""
        if not isinstance(value, dict):
            self.add(where, _("must be a mapping of keys to values."))
            return False
        unknown = sorted(str(k) for k in value if k not in allowed)
        if unknown:
            self.add(
                where,
                _("unknown keys %(keys)s (allowed: %(allowed)s).")
                % {"keys": ", ".join(unknown), "allowed": ", ".join(sorted(allowed))},
            )
        return True

    def entries(self, where: str, value: Any) -> list[tuple[str, dict[str, Any]]]:
        """The mappings of a list, each with its place (``where[code]`` or ``where[#n]``)."""
        if not isinstance(value, list):
            self.add(where, _("must be a list."))
            return []
        found = []
        for n, entry in enumerate(value, 1):
            code = entry.get("code") if isinstance(entry, dict) else None
            place = f"{where}[{code}]" if isinstance(code, str) and code else f"{where}[#{n}]"
            if not isinstance(entry, dict):
                self.add(place, _("must be a mapping of keys to values."))
                continue
            found.append((place, entry))
        return found

    def codes(self, where: str, entries: list[tuple[str, dict[str, Any]]]) -> set[str]:
        """Each entry has a text code, unique in the list; the set of codes."""
        seen: set[str] = set()
        for place, entry in entries:
            code = entry.get("code")
            if code is None:
                self.add(place, _("a code is required."))
            elif not isinstance(code, str) or not ITEM_CODE_RE.match(code):
                self.add(
                    f"{place}.code",
                    _('give the code as text in quotes (letters, digits, - and _), e.g. "4a".'),
                )
            elif code in seen:
                self.add(where, _("the code %(code)s is used more than once.") % {"code": code})
            else:
                seen.add(code)
        return seen

    def label(self, where: str, value: Any) -> None:
        if value is None:
            self.add(where, _("a label is required ({zh: …, en: …})."))
        elif isinstance(value, str):
            if not value.strip():
                self.add(where, _("the label is empty."))
        elif not isinstance(value, dict) or not isinstance(value.get("zh"), str):
            self.add(where, _("a label needs a Chinese text: {zh: …, en: …}."))
        elif set(value) - {"zh", "en"}:
            self.add(where, _("a label has only the keys zh and en."))

    def range(self, where: str, value: Any) -> tuple[float, float] | None:
        if (
            isinstance(value, list)
            and len(value) == 2
            and all(is_number(v) for v in value)
            and 0 <= value[0] <= value[1]
        ):
            return value[0], value[1]
        self.add(where, _("give [min, max] with 0 ≤ min ≤ max."))
        return None

    def share(self, where: str, value: Any) -> None:
        share = share_value(value)
        if share is None or not 0 < share <= 1:
            self.add(
                where,
                _(
                    "give a share of the clients above 0 and at most 1: a number or a fraction "
                    'such as "1/3".'
                ),
            )

    def times(self, where: str, value: Any) -> None:
        if not isinstance(value, list) or not value or not all(is_count(v) for v in value):
            self.add(where, _("give a list of whole numbers above 0, e.g. [10]."))

    def unit_share(self, where: str, value: Any, *, required: bool = True) -> None:
        """A number in (0, 1], e.g. an outcome threshold of 0.30."""
        if value is None and not required:
            return
        if not is_number(value) or not 0 < value <= 1:
            self.add(where, _("give a number above 0 and at most 1, e.g. 0.3 for 30 %."))

    def positive_int(self, where: str, value: Any) -> None:
        if not is_count(value):
            self.add(where, _("give a whole number above 0."))

    def threshold(self, where: str, value: Any) -> None:
        if self.mapping(where, value, THRESHOLD_KEYS):
            for key, number in value.items():
                if key in THRESHOLD_KEYS:
                    self.positive_int(f"{where}.{key}", number)


def _check_top(c: _Checker, data: dict[str, Any]) -> None:
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


def _check_defaults(c: _Checker, value: Any) -> None:
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


def _check_eligibility(c: _Checker, value: Any) -> None:
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


def _check_forms(c: _Checker, value: Any) -> None:
    if not isinstance(value, dict):
        c.add("forms", _("must be a mapping of keys to values."))
        return
    for form, threshold in value.items():
        c.threshold(f"forms.{form}", threshold)


def _check_services(c: _Checker, value: Any) -> set[str]:
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


def _check_team(c: _Checker, value: Any) -> None:
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
        for n, cert in enumerate(_listed(c, f"{place}.certificates_any", req), 1):
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


def _listed(c: _Checker, where: str, entry: dict[str, Any]) -> list[Any]:
    key = where.rsplit(".", 1)[-1]
    value = entry.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        c.add(where, _("must be a list."))
        return []
    return value


def _check_hours(c: _Checker, where: str, rule: Any) -> None:
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


def _check_target(c: _Checker, where: str, target: Any) -> None:
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


def _check_count(c: _Checker, where: str, count: Any, services: set[str]) -> None:
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


def _check_items(c: _Checker, where: str, items: Any, services: set[str]) -> None:
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
    c: _Checker, where: str, rule: Any, services: set[str], instruments: Collection[str]
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
    c: _Checker, value: Any, services: set[str], instruments: Collection[str]
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


def _check_payments(c: _Checker, value: Any) -> None:
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


def _check_standardised(c: _Checker, value: Any) -> None:
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


def _check_hotline(c: _Checker, value: Any) -> None:
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
    c = _Checker()
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
