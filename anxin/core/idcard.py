"""Resident ID numbers (GB 11643-1999): normalise, validate, derive sex and birth date."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_FULLWIDTH = {ord("０") + i: ord("0") + i for i in range(10)} | {
    ord("Ｘ"): ord("X"),
    ord("ｘ"): ord("X"),
}
_SEPARATORS = re.compile(r"[\s\-\u3000]+")


@dataclass(frozen=True)
class IdInfo:
    number: str
    valid: bool
    birth_date: dt.date | None = None
    sex: str | None = None  # "M" or "F"
    region_code: str | None = None
    error: str | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.number,
            "valid": self.valid,
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
            "sex": self.sex,
            "region_code": self.region_code,
            "error": str(self.error) if self.error else None,
        }


def normalise(raw: object) -> str:
    """Full-width digits and x, spaces and dashes are accepted on input; store upper-case ASCII."""
    if raw is None:
        return ""
    text = str(raw).translate(_FULLWIDTH)
    return _SEPARATORS.sub("", text).upper()


def check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def parse(raw: object, *, today: dt.date | None = None) -> IdInfo:
    number = normalise(raw)
    as_number = isinstance(raw, float) or (isinstance(raw, int) and len(number) > 15)
    if as_number or re.fullmatch(r"\d(\.\d+)?E\+\d+", number):
        return IdInfo(number, False, error=_("typed as a number, so the last digits were lost"))
    if len(number) != 18:
        return IdInfo(
            number, False, error=_("must have 18 characters, has %(n)d") % {"n": len(number)}
        )
    if not re.fullmatch(r"[0-9]{17}[0-9X]", number):  # \d would take any script's digits
        return IdInfo(number, False, error=_("only digits, with X allowed as the last character"))
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return IdInfo(number, False, error=_("the birth date in the number is not a real date"))
    today = today or dt.date.today()
    if birth > today or birth.year < 1880:
        return IdInfo(number, False, error=_("the birth date in the number is impossible"))
    if check_char(number[:17]) != number[17]:
        return IdInfo(number, False, error=_("wrong check character"))
    sex = "M" if int(number[16]) % 2 else "F"
    return IdInfo(number, True, birth_date=birth, sex=sex, region_code=number[:6])


def mask(number: str) -> str:
    if not number:
        return ""
    if len(number) < 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]
