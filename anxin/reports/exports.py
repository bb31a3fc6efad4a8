"""The quarterly fund-usage table as an Excel workbook (.xlsx, openpyxl): the rows of
``anxin.contracts.selectors.fund_usage``, the table of the project's money page, for a year, a
quarter or the whole period. (The indicator table's workbook is ``anxin.contracts.export``.)"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import BytesIO
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from anxin.accounts.models import Project
from anxin.contracts.selectors import FundUsage, fund_usage, project_quarters, quarter_label

MONEY = "#,##0.00"
SHARE = "0%"


def selected_quarters(project: Project, year: int | None, quarter: int | None) -> list[dt.date]:
    """The first days of the quarters asked for: one quarter (``year`` and ``quarter``), a year's
    quarters, or the whole period (neither). A ``ValidationError`` for a quarter without its
    year, or one the project's period does not touch."""
    quarters = project_quarters(project)
    if quarter is not None and year is None:
        raise ValidationError(_("Give the year of the quarter."))
    if quarter is not None and not 1 <= quarter <= 4:
        raise ValidationError(_("A quarter is 1, 2, 3 or 4."))
    if year is None:
        return quarters
    chosen = [
        q
        for q in quarters
        if q.year == year and (quarter is None or (q.month - 1) // 3 + 1 == quarter)
    ]
    if not chosen:
        period = (
            quarter_label(dt.date(year, 3 * quarter - 2, 1)) if quarter is not None else str(year)
        )
        raise ValidationError(
            _("The project's period does not include %(period)s.") % {"period": period}
        )
    return chosen


def _number(value: Decimal | None) -> Any:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _rows(usage: FundUsage, quarters: list[dt.date]) -> tuple[list[list[Any]], list[list[Any]]]:
    """(line rows, total rows) for the chosen quarters, as the money page shows them."""
    wanted = set(quarters)
    lines = [
        [
            row.line_code,
            row.line_name,
            row.quarter_label,
            _number(row.budget),
            _number(row.spent),
            _number(row.spent_to_date),
            _number(row.remaining),
            _number(row.share_used),
        ]
        for row in usage.rows
        if row.quarter in wanted
    ]
    budget = usage.budget
    totals = []
    for total in usage.quarter_totals:
        if total["quarter"] not in wanted:
            continue
        to_date = total["spent_to_date"]
        assert isinstance(to_date, Decimal)
        share = (to_date / budget).quantize(Decimal("0.0001")) if budget else None
        totals.append(
            [
                "",
                _("All lines"),
                total["label"],
                _number(budget),
                _number(total["spent"]),  # type: ignore[arg-type]
                _number(to_date),
                _number(budget - to_date),
                _number(share),
            ]
        )
    return lines, totals


def fund_usage_xlsx(
    project: Project, *, year: int | None = None, quarter: int | None = None
) -> bytes:
    """One sheet: a header naming the project and the period, then a row per budget line and
    quarter, then the quarter totals over all lines (in bold)."""
    quarters = selected_quarters(project, year, quarter)
    lines, totals = _rows(fund_usage(project), quarters)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _("Fund usage by quarter")[:31]
    sheet.append([project.name])
    sheet.append([_("Fund usage by quarter"), _period_text(quarters)])
    sheet.append([])
    sheet.append(
        [
            _("Code"),
            _("Budget line"),
            _("Quarter"),
            _("Budget"),
            _("Spent in the quarter"),
            _("Spent to date"),
            _("Remaining"),
            _("Used"),
        ]
    )
    bold = Font(bold=True)
    for cell in sheet[4]:
        cell.font = bold
    for row in lines:
        sheet.append(row)
    for row in totals:
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            cell.font = bold
    for row_cells in sheet.iter_rows(min_row=5, min_col=4, max_col=7):
        for cell in row_cells:
            cell.number_format = MONEY
    for row_cells in sheet.iter_rows(min_row=5, min_col=8, max_col=8):
        for cell in row_cells:
            cell.number_format = SHARE
    for index, width in enumerate([12, 28, 12, 14, 16, 14, 14, 8], 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "C5"
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _period_text(quarters: list[dt.date]) -> str:
    if not quarters:
        return ""
    first, last = quarter_label(quarters[0]), quarter_label(quarters[-1])
    return first if first == last else f"{first} – {last}"
