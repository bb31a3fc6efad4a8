"""Contract templates: shipped as YAML in ``anxin/contracts/templates`` or an organisation's own
(``anxin.contracts.models.ContractTemplate``); loading (validated) and the settings they give."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

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
    """A template that cannot be used; ``problems`` lists every reason."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = problems or []
        super().__init__("\n".join([message, *(f"- {p}" for p in self.problems)]))


def template_codes() -> list[str]:
    """The codes of the contract templates shipped with anxin."""
    return list(_shipped_codes())


@lru_cache(maxsize=1)
def _shipped_codes() -> tuple[str, ...]:
    return tuple(sorted(path.stem for path in TEMPLATE_DIR.glob("*.yaml")))


def is_shipped(code: str) -> bool:
    return code in _shipped_codes()


def load_template(code: str) -> dict[str, Any]:
    """A template by code: a shipped file, else an organisation's own (``ContractTemplate``).

    Validated on loading (``anxin.contracts.validation``); ``TemplateError`` lists every problem.
    A shipped template is read once per process; an organisation's is cached by code and version,
    so one small query finds its current version and a new version is read at once everywhere.
    """
    if is_shipped(code):
        return _shipped_template(code)
    from anxin.contracts.models import ContractTemplate

    version = ContractTemplate.objects.filter(code=code).values_list("version", flat=True).first()
    if version is None:
        raise TemplateError(_("No contract template %(code)s.") % {"code": code})
    return _organisation_template(code, version)


@lru_cache(maxsize=16)
def _shipped_template(code: str) -> dict[str, Any]:
    from anxin.contracts.validation import parse_template

    name = f"{code}.yaml"
    data = parse_template((TEMPLATE_DIR / name).read_text(encoding="utf-8"), name=name)
    if data["code"] != code:
        raise TemplateError(
            _("%(name)s is not a valid contract template:") % {"name": name},
            [_("code: must be %(code)s, as the file name.") % {"code": code}],
        )
    return data


@lru_cache(maxsize=64)
def _organisation_template(code: str, version: int) -> dict[str, Any]:
    from anxin.contracts.models import ContractTemplate
    from anxin.contracts.validation import organisation_instruments, parse_template

    stored = ContractTemplate.objects.filter(code=code, version=version).first()
    if stored is None:  # replaced by a newer version in between: read that one
        return load_template(code)
    return parse_template(
        stored.source_text,
        name=code,
        instruments=organisation_instruments(stored.organisation_id),
    )


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
    "referral_answer_days": 14,
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
