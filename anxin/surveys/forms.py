"""Forms of the survey pages: parse input only; the rules (questionnaire, dates, district, an
anonymous survey's missing client, link validity) live in the actions. The questions of a
questionnaire are not a Django form: see ``anxin.surveys.questions``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from anxin.cases.models import Case
from anxin.core.forms import StyledForm
from anxin.core.models import Division
from anxin.delivery.forms import DateInput
from anxin.surveys.actions import LINK_DAYS, MAX_LINK_DAYS
from anxin.surveys.definitions import definition_choices
from anxin.surveys.models import RespondentType, Survey

MAX_TARGET = 100_000
MAX_LINKS = 50


class StreetChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Division) -> str:
        return obj.name


class CaseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Case) -> str:
        return f"{obj.client.name} · {obj.get_status_display()}"


class SurveyForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind of survey"), choices=Survey.Kind.choices)
    questionnaire = forms.ChoiceField(label=_("Questionnaire"), choices=())
    title = forms.CharField(label=pgettext_lazy("record", "Title"), max_length=200)
    anonymous = forms.BooleanField(
        label=_("Anonymous: record no client and nothing that identifies who answered"),
        required=False,
    )
    target = forms.IntegerField(
        label=_("Target number of responses"),
        required=False,
        min_value=1,
        max_value=MAX_TARGET,
        help_text=_(
            "As the contract requires: Liwan's needs survey at least 50 people, Chongchuan's "
            "at least 350. Leave empty for none."
        ),
    )
    opens_on = forms.DateField(label=_("Opens on"), required=False, widget=DateInput)
    closes_on = forms.DateField(label=_("Closes on"), required=False, widget=DateInput)

    def __init__(self, *args: Any, organisation_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = definition_choices(organisation_id)
        self.fields["questionnaire"].choices = choices  # type: ignore[attr-defined]


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Survey.Status.choices)


class _WhoWhereForm(StyledForm):
    """Who answers and in which street of the project's district."""

    respondent_type = forms.ChoiceField(label=_("Who answers"), choices=RespondentType.choices)
    street = StreetChoiceField(
        label=_("Street"),
        queryset=Division.objects.none(),
        required=False,
        empty_label=_("(not recorded)"),
    )

    def __init__(self, *args: Any, streets: QuerySet[Division], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["street"].queryset = streets  # type: ignore[attr-defined]


class RespondForm(_WhoWhereForm):
    """A response entered by a worker; ``cases`` is None for an anonymous survey (no client
    field at all)."""

    on = forms.DateField(label=_("Date"), widget=DateInput)

    def __init__(self, *args: Any, cases: QuerySet[Case] | None, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("on", timezone.localdate())
        super().__init__(*args, **kwargs)
        if cases is not None:
            self.fields["case"] = CaseChoiceField(
                label=_("Client (optional)"),
                queryset=cases,
                required=False,
                empty_label=_("(none)"),
                widget=forms.Select(attrs={"class": "form-select"}),
            )
        self.order_fields(["respondent_type", "street", "case", "on"])


class LinksForm(_WhoWhereForm):
    count = forms.IntegerField(
        label=_("Number of links"), min_value=1, max_value=MAX_LINKS, initial=10
    )
    days = forms.IntegerField(
        label=_("Valid for (days)"), min_value=1, max_value=MAX_LINK_DAYS, initial=LINK_DAYS
    )
