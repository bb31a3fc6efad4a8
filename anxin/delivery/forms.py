"""Forms of the service-record pages: parse input only; the rules live in the actions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from anxin.core.forms import StyledForm
from anxin.delivery.models import Attachment, Form


class DateInput(forms.DateInput):
    input_type = "date"


class TimeInput(forms.TimeInput):
    """Hours and minutes: what a phone's time picker shows and sends."""

    input_type = "time"

    def __init__(self, attrs: dict[str, Any] | None = None, format: str | None = None) -> None:
        super().__init__(attrs, format or "%H:%M")


HOURS = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("24"))]


class RecordForm(StyledForm):
    """One session. ``cases`` are the project's open cases offered as participants (id, label);
    ``co_workers`` the project's other writing members (id, name)."""

    service_item = forms.ChoiceField(label=_("Service item"))
    form = forms.ChoiceField(label=_("Form"), choices=Form.choices)
    on = forms.DateField(label=_("Date"), widget=DateInput)
    starts_at = forms.TimeField(label=_("Start"), widget=TimeInput)
    ends_at = forms.TimeField(label=_("End"), widget=TimeInput)
    place = forms.CharField(label=_("Place or venue"), required=False, max_length=200)
    direct_hours = forms.DecimalField(
        label=_("My direct hours"), max_digits=5, decimal_places=2, validators=HOURS
    )
    indirect_hours = forms.DecimalField(
        label=_("My indirect hours (preparation, write-up)"),
        max_digits=5,
        decimal_places=2,
        validators=HOURS,
    )
    co_workers = forms.MultipleChoiceField(
        label=_("Other workers (same hours)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    cases = forms.MultipleChoiceField(label=_("Clients taking part"), required=False)
    absent = forms.MultipleChoiceField(label=_("Registered but absent"), required=False)
    guardians = forms.MultipleChoiceField(
        label=_("Guardians who came"), required=False, widget=forms.CheckboxSelectMultiple
    )
    others = forms.CharField(
        label=_("Other participants, one name per line"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5000,
    )
    content = forms.CharField(
        label=_("Content notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=10000,
    )
    sign_in = forms.FileField(label=_("Sign-in sheet (PDF, PNG or JPEG)"), required=False)
    photo = forms.FileField(label=_("Photo (PNG or JPEG)"), required=False)

    def __init__(
        self,
        *args: Any,
        items: list[tuple[str, str]],
        cases: list[tuple[int, str]],
        guardians: list[tuple[int, str]],
        co_workers: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service_item"].choices = items  # type: ignore[attr-defined]
        case_choices = [(str(pk), label) for pk, label in cases]
        self.fields["cases"].choices = case_choices  # type: ignore[attr-defined]
        self.fields["absent"].choices = case_choices  # type: ignore[attr-defined]
        self.fields["guardians"].choices = [  # type: ignore[attr-defined]
            (str(pk), label) for pk, label in guardians
        ]
        self.fields["co_workers"].choices = [  # type: ignore[attr-defined]
            (str(pk), name) for pk, name in co_workers
        ]
        self.case_rows = cases
        self.guardian_rows = guardians

    def selected(self, name: str) -> set[int]:
        return {int(v) for v in self.cleaned_data.get(name) or []}

    def other_names(self) -> list[str]:
        return [n.strip() for n in self.cleaned_data.get("others", "").splitlines() if n.strip()]


class VoidForm(StyledForm):
    reason = forms.CharField(label=_("Reason for voiding"), max_length=200)


class AttachForm(StyledForm):
    """An attachment added after the session was recorded (a sign-in sheet scanned later)."""

    kind = forms.ChoiceField(label=_("Kind"), choices=Attachment.Kind.choices)
    file = forms.FileField(label=_("File (PDF, PNG or JPEG)"))


class FilterForm(forms.Form):
    start = forms.DateField(
        label=pgettext_lazy("date filter", "From"), required=False, widget=DateInput
    )
    end = forms.DateField(label=_("To"), required=False, widget=DateInput)
    item = forms.ChoiceField(label=_("Service item"), required=False)
    form = forms.ChoiceField(
        label=_("Form"), required=False, choices=[("", _("All forms")), *Form.choices]
    )
    worker = forms.TypedChoiceField(label=_("Worker"), required=False, coerce=int, empty_value=None)

    def __init__(
        self,
        *args: Any,
        items: list[tuple[str, str]],
        workers: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [("", _("All items")), *items]  # type: ignore[attr-defined]
        self.fields["worker"].choices = [  # type: ignore[attr-defined]
            ("", _("All workers")),
            *[(str(pk), name) for pk, name in workers],
        ]
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = css
