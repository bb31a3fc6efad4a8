"""Report periods: quarters, half years and years from their labels, clipped to the project's
period; anything else refused with a clear message; the unit each kind of report takes."""

from __future__ import annotations

import datetime as dt
import unicodedata
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from anxin.reports.periods import (
    HALF,
    QUARTER,
    YEAR,
    check_kind,
    chinese_number,
    parse_period,
    quarter_title,
)

D = dt.date
PROJECT = SimpleNamespace(period_start=D(2026, 3, 15), period_end=D(2027, 3, 14))


@pytest.mark.parametrize(
    ("label", "unit", "number", "start", "end"),
    [
        ("2026Q1", QUARTER, 1, D(2026, 1, 1), D(2026, 3, 31)),
        ("2026Q2", QUARTER, 2, D(2026, 4, 1), D(2026, 6, 30)),
        ("2026Q3", QUARTER, 3, D(2026, 7, 1), D(2026, 9, 30)),
        ("2026Q4", QUARTER, 4, D(2026, 10, 1), D(2026, 12, 31)),
        ("2026H1", HALF, 1, D(2026, 1, 1), D(2026, 6, 30)),
        ("2026H2", HALF, 2, D(2026, 7, 1), D(2026, 12, 31)),
        ("2026", YEAR, 0, D(2026, 1, 1), D(2026, 12, 31)),
        (" 2026q3 ", QUARTER, 3, D(2026, 7, 1), D(2026, 9, 30)),  # case and spaces forgiven
        ("2026h2", HALF, 2, D(2026, 7, 1), D(2026, 12, 31)),
        ("２０２６Ｑ３", QUARTER, 3, D(2026, 7, 1), D(2026, 9, 30)),  # typed full-width
    ],
)
def test_labels_give_their_calendar_bounds(label, unit, number, start, end):
    period = parse_period(label)
    assert (period.unit, period.number, period.start, period.end) == (unit, number, start, end)
    assert period.label == unicodedata.normalize("NFKC", label).strip().upper()
    assert period.year == 2026


def test_periods_are_clipped_to_the_project():
    assert (parse_period("2026Q1", PROJECT).start, parse_period("2026Q1", PROJECT).end) == (
        D(2026, 3, 15),
        D(2026, 3, 31),
    )
    year = parse_period("2026", PROJECT)
    assert (year.start, year.end) == (D(2026, 3, 15), D(2026, 12, 31))
    last = parse_period("2027H1", PROJECT)
    assert (last.start, last.end) == (D(2027, 1, 1), D(2027, 3, 14))
    middle = parse_period("2026Q3", PROJECT)
    assert (middle.start, middle.end) == (D(2026, 7, 1), D(2026, 9, 30))
    assert middle.as_json() == {
        "label": "2026Q3",
        "unit": "quarter",
        "year": 2026,
        "number": 3,
        "start": "2026-07-01",
        "end": "2026-09-30",
    }


@pytest.mark.parametrize(
    "label",
    ["", "   ", "2026Q5", "2026Q0", "2026H3", "2026H0", "26Q3", "2026-Q3", "Q3 2026", "2026Q",
     "2026Q33", "2026S1", "abcd", "1999", "2101Q1", "2026Ｑ"],
)  # fmt: skip
def test_anything_else_is_refused_in_the_users_language(label):
    with pytest.raises(ValidationError) as refused:
        parse_period(label)
    assert refused.value.code == "period"
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        parse_period(label)
    message = refused.value.messages[0]
    assert "is not a report period: give a quarter (2026Q3), a half year (2026H1 or " in message
    assert message.endswith("2026H2) or a year (2026).")


@pytest.mark.parametrize("label", ["2026Q1", "2027Q2", "2025", "2027H2"])
def test_a_period_outside_the_project_is_refused(label):
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        parse_period(label, SimpleNamespace(period_start=D(2026, 4, 1), period_end=D(2027, 3, 31)))
    assert refused.value.code == "outside"
    assert refused.value.messages == [
        f"{label} is outside the project's period (2026-04-01 to 2027-03-31)."
    ]


def test_chinese_numbers():
    assert [chinese_number(n) for n in (1, 3, 9, 10, 11, 12, 20, 21, 99)] == [
        "一", "三", "九", "十", "十一", "十二", "二十", "二十一", "九十九"
    ]  # fmt: skip


def test_titles_in_english_and_chinese():
    with translation.override("en"):
        assert parse_period("2026Q3").title == "Q3 2026"
        assert parse_period("2026H1").title == "first half of 2026"
        assert parse_period("2026H2").title == "second half of 2026"
        assert parse_period("2026").title == "the year 2026"
        assert parse_period("2026Q3").span == "1 Jul 2026 to 30 Sep 2026"
    assert parse_period("2026Q3").title == "2026年第三季度"  # the catalogue's quarter label
    assert parse_period("2026Q4").title == "2026年第四季度"
    assert quarter_title(D(2026, 4, 1)) == "2026年第二季度"
    with translation.override("en"):
        assert quarter_title(D(2026, 10, 1)) == "Q4 2026"
    assert parse_period("2026Q3").span.startswith("2026年7月1日")


@pytest.mark.parametrize(
    ("kind", "good", "bad"),
    [
        ("quarterly", "2026Q3", ["2026H1", "2026"]),
        ("midterm", "2026H1", ["2026Q2", "2026"]),
        ("final", "2026", ["2026Q4", "2026H2"]),
        ("needs-survey", "2026", []),
        ("satisfaction", "2026Q4", []),
    ],
)
def test_each_kind_takes_its_unit_of_period(kind, good, bad):
    check_kind(kind, parse_period(good))
    for label in bad:
        with translation.override("en"), pytest.raises(ValidationError) as refused:
            check_kind(kind, parse_period(label))
        assert refused.value.code == "unit"
        assert f"not {label}." in refused.value.messages[0]
    for label in ("2026Q1", "2026H2", "2026"):
        if kind in ("needs-survey", "satisfaction"):
            check_kind(kind, parse_period(label))  # a survey report takes any period
