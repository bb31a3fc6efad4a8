"""The needs-survey and satisfaction-survey reports: the survey's results
(``anxin.surveys.results.survey_results``, aggregated in SQL) laid out as a Word file.

Cover; 一、the survey (questionnaire, period, respondents against the target); 二、who answered
(by respondent type and by street); 三、results, question by question under the questionnaire's
sections (counts and shares of each option, with a chart; for a satisfaction survey first the
share satisfied per question); 四、findings, problems and next steps (the narrative). Free text
is never reproduced: only how many answered.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from anxin.accounts.models import Project
from anxin.assessments.definitions import localised
from anxin.reports import charts
from anxin.reports.docx_style import ReportDocument, numbered, sub_numbered
from anxin.reports.layout import DASH, cover, new_document, show, show_day, show_percent
from anxin.reports.periods import ReportPeriod
from anxin.surveys.results import COUNTED, MULTI, NUMBER, survey_results

SATISFIED = ("4", "5")  # 满意, 非常满意 on the five-point scale
# A questionnaire's own numbering of its sections (一、… or 1. …): the report numbers them.
OWN_NUMBER = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+[、.．]|[0-9]+[.、．)]|[（(][一二三四五六七八九十0-9]+[)）])\s*"
)


def _percent(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 1)


def _satisfaction(question: Any) -> float | None:
    """The share (per cent) answering 4 or 5 of a question on the five-point scale, else None."""
    values = {o.value for o in question.options}
    if not set(SATISFIED) <= values or not all(v.isdigit() for v in values):
        return None
    satisfied = sum(o.count for o in question.options if o.value in SATISFIED)
    return round(satisfied / question.answered * 100, 1) if question.answered else None


def gather(survey: Any, kind: str, period: ReportPeriod, on: dt.date) -> dict[str, Any]:
    """Every figure of a survey report."""
    results = survey_results(survey)
    definition = survey.definition or {}
    questions = []
    for q in results.questions:
        row: dict[str, Any] = {
            "code": q.code,
            "section": q.section,
            "section_title": q.section_title,
            "text": q.text,
            "type": q.type,
            "answered": q.answered,
            "not_answered": max(results.responses - q.answered, 0),
            "options": [
                {
                    "value": o.value,
                    "label": o.label,
                    "count": o.count,
                    "percent": _percent(o.share),
                }
                for o in q.options
            ],
        }
        number = getattr(q, "number", None)
        if q.type == NUMBER and number is not None:
            row["number"] = {
                "count": number.count,
                "mean": None if number.mean is None else round(number.mean, 2),
                "min": number.minimum,
                "max": number.maximum,
            }
        if kind == "satisfaction" and q.type in COUNTED:
            row["satisfied_percent"] = _satisfaction(q)
        questions.append(row)
    target = survey.target
    return {
        "report": {
            "project": survey.project.code,
            "kind": kind,
            "period": period.as_json(),
            "as_of": on.isoformat(),
        },
        "survey": {
            "id": survey.pk,
            "title": survey.title,
            "questionnaire": survey.code,
            "questionnaire_title": localised(definition.get("title") or survey.code),
            "version": survey.version,
            "status": survey.status,
            "status_label": str(survey.get_status_display()),
            "anonymous": survey.anonymous,
            "opens_on": survey.opens_on.isoformat() if survey.opens_on else None,
            "closes_on": survey.closes_on.isoformat() if survey.closes_on else None,
            "target": target,
            "responses": results.responses,
            "target_percent": round(results.responses / target * 100, 1) if target else None,
        },
        "by_respondent_type": [
            {"code": g.code, "label": g.label, "count": g.count, "percent": _percent(g.share)}
            for g in results.by_respondent_type
        ],
        "by_street": [
            {"code": g.code, "label": g.label, "count": g.count, "percent": _percent(g.share)}
            for g in results.by_street
        ],
        "questions": questions,
    }


def build_survey_report(
    project: Project,
    kind: str,
    period: ReportPeriod,
    survey: Any,
    parts: dict[str, str],
    title: str,
    on: dt.date,
) -> tuple[bytes, dict[str, Any]]:
    """The Word file and its figures."""
    figures = gather(survey, kind, period, on)
    doc = new_document(project, title, on)
    cover(doc, project, title, survey.title, on)
    _overview(doc, 1, figures)
    _respondents(doc, 2, figures)
    _results(doc, 3, kind, figures)
    doc.heading(numbered(4, _("Findings and next steps")))
    for n, (part, heading) in enumerate(
        (
            ("highlights", _("Main findings")),
            ("problems", _("Problems")),
            ("next_steps", _("Next steps")),
        ),
        1,
    ):
        doc.heading(sub_numbered(n, heading), 2)
        doc.text(parts[part])
    return doc.save(), figures


def _overview(doc: ReportDocument, n: int, figures: dict[str, Any]) -> None:
    s = figures["survey"]
    doc.heading(numbered(n, _("The survey")))
    if s["opens_on"] or s["closes_on"]:
        span = _("%(start)s to %(end)s") % {
            "start": show_day(s["opens_on"]),
            "end": show_day(s["closes_on"]),
        }
    else:
        span = DASH
    rows = [
        (_("Survey"), s["title"]),
        (
            _("Questionnaire"),
            _("%(title)s (%(code)s, version %(version)s)")
            % {
                "title": s["questionnaire_title"],
                "code": s["questionnaire"],
                "version": s["version"],
            },
        ),
        (_("Survey period"), span),
        (_("Status"), s["status_label"]),
        (_("Anonymous"), show(s["anonymous"])),
        (_("Target number of responses"), show(s["target"])),
        (_("Responses"), show(s["responses"])),
        (_("Responses, % of the target"), show_percent(s["target_percent"])),
    ]
    doc.table(
        _("The survey"),
        [pgettext("report", "Item"), pgettext("report", "Content")],
        rows,
        widths=[5, 11],
    )


def _respondents(doc: ReportDocument, n: int, figures: dict[str, Any]) -> None:
    doc.heading(numbered(n, _("Respondents")))
    header = [_("Respondent"), _("Responses"), pgettext("report", "Share")]
    rows = [
        [g["label"], show(g["count"]), show_percent(g["percent"])]
        for g in figures["by_respondent_type"]
    ]
    doc.table(_("Respondents by type"), header, rows)
    header = [_("Street"), _("Responses"), pgettext("report", "Share")]
    rows = [
        [g["label"], show(g["count"]), show_percent(g["percent"])] for g in figures["by_street"]
    ]
    if rows:
        doc.table(_("Respondents by street"), header, rows)
        if len(rows) > 1:
            png = charts.grouped_bars(
                [g["label"] for g in figures["by_street"]],
                [(_("Responses"), [g["count"] for g in figures["by_street"]])],
                ylabel=_("Responses"),
                horizontal=True,
            )
            doc.picture(png, _("Respondents by street"))


def _results(doc: ReportDocument, n: int, kind: str, figures: dict[str, Any]) -> None:
    doc.heading(numbered(n, _("Results")))
    questions = figures["questions"]
    rated = [q for q in questions if q.get("satisfied_percent") is not None]
    if kind == "satisfaction" and rated:
        rows = [
            [q["text"], show(q["answered"]), show_percent(q["satisfied_percent"])] for q in rated
        ]
        header = [_("Question"), _("Answered"), _("Satisfied or very satisfied")]
        doc.table(_("Satisfaction by question"), header, rows, widths=[10, 2.5, 3.5])
    section, count = None, 0
    for number, q in enumerate(questions, 1):
        if q["section"] != section:
            section = q["section"]
            if q["section_title"]:
                count += 1
                title = OWN_NUMBER.sub("", q["section_title"]) or q["section_title"]
                doc.heading(sub_numbered(count, title), 2)
        doc.paragraph(
            _("Question %(number)s: %(text)s") % {"number": number, "text": q["text"]},
            bold=True,
            indent=False,
            keep=True,
        )
        doc.paragraph(
            _("%(answered)s answered, %(missing)s did not.")
            % {"answered": q["answered"], "missing": q["not_answered"]},
            indent=False,
        )
        if q["type"] in COUNTED and q["options"]:
            rows = [
                [o["label"], show(o["count"]), show_percent(o["percent"])] for o in q["options"]
            ]
            header = [
                pgettext("report", "Answer"),
                pgettext("report", "Count"),
                pgettext("report", "Share"),
            ]
            doc.table(q["text"], header, rows, widths=[9, 3, 3])
            if q["type"] == MULTI:
                doc.paragraph(
                    _("More than one answer could be chosen: shares are of those who answered."),
                    size=9,
                )
            if q["answered"]:
                png = charts.share_bars(
                    [o["label"] for o in q["options"]],
                    [(o["percent"] or 0) / 100 for o in q["options"]],
                    xlabel=_("Share of those who answered (%)"),
                )
                doc.picture(png, q["text"], width=charts_width(len(q["options"])))
        elif "number" in q:
            s = q["number"]
            rows = [[show(s["count"]), show(s["mean"]), show(s["min"]), show(s["max"])]]
            header = [_("Answers"), _("Mean"), _("Lowest"), _("Highest")]
            doc.table(q["text"], header, rows)


def charts_width(options: int) -> Any:
    """Answer charts narrower than the text: they are many and short."""
    from docx.shared import Cm

    return Cm(12 if options > 3 else 10)
