"""Working days in mainland China: weekends, statutory holidays and make-up working days (调休).

Due dates of reminders land on a working day. The official calendar comes from the
``chinesecalendar`` package, which knows each year's holidays as published by the State Council
(国务院办公厅) and the weekend days that are worked in lieu. A year the installed package does not
know yet (the State Council publishes the next year's calendar each November or December) falls
back to Monday–Friday: an upgrade of the package (``chinesecalendar`` in pyproject.toml) brings it
in.
"""

from __future__ import annotations

import datetime as dt

import chinese_calendar

_ONE_DAY = dt.timedelta(days=1)


def is_workday(day: dt.date) -> bool:
    """Whether ``day`` is a working day: from the official calendar where the package knows the
    year, otherwise Monday to Friday."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # a year outside the package's data
        return day.weekday() < 5


def next_workday(day: dt.date) -> dt.date:
    """``day`` itself if it is a working day, else the first working day after it."""
    while not is_workday(day):
        day += _ONE_DAY
    return day


def add_workdays(day: dt.date, n: int) -> dt.date:
    """The ``n``-th working day after ``day`` (before it when ``n`` is negative); ``day`` itself
    is not counted. ``add_workdays(day, 0)`` is ``next_workday(day)``.

    Outside the years ``chinesecalendar`` knows, Monday–Friday count as working days.
    """
    if n == 0:
        return next_workday(day)
    step = _ONE_DAY if n > 0 else -_ONE_DAY
    remaining = abs(n)
    while remaining:
        day += step
        if is_workday(day):
            remaining -= 1
    return day
