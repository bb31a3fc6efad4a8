"""Properties of the client importer on generated lists: junk in any column gives row errors in
the report (or a refusal of the whole file), never another exception; a refused import changes
nothing; a list of valid rows is imported whole. Each example runs in a savepoint that is rolled
back, so the examples do not see each other's clients."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from anxin.audit.models import AuditEvent
from anxin.cases.models import Case
from anxin.clients.import_columns import (
    BY_KEY,
    EXAMPLE,
    cell_text,
    normalise_header,
    parse_date,
    parse_disability_level,
    parse_priority_groups,
)
from anxin.clients.import_files import ImportFileError, read_grids
from anxin.clients.importer import clients_import
from anxin.clients.models import Client, FamilyMember
from anxin.core import idcard
from anxin.core.testing import World

KEYS = [key for key in EXAMPLE if key in BY_KEY]
STREETS = ["沙面街道", "多宝街道", "彩虹街道", "岭南街道", "华林街道"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂"
DB_SETTINGS = settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PURE_SETTINGS = settings(max_examples=200, deadline=None)

JUNK = st.one_of(
    st.text(max_size=30),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=20),
    st.sampled_from(
        [
            "",
            " ",
            "\u3000",
            "=cmd|' /C calc'!A0",
            '=HYPERLINK("http://example.invalid","点我")',
            "+1+1",
            "-2+3",
            "@SUM(1,1)",
            "#N/A",
            "无",
            "不详",
            "2020.13.45",
            "二〇二〇年一月二日",
            "31/12/2020",
            "2020年2月30日",
            "19000101",
            "4.40103198503141e17",
            "44010319800101001X",
            "１２３",
            "\x00",
            "a\tb\nc",
            "长" * 5000,
        ]
    ),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.dates(min_value=dt.date(1800, 1, 1), max_value=dt.date(2200, 12, 31)),
)


def _id(birth: dt.date, seq: int) -> str:
    first17 = f"440103{birth:%Y%m%d}{seq:03d}"
    return first17 + idcard.check_char(first17)


@st.composite
def valid_rows(draw: st.DrawFn, min_size: int = 1, max_size: int = 4) -> list[dict[str, Any]]:
    count = draw(st.integers(min_size, max_size))
    seqs = draw(st.lists(st.integers(0, 999), min_size=count, max_size=count, unique=True))
    rows = []
    for index, seq in enumerate(seqs):
        birth = draw(st.dates(dt.date(1940, 1, 1), dt.date(2005, 12, 31)))
        name = draw(st.sampled_from(SURNAMES)) + draw(
            st.text(alphabet=GIVEN, min_size=1, max_size=2)
        )
        row = dict(EXAMPLE)
        row.update(
            serial=str(index + 1),
            name=name,
            id_number=_id(birth, seq),
            street=draw(st.sampled_from(STREETS)),
            phone=f"13{draw(st.integers(0, 999999999)):09d}",
            guardian_phone=f"15{draw(st.integers(0, 999999999)):09d}",
        )
        rows.append(row)
    return rows


def write(tmp: Path, rows: list[dict[str, Any]], kind: str) -> Path:
    headers = [BY_KEY[k].header for k in KEYS]
    if kind == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(headers)
        for row in rows:
            writer.writerow([cell_text(row.get(k)) for k in KEYS])
        path = tmp / "名单.csv"
        path.write_bytes(out.getvalue().encode("utf-8-sig"))
        return path
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["荔湾区服务对象名单"])  # a title row above the header, as offices do
    sheet.append(headers)
    for row in rows:
        values = [
            ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v
            for v in (row.get(k) for k in KEYS)
        ]
        # openpyxl would write "=…" as a formula and refuse control characters: as a person
        # typing into Excel, such texts stay text.
        sheet.append(values)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    path = tmp / "名单.xlsx"
    book.save(path)
    return path


def counts() -> tuple[int, int, int, int]:
    return (
        Client.objects.count(),
        Case.objects.count(),
        FamilyMember.objects.count(),
        AuditEvent.objects.filter(action__in=["client.import", "client.register"]).count(),
    )


def import_in_savepoint(world: World, path: Path) -> Any:
    """Run the import inside a savepoint rolled back afterwards; return what it returned (or the
    ImportFileError) with the counts just before and after it."""
    with transaction.atomic():
        before = counts()
        try:
            outcome: Any = clients_import(
                project=world.liwan, path=path, acting_user=world.worker, file_name=path.name
            )
        except ImportFileError as exc:
            outcome = exc
        after = counts()
        transaction.set_rollback(True)
    return outcome, before, after


@DB_SETTINGS
@given(rows=valid_rows(), kind=st.sampled_from(["xlsx", "csv"]))
def test_valid_rows_are_all_imported(
    world: World, tmp_path: Path, rows: list[dict[str, Any]], kind: str
) -> None:
    result, before, after = import_in_savepoint(world, write(tmp_path, rows, kind))
    assert not isinstance(result, ImportFileError), result.message
    assert result.errors == [], [(e.sheet_row, e.messages) for e in result.errors]
    assert result.created == result.rows_ok == len(rows)
    assert after[0] - before[0] == len(rows) and after[1] - before[1] == len(rows)
    assert after[3] - before[3] == len(rows) + 1  # one register event per row, one import event


@DB_SETTINGS
@given(
    rows=valid_rows(max_size=3),
    junk=st.lists(
        st.tuples(st.integers(0, 2), st.sampled_from(KEYS), JUNK), min_size=1, max_size=6
    ),
    kind=st.sampled_from(["xlsx", "csv"]),
)
def test_junk_gives_a_report_or_a_refusal_and_a_refused_import_changes_nothing(
    world: World,
    tmp_path: Path,
    rows: list[dict[str, Any]],
    junk: list[tuple[int, str, Any]],
    kind: str,
) -> None:
    for index, key, value in junk:
        rows[index % len(rows)][key] = value
    outcome, before, after = import_in_savepoint(world, write(tmp_path, rows, kind))
    if isinstance(outcome, ImportFileError):
        assert outcome.message and after == before
        return
    assert outcome.rows_total <= len(rows)
    for error in outcome.errors:
        assert error.messages and all(isinstance(m, str) and m for m in error.messages)
    if outcome.errors:
        assert outcome.created == 0 and after == before  # all or nothing
    else:
        assert outcome.created == outcome.rows_ok
        assert after[0] - before[0] == outcome.created


@DB_SETTINGS
@given(rows=valid_rows(min_size=2, max_size=4), bad=st.integers(0, 3))
def test_one_bad_id_refuses_the_whole_list(
    world: World, tmp_path: Path, rows: list[dict[str, Any]], bad: int
) -> None:
    row = rows[bad % len(rows)]
    number = row["id_number"]
    wrong = "0" if number[-1] != "0" else "1"
    row["id_number"] = number[:-1] + wrong
    outcome, before, after = import_in_savepoint(world, write(tmp_path, rows, "xlsx"))
    assert [e.sheet_row for e in outcome.errors] == [3 + bad % len(rows)]
    assert outcome.created == 0 and after == before


# The readers and cell parsers on their own -------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".csv", ".xlsx"]))
def test_any_bytes_are_read_or_refused_as_a_file_problem(
    tmp_path_factory: pytest.TempPathFactory, data: bytes, suffix: str
) -> None:
    path = tmp_path_factory.mktemp("read") / f"list{suffix}"
    path.write_bytes(data)
    try:
        grids = read_grids(path)
    except ImportFileError as exc:
        assert exc.message
    else:
        assert all(isinstance(g.rows, list) for g in grids)


@settings(max_examples=40, deadline=None)
@given(data=st.binary(min_size=30, max_size=300))
def test_damaged_workbooks_are_refused_as_a_file_problem(
    tmp_path_factory: pytest.TempPathFactory, data: bytes
) -> None:
    book = io.BytesIO()
    openpyxl.Workbook().save(book)
    whole = book.getvalue()
    at = len(data) % len(whole)
    path = tmp_path_factory.mktemp("damaged") / "list.xlsx"
    path.write_bytes(whole[:at] + data + whole[at + len(data) :])
    try:
        read_grids(path)
    except ImportFileError as exc:
        assert exc.message


@PURE_SETTINGS
@given(value=JUNK | st.datetimes() | st.none())
def test_cell_parsers_never_raise_unexpectedly(value: Any) -> None:
    text = cell_text(value)
    assert isinstance(text, str) and text == text.strip()
    assert isinstance(normalise_header(value), str)
    try:
        parsed = parse_date(value)
    except ValueError:
        parsed = None
    assert parsed is None or isinstance(parsed, dt.date)
    codes, unknown = parse_priority_groups(text)
    assert all(isinstance(c, str) for c in codes) and all(isinstance(u, str) for u in unknown)
    assert parse_disability_level(text) in (None, "", "1", "2", "3", "4")


@PURE_SETTINGS
@given(date=st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)))
def test_dates_in_the_formats_offices_use_read_back_the_same(date: dt.date) -> None:
    for text in (
        date.isoformat(),
        f"{date.year}/{date.month}/{date.day}",
        f"{date.year}年{date.month}月{date.day}日",
        f"{date:%Y%m%d}",
        f"{date.year}.{date.month:02d}.{date.day:02d}",
    ):
        assume(text)
        assert parse_date(text) == date, text


# The command -------------------------------------------------------------------------------


@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    data=st.binary(max_size=300) | st.sampled_from([b"", b"\xff\xfe\x00", b"PK\x03\x04junk"]),
    name=st.sampled_from(["list.csv", "list.xlsx", "list.xls", "list.txt", "list"]),
)
def test_the_command_answers_any_file_with_a_report_or_a_command_error(
    world: World, tmp_path: Path, data: bytes, name: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    out = io.StringIO()
    with transaction.atomic():
        try:
            call_command("import-clients", "lw", str(path), stdout=out)
        except CommandError as exc:
            assert str(exc)
        assert Client.objects.count() == 0
        transaction.set_rollback(True)


@pytest.mark.parametrize("where", ["missing.csv", "missing.xlsx", "folder.csv"])
def test_the_command_refuses_a_path_that_is_no_file(
    world: World, tmp_path: Path, where: str
) -> None:
    (tmp_path / "folder.csv").mkdir()
    with pytest.raises(CommandError):
        call_command("import-clients", "lw", str(tmp_path / where), stdout=io.StringIO())
