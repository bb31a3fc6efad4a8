"""Reading client lists as offices make them: .xlsx (merged cells filled in, title rows above
the header) or .csv (UTF-8 or GB18030), and finding the header row and its columns."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import load_workbook

from anxin.clients.import_columns import COLUMNS, Column, cell_text, normalise_header

SUPPORTED_SUFFIXES = (".xlsx", ".csv")
HEADER_SCAN_ROWS = 15
MAX_ROWS = 20000


class ImportFileError(Exception):
    """The file as a whole cannot be imported (unreadable, no header row, no client rows)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Grid:
    title: str
    rows: list[list[Any]]  # rows[i] is sheet row i + 1
    banners: set[int] = field(default_factory=set)  # rows that are one wide merged cell


@dataclass
class Layout:
    grid: Grid
    header_row: int
    columns: dict[int, str]  # column index → field key
    headers: dict[str, str]  # field key → the header as written in the file
    ignored: list[str]


# Reading -----------------------------------------------------------------------------------


def _read_xlsx(path: Path) -> list[Grid]:
    try:
        book = load_workbook(path, data_only=True)
    except Exception as exc:  # damaged or disguised files raise many kinds of errors
        raise ImportFileError(_("The file cannot be read as an Excel workbook (.xlsx).")) from exc
    grids = []
    for sheet in book.worksheets:
        # Only cells stored in the file: iterating max_row × max_column would create empty cells
        # for sheets formatted down to row 1 048 576.
        filled = {key: c.value for key, c in sheet._cells.items() if c.value not in (None, "")}
        if not filled:
            continue
        last_row = max(r for r, _c in filled)
        last_col = max(c for _r, c in filled)
        if last_row > MAX_ROWS + HEADER_SCAN_ROWS:
            raise ImportFileError(
                _(
                    "The sheet “%(sheet)s” has more than %(max)d rows; "
                    "split the list into smaller files."
                )
                % {"sheet": sheet.title, "max": MAX_ROWS}
            )
        rows: list[list[Any]] = [[None] * last_col for _r in range(last_row)]
        for (r, c), value in filled.items():
            rows[r - 1][c - 1] = value
        grid = Grid(sheet.title, rows)
        spans = [
            (
                range(m.min_row, min(m.max_row, last_row) + 1),
                range(m.min_col, min(m.max_col, last_col) + 1),
            )
            for m in sheet.merged_cells.ranges
        ]
        for row_span, col_span in spans:
            value = filled.get((row_span.start, col_span.start))
            for r in row_span:
                rows[r - 1][col_span.start - 1 : col_span.stop - 1] = [value] * len(col_span)
        for row_span, col_span in spans:
            for r in row_span:
                outside = [v for c, v in enumerate(rows[r - 1], start=1) if c not in col_span and v]
                if len(col_span) >= 3 and not outside:
                    grid.banners.add(r)
        grids.append(grid)
    return grids


def _read_csv(path: Path) -> list[Grid]:
    data = path.read_bytes()
    bom16 = data.startswith((b"\xff\xfe", b"\xfe\xff"))
    text = None
    for encoding in ("utf-16",) if bom16 else ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        raise ImportFileError(_("The CSV file is not text in UTF-8 or GB18030."))
    sample = text[:8192]
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    rows: list[list[Any]] = [list(r) for r in csv.reader(io.StringIO(text), delimiter=delimiter)]
    if len(rows) > MAX_ROWS + HEADER_SCAN_ROWS:
        raise ImportFileError(
            _("The file has more than %(max)d rows; split the list into smaller files.")
            % {"max": MAX_ROWS}
        )
    return [Grid(path.name, rows)]


def read_grids(path: Path, file_name: str = "") -> list[Grid]:
    suffix = Path(file_name or path.name).suffix.lower()
    if not path.is_file():
        raise ImportFileError(_("File not found: %(file)s") % {"file": path})
    if suffix == ".xls":
        raise ImportFileError(
            _(
                "Old .xls workbooks cannot be read: save the file as .xlsx (Excel 2007 or later) "
                "or .csv and try again."
            )
        )
    if suffix not in SUPPORTED_SUFFIXES:
        raise ImportFileError(_("Only .xlsx and .csv files can be imported."))
    return _read_xlsx(path) if suffix == ".xlsx" else _read_csv(path)


# Header ------------------------------------------------------------------------------------


def _map_header(
    row: list[Any], above: list[Any] | None, column_for_header: Callable[[object], str | None]
) -> tuple[dict[int, str], dict[str, str], list[str]]:
    """Map one candidate header row. A cell under a different merged heading (监护人 over 姓名 and
    电话) is tried as the two combined first."""
    columns: dict[int, str] = {}
    headers: dict[str, str] = {}
    ignored: list[str] = []
    for index, value in enumerate(row):
        text = cell_text(value)
        if not text:
            continue
        key = None
        upper = cell_text(above[index]) if above is not None and index < len(above) else ""
        if upper and upper != text:
            key = column_for_header(upper + text)
            text = upper + text if key else text
        key = key or column_for_header(text)
        if key is None or key in headers:
            ignored.append(text)
            continue
        columns[index] = key
        headers[key] = text
    return columns, headers, ignored


def find_layout(grids: list[Grid], known: Sequence[Column] = COLUMNS) -> Layout:
    """The header row and its columns among the ``known`` ones (the client list's by default;
    other lists, such as the federation's newly certified, bring their own)."""
    lookup = {normalise_header(n): c.key for c in known for n in (c.header, *c.synonyms)}
    by_key = {c.key: c for c in known}
    required = tuple(c.key for c in known if c.required)

    def column_for_header(value: object) -> str | None:
        return lookup.get(normalise_header(value))

    best: Layout | None = None
    for grid in grids:
        for index, row in enumerate(grid.rows[:HEADER_SCAN_ROWS]):
            above = grid.rows[index - 1] if index else None
            columns, headers, ignored = _map_header(row, above, column_for_header)
            if best is None or len(headers) > len(best.headers):
                best = Layout(grid, index + 1, columns, headers, ignored)
    if best is None or len(best.headers) < 2 or not {"name", "id_number"} & set(best.headers):
        raise ImportFileError(
            _(
                "No header row found in the first %(n)d rows: "
                "the list needs columns such as %(columns)s."
            )
            % {"n": HEADER_SCAN_ROWS, "columns": "、".join(by_key[k].header for k in required)}
        )
    missing = [by_key[k].header for k in required if k not in best.headers]
    if missing:
        raise ImportFileError(
            _("The header (row %(row)d) has no column for: %(columns)s.")
            % {"row": best.header_row, "columns": "、".join(missing)}
        )
    return best
