"""Forms of the partner directory and of the communication groups: parse input only; the rules
(names unique, the street in the district, dates, members, file types) live in the actions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from anxin.accounts.models import Project, User
from anxin.core.forms import StyledForm
from anxin.core.models import Division
from anxin.delivery.forms import DateInput
from anxin.referrals.actions_network import GroupInput, PartnerInput
from anxin.referrals.models import (
    CommunicationGroup,
    GroupActivity,
    Level,
    Partner,
)

TEXT = 10000
NAME = pgettext_lazy("institution", "Name")
LEVEL = pgettext_lazy("referral network", "Level")
PHONE = forms.RegexField(
    label=_("Phone"),
    regex=r"^[0-9+\- ]{5,20}$",
    required=False,
    error_messages={"invalid": _("Digits only, e.g. 13800138000 or 020-81234567.")},
)


class DivisionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Division) -> str:
        return obj.name


class StreetChoiceField(forms.ModelChoiceField):
    """Streets, named with their district when they come from several."""

    def label_from_instance(self, obj: Division) -> str:
        if self.by_district and obj.parent is not None:
            return f"{obj.parent.name} · {obj.name}"
        return obj.name

    by_district = False


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def _streets(form: forms.Form, streets: QuerySet[Division], *, by_district: bool) -> None:
    field = form.fields["street"]
    assert isinstance(field, StreetChoiceField)
    field.queryset = streets.order_by("parent_id", "code")
    field.by_district = by_district


def _wide(form: forms.Form, *names: str) -> None:
    """Fields that take the whole row in ``partials/form.html``."""
    for name in names:
        form.fields[name].widget.attrs["col"] = "col-12"


# The partner directory -----------------------------------------------------------------------


class PartnerFilterForm(StyledForm):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("Name, service or address")}),
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("All kinds")), *Partner.Kind.choices], required=False
    )
    level = forms.ChoiceField(
        label=LEVEL, choices=[("", _("All levels")), *Level.choices], required=False
    )
    street = StreetChoiceField(
        label=_("Street"),
        queryset=Division.objects.none(),
        required=False,
        empty_label=_("All streets"),
    )

    def __init__(self, *args: Any, streets: QuerySet[Division], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _streets(self, streets, by_district=streets.values("parent_id").distinct().count() > 1)


class PartnerForm(StyledForm):
    """A partner of the directory; ``editing`` adds the active flag."""

    name = forms.CharField(label=NAME, max_length=128)
    kind = forms.ChoiceField(label=_("Kind"), choices=Partner.Kind.choices)
    level = forms.ChoiceField(label=LEVEL, choices=Level.choices)
    district = DivisionChoiceField(label=_("District"), queryset=Division.objects.none())
    street = StreetChoiceField(
        label=_("Street"),
        queryset=Division.objects.none(),
        required=False,
        empty_label=_("(street-level partners only)"),
    )
    services = forms.CharField(
        label=_("Services offered"), required=False, max_length=TEXT, widget=_textarea()
    )
    address = forms.CharField(
        label=pgettext_lazy("institution", "Address"), max_length=200, required=False
    )
    phone = forms.RegexField(
        label=_("Switchboard"),
        regex=r"^[0-9+\- ]{5,32}$",
        max_length=32,
        required=False,
        error_messages={"invalid": _("Digits only, e.g. 13800138000 or 020-81234567.")},
    )
    active = forms.BooleanField(
        label=_("Active (offered when referring and in groups)"), required=False
    )

    def __init__(
        self,
        *args: Any,
        districts: QuerySet[Division],
        streets: QuerySet[Division],
        editing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = districts  # type: ignore[attr-defined]
        _streets(self, streets, by_district=districts.count() > 1)
        if not editing:
            del self.fields["active"]
        _wide(self, "services")

    @staticmethod
    def initial_from(partner: Partner) -> dict[str, Any]:
        return {
            "name": partner.name,
            "kind": partner.kind,
            "level": partner.level,
            "district": partner.district_id,
            "street": partner.street_id,
            "services": partner.services,
            "address": partner.address,
            "phone": partner.phone,
            "active": partner.active,
        }

    def to_input(self) -> PartnerInput:
        d = self.cleaned_data
        return PartnerInput(
            name=d["name"],
            kind=d["kind"],
            level=d["level"],
            district=d["district"],
            street=d.get("street"),
            services=d.get("services") or "",
            address=d.get("address") or "",
            phone=d.get("phone") or "",
        )


class ContactForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=64)
    role = forms.CharField(
        label=_("Role"),
        max_length=64,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. community mental-health doctor")}),
    )
    phone = PHONE


class AgreementForm(StyledForm):
    """An agreement of one of ``projects`` (those the user leads) with the partner."""

    project = forms.ChoiceField(label=_("Project"))
    title = forms.CharField(label=pgettext_lazy("record", "Title"), max_length=200)
    signed_on = forms.DateField(label=_("Signed on"), widget=DateInput)
    ends_on = forms.DateField(label=_("Valid until"), widget=DateInput, required=False)
    scope = forms.CharField(
        label=_("Scope of cooperation"), required=False, max_length=TEXT, widget=_textarea(2)
    )
    file = forms.FileField(label=_("Scan (PDF, Word .docx, PNG or JPEG)"), required=False)

    def __init__(self, *args: Any, projects: list[Project], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(p.code, p.name) for p in projects]
        self.fields["project"].choices = choices  # type: ignore[attr-defined]
        _wide(self, "scope")


# Communication groups ------------------------------------------------------------------------


class GroupForm(StyledForm):
    """A communication group; ``editing`` adds the day it closed."""

    name = forms.CharField(label=NAME, max_length=128)
    platform = forms.ChoiceField(label=_("Platform"), choices=CommunicationGroup.Platform.choices)
    level = forms.ChoiceField(label=LEVEL, choices=Level.choices)
    street = StreetChoiceField(
        label=_("Street"),
        queryset=Division.objects.none(),
        required=False,
        empty_label=_("(street-level groups only)"),
    )
    started_on = forms.DateField(label=_("Set up on"), widget=DateInput)
    closed_on = forms.DateField(
        label=_("Closed on"),
        widget=DateInput,
        required=False,
        help_text=_("Leave empty while the group is in use."),
    )
    purpose = forms.CharField(label=_("What the group is for"), max_length=TEXT, widget=_textarea())
    partners = forms.ModelMultipleChoiceField(
        label=_("Partners in the group"),
        queryset=Partner.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    staff = forms.MultipleChoiceField(
        label=_("Our staff in the group"), widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(
        self,
        *args: Any,
        streets: QuerySet[Division],
        partners: QuerySet[Partner],
        members: list[User],
        editing: bool = False,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("initial", {}).setdefault("started_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        _streets(self, streets, by_district=False)
        self.fields["partners"].queryset = partners  # type: ignore[attr-defined]
        self.members = {str(u.pk): u for u in members}
        staff = [(k, u.display_name) for k, u in self.members.items()]
        self.fields["staff"].choices = staff  # type: ignore[attr-defined]
        if not editing:
            del self.fields["closed_on"]
        _wide(self, "purpose", "partners", "staff")

    @staticmethod
    def initial_from(group: CommunicationGroup) -> dict[str, Any]:
        return {
            "name": group.name,
            "platform": group.platform,
            "level": group.level,
            "street": group.street_id,
            "started_on": group.started_on,
            "closed_on": group.closed_on,
            "purpose": group.purpose,
            "partners": [p.pk for p in group.partners.all()],
            "staff": [str(pk) for pk in group.staff.values_list("pk", flat=True)],
        }

    def to_input(self) -> GroupInput:
        d = self.cleaned_data
        return GroupInput(
            name=d["name"],
            platform=d["platform"],
            level=d["level"],
            purpose=d["purpose"],
            started_on=d["started_on"],
            street=d.get("street"),
            partners=list(d.get("partners") or []),
            staff=[self.members[k] for k in d.get("staff") or []],
        )


class ActivityForm(StyledForm):
    on = forms.DateField(label=_("Date"), widget=DateInput)
    kind = forms.ChoiceField(label=_("Kind"), choices=GroupActivity.Kind.choices)
    summary = forms.CharField(
        label=_("What happened"),
        max_length=TEXT,
        widget=_textarea(),
        help_text=_("Name no client: write initials or a case number."),
    )
    evidence = forms.FileField(
        label=_("Evidence (a screenshot or the minutes: PDF, Word .docx, PNG or JPEG)"),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("on", timezone.localdate())
        super().__init__(*args, **kwargs)
        _wide(self, "summary", "evidence")
