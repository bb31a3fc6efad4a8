"""Properties of scoring, for every built-in instrument and for a definition with reverse-scored
items and subscales: the total stays in the stated range, the band is the one the definition's
cut-offs give, raising an answer never lowers a sum (reverse items lower it by as much), and
invalid answers are refused with a ``ScoringError`` naming the item, never a crash."""

from __future__ import annotations

import datetime as dt
import math
import operator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anxin.assessments.definitions import parse
from anxin.assessments.scoring import ScoringError, score
from anxin.assessments.tests.conftest import BUILTINS

REVERSED = parse(
    """
code: reversed
version: 1
title: {zh: 反向计分示例, en: Reverse-scored example}
direction: higher_is_better
subscales: {a: 甲, b: 乙}
items:
  - {code: r1, text: 一, subscale: a, options: [{value: 1, label: 一}, {value: 2, label: 二},
     {value: 3, label: 三}, {value: 4, label: 四}]}
  - {code: r2, text: 二, subscale: a, reverse: true, options: [{value: 1, label: 一},
     {value: 2, label: 二}, {value: 3, label: 三}, {value: 4, label: 四}]}
  - {code: r3, text: 三, subscale: b, reverse: true, options: [{value: a, label: 甲, score: 0},
     {value: b, label: 乙, score: 5}, {value: c, label: 丙, score: 10}, {value: n, label: 无,
     score: 99}], not_applicable: [n]}
  - {code: note, text: 备注, type: text, required: false}
  - {code: times, text: 次数, type: number, min: 0, max: 9, required: false}
scoring: {total: sum, min: 2, max: 18}
bands:
  - {max: 8, code: low, label: 低}
  - {max: 18, code: high, label: 高}
critical:
  - {total: true, op: ">=", value: 15, flag: top, label: 高分, crisis: false}
""",
    "reversed.yaml",
)
DEFINITIONS = {**BUILTINS, "reversed": REVERSED}
CODES = sorted(DEFINITIONS)
OPS = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}
BOUNDED = settings(max_examples=60, deadline=None)


def points(option: dict[str, Any]) -> float | None:
    value = option.get("score", option["value"])
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def scored_points(item: dict[str, Any]) -> dict[Any, float]:
    """Option value → points, for an item where every option carries points."""
    found = {o["value"]: points(o) for o in item["options"]}
    return {value: p for value, p in found.items() if p is not None}


def scored(item: dict[str, Any]) -> bool:
    return item.get("type", "choice") == "choice" and all(
        points(o) is not None for o in item["options"]
    )


def answer_strategy(item: dict[str, Any]) -> st.SearchStrategy[Any]:
    kind = item.get("type", "choice")
    values = [o["value"] for o in item.get("options", [])]
    if kind == "choice":
        return st.sampled_from(values)
    if kind == "multi":
        return st.lists(st.sampled_from(values), min_size=1, max_size=len(values), unique=True)
    if kind == "number":
        return st.integers(item.get("min", -1000), item.get("max", 1000))
    if kind == "date":
        return st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31)).map(dt.date.isoformat)
    return st.text(min_size=1, max_size=30).filter(str.strip)


@st.composite
def complete_answers(draw: st.DrawFn, code: str) -> dict[str, Any]:
    """A value for every item (optional ones too, or left out at random)."""
    answers = {}
    for item in DEFINITIONS[code]["items"]:
        if item.get("required", True) or draw(st.booleans()):
            answers[item["code"]] = draw(answer_strategy(item))
    return answers


@st.composite
def instrument_and_answers(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    code = draw(st.sampled_from(CODES))
    return code, draw(complete_answers(code))


def expected_total(definition: dict[str, Any], answers: dict[str, Any]) -> float:
    total = 0.0
    for item in definition["items"]:
        if not scored(item) or item["code"] not in answers:
            continue
        na = item.get("not_applicable") or []
        if answers[item["code"]] in na:
            continue
        by_value = scored_points(item)
        got = by_value[answers[item["code"]]]
        if item.get("reverse"):
            counted = [by_value[v] for v in by_value if v not in na]
            got = min(counted) + max(counted) - got
        total += got
    return total


def holds(cond: dict[str, Any], answers: dict[str, Any], total: float, definition: dict) -> bool:
    if cond.get("total"):
        actual: Any = total
    else:
        actual = answers.get(cond["item"])
        item = next(i for i in definition["items"] if i["code"] == cond["item"])
        if actual is None or actual in (item.get("not_applicable") or []):
            return False
    if cond["op"] == "in":
        return actual in cond["value"]
    if cond["op"] == "has":
        return isinstance(actual, list) and cond["value"] in actual
    if cond["op"] in ("==", "!="):
        return OPS[cond["op"]](actual, cond["value"])
    return isinstance(actual, int | float) and OPS[cond["op"]](actual, cond["value"])


def expected_band(definition: dict[str, Any], answers: dict[str, Any], total: float) -> str:
    for entry in definition.get("bands") or []:
        if total <= entry["max"]:
            return str(entry["code"])
    for rule in definition.get("band_rules") or []:
        test = any if "any" in rule else all
        if test(holds(c, answers, total, definition) for c in rule.get("any", rule.get("all"))):
            return str(rule["code"])
    return ""


@settings(max_examples=250, deadline=None)
@given(case=instrument_and_answers())
def test_total_is_in_range_and_band_follows_the_cut_offs(case: tuple[str, dict]) -> None:
    code, answers = case
    definition = DEFINITIONS[code]
    result = score(definition, answers)
    limits = definition["scoring"]
    assert limits["min"] <= result.total <= limits["max"], (code, answers, result.total)
    assert result.total == expected_total(definition, answers)
    assert result.band == expected_band(definition, answers, result.total)
    assert result.band_label, "every band has a label"
    for entry in definition.get("critical") or []:
        assert (entry["flag"] in result.flags) == holds(entry, answers, result.total, definition)
    sums: dict[str, float] = {}
    for item in definition["items"]:
        na = item.get("not_applicable") or []
        if item.get("subscale") and answers.get(item["code"], na[0] if na else None) not in na:
            one = expected_total({"items": [item]}, {item["code"]: answers[item["code"]]})
            sums[item["subscale"]] = sums.get(item["subscale"], 0) + one
    assert result.subscales == sums
    # Answers given as text (a form post) score the same as typed values.
    as_text = {
        k: "|".join(map(str, v)) if isinstance(v, list) else str(v) for k, v in answers.items()
    }
    assert score(definition, as_text).total == result.total


@st.composite
def raised_answer(draw: st.DrawFn) -> tuple[str, dict[str, Any], str, Any]:
    code = draw(st.sampled_from([c for c in CODES if any(map(scored, DEFINITIONS[c]["items"]))]))
    answers = draw(complete_answers(code))
    item = draw(st.sampled_from([i for i in DEFINITIONS[code]["items"] if scored(i)]))
    na = item.get("not_applicable") or []
    values = [o["value"] for o in item["options"] if o["value"] not in na]
    answers[item["code"]] = draw(st.sampled_from(values))
    return code, answers, item["code"], draw(st.sampled_from(values))


@BOUNDED
@given(case=raised_answer())
def test_raising_one_answer_never_lowers_the_total(case: tuple[str, dict, str, Any]) -> None:
    code, answers, item_code, other = case
    definition = DEFINITIONS[code]
    item = next(i for i in definition["items"] if i["code"] == item_code)
    by_value = scored_points(item)
    before = score(definition, answers).total
    after = score(definition, {**answers, item_code: other}).total
    assert before is not None and after is not None
    step = by_value[other] - by_value[answers[item_code]]
    assert after - before == (-step if item.get("reverse") else step)
    if step > 0:
        assert (after < before) if item.get("reverse") else (after > before)


def test_reverse_scoring_is_exercised() -> None:
    low = score(REVERSED, {"r1": 1, "r2": 4, "r3": "c"})
    high = score(REVERSED, {"r1": 4, "r2": 1, "r3": "a"})
    assert (low.total, low.band, high.total, high.band) == (2, "low", 18, "high")
    assert high.flags == ["top"] and high.subscales == {"a": 8, "b": 10}
    assert score(REVERSED, {"r1": 4, "r2": 1, "r3": "n"}).total == 8


WRONG = st.one_of(
    st.just(999),
    st.just(-1),
    st.just(True),
    st.just({"value": 1}),
    st.just([[1]]),
    st.floats(allow_nan=True, allow_infinity=True).filter(lambda f: not math.isfinite(f)),
    st.sampled_from(["nan", "NaN", "inf", "-inf", "1e400", "二", "0x1", "", "   "]),
)


@st.composite
def broken_answers(draw: st.DrawFn) -> tuple[str, dict[str, Any], str]:
    code = draw(st.sampled_from(CODES))
    answers = draw(complete_answers(code))
    item = draw(st.sampled_from(DEFINITIONS[code]["items"]))
    kind = item.get("type", "choice")
    if draw(st.booleans()) and item.get("required", True):
        answers.pop(item["code"], None)
        return code, answers, item["code"]
    bad = draw(WRONG)
    allowed = [o["value"] for o in item.get("options", [])]
    if kind in ("choice", "multi") and (bad in allowed or str(bad).strip() in map(str, allowed)):
        bad = "no-such-option"
    if kind == "number" and isinstance(bad, int) and item["min"] <= bad <= item["max"]:
        bad = item["max"] + 1
    if kind == "text":
        bad = draw(st.sampled_from([{"value": 1}, [["x"]], ["a", "b"], "长" * 2001]))
    if kind == "date":
        bad = draw(st.sampled_from(["2024-02-30", "31/12/2024", "yesterday", 2024, [1]]))
    if not item.get("required", True) and bad in ("", "   "):
        bad = "   x"
    answers[item["code"]] = bad
    return code, answers, item["code"]


@settings(max_examples=200, deadline=None)
@given(case=broken_answers())
def test_invalid_answers_are_refused_naming_the_item(case: tuple[str, dict, str]) -> None:
    code, answers, item_code = case
    with pytest.raises(ScoringError) as caught:
        score(DEFINITIONS[code], answers)
    problems = caught.value.problems
    assert item_code in [item for item, _ in problems], (
        answers.get(item_code),
        problems,
    )
    assert all(isinstance(message, str) and message for _, message in problems)


@pytest.mark.parametrize("bad", ["nan", float("nan"), "inf", float("-inf"), "1e999"])
def test_non_finite_numbers_are_refused(bad: Any) -> None:
    definition = DEFINITIONS["reversed"]
    with pytest.raises(ScoringError) as caught:
        score(definition, {"r1": 1, "r2": 1, "r3": "a", "times": bad})
    assert [item for item, _ in caught.value.problems] == ["times"]


@pytest.mark.parametrize("bad", [{"a": 1}, ["x", "y"]])
def test_text_answers_must_be_text(bad: Any) -> None:
    with pytest.raises(ScoringError) as caught:
        score(DEFINITIONS["reversed"], {"r1": 1, "r2": 1, "r3": "a", "note": bad})
    assert [item for item, _ in caught.value.problems] == ["note"]
