"""The template of the federation's list of the newly certified: the header row, one synthetic
example row and a sheet documenting each column (as the client list's template)."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from anxin.core import idcard
from anxin.hotline.actions_outreach import COLUMNS

EXAMPLE_ID17 = "32061319800101001"  # synthetic
EXAMPLE = {
    "serial": "1",
    "name": "张三",
    "id_number": EXAMPLE_ID17 + idcard.check_char(EXAMPLE_ID17),
    "cert_number": EXAMPLE_ID17 + idcard.check_char(EXAMPLE_ID17) + "62",
    "category": "精神",
    "disability_level": "二级",
    "certified_on": "2026-03-02",
    "phone": "13800138000",
    "street": "城东街道",
}
TEXT_ROWS = 500
TEXT_COLUMNS = ("id_number", "cert_number", "phone")


def build_outreach_template() -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "新持证人员名单"
    sheet.append([c.header for c in COLUMNS])
    sheet.append([EXAMPLE.get(c.key, "") for c in COLUMNS])
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        letter = cell.column_letter
        sheet.column_dimensions[letter].width = 24 if column.key in TEXT_COLUMNS else 14
        if column.key in TEXT_COLUMNS:
            for row in range(2, TEXT_ROWS + 2):
                sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A2"
    notes = book.create_sheet("填写说明")
    notes.append([_("Column"), _("Required"), _("What to write"), _("Other accepted column names")])
    for column in COLUMNS:
        notes.append(
            [
                column.header,
                _("required") if column.required else _("optional"),
                str(column.help),
                "、".join(column.synonyms),
            ]
        )
    notes.append([])
    for line in (
        _("Give the ID number or the disability certificate number of each person."),
        _("The example row (张三) is synthetic: replace it with the people on your list."),
        _("Nothing is imported unless every row is valid; the report lists every problem by row."),
    ):
        notes.append([line])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for letter, width in (("A", 16), ("B", 10), ("C", 70), ("D", 36)):
        notes.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
