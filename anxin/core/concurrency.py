"""No lost updates: optimistic locking for rows that several people edit (archives, cases).

A versioned row has an integer ``version`` that every change raises by one. A form carries the
version it was opened at; the action that saves it first *claims* the row with a compare-and-set
(``UPDATE … SET version = version + 1 WHERE id = … AND version = …``). The update takes the row's
write lock, so of two saves racing on the same version exactly one changes a row; the other finds
none and is refused with :class:`EditConflict`, before anything is written. The refused form is
shown again with the person's input, the current values and the new version, so saving again is a
choice made with the other person's change in view.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anxin.core.forms import StyledForm


def version_field() -> models.PositiveIntegerField:
    """The model field: 1 for a new row, raised by :func:`claim` at every change."""
    return models.PositiveIntegerField(
        gettext_lazy("version"),
        default=1,
        editable=False,
        help_text=gettext_lazy(
            "Raised by one at every change; refuses a save made on an old copy."
        ),
    )


class EditConflict(ValidationError):
    """Someone else saved the row after this form was opened."""

    def __init__(self, *, current_version: int, by: str, at: Any) -> None:
        self.current_version = current_version
        when = formats.date_format(timezone.localtime(at), "SHORT_DATETIME_FORMAT") if at else ""
        super().__init__(
            _(
                "%(who)s saved this record at %(when)s, after you opened the form. Your changes "
                "have not been saved: they are still in the form. Compare them with the current "
                "record, then save again."
            )
            % {"who": by or _("Someone else"), "when": when},
            code="conflict",
        )


def claim(obj: models.Model, expected: int | None, by: Any = None) -> None:
    """Raise the row's version, or refuse with :class:`EditConflict` if it is no longer
    ``expected``. ``None`` (a command, an import, an API call without a version) raises the
    version without a check, so that forms opened before it are refused in turn.

    On success ``obj`` is read again, under the row's write lock, so the action's checks see
    what the row holds now rather than what it held when the request began. Call it first in the
    action's transaction, before any other write and before changing ``obj`` in memory.
    ``by`` (the acting user) is written as the row's last changer, so the next person refused
    is told who changed it, even when the action changes nothing else on the row."""
    manager = type(obj)._default_manager
    rows = manager.filter(pk=obj.pk)
    if expected is not None:
        rows = rows.filter(version=expected)
    stamp = {"updated_by": by, "updated_at": timezone.now()} if by is not None else {}
    if rows.update(version=F("version") + 1, **stamp):
        obj.refresh_from_db()  # what the row holds now, read under its write lock
        return
    current = manager.filter(pk=obj.pk).values(
        "version", "updated_at", "updated_by__full_name", "updated_by__username"
    )
    row = current.get()
    raise EditConflict(
        current_version=row["version"],
        by=row["updated_by__full_name"] or row["updated_by__username"] or "",
        at=row["updated_at"],
    )


class VersionedForm(StyledForm):
    """A form that carries the version of the row it edits, in a hidden field."""

    # Not required: a post without it (a script, a page from before this field) is saved
    # without the check, as an API call without a version is.
    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        required=False,
        error_messages={
            "invalid": gettext_lazy("This form is out of date: open the page again."),
            "min_value": gettext_lazy("This form is out of date: open the page again."),
        },
    )

    def take_version(self) -> int | None:
        """The version the form was opened at, taken out of ``cleaned_data`` (the actions take
        it as ``expected_version``)."""
        version = self.cleaned_data.pop("version", None)
        return int(version) if version is not None else None

    def show_conflict(self, conflict: EditConflict) -> None:
        """Keep the input, say why it was refused, and carry the current version so that the
        next save is made knowing about the other change."""
        data = self.data.copy()  # type: ignore[attr-defined]  # a QueryDict: the POST
        data[self.add_prefix("version")] = str(conflict.current_version)
        self.data = data
        self.add_error(None, conflict)
