"""Forms of the crisis, outreach and figures pages. Counsellors screen, they do not diagnose: the
words here are "screening"."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from anxin.accounts.models import Project
from anxin.clients.views_import import ImportUploadForm
from anxin.core.forms import StyledForm
from anxin.hotline.actions import MAX_MINUTES, QUESTIONS, screening_questions
from anxin.hotline.actions_crisis import NOTE_LENGTH, OUTCOME_LENGTH
from anxin.hotline.actions_outreach import ATTEMPT_RESULTS
from anxin.hotline.forms import ANSWER, DANGER_LEVELS, DATETIME_LOCAL, YES_NO
from anxin.hotline.models import Call, EscalationStep, OutreachPerson

DATETIME_INPUTS = [DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
ANSWERED_BY = (
    Call.CallerType.CLIENT,
    Call.CallerType.GUARDIAN,
    Call.CallerType.FAMILY,
    Call.CallerType.PUBLIC,
)


def _now() -> dt.datetime:
    return timezone.localtime().replace(second=0, microsecond=0)


class StepForm(StyledForm):
    kind = forms.ChoiceField(
        label=_("Step taken"),
        choices=[("", "—"), *EscalationStep.Kind.choices],
        error_messages={"required": _("Choose the step taken.")},
    )
    at = forms.DateTimeField(
        label=_("At"),
        input_formats=DATETIME_INPUTS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
        error_messages={"required": _("Give the time the step was taken.")},
    )
    note = forms.CharField(
        label=pgettext_lazy("step", "Note"),
        max_length=NOTE_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"at": _now()})
        super().__init__(*args, **kwargs)


class CloseForm(StyledForm):
    outcome = forms.CharField(
        label=pgettext_lazy("crisis", "Outcome"),
        max_length=OUTCOME_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("How the crisis ended: where the person is safe now, who follows up."),
        error_messages={"required": _("Write the outcome before closing the escalation.")},
    )


class EscalationFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[
            ("", _("All")),
            ("open", pgettext_lazy("escalation status", "Open")),
            ("closed", pgettext_lazy("escalation status", "Closed")),
        ],
        required=False,
    )


class OutreachUploadForm(ImportUploadForm):
    """The federation's list: an .xlsx or .csv file, checked as the client importer checks it."""

    file = forms.FileField(
        label=_("List of the newly certified"),
        help_text=_("An .xlsx workbook or a .csv file; title rows above the header are fine."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, projects=Project.objects.none(), **kwargs)
        del self.fields["project"]


class OutreachFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("", _("All")), *OutreachPerson.Status.choices], required=False
    )


def _yes_no(label: Any) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, choices=YES_NO, required=False, widget=forms.RadioSelect)


class AttemptForm(StyledForm):
    """One attempt to reach a newly certified person, with the risk screening of any call."""

    result = forms.ChoiceField(
        label=_("Result"),
        choices=[(s.value, s.label) for s in ATTEMPT_RESULTS],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the result of the attempt.")},
    )
    started_at = forms.DateTimeField(
        label=_("Called at"),
        input_formats=DATETIME_INPUTS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )
    minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=0, max_value=MAX_MINUTES, required=False
    )
    caller_type = forms.ChoiceField(
        label=_("Who answered"),
        choices=[(c.value, c.label) for c in ANSWERED_BY],
        initial=Call.CallerType.CLIENT,
    )
    topics = forms.MultipleChoiceField(
        label=_("Topics"), required=False, widget=forms.CheckboxSelectMultiple
    )
    suicidal_thoughts = _yes_no(_("Suicidal thoughts?"))
    intent = _yes_no(_("Intends to act on them?"))
    plan = _yes_no(_("Has a plan?"))
    means = _yes_no(_("Has the means at hand?"))
    violence = _yes_no(_("Risk of violence towards others?"))
    danger_level = forms.TypedChoiceField(
        label=_("Danger level (when known)"),
        choices=DANGER_LEVELS,
        coerce=int,
        empty_value=None,
        required=False,
    )
    notes = forms.CharField(
        label=_("What was said and done"),
        max_length=10000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, topics: list[dict[str, str]], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"started_at": _now(), "caller_type": Call.CallerType.CLIENT})
        super().__init__(*args, **kwargs)
        self.fields["topics"].choices = [(t["code"], t["name"]) for t in topics]  # type: ignore[attr-defined]
        self.fields["result"].widget.attrs["class"] = "form-check-input"
        for key in QUESTIONS:
            self.fields[key].widget.attrs["class"] = "form-check-input"

    def screening(self) -> dict[str, Any]:
        data = self.cleaned_data
        found: dict[str, Any] = {key: ANSWER.get(data.get(key) or "") for key in QUESTIONS}
        found["danger_level"] = data.get("danger_level")
        return found

    def question_rows(self) -> list[tuple[forms.BoundField, str]]:
        labels = screening_questions()
        return [(self[key], labels[key]) for key in QUESTIONS]


class YearForm(forms.Form):
    year = forms.IntegerField(min_value=2000, max_value=2100, required=False)
