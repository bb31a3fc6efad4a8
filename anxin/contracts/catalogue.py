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


WORKFLOW_DEFAULTS: dict[str, Any] = {
    "classification_required": False,
    "process_review_days": 90,
    "plan_review_days": 90,
    "no_contact_days": 30,
    "follow_up_after_closure_days": 30,
    "classification": [],
}


def default_workflow(code: str) -> dict[str, Any]:
    return {**WORKFLOW_DEFAULTS, **load_template(code).get("workflow", {})}


def workflow_setting(project: Any, key: str) -> Any:
    """A project's workflow setting, falling back to its template, then to the defaults."""
    if key in (project.workflow or {}):
        return project.workflow[key]
    return default_workflow(project.template).get(key, WORKFLOW_DEFAULTS.get(key))


def workflow_settings(project: Any) -> dict[str, Any]:
    """Every workflow setting of the project, defaults filled in."""
    return {**default_workflow(project.template), **(project.workflow or {})}


def service_items(project: Any) -> list[dict[str, Any]]:
    """The project's service catalogue: code, name (in the user's language), tier, classes."""
    return [
        {
            "code": item["code"],
            "name": localised(item["name"]),
            "tier": item.get("tier", "open"),
            "classes": item.get("classes"),
            "cycle": item.get("cycle"),
            "fixed_families": item.get("fixed_families"),
            "threshold": item.get("threshold"),
        }
        for item in load_template(project.template).get("services", [])
    ]


def service_item(project: Any, code: str) -> dict[str, Any] | None:
    return next((i for i in service_items(project) if i["code"] == code), None)


def form_thresholds(project: Any) -> dict[str, dict[str, int]]:
    """R5.1: the least participants for a session to count as its form, per form."""
    return dict(load_template(project.template).get("forms", {}))
