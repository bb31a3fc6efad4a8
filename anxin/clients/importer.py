"""Bulk import of client lists (R2.5): read an office spreadsheet, check every row, and write all
rows in one transaction, or nothing at all if any row is refused."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.models import Project, User
from anxin.audit.actions import record
from anxin.audit.models import AuditEvent
from anxin.clients.actions import client_register, validate_intake
from anxin.clients.import_columns import (
    BY_KEY,
    PRIORITY_ACCEPTED,
    RELATION_WORDS,
    SEX_WORDS,
    cell_text,
    parse_date,
    parse_disability_level,
    parse_priority_groups,
)
from anxin.clients.import_files import (
    ImportFileError,
    find_layout,
    read_grids,
)
from anxin.clients.intake import ClientInput, FamilyInput
from anxin.clients.models import FamilyMember
from anxin.core import idcard
from anxin.core.models import Division

_TOTALS = re.compile(r"^(合计|总计|小计|共计)")
_COUNT_NAME = re.compile(r"^(共|合计|总计)?\d+人$")
_STREET_SUFFIX = re.compile(r"(街道办事处|街道办|街道|街|镇|乡)$")


@dataclass
class RowError:
    sheet_row: int  # 1-based, as Excel shows it
    serial: str  # the 序号 column, if any
    name: str
    messages: list[str]


@dataclass
class ImportResult:
    file_name: str
    sheet: str = ""
    header_row: int = 0
    rows_ok: int = 0
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    notes: list[RowError] = field(default_factory=list)
    created: int = 0
    dry_run: bool = False

    @property
    def rows_total(self) -> int:
        return self.rows_ok + len(self.errors)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ImportedClientInput(ClientInput):
    """An intake row keeping the ID cell as it was read, so that a number cell is refused as one."""

    raw_id: object = None

    @property
    def id_info(self) -> idcard.IdInfo:
        return idcard.parse(self.id_number if self.raw_id is None else self.raw_id)


@dataclass
class _Row:
    sheet_row: int
    serial: str
    name: str
    data: ClientInput


# Rows --------------------------------------------------------------------------------------


def _street_base(name: str, district: Division) -> str:
    name = re.sub(r"\s+", "", name).split(district.name)[-1]
    return _STREET_SUFFIX.sub("", name)


def _street_lookup(project: Project) -> dict[str, Division]:
    streets = list(Division.objects.filter(parent=project.district))
    lookup = {s.name: s for s in streets}
    for street in streets:
        lookup.setdefault(_street_base(street.name, project.district), street)
    return lookup


def _clean_name(text: str) -> str:
    """Spaces that align two-character names (张  三) go; names in Latin letters keep one space."""
    if re.search(r"[A-Za-z]", text):
        return re.sub(r"\s+", " ", text)
    return re.sub(r"\s+", "", text)


def _is_totals(cells: list[Any], name: str, id_text: str) -> bool:
    first = [re.sub(r"\s+", "", cell_text(c)) for c in cells[:3]]
    return any(_TOTALS.match(t) for t in first) or (bool(_COUNT_NAME.match(name)) and not id_text)


class _RowChecker:
    """Turns one sheet row into a ClientInput and says everything that is wrong with it."""

    def __init__(self, project: Project, headers: dict[str, str]) -> None:
        self.project = project
        self.headers = headers
        self.streets = _street_lookup(project)
        self.today = timezone.localdate()

    def header(self, key: str) -> str:
        return self.headers.get(key, BY_KEY[key].header)

    def check(
        self, values: dict[str, Any], name: str
    ) -> tuple[ImportedClientInput, list[str], list[str]]:
        def text(key: str) -> str:
            return cell_text(values.get(key))

        problems: list[str] = []
        notes: list[str] = []
        district = self.project.district
        raw_id = values.get("id_number")
        if isinstance(raw_id, str):
            raw_id = raw_id.strip().lstrip("'")
        street_text = text("street")
        street = self.streets.get(re.sub(r"\s+", "", street_text)) or self.streets.get(
            _street_base(street_text, district)
        )
        if not street_text:
            problems.append(
                _("The street of residence (%(column)s) is empty.")
                % {"column": self.header("street")}
            )
        elif street is None:
            problems.append(
                _("Unknown street “%(value)s”: not a street or town of %(district)s.")
                % {"value": street_text, "district": district.name}
            )
        household_address = text("household_address")
        codes, unknown = parse_priority_groups(text("priority_groups"))
        if unknown:
            problems.append(
                _("Unknown value “%(value)s” in %(column)s; accepted: %(accepted)s.")
                % {
                    "value": "、".join(unknown),
                    "column": self.header("priority_groups"),
                    "accepted": PRIORITY_ACCEPTED,
                }
            )
        level = parse_disability_level(text("disability_level"))
        if level is None:
            problems.append(
                _(
                    "Unknown value “%(value)s” in %(column)s; "
                    "write 一级, 二级, 三级 or 四级, or leave it empty."
                )
                % {"value": text("disability_level"), "column": self.header("disability_level")}
            )
        issued_on = self._date(
            values.get("disability_cert_issued_on"), "disability_cert_issued_on", problems
        )
        family = self._guardian(values, problems, notes)
        for key, limit in (("treating_hospital", 128),):
            if len(text(key)) > limit:
                problems.append(
                    _("%(column)s is longer than %(n)d characters.")
                    % {"column": self.header(key), "n": limit}
                )
        if len(name) > 64:
            problems.append(_("The name is longer than %(n)d characters.") % {"n": 64})
        data = ImportedClientInput(
            name=name,
            id_number=idcard.normalise(raw_id),
            raw_id=raw_id,
            # An unknown street is reported above; a stand-in in the district lets the project's
            # other rules still be checked, so that the report lists every problem at once.
            street=street or Division(code="", name=street_text, parent=district),
            household_district=district if district.name in household_address else None,
            household_address=household_address,
            address=text("address"),
            phone=text("phone"),
            diagnosis=text("diagnosis"),
            treating_hospital=text("treating_hospital"),
            medication=text("medication"),
            hospitalisation_history=text("hospitalisation_history"),
            disability_level=level or "",
            disability_cert_issued_on=issued_on,
            priority_groups=codes,
            notes=text("notes"),
            family=family,
        )
        problems = validate_intake(self.project, data) + problems
        self._compare_with_id(data.id_info, values, notes)
        return data, problems, notes

    def _date(self, value: Any, key: str, problems: list[str]) -> dt.date | None:
        try:
            day = parse_date(value)
        except ValueError:
            problems.append(
                _("The date “%(value)s” in %(column)s cannot be read; write it like 2020-01-02.")
                % {"value": cell_text(value), "column": self.header(key)}
            )
            return None
        if day is not None and day > self.today:
            problems.append(
                _("The date in %(column)s is in the future.") % {"column": self.header(key)}
            )
        return day

    def _guardian(
        self, values: dict[str, Any], problems: list[str], notes: list[str]
    ) -> list[FamilyInput]:
        name = _clean_name(cell_text(values.get("guardian_name")))
        phone = cell_text(values.get("guardian_phone"))
        relation_text = cell_text(values.get("guardian_relation"))
        if not name:
            if phone:
                problems.append(
                    _("%(phone)s is filled in but %(name)s is empty.")
                    % {"phone": self.header("guardian_phone"), "name": self.header("guardian_name")}
                )
            return []
        if len(name) > 64:
            problems.append(_("The guardian's name is longer than %(n)d characters.") % {"n": 64})
        relation = RELATION_WORDS.get(
            re.sub(r"\s+", "", relation_text), FamilyMember.Relation.OTHER
        )
        if relation_text and relation_text not in RELATION_WORDS:
            notes.append(
                _("Unknown relation “%(value)s” in %(column)s; recorded as “other”.")
                % {"value": relation_text, "column": self.header("guardian_relation")}
            )
        return [FamilyInput(name=name, relation=relation, is_guardian=True, phone=phone)]

    def _compare_with_id(
        self, info: idcard.IdInfo, values: dict[str, Any], notes: list[str]
    ) -> None:
        """性别 and 出生日期 are taken from the ID number; say so when the sheet disagrees."""
        if not info.valid:
            return
        sex = SEX_WORDS.get(cell_text(values.get("sex")).upper())
        if sex is not None and sex != info.sex:
            message = (
                _("%(column)s says %(value)s but the ID number is a man's; it is used.")
                if info.sex == "M"
                else _("%(column)s says %(value)s but the ID number is a woman's; it is used.")
            )
            notes.append(
                message % {"column": self.header("sex"), "value": cell_text(values.get("sex"))}
            )
        try:
            born = parse_date(values.get("birth_date"))
        except ValueError:
            born = None
        if born is not None and info.birth_date is not None and born != info.birth_date:
            notes.append(
                _(
                    "%(column)s says %(value)s but the ID number gives %(date)s; "
                    "the ID number is used."
                )
                % {
                    "column": self.header("birth_date"),
                    "value": born.isoformat(),
                    "date": info.birth_date.isoformat(),
                }
            )


def check_file(
    project: Project, path: Path, *, file_name: str = ""
) -> tuple[ImportResult, list[_Row]]:
    """Read and check every row without writing anything."""
    layout = find_layout(read_grids(path, file_name))
    grid = layout.grid
    result = ImportResult(
        file_name=file_name or path.name,
        sheet=grid.title,
        header_row=layout.header_row,
        ignored_columns=layout.ignored,
    )
    checker = _RowChecker(project, layout.headers)
    first_seen: dict[str, int] = {}
    rows: list[_Row] = []
    for sheet_row, cells in enumerate(grid.rows[layout.header_row :], start=layout.header_row + 1):
        values = {key: cells[i] if i < len(cells) else None for i, key in layout.columns.items()}
        if all(cell_text(v) == "" for k, v in values.items() if k != "serial"):
            continue  # blank, or numbered but not filled in
        serial = cell_text(values.get("serial"))
        name = _clean_name(cell_text(values.get("name")))
        id_text = cell_text(values.get("id_number"))
        if _is_totals(cells, name, id_text):
            result.notes.append(RowError(sheet_row, serial, name, [_("Totals row, skipped.")]))
            continue
        if sheet_row in grid.banners:
            result.notes.append(
                RowError(sheet_row, serial, "", [_("A title or note across the table, skipped.")])
            )
            continue
        data, problems, notes = checker.check(values, name)
        info = data.id_info
        if info.valid:
            if info.number in first_seen:
                problems.append(
                    _("The same ID number as sheet row %(row)d.") % {"row": first_seen[info.number]}
                )
            first_seen.setdefault(info.number, sheet_row)
        if notes:
            result.notes.append(RowError(sheet_row, serial, name, notes))
        if problems:
            result.errors.append(RowError(sheet_row, serial, name, problems))
        else:
            result.rows_ok += 1
            rows.append(_Row(sheet_row, serial, name, data))
    if result.rows_total == 0:
        raise ImportFileError(
            _("There are no client rows below the header (row %(row)d).")
            % {"row": layout.header_row}
        )
    return result, rows


class _RowRefused(Exception):
    def __init__(self, row: _Row, messages: list[str]) -> None:
        super().__init__(row.sheet_row)
        self.row = row
        self.messages = messages


def clients_import(
    *,
    project: Project,
    path: Path,
    acting_user: User | None,
    file_name: str = "",
    dry_run: bool = False,
    request: HttpRequest | None = None,
) -> ImportResult:
    """Check the file; unless it is a dry run or a row is refused, register every row as a client
    of ``project`` in one transaction with one audit event. Any failure writes nothing."""
    result, rows = check_file(project, path, file_name=file_name)
    result.dry_run = dry_run
    if dry_run or result.errors:
        return result
    try:
        with transaction.atomic():
            for row in rows:
                try:
                    client_register(
                        project=project,
                        data=row.data,
                        acting_user=acting_user,
                        request=request,
                        source="import",
                    )
                except ValidationError as exc:
                    raise _RowRefused(row, exc.messages) from exc
            record(
                actor=acting_user,
                kind=AuditEvent.Kind.CHANGE,
                action="client.import",
                obj=project,
                project_id=project.pk,
                request=request,
                detail={
                    "file": result.file_name,
                    "sheet": result.sheet,
                    "rows": len(rows),
                    "acting_as": acting_user.username if acting_user else "system",
                },
            )
    except _RowRefused as refused:
        row = refused.row
        result.rows_ok -= 1
        result.errors.append(RowError(row.sheet_row, row.serial, row.name, refused.messages))
        return result
    result.created = len(rows)
    return result
