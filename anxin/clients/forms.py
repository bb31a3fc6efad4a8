from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from anxin.accounts.models import Project
from anxin.clients.intake import ClientInput, FamilyInput
from anxin.clients.models import Client, DisabilityLevel, FamilyMember, PriorityGroup
from anxin.core import idcard
from anxin.core.concurrency import VersionedForm
from anxin.core.forms import StyledForm
from anxin.core.models import Division


class DateInput(forms.DateInput):
    input_type = "date"


class StreetChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Division) -> str:
        return obj.name


def street_queryset(projects: QuerySet[Project]) -> QuerySet[Division]:
    return Division.objects.filter(
        level=Division.Level.STREET, parent_id__in=projects.values("district_id")
    ).order_by("code")


class ClientFieldsForm(StyledForm):
    """The archive fields shared by intake and later updates."""

    name = forms.CharField(label=_("Name"), max_length=64)
    street = StreetChoiceField(
        label=_("Street of residence"),
        queryset=Division.objects.none(),
        empty_label=_("Choose a street"),
    )
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    phone = forms.RegexField(
        label=_("Phone"),
        regex=r"^[0-9+\- ]{5,20}$",
        required=False,
        error_messages={"invalid": _("Digits only, e.g. 13800138000 or 020-81234567.")},
    )
    household_district = forms.ModelChoiceField(
        label=_("Household registration district"),
        queryset=Division.objects.filter(level=Division.Level.DISTRICT),
        required=False,
        empty_label=_("Outside the districts listed"),
    )
    household_address = forms.CharField(
        label=_("Household registration address"), max_length=200, required=False
    )
    diagnosis = forms.CharField(label=_("Diagnosis"), max_length=500, required=False)
    treating_hospital = forms.CharField(
        label=_("Treating hospital"), max_length=128, required=False
    )
    medication = forms.CharField(
        label=_("Medication"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    hospitalisation_history = forms.CharField(
        label=_("Hospitalisation history"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    disability_level = forms.ChoiceField(
        label=_("Disability certificate level"), choices=DisabilityLevel.choices, required=False
    )
    disability_cert_issued_on = forms.DateField(
        label=_("Certificate issued on"), required=False, widget=DateInput
    )
    priority_groups = forms.MultipleChoiceField(
        label=_("Priority groups"),
        choices=PriorityGroup.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    condition_stable = forms.BooleanField(label=_("Condition stable"), required=False, initial=True)
    violence_tendency = forms.BooleanField(label=_("Tendency to cause incidents"), required=False)
    discharge_allows_community_rehab = forms.BooleanField(
        label=_("Discharge assessment allows community rehab"), required=False, initial=True
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, projects: QuerySet[Project], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["street"].queryset = street_queryset(projects)  # type: ignore[attr-defined]
        self.fields["priority_groups"].widget.attrs["col"] = "col-12"
        for wide in ("medication", "hospitalisation_history", "notes"):
            self.fields[wide].widget.attrs["col"] = "col-12"

    def clean_disability_cert_issued_on(self) -> Any:
        issued = self.cleaned_data.get("disability_cert_issued_on")
        if issued and not self.cleaned_data.get("disability_level"):
            raise forms.ValidationError(_("Give the certificate level too."))
        return issued


class ClientRegisterForm(ClientFieldsForm):
    field_order = ["project", "name", "id_number"]

    project = forms.ModelChoiceField(label=_("Project"), queryset=Project.objects.none())
    id_number = forms.CharField(
        label=_("Resident ID number"),
        max_length=40,
        help_text=_("18 characters; sex and birth date are read from it."),
    )
    waiting = forms.BooleanField(label=_("Put on the waiting list"), required=False)
    referral_note = forms.CharField(
        label=_("Referred by / how the client came"),
        max_length=200,
        required=False,
        help_text=_("e.g. street office, hospital discharge, family application"),
    )
    guardian_name = forms.CharField(label=_("Guardian name"), max_length=64, required=False)
    guardian_relation = forms.ChoiceField(
        label=_("Guardian relation"), choices=FamilyMember.Relation.choices, required=False
    )
    guardian_phone = forms.RegexField(
        label=_("Guardian phone"), regex=r"^[0-9+\- ]{5,20}$", required=False
    )
    family_name = forms.CharField(label=_("Other family member"), max_length=64, required=False)
    family_relation = forms.ChoiceField(
        label=_("Relation"), choices=FamilyMember.Relation.choices, required=False
    )
    family_phone = forms.RegexField(label=_("Phone"), regex=r"^[0-9+\- ]{5,20}$", required=False)

    def __init__(self, *args: Any, projects: QuerySet[Project], **kwargs: Any) -> None:
        super().__init__(*args, projects=projects, **kwargs)
        self.fields["project"].queryset = projects  # type: ignore[attr-defined]
        self.fields["id_number"].widget.attrs.update(
            {
                "autocomplete": "off",
                "inputmode": "text",
                "hx-get": reverse("clients:check-id"),
                "hx-trigger": "input changed delay:400ms",
                "hx-target": "#id-check",
                "hx-swap": "innerHTML",
                "hx-params": "id_number",
            }
        )

    def clean_id_number(self) -> str:
        info = idcard.parse(self.cleaned_data["id_number"])
        if not info.valid:
            raise forms.ValidationError(
                _("Not a valid resident ID number: %(error)s.") % {"error": info.error}
            )
        return info.number

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("guardian_name") and not data.get("guardian_relation"):
            self.add_error("guardian_relation", _("Choose the relation."))
        return data

    def to_input(self) -> ClientInput:
        d = self.cleaned_data
        family = []
        if d.get("guardian_name"):
            family.append(
                FamilyInput(
                    name=d["guardian_name"],
                    relation=d["guardian_relation"] or "other",
                    is_guardian=True,
                    phone=d.get("guardian_phone") or "",
                )
            )
        if d.get("family_name"):
            family.append(
                FamilyInput(
                    name=d["family_name"],
                    relation=d["family_relation"] or "other",
                    phone=d.get("family_phone") or "",
                )
            )
        return ClientInput(
            name=d["name"],
            id_number=d["id_number"],
            street=d["street"],
            household_district=d.get("household_district"),
            household_address=d.get("household_address") or "",
            address=d.get("address") or "",
            phone=d.get("phone") or "",
            diagnosis=d.get("diagnosis") or "",
            treating_hospital=d.get("treating_hospital") or "",
            medication=d.get("medication") or "",
            hospitalisation_history=d.get("hospitalisation_history") or "",
            disability_level=d.get("disability_level") or "",
            disability_cert_issued_on=d.get("disability_cert_issued_on"),
            priority_groups=list(d.get("priority_groups") or []),
            condition_stable=bool(d.get("condition_stable")),
            violence_tendency=bool(d.get("violence_tendency")),
            discharge_allows_community_rehab=bool(d.get("discharge_allows_community_rehab")),
            notes=d.get("notes") or "",
            family=family,
        )


class ClientUpdateForm(VersionedForm, ClientFieldsForm):
    status = forms.ChoiceField(label=_("Status"), choices=Client.Status.choices)
    reason = forms.CharField(
        label=_("Reason for the change"),
        max_length=200,
        help_text=_("Kept in the archive history."),
    )

    @staticmethod
    def initial_from(client: Client) -> dict[str, Any]:
        from anxin.clients.actions import EDITABLE_FIELDS

        initial = {name: getattr(client, name) for name in EDITABLE_FIELDS}
        initial["priority_groups"] = client.priority_group_codes
        initial["version"] = client.version
        return initial

    def changes(self) -> dict[str, Any]:
        from anxin.clients.actions import EDITABLE_FIELDS

        d = self.cleaned_data
        out = {name: d.get(name) for name in EDITABLE_FIELDS if name in d}
        for key, value in out.items():
            if value is None and key not in (
                "household_district",
                "disability_cert_issued_on",
                "street",
            ):
                out[key] = ""
        return out

    def differences(self, current: Client) -> list[tuple[str, str]]:
        """After an edit conflict: each field where the saved archive now differs from this
        form's input, with the saved value as people read it."""
        now = self.initial_from(current)
        return [
            (str(self.fields[name].label), shown(self.fields[name], now[name]))
            for name, mine in self.changes().items()
            if (now[name] or None) != (mine or None)
        ]


def shown(field: forms.Field, value: Any) -> str:
    """A field's value as text, the way the form offers it."""
    if value in (None, "", []):
        return "—"
    if isinstance(field, forms.BooleanField):
        return str(_("Yes") if value else _("No"))
    if isinstance(field, forms.MultipleChoiceField):
        labels = dict(field.choices)  # type: ignore[arg-type]
        return "、".join(str(labels.get(v, v)) for v in value)
    if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
        return str(dict(field.choices).get(value, value))  # type: ignore[arg-type]
    if isinstance(value, dt.date):
        return formats.date_format(value)
    return str(value)


class FamilyMemberForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=64)
    relation = forms.ChoiceField(label=_("Relation"), choices=FamilyMember.Relation.choices)
    phone = forms.RegexField(label=_("Phone"), regex=r"^[0-9+\- ]{5,20}$", required=False)
    is_guardian = forms.BooleanField(label=_("Guardian"), required=False)
    lives_with_client = forms.BooleanField(label=_("Lives with the client"), required=False)

    def to_input(self) -> FamilyInput:
        d = self.cleaned_data
        return FamilyInput(
            name=d["name"],
            relation=d["relation"],
            phone=d.get("phone") or "",
            is_guardian=bool(d.get("is_guardian")),
            lives_with_client=bool(d.get("lives_with_client")),
        )


class ClientFilterForm(StyledForm):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Name, pinyin, initials or last 4 of ID")}),
    )
    project = forms.ModelChoiceField(
        label=_("Project"),
        queryset=Project.objects.none(),
        required=False,
        empty_label=_("All my projects"),
    )
    street = StreetChoiceField(
        label=_("Street"),
        queryset=Division.objects.none(),
        required=False,
        empty_label=_("All streets"),
    )
    priority_group = forms.ChoiceField(
        label=_("Priority group"),
        choices=[("", _("All groups")), *PriorityGroup.choices],
        required=False,
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All statuses")), *Client.Status.choices], required=False
    )

    def __init__(self, *args: Any, projects: QuerySet[Project], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects  # type: ignore[attr-defined]
        self.fields["street"].queryset = street_queryset(projects)  # type: ignore[attr-defined]
