"""Due dates land on working days of the official Chinese calendar (statutory holidays, 调休)."""

from __future__ import annotations

import datetime as dt

import pytest

from anxin.cases.workdays import add_workdays, is_workday, next_workday

D = dt.date


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2026, 2, 13), True),  # Friday before the Spring Festival
        (D(2026, 2, 14), True),  # Saturday worked in lieu (调休)
        (D(2026, 2, 17), False),  # Spring Festival, a Tuesday
        (D(2026, 2, 23), False),  # last day of the 2026 Spring Festival holiday, a Monday
        (D(2026, 2, 24), True),
        (D(2026, 2, 28), True),  # Saturday worked in lieu
        (D(2026, 3, 1), False),  # ordinary Sunday
        (D(2026, 9, 20), True),  # Sunday worked in lieu of National Day
        (D(2026, 10, 1), False),  # National Day
        (D(2026, 10, 7), False),
        (D(2026, 10, 10), True),  # Saturday worked in lieu
        (D(2025, 9, 28), True),  # Sunday worked in lieu (2025)
        (D(2025, 10, 6), False),  # Mid-autumn Festival inside the 2025 National Day holiday
        (D(2025, 10, 11), True),  # Saturday worked in lieu (2025)
    ],
)
def test_official_calendar(day, expected):
    assert is_workday(day) is expected


def test_next_workday_skips_the_whole_spring_festival():
    assert next_workday(D(2026, 2, 15)) == D(2026, 2, 24)
    assert next_workday(D(2026, 2, 23)) == D(2026, 2, 24)


def test_next_workday_keeps_a_working_day_even_a_make_up_saturday():
    assert next_workday(D(2026, 2, 13)) == D(2026, 2, 13)
    assert next_workday(D(2026, 2, 14)) == D(2026, 2, 14)
    assert next_workday(D(2026, 10, 10)) == D(2026, 10, 10)


def test_next_workday_after_national_day():
    assert next_workday(D(2026, 10, 1)) == D(2026, 10, 8)
    assert next_workday(D(2025, 10, 4)) == D(2025, 10, 9)


def test_add_workdays_across_the_spring_festival():
    # Fri 13 Feb → Sat 14 (worked) is the first, Tue 24 Feb the second.
    assert add_workdays(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert add_workdays(D(2026, 2, 13), 2) == D(2026, 2, 24)
    assert add_workdays(D(2026, 2, 13), 6) == D(2026, 2, 28)  # Tue–Fri, then the make-up Saturday


def test_add_workdays_across_national_day():
    assert add_workdays(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert add_workdays(D(2026, 10, 8), 2) == D(2026, 10, 10)
    assert add_workdays(D(2026, 9, 18), 1) == D(2026, 9, 20)  # Sat 19 off, Sun 20 worked


def test_add_workdays_zero_and_backwards():
    assert add_workdays(D(2026, 2, 15), 0) == D(2026, 2, 24)
    assert add_workdays(D(2026, 2, 24), -1) == D(2026, 2, 14)
    assert add_workdays(D(2026, 10, 8), -1) == D(2026, 9, 30)


def test_outside_the_known_years_monday_to_friday():
    far = D(2099, 1, 3)  # a Saturday; the package has no data for 2099
    assert far.weekday() == 5
    assert not is_workday(far)
    assert next_workday(far) == D(2099, 1, 5)
    assert add_workdays(D(2099, 1, 2), 1) == D(2099, 1, 5)
    assert add_workdays(D(2099, 1, 5), 5) == D(2099, 1, 12)
    assert is_workday(D(2099, 1, 1))  # New Year's Day unknown there: a Thursday counts
