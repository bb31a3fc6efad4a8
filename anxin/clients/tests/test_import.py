"""Bulk import of client lists (R2.5): the importer and the ``import-clients`` command.

The upload page and the template download are tested in ``test_import_page.py``.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command, load_command_class
from django.core.management.base import CommandError
from django.db import connection

from anxin.audit.models import AuditEvent
from anxin.cases.models import Case
from anxin.clients import importer
from anxin.clients.import_columns import (
    parse_date,
    parse_disability_level,
    parse_priority_groups,
)
from anxin.clients.import_files import ImportFileError
from anxin.clients.importer import clients_import
from anxin.clients.models import Client, FamilyMember
from anxin.core import idcard
from anxin.core.testing import World, make_id

DATA = Path(__file__).parent / "data"
SAMPLE = DATA / "sample-client-list-liwan.xlsx"
FULLWIDTH = {ord(c): ord(c) + 0xFEE0 for c in "0123456789"}


def corrected_sample(tmp_path: Path) -> Path:
    """The sample with its three bad rows put right, as an office would after reading the report."""
    book = openpyxl.load_workbook(SAMPLE)
    sheet = book.active
    assert sheet["A11"].value == 8 and sheet["A16"].value == 13 and sheet["A24"].value == 21
    sheet["D11"] = make_id("44010320130207870")  # check character corrected
    sheet["D16"] = make_id("44010319740206101")  # typed again, as text
    sheet["B24"] = "赵六"  # name filled in
    target = tmp_path / "名单-已更正.xlsx"
    book.save(target)
    return target


def id_with_check_x() -> str:
    for n in range(1000):
        id17 = f"44010319900101{n:03d}"
        if idcard.check_char(id17) == "X":
            return id17 + "X"
    raise AssertionError("no ID ending in X found")


def write_csv(
    tmp_path: Path, lines: list[str], encoding: str = "gb18030", name: str = "list.csv"
) -> Path:
    target = tmp_path / name
    target.write_bytes("\r\n".join(lines).encode(encoding))
    return target


def run(world: World, path: Path, **kwargs: Any) -> importer.ImportResult:
    return clients_import(project=world.liwan, path=path, acting_user=world.worker, **kwargs)


# The sample file ---------------------------------------------------------------------------


def test_sample_refuses_exactly_three_rows_and_writes_nothing(world: World) -> None:
    before = (Client.objects.count(), Case.objects.count(), FamilyMember.objects.count())
    result = run(world, SAMPLE)
    assert [(e.sheet_row, e.serial) for e in result.errors] == [(11, "8"), (16, "13"), (24, "21")]
    assert [e.name for e in result.errors] == ["段燕军", "雷平", ""]
    assert all(e.messages for e in result.errors)
    assert str(idcard.parse(4.40103198503141e17).error) in result.errors[1].messages[0]
    assert result.rows_ok == 37 and result.rows_total == 40 and result.created == 0
    assert result.header_row == 3 and result.ignored_columns == []
    # The totals row (合计 / 40人) is skipped as a note, not refused.
    assert [(n.sheet_row, n.messages) for n in result.notes if n.sheet_row == 45]
    assert (Client.objects.count(), Case.objects.count(), FamilyMember.objects.count()) == before
    assert not AuditEvent.objects.filter(action__in=["client.import", "client.register"]).exists()


def test_corrected_sample_imports_forty_clients(world: World, tmp_path: Path) -> None:
    result = run(world, corrected_sample(tmp_path))
    assert result.errors == [] and result.created == 40 and result.rows_ok == 40
    assert Client.objects.count() == 40
    assert Case.objects.filter(project=world.liwan, status=Case.Status.OPEN).count() == 40
    guardians = FamilyMember.objects.filter(is_guardian=True, relation=FamilyMember.Relation.OTHER)
    assert guardians.count() == 40

    lu = Client.objects.get(name="卢国梓")
    assert lu.id_number == "440103199310080315"  # spaces removed
    assert (lu.street.name, lu.household_district_id) == ("彩虹街道", "440103")
    assert lu.priority_group_codes == ["dibao"] and lu.disability_level == "3"
    assert lu.family_members.get().name == "曹某"
    assert lu.family_members.get().phone == "13989343270"
    assert Client.objects.get(name="陶丽").id_number == "440103195201020294"  # full-width digits
    assert Client.objects.get(name="顾军").id_number.endswith("X")
    assert Client.objects.get(name="尹红").priority_groups == ""  # no 救助类别: allowed in Liwan
    assert Client.objects.get(name="付轩").priority_group_codes == ["expenditure"]

    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM clients_client")
        stored = cursor.fetchall()
    assert "440103199310080315" not in str(stored) and "13874747711" not in str(stored)

    event = AuditEvent.objects.get(action="client.import")
    assert event.actor == world.worker and event.project_id == world.liwan.pk
    assert event.detail["rows"] == 40 and event.detail["file"] == "名单-已更正.xlsx"
    assert (
        AuditEvent.objects.filter(action="client.register", detail__source="import").count() == 40
    )


def test_dry_run_writes_nothing(world: World, tmp_path: Path) -> None:
    result = run(world, corrected_sample(tmp_path), dry_run=True)
    assert result.dry_run and result.rows_ok == 40 and result.created == 0
    assert Client.objects.count() == 0


def test_second_import_of_the_same_list_is_refused(world: World, tmp_path: Path) -> None:
    path = corrected_sample(tmp_path)
    assert run(world, path).created == 40
    again = run(world, path)
    assert len(again.errors) == 40 and again.created == 0
    assert Case.objects.count() == 40


# CSV and office variations -----------------------------------------------------------------

HEADER = (
    "序号,姓名,身份证号,性别,所属街道,户籍所在地,家庭住址,手机,困难类别,残疾级别,残疾证发证日期,"
    "监护人姓名,监护人关系,监护人电话,疾病诊断,用药,住院史,治疗医院,民族,备注"
)


def test_csv_in_gb18030_with_title_row(world: World, tmp_path: Path) -> None:
    with_x = id_with_check_x()
    lines = [
        "荔湾区精神障碍社区康复服务对象名单,,,,",
        "填报单位：沙面街道办,,,,",
        HEADER,
        f"1,张 三,{make_id('44010319800101001')},男,沙面,广东省广州市荔湾区沙面街道1号,"
        "沙面北街12号,"
        "13800138000,低保、独居,一级精神残疾,2020/1/2,张母,母亲,13900139000,精神分裂症,利培酮,"
        "2019年住院一次,广州市惠爱医院,汉族,",
        f"2,李四,{with_x.lower()},,岭南街道,广东省广州市荔湾区岭南街道2号,,,支出型困难/空巢,2,"
        "2021年3月4日,李父,父亲,,,,,,汉族,按时复诊",
        f"3,王五,{make_id('44010319700505003').translate(FULLWIDTH)},"
        "女,华林街道,广东省广州市荔湾区华林街道3号,,,,,20220506,,,,,,,,,",
        "合计,3人,,,",
    ]
    result = run(world, write_csv(tmp_path, lines))
    assert result.errors == [] and result.created == 3, result.errors
    assert result.header_row == 3 and result.ignored_columns == ["民族"]
    # 王五 is a man by his ID number: the sheet's 女 is noted, the ID number wins.
    assert [n.sheet_row for n in result.notes] == [6, 7]
    zhang = Client.objects.get(name="张三")
    assert zhang.street.name == "沙面街道" and zhang.address == "沙面北街12号"
    assert zhang.priority_group_codes == ["dibao", "alone"]
    assert (zhang.disability_level, zhang.disability_cert_issued_on) == ("1", dt.date(2020, 1, 2))
    assert (zhang.diagnosis, zhang.medication, zhang.treating_hospital) == (
        "精神分裂症",
        "利培酮",
        "广州市惠爱医院",
    )
    assert zhang.hospitalisation_history == "2019年住院一次"
    mother = zhang.family_members.get()
    assert (mother.relation, mother.is_guardian, mother.phone) == ("parent", True, "13900139000")
    li = Client.objects.get(name="李四")
    assert li.id_number == with_x and li.notes == "按时复诊"
    assert li.priority_group_codes == ["expenditure", "empty_nest"]
    assert (li.disability_level, li.disability_cert_issued_on) == ("2", dt.date(2021, 3, 4))
    assert Client.objects.get(name="王五").disability_cert_issued_on == dt.date(2022, 5, 6)
    assert Client.objects.get(name="王五").sex == "M"


def test_utf8_csv_and_unknown_street_is_refused_naming_the_value(
    world: World, tmp_path: Path
) -> None:
    lines = [
        "姓名,公民身份号码,现居住街道,户籍地址",
        f"张三,{make_id('44010319800101001')},火星街道,广州市荔湾区",
        f"李四,{make_id('44010319800101002')},沙面街道,广州市荔湾区",
    ]
    result = run(world, write_csv(tmp_path, lines, encoding="utf-8-sig"))
    assert [e.sheet_row for e in result.errors] == [2]
    assert any("火星街道" in m for m in result.errors[0].messages)
    assert result.rows_ok == 1 and Client.objects.count() == 0


def test_tab_separated_utf16_text_from_excel(world: World, tmp_path: Path) -> None:
    lines = [
        "姓名\t公民身份号码\t现居住街道\t户籍地址",
        f"张三\t{make_id('44010319800101001')}\t沙面\t荔湾区",
    ]
    result = run(world, write_csv(tmp_path, lines, encoding="utf-16", name="list.csv"))
    assert result.errors == [] and result.created == 1


def test_every_problem_of_a_row_is_listed(world: World, tmp_path: Path) -> None:
    lines = [
        "姓名,公民身份号码,现居住街道,户籍地址,救助类别,残疾等级,发证日期,监护人电话",
        f",{make_id('44010319800101001')[:17]},火星街道,北京市东城区,低保、富豪,五级,明年,13900139000",
    ]
    result = run(world, write_csv(tmp_path, lines))
    messages = " ".join(result.errors[0].messages)
    assert len(result.errors[0].messages) == 8, result.errors[0].messages
    for value in ("火星街道", "富豪", "五级", "明年", "荔湾区"):
        assert value in messages


def test_duplicate_ids_in_the_file_are_refused(world: World, tmp_path: Path) -> None:
    same = make_id("44010319800101001")
    lines = [
        "姓名,公民身份号码,现居住街道,户籍地址",
        f"张三,{same},沙面街道,荔湾区",
        f"张三,{same[:6]} {same[6:14]} {same[14:]},沙面街道,荔湾区",
    ]
    result = run(world, write_csv(tmp_path, lines))
    assert [e.sheet_row for e in result.errors] == [3]
    assert "2" in result.errors[0].messages[-1]


def test_xlsx_with_two_level_header_merged_cells_and_numbered_blank_rows(
    world: World, tmp_path: Path
) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["服务对象名单"])
    sheet.merge_cells("A1:F1")
    sheet.append(["姓名", "身份证号码", "街道", "户籍地址", "监护人", None])
    sheet.append([None, None, None, None, "姓名", "电话"])
    for col in "ABCD":
        sheet.merge_cells(f"{col}2:{col}3")
    sheet.merge_cells("E2:F2")
    sheet.append(["张三", make_id("44010319800101001"), "沙面街道", "荔湾区", "张母", 13900139000])
    sheet.append(["李四", make_id("44010319800101002"), None, "荔湾区", "李父", None])
    sheet.merge_cells("C4:C5")  # one street for both rows, as offices merge it
    sheet.append(["第二页", None, None, None, None, None])
    sheet.merge_cells("A6:F6")
    sheet.append([None] * 6)
    path = tmp_path / "two-level.xlsx"
    book.save(path)
    result = run(world, path)
    assert result.errors == [] and result.created == 2 and result.header_row == 3
    assert Client.objects.get(name="李四").street.name == "沙面街道"
    assert Client.objects.get(name="张三").family_members.get().phone == "13900139000"
    assert [n.sheet_row for n in result.notes] == [6]


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"not a workbook", "list.xlsx"),
        (b"a,b", "list.xls"),
        (b"x", "list.txt"),
        (b"x,y\n1,2", "l.csv"),
    ],
)
def test_unreadable_files_raise_a_clear_error(
    world: World, tmp_path: Path, content: bytes, name: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ImportFileError) as excinfo:
        run(world, path)
    assert excinfo.value.message


# All or nothing ----------------------------------------------------------------------------


def test_failure_midway_rolls_everything_back(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = importer.client_register
    calls: list[int] = []

    def failing(**kwargs: Any) -> Case:
        calls.append(1)
        if len(calls) == 5:
            raise RuntimeError("disk full")
        return real(**kwargs)

    monkeypatch.setattr(importer, "client_register", failing)
    with pytest.raises(RuntimeError):
        run(world, corrected_sample(tmp_path))
    assert len(calls) == 5
    assert Client.objects.count() == 0 and Case.objects.count() == 0
    assert FamilyMember.objects.count() == 0
    assert not AuditEvent.objects.filter(action__in=["client.import", "client.register"]).exists()


def test_row_refused_while_writing_is_reported_and_nothing_kept(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = importer.client_register

    def refusing(**kwargs: Any) -> Case:
        if kwargs["data"].name == "魏萍明":
            raise ValidationError(["registered meanwhile by someone else"])
        return real(**kwargs)

    monkeypatch.setattr(importer, "client_register", refusing)
    result = run(world, corrected_sample(tmp_path))
    assert [(e.sheet_row, e.messages) for e in result.errors] == [
        (12, ["registered meanwhile by someone else"])
    ]
    assert result.created == 0 and Client.objects.count() == 0


# Value parsing -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        dt.datetime(2020, 1, 2),
        "2020-01-02",
        "2020/1/2",
        "2020年1月2日",
        "20200102",
        20200102,
        "２０２０年１月２日",
        43832,
        "2020-01-02 00:00:00",
        "2020.1.2",
    ],
)
def test_dates(value: object) -> None:
    assert parse_date(value) == dt.date(2020, 1, 2)


@pytest.mark.parametrize("value", ["2020-13-01", "明年", "2020年1月", 12.5])
def test_unreadable_dates(value: object) -> None:
    with pytest.raises(ValueError):
        parse_date(value)


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("一级", "1"),
        ("2", "2"),
        ("三级精神残疾", "3"),
        ("精神残疾四级", "4"),
        ("", ""),
        ("无", ""),
        ("五级", None),
        ("重度", None),
    ],
)
def test_disability_levels(text: str, level: str | None) -> None:
    assert parse_disability_level(text) == level


def test_priority_groups() -> None:
    assert parse_priority_groups("特困、低保边缘，支出型困难 空巢/困境儿童") == (
        ["tekun", "dibao_edge", "expenditure", "empty_nest", "child_in_difficulty"],
        [],
    )
    assert parse_priority_groups("低保,富豪") == (["dibao"], ["富豪"])
    assert parse_priority_groups("无") == ([], [])


# The command -------------------------------------------------------------------------------


def command(*args: str) -> str:
    out = io.StringIO()
    call_command("import-clients", *args, stdout=out)
    return out.getvalue()


def test_command_refuses_the_sample_and_reports_the_rows(world: World) -> None:
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import-clients", "lw", str(SAMPLE), stdout=out)
    report = out.getvalue()
    for row, name in (("11", "段燕军"), ("16", "雷平"), ("24", "")):
        assert row in report and name in report
    assert Client.objects.count() == 0


def test_command_exit_code_is_non_zero_on_refusal(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    cmd = load_command_class("anxin.clients", "import-clients")
    with pytest.raises(SystemExit) as excinfo:
        cmd.run_from_argv(["anxin", "import-clients", "lw", str(SAMPLE)])
    assert excinfo.value.code == 1
    assert "CommandError" in capsys.readouterr().err


def test_command_imports_the_corrected_list(world: World, tmp_path: Path) -> None:
    path = str(corrected_sample(tmp_path))
    assert "40" in command("lw", path, "--dry-run")
    assert Client.objects.count() == 0
    report = command("lw", path, "--as", "worker")
    assert "40" in report and Client.objects.count() == 40
    assert AuditEvent.objects.get(action="client.import").actor == world.worker


def test_command_without_acting_user_records_system(world: World, tmp_path: Path) -> None:
    command("lw", str(corrected_sample(tmp_path)))
    event = AuditEvent.objects.get(action="client.import")
    assert event.actor is None and event.detail["acting_as"] == "system"


@pytest.mark.parametrize(
    "args",
    [
        ("lw", "/nonexistent/list.xlsx"),
        ("lw", str(DATA / "nothing.txt")),
        ("no-such-project", str(SAMPLE)),
        ("lw", str(SAMPLE), "--as", "supervisor"),
        ("lw", str(SAMPLE), "--as", "outsider"),
        ("lw", str(SAMPLE), "--as", "nobody"),
    ],
)
def test_command_errors(world: World, args: tuple[str, ...]) -> None:
    with pytest.raises(CommandError) as excinfo:
        command(*args)
    assert str(excinfo.value)
    assert Client.objects.count() == 0
