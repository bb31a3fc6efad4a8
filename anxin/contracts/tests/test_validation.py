"""Contract-template validation: the shipped templates pass; each kind of problem is found and
named with where it is, every problem at once; ``load_template`` refuses a broken file."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.utils import translation

from anxin.contracts import catalogue
from anxin.contracts.catalogue import TEMPLATE_DIR, TemplateError, load_template, template_codes
from anxin.contracts.validation import parse_template, validate_template
from anxin.contracts.validation_indicators import COUNT_KINDS


def shipped(code: str = "liwan-rehab") -> dict[str, Any]:
    return yaml.safe_load((TEMPLATE_DIR / f"{code}.yaml").read_text(encoding="utf-8"))


def problems(data: Any, **kwargs: Any) -> list[str]:
    with translation.override("en"):
        return validate_template(data, name="t.yaml", **kwargs)


def indicator(data: dict[str, Any], code: str) -> dict[str, Any]:
    return next(i for i in data["indicators"] if i["code"] == code)


@pytest.mark.parametrize("code", ["liwan-rehab", "chongchuan-psych"])
def test_both_shipped_templates_validate(code):
    assert code in template_codes()
    assert problems(shipped(code)) == []
    assert load_template(code)["code"] == code


def test_count_kinds_are_the_known_list():
    assert "contacts" in COUNT_KINDS and "streets_covered" in COUNT_KINDS
    assert {"calls", "outreach_calls"} <= COUNT_KINDS  # the hotline (anxin.hotline)
    assert {"communication_groups", "referrals"} <= COUNT_KINDS  # the referral network
    assert len(COUNT_KINDS) == 19


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A change of the Liwan template: ``indicators[4c].hours.direct`` style paths."""

    def change(data: dict[str, Any]) -> None:
        node: Any = data
        parts = path.split(".")
        for part in parts[:-1]:
            if "[" in part:
                key, code = part[:-1].split("[")
                node = next(e for e in node[key] if e["code"] == code)
            else:
                node = node[part]
        if value is DELETE:
            del node[parts[-1]]
        else:
            node[parts[-1]] = value

    return change


DELETE = object()

# (change, where the problem is named, words of the message)
CASES = [
    (_set("code", DELETE), "code", "required"),
    (_set("version", DELETE), "version", "required"),
    (_set("title", DELETE), "title", "required"),
    (_set("services", DELETE), "services", "required"),
    (_set("indicators", DELETE), "indicators", "required"),
    (_set("version", 0), "version", "whole number above 0"),
    (_set("code", "Bad Code!"), "code", "small letters"),
    (_set("title", {"en": "no Chinese"}), "title", "Chinese text"),
    (_set("indicatorz", []), "", "unknown keys indicatorz"),
    (_set("indicators[4c].unit", "bananas"), "indicators[4c].unit", "unknown unit bananas"),
    (_set("indicators[4c].count", {"kind": "hugs"}), "indicators[4c].count.kind", "hugs"),
    (_set("indicators[4c].count", DELETE), "indicators[4c].count", "counting rule"),
    (
        _set("indicators[4c].count", {"kind": "calls", "purposes": "counselling"}),
        "indicators[4c].count.purposes",
        "list of codes",
    ),
    (
        _set("indicators[4c].count", {"kind": "outreach_calls", "topics": [1]}),
        "indicators[4c].count.topics",
        "list of codes",
    ),
    (
        _set("indicators[4c].count", {"kind": "contacts", "items": ["nonexistent"]}),
        "indicators[4c].count.items",
        "nonexistent is not a service item",
    ),
    (
        _set("indicators[4c].hours.direct", [2, 1]),
        "indicators[4c].hours.direct",
        "give [min, max] with 0 ≤ min ≤ max",
    ),
    (_set("indicators[4c].hours.direct", 1), "indicators[4c].hours.direct", "[min, max]"),
    (
        _set("indicators[4c].hours.indirect", [5, 3]),
        "indicators[4c].hours.indirect",
        "[min, max]",
    ),
    (_set("indicators[4c].hours.indirect", -1), "indicators[4c].hours.indirect", "0 or more"),
    (_set("indicators[4c].hours.clients", "4/3"), "indicators[4c].hours.clients", "at most 1"),
    (_set("indicators[4c].hours.clients", 0), "indicators[4c].hours.clients", "above 0"),
    (_set("indicators[4c].hours.clients", "a third"), "indicators[4c].hours.clients", "fraction"),
    (_set("indicators[4c].hours.times", [10, 0]), "indicators[4c].hours.times", "above 0"),
    (_set("indicators[4c].hours.times", 10), "indicators[4c].hours.times", "list"),
    (_set("indicators[2].hours.fixed", [80, 40]), "indicators[2].hours.fixed", "[min, max]"),
    (_set("indicators[2].hours.direct", [1, 2]), "indicators[2].hours", "either fixed or direct"),
    (_set("indicators[4c].hours.direct", DELETE), "indicators[4c].hours", "fixed: [min, max]"),
    (_set("indicators[4c].target", -1), "indicators[4c].target", "0 or more"),
    (_set("indicators[4c].target", "many"), "indicators[4c].target", "0 or more"),
    (_set("indicators[4c].target", {"times": [10]}), "indicators[4c].target", "needs clients"),
    (
        _set("indicators[4c].target", {"clients": 2, "times": [10]}),
        "indicators[4c].target.clients",
        "at most 1",
    ),
    (_set("indicators[4c].target", DELETE), "indicators[4c].target", "target is required"),
    (
        _set("indicators[4c].improvement.threshold", 1.5),
        "indicators[4c].improvement.threshold",
        "at most 1",
    ),
    (
        _set("indicators[4c].improvement.threshold", 0),
        "indicators[4c].improvement.threshold",
        "above 0",
    ),
    (
        _set("indicators[4c].improvement.instrument", "nosuch"),
        "indicators[4c].improvement.instrument",
        "no instrument nosuch",
    ),
    (
        _set("indicators[4c].improvement.item", "nosuch"),
        "indicators[4c].improvement.item",
        "nosuch is not a service item",
    ),
    (
        _set("indicators[4c].improvement.rule", "vibes"),
        "indicators[4c].improvement.rule",
        "unknown improvement rule",
    ),
    (_set("indicators[4c].name", DELETE), "indicators[4c].name", "label is required"),
    (_set("indicators[4c].code", 7), "indicators[#10].code", "text in quotes"),
    (_set("eligibility.require_moon_phase", True), "eligibility.require_moon_phase", "unknown"),
    (_set("eligibility.require_stable_condition", "yes"), "eligibility.", "true or false"),
    (_set("team[lead].count", 0), "team[lead].count", "above 0"),
    (_set("team[lead].roles", ["astronaut"]), "team[lead].roles", "roles from"),
    (_set("team[lead].label", DELETE), "team[lead].label", "label is required"),
    (
        _set("team[lead].certificates_any", [{"type": "wizard", "min_level": 2}]),
        "team[lead].certificates_any[#1].type",
        "certificate type",
    ),
    (
        _set("team[lead].certificates_any", [{"type": "social_work", "min_level": 7}]),
        "team[lead].certificates_any[#1].min_level",
        "1, 2 or 3",
    ),
    (_set("team[lead].min_years", -2), "team[lead].min_years", "0 or more"),
    (_set("forms.group", {"min_clients": 0}), "forms.group.min_clients", "above 0"),
    (_set("forms.group", {"min_clients": 2.5}), "forms.group.min_clients", "whole number"),
    (_set("forms.group", {"max_clients": 9}), "forms.group", "unknown keys max_clients"),
    (
        _set("services[physical_health].cycle", {"contacts": -1}),
        "services[physical_health].cycle.contacts",
        "above 0",
    ),
    (_set("services[vocational].classes", ["Z"]), "services[vocational].classes", "A, B"),
    (_set("payments[first].share", 0.5), "payments", "add up to 0.95, not 1"),
    (_set("payments[first].share", 1.5), "payments[first].share", "at most 1"),
    (_set("payments[first].share", 0.55555), "payments[first].share", "four decimals"),
    (_set("payments[first].condition", DELETE), "payments[first].condition", "label"),
    (_set("standardised_rate.target", 45), "standardised_rate.target", "at most 1"),
    (_set("standardised_rate.require", ["luck"]), "standardised_rate.require", "list from"),
    (_set("defaults.client_target", -5), "defaults.client_target", "0 or more"),
    (
        _set("indicators[3].count.direction", "sideways"),
        "indicators[3].count.direction",
        "out or in",
    ),
    (
        _set("indicators[3].count.reasons", "medical"),
        "indicators[3].count.reasons",
        "list of codes",
    ),
]


@pytest.mark.parametrize(("change", "where", "words"), CASES)
def test_each_kind_of_problem_is_named_with_where_it_is(change, where, words):
    data = shipped()
    change(data)
    found = problems(data)
    assert any(p.startswith(f"{where}") and words in p for p in found), found


def test_duplicate_service_and_indicator_codes_are_refused():
    data = shipped()
    data["services"].append(copy.deepcopy(data["services"][0]))
    data["indicators"].append(copy.deepcopy(indicator(data, "4c")))
    found = problems(data)
    assert "services: the code rehab_assessment is used more than once." in found
    assert "indicators: the code 4c is used more than once." in found


def test_every_problem_is_reported_at_once():
    data = shipped()
    indicator(data, "4c")["hours"]["direct"] = [2, 1]
    indicator(data, "5a")["unit"] = "bananas"
    data["payments"][0]["share"] = 0.5
    del data["title"]
    assert len(problems(data)) == 4


def test_an_own_instrument_counts_when_given():
    data = shipped()
    indicator(data, "4c")["improvement"]["instrument"] = "our-scale"
    assert problems(data)
    assert problems(data, instruments={"sdss", "our-scale"}) == []


def test_a_template_that_is_not_a_mapping():
    assert problems([1, 2]) == ["t.yaml holds no mapping of keys to values."]


def test_messages_follow_the_active_language():
    data = shipped()
    indicator(data, "4c")["hours"]["direct"] = [2, 1]
    with translation.override("en"):
        english = validate_template(data, name="t.yaml")
    chinese = validate_template(data, name="t.yaml")  # zh-hans, the default
    assert english == ["indicators[4c].hours.direct: give [min, max] with 0 ≤ min ≤ max."]
    assert chinese[0].startswith("indicators[4c].hours.direct: ")


def test_parse_refuses_bad_yaml_aliases_and_dates():
    with translation.override("en"):
        with pytest.raises(TemplateError) as bad:
            parse_template("code: [unclosed", name="x.yaml")
        assert "line" in bad.value.problems[0]
        bomb = "a: &a [1, 2]\nb: [*a, *a]\n"
        with pytest.raises(TemplateError) as alias:
            parse_template(bomb, name="x.yaml")
        assert "aliases" in alias.value.problems[0]
        text = (TEMPLATE_DIR / "liwan-rehab.yaml").read_text(encoding="utf-8")
        with pytest.raises(TemplateError) as dated:
            parse_template(text + "\nsigned: 2026-01-01\n", name="x.yaml")
        assert "no dates" in dated.value.problems[0]


def test_load_template_refuses_a_broken_shipped_file_with_all_problems(tmp_path, monkeypatch):
    data = shipped()
    data["code"] = "broken"
    indicator(data, "4c")["hours"]["direct"] = [2, 1]
    indicator(data, "5a")["count"]["kind"] = "hugs"
    (tmp_path / "broken.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    monkeypatch.setattr(catalogue, "TEMPLATE_DIR", Path(tmp_path))
    catalogue._shipped_codes.cache_clear()
    try:
        with translation.override("en"), pytest.raises(TemplateError) as exc:
            load_template("broken")
        message = str(exc.value)
        assert message.startswith("broken.yaml is not a valid contract template:")
        assert "indicators[4c].hours.direct" in message and "hugs" in message
        assert len(exc.value.problems) == 2
    finally:
        catalogue._shipped_codes.cache_clear()
        catalogue._shipped_template.cache_clear()
