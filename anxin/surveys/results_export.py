"""A survey's results as an Excel workbook (.xlsx, openpyxl), from ``results.survey_results``:
a summary sheet (the survey, the responses by respondent type, street and channel), one long
sheet of counts and shares (a row per option of each question, then those who did not answer),
a sheet of number questions when there are any, the cross-tabs by street and by respondent type,
and, only when the free text was included (the project's team), a sheet of the free-text answers
without anything that leads back to who wrote them. The caller records the export
(``access.record_export``)."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from anxin.surveys.results import GroupCount, SurveyResults

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PERCENT = "0.0%"
BOLD = Font(bold=True)
HEADING = Font(bold=True, size=13)


def anonymous_note() -> str:
    return _(
        "This survey is anonymous: no client, no name and nothing that leads back to who "
        "answered is kept."
    )


def _sheet(book: Workbook, title: str, widths: list[int]) -> Worksheet:
    sheet = book.create_sheet(title[:31])
    for index, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    return sheet


def _header(sheet: Worksheet, cells: list[Any]) -> None:
    sheet.append(cells)
    for cell in sheet[sheet.max_row]:
        cell.font = BOLD


def _percent_columns(sheet: Worksheet, *columns: int) -> None:
    row = sheet[sheet.max_row]
    for column in columns:
        row[column - 1].number_format = PERCENT


def _groups(sheet: Worksheet, title: str, groups: list[GroupCount]) -> None:
    sheet.append([])
    _header(sheet, [title, _("Responses"), _("Share")])
    for group in groups:
        sheet.append([group.label, group.count, group.share])
        _percent_columns(sheet, 3)


def _summary(sheet: Worksheet, results: SurveyResults) -> None:
    survey = results.survey
    sheet.append([survey.title])
    sheet["A1"].font = HEADING
    sheet.append([_("Project"), survey.project.name])
    sheet.append([_("Questionnaire"), f"{survey.code} v{survey.version}"])
    sheet.append([_("Status"), survey.get_status_display()])
    if survey.opens_on:
        sheet.append([_("Opens on"), survey.opens_on])
    if survey.closes_on:
        sheet.append([_("Closes on"), survey.closes_on])
    sheet.append([_("Responses"), results.responses])
    if survey.target:
        sheet.append([_("Target number of responses"), survey.target])
    sheet.append([_("Exported on"), timezone.localdate()])
    for row in sheet.iter_rows(min_row=2, max_col=1):
        row[0].font = BOLD
    if survey.anonymous:
        sheet.append([])
        sheet.append([anonymous_note()])
    _groups(sheet, _("Respondent type"), results.by_respondent_type)
    _groups(sheet, _("Street"), results.by_street)
    _groups(sheet, _("How"), results.by_channel)
    for row in sheet.iter_rows():
        for cell in row:
            if hasattr(cell.value, "isoformat"):
                cell.number_format = "yyyy-mm-dd"
                cell.alignment = Alignment(horizontal="left")


def _questions(sheet: Worksheet, results: SurveyResults) -> None:
    """One row per option of each choice question, then a row of those who did not answer
    (their share is of all responses); a row per other question with how many answered."""
    _header(
        sheet,
        [
            _("Section"),
            _("Code"),
            _("Question"),
            _("Answer"),
            _("Count"),
            _("Share of those who answered"),
            _("Answered"),
        ],
    )
    for q in results.questions:
        lead = [q.section_title, q.code, q.text]
        for option in q.options:
            sheet.append([*lead, option.label, option.count, option.share, q.answered])
            _percent_columns(sheet, 6)
        if not q.counted:
            sheet.append([*lead, "", None, None, q.answered])
        sheet.append([*lead, _("Not answered"), q.not_answered, q.not_answered_share, q.answered])
        _percent_columns(sheet, 6)
    sheet.freeze_panes = "D2"
    sheet.auto_filter.ref = f"A1:G{sheet.max_row}"


def _numbers(sheet: Worksheet, results: SurveyResults) -> None:
    _header(sheet, [_("Code"), _("Question"), _("Answered"), _("Mean"), _("Lowest"), _("Highest")])
    for q in results.questions:
        if q.number is not None:
            n = q.number
            sheet.append([q.code, q.text, n.count, n.mean, n.minimum, n.maximum])
            sheet[sheet.max_row][3].number_format = "0.00"


def _crosstabs(sheet: Worksheet, results: SurveyResults) -> None:
    """Per choice question, a block by street and a block by respondent type: a title row
    (code, question, which), a header row (answer, a column per group, total), a row per
    option, a row of those who did not answer, and an empty row."""
    for q in results.questions:
        for table in q.crosstabs:
            sheet.append([q.code, q.text, table.title])
            sheet[sheet.max_row][0].font = BOLD
            sheet[sheet.max_row][1].font = BOLD
            _header(
                sheet,
                [
                    _("Answer"),
                    *[g.label for g in table.groups],
                    pgettext("survey results", "Total"),
                ],
            )
            sheet.append([_("Responses"), *[g.count for g in table.groups], results.responses])
            for row in table.rows:
                sheet.append([row.label, *row.counts, row.total])
            sheet.append([])


def _texts(sheet: Worksheet, results: SurveyResults) -> None:
    _header(sheet, [_("Code"), _("Question"), _("Answer")])
    wrap = Alignment(wrap_text=True, vertical="top")
    for q in results.questions:
        for text in q.texts or []:
            sheet.append([q.code, q.text, text])
            answer = sheet[sheet.max_row][2]
            answer.alignment = wrap
            answer.data_type = (
                "s"  # openpyxl takes "=…" for a formula: a respondent's text stays text
            )


def results_xlsx(results: SurveyResults) -> bytes:
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    _summary(_sheet(book, _("Summary"), [28, 40, 12]), results)
    _questions(_sheet(book, _("Counts and shares"), [20, 16, 40, 30, 10, 14, 10]), results)
    if any(q.number is not None for q in results.questions):
        _numbers(_sheet(book, _("Numbers"), [16, 40, 10, 10, 10, 10]), results)
    if any(q.crosstabs for q in results.questions):
        _crosstabs(_sheet(book, _("Cross-tabs"), [30, 16, 16, 16, 16, 16, 16, 16]), results)
    if results.texts_included:
        _texts(_sheet(book, _("Free-text answers"), [16, 40, 80]), results)
    out = BytesIO()
    book.save(out)
    return out.getvalue()
