"""What every Word file anxin writes shares: Chinese fonts set where Word reads them
(``w:eastAsia``) and page numbers as Word fields ("第 X 页 共 Y 页"). Used by the referral letter
and the reports."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.text.paragraph import Paragraph

BODY_FONT, TITLE_FONT, LATIN_FONT = "宋体", "黑体", "Times New Roman"


def set_fonts(element: Any, east_asian: str = BODY_FONT) -> None:
    """Latin and East Asian fonts on a style's or a run's properties (w:rFonts w:eastAsia)."""
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for key in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(key), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), east_asian)


def add_field(paragraph: Paragraph, code: str) -> None:
    """A Word field (PAGE, NUMPAGES) Word fills in when it lays the document out."""
    simple = OxmlElement("w:fldSimple")
    simple.set(qn("w:instr"), code)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    simple.append(run)
    paragraph._p.append(simple)


def page_numbers(paragraph: Paragraph) -> None:
    """ "Page X of Y" in the user's language, with X and Y as Word fields."""
    template = _("Page %(page)s of %(pages)s")
    for part in re.split(r"(%\(page\)s|%\(pages\)s)", template):
        if part == "%(page)s":
            add_field(paragraph, "PAGE")
        elif part == "%(pages)s":
            add_field(paragraph, "NUMPAGES")
        elif part:
            run = paragraph.add_run(part)
            run.font.size = Pt(9)
            set_fonts(run._r)
