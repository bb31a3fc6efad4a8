"""``anxin report PROJECT --kind quarterly --period 2026Q3 -o FILE.docx``: a report to the
purchaser as a Word file, made from live data (R7.7, issue 8).

The narrative parts (highlights, problems, next steps) are those of the project's prepared report
of that kind and period, else placeholders. A survey report uses ``--survey ID``, else the
survey of the prepared report, else the project's latest survey of that kind.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.models import Project
from anxin.reports.builder import SURVEY_KINDS, build_report
from anxin.reports.models import Report
from anxin.reports.periods import check_kind, parse_period
from anxin.surveys.models import Survey


def _messages(error: ValidationError) -> str:
    return " ".join(str(m) for m in error.messages)


class Command(BaseCommand):
    help = (
        "A report to the purchaser (quarterly, mid-term, final, needs-survey or "
        "satisfaction-survey) as a Word file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("project", help="project code")
        parser.add_argument("--kind", required=True, choices=Report.Kind.values)
        parser.add_argument(
            "--period", required=True, help="2026Q3 (quarterly), 2026H1 (mid-term), 2026 (final)"
        )
        parser.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD (default: today)")
        parser.add_argument("--survey", type=int, help="the survey's id (survey reports)")
        parser.add_argument("-o", "--output", required=True, help="the .docx file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        project = (
            Project.objects.select_related("organisation", "district")
            .filter(code=options["project"])
            .first()
        )
        if project is None:
            raise CommandError(_("No project %(code)s.") % {"code": options["project"]})
        kind = options["kind"]
        try:
            period = parse_period(options["period"], project)
            check_kind(kind, period)
        except ValidationError as exc:
            raise CommandError(_messages(exc)) from exc
        as_of = timezone.localdate()
        if options["as_of"]:
            try:
                as_of = dt.date.fromisoformat(options["as_of"])
            except ValueError as exc:
                raise CommandError(_("Give the date as YYYY-MM-DD.")) from exc
        prepared = Report.objects.filter(project=project, kind=kind, period=period.label).first()
        narrative = {}
        if prepared is not None:
            narrative = {
                "highlights": prepared.highlights,
                "problems": prepared.problems,
                "next_steps": prepared.next_steps,
            }
        survey = self._survey(project, kind, options["survey"], prepared)
        started = time.perf_counter()
        try:
            built = build_report(
                project, kind, period.label, narrative=narrative, survey=survey, as_of=as_of
            )
        except ValidationError as exc:
            raise CommandError(_messages(exc)) from exc
        seconds = time.perf_counter() - started
        Path(options["output"]).write_bytes(built.docx)
        self.stdout.write(
            _("Wrote %(file)s (%(size)s bytes, %(seconds).1f s): %(title)s")
            % {
                "file": options["output"],
                "size": len(built.docx),
                "seconds": seconds,
                "title": built.title,
            }
        )

    def _survey(
        self, project: Project, kind: str, survey_id: int | None, prepared: Report | None
    ) -> Survey | None:
        if kind not in SURVEY_KINDS:
            if survey_id is not None:
                raise CommandError(_("--survey is for the needs-survey and satisfaction reports."))
            return None
        wanted = SURVEY_KINDS[kind]
        label = str(Survey.Kind(wanted).label).lower()
        surveys = Survey.objects.filter(project=project, kind=wanted).select_related("project")
        if survey_id is not None:
            survey = surveys.filter(pk=survey_id).first()
            if survey is None:
                raise CommandError(
                    _("Project %(project)s has no %(kind)s with the id %(id)s.")
                    % {"kind": label, "id": survey_id, "project": project.code}
                )
            return survey
        if prepared is not None and prepared.survey_id is not None:
            return surveys.filter(pk=prepared.survey_id).first() or surveys.first()
        survey = surveys.order_by("-created_at", "-id").first()
        if survey is None:
            raise CommandError(
                _("Project %(project)s has no %(kind)s yet: create one, or give --survey ID.")
                % {"project": project.code, "kind": label}
            )
        return survey
