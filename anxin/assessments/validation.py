"""Validation of instrument definitions (schema: ``instruments/README.md``).

``validate`` checks a parsed definition and raises ``DefinitionError`` listing every problem, each
with where it is (``items[3] (q4).options[2]: …``), in the user's language.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

TOP_KEYS = {
    "code",
    "version",
    "title",
    "instructions",
    "source",
    "licence",
    "direction",
    "items",
    "subscales",
    "sections",
    "scoring",
    "bands",
    "band_rules",
    "critical",
    "norms",
}
ITEM_KEYS = {
    "code",
    "text",
    "help",
    "type",
    "options",
    "reverse",
    "not_applicable",
    "subscale",
    "section",
    "required",
    "min",
    "max",
}
OPTION_KEYS = {"value", "label", "score"}
SCORING_KEYS = {"total", "min", "max", "exclude_not_applicable"}
BAND_KEYS = {"max", "code", "label"}
RULE_KEYS = {"code", "label", "any", "all", "flag", "flag_label", "crisis"}
CONDITION_KEYS = {"item", "op", "value"}
CRITICAL_KEYS = {"item", "total", "op", "value", "flag", "label", "crisis"}
NORM_KEYS = {"sd", "reliability", "cutoff", "floor", "ceiling"}

ITEM_TYPES = ("choice", "multi", "number", "date", "text")
DIRECTIONS = ("lower_is_better", "higher_is_better")
ORDERED_OPS = (">", ">=", "<", "<=")
OPS = (*ORDERED_OPS, "==", "!=", "in", "has")
PLAIN_DATA = gettext_noop("only text, numbers, lists and mappings are allowed (no dates or tags).")
CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


class DefinitionError(ValueError):
    """A definition that cannot be used; ``problems`` lists every reason."""

    def __init__(self, problems: list[str], name: str = "") -> None:
        self.problems = problems
        self.name = name
        head = _("%(name)s is not a valid instrument definition:") % {
            "name": name or _("The definition")
        }
        super().__init__("\n".join([head, *(f"- {p}" for p in problems)]))


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def option_score(option: dict[str, Any]) -> float | None:
    """The points an option gives: its ``score``, else its value when numeric."""
    score = option.get("score", option.get("value"))
    return score if is_number(score) else None


def is_scored(item: dict[str, Any]) -> bool:
    """A choice item counts towards the total when every option carries points."""
    options = item.get("options")
    return (
        item.get("type", "choice") == "choice"
        and isinstance(options, list)
        and bool(options)
        and all(isinstance(o, dict) and option_score(o) is not None for o in options)
    )


def scored_range(item: dict[str, Any]) -> tuple[float, float]:
    """The lowest and highest points of a scored item, not-applicable options left out."""
    na = item.get("not_applicable")
    na = na if isinstance(na, list) else []
    scores = [option_score(o) for o in item["options"] if o.get("value") not in na]
    numbers = [s for s in scores if s is not None]
    return (min(numbers), max(numbers)) if numbers else (0, 0)


class _Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}" if where else message)

    def keys(self, where: str, value: Any, allowed: set[str]) -> bool:
        if not isinstance(value, dict):
            self.add(where, _("must be a mapping of keys to values."))
            return False
        unknown = sorted(str(k) for k in set(value) - allowed)
        if unknown:
            self.add(
                where,
                _("unknown keys %(keys)s (allowed: %(allowed)s).")
                % {"keys": ", ".join(unknown), "allowed": ", ".join(sorted(allowed))},
            )
        return True

    def label(self, where: str, value: Any, *, required: bool = True) -> None:
        if value is None:
            if required:
                self.add(where, _("a label is required ({zh: …, en: …})."))
            return
        if isinstance(value, str):
            if not value.strip():
                self.add(where, _("the label is empty."))
            return
        if not isinstance(value, dict) or not isinstance(value.get("zh"), str):
            self.add(where, _("a label needs a Chinese text: {zh: …, en: …}."))
            return
        unknown = set(value) - {"zh", "en"}
        if unknown:
            self.add(where, _("a label has only the keys zh and en."))

    def number(self, where: str, value: Any) -> bool:
        if not is_number(value):
            self.add(where, _("must be a number."))
            return False
        return True


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _check_items(c: _Checker, definition: dict[str, Any]) -> dict[str, dict[str, Any]]:
    items = definition.get("items")
    if not isinstance(items, list) or not items:
        c.add("items", _("at least one item is required."))
        return {}
    subscales = definition.get("subscales")
    declared = set(subscales) if isinstance(subscales, dict) else None
    sections = definition.get("sections")
    section_codes = set(sections) if isinstance(sections, dict) else set()
    seen: dict[str, dict[str, Any]] = {}
    for n, item in enumerate(items, start=1):
        where = f"items[{n}]"
        if not c.keys(where, item, ITEM_KEYS):
            continue
        if "section" in item and item["section"] not in section_codes:
            c.add(where, _("the section %(code)s is not declared.") % {"code": item["section"]})
        code = item.get("code")
        if not isinstance(code, str) or not CODE_RE.match(code):
            c.add(where, _("the code must be lower-case letters, digits, - or _."))
        elif code in seen:
            c.add(where, _("the code %(code)s is used twice.") % {"code": code})
        else:
            where = f"items[{n}] ({code})"
            seen[code] = item
        c.label(f"{where}.text", item.get("text"))
        c.label(f"{where}.help", item.get("help"), required=False)
        kind = item.get("type", "choice")
        if kind not in ITEM_TYPES:
            c.add(where, _("unknown type %(type)s.") % {"type": kind})
        options = item.get("options")
        if kind in ("choice", "multi"):
            _check_options(c, where, options)
        elif options is not None:
            c.add(where, _("only choice and multi items have options."))
        for key in ("min", "max"):
            if key in item and kind != "number":
                c.add(where, _("min and max are for number items."))
            elif key in item:
                c.number(f"{where}.{key}", item[key])
        for key in ("reverse", "required"):
            if key in item and not isinstance(item[key], bool):
                c.add(f"{where}.{key}", _("must be true or false."))
        if item.get("reverse") and not is_scored(item):
            c.add(where, _("only a scored choice item can be reverse-scored."))
        na = item.get("not_applicable")
        if na is not None:
            values = [o.get("value") for o in _as_list(options) if isinstance(o, dict)]
            if not isinstance(na, list) or any(v not in values for v in na):
                c.add(where, _("not_applicable must list values of the item's options."))
        subscale = item.get("subscale")
        if subscale is not None:
            if not isinstance(subscale, str) or not CODE_RE.match(subscale):
                c.add(where, _("the subscale must be a code."))
            elif declared is not None and subscale not in declared:
                c.add(where, _("the subscale %(code)s is not declared.") % {"code": subscale})
            elif not is_scored(item):
                c.add(where, _("only a scored choice item can belong to a subscale."))
    return seen


def _check_options(c: _Checker, where: str, options: Any) -> None:
    if not isinstance(options, list) or not options:
        c.add(where, _("a choice item needs a list of options."))
        return
    values: list[Any] = []
    for m, option in enumerate(options, start=1):
        at = f"{where}.options[{m}]"
        if not c.keys(at, option, OPTION_KEYS):
            continue
        value = option.get("value")
        if value is None or isinstance(value, bool) or not isinstance(value, str | int | float):
            c.add(at, _("the option has no value (a number or a short code)."))
        elif value in values:
            c.add(at, _("the value %(value)s is used twice.") % {"value": value})
        else:
            values.append(value)
        c.label(f"{at}.label", option.get("label"))
        if "score" in option:
            c.number(f"{at}.score", option["score"])


def _check_scoring(c: _Checker, definition: dict[str, Any], items: dict[str, Any]) -> None:
    scoring = definition.get("scoring", {})
    if not c.keys("scoring", scoring, SCORING_KEYS):
        return
    total = scoring.get("total", "sum")
    if total not in ("sum", "none"):
        c.add("scoring.total", _("must be sum or none."))
    scored = [i for i in items.values() if is_scored(i)]
    if total == "sum":
        if not scored:
            c.add("scoring.total", _("no item carries points, so there is nothing to sum."))
        if definition.get("direction") not in DIRECTIONS:
            c.add("direction", _("must be lower_is_better or higher_is_better."))
    low = sum(scored_range(i)[0] for i in scored)
    high = sum(scored_range(i)[1] for i in scored)
    for key, computed in (("min", low), ("max", high)):
        if (
            key in scoring
            and c.number(f"scoring.{key}", scoring[key])
            and total == "sum"
            and scored
            and scoring[key] != computed
        ):
            c.add(
                f"scoring.{key}",
                _("is %(given)s but the items add up to %(computed)s.")
                % {"given": scoring[key], "computed": computed},
            )
    if "exclude_not_applicable" in scoring and not isinstance(
        scoring["exclude_not_applicable"], bool
    ):
        c.add("scoring.exclude_not_applicable", _("must be true or false."))
    bands = definition.get("bands")
    if bands is None:
        return
    if total != "sum":
        c.add("bands", _("bands need a summed total."))
    if not isinstance(bands, list) or not bands:
        c.add("bands", _("must be a list of {max, code, label}."))
        return
    previous: float | None = None
    codes: set[str] = set()
    for n, band in enumerate(bands, start=1):
        at = f"bands[{n}]"
        if not c.keys(at, band, BAND_KEYS):
            continue
        if not isinstance(band.get("code"), str) or not band["code"]:
            c.add(at, _("the band needs a code."))
        elif band["code"] in codes:
            c.add(at, _("the code %(code)s is used twice.") % {"code": band["code"]})
        else:
            codes.add(band["code"])
        c.label(f"{at}.label", band.get("label"))
        if c.number(f"{at}.max", band.get("max")):
            if previous is not None and band["max"] <= previous:
                c.add(at, _("the upper bounds of the bands must be ascending."))
            previous = band["max"]
    if previous is not None and scored and total == "sum" and previous < high:
        c.add(
            "bands",
            _("the last band ends at %(max)s, below the highest total %(high)s.")
            % {"max": previous, "high": high},
        )


def _check_condition(
    c: _Checker, where: str, cond: Any, items: dict[str, Any], allowed: set[str]
) -> None:
    if not c.keys(where, cond, allowed):
        return
    op = cond.get("op")
    if op not in OPS:
        c.add(where, _("unknown operator %(op)s (use %(ops)s).") % {"op": op, "ops": " ".join(OPS)})
    if "value" not in cond:
        c.add(where, _("a value to compare with is required."))
    if cond.get("total") is True:
        if "item" in cond:
            c.add(where, _("give either an item or total: true, not both."))
        if op in (*ORDERED_OPS, "==", "!=") and "value" in cond:
            c.number(f"{where}.value", cond["value"])
        return
    code = cond.get("item")
    if not isinstance(code, str) or code not in items:
        c.add(where, _("names the unknown item %(item)s.") % {"item": code})
        return
    item = items[code]
    kind = item.get("type", "choice")
    values = [o.get("value") for o in _as_list(item.get("options")) if isinstance(o, dict)]
    value = cond.get("value")
    if op in ORDERED_OPS and not (is_scored(item) or kind == "number"):
        c.add(where, _("%(op)s needs a numeric item; %(item)s is not.") % {"op": op, "item": code})
    elif op in ORDERED_OPS:
        c.number(f"{where}.value", value)
    elif op in ("==", "!=", "has") and kind in ("choice", "multi") and value not in values:
        c.add(where, _("%(value)s is not an option of %(item)s.") % {"value": value, "item": code})
    elif op == "has" and kind != "multi":
        c.add(where, _("has is for multi items."))
    elif op == "in" and (not isinstance(value, list) or any(v not in values for v in value)):
        c.add(where, _("in needs a list of options of %(item)s.") % {"item": code})


def _check_rules(c: _Checker, definition: dict[str, Any], items: dict[str, Any]) -> None:
    flags: set[str] = set()
    critical = definition.get("critical") or []
    if not isinstance(critical, list):
        c.add("critical", _("must be a list of flags."))
        critical = []
    for n, entry in enumerate(critical, start=1):
        at = f"critical[{n}]"
        if not isinstance(entry, dict):
            c.add(at, _("must be a mapping of keys to values."))
            continue
        if "item" not in entry and entry.get("total") is not True:
            c.add(at, _("name an item, or total: true for a flag on the total."))
        _check_condition(c, at, entry, items, CRITICAL_KEYS)
        if not isinstance(entry.get("flag"), str) or not entry["flag"]:
            c.add(at, _("the flag needs a code."))
        flags.add(str(entry.get("flag")))
        c.label(f"{at}.label", entry.get("label"))
    rules = definition.get("band_rules")
    if rules is None:
        return
    if definition.get("bands") is not None:
        c.add("band_rules", _("give bands or band_rules, not both."))
    if not isinstance(rules, list) or not rules:
        c.add("band_rules", _("must be a list of rules."))
        return
    for n, rule in enumerate(rules, start=1):
        at = f"band_rules[{n}]"
        if not c.keys(at, rule, RULE_KEYS):
            continue
        if not isinstance(rule.get("code"), str) or not rule["code"]:
            c.add(at, _("the rule needs a code."))
        c.label(f"{at}.label", rule.get("label"))
        if ("any" in rule) == ("all" in rule):
            c.add(at, _("give exactly one of any or all."))
        conditions = rule.get("any", rule.get("all", []))
        if not isinstance(conditions, list):
            c.add(at, _("any / all must be a list of conditions."))
            continue
        for m, cond in enumerate(conditions, start=1):
            _check_condition(c, f"{at}.conditions[{m}]", cond, items, CONDITION_KEYS)
        if rule.get("flag") is not None and not isinstance(rule["flag"], str):
            c.add(at, _("the flag needs a code."))


def _check_norms(c: _Checker, definition: dict[str, Any]) -> None:
    norms = definition.get("norms")
    if norms is None or not c.keys("norms", norms, NORM_KEYS):
        return
    for key in NORM_KEYS & set(norms):
        c.number(f"norms.{key}", norms[key])
    if is_number(norms.get("sd")) and norms["sd"] <= 0:
        c.add("norms.sd", _("must be above 0."))
    reliability = norms.get("reliability")
    if is_number(reliability) and not 0 <= reliability < 1:
        c.add("norms.reliability", _("must be at least 0 and below 1."))


def validate(definition: Any, name: str = "") -> dict[str, Any]:
    """Check a parsed definition; raise ``DefinitionError`` with every problem, or return it."""
    c = _Checker()
    if not c.keys("", definition, TOP_KEYS):
        raise DefinitionError(c.problems, name)
    try:
        json.dumps(definition)
    except (TypeError, ValueError):
        c.add("", _(PLAIN_DATA))
    code = definition.get("code")
    if not isinstance(code, str) or not CODE_RE.match(code):
        c.add("code", _("a code of lower-case letters, digits, - or _ is required."))
    version = definition.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= 32767:
        c.add("version", _("a whole number from 1 is required."))
    c.label("title", definition.get("title"))
    c.label("instructions", definition.get("instructions"), required=False)
    if "direction" in definition and definition["direction"] not in DIRECTIONS:
        c.add("direction", _("must be lower_is_better or higher_is_better."))
    subscales = definition.get("subscales")
    if subscales is not None:
        if not isinstance(subscales, dict):
            c.add("subscales", _("must map subscale codes to labels."))
        else:
            for key, label in subscales.items():
                c.label(f"subscales.{key}", label)
    sections = definition.get("sections")
    if sections is not None:
        if not isinstance(sections, dict):
            c.add("sections", _("must map section codes to headings."))
        else:
            for key, label in sections.items():
                c.label(f"sections.{key}", label)
    try:
        items = _check_items(c, definition)
        _check_scoring(c, definition, items)
        _check_rules(c, definition, items)
        _check_norms(c, definition)
    except (TypeError, KeyError, AttributeError, ValueError):  # a shape no check foresaw
        c.add("", _("the definition is not shaped as the schema describes; see the README."))
    if c.problems:
        raise DefinitionError(c.problems, name or str(code or ""))
    return definition
