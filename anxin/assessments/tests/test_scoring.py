"""Scoring with the built-in definitions: worked examples from the instruments' manuals."""

from __future__ import annotations

import copy

import pytest
from django.utils import translation

from anxin.assessments.scoring import ScoringError, answers_from_list, crisis_flags, score
from anxin.assessments.tests.conftest import BUILTINS, answers, follow_up

PHQ9 = BUILTINS["phq9"]
GAD7 = BUILTINS["gad7"]


def test_phq9_worked_example_total_14_is_moderate() -> None:
    # Kroenke et al. 2001 scoring: the item scores add up; 10-14 is moderate depression.
    result = score(PHQ9, answers("phq9", 2, 2, 2, 2, 2, 2, 1, 1, 0))
    assert (result.total, result.band, result.flags) == (14, "moderate", [])
    with translation.override("en"):
        assert score(PHQ9, answers("phq9", 2, 2, 2, 2, 2, 2, 1, 1, 0)).band_label == "Moderate"


def spread(total: int, items: int, top: int = 3) -> list[int]:
    """Item scores adding up to ``total``, filled from the first item."""
    values = []
    for _ in range(items):
        values.append(min(top, total))
        total -= values[-1]
    assert total == 0
    return values


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately_severe"),
        (19, "moderately_severe"),
        (20, "severe"),
        (27, "severe"),
    ],
)
def test_phq9_band_edges(total: int, band: str) -> None:
    values = [*spread(total, 8), 0] if total <= 24 else spread(total, 9)
    result = score(PHQ9, answers("phq9", *values))
    assert (result.total, result.band) == (total, band)


def test_phq9_item_9_above_0_is_a_crisis_flag() -> None:
    result = score(PHQ9, answers("phq9", 0, 0, 0, 0, 0, 0, 0, 0, 1))
    assert result.total == 1 and result.band == "minimal"
    assert result.flags == ["self_harm_thoughts"]
    with translation.override("en"):
        assert crisis_flags(PHQ9, result.flags) == [
            ("self_harm_thoughts", "Item 9: thoughts of self-harm or death")
        ]
    assert score(PHQ9, answers("phq9", 3, 3, 3, 3, 3, 3, 3, 3, 0)).flags == []


@pytest.mark.parametrize(
    ("values", "total", "band"),
    [
        ((1, 1, 1, 1, 0, 0, 0), 4, "minimal"),
        ((1, 1, 1, 1, 1, 0, 0), 5, "mild"),
        ((3, 3, 3, 0, 0, 0, 0), 9, "mild"),
        ((3, 3, 3, 1, 0, 0, 0), 10, "moderate"),
        ((2, 2, 2, 2, 2, 2, 2), 14, "moderate"),
        ((3, 2, 2, 2, 2, 2, 2), 15, "severe"),
        ((3, 3, 3, 3, 3, 3, 3), 21, "severe"),
    ],
)
def test_gad7_band_edges(values: tuple[int, ...], total: int, band: str) -> None:
    result = score(GAD7, answers("gad7", *values))
    assert (result.total, result.band, result.flags) == (total, band, [])


def test_sdss_not_applicable_items_are_left_out_of_the_total() -> None:
    # Unmarried, no children, no work: items 1-3 coded 9 count nothing.
    result = score(BUILTINS["sdss"], answers("sdss", 9, 9, 9, 1, 0, 0, 0, 0, 0, 0))
    assert (result.total, result.band) == (1, "no_deficit")
    result = score(BUILTINS["sdss"], answers("sdss", 9, 9, 1, 1, 0, 0, 0, 0, 0, 0))
    assert (result.total, result.band) == (2, "deficit")  # >= 2 is a social-function deficit
    result = score(BUILTINS["sdss"], answers("sdss", 2, 2, 2, 2, 2, 2, 2, 2, 2, 2))
    assert result.total == 20
    assert score(BUILTINS["sdss"], answers("sdss", *[0] * 10)).total == 0


def test_sdss_code_9_only_where_it_applies() -> None:
    with pytest.raises(ScoringError) as exc:
        score(BUILTINS["sdss"], answers("sdss", 0, 0, 0, 9, 0, 0, 0, 0, 0, 0))
    assert exc.value.problems[0][0] == "withdrawal"


BARTHEL_FULL = (10, 5, 5, 10, 10, 10, 10, 15, 15, 10)


@pytest.mark.parametrize(
    ("values", "total", "band"),
    [
        (BARTHEL_FULL, 100, "independent"),
        ((10, 0, 5, 10, 10, 10, 10, 15, 15, 10), 95, "mild"),
        ((10, 5, 5, 10, 10, 10, 10, 15, 10, 10), 95, "mild"),
        ((10, 0, 0, 5, 10, 10, 5, 10, 10, 5), 65, "mild"),
        ((5, 0, 0, 5, 10, 10, 5, 10, 10, 5), 60, "moderate"),
        ((5, 0, 0, 0, 10, 5, 5, 10, 5, 5), 45, "moderate"),
        ((5, 0, 0, 0, 5, 5, 5, 10, 5, 5), 40, "severe"),
        ((0,) * 10, 0, "severe"),
    ],
)
def test_barthel_weights_and_dependence_bands(
    values: tuple[int, ...], total: int, band: str
) -> None:
    result = score(BUILTINS["barthel"], answers("barthel", *values))
    assert (result.total, result.band) == (total, band)


@pytest.mark.parametrize(("total", "band"), [(99, "mild"), (61, "mild"), (41, "moderate")])
def test_barthel_band_edges_on_the_definition(total: int, band: str) -> None:
    bands = BUILTINS["barthel"]["bands"]
    assert next(b["code"] for b in bands if total <= b["max"]) == band


def test_barthel_refuses_a_weight_the_item_does_not_have() -> None:
    with pytest.raises(ScoringError) as exc, translation.override("en"):
        score(BUILTINS["barthel"], answers("barthel", 10, 10, 5, 10, 10, 10, 10, 15, 15, 10))
    assert exc.value.problems == [("bathing", "10 is not one of the options (0, 5).")]


def test_swls_range_5_to_35_higher_is_better() -> None:
    swls = BUILTINS["swls"]
    assert score(swls, answers("swls", 1, 1, 1, 1, 1)).total == 5
    assert score(swls, answers("swls", 7, 7, 7, 7, 7)).band == "extremely_satisfied"
    assert score(swls, answers("swls", 4, 4, 4, 4, 4)).band == "neutral"
    assert score(swls, answers("swls", 5, 5, 5, 5, 5)).band == "slightly_satisfied"
    assert swls["direction"] == "higher_is_better"
    with pytest.raises(ScoringError):
        score(swls, answers("swls", 0, 4, 4, 4, 4))


@pytest.mark.parametrize(("level", "flagged"), [(0, False), (1, False), (2, False), (3, True)])
def test_danger_level_3_or_above_is_a_crisis(level: int, flagged: bool) -> None:
    result = score(BUILTINS["danger-level"], {"level": level})
    assert result.total == level
    assert (result.flags == ["danger_level_high"]) is flagged


def test_danger_level_options_are_the_national_definitions_verbatim() -> None:
    labels = [o["label"]["zh"] for o in BUILTINS["danger-level"]["items"][0]["options"]]
    assert labels[0] == "无符合以下1~5级中的任何行为"
    assert labels[3] == "明显打砸行为，不分场合，针对财物，不能接受劝说而停止"
    assert labels[5] == "持械针对人的任何暴力行为，或者纵火、爆炸等行为，无论在家里还是公共场合"
    assert [o["value"] for o in BUILTINS["danger-level"]["items"][0]["options"]] == list(range(6))


@pytest.mark.parametrize(
    ("changes", "band"),
    [
        ({}, "stable"),
        ({"danger_level": 1}, "basically_stable"),
        ({"danger_level": 2}, "basically_stable"),
        ({"symptom_status": "present"}, "basically_stable"),
        ({"insight": "partial"}, "basically_stable"),
        ({"sf_work": "poor"}, "basically_stable"),
        ({"danger_level": 3}, "unstable"),
        ({"danger_level": 5}, "unstable"),
        ({"symptom_status": "marked"}, "unstable"),
        ({"insight": "absent"}, "unstable"),
        ({"adverse_reaction": "serious"}, "unstable"),
        ({"physical_illness": "serious"}, "unstable"),
        ({"adverse_reaction": "mild", "sleep": "poor"}, "stable"),
    ],
)
def test_follow_up_classification_follows_the_2018_rules(changes: dict, band: str) -> None:
    result = score(BUILTINS["follow-up-2018"], follow_up(**changes))
    assert result.band == band
    assert (result.flags == ["follow_up_unstable"]) is (band == "unstable")
    assert result.total == changes.get("danger_level", 0)  # the danger level is the score


def test_follow_up_keeps_every_field_of_the_form() -> None:
    result = score(
        BUILTINS["follow-up-2018"],
        follow_up(
            symptoms=["hallucination", "suspicion"],
            risk_self_harm="1",
            next_follow_up="2026-09-01",
            drug_1="利培酮 2mg bid",
            rehab_measures="daily_living|social",
        ),
    )
    assert result.answers["symptoms"] == ["hallucination", "suspicion"]
    assert result.answers["risk_self_harm"] == 1
    assert result.answers["next_follow_up"] == "2026-09-01"
    assert result.answers["rehab_measures"] == ["daily_living", "social"]
    assert "lost_reason" not in result.answers  # optional and not answered


def test_reverse_scored_items() -> None:
    definition = copy.deepcopy(BUILTINS["swls"])
    definition["items"][1]["reverse"] = True
    definition["items"][1]["subscale"] = "b"
    definition["items"][0]["subscale"] = "a"
    result = score(definition, answers("swls", 7, 7, 1, 1, 1))
    assert result.total == 7 + 1 + 1 + 1 + 1  # 7 on a reversed 1-7 item counts 1 + 7 - 7 = 1
    assert result.subscales == {"a": 7, "b": 1}
    assert score(definition, answers("swls", 1, 2, 1, 1, 1)).total == 1 + 6 + 3


def test_every_problem_is_reported_with_its_item() -> None:
    with pytest.raises(ScoringError) as exc, translation.override("en"):
        score(PHQ9, {"q1": 4, "q2": "x", "q3": 1, "q10": 1})
    problems = dict(exc.value.problems)
    assert problems["q1"] == "4 is not one of the options (0, 1, 2, 3)."
    assert problems["q2"] == "x is not one of the options (0, 1, 2, 3)."
    assert problems["q4"] == "no answer."
    assert problems["q10"] == "there is no such item in this instrument."
    assert "q3" not in problems
    assert "q9: no answer." in exc.value.messages


def test_messages_follow_the_language() -> None:
    with pytest.raises(ScoringError) as exc, translation.override("en"):
        answers_from_list(PHQ9, ["1", "2"])
    assert exc.value.messages == ["phq9 has 9 items; 2 answers were given."]


def test_a_true_is_not_the_option_1() -> None:
    with pytest.raises(ScoringError):
        score(BUILTINS["danger-level"], {"level": True})
