"""The archive's change history as people read it: who changed which field from what to what."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from anxin.core.masking import mask_id_number, mask_phone

# Shown masked in the history, even to readers of the archive (they see the current value above).
MASKED = {"id_number": mask_id_number, "phone": mask_phone}
# Long free texts: the history says they changed, the old text stays in the database history.
SUMMARISED = {
    "diagnosis",
    "medication",
    "hospitalisation_history",
    "notes",
    "address",
    "household_address",
}
HIDDEN = {"updated_at", "updated_by", "created_at", "created_by"}


@dataclass
class FieldChange:
    label: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    when: Any
    who: str
    kind: str
    reason: str
    changes: list[FieldChange] = field(default_factory=list)
    subject: str = ""


def _show(name: str, value: Any, labels: dict[str, dict[Any, str]]) -> str:
    if value in (None, ""):
        return "—"
    if name in MASKED:
        return MASKED[name](str(value))
    if name in SUMMARISED:
        return _("(text)")
    if name in labels:
        return str(labels[name].get(value, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


def history_entries(
    records: list[Any], model: Any, lookups: dict[str, dict[Any, str]] | None = None
) -> list[HistoryEntry]:
    """``records`` newest first (as simple-history returns them). No queries: labels for foreign
    keys come from ``lookups`` ({field: {pk: label}})."""
    labels: dict[str, dict[Any, str]] = dict(lookups or {})
    for f in model._meta.fields:
        if f.choices:
            labels[f.attname] = {k: str(v) for k, v in f.flatchoices}
            labels[f.name] = labels[f.attname]
    verbose = {f.attname: str(f.verbose_name) for f in model._meta.fields}
    verbose.update({f.name: str(f.verbose_name) for f in model._meta.fields})
    entries = []
    for i, rec in enumerate(records):
        prev = records[i + 1] if i + 1 < len(records) else None
        user = rec.history_user
        who = (user.full_name or user.username) if user else _("system")
        entry = HistoryEntry(
            when=rec.history_date,
            who=who,
            kind=rec.history_type,
            reason=rec.history_change_reason or "",
        )
        if prev is not None:
            delta = rec.diff_against(prev, foreign_keys_are_objs=False)
            for change in delta.changes:
                if change.field in HIDDEN:
                    continue
                entry.changes.append(
                    FieldChange(
                        label=verbose.get(change.field, change.field),
                        old=_show(change.field, change.old, labels),
                        new=_show(change.field, change.new, labels),
                    )
                )
            if not entry.changes and not entry.reason:
                continue
        entries.append(entry)
    return entries
