"""Change between two scores of one instrument (domain.md §4).

- Reliable change index (Jacobson & Truax 1991): RC = (x₂ − x₁) / (√2 · SD · √(1 − r)), with SD
  and r from the definition's ``norms``; |RC| > 1.96 is reliable change.
- Score-reduction rate 减分率 = (baseline − current) / (baseline − floor), the floor being the
  lowest possible total (``norms.floor``, else ``scoring.min``). When higher is better it is the
  mirror image, (current − baseline) / (ceiling − baseline). ≥ 75 % 痊愈, ≥ 50 % 显著进步,
  ≥ 25 % 好转, below that 无效 (the Chinese clinical convention).
- Cut-off crossing: from the clinical range to the healthy one. The clinical range is
  total ≥ cutoff when lower is better, total ≤ cutoff when higher is better.

"Significant improvement" is a per-project rule (``project.workflow["improvement_rule"]``):
``reliable_change`` (default), ``reduction_rate_50`` or ``cutoff``, always in the improving
direction of the instrument.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

RC_THRESHOLD = 1.96
DEFAULT_RULE = "reliable_change"
RULES = {
    "reliable_change": _("Reliable change (RC beyond 1.96)"),
    "reduction_rate_50": _("Score-reduction rate of 50 percent or more"),
    "cutoff": _("Crossing the cut-off into the healthy range"),
}
REDUCTION_CATEGORIES = (
    (0.75, "recovered", _("Recovered (≥ 75 %)")),
    (0.50, "marked", _("Markedly improved (≥ 50 %)")),
    (0.25, "improved", _("Improved (25–49 %)")),
)
NO_EFFECT = ("no_effect", _("No effect (< 25 %)"))


def lower_is_better(definition: dict[str, Any]) -> bool:
    return definition.get("direction", "lower_is_better") != "higher_is_better"


def _norm(definition: dict[str, Any], key: str) -> float | None:
    value = (definition.get("norms") or {}).get(key)
    return float(value) if isinstance(value, int | float) else None


def reliable_change_index(definition: dict[str, Any], before: float, after: float) -> float | None:
    """RC of the change from ``before`` to ``after``; None without SD and reliability."""
    sd, reliability = _norm(definition, "sd"), _norm(definition, "reliability")
    if sd is None or reliability is None or sd <= 0 or not 0 <= reliability < 1:
        return None
    s_diff = math.sqrt(2) * sd * math.sqrt(1 - reliability)
    return (after - before) / s_diff


def reduction_rate(definition: dict[str, Any], before: float, after: float) -> float | None:
    """减分率 as a fraction (0.5 = 50 %), positive when the client improved; None when the
    baseline leaves no room to improve."""
    scoring = definition.get("scoring") or {}
    if lower_is_better(definition):
        floor = _norm(definition, "floor")
        floor = float(scoring.get("min", 0)) if floor is None else floor
        room = before - floor
        return (before - after) / room if room > 0 else None
    ceiling = _norm(definition, "ceiling")
    if ceiling is None and isinstance(scoring.get("max"), int | float):
        ceiling = float(scoring["max"])
    if ceiling is None:
        return None
    room = ceiling - before
    return (after - before) / room if room > 0 else None


def reduction_category(rate: float | None) -> tuple[str, str]:
    """The Chinese clinical category of a 减分率: code and label."""
    if rate is None:
        return "", ""
    for threshold, code, label in REDUCTION_CATEGORIES:
        if rate >= threshold:
            return code, str(label)
    return NO_EFFECT[0], str(NO_EFFECT[1])


def in_clinical_range(definition: dict[str, Any], total: float) -> bool | None:
    cutoff = _norm(definition, "cutoff")
    if cutoff is None:
        return None
    return total >= cutoff if lower_is_better(definition) else total <= cutoff


def crossed_cutoff(definition: dict[str, Any], before: float, after: float) -> bool | None:
    """True when the client moved from the clinical range out of it; None without a cut-off."""
    was, now = in_clinical_range(definition, before), in_clinical_range(definition, after)
    if was is None or now is None:
        return None
    return was and not now


def reliably_improved(definition: dict[str, Any], before: float, after: float) -> bool | None:
    rc = reliable_change_index(definition, before, after)
    if rc is None:
        return None
    return rc < -RC_THRESHOLD if lower_is_better(definition) else rc > RC_THRESHOLD


def significantly_improved(
    definition: dict[str, Any], before: float, after: float, rule: str = DEFAULT_RULE
) -> bool:
    """Whether the change from ``before`` to ``after`` is a significant improvement by ``rule``.
    A rule the instrument cannot support (no norms, no cut-off) gives False."""
    if rule == "reliable_change":
        return bool(reliably_improved(definition, before, after))
    if rule == "reduction_rate_50":
        rate = reduction_rate(definition, before, after)
        return rate is not None and rate >= 0.5
    if rule == "cutoff":
        return bool(crossed_cutoff(definition, before, after))
    raise ValueError(f"unknown improvement rule {rule!r}; use one of {sorted(RULES)}")


def improvement_rule(project: Any) -> str:
    """The project's rule for "significant improvement" (an unknown value falls back to the
    default, reliable change)."""
    rule = (getattr(project, "workflow", None) or {}).get("improvement_rule", DEFAULT_RULE)
    return rule if rule in RULES else DEFAULT_RULE


@dataclass(frozen=True)
class Change:
    before: float
    after: float
    difference: float
    rci: float | None
    reliable: bool | None
    reduction_rate: float | None
    reduction_category: str
    reduction_label: str
    crossed_cutoff: bool | None
    rule: str
    improved: bool

    @property
    def reduction_percent(self) -> float | None:
        return None if self.reduction_rate is None else round(self.reduction_rate * 100, 1)


def compare(
    definition: dict[str, Any], before: float, after: float, rule: str = DEFAULT_RULE
) -> Change:
    """Every change indicator between two totals, and the verdict of ``rule``."""
    rci = reliable_change_index(definition, before, after)
    rate = reduction_rate(definition, before, after)
    category, label = reduction_category(rate)
    return Change(
        before=before,
        after=after,
        difference=after - before,
        rci=None if rci is None else round(rci, 2),
        reliable=None if rci is None else abs(rci) > RC_THRESHOLD,
        reduction_rate=rate,
        reduction_category=category,
        reduction_label=label,
        crossed_cutoff=crossed_cutoff(definition, before, after),
        rule=rule,
        improved=significantly_improved(definition, before, after, rule),
    )
