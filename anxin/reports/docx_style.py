"""The Word layout of a report, as a Chinese purchaser expects it: A4, a cover page, headings
一、二、三 … in 黑体, body text in 宋体 (set through ``w:eastAsia``), tables with borders and a
header row repeated on each page, numbered tables and figures, and "第 X 页 共 Y 页" in the footer
from the second page on.

The fonts and the page-number fields are the referral letter's (``anxin.referrals.letter``),
reused rather than copied.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _
from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor
from docx.table import Table
from docx.text.paragraph import Paragraph

from anxin.core.docx import BODY_FONT, LATIN_FONT, TITLE_FONT, page_numbers, set_fonts
from anxin.reports.periods import chinese_number, in_chinese

BODY_SIZE = 12  # 小四
TABLE_SIZE = 10.5  # 五号
HEADING_SIZES = {1: 16, 2: 14}  # 三号, 四号
TEXT_WIDTH = Cm(16)  # A4 less two 2.5 cm margins
HEADER_FILL = "D9D9D9"
THEME_ATTRIBUTES = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")

Cell = str | int | float | None


def numbered(n: int, title: str) -> str:
    """A first-level heading: 一、项目概况 in Chinese, 1. Project overview otherwise."""
    if in_chinese():
        return f"{chinese_number(n)}、{title}"
    return f"{n}. {title}"


def sub_numbered(n: int, title: str) -> str:
    """A second-level heading: （一）按服务项目 in Chinese, (1) By service item otherwise."""
    if in_chinese():
        return f"（{chinese_number(n)}）{title}"
    return f"({n}) {title}"


def _style_fonts(style: Any, east_asian: str, size: float, *, bold: bool = False) -> None:
    """The style's fonts (theme fonts removed, as they would win over the named ones)."""
    element = style.element
    set_fonts(element, east_asian)
    fonts = element.get_or_add_rPr().find(qn("w:rFonts"))
    for name in THEME_ATTRIBUTES:
        fonts.attrib.pop(qn(name), None)
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.italic = False
    style.font.color.rgb = RGBColor(0, 0, 0)


class ReportDocument:
    """A report being laid out: numbered tables and figures, the paragraph styles."""

    def __init__(self, *, title: str, author: str, header: str, on: dt.date) -> None:
        self.document: DocxDocument = Document()
        self.tables = 0
        self.figures = 0
        self._setup(title=title, author=author, header=header, on=on)

    def _setup(self, *, title: str, author: str, header: str, on: dt.date) -> None:
        document = self.document
        styles = document.styles
        for fonts in styles.element.xpath("w:docDefaults/w:rPrDefault/w:rPr/w:rFonts"):
            for name in THEME_ATTRIBUTES:  # the defaults name fonts, not the theme's
                fonts.attrib.pop(qn(name), None)
            for key in ("w:ascii", "w:hAnsi", "w:cs"):
                fonts.set(qn(key), LATIN_FONT)
            fonts.set(qn("w:eastAsia"), BODY_FONT)
        _style_fonts(styles["Normal"], BODY_FONT, BODY_SIZE)
        styles["Normal"].paragraph_format.line_spacing = 1.25
        styles["Normal"].paragraph_format.space_after = Pt(4)
        _style_fonts(styles["Table Grid"], BODY_FONT, TABLE_SIZE)
        for level, size in HEADING_SIZES.items():
            style = styles[f"Heading {level}"]
            _style_fonts(style, TITLE_FONT, size, bold=level > 1)
            style.paragraph_format.space_before = Pt(12 if level == 1 else 8)
            style.paragraph_format.space_after = Pt(6)
            style.paragraph_format.keep_with_next = True
        section = document.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin = section.bottom_margin = Mm(25)
        section.left_margin = section.right_margin = Mm(25)
        section.different_first_page_header_footer = True  # the cover has neither
        head = section.header.paragraphs[0]
        head.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = head.add_run(header)
        run.font.size = Pt(9)
        set_fonts(run._r)
        footer = section.footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        page_numbers(footer)
        properties = document.core_properties
        properties.title = title
        properties.author = properties.last_modified_by = author
        moment = dt.datetime.combine(on, dt.time(0, 0))
        properties.created = properties.modified = moment
        properties.revision = 1

    # Text ------------------------------------------------------------------------------------

    def _runs(
        self,
        paragraph: Paragraph,
        text: str,
        *,
        size: float | None = None,
        bold: bool = False,
        east_asian: str = BODY_FONT,
    ) -> None:
        for n, line in enumerate(text.split("\n")):
            if n:
                paragraph.add_run().add_break()
            run = paragraph.add_run(line)
            run.bold = bold
            if size is not None:
                run.font.size = Pt(size)
            set_fonts(run._r, east_asian)

    def paragraph(
        self,
        text: str = "",
        *,
        size: float | None = None,
        bold: bool = False,
        align: WD_ALIGN_PARAGRAPH | None = None,
        east_asian: str = BODY_FONT,
        indent: bool = True,
        after: float | None = None,
        keep: bool = False,
    ) -> Paragraph:
        """A paragraph of body text, its first line indented by two characters."""
        paragraph = self.document.add_paragraph()
        fmt = paragraph.paragraph_format
        if indent and align is None:
            fmt.first_line_indent = Pt(2 * (size or BODY_SIZE))
        if after is not None:
            fmt.space_after = Pt(after)
        fmt.keep_with_next = keep
        if align is not None:
            paragraph.alignment = align
        self._runs(paragraph, text, size=size, bold=bold, east_asian=east_asian)
        return paragraph

    def text(self, text: str) -> None:
        """Body text: one paragraph per non-empty line."""
        for line in text.splitlines() or [""]:
            if line.strip():
                self.paragraph(line.strip())

    def heading(self, text: str, level: int = 1) -> Paragraph:
        paragraph = self.document.add_paragraph(style=f"Heading {level}")
        self._runs(paragraph, text, east_asian=TITLE_FONT)
        return paragraph

    def page_break(self) -> None:
        self.document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    def cover(self, lines: Sequence[tuple[str, float, bool]], details: Sequence[str]) -> None:
        """The cover page: big centred lines (text, size, bold), then the details lower down."""
        center = WD_ALIGN_PARAGRAPH.CENTER
        for _n in range(5):
            self.paragraph("", indent=False)
        for text, size, bold in lines:
            self.paragraph(
                text, size=size, bold=bold, align=center, east_asian=TITLE_FONT, after=18
            )
        for _n in range(8):
            self.paragraph("", indent=False)
        for line in details:
            self.paragraph(line, size=14, align=center, after=8)
        self.page_break()

    # Tables and figures ----------------------------------------------------------------------

    def caption(self, title: str, *, figure: bool = False) -> None:
        if figure:
            self.figures += 1
            text = _("Figure %(number)s %(title)s") % {"number": self.figures, "title": title}
        else:
            self.tables += 1
            text = _("Table %(number)s %(title)s") % {"number": self.tables, "title": title}
        self.paragraph(
            text,
            size=TABLE_SIZE,
            align=WD_ALIGN_PARAGRAPH.CENTER,
            east_asian=TITLE_FONT,
            after=2,
            keep=not figure,
        )

    def table(
        self,
        title: str,
        header: Sequence[str],
        rows: Sequence[Sequence[Cell]],
        *,
        widths: Sequence[float] | None = None,
        first_left: bool = True,
    ) -> Table:
        """A numbered table with borders and a bold, shaded header row repeated on each page;
        the first column left-aligned (labels), the others centred (figures)."""
        self.caption(title)
        table = self.document.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        head = table.rows[0]
        properties = head._tr.get_or_add_trPr()
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        properties.append(repeat)
        for cell, text in zip(head.cells, header, strict=True):
            self._cell(cell, text, bold=True, left=False)
            shading = OxmlElement("w:shd")
            shading.set(qn("w:val"), "clear")
            shading.set(qn("w:color"), "auto")
            shading.set(qn("w:fill"), HEADER_FILL)
            cell._tc.get_or_add_tcPr().append(shading)
        for values in rows:
            cells = table.add_row().cells
            for n, (cell, value) in enumerate(zip(cells, values, strict=True)):
                self._cell(cell, "" if value is None else str(value), left=first_left and n == 0)
        if widths:  # Word reads the cells' widths, LibreOffice the grid's: set both
            table.autofit = False
            for column, width in zip(table.columns, widths, strict=True):
                column.width = Cm(width)
            for row in table.rows:
                for cell, width in zip(row.cells, widths, strict=True):
                    cell.width = Cm(width)
        self.paragraph("", indent=False, after=2)
        return table

    def _cell(self, cell: Any, text: str, *, bold: bool = False, left: bool = True) -> None:
        paragraph = cell.paragraphs[0]
        paragraph.paragraph_format.space_after = Pt(0)
        paragraph.paragraph_format.line_spacing = 1.0
        paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT if left else WD_ALIGN_PARAGRAPH.CENTER
        self._runs(paragraph, text, size=TABLE_SIZE, bold=bold)

    def picture(self, png: bytes, title: str, *, width: Any = TEXT_WIDTH) -> None:
        """A chart (PNG), centred, with its numbered caption below."""
        paragraph = self.document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.keep_with_next = True
        paragraph.add_run().add_picture(io.BytesIO(png), width=width)
        self.caption(title, figure=True)

    def save(self) -> bytes:
        buffer = io.BytesIO()
        self.document.save(buffer)
        return buffer.getvalue()
