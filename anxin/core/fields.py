"""Model fields whose values are encrypted at rest (see ``anxin.core.crypto``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models

from anxin.core import crypto


class EncryptedTextField(models.TextField):
    """A text value stored AES-GCM encrypted. Cannot be filtered on: use a blind index."""

    description = "Encrypted text"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return crypto.decrypt(value) if crypto.is_encrypted(value) else value

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and crypto.is_encrypted(value):
            return crypto.decrypt(value)
        return super().to_python(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(str(value))


class EncryptedCharField(EncryptedTextField):
    """Same storage as EncryptedTextField; a single-line input in forms."""

    def formfield(
        self,
        form_class: type[forms.Field] | None = None,
        choices_form_class: type[forms.ChoiceField] | None = None,
        **kwargs: Any,
    ) -> forms.Field | None:
        kwargs.setdefault("widget", forms.TextInput)
        return super().formfield(form_class, choices_form_class, **kwargs)
