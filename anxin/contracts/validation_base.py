"""The pieces every part of the contract-template validation shares: the checker that collects
problems with where they are, number and share tests, and the code patterns."""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

from django.utils.translation import gettext as _

CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
ITEM_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
FRACTION_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")

THRESHOLD_KEYS = {"min_clients", "min_participants"}


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_count(value: Any) -> bool:
    """A whole number above zero."""
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def share_value(value: Any) -> Fraction | None:
    """A share written as a number (``1``, ``0.1``) or a fraction ``"a/b"``; None if neither."""
    if is_number(value):
        return Fraction(str(value))
    if isinstance(value, str):
        match = FRACTION_RE.match(value)
        if match and int(match.group(2)) > 0:
            return Fraction(int(match.group(1)), int(match.group(2)))
    return None


class Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}" if where else message)

    def mapping(self, where: str, value: Any, allowed: set[str]) -> bool:
        """``value`` is a mapping; unknown keys are reported (typos would be silently ignored)."""
        if not isinstance(value, dict):
            self.add(where, _("must be a mapping of keys to values."))
            return False
        unknown = sorted(str(k) for k in value if k not in allowed)
        if unknown:
            self.add(
                where,
                _("unknown keys %(keys)s (allowed: %(allowed)s).")
                % {"keys": ", ".join(unknown), "allowed": ", ".join(sorted(allowed))},
            )
        return True

    def entries(self, where: str, value: Any) -> list[tuple[str, dict[str, Any]]]:
        """The mappings of a list, each with its place (``where[code]`` or ``where[#n]``)."""
        if not isinstance(value, list):
            self.add(where, _("must be a list."))
            return []
        found = []
        for n, entry in enumerate(value, 1):
            code = entry.get("code") if isinstance(entry, dict) else None
            place = f"{where}[{code}]" if isinstance(code, str) and code else f"{where}[#{n}]"
            if not isinstance(entry, dict):
                self.add(place, _("must be a mapping of keys to values."))
                continue
            found.append((place, entry))
        return found

    def codes(self, where: str, entries: list[tuple[str, dict[str, Any]]]) -> set[str]:
        """Each entry has a text code, unique in the list; the set of codes."""
        seen: set[str] = set()
        for place, entry in entries:
            code = entry.get("code")
            if code is None:
                self.add(place, _("a code is required."))
            elif not isinstance(code, str) or not ITEM_CODE_RE.match(code):
                self.add(
                    f"{place}.code",
                    _('give the code as text in quotes (letters, digits, - and _), e.g. "4a".'),
                )
            elif code in seen:
                self.add(where, _("the code %(code)s is used more than once.") % {"code": code})
            else:
                seen.add(code)
        return seen

    def label(self, where: str, value: Any) -> None:
        if value is None:
            self.add(where, _("a label is required ({zh: …, en: …})."))
        elif isinstance(value, str):
            if not value.strip():
                self.add(where, _("the label is empty."))
        elif not isinstance(value, dict) or not isinstance(value.get("zh"), str):
            self.add(where, _("a label needs a Chinese text: {zh: …, en: …}."))
        elif set(value) - {"zh", "en"}:
            self.add(where, _("a label has only the keys zh and en."))

    def range(self, where: str, value: Any) -> tuple[float, float] | None:
        if (
            isinstance(value, list)
            and len(value) == 2
            and all(is_number(v) for v in value)
            and 0 <= value[0] <= value[1]
        ):
            return value[0], value[1]
        self.add(where, _("give [min, max] with 0 ≤ min ≤ max."))
        return None

    def share(self, where: str, value: Any) -> None:
        share = share_value(value)
        if share is None or not 0 < share <= 1:
            self.add(
                where,
                _(
                    "give a share of the clients above 0 and at most 1: a number or a fraction "
                    'such as "1/3".'
                ),
            )

    def times(self, where: str, value: Any) -> None:
        if not isinstance(value, list) or not value or not all(is_count(v) for v in value):
            self.add(where, _("give a list of whole numbers above 0, e.g. [10]."))

    def unit_share(self, where: str, value: Any, *, required: bool = True) -> None:
        """A number in (0, 1], e.g. an outcome threshold of 0.30."""
        if value is None and not required:
            return
        if not is_number(value) or not 0 < value <= 1:
            self.add(where, _("give a number above 0 and at most 1, e.g. 0.3 for 30 %."))

    def positive_int(self, where: str, value: Any) -> None:
        if not is_count(value):
            self.add(where, _("give a whole number above 0."))

    def threshold(self, where: str, value: Any) -> None:
        if self.mapping(where, value, THRESHOLD_KEYS):
            for key, number in value.items():
                if key in THRESHOLD_KEYS:
                    self.positive_int(f"{where}.{key}", number)


def listed(c: Checker, where: str, entry: dict[str, Any]) -> list[Any]:
    key = where.rsplit(".", 1)[-1]
    value = entry.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        c.add(where, _("must be a list."))
        return []
    return value
