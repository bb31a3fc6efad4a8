"""A survey's questionnaire as a form, for the worker's page and the public link page alike:
the questions grouped by section (numbered throughout) with the answers given so far and each
question's problem; the answers read back from a POST; the problems of a refused response
split into those of a question and the others.

Parsing only: the rules are the questionnaire engine's (``clean_answers``), applied by
``actions.response_submit``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils.translation import gettext as _

from anxin.assessments.definitions import localised
from anxin.assessments.scoring import ScoringError, clean_answers
from anxin.surveys.definitions import sections_of

MAX_CHOSEN = 100


def _question(item: dict[str, Any], number: int, data: QueryDict | None, error: str) -> dict:
    code = item["code"]
    kind = item.get("type", "choice")
    name = f"item-{code}"
    if data is None:
        chosen: list[str] = []
    elif kind == "multi":
        chosen = data.getlist(name)[:MAX_CHOSEN]
    else:
        chosen = [data.get(name, "")]
    return {
        "code": code,
        "name": name,
        "number": number,
        "type": kind,
        "text": localised(item.get("text")),
        "help": localised(item.get("help")),
        "required": item.get("required", True),
        "options": [
            {
                "value": o["value"],
                "label": localised(o.get("label")),
                "checked": str(o["value"]) in chosen,
            }
            for o in item.get("options") or []
        ],
        "value": chosen[0] if chosen else "",
        "min": item.get("min"),
        "max": item.get("max"),
        "error": error,
    }


def sections(
    definition: dict[str, Any], data: QueryDict | None = None, errors: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """[{"code", "heading", "questions": [...]}] in the questionnaire's order."""
    errors = errors or {}
    groups = []
    number = 0
    for code, heading, items in sections_of(definition):
        questions = []
        for item in items:
            number += 1
            questions.append(_question(item, number, data, errors.get(item["code"], "")))
        groups.append({"code": code or "main", "heading": heading, "questions": questions})
    return groups


def answers_from(definition: dict[str, Any], data: QueryDict) -> dict[str, Any]:
    """The answers of a POST, by item code (a list for a multiple choice)."""
    answers: dict[str, Any] = {}
    for item in definition.get("items", []):
        name = f"item-{item['code']}"
        if item.get("type", "choice") == "multi":
            answers[item["code"]] = data.getlist(name)[:MAX_CHOSEN]
        else:
            answers[item["code"]] = data.get(name, "")
    return answers


def _nul_problems(answers: dict[str, Any]) -> dict[str, str]:
    found = {}
    for code, value in answers.items():
        values = value if isinstance(value, list) else [value]
        if any("\x00" in str(v) for v in values):
            found[code] = _("Null characters are not allowed.")
    return found


def question_problems(definition: dict[str, Any], answers: dict[str, Any]) -> dict[str, str]:
    """Each question's problem with these answers (empty when they are all acceptable)."""
    problems = _nul_problems(answers)
    try:
        clean_answers(definition, answers)
    except ScoringError as exc:
        for code, message in exc.problems:
            if code:
                problems.setdefault(code, message)
    return problems


def split_problems(
    definition: dict[str, Any], answers: dict[str, Any], exc: ValidationError
) -> tuple[dict[str, str], list[str]]:
    """A refused response's problems: those of a question (shown on it) and the others."""
    by_question = question_problems(definition, answers)
    prefixes = tuple(f"{code}: " for code in by_question)
    others = [m for m in exc.messages if not (prefixes and m.startswith(prefixes))]
    return by_question, others


def has_nul(answers: dict[str, Any]) -> bool:
    return bool(_nul_problems(answers))
