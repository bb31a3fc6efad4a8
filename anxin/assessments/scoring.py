"""Scoring answers with an instrument definition: totals, subscales, bands and flags.

Pure functions over the definition (data) and the answers; nothing here touches the database.
Answers map item codes to option values (``multi``: a list of them), numbers, ISO dates or text.
Every problem with the answers is reported at once, each message naming its item.
"""

from __future__ import annotations

import datetime as dt
import math
import operator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from anxin.assessments.definitions import flag_labels, item_map, localised
from anxin.assessments.validation import is_number, is_scored, option_score, scored_range

TEXT_LIMIT = 2000
COMPARE = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}


class ScoringError(ValidationError):
    """Answers that cannot be scored. ``problems`` pairs each item code with its message."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__([f"{item}: {message}" if item else message for item, message in problems])


@dataclass(frozen=True)
class Score:
    total: float | None
    band: str
    band_label: str
    subscales: dict[str, float] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    answers: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "band": self.band,
            "subscales": self.subscales,
            "flags": self.flags,
        }


def _number(value: Any) -> float | int | None:
    """A finite number, or None: NaN and infinities (also typed as text) are not answers."""
    if is_number(value):
        return value if math.isfinite(value) else None  # type: ignore[no-any-return]
    if not isinstance(value, str):
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    if not math.isfinite(number):
        return None
    return int(number) if number.is_integer() else number


def _tidy(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 4)


def _option(item: dict[str, Any], raw: Any) -> dict[str, Any] | None:
    if isinstance(raw, bool):
        return None
    for option in item["options"]:
        if option["value"] == raw or str(option["value"]) == str(raw).strip():
            return option
    return None


def _allowed(item: dict[str, Any]) -> str:
    return ", ".join(str(o["value"]) for o in item["options"])


def _empty(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str | list) and not raw)


def clean_answer(item: dict[str, Any], raw: Any) -> tuple[Any, str | None]:
    """The answer as stored (option value, list, number, ISO date, text), or a problem."""
    kind = item.get("type", "choice")
    if isinstance(raw, str):
        raw = raw.strip()
    if kind == "choice":
        option = _option(item, raw)
        if option is None:
            return None, _("%(value)s is not one of the options (%(options)s).") % {
                "value": raw,
                "options": _allowed(item),
            }
        return option["value"], None
    if kind == "multi":
        values = raw.split("|") if isinstance(raw, str) else raw
        if not isinstance(values, list):
            return None, _("give a list of options.")
        chosen = []
        for value in values:
            option = _option(item, value)
            if option is None:
                return None, _("%(value)s is not one of the options (%(options)s).") % {
                    "value": value,
                    "options": _allowed(item),
                }
            if option["value"] not in chosen:
                chosen.append(option["value"])
        return chosen, None
    if kind == "number":
        number = _number(raw)
        if number is None:
            return None, _("%(value)s is not a number.") % {"value": raw}
        low, high = item.get("min"), item.get("max")
        if (low is not None and number < low) or (high is not None and number > high):
            return None, _("%(value)s is outside %(min)s to %(max)s.") % {
                "value": raw,
                "min": low if low is not None else "-∞",
                "max": high if high is not None else "∞",
            }
        return number, None
    if kind == "date":
        try:
            return dt.date.fromisoformat(str(raw)).isoformat(), None
        except ValueError:
            return None, _("%(value)s is not a date (YYYY-MM-DD).") % {"value": raw}
    if isinstance(raw, list | dict | bool):
        return None, _("give a text.")
    text = str(raw)
    if len(text) > TEXT_LIMIT:
        return None, _("the text is too long (at most %(n)d characters).") % {"n": TEXT_LIMIT}
    return text, None


def clean_answers(definition: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    """Check every answer against its item; ``ScoringError`` lists all problems."""
    if not isinstance(answers, dict):
        raise ScoringError([("", _("The answers must map item codes to answers."))])
    items = definition.get("items", [])
    known = {item["code"] for item in items}
    problems: list[tuple[str, str]] = [
        (str(code), _("there is no such item in this instrument."))
        for code in answers
        if code not in known
    ]
    clean: dict[str, Any] = {}
    for item in items:
        code = item["code"]
        raw = answers.get(code)
        if _empty(raw):
            if item.get("required", True):
                problems.append((code, _("no answer.")))
            continue
        value, problem = clean_answer(item, raw)
        if problem:
            problems.append((code, problem))
        else:
            clean[code] = value
    if problems:
        raise ScoringError(problems)
    return clean


def _holds(
    cond: dict[str, Any], answers: dict[str, Any], total: float | None, items: dict[str, Any]
) -> bool:
    """Whether a condition holds: on the raw answer (not reverse-scored) or on the total. An
    unanswered or not-applicable item meets no condition."""
    op, target = cond["op"], cond["value"]
    if cond.get("total") is True:
        actual: Any = total
    else:
        actual = answers.get(cond["item"])
        if _not_applicable(items[cond["item"]], actual):
            return False
    if actual is None:
        return False
    if op == "in":
        return actual in target
    if op == "has":
        return isinstance(actual, list) and target in actual
    if isinstance(actual, list):
        return False
    if op in ("==", "!="):
        return COMPARE[op](actual, target)
    if not is_number(actual):
        return False
    return bool(COMPARE[op](actual, target))


def _not_applicable(item: dict[str, Any], value: Any) -> bool:
    return value in (item.get("not_applicable") or [])


def score(definition: dict[str, Any], answers: dict[str, Any]) -> Score:
    """Score ``answers`` (item code → answer) with ``definition``."""
    clean = clean_answers(definition, answers)
    items = item_map(definition)
    scoring = definition.get("scoring") or {}
    exclude_na = scoring.get("exclude_not_applicable", True)
    total = 0.0
    subscales: dict[str, float] = {}
    for item in definition.get("items", []):
        code = item["code"]
        if not is_scored(item) or code not in clean:
            continue
        if exclude_na and _not_applicable(item, clean[code]):
            continue
        option = next(o for o in item["options"] if o["value"] == clean[code])
        points = float(option_score(option) or 0)
        if item.get("reverse"):
            low, high = scored_range(item)
            points = low + high - points
        total += points
        if item.get("subscale"):
            subscales[item["subscale"]] = subscales.get(item["subscale"], 0) + points
    summed = _tidy(total) if scoring.get("total", "sum") == "sum" else None
    band, band_label, flags = "", "", []
    for rule in definition.get("band_rules") or []:
        conditions = rule.get("any", rule.get("all", []))
        test = any if "any" in rule else all
        if test(_holds(c, clean, summed, items) for c in conditions):
            band, band_label = rule["code"], localised(rule.get("label"))
            if rule.get("flag"):
                flags.append(rule["flag"])
            break
    if summed is not None and definition.get("bands"):
        for entry in definition["bands"]:
            if summed <= entry["max"]:
                band, band_label = entry["code"], localised(entry.get("label"))
                break
    for entry in definition.get("critical") or []:
        if _holds(entry, clean, summed, items) and entry["flag"] not in flags:
            flags.append(entry["flag"])
    return Score(
        total=summed,
        band=band,
        band_label=band_label,
        subscales={k: _tidy(v) for k, v in subscales.items()},
        flags=flags,
        answers=clean,
    )


def crisis_flags(definition: dict[str, Any], flags: list[str]) -> list[tuple[str, str]]:
    """The flags that are crises, each with its label in the user's language."""
    known = flag_labels(definition)
    return [
        (flag, localised(known[flag]["label"]) or flag)
        for flag in flags
        if known.get(flag, {}).get("crisis", True)
    ]


def answers_from_list(definition: dict[str, Any], values: list[str]) -> dict[str, Any]:
    """Answers given in item order (the ``score`` command); a wrong count is a ScoringError."""
    items = definition.get("items", [])
    if len(values) != len(items):
        raise ScoringError(
            [
                (
                    "",
                    _("%(instrument)s has %(n)d items; %(given)d answers were given.")
                    % {"instrument": definition.get("code"), "n": len(items), "given": len(values)},
                )
            ]
        )
    return {item["code"]: value for item, value in zip(items, values, strict=True)}


def answer_label(item: dict[str, Any], value: Any) -> str:
    """An answer as a person reads it: the option labels, or the value itself."""
    if value is None:
        return "—"
    if item.get("type", "choice") in ("choice", "multi"):
        labels = {str(o["value"]): localised(o.get("label")) for o in item["options"]}
        values = value if isinstance(value, list) else [value]
        return "、".join(labels.get(str(v), str(v)) for v in values) or "—"
    return str(value)
