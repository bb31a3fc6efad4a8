"""The indicator table as JSON (the ``anxin indicators`` command and the API) and as an Excel
workbook (.xlsx, openpyxl): the same figures, from ``indicators.indicator_table``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import BytesIO
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from anxin.accounts.models import Project
from anxin.contracts.indicators import BEHIND, MET, NO_SOURCE, ON_TRACK, Result, indicator_table


def status_label(status: str) -> str:
    return {
        MET: _("Met"),
        ON_TRACK: _("On track"),
        BEHIND: _("Behind"),
        NO_SOURCE: _("Not yet recorded"),
    }[status]


def indicators_json(project: Project, as_of: dt.date) -> dict[str, Any]:
    return {
        "project": project.code,
        "as_of": as_of.isoformat(),
        "indicators": [r.as_json() for r in indicator_table(project, as_of)],
    }


def _cell(value: Any) -> Any:
    """Decimals as numbers Excel keeps (whole ones as integers)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def indicators_xlsx(project: Project, as_of: dt.date) -> bytes:
    """One sheet: a header naming the project and date, then a row per indicator."""
    results: list[Result] = indicator_table(project, as_of)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _("Indicators")[:31]
    sheet.append([project.name])
    sheet.append([_("As of"), as_of.isoformat()])
    sheet.append([])
    header = [
        _("Row"),
        _("Indicator"),
        _("Unit"),
        _("Target"),
        _("Achieved"),
        _("Expected by now"),
        _("Status"),
        _("Hours logged"),
        _("Planned hours (min)"),
        _("Planned hours (max)"),
        _("Share improved"),
        _("Improvement threshold"),
    ]
    sheet.append(header)
    bold = Font(bold=True)
    for cell in sheet[4]:
        cell.font = bold
    behind = PatternFill("solid", fgColor="FFF3CD")
    for r in results:
        sheet.append(
            [
                r.code,
                r.name,
                r.unit,
                _cell(r.target),
                _cell(r.achieved),
                _cell(r.expected),
                status_label(r.status),
                _cell(r.hours_logged),
                _cell(r.hours_min),
                _cell(r.hours_max),
                None if r.improvement_rate is None else round(r.improvement_rate, 4),
                r.improvement_threshold,
            ]
        )
        if r.status == BEHIND:
            for cell in sheet[sheet.max_row]:
                cell.fill = behind
    widths = [6, 36, 12, 10, 10, 12, 10, 12, 14, 14, 12, 14]
    for index, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for row in sheet.iter_rows(min_row=5, min_col=11, max_col=12):
        for cell in row:
            cell.number_format = "0%"
    sheet.freeze_panes = "C5"
    out = BytesIO()
    book.save(out)
    return out.getvalue()
