from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anxin.accounts.models import User
from anxin.cases.actions import PlanItemInput
from anxin.cases.models import Case, Classification, PlanItem
from anxin.core.concurrency import VersionedForm


class DateInput(forms.DateInput):
    input_type = "date"


class AgreementForm(VersionedForm):
    on = forms.DateField(label=_("Date"), widget=DateInput, initial=timezone.localdate)
    content = forms.CharField(
        label=_("Record"), required=False, widget=forms.Textarea(attrs={"rows": 2, "col": "col-12"})
    )
    attachment = forms.FileField(label=_("Signed agreement / consent scan (PDF, PNG or JPEG)"))


class StepForm(VersionedForm):
    on = forms.DateField(label=_("Date"), widget=DateInput, initial=timezone.localdate)
    content = forms.CharField(
        label=_("Record"), required=False, widget=forms.Textarea(attrs={"rows": 3, "col": "col-12"})
    )


class ReviewForm(VersionedForm):
    on = forms.DateField(label=_("Date"), widget=DateInput, initial=timezone.localdate)
    content = forms.CharField(
        label=_("What the review found; goals to adjust"),
        widget=forms.Textarea(attrs={"rows": 3, "col": "col-12"}),
    )


class CloseForm(VersionedForm):
    exit = forms.ChoiceField(label=_("How the case ends"), choices=Case.Exit.choices)
    on = forms.DateField(label=_("Closing date"), widget=DateInput, initial=timezone.localdate)
    reason = forms.CharField(label=_("Reason / circumstances"), required=False, max_length=256)
    transfer_to = forms.CharField(
        label=_("Receiving partner (transfer)"), required=False, max_length=128
    )
    attachment = forms.FileField(label=_("Signed consent form (withdrawal)"), required=False)


class FollowUpForm(VersionedForm):
    on = forms.DateField(label=_("Date"), widget=DateInput, initial=timezone.localdate)
    content = forms.CharField(
        label=_("What the follow-up found"),
        widget=forms.Textarea(attrs={"rows": 3, "col": "col-12"}),
    )


class ClassifyForm(VersionedForm):
    klass = forms.ChoiceField(label=_("Class"), choices=Classification.choices)
    reason = forms.CharField(label=_("Reason for setting it by hand"), max_length=200)


class ClosedCaseField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Case) -> str:
        return f"{obj.client.name} ({obj.get_exit_display()})"


class AdmitForm(VersionedForm):
    replaces = ClosedCaseField(
        label=_("Replaces the closed case of"),
        queryset=Case.objects.none(),
        required=False,
        empty_label=_("Not a replacement"),
    )

    def __init__(self, *args: Any, replaceable: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["replaces"].queryset = replaceable  # type: ignore[attr-defined]


class PlanForm(VersionedForm):
    goals = forms.CharField(
        label=_("Goals"), widget=forms.Textarea(attrs={"rows": 4, "col": "col-12"})
    )
    review_on = forms.DateField(label=_("Review date"), widget=DateInput)
    responsible = forms.ModelChoiceField(
        label=_("Responsible worker"), queryset=User.objects.none()
    )
    agreed_with = forms.CharField(
        label=_("Agreed with (client, family members present)"), required=False, max_length=128
    )
    revision_reason = forms.CharField(
        label=_("Reason for the revision"), required=False, max_length=256
    )

    def __init__(
        self, *args: Any, catalogue: list[dict[str, Any]], staff: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.catalogue = catalogue
        self.fields["responsible"].queryset = staff  # type: ignore[attr-defined]
        for item in catalogue:
            code = item["code"]
            self.fields[f"item_{code}"] = forms.BooleanField(
                label=item["name"], required=False, disabled=bool(item["refusal"])
            )
            self.fields[f"times_{code}"] = forms.IntegerField(
                label=_("Times"), min_value=1, max_value=99, required=False, initial=1
            )
            self.fields[f"per_{code}"] = forms.ChoiceField(
                label=_("Per"), choices=PlanItem.Per.choices, required=False, initial="month"
            )
            for name in (f"item_{code}", f"times_{code}", f"per_{code}"):
                self.fields[name].widget.attrs["data-item"] = code

    def item_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "item": item,
                "check": self[f"item_{item['code']}"],
                "times": self[f"times_{item['code']}"],
                "per": self[f"per_{item['code']}"],
            }
            for item in self.catalogue
        ]

    def items(self) -> list[PlanItemInput]:
        d = self.cleaned_data
        return [
            PlanItemInput(
                service_item=item["code"],
                times=d.get(f"times_{item['code']}") or 1,
                per=d.get(f"per_{item['code']}") or "month",
            )
            for item in self.catalogue
            if d.get(f"item_{item['code']}")
        ]
