"""Definitions as data: the shipped files are valid, problems are all listed, sync is safe."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from django.utils import translation

from anxin.assessments.definitions import (
    BUILTIN_DIR,
    builtin_files,
    parse,
    sync_builtin_instruments,
)
from anxin.assessments.models import Instrument
from anxin.assessments.tests.conftest import BUILTINS
from anxin.assessments.validation import DefinitionError, validate

GOOD = """
code: mood
version: 1
title: {zh: 心情, en: Mood}
direction: lower_is_better
items:
  - code: a
    text: {zh: 甲, en: A}
    options:
      - {value: 0, label: 无}
      - {value: 1, label: 有}
  - code: b
    text: 乙
    options:
      - {value: 0, label: 无}
      - {value: 2, label: 有}
scoring: {total: sum, min: 0, max: 3}
bands:
  - {max: 1, code: low, label: {zh: 低, en: Low}}
  - {max: 3, code: high, label: {zh: 高, en: High}}
critical:
  - {item: b, op: ">", value: 0, flag: b_flag, label: 乙阳性}
"""


def problems_of(text: str) -> list[str]:
    with pytest.raises(DefinitionError) as exc, translation.override("en"):
        parse(text, "test.yaml")
    return exc.value.problems


def test_every_builtin_is_valid_and_named_after_its_file() -> None:
    codes = [path.stem for path in builtin_files()]
    assert codes == sorted(
        ["phq9", "gad7", "sdss", "barthel", "swls", "danger-level", "follow-up-2018"]
    )
    for path in builtin_files():
        assert parse(path.read_text(encoding="utf-8"))["code"] == path.stem


def test_builtins_carry_what_domain_md_asks() -> None:
    assert [len(BUILTINS[c]["items"]) for c in ("phq9", "gad7", "sdss", "barthel", "swls")] == [
        9,
        7,
        10,
        10,
        5,
    ]
    assert BUILTINS["phq9"]["norms"] == {"sd": 5.7, "reliability": 0.84, "cutoff": 10}
    assert BUILTINS["gad7"]["norms"] == {"sd": 4.8, "reliability": 0.83, "cutoff": 10}
    assert [b["max"] for b in BUILTINS["barthel"]["bands"]] == [40, 60, 99, 100]
    assert (BUILTINS["swls"]["scoring"]["min"], BUILTINS["swls"]["scoring"]["max"]) == (5, 35)
    assert BUILTINS["phq9"]["items"][8]["text"]["zh"] == "有不如死掉或用某种方式伤害自己的念头"


def test_a_good_definition_passes() -> None:
    definition = parse(GOOD)
    assert definition["code"] == "mood" and len(definition["items"]) == 2


def test_every_problem_is_listed_at_once() -> None:
    bad = yaml.safe_load(GOOD)
    bad["colour"] = "blue"
    bad["items"][0]["options"][1] = {"label": "有"}
    bad["items"][1]["code"] = "a"
    bad["bands"] = [bad["bands"][1], bad["bands"][0]]
    bad["critical"][0]["item"] = "zz"
    with pytest.raises(DefinitionError) as exc, translation.override("en"):
        validate(bad, "mood.yaml")
    found = "\n".join(exc.value.problems)
    assert "unknown keys colour" in found
    assert "items[1] (a).options[2]: the option has no value" in found
    assert "items[2]: the code a is used twice." in found
    assert "the upper bounds of the bands must be ascending" in found
    assert "critical[1]: names the unknown item zz." in found
    assert str(exc.value).startswith("mood.yaml is not a valid instrument definition:")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("version: 0", "version: a whole number from 1 is required."),
        ("code: Mood!", "code: a code of lower-case letters"),
        ("direction: up", "direction: must be lower_is_better or higher_is_better."),
        ("norms: {sd: -1, reliability: 1.2}", "norms.sd: must be above 0."),
        ("norms: {sd: 5, reliability: 1.2}", "norms.reliability: must be at least 0 and below 1"),
        ("norms: {mean: 3}", "norms: unknown keys mean"),
        ("scoring: {total: mean}", "scoring.total: must be sum or none."),
        ("scoring: {total: sum, max: 30}", "scoring.max: is 30 but the items add up to 3."),
        ("scoring: {total: none}", "bands: bands need a summed total."),
        ("title: 3", "title: a label needs a Chinese text"),
    ],
)
def test_single_problems(change: str, message: str) -> None:
    key = change.split(":")[0]
    lines = [line for line in GOOD.splitlines() if not line.startswith(f"{key}:")]
    assert any(message in p for p in problems_of("\n".join([*lines, change])))


def test_rule_and_item_problems() -> None:
    bad = yaml.safe_load(GOOD)
    bad["items"][0]["type"] = "slider"
    bad["items"][1]["reverse"] = "yes"
    bad["items"][1]["not_applicable"] = [9]
    bad["critical"].append({"item": "a", "op": "~", "value": 1, "flag": "x", "label": "x"})
    bad["critical"].append({"op": ">", "value": 1, "flag": "y", "label": "y"})
    bad["items"].append({"code": "c", "text": "丙", "type": "text", "options": []})
    with pytest.raises(DefinitionError) as exc, translation.override("en"):
        validate(bad)
    found = "\n".join(exc.value.problems)
    assert "items[1] (a): unknown type slider." in found
    assert "items[2] (b).reverse: must be true or false." in found
    assert "not_applicable must list values of the item's options." in found
    assert "critical[2]: unknown operator ~" in found
    assert "critical[3]: name an item, or total: true" in found
    assert "items[3] (c): only choice and multi items have options." in found


def test_band_rules_are_checked() -> None:
    bad = copy.deepcopy(BUILTINS["follow-up-2018"])
    bad["band_rules"][0]["any"][0] = {"item": "danger_level", "op": ">=", "value": "high"}
    bad["band_rules"][0]["any"][1] = {"item": "insight", "op": "==", "value": "lost"}
    bad["band_rules"][0]["any"][2] = {"item": "insight", "op": ">", "value": 1}
    bad["band_rules"][1]["all"] = []
    with pytest.raises(DefinitionError) as exc, translation.override("en"):
        validate(bad)
    found = "\n".join(exc.value.problems)
    assert "band_rules[1].conditions[1].value: must be a number." in found
    assert "band_rules[1].conditions[2]: lost is not an option of insight." in found
    assert "band_rules[1].conditions[3]: > needs a numeric item; insight is not." in found
    assert "band_rules[2]: give exactly one of any or all." in found


def test_yaml_syntax_errors_say_where() -> None:
    assert problems_of("code: [unclosed\nversion: 1")[0].startswith("line ")
    assert problems_of("- just\n- a list") == ["the file holds no mapping of keys to values."]
    assert "no dates or tags" in problems_of(GOOD + "\nsource: 2024-01-01\n")[0]


def test_an_alias_bomb_is_refused_quickly() -> None:
    """Nine levels of aliases to aliases: 400 bytes that expand to 387 million values."""
    import time

    lines = ["l0: &l0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 10):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]")
    started = time.monotonic()
    with pytest.raises(DefinitionError) as refused, translation.override("en"):
        parse("\n".join(lines), "bomb.yaml")
    assert time.monotonic() - started < 5
    assert any("anchors and aliases" in p for p in refused.value.problems)


def test_the_migration_loaded_every_builtin(db: None) -> None:
    stored = dict(
        Instrument.objects.filter(organisation__isnull=True).values_list("code", "version")
    )
    assert stored == {code: 1 for code in BUILTINS}
    phq9 = Instrument.objects.get(code="phq9")
    assert phq9.definition == BUILTINS["phq9"]
    assert phq9.title_zh == "患者健康问卷抑郁量表（PHQ-9）"


def test_sync_is_idempotent_and_adds_new_versions(db: None, tmp_path: Path) -> None:
    assert sync_builtin_instruments() == []
    for path in builtin_files():
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    text = (tmp_path / "gad7.yaml").read_text(encoding="utf-8")
    (tmp_path / "gad7.yaml").write_text(
        text.replace("version: 1", "version: 2").replace("cutoff: 10}", "cutoff: 8}"),
        encoding="utf-8",
    )
    created = sync_builtin_instruments(directory=tmp_path)
    assert [(i.code, i.version) for i in created] == [("gad7", 2)]
    assert sync_builtin_instruments(directory=tmp_path) == []
    assert Instrument.objects.filter(code="gad7").count() == 2


def test_sync_refuses_a_changed_file_with_the_same_version(db: None, tmp_path: Path) -> None:
    text = (BUILTIN_DIR / "phq9.yaml").read_text(encoding="utf-8")
    (tmp_path / "phq9.yaml").write_text(
        text.replace("min: 0, max: 27}", "min: 0, max: 27, exclude_not_applicable: false}"),
        encoding="utf-8",
    )
    with pytest.raises(DefinitionError) as exc, translation.override("en"):
        sync_builtin_instruments(directory=tmp_path)
    assert "raise its version number" in str(exc.value)
    assert "phq9.yaml" in str(exc.value)
