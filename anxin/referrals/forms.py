"""Forms of the referral pages: a referral out (draft), a referral in, a step of a referral, a
consent to share, its withdrawal, the outcome told to a referring partner, the list filter."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anxin.core.forms import StyledForm
from anxin.referrals.models import Consent, Partner, PartnerContact, Referral, Share


class DateInput(forms.DateInput):
    input_type = "date"


class PartnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Partner) -> str:
        return f"{obj.name}（{obj.get_kind_display()}）"


class ContactChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: PartnerContact) -> str:
        return " · ".join(part for part in (obj.partner.name, obj.role, obj.name) if part)


def _checkboxes() -> forms.CheckboxSelectMultiple:
    return forms.CheckboxSelectMultiple(attrs={"class": "form-check-input", "col": "col-12"})


def _wide(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, "col": "col-12"})


class _PartnerFields(StyledForm):
    partner = PartnerChoiceField(
        label=_("Partner"), queryset=Partner.objects.none(), empty_label=_("Choose a partner")
    )
    partner_contact = ContactChoiceField(
        label=_("Contact at the partner"), queryset=PartnerContact.objects.none(), required=False
    )
    reason = forms.ChoiceField(label=_("Reason"), choices=Referral.Reason.choices)
    urgent = forms.BooleanField(label=_("Urgent"), required=False)

    def __init__(self, *args: Any, partners: QuerySet[Partner], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partners  # type: ignore[attr-defined]
        self.fields["partner_contact"].queryset = (  # type: ignore[attr-defined]
            PartnerContact.objects.filter(partner__in=partners, active=True)
            .select_related("partner")
            .order_by("partner__name", "id")
        )


class ReferralForm(_PartnerFields):
    """A referral out from a case, with what is shared and on what basis."""

    needs = forms.CharField(
        label=_("What is asked of the partner, and why"), max_length=4000, widget=_wide()
    )
    shared = forms.MultipleChoiceField(
        label=_("What the partner may be told"),
        choices=Share.choices,
        widget=_checkboxes(),
        help_text=_("Only what the partner needs; only these items are printed on the letter."),
    )
    basis = forms.ChoiceField(
        label=_("Basis for sharing"),
        choices=[("", _("Not yet (record the consent before sending)")), *Referral.Basis.choices],
        required=False,
    )
    consent = forms.ModelChoiceField(
        label=_("Consent"), queryset=Consent.objects.none(), required=False
    )
    emergency_reason = forms.CharField(
        label=_("The emergency (when sharing without consent)"),
        max_length=2000,
        required=False,
        widget=_wide(2),
    )

    def __init__(
        self, *args: Any, partners: QuerySet[Partner], consents: QuerySet[Consent], **kwargs: Any
    ) -> None:
        super().__init__(*args, partners=partners, **kwargs)
        field = self.fields["consent"]
        field.queryset = consents  # type: ignore[attr-defined]
        field.label_from_instance = consent_label  # type: ignore[attr-defined]


def consent_label(consent: Consent) -> str:
    who = consent.get_given_by_display()
    whom = consent.partner.name if consent.partner is not None else _("any partner")
    return f"{consent.given_on:%Y-%m-%d} · {who} · {whom}"


class ReferralInForm(_PartnerFields):
    """A partner referred someone to the project."""

    person_name = forms.CharField(label=_("Name of the person referred"), max_length=64)
    person_phone = forms.RegexField(
        label=_("Phone"),
        regex=r"^[0-9+\- ]{5,20}$",
        required=False,
        error_messages={"invalid": _("Digits only, e.g. 13800138000 or 020-81234567.")},
    )
    received_on = forms.DateField(label=_("Received on"), widget=DateInput)
    needs = forms.CharField(
        label=_("What the partner asks of us, and why"), max_length=4000, widget=_wide()
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["received_on"].initial = timezone.localdate()


class MoveForm(StyledForm):
    on = forms.DateField(label=_("Date"), widget=DateInput)
    note = forms.CharField(label=_("Note"), max_length=4000, required=False, widget=_wide(2))


class OutcomeForm(StyledForm):
    on = forms.DateField(label=_("Told on"), widget=DateInput)
    report = forms.CharField(label=_("What the partner was told"), max_length=4000, widget=_wide(2))


class ConsentForm(StyledForm):
    given_by = forms.ChoiceField(label=_("Given by"), choices=Consent.GivenBy.choices)
    guardian_name = forms.CharField(label=_("Guardian's name"), max_length=64, required=False)
    partner = PartnerChoiceField(
        label=_("Shared with"),
        queryset=Partner.objects.none(),
        required=False,
        empty_label=_("Any partner of the project's referral network"),
    )
    scope = forms.MultipleChoiceField(
        label=_("What may be shared"), choices=Share.choices, widget=_checkboxes()
    )
    purpose = forms.CharField(label=_("Purpose"), max_length=200)
    given_on = forms.DateField(label=_("Given on"), widget=DateInput)
    expires_on = forms.DateField(label=_("Valid until"), widget=DateInput, required=False)
    method = forms.ChoiceField(label=_("How"), choices=Consent.Method.choices)
    scan = forms.FileField(label=_("Scan or photo of the signed form"), required=False)
    witness = forms.CharField(label=_("Witness (oral consent)"), max_length=64, required=False)

    def __init__(self, *args: Any, partners: QuerySet[Partner], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partners  # type: ignore[attr-defined]
        self.fields["given_on"].initial = timezone.localdate()


class WithdrawForm(StyledForm):
    on = forms.DateField(label=_("Withdrawn on"), widget=DateInput)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class ReferralFilterForm(forms.Form):
    direction = forms.ChoiceField(
        label=_("Direction"),
        choices=[("", _("Both directions")), *Referral.Direction.choices],
        required=False,
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *Referral.Status.choices], required=False
    )
    partner = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    overdue = forms.BooleanField(label=_("Unanswered too long"), required=False)
