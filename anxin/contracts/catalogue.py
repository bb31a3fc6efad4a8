"""Contract templates shipped as YAML in ``anxin/contracts/templates``: loading and validation."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from django.utils.translation import get_language

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"

ELIGIBILITY_KEYS = (
    "require_household_in_district",
    "require_street_in_district",
    "require_stable_condition",
    "refuse_violence_tendency",
    "require_discharge_assessment",
    "require_priority_group",
    "require_disability_certificate",
    "refuse_duplicate_in_district",
)


class TemplateError(ValueError):
    pass


@lru_cache(maxsize=16)
def load_template(code: str) -> dict[str, Any]:
    path = TEMPLATE_DIR / f"{code}.yaml"
    if not path.is_file():
        raise TemplateError(f"No contract template {code!r}.")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if data.get("code") != code:
        raise TemplateError(f"{path.name}: code must be {code!r}.")
    unknown = set(data.get("eligibility", {})) - set(ELIGIBILITY_KEYS)
    if unknown:
        raise TemplateError(f"{path.name}: unknown eligibility rules {sorted(unknown)}.")
    for req in data.get("team", []):
        for key in ("code", "label", "count", "roles"):
            if key not in req:
                raise TemplateError(f"{path.name}: team requirement lacks {key!r}.")
    return data


def localised(label: dict[str, str] | str) -> str:
    if isinstance(label, str):
        return label
    lang = (get_language() or "zh-hans").lower()
    if lang.startswith("en") and "en" in label:
        return label["en"]
    return label.get("zh", "")


def default_eligibility(code: str) -> dict[str, bool]:
    rules = load_template(code).get("eligibility", {})
    return {key: bool(rules.get(key, False)) for key in ELIGIBILITY_KEYS}
