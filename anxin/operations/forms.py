"""Forms of the staff development and publicity pages: parse input only; the rules (members,
dates, hours, file types) live in the actions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from anxin.accounts.models import User
from anxin.core.forms import StyledForm
from anxin.delivery.forms import DateInput
from anxin.operations.models import Article, Meeting, ProjectDocument, Supervision
from anxin.operations.selectors import FIRST_YEAR, LAST_YEAR

HOURS = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("24"))]
NOTES = 10000


def _hours_field(label: Any, *, required: bool = True, initial: Any = None) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        max_digits=5,
        decimal_places=2,
        validators=HOURS,
        required=required,
        initial=initial,
    )


class TrainingForm(StyledForm):
    """A training; ``members`` are the project's team. A ticked member's hours are the
    session's unless given in their own field ``hours_<id>``."""

    on = forms.DateField(label=_("Date"), widget=DateInput)
    title = forms.CharField(label=pgettext_lazy("record", "Title"), max_length=200)
    provider = forms.CharField(label=_("Given by"), max_length=128)
    hours = _hours_field(_("Hours of the session"), initial=Decimal("3"))
    attendees = forms.MultipleChoiceField(
        label=_("Who attended"), required=False, widget=forms.CheckboxSelectMultiple
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=NOTES,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, members: list[User], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.members = members
        self.fields["attendees"].choices = [  # type: ignore[attr-defined]
            (str(u.pk), u.display_name) for u in members
        ]
        for user in members:
            label = gettext("Hours of %(name)s") % {"name": user.display_name}
            field = _hours_field(label, required=False)
            field.widget.attrs.update(
                {
                    "class": "form-control",
                    "placeholder": gettext("as the session"),
                    "aria-label": label,
                    "inputmode": "decimal",
                }
            )
            self.fields[f"hours_{user.pk}"] = field

    def member_rows(self) -> list[tuple[User, bool, forms.BoundField]]:
        """(member, ticked, their hours field) for the template."""
        ticked = set(self["attendees"].value() or [])
        return [(u, str(u.pk) in ticked, self[f"hours_{u.pk}"]) for u in self.members]

    def attendee_hours(self) -> list[tuple[User, Decimal]]:
        ticked = {int(v) for v in self.cleaned_data.get("attendees") or []}
        session: Decimal = self.cleaned_data["hours"]
        rows: list[tuple[User, Decimal]] = []
        for user in self.members:
            own: Decimal | None = self.cleaned_data.get(f"hours_{user.pk}")
            if user.pk in ticked:
                rows.append((user, session if own is None else own))
        return rows


class SupervisionForm(StyledForm):
    """A supervision; ``workers`` are the members who may be supervised, each with a field
    ``record_<id>``: a worker whose record is filled in took part."""

    on = forms.DateField(label=_("Date"), widget=DateInput)
    supervisor_name = forms.CharField(label=_("Supervisor"), max_length=64)
    mode = forms.ChoiceField(
        label=_("Mode"), choices=Supervision.Mode.choices, initial=Supervision.Mode.GROUP
    )
    hours = _hours_field(_("Hours of the session"), initial=Decimal("2"))

    def __init__(self, *args: Any, workers: list[User], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.workers = workers
        for user in workers:
            self.fields[f"record_{user.pk}"] = forms.CharField(
                label=user.display_name,
                required=False,
                max_length=NOTES,
                widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
            )

    def record_fields(self) -> list[forms.BoundField]:
        return [self[f"record_{u.pk}"] for u in self.workers]

    def worker_records(self) -> list[tuple[User, str]]:
        return [
            (u, self.cleaned_data[f"record_{u.pk}"])
            for u in self.workers
            if self.cleaned_data.get(f"record_{u.pk}", "").strip()
        ]


class MeetingForm(StyledForm):
    on = forms.DateField(label=_("Date"), widget=DateInput)
    kind = forms.ChoiceField(label=_("Kind"), choices=Meeting.Kind.choices)
    title = forms.CharField(label=pgettext_lazy("record", "Title"), max_length=200)
    attendees = forms.MultipleChoiceField(
        label=_("Who attended"), required=False, widget=forms.CheckboxSelectMultiple
    )
    minutes = forms.CharField(
        label=_("Minutes"),
        required=False,
        max_length=NOTES,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, members: list[User], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.members = {u.pk: u for u in members}
        self.fields["attendees"].choices = [  # type: ignore[attr-defined]
            (str(u.pk), u.display_name) for u in members
        ]

    def attendee_users(self) -> list[User]:
        ticked = {int(v) for v in self.cleaned_data.get("attendees") or []}
        return [u for pk, u in self.members.items() if pk in ticked]


class ArticleForm(StyledForm):
    title = forms.CharField(label=pgettext_lazy("record", "Title"), max_length=200)
    outlet = forms.CharField(label=_("Outlet"), max_length=128)
    level = forms.ChoiceField(label=_("Level"), choices=Article.Level.choices)
    published_on = forms.DateField(label=_("Published on"), widget=DateInput)
    url = forms.URLField(label=_("Link"), required=False, max_length=500, assume_scheme="https")


class AcceptForm(forms.Form):
    accepted_on = forms.DateField(label=_("Accepted on"), widget=DateInput)


class DocumentForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=ProjectDocument.Kind.choices)
    title = forms.CharField(label=pgettext_lazy("record", "Title"), max_length=200)
    on = forms.DateField(label=_("Date"), widget=DateInput)
    file = forms.FileField(label=_("File (PDF, Word .docx, PNG or JPEG)"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("on", timezone.localdate())
        super().__init__(*args, **kwargs)


class YearForm(forms.Form):
    year = forms.IntegerField(
        label=_("Year"), min_value=FIRST_YEAR, max_value=LAST_YEAR, required=False
    )
