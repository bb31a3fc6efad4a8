"""Reports to the purchaser as Word files, made from live data (R7.7, issue 8).

``build_report(project, kind, period_label, narrative=…, survey=…, as_of=…)`` gathers the
figures (``anxin.reports.sections`` for the execution reports, ``anxin.reports.survey_report``
for the survey reports), then lays them out (``anxin.reports.layout`` on
``anxin.reports.docx_style``, charts from ``anxin.reports.charts``). Everything printed is
taken from the figures, and the figures are returned with the file, with the versions of the
definitions behind them, for a report version to keep.

The execution reports (quarterly, mid-term and final) follow the structure a Chinese purchaser
expects: cover; 一、project overview; 二、targets and achievement; 三、services by item and by
street; 四、outcomes against thresholds; 五、hours against plan; 六、team and training;
七、referrals; 八、publicity; 九、fund usage; 十、problems and next steps. A quarterly report
gives the quarter's figures next to the cumulative ones; the mid-term and final reports the
period so far.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.models import Project
from anxin.contracts.catalogue import load_template
from anxin.reports import sections
from anxin.reports.layout import render
from anxin.reports.models import Report
from anxin.reports.periods import ReportPeriod, check_kind, parse_period
from anxin.surveys.models import Survey

K = Report.Kind
SURVEY_KINDS = {K.NEEDS_SURVEY.value: "needs", K.SATISFACTION.value: "satisfaction"}
NARRATIVE_PARTS = ("highlights", "problems", "next_steps")


@dataclass
class BuiltReport:
    """A generated report: the Word file, every figure it prints (by section) and the versions
    of the definitions behind them."""

    docx: bytes
    figures: dict[str, Any] = field(default_factory=dict)
    definitions: dict[str, Any] = field(default_factory=dict)
    title: str = ""

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.docx).hexdigest()


def _digest(data: Any) -> str:
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def anxin_version() -> str:
    try:
        return metadata.version("anxin")
    except metadata.PackageNotFoundError:
        return "unknown"


def definitions(project: Project, survey: Any = None) -> dict[str, Any]:
    """The contract template (code, version, a hash of its indicator definitions), the
    questionnaire of a survey report (code, version, a hash of its frozen definition), anxin."""
    template = load_template(project.template)
    found: dict[str, Any] = {
        "template": {
            "code": project.template,
            "version": template.get("version"),
            "indicators_sha256": _digest(template.get("indicators", [])),
        },
        "anxin": anxin_version(),
    }
    if survey is not None:
        found["questionnaire"] = {
            "code": survey.code,
            "version": survey.version,
            "sha256": _digest(survey.definition),
        }
    return found


def narrative_parts(narrative: dict[str, str] | None) -> dict[str, str]:
    """The narrative parts as given, a placeholder for each one left empty."""
    given = narrative or {}
    return {
        part: (given.get(part) or "").strip() or sections.placeholder() for part in NARRATIVE_PARTS
    }


# Building -----------------------------------------------------------------------------------


def report_title(kind: str, period: ReportPeriod) -> str:
    if kind == K.QUARTERLY:
        return _("Project execution report, %(period)s") % {"period": period.title}
    if kind == K.MIDTERM:
        return _("Mid-term self-evaluation report")
    if kind == K.FINAL:
        return _("Final self-evaluation report")
    return str(K(kind).label)


def _check_survey(project: Project, kind: str, survey: Any) -> None:
    """A survey report is about a survey of the project, of the report's kind (the messages
    are those of ``anxin.reports.actions``)."""
    if survey is None:
        raise ValidationError(_("Choose the survey this report is about."), code="survey")
    if survey.project_id != project.pk:
        raise ValidationError(_("The survey is not one of this project's."), code="survey")
    wanted = SURVEY_KINDS[kind]
    if survey.kind != wanted:
        raise ValidationError(
            _("%(report)s needs a survey of the kind %(kind)s.")
            % {"report": K(kind).label, "kind": Survey.Kind(wanted).label},
            code="survey",
        )


def build_report(
    project: Project,
    kind: str,
    period_label: str,
    *,
    narrative: dict[str, str] | None = None,
    survey: Any = None,
    as_of: dt.date | None = None,
) -> BuiltReport:
    """The report of ``kind`` for the period ``period_label`` (2026Q3, 2026H1, 2026), counted
    up to ``as_of`` (today by default) or the period's last day, whichever is earlier.

    ``ValidationError`` (in the user's language) for an unknown kind, a period that cannot be
    read or is outside the project's, a period not started on ``as_of``, or a survey report
    without a survey of the project.
    """
    if kind not in K.values:
        raise ValidationError(
            _("%(kind)s is not a kind of report: %(kinds)s.")
            % {"kind": kind, "kinds": ", ".join(K.values)},
            code="kind",
        )
    period = parse_period(period_label, project)
    check_kind(kind, period)
    on = as_of or timezone.localdate()
    parts = narrative_parts(narrative)
    if kind in SURVEY_KINDS:
        from anxin.reports.survey_report import build_survey_report

        _check_survey(project, kind, survey)
        title = report_title(kind, period)
        docx, figures = build_survey_report(project, kind, period, survey, parts, title, on)
        return BuiltReport(docx, figures, definitions(project, survey), title)
    if on < period.start:
        raise ValidationError(
            _("%(period)s has not begun on %(date)s.")
            % {"period": period.label, "date": on.isoformat()},
            code="not_begun",
        )
    scope = sections.Scope(project=project, kind=kind, period=period, end=min(on, period.end))
    figures = gather(scope, on)
    title = report_title(kind, period)
    docx = render(scope, figures, parts, title, on)
    return BuiltReport(docx, figures, definitions(project), title)


def gather(scope: sections.Scope, on: dt.date) -> dict[str, Any]:
    """Every figure of an execution report, by section."""
    indicators, results = sections.indicator_rows(scope)
    return {
        "report": {
            "project": scope.project.code,
            "kind": scope.kind,
            "period": scope.period.as_json(),
            "as_of": on.isoformat(),
            "start": scope.start.isoformat(),
            "end": scope.end.isoformat(),
        },
        "overview": sections.overview(scope),
        "indicators": indicators,
        "services": sections.services(scope),
        "outcomes": sections.outcomes(scope, results),
        "hours": sections.hours(results),
        "team": sections.team(scope),
        "training": sections.training(scope),
        "referrals": sections.referrals(scope),
        "publicity": sections.publicity(scope),
        "funds": sections.funds(scope),
    }
