"""The human-readable half of a hand-over package: one workbook per area, one sheet per model,
the fields' Chinese names as column headers and values as the pages show them (choices by their
label, people and places by name, dates in local time).

Foreign keys are shown by name: the names are looked up once per batch of rows and target model
(one query for all the ids of a batch), never row by row.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

# Areas: app label -> (order, name of the workbook).
AREAS: dict[str, tuple[int, Any]] = {
    "accounts": (1, gettext_lazy("Project team")),
    "clients": (2, gettext_lazy("Clients and archives")),
    "cases": (3, gettext_lazy("Cases and follow-ups")),
    "assessments": (4, gettext_lazy("Assessments")),
    "delivery": (5, gettext_lazy("Services and work hours")),
    "hotline": (6, gettext_lazy("Hotline calls")),
    "referrals": (7, gettext_lazy("Referral network")),
    "surveys": (8, gettext_lazy("Surveys")),
    "reports": (9, gettext_lazy("Reports")),
    "contracts": (10, gettext_lazy("Indicators and funds")),
    "operations": (11, gettext_lazy("Staff development and publicity")),
}
# How a row of a model is named where another row refers to it: the lookups whose values, joined
# by a space, make the name. Other models are named by their id.
LABELS: dict[str, tuple[str, ...]] = {
    "accounts.user": ("full_name", "username"),
    "accounts.project": ("name",),
    "accounts.organisation": ("name",),
    "core.division": ("name",),
    "clients.client": ("name",),
    "clients.familymember": ("name",),
    "cases.case": ("client__name",),
    "assessments.instrument": ("title_zh",),
    "referrals.partner": ("name",),
    "referrals.partnercontact": ("name",),
    "hotline.outreachperson": ("name",),
    "surveys.survey": ("title",),
    "delivery.groupprogramme": ("name",),
    "contracts.budgetline": ("name",),
    "operations.stafftraining": ("title",),
}
SHEET_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})


def localtime_naive(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value


def _text(value: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", value)


class Names:
    """Names of rows referred to by foreign keys, fetched by batch and kept."""

    def __init__(self) -> None:
        self.known: dict[type[models.Model], dict[Any, str]] = {}

    def fetch(self, target: type[models.Model], ids: set[Any]) -> None:
        known = self.known.setdefault(target, {})
        wanted = ids - known.keys()
        lookups = _lookups(target)
        if not wanted or not lookups:
            return
        rows = target._base_manager.filter(pk__in=sorted(wanted)).values_list("pk", *lookups)
        for pk, *values in rows:
            first = next((str(v) for v in values if v not in (None, "")), "")
            known[pk] = first or f"#{pk}"

    def name(self, target: type[models.Model], pk: Any) -> str:
        return self.known.get(target, {}).get(pk) or f"#{pk}"


def _lookups(target: type[models.Model]) -> tuple[str, ...]:
    found = LABELS.get(target._meta.label_lower, ())
    return found if all(_exists(target, lookup) for lookup in found) else ()


def _exists(target: type[models.Model], lookup: str) -> bool:
    first = lookup.split("__")[0]
    return any(f.name == first for f in target._meta.get_fields())


class Sheet:
    def __init__(self, ws: WriteOnlyWorksheet, m: type[models.Model], names: Names) -> None:
        self.ws = ws
        # Blind indexes are for searching, not reading: the JSON keeps them.
        self.fields = [f for f in m._meta.concrete_fields if not f.name.endswith("_index")]
        self.names = names
        self.choices = {
            f.attname: {k: str(v) for k, v in f.flatchoices} for f in self.fields if f.choices
        }
        bold = Font(bold=True)
        header = []
        for f in self.fields:
            cell = _cell(ws, str(f.verbose_name))
            cell.font = bold
            header.append(cell)
        ws.append(header)

    def add(self, batch: list[models.Model]) -> None:
        for f in self.fields:
            if f.remote_field is None:
                continue
            ids = {getattr(obj, f.attname) for obj in batch} - {None}
            if ids:
                self.names.fetch(f.remote_field.model, ids)
        for obj in batch:
            self.ws.append([self.value(obj, f) for f in self.fields])

    def value(self, obj: models.Model, f: Any) -> Any:
        value = getattr(obj, f.attname)
        if value is None:
            return None
        if f.remote_field is not None:
            return self.names.name(f.remote_field.model, value)
        if f.attname in self.choices:
            return self.choices[f.attname].get(value, value)
        if isinstance(f, models.FileField):
            return value.name or None
        if isinstance(value, bool):
            return _("Yes") if value else _("No")
        if isinstance(value, dt.datetime):
            return localtime_naive(value)
        if isinstance(value, dt.date | dt.time | int | float | Decimal):
            return value
        if isinstance(value, dict | list):
            return _text(json.dumps(value, ensure_ascii=False, default=str))
        return _text(str(value))


def _cell(ws: WriteOnlyWorksheet, value: Any) -> Any:
    from openpyxl.cell import WriteOnlyCell

    return WriteOnlyCell(ws, value=value)


class Workbooks:
    """The open workbooks of a package, one per area, written when the package is complete."""

    def __init__(self) -> None:
        self.books: dict[str, Workbook] = {}
        self.titles: dict[str, set[str]] = {}
        self.names = Names()

    def sheet(self, m: type[models.Model]) -> Sheet:
        area = m._meta.app_label
        if area not in self.books:
            self.books[area] = Workbook(write_only=True)
            self.titles[area] = set()
        title = _sheet_title(m, self.titles[area])
        ws = self.books[area].create_sheet(title=title)
        return Sheet(ws, m, self.names)

    def saved(self) -> Iterator[tuple[str, bytes]]:
        for area in sorted(self.books, key=lambda a: AREAS.get(a, (99, a))[0]):
            order, name = AREAS.get(area, (99, area))
            buffer = io.BytesIO()
            self.books[area].save(buffer)
            yield f"{order:02d} {name}.xlsx", buffer.getvalue()


def _sheet_title(m: type[models.Model], taken: set[str]) -> str:
    base = str(m._meta.verbose_name_plural).translate(SHEET_FORBIDDEN).strip()[:28] or "sheet"
    title, n = base, 2
    while title.lower() in taken:
        title = f"{base[:26]} {n}"
        n += 1
    taken.add(title.lower())
    return title
