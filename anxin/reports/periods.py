"""The period a report covers, from its label: ``2026Q3`` (a calendar quarter, for the quarterly
report), ``2026H1`` / ``2026H2`` (a half year, for the mid-term self-evaluation) or ``2026`` (a
calendar year, for the final self-evaluation), clipped to the project's period.

A label that cannot be read, or a period that does not overlap the project's, is refused with a
``ValidationError`` in the user's language.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from anxin.reports.models import Report

QUARTER, HALF, YEAR = "quarter", "half", "year"
LABEL = re.compile(r"^(?P<year>[0-9]{4})(?:(?P<part>[QH])(?P<number>[0-9]))?$")
FIRST_YEAR, LAST_YEAR = 2000, 2100


CN_NUMBERS = "一二三四五六七八九十"


def in_chinese() -> bool:
    return (get_language() or "zh-hans").lower().startswith("zh")


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十 (1 to 99)."""
    if n <= 10:
        return CN_NUMBERS[n - 1]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else CN_NUMBERS[tens - 1]
    return head + "十" + (CN_NUMBERS[ones - 1] if ones else "")


@dataclass(frozen=True)
class ReportPeriod:
    """A report's period: its label, what it is (a quarter, a half year or a year), its number
    in the year (1–4, 1–2, or 0 for a year), and its first and last days after clipping."""

    label: str
    unit: str
    year: int
    number: int
    start: dt.date
    end: dt.date

    @property
    def title(self) -> str:
        """The period in words, in the user's language: 2026年第三季度 (Q3 2026), 2026年上半年,
        2026年度."""
        if self.unit == QUARTER:
            quarter = chinese_number(self.number) if in_chinese() else self.number
            return _("Q%(quarter)s %(year)s") % {"quarter": quarter, "year": self.year}
        if self.unit == HALF:
            if self.number == 1:
                return _("first half of %(year)s") % {"year": self.year}
            return _("second half of %(year)s") % {"year": self.year}
        return _("the year %(year)s") % {"year": self.year}

    @property
    def span(self) -> str:
        """From the first to the last day, as dates in the user's language."""
        return _("%(start)s to %(end)s") % {
            "start": date_format(self.start, "DATE_FORMAT"),
            "end": date_format(self.end, "DATE_FORMAT"),
        }

    def as_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "unit": self.unit,
            "year": self.year,
            "number": self.number,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
        }


def quarter_title(first_day: dt.date) -> str:
    """The calendar quarter of ``first_day`` in words, as a quarterly report's title has it."""
    number = (first_day.month - 1) // 3 + 1
    start, end = _bounds(first_day.year, QUARTER, number)
    return ReportPeriod(
        f"{first_day.year}Q{number}", QUARTER, first_day.year, number, start, end
    ).title


def _bounds(year: int, unit: str, number: int) -> tuple[dt.date, dt.date]:
    if unit == QUARTER:
        first = dt.date(year, 3 * (number - 1) + 1, 1)
        months = 3
    elif unit == HALF:
        first = dt.date(year, 6 * (number - 1) + 1, 1)
        months = 6
    else:
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    month = first.month + months
    after = dt.date(year + 1, 1, 1) if month > 12 else dt.date(year, month, 1)
    return first, after - dt.timedelta(days=1)


def _refuse(label: str) -> ValidationError:
    return ValidationError(
        _(
            "%(label)s is not a report period: give a quarter (2026Q3), a half year (2026H1 or "
            "2026H2) or a year (2026)."
        )
        % {"label": label or '""'},
        code="period",
    )


def parse_period(label: str, project: Any = None) -> ReportPeriod:
    """The period of ``label``, clipped to ``project``'s period when given (an object with
    ``period_start`` and ``period_end``)."""
    text = unicodedata.normalize("NFKC", label or "").strip().upper()  # ２０２６Ｑ３ too
    found = LABEL.match(text)
    if found is None:
        raise _refuse(label)
    year = int(found["year"])
    part, number = found["part"], int(found["number"] or 0)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise _refuse(label)
    unit = {"Q": QUARTER, "H": HALF, None: YEAR}[part]
    if (unit == QUARTER and not 1 <= number <= 4) or (unit == HALF and not 1 <= number <= 2):
        raise _refuse(label)
    start, end = _bounds(year, unit, number)
    if project is not None:
        if end < project.period_start or start > project.period_end:
            raise ValidationError(
                _("%(label)s is outside the project's period (%(start)s to %(end)s).")
                % {
                    "label": text,
                    "start": project.period_start.isoformat(),
                    "end": project.period_end.isoformat(),
                },
                code="outside",
            )
        start, end = max(start, project.period_start), min(end, project.period_end)
    return ReportPeriod(label=text, unit=unit, year=year, number=number, start=start, end=end)


# The unit of period each kind of report is made for; a survey report takes any.
KIND_UNITS = {"quarterly": (QUARTER,), "midterm": (HALF,), "final": (YEAR,)}


def check_kind(kind: str, period: ReportPeriod) -> None:
    """Refuse a period of the wrong unit for ``kind`` (a quarterly report of a year …)."""
    units = KIND_UNITS.get(kind)
    if units is None or period.unit in units:
        return
    examples = {QUARTER: "2026Q3", HALF: "2026H1", YEAR: "2026"}
    raise ValidationError(
        _("%(kind)s: give a period such as %(example)s, not %(label)s.")
        % {"kind": Report.Kind(kind).label, "example": examples[units[0]], "label": period.label},
        code="unit",
    )
