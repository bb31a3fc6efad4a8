"""The built-in questionnaires of surveys (``definitions/*.yaml``), read and validated with the
questionnaire engine of ``anxin.assessments`` (``scoring: none``; ``sections`` group the
questions). A survey keeps a frozen copy of the definition it was created with."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from anxin.assessments.definitions import localised, parse

DEFINITION_DIR = Path(__file__).resolve().parent / "definitions"
DEFAULT_FOR_KIND = {"needs": "needs-survey", "satisfaction": "satisfaction-survey"}


@cache
def builtin_definitions() -> dict[str, dict[str, Any]]:
    """Every shipped questionnaire by code."""
    found = {}
    for path in sorted(DEFINITION_DIR.glob("*.yaml")):
        definition = parse(path.read_text(encoding="utf-8"), path.name)
        found[definition["code"]] = definition
    return found


def questionnaires(organisation_id: int | None) -> dict[str, dict[str, Any]]:
    """The questionnaires a survey of the organisation may use: the shipped ones, then the
    organisation's own (uploaded on the instruments page; the latest active version of each),
    by code. A shipped code is never shadowed."""
    from anxin.assessments.models import Instrument

    found = dict(builtin_definitions())
    if organisation_id is None:
        return found
    own = (
        Instrument.objects.filter(organisation_id=organisation_id, active=True)
        .order_by("code", "-version")
        .values_list("code", "definition")
    )
    for code, definition in own:
        found.setdefault(code, definition)
    return found


def definition_choices(organisation_id: int | None = None) -> list[tuple[str, str]]:
    return [(code, localised(d["title"])) for code, d in questionnaires(organisation_id).items()]


def sections_of(definition: dict[str, Any]) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """The questions grouped by section, in order: (code, heading, items); items without a
    section come under an empty heading."""
    headings = definition.get("sections") or {}
    groups: list[tuple[str, str, list[dict[str, Any]]]] = []
    for item in definition.get("items", []):
        code = item.get("section", "")
        if not groups or groups[-1][0] != code:
            groups.append((code, localised(headings.get(code)) if code else "", []))
        groups[-1][2].append(item)
    return groups
