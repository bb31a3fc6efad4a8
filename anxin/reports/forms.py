"""Forms of the report pages: parse input only; the rules (period, survey, narrative) live in
``anxin.reports.actions``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from anxin.core.forms import StyledForm
from anxin.delivery.forms import DateInput
from anxin.reports.actions import NARRATIVE_MAX, SURVEY_KINDS
from anxin.reports.models import Report
from anxin.reports.periods import FIRST_YEAR, LAST_YEAR
from anxin.surveys.models import Survey

PERIOD_HELP = _(
    "A quarter such as 2026Q3 for a quarterly report, a half year such as 2026H1 for the "
    "mid-term self-evaluation, a year such as 2026 for the final self-evaluation."
)


def _narrative(label: Any, help_text: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=False,
        max_length=NARRATIVE_MAX,
        widget=forms.Textarea(attrs={"rows": 5, "col": "col-12"}),
    )


class ReportForm(StyledForm):
    """A report's kind, period and survey (fixed once the report exists, but the survey) and the
    narrative a person writes. ``surveys`` are the project's needs and satisfaction surveys."""

    kind = forms.ChoiceField(label=_("Kind of report"), choices=Report.Kind.choices)
    period = forms.CharField(label=_("Period"), max_length=16, help_text=PERIOD_HELP)
    survey = forms.ChoiceField(
        label=_("Survey"),
        required=False,
        help_text=_("For a needs-survey or satisfaction-survey report: the survey it is about."),
    )
    highlights = _narrative(
        _("Highlights"), _("What went well this period: in the report as written here.")
    )
    problems = _narrative(_("Problems"), _("Problems met and their causes."))
    next_steps = _narrative(_("Next steps"), _("What the project will do next."))

    def __init__(
        self, *args: Any, surveys: list[Survey], report: Report | None = None, **kwargs: Any
    ) -> None:
        if report is not None:
            kwargs.setdefault(
                "initial",
                {
                    "kind": report.kind,
                    "period": report.period,
                    "survey": str(report.survey_id or ""),
                    "highlights": report.highlights,
                    "problems": report.problems,
                    "next_steps": report.next_steps,
                },
            )
        super().__init__(*args, **kwargs)
        self.report = report
        if report is not None:
            for name in ("kind", "period"):
                self.fields[name].disabled = True
            self.fields["period"].help_text = ""
            wanted = SURVEY_KINDS.get(report.kind)  # type: ignore[call-overload]
            if wanted is None:
                del self.fields["survey"]
            surveys = [s for s in surveys if s.kind == wanted]
        self.surveys = {str(s.pk): s for s in surveys}
        if "survey" in self.fields:
            groups: list[Any] = [("", "—")]
            for kind in (Survey.Kind.NEEDS, Survey.Kind.SATISFACTION):
                options = [(str(s.pk), s.title) for s in surveys if s.kind == kind]
                if options:
                    groups.append((kind.label, options))
            field = self.fields["survey"]
            assert isinstance(field, forms.ChoiceField)
            field.choices = groups

    def chosen_survey(self) -> Survey | None:
        return self.surveys.get(self.cleaned_data.get("survey") or "")


class FundQueryForm(forms.Form):
    """The quarter (or the year) of the fund-usage table; neither: the whole period."""

    year = forms.IntegerField(
        label=_("Year"), required=False, min_value=FIRST_YEAR, max_value=LAST_YEAR
    )
    quarter = forms.TypedChoiceField(
        label=_("Quarter"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("All quarters")), *[(str(n), str(n)) for n in range(1, 5)]],
    )


class IndicatorQueryForm(forms.Form):
    """The date of the indicator table (today when not given)."""

    as_of = forms.DateField(label=_("As of"), required=False, widget=DateInput)


class GenerateForm(forms.Form):
    """The date the generated report's figures are counted to (today when not given)."""

    as_of = forms.DateField(label=_("Figures as of"), required=False, widget=DateInput)
