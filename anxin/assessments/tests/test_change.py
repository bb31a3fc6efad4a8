"""Change between two scores: reliable change index, 减分率, cut-off crossing, the project rule.
Every expected value is worked out by hand in the comments."""

from __future__ import annotations

import copy
from types import SimpleNamespace

import pytest

from anxin.assessments.change import (
    compare,
    crossed_cutoff,
    improvement_rule,
    reduction_category,
    reduction_rate,
    reliable_change_index,
    significantly_improved,
)
from anxin.assessments.tests.conftest import BUILTINS

PHQ9, SWLS, SDSS = BUILTINS["phq9"], BUILTINS["swls"], BUILTINS["sdss"]


def test_rci_of_phq9_by_hand() -> None:
    # S_diff = sqrt(2) * 5.7 * sqrt(1 - 0.84) = 1.414214 * 5.7 * 0.4 = 3.224407
    assert reliable_change_index(PHQ9, 18, 10) == pytest.approx(-8 / 3.224407, abs=1e-5)
    assert reliable_change_index(PHQ9, 18, 10) == pytest.approx(-2.4811, abs=1e-4)
    # 14 -> 9: RC = -5 / 3.224407 = -1.5507: not reliable
    assert reliable_change_index(PHQ9, 14, 9) == pytest.approx(-1.5507, abs=1e-4)
    assert significantly_improved(PHQ9, 18, 10) is True
    assert significantly_improved(PHQ9, 14, 9) is False
    # 7 points is the smallest reliable drop: 6 / 3.2244 = 1.861, 7 / 3.2244 = 2.171
    assert significantly_improved(PHQ9, 16, 10) is False
    assert significantly_improved(PHQ9, 16, 9) is True


def test_rci_direction_when_higher_is_better() -> None:
    # SWLS: S_diff = sqrt(2) * 6.43 * sqrt(0.18) = 1.414214 * 6.43 * 0.424264 = 3.857998
    assert reliable_change_index(SWLS, 12, 22) == pytest.approx(10 / 3.857998, abs=1e-5)
    assert significantly_improved(SWLS, 12, 22) is True
    assert significantly_improved(SWLS, 22, 12) is False  # reliable, but worse
    change = compare(SWLS, 22, 12)
    assert change.reliable is True and change.improved is False
    assert significantly_improved(PHQ9, 10, 18) is False  # PHQ-9 rising is worse


def test_reduction_rate_by_hand() -> None:
    # (baseline - current) / (baseline - floor), floor 0 for the PHQ-9
    assert reduction_rate(PHQ9, 20, 8) == pytest.approx(0.6)  # 12 / 20
    assert reduction_category(reduction_rate(PHQ9, 20, 8))[0] == "marked"  # >= 50 % 显著进步
    assert reduction_category(reduction_rate(PHQ9, 20, 5))[0] == "recovered"  # 75 % 痊愈
    assert reduction_category(reduction_rate(PHQ9, 20, 14))[0] == "improved"  # 30 % 好转
    assert reduction_category(reduction_rate(PHQ9, 20, 16))[0] == "no_effect"  # 20 % 无效
    assert reduction_category(reduction_rate(PHQ9, 20, 10))[0] == "marked"  # exactly 50 %
    assert reduction_category(reduction_rate(PHQ9, 20, 11))[0] == "improved"  # 45 %
    assert reduction_rate(PHQ9, 0, 0) is None  # no room to improve
    assert significantly_improved(PHQ9, 20, 10, "reduction_rate_50") is True
    assert significantly_improved(PHQ9, 20, 11, "reduction_rate_50") is False


def test_reduction_rate_uses_the_floor_of_the_definition() -> None:
    # SWLS is higher-is-better: (current - baseline) / (ceiling 35 - baseline) = 10 / 20
    assert reduction_rate(SWLS, 15, 25) == pytest.approx(0.5)
    definition = copy.deepcopy(PHQ9)
    definition["scoring"]["min"] = 5  # a scale whose lowest total is 5
    assert reduction_rate(definition, 25, 15) == pytest.approx(10 / 20)
    definition["norms"]["floor"] = 0  # an explicit floor wins over scoring.min
    assert reduction_rate(definition, 25, 15) == pytest.approx(10 / 25)


def test_cut_off_crossing_honours_the_direction() -> None:
    assert crossed_cutoff(PHQ9, 12, 9) is True  # clinical range is >= 10
    assert crossed_cutoff(PHQ9, 12, 10) is False
    assert crossed_cutoff(PHQ9, 9, 5) is False  # was never in the clinical range
    assert crossed_cutoff(SWLS, 18, 21) is True  # clinical range is <= 20
    assert crossed_cutoff(SWLS, 21, 18) is False
    assert crossed_cutoff(SDSS, 5, 1) is True  # >= 2 is a deficit
    assert significantly_improved(SDSS, 5, 1, "cutoff") is True
    definition = copy.deepcopy(PHQ9)
    del definition["norms"]["cutoff"]
    assert crossed_cutoff(definition, 20, 0) is None
    assert significantly_improved(definition, 20, 0, "cutoff") is False


def test_without_norms_there_is_no_reliable_change() -> None:
    assert reliable_change_index(SDSS, 10, 0) is None
    assert significantly_improved(SDSS, 10, 0) is False
    assert significantly_improved(SDSS, 10, 4, "reduction_rate_50") is True  # 60 %
    change = compare(SDSS, 10, 4, "reduction_rate_50")
    assert change.rci is None and change.reliable is None
    assert (change.reduction_percent, change.reduction_category) == (60.0, "marked")
    assert change.improved is True


def test_unknown_rule_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown improvement rule"):
        significantly_improved(PHQ9, 20, 0, "vibes")


@pytest.mark.parametrize(
    ("workflow", "rule"),
    [
        ({}, "reliable_change"),
        (None, "reliable_change"),
        ({"improvement_rule": "cutoff"}, "cutoff"),
        ({"improvement_rule": "reduction_rate_50"}, "reduction_rate_50"),
        ({"improvement_rule": "typo"}, "reliable_change"),
    ],
)
def test_the_project_chooses_the_rule(workflow: dict | None, rule: str) -> None:
    assert improvement_rule(SimpleNamespace(workflow=workflow)) == rule


def test_one_pair_judged_by_each_rule() -> None:
    # PHQ-9 12 -> 8: RC = -4 / 3.2244 = -1.24 (no); 减分率 4 / 12 = 33 % (no); 12 -> 8 crosses 10
    assert [
        compare(PHQ9, 12, 8, rule).improved
        for rule in ("reliable_change", "reduction_rate_50", "cutoff")
    ] == [False, False, True]
    change = compare(PHQ9, 12, 8)
    assert change.rci == pytest.approx(-1.24, abs=0.01)
    assert change.difference == -4
