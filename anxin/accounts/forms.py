from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from anxin.accounts.models import Membership, Project, Qualification, User
from anxin.accounts.security import is_locked_out
from anxin.contracts.catalogue import load_template
from anxin.core.forms import StyledForm
from anxin.core.models import Division


class LockoutAuthenticationForm(AuthenticationForm):
    """Refuses a locked user name before checking the password at all."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": _(
            "Too many failed logins for this user name. Try again in %(minutes)d minutes or ask "
            "your organisation admin."
        ),
    }

    def clean(self) -> dict[str, Any]:
        from django.conf import settings

        username = self.cleaned_data.get("username") or ""
        if username and is_locked_out(username):
            raise ValidationError(
                self.error_messages["locked"],
                code="locked",
                params={"minutes": settings.ANXIN_LOGIN_LOCK_MINUTES},
            )
        return super().clean()


class DateInput(forms.DateInput):
    input_type = "date"


class ProjectForm(StyledForm):
    code = forms.SlugField(
        label=_("Code"), max_length=40, help_text=_("Letters, digits and dashes, e.g. liwan-2027.")
    )
    name = forms.CharField(label=_("Project name"), max_length=128)
    template = forms.ChoiceField(label=_("Contract template"))
    purchaser = forms.CharField(label=_("Purchaser"), max_length=128)
    district = forms.ModelChoiceField(
        label=_("District"), queryset=Division.objects.filter(level=Division.Level.DISTRICT)
    )
    period_start = forms.DateField(label=_("Period start"), widget=DateInput)
    period_end = forms.DateField(label=_("Period end"), widget=DateInput)
    budget_ceiling = forms.DecimalField(
        label=_("Budget ceiling (yuan)"), min_value=0, max_digits=12, decimal_places=2
    )
    client_target = forms.IntegerField(label=_("Client target"), min_value=0)

    def __init__(self, *args: Any, templates: list[tuple[str, str]], **kwargs: Any) -> None:
        """``templates``: (code, title) of the shipped templates and the organisation's own."""
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = templates  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The period must end after it starts."))
        return data

    @staticmethod
    def initial_for(template: str) -> dict[str, Any]:
        defaults = load_template(template).get("defaults", {})
        return {
            "template": template,
            "purchaser": defaults.get("purchaser", ""),
            "district": defaults.get("district"),
            "budget_ceiling": defaults.get("budget_ceiling"),
            "client_target": defaults.get("client_target"),
        }


class NewLoginForm(StyledForm):
    """What every new login needs."""

    username = forms.RegexField(
        label=_("User name"),
        max_length=150,
        regex=r"^[\w.@+-]+$",
        error_messages={"invalid": _("Letters, digits and @ . + - _ only.")},
    )
    full_name = forms.CharField(label=_("Full name"), max_length=64)
    password = forms.CharField(
        label=_("Initial password"), widget=forms.PasswordInput, min_length=10
    )


class StaffForm(NewLoginForm):
    full_time = forms.BooleanField(label=_("Full-time"), required=False, initial=True)
    years_experience = forms.IntegerField(
        label=_("Years in community mental-health work"), min_value=0, max_value=60, initial=0
    )
    project = forms.ModelChoiceField(
        label=_("Project"), queryset=Project.objects.none(), required=False
    )
    role = forms.ChoiceField(
        label=_("Role"), choices=[("", "—"), *Membership.Role.choices], required=False
    )

    def __init__(self, *args: Any, organisation_projects: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if organisation_projects is not None:
            self.fields["project"].queryset = organisation_projects  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("project")) != bool(data.get("role")):
            raise ValidationError(_("Choose both a project and a role, or neither."))
        return data


class PurchaserViewerForm(NewLoginForm):
    """A login for the purchaser's staff: project figures only, no archive."""

    field_order = ["username", "full_name", "employer", "password"]

    employer = forms.CharField(label=_("Employer"), max_length=128)


class MembershipForm(StyledForm):
    project = forms.ModelChoiceField(label=_("Project"), queryset=Project.objects.none())
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)

    def __init__(self, *args: Any, organisation_projects: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if organisation_projects is not None:
            self.fields["project"].queryset = organisation_projects  # type: ignore[attr-defined]


class QualificationForm(StyledForm):
    cert_type = forms.ChoiceField(
        label=_("Certificate type"), choices=Qualification.CertType.choices
    )
    level = forms.TypedChoiceField(
        label=_("Level"), choices=Qualification.Level.choices, coerce=int
    )
    number = forms.CharField(label=_("Certificate number"), max_length=64)
    issued_on = forms.DateField(label=_("Issued on"), required=False, widget=DateInput)
    scan = forms.FileField(label=_("Scan (PDF, PNG or JPEG)"), required=False)


def staff_user_queryset(organisation_id: int) -> Any:
    return User.objects.filter(organisation_id=organisation_id)


class WorkflowSettingsForm(StyledForm):
    """The per-project settings of reminders and of "significant improvement" (conventions)."""

    process_review_days = forms.IntegerField(
        label=_("Process review every (days)"), min_value=7, max_value=366
    )
    plan_review_days = forms.IntegerField(
        label=_("Default plan review after (days)"), min_value=7, max_value=366
    )
    no_contact_days = forms.IntegerField(
        label=_("Remind after no contact for (days)"), min_value=1, max_value=366
    )
    follow_up_after_closure_days = forms.IntegerField(
        label=_("Follow-up visit after closure (days)"), min_value=1, max_value=366
    )
    referral_answer_days = forms.IntegerField(
        label=_("Remind when a referral is unanswered after (days)"), min_value=1, max_value=90
    )
    improvement_rule = forms.ChoiceField(
        label=_("Significant improvement means"),
        choices=[
            ("reliable_change", _("Reliable change in the improving direction")),
            ("reduction_rate_50", _("Score-reduction rate of 50 percent or more")),
            ("cutoff", _("Crossing the instrument's cut-off")),
        ],
    )


class TwoFactorPolicyForm(StyledForm):
    """Which roles must use two-factor login (the organisation setting)."""

    roles = forms.MultipleChoiceField(
        label=_("Require two-factor login for"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from anxin.accounts.two_factor import role_choices

        super().__init__(*args, **kwargs)
        self.fields["roles"].choices = role_choices()  # type: ignore[attr-defined]


class CodeForm(StyledForm):
    """A code from the authenticator app (six digits) or a recovery code."""

    code = forms.CharField(
        label=_("Verification code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autofocus": True,
                "spellcheck": "false",
                "col": "col-12",
            }
        ),
    )
