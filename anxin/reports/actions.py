"""State changes of reports to the purchaser (R7.7): prepare a report (its kind, period, survey
and the narrative a person writes) and generate it, which stores a frozen ``ReportVersion``: the
.docx as made, its SHA-256, the figures it used and the versions of the definitions behind them.
A version is never changed afterwards.

Every refusal is raised as one ``ValidationError`` in the user's language, and nothing is
written. Both actions are audited.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils.translation import gettext as _

from anxin.accounts.models import Project, User
from anxin.audit.actions import record as audit
from anxin.audit.models import AuditEvent
from anxin.reports import builder
from anxin.reports.models import Report, ReportVersion
from anxin.reports.periods import ReportPeriod, check_kind, parse_period
from anxin.surveys.models import Survey

NARRATIVE_MAX = 10000
NARRATIVE_FIELDS = ("highlights", "problems", "next_steps")
SURVEY_KINDS = {
    Report.Kind.NEEDS_SURVEY: Survey.Kind.NEEDS,
    Report.Kind.SATISFACTION: Survey.Kind.SATISFACTION,
}


@dataclass(frozen=True)
class Narrative:
    highlights: str = ""
    problems: str = ""
    next_steps: str = ""

    def as_dict(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in NARRATIVE_FIELDS}


def narrative_labels() -> dict[str, str]:
    return {
        "highlights": _("Highlights"),
        "problems": _("Problems"),
        "next_steps": _("Next steps"),
    }


def _check_narrative(narrative: Narrative) -> list[str]:
    problems = []
    for name, label in narrative_labels().items():
        text = getattr(narrative, name)
        if "\x00" in text:
            problems.append(_("%(field)s: NUL characters are not allowed.") % {"field": label})
        elif len(text) > NARRATIVE_MAX:
            problems.append(
                _("%(field)s: at most %(n)s characters.") % {"field": label, "n": NARRATIVE_MAX}
            )
    return problems


def _check_survey(project: Project, kind: str, survey: Survey | None) -> list[str]:
    wanted = SURVEY_KINDS.get(kind)  # type: ignore[call-overload]
    if wanted is None:
        return []
    if survey is None:
        return [_("Choose the survey this report is about.")]
    if survey.project_id != project.pk:
        return [_("The survey is not one of this project's.")]
    if survey.kind != wanted:
        return [
            _("%(report)s needs a survey of the kind %(kind)s.")
            % {"report": Report.Kind(kind).label, "kind": Survey.Kind(wanted).label}
        ]
    return []


def _check_period(project: Project, kind: str, label: str) -> tuple[ReportPeriod | None, list]:
    try:
        period = parse_period(label, project)
        check_kind(kind, period)
    except ValidationError as exc:
        return None, list(exc.messages)
    return period, []


@transaction.atomic
def report_prepare(
    *,
    project: Project,
    kind: str,
    period: str,
    survey: Survey | None = None,
    highlights: str = "",
    problems: str = "",
    next_steps: str = "",
    acting_user: User,
    new: bool = False,
    request: HttpRequest | None = None,
) -> Report:
    """Create the project's report of ``kind`` for ``period`` (2026Q3, 2026H1, 2026), or update
    the narrative and survey of the one there is. With ``new``, an existing one is refused
    instead (a page that starts a report does not overwrite a colleague's)."""
    narrative = Narrative(highlights or "", problems or "", next_steps or "")
    errors: list[str] = []
    if kind not in Report.Kind.values:
        errors.append(_("Choose the kind of report."))
        parsed = None
    else:
        parsed, period_errors = _check_period(project, kind, period)
        errors += period_errors
        errors += _check_survey(project, kind, survey)
    errors += _check_narrative(narrative)
    if errors or parsed is None:
        raise ValidationError(errors)
    if kind not in SURVEY_KINDS:
        survey = None
    report = (
        Report.objects.select_for_update()
        .filter(project=project, kind=kind, period=parsed.label)
        .first()
    )
    if report is not None and new:
        raise ValidationError(
            _("There is already a %(kind)s for %(period)s: open it from the list to change it.")
            % {"kind": Report.Kind(kind).label, "period": parsed.title}
        )
    created = report is None
    if report is None:
        report = Report(project=project, kind=kind, period=parsed.label, created_by=acting_user)
    report.survey = survey
    for name, text in narrative.as_dict().items():
        setattr(report, name, text)
    report.updated_by = acting_user
    report.save()
    report.project = project
    audit(
        actor=acting_user,
        kind=AuditEvent.Kind.CHANGE,
        action="report.create" if created else "report.update",
        obj=report,
        organisation_id=project.organisation_id,
        request=request,
        detail={"kind": kind, "period": parsed.label, "survey": survey.pk if survey else None},
    )
    return report


def report_generate(
    *,
    report: Report,
    acting_user: User,
    as_of: dt.date | None = None,
    request: HttpRequest | None = None,
) -> ReportVersion:
    """Build the report from live data and store it as the next frozen version. The build runs
    before the transaction (it reads only); the version is numbered and stored inside it."""
    errors = _check_survey(report.project, report.kind, report.survey)
    if errors:
        raise ValidationError(errors)
    narrative = Narrative(report.highlights, report.problems, report.next_steps)
    built = builder.build_report(
        report.project,
        report.kind,
        report.period,
        narrative=narrative.as_dict(),
        survey=report.survey,
        as_of=as_of,
    )
    digest = hashlib.sha256(built.docx).hexdigest()
    with transaction.atomic():
        Report.objects.select_for_update().filter(pk=report.pk).first()  # numbering in turn
        last = report.versions.aggregate(last=Max("number"))["last"] or 0
        number = last + 1
        version = ReportVersion(
            report=report,
            number=number,
            sha256=digest,
            figures=built.figures,
            definitions=built.definitions,
            generated_by=acting_user,
        )
        stored = f"{report.project.code}-{report.kind}-{report.period}-v{number}.docx"
        version.file.save(stored, ContentFile(built.docx), save=False)
        version.save()
        audit(
            actor=acting_user,
            kind=AuditEvent.Kind.CHANGE,
            action="report.generate",
            obj=version,
            organisation_id=report.project.organisation_id,
            project_id=report.project_id,
            request=request,
            detail={
                "report": report.pk,
                "version": number,
                "sha256": digest,
                "as_of": as_of.isoformat() if as_of else None,
            },
        )
    return version
