from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class PurgeRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=256,
        required=False,
        help_text=_(
            "For example: contract ended on 31 December, package handed over on a USB key."
        ),
    )


class PurgeConfirmForm(forms.Form):
    code = forms.CharField(
        label=_("Project code"),
        max_length=40,
        help_text=_("Type the project's code to confirm that its data is to be deleted for good."),
    )
