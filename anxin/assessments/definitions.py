"""Instrument definitions as data: reading, the built-in instruments, labels and flags.

A definition is a YAML document (schema: ``instruments/README.md``). ``parse`` reads and
validates one (``anxin.assessments.validation``) and raises ``DefinitionError`` listing every
problem found, so that an organisation admin sees all of them at once.
``sync_builtin_instruments`` loads the shipped files into ``Instrument`` rows; a file changed
without a new version is refused.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _

from anxin.assessments.validation import PLAIN_DATA, DefinitionError, validate

BUILTIN_DIR = Path(__file__).resolve().parent / "instruments"


def localised(label: Any) -> str:
    """A ``{zh, en}`` label in the user's language (Chinese when English is missing)."""
    if label is None:
        return ""
    if not isinstance(label, dict):
        return str(label)
    if (get_language() or "zh-hans").lower().startswith("en") and label.get("en"):
        return str(label["en"])
    return str(label.get("zh") or label.get("en") or "")


def item_map(definition: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["code"]: item for item in definition.get("items", [])}


def flag_labels(definition: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every flag the definition can raise: code → ``{"label": …, "crisis": bool}``."""
    flags: dict[str, dict[str, Any]] = {}
    for entry in definition.get("critical") or []:
        flags[entry["flag"]] = {"label": entry.get("label"), "crisis": entry.get("crisis", True)}
    for rule in definition.get("band_rules") or []:
        if rule.get("flag"):
            flags[rule["flag"]] = {
                "label": rule.get("flag_label") or rule.get("label"),
                "crisis": rule.get("crisis", True),
            }
    return flags


MAX_NODES = 200_000  # the largest built-in has a few thousand
TOO_BIG = gettext_noop(
    "the definition expands to too much data (anchors and aliases repeated too often)."
)


def _too_big(data: Any) -> bool:
    """Whether the data, with every alias written out, has more than ``MAX_NODES`` values."""
    stack, seen = [data], 0
    while stack:
        node = stack.pop()
        seen += 1
        if seen > MAX_NODES:
            return True
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


def parse(text: str, name: str = "") -> dict[str, Any]:
    """Read a YAML definition and validate it (``DefinitionError`` on any problem)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = _("line %(line)d") % {"line": mark.line + 1} if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise DefinitionError([f"{where}: {problem}" if where else problem], name) from exc
    if not isinstance(data, dict):
        raise DefinitionError([_("the file holds no mapping of keys to values.")], name)
    if _too_big(data):  # aliases to aliases make a short file expand a billion-fold
        raise DefinitionError([_(TOO_BIG)], name)
    try:  # as the database will give it back: string keys, no shared objects
        data = json.loads(json.dumps(data))
    except (TypeError, ValueError) as exc:
        raise DefinitionError([_(PLAIN_DATA)], name) from exc
    return validate(data, name)


def builtin_files(directory: Path | None = None) -> list[Path]:
    return sorted((directory or BUILTIN_DIR).glob("*.yaml"))


def load_builtins(directory: Path | None = None) -> list[dict[str, Any]]:
    """Every shipped definition, validated."""
    definitions = []
    for path in builtin_files(directory):
        definition = parse(path.read_text(encoding="utf-8"), path.name)
        if definition["code"] != path.stem:
            raise DefinitionError([_("the code must match the file name.")], path.name)
        definitions.append(definition)
    return definitions


def sync_builtin_instruments(
    instrument_model: Any = None, directory: Path | None = None
) -> list[Any]:
    """Create the ``Instrument`` rows of shipped definitions that do not exist yet.

    Idempotent. A shipped file that differs from the stored row of the same version is refused:
    a used definition never changes, so the file's version must be raised. Works with the app
    registry's model in a data migration (``instrument_model``). Returns the rows created.
    """
    if instrument_model is None:
        from anxin.assessments.models import Instrument

        instrument_model = Instrument
    created = []
    for definition in load_builtins(directory):
        stored = instrument_model.objects.filter(
            organisation__isnull=True, code=definition["code"], version=definition["version"]
        ).first()
        if stored is not None:
            if stored.definition != definition:
                raise DefinitionError(
                    [
                        _(
                            "version %(version)s differs from the one already stored; a used "
                            "definition never changes: raise its version number."
                        )
                        % {"version": definition["version"]}
                    ],
                    f"{definition['code']}.yaml",
                )
            continue
        created.append(instrument_model.objects.create(organisation=None, **row(definition)))
    return created


def row(definition: dict[str, Any]) -> dict[str, Any]:
    """The ``Instrument`` field values of a validated definition."""
    title = definition["title"]
    zh = title if isinstance(title, str) else title["zh"]
    en = title if isinstance(title, str) else title.get("en") or zh
    return {
        "code": definition["code"],
        "version": definition["version"],
        "title_zh": zh[:128],
        "title_en": en[:128],
        "definition": definition,
    }
