from __future__ import annotations

from typing import Any

import pytest

from anxin.assessments.definitions import load_builtins
from anxin.assessments.models import Instrument

BUILTINS = {d["code"]: d for d in load_builtins()}


def answers(code: str, *values: Any) -> dict[str, Any]:
    """Answers to a built-in instrument given in item order."""
    items = BUILTINS[code]["items"]
    assert len(values) == len(items)
    return {item["code"]: value for item, value in zip(items, values, strict=True)}


def follow_up(**changes: Any) -> dict[str, Any]:
    """A complete, stable follow-up record; keyword arguments change single answers."""
    base: dict[str, Any] = {
        "form": "home",
        "person_seen": "patient",
        "danger_level": 0,
        "symptom_status": "gone",
        "insight": "full",
        "sleep": "good",
        "appetite": "fair",
        "sf_self_care": "good",
        "sf_housework": "fair",
        "sf_work": "fair",
        "sf_learning": "fair",
        "sf_social": "good",
        "locked": "none",
        "hospitalisation": "none",
        "adherence": "regular",
        "adverse_reaction": "none",
        "physical_illness": "none_or_stable",
        "referred": "no",
    }
    base.update(changes)
    return base


def builtin(code: str) -> Instrument:
    return Instrument.objects.get(organisation__isnull=True, code=code)


@pytest.fixture
def definitions() -> dict[str, dict[str, Any]]:
    return BUILTINS
