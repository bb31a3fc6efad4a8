from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from anxin.contracts.actions import MAX_REASON_CHARS, MAX_TEMPLATE_CHARS
from anxin.contracts.models import PaymentMilestone
from anxin.core.forms import StyledForm


class DateInput(forms.DateInput):
    input_type = "date"


class TemplateUploadForm(StyledForm):
    source = forms.CharField(
        label=_("Template (YAML)"),
        required=False,
        max_length=MAX_TEMPLATE_CHARS,
        widget=forms.Textarea(attrs={"rows": 14, "col": "col-12", "spellcheck": "false"}),
    )
    file = forms.FileField(label=_("… or a YAML file"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("file")
        if upload is not None:
            if upload.size > MAX_TEMPLATE_CHARS:
                raise forms.ValidationError(_("The file is too large."))
            try:
                data["source"] = upload.read().decode("utf-8")
            except UnicodeDecodeError as exc:
                raise forms.ValidationError(_("The file is not UTF-8 text.")) from exc
        if not (data.get("source") or "").strip():
            raise forms.ValidationError(_("Paste a template or choose a file."))
        return data


class TargetChangeForm(StyledForm):
    indicator = forms.ChoiceField(label=_("Indicator"))
    value = forms.DecimalField(label=_("New target"), min_value=0, max_digits=12, decimal_places=2)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=MAX_REASON_CHARS,
        widget=forms.Textarea(attrs={"rows": 2, "col": "col-12"}),
        help_text=_("For example: agreed with the purchaser at the mid-term evaluation."),
    )

    def __init__(self, *args: Any, indicators: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indicator"].choices = indicators  # type: ignore[attr-defined]


class MilestoneStatusForm(StyledForm):
    status = forms.ChoiceField(label=_("Status"), choices=PaymentMilestone.Status.choices)
    on = forms.DateField(label=_("Date"), required=False, widget=DateInput)


class BudgetLineForm(StyledForm):
    code = forms.SlugField(
        label=_("Code"), max_length=32, help_text=_("Small letters, digits and dashes, e.g. staff.")
    )
    name = forms.CharField(label=pgettext_lazy("budget line", "Name"), max_length=128)
    amount = forms.DecimalField(
        label=_("Budget (yuan)"), min_value=0, max_digits=12, decimal_places=2
    )


class SpendingForm(StyledForm):
    line = forms.ChoiceField(label=_("Budget line"))
    on = forms.DateField(label=_("Date"), widget=DateInput)
    amount = forms.DecimalField(
        label=_("Amount (yuan)"), min_value=Decimal("0.01"), max_digits=12, decimal_places=2
    )
    note = forms.CharField(
        label=pgettext_lazy("spending", "Note"),
        required=False,
        max_length=MAX_REASON_CHARS,
        widget=forms.Textarea(attrs={"rows": 2, "col": "col-12"}),
    )

    def __init__(self, *args: Any, lines: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["line"].choices = lines  # type: ignore[attr-defined]
