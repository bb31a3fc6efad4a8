from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anxin.assessments.definitions import localised
from anxin.assessments.models import AssessmentRecord, Instrument
from anxin.core.forms import StyledForm

YAML_LIMIT = 200_000


class DateInput(forms.DateInput):
    input_type = "date"


class InstrumentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Instrument) -> str:
        title = localised({"zh": obj.title_zh, "en": obj.title_en})
        return f"{title} · v{obj.version}"


class StartForm(StyledForm):
    """What is assessed, when: the first step of filling an assessment."""

    instrument = InstrumentChoiceField(
        label=_("Instrument"), queryset=Instrument.objects.none(), empty_label=None
    )
    timepoint = forms.ChoiceField(label=_("Timepoint"), choices=AssessmentRecord.Timepoint.choices)
    assessed_on = forms.DateField(
        label=_("Date of the assessment"), widget=DateInput, initial=timezone.localdate
    )

    def __init__(self, *args: Any, instruments: list[Instrument], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["instrument"]
        field.queryset = Instrument.objects.filter(  # type: ignore[attr-defined]
            pk__in=[i.pk for i in instruments]
        ).order_by("organisation_id", "code")


class InstrumentUploadForm(StyledForm):
    definition = forms.CharField(
        label=_("Definition (YAML)"),
        required=False,
        max_length=YAML_LIMIT,
        widget=forms.Textarea(attrs={"rows": 14, "col": "col-12", "spellcheck": "false"}),
    )
    file = forms.FileField(label=_("… or a YAML file"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("file")
        if upload is not None:
            if upload.size > YAML_LIMIT:
                raise forms.ValidationError(_("The file is too large."))
            try:
                data["definition"] = upload.read().decode("utf-8")
            except UnicodeDecodeError as exc:
                raise forms.ValidationError(_("The file is not UTF-8 text.")) from exc
        if not (data.get("definition") or "").strip():
            raise forms.ValidationError(_("Paste a definition or choose a file."))
        return data
