"""Forms of the hotline pages. The call form is one form for the live call: every field optional
(a draft holds any of them); what a finished call needs is the action's rule, not the form's."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from anxin.core.forms import StyledForm
from anxin.core.models import Division
from anxin.hotline.actions import (
    MAX_MINUTES,
    NAME_LENGTH,
    NOTES_LENGTH,
    QUESTIONS,
    REASON_LENGTH,
    screening_questions,
)
from anxin.hotline.models import Call

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
YES_NO = [("yes", _("Yes")), ("no", _("No"))]
DANGER_LEVELS = [
    ("", _("Not known")),
    ("0", _("0 · none of the behaviours below")),
    ("1", _("1 · verbal threats or shouting, no damage")),
    ("2", _("2 · damage to property at home, stopped by persuasion")),
    ("3", _("3 · open damage to property anywhere, not stopped by persuasion")),
    ("4", _("4 · persistent damage to property or people, self-harm or suicide included")),
    ("5", _("5 · any violence against people with a weapon, arson or explosion")),
]
ANSWER = {"yes": True, "no": False}


def _yes_no(label: Any) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, choices=YES_NO, required=False, widget=forms.RadioSelect)


class CallForm(StyledForm):
    """The operator's form for a live call, in the order it is filled in (the tab order)."""

    phone = forms.CharField(
        label=_("Caller's number"),
        max_length=40,
        required=False,
        help_text=_(
            "Earlier calls from this number show beside the form. Leave empty if withheld."
        ),
    )
    caller_type = forms.ChoiceField(label=_("Caller"), choices=Call.CallerType.choices)
    caller_name = forms.CharField(
        label=_("Caller's name (if given)"), max_length=NAME_LENGTH, required=False
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Call.Channel.choices)
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Call.Purpose.choices)
    street = forms.ModelChoiceField(
        label=_("Street (if known)"),
        queryset=Division.objects.none(),
        required=False,
        empty_label="—",
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
        max_length=NOTES_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    outcome = forms.ChoiceField(
        label=_("Outcome of the call"), choices=[("", "—"), *Call.Outcome.choices], required=False
    )
    minutes = forms.IntegerField(
        label=_("Duration (minutes)"),
        min_value=0,
        max_value=MAX_MINUTES,
        required=False,
        help_text=_("Left empty, the time since the call began."),
    )

    def __init__(
        self, *args: Any, topics: list[dict[str, str]], district_id: str, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        listed = [(t["code"], t["name"]) for t in topics]
        self.fields["topics"].choices = listed  # type: ignore[attr-defined]
        self.fields["street"].queryset = Division.objects.filter(  # type: ignore[attr-defined]
            parent_id=district_id, level=Division.Level.STREET
        ).order_by("code")
        phone = self.fields["phone"].widget
        phone.attrs.update(
            {"autofocus": True, "inputmode": "tel", "autocomplete": "off", "accesskey": "p"}
        )
        self.fields["caller_name"].widget.attrs["autocomplete"] = "off"
        self.fields["notes"].widget.attrs["accesskey"] = "n"
        for key in QUESTIONS:
            self.fields[key].widget.attrs["class"] = "form-check-input"

    @staticmethod
    def initial_from(call: Call) -> dict[str, Any]:
        screening = call.screening or {}
        initial: dict[str, Any] = {
            "phone": call.phone,
            "caller_type": call.caller_type,
            "caller_name": call.caller_name,
            "channel": call.channel,
            "purpose": call.purpose,
            "street": call.street_id,
            "topics": list(call.topics or []),
            "notes": call.notes,
            "outcome": call.outcome,
            "minutes": call.minutes,
            "danger_level": screening.get("danger_level"),
        }
        for key in QUESTIONS:
            answer = screening.get(key)
            initial[key] = "" if answer is None else ("yes" if answer else "no")
        return initial

    def values(self) -> dict[str, Any]:
        """The values to save, from the fields that are valid (a draft keeps what it can)."""
        data = getattr(self, "cleaned_data", {})
        plain = ("phone", "caller_type", "caller_name", "channel", "purpose", "street", "topics")
        values = {key: data[key] for key in (*plain, "notes", "outcome", "minutes") if key in data}
        if all(key in data for key in (*QUESTIONS, "danger_level")):
            screening: dict[str, Any] = {key: ANSWER.get(data[key]) for key in QUESTIONS}
            screening["danger_level"] = data["danger_level"]
            values["screening"] = screening
        return values

    def question_rows(self) -> list[tuple[forms.BoundField, str]]:
        labels = screening_questions()
        return [(self[key], labels[key]) for key in QUESTIONS]


class HistoryForm(forms.Form):
    """A number typed on the operator screen (POSTed: a number never goes in a URL)."""

    phone = forms.CharField(max_length=40, required=False)
    exclude = forms.IntegerField(min_value=1, required=False)


def _due_default() -> dt.datetime:
    soon = timezone.localtime() + dt.timedelta(hours=1)
    return soon.replace(minute=0, second=0, microsecond=0)


class CallBackForm(StyledForm):
    due_at = forms.DateTimeField(
        label=_("Due at"),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )
    reason = forms.CharField(label=_("What for"), max_length=REASON_LENGTH, required=False)
    assignee = forms.TypedChoiceField(label=_("Who calls back"), coerce=int, required=False)

    def __init__(self, *args: Any, operators: list[tuple[int, str]], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"due_at": _due_default()})
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = operators  # type: ignore[attr-defined]


class LinkForm(StyledForm):
    """Link a call to a client of the project or to one of their family, with the reason."""

    target = forms.ChoiceField(label=_("The caller is"), widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Reason for linking"),
        max_length=REASON_LENGTH,
        help_text=_("How the caller was recognised, e.g. gave their name and address."),
    )

    def __init__(self, *args: Any, targets: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = targets  # type: ignore[attr-defined]
        self.fields["target"].widget.attrs["class"] = "form-check-input"
        self.fields["reason"].error_messages["required"] = _(
            "Give the reason for linking the call."
        )


class CallFilterForm(StyledForm):
    start = forms.DateField(
        label=pgettext_lazy("date filter", "From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All")), *Call.Status.choices], required=False
    )
    caller_type = forms.ChoiceField(
        label=_("Caller"), choices=[("", _("All")), *Call.CallerType.choices], required=False
    )
    topic = forms.ChoiceField(label=_("Topic"), required=False)
    positive = forms.BooleanField(label=_("Positive screenings only"), required=False)

    def __init__(self, *args: Any, topics: list[dict[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("All")), *((t["code"], t["name"]) for t in topics)]
        self.fields["topic"].choices = choices  # type: ignore[attr-defined]
