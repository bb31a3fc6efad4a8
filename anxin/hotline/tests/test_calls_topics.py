"""The call topics: a configurable list in the contract template (``hotline: {topics: [...]}``),
validated with the template; both shipped templates carry the default list."""

from __future__ import annotations

import copy

import pytest
import yaml
from django.utils import translation

from anxin.contracts.catalogue import TEMPLATE_DIR, load_template
from anxin.contracts.validation import validate_template
from anxin.hotline.selectors import topic_names, topics

DEFAULT = [
    "emotions",
    "family_conflict",
    "medication",
    "relapse_signs",
    "employment",
    "welfare_policy",
    "relationships",
    "sleep",
    "caregiving_stress",
    "other",
]


def _shipped(code: str) -> dict:
    return yaml.safe_load((TEMPLATE_DIR / f"{code}.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("code", ["liwan-rehab", "chongchuan-psych"])
def test_both_templates_carry_the_default_topics(code):
    listed = load_template(code)["hotline"]["topics"]
    assert [t["code"] for t in listed] == DEFAULT
    assert listed[1]["name"] == {"zh": "家庭矛盾", "en": "Family conflict"}


@pytest.mark.parametrize(
    ("hotline", "where"),
    [
        ({"topics": [{"code": "x", "name": {"zh": "甲"}}], "colour": 1}, "hotline: unknown keys"),
        ({"topics": "sleep"}, "hotline.topics: must be a list"),
        ({"topics": [{"code": "x", "name": {"zh": "甲"}}] * 2}, "used more than once"),
        ({"topics": [{"code": "x"}]}, "hotline.topics[x].name"),
        ({"topics": [{"code": "x", "name": {"zh": "甲"}, "y": 1}]}, "hotline.topics[x]: unknown"),
        ("topics", "hotline: must be a mapping"),
    ],
)
def test_a_broken_topic_list_is_refused_with_where(hotline, where):
    data = copy.deepcopy(_shipped("liwan-rehab"))
    data["hotline"] = hotline
    with translation.override("en"):
        problems = validate_template(data, name="t.yaml")
    assert any(p.startswith(where) or where in p for p in problems), problems


def test_the_topics_are_named_in_the_users_language(world):
    assert topic_names(world.liwan)["sleep"] == "睡眠问题"
    with translation.override("en"):
        assert topics(world.chongchuan)[0] == {"code": "emotions", "name": "Emotional distress"}


def test_a_template_without_topics_uses_the_hotline_tenders(world, monkeypatch):
    from anxin.hotline import selectors

    plain = {k: v for k, v in load_template("liwan-rehab").items() if k != "hotline"}
    monkeypatch.setattr(
        selectors,
        "load_template",
        lambda code: plain if code == "liwan-rehab" else load_template(code),
    )
    assert [t["code"] for t in topics(world.liwan)] == DEFAULT
