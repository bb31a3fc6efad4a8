"""The columns of a client list: header names offices use, value parsing, and the template file.

Header names are data (what Chinese offices write above their columns), so they stay in Chinese;
explanations shown to users are translated.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet.datavalidation import DataValidation

from anxin.clients.models import FamilyMember, PriorityGroup
from anxin.core import idcard


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # canonical header, as written in the template
    synonyms: tuple[str, ...]
    required: bool
    help: Promise
    in_template: bool = True


COLUMNS: tuple[Column, ...] = (
    Column(
        "serial",
        "序号",
        ("编号",),
        False,
        gettext_lazy("Row number of your list; shown in the report."),
    ),
    Column("name", "姓名", ("服务对象姓名", "患者姓名"), True, gettext_lazy("Full name.")),
    Column(
        "id_number",
        "公民身份号码",
        ("身份证号", "身份证号码", "证件号码", "身份证", "居民身份证号码"),
        True,
        gettext_lazy(
            "18-character resident ID number. Format the column as text: a number typed into a "
            "number cell loses its last digits and is refused. Spaces, full-width digits and a "
            "lower-case x are accepted."
        ),
    ),
    Column("sex", "性别", (), False, gettext_lazy("Not needed: taken from the ID number."), False),
    Column(
        "birth_date",
        "出生日期",
        ("出生年月日",),
        False,
        gettext_lazy("Not needed: taken from the ID number."),
        False,
    ),
    Column(
        "household_address",
        "户籍地址",
        ("户籍所在地", "户籍地", "户口所在地"),
        False,
        gettext_lazy(
            "Address of household registration (户籍). The household is counted in the project's "
            "district when the address contains the district's name (for example 荔湾区)."
        ),
    ),
    Column(
        "street",
        "现居住街道",
        ("所属街道", "街道", "居住街道", "街镇"),
        True,
        gettext_lazy(
            "Street or town of residence in the project's district, e.g. 沙面街道 or 沙面."
        ),
    ),
    Column(
        "address",
        "现居住地址",
        ("居住地址", "家庭住址", "现住址", "住址"),
        False,
        gettext_lazy("Address where the person lives now."),
    ),
    Column(
        "phone",
        "联系电话",
        ("电话", "手机", "手机号码", "联系方式"),
        False,
        gettext_lazy("Phone number of the person."),
    ),
    Column(
        "guardian_name",
        "监护人姓名",
        ("监护人",),
        False,
        gettext_lazy("Name of the guardian; leave empty if there is none."),
    ),
    Column(
        "guardian_relation",
        "监护人关系",
        ("与监护人关系", "监护人与本人关系", "与本人关系"),
        False,
        gettext_lazy(
            "Guardian's relation to the person: 父亲, 母亲, 配偶, 子女, 兄弟姐妹, 祖父母, "
            "亲属 or 其他 (default 其他)."
        ),
    ),
    Column(
        "guardian_phone",
        "监护人电话",
        ("监护人联系电话", "监护人手机"),
        False,
        gettext_lazy("Phone number of the guardian (needs the guardian's name)."),
    ),
    Column(
        "priority_groups",
        "救助类别",
        ("困难类别", "优先群体", "困难类型", "救助类型"),
        False,
        gettext_lazy(
            "Any of 特困, 低保, 低保边缘, 支出型困难家庭, 孤寡, 独居, 留守, 空巢老人, 困境儿童; "
            "several separated by 、 , / or a space; empty if none."
        ),
    ),
    Column(
        "disability_level",
        "残疾等级",
        ("残疾级别", "残疾证等级"),
        False,
        gettext_lazy(
            "Disability certificate level: 一级, 二级, 三级, 四级 (or 1–4); empty if none."
        ),
    ),
    Column(
        "disability_cert_issued_on",
        "发证日期",
        ("残疾证发证日期",),
        False,
        gettext_lazy("Issue date of the disability certificate, e.g. 2020-01-02 or 2020年1月2日."),
    ),
    Column("diagnosis", "诊断", ("疾病诊断", "诊断结果"), False, gettext_lazy("Diagnosis.")),
    Column("medication", "服药情况", ("用药", "用药情况"), False, gettext_lazy("Medication.")),
    Column(
        "hospitalisation_history", "住院史", ("住院情况",), False, gettext_lazy("Hospital stays.")
    ),
    Column(
        "treating_hospital",
        "就诊医院",
        ("治疗医院",),
        False,
        gettext_lazy("Hospital treating the person (at most 128 characters)."),
    ),
    Column("notes", "备注", (), False, gettext_lazy("Anything else.")),
)
BY_KEY = {c.key: c for c in COLUMNS}
REQUIRED_KEYS = tuple(c.key for c in COLUMNS if c.required)

_HALFWIDTH = {ord("０") + i: ord("0") + i for i in range(10)} | {
    ord("／"): "/",
    ord("－"): "-",
    ord("．"): ".",
    ord("："): ":",
    ord("，"): ",",
    ord("（"): "(",
    ord("）"): ")",
}
_HEADER_NOISE = re.compile(r"[\s\u3000*＊:：]+")
_HEADER_BRACKETS = re.compile(r"\([^)]*\)$")


def halfwidth(text: str) -> str:
    return text.translate(_HALFWIDTH)


def cell_text(value: object) -> str:
    """A cell's value as the text a person reads in it."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).replace("\u3000", " ").replace("\xa0", " ").strip()


def normalise_header(value: object) -> str:
    """``联系电话（手机）``, ``身份证 号码*`` → the bare header name."""
    if value is None:
        return ""
    text = _HEADER_NOISE.sub("", halfwidth(str(value)))
    return _HEADER_BRACKETS.sub("", text)


HEADER_LOOKUP: dict[str, str] = {
    normalise_header(name): c.key for c in COLUMNS for name in (c.header, *c.synonyms)
}


def column_for_header(value: object) -> str | None:
    return HEADER_LOOKUP.get(normalise_header(value))


# Values -------------------------------------------------------------------------------------

EMPTY_WORDS = frozenset(
    {"", "无", "否", "/", "-", "—", "——", "－", "没有", "未办", "未办证", "无证"}
)

PRIORITY_WORDS: dict[str, str] = {
    "特困": PriorityGroup.TEKUN,
    "特困供养": PriorityGroup.TEKUN,
    "特困人员": PriorityGroup.TEKUN,
    "低保": PriorityGroup.DIBAO,
    "低保户": PriorityGroup.DIBAO,
    "低保边缘": PriorityGroup.DIBAO_EDGE,
    "低保边缘户": PriorityGroup.DIBAO_EDGE,
    "低保边缘家庭": PriorityGroup.DIBAO_EDGE,
    "支出型困难家庭": PriorityGroup.EXPENDITURE,
    "支出型困难": PriorityGroup.EXPENDITURE,
    "孤寡": PriorityGroup.GUGUA,
    "孤寡老人": PriorityGroup.GUGUA,
    "独居": PriorityGroup.ALONE,
    "独居老人": PriorityGroup.ALONE,
    "留守": PriorityGroup.LEFT_BEHIND,
    "留守儿童": PriorityGroup.LEFT_BEHIND,
    "留守老人": PriorityGroup.LEFT_BEHIND,
    "空巢老人": PriorityGroup.EMPTY_NEST,
    "空巢": PriorityGroup.EMPTY_NEST,
    "困境儿童": PriorityGroup.CHILD_IN_DIFFICULTY,
}
PRIORITY_ACCEPTED = "、".join(
    ["特困", "低保", "低保边缘", "支出型困难家庭", "孤寡", "独居", "留守", "空巢老人", "困境儿童"]
)
_PRIORITY_SPLIT = re.compile(r"[、,，/／;；|\s]+")


def parse_priority_groups(text: str) -> tuple[list[str], list[str]]:
    """Codes found, and the words that are not a known group."""
    codes: list[str] = []
    unknown: list[str] = []
    for word in _PRIORITY_SPLIT.split(text.strip()):
        if word in EMPTY_WORDS:
            continue
        code = PRIORITY_WORDS.get(word)
        if code is None:
            unknown.append(word)
        elif code not in codes:
            codes.append(code)
    return codes, unknown


_LEVEL_DIGITS = {
    "一": "1",
    "二": "2",
    "三": "3",
    "四": "4",
    "壹": "1",
    "贰": "2",
    "叁": "3",
    "肆": "4",
    "1": "1",
    "2": "2",
    "3": "3",
    "4": "4",
}
_LEVEL_IN_TEXT = re.compile(r"([一二三四壹贰叁肆1-4])\s*级")


def parse_disability_level(text: str) -> str | None:
    """``一级``, ``2``, ``一级精神残疾``, ``精神残疾三级`` → "1".."4".

    "" if there is no certificate; None if the text cannot be read."""
    text = halfwidth(text).strip()
    if text in EMPTY_WORDS:
        return ""
    if text in _LEVEL_DIGITS:
        return _LEVEL_DIGITS[text]
    found = {_LEVEL_DIGITS[m] for m in _LEVEL_IN_TEXT.findall(text)}
    return found.pop() if len(found) == 1 else None


RELATION_WORDS: dict[str, str] = {
    **dict.fromkeys(
        ["父亲", "母亲", "父", "母", "父母", "爸爸", "妈妈", "养父", "养母", "继父", "继母"],
        FamilyMember.Relation.PARENT,
    ),
    **dict.fromkeys(
        ["配偶", "丈夫", "妻子", "夫", "妻", "夫妻", "老公", "老婆"], FamilyMember.Relation.SPOUSE
    ),
    **dict.fromkeys(
        ["子女", "儿子", "女儿", "子", "女", "儿媳", "女婿"], FamilyMember.Relation.CHILD
    ),
    **dict.fromkeys(
        ["兄弟姐妹", "兄弟", "姐妹", "哥哥", "姐姐", "弟弟", "妹妹", "兄", "弟", "姐", "妹"],
        FamilyMember.Relation.SIBLING,
    ),
    **dict.fromkeys(
        ["祖父母", "祖父", "祖母", "外祖父", "外祖母", "爷爷", "奶奶", "外公", "外婆"],
        FamilyMember.Relation.GRANDPARENT,
    ),
    **dict.fromkeys(
        [
            "亲属",
            "其他亲属",
            "亲戚",
            "叔叔",
            "伯伯",
            "舅舅",
            "姑姑",
            "姨妈",
            "阿姨",
            "侄子",
            "侄女",
            "外甥",
            "外甥女",
            "孙子",
            "孙女",
        ],
        FamilyMember.Relation.OTHER_RELATIVE,
    ),
    **dict.fromkeys(
        ["其他", "其它", "朋友", "邻居", "居委会", "村委会", "单位"], FamilyMember.Relation.OTHER
    ),
}

SEX_WORDS = {"男": "M", "男性": "M", "M": "M", "女": "F", "女性": "F", "F": "F"}

_DATE_SEPARATED = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?"
)
_DATE_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")


def parse_date(value: object) -> dt.date | None:
    """A date from an Excel date, an Excel serial number or text (2020-01-02, 2020/1/2,
    2020年1月2日, 20200102). None if empty; ValueError if it cannot be read."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer() and 19000101 <= value <= 21001231:
            return parse_date(str(int(value)))
        if 10000 <= value <= 80000:  # an Excel serial day number (1927–2119) in a number cell
            converted = from_excel(value)
            return converted.date() if isinstance(converted, dt.datetime) else None
        raise ValueError(value)
    text = halfwidth(str(value)).strip()
    if text in EMPTY_WORDS:
        return None
    match = _DATE_SEPARATED.fullmatch(text) or _DATE_COMPACT.fullmatch(text)
    if match is None:
        raise ValueError(text)
    year, month, day = (int(g) for g in match.groups()[:3])
    return dt.date(year, month, day)


# The template ------------------------------------------------------------------------------

EXAMPLE_ID17 = "44010319800101001"
EXAMPLE: dict[str, str] = {
    "serial": "1",
    "name": "张三",
    "id_number": EXAMPLE_ID17 + idcard.check_char(EXAMPLE_ID17),
    "household_address": "广东省广州市荔湾区沙面街道1号",
    "street": "沙面街道",
    "address": "广州市荔湾区沙面北街12号",
    "phone": "13800138000",
    "guardian_name": "张母",
    "guardian_relation": "母亲",
    "guardian_phone": "13900139000",
    "priority_groups": "低保、独居",
    "disability_level": "二级",
    "disability_cert_issued_on": "2020-01-02",
    "diagnosis": "精神分裂症",
    "medication": "按时服药",
    "hospitalisation_history": "2019年住院一次",
    "treating_hospital": "广州市惠爱医院",
    "notes": "",
}
HELP_SHEET = "填写说明"
_TEXT_ROWS = 500  # cells pre-formatted as text so that ID numbers are not turned into numbers


def build_template() -> bytes:
    """An .xlsx with the header row, one example row and a sheet documenting every column."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "服务对象名单"
    columns = [c for c in COLUMNS if c.in_template]
    sheet.append([c.header for c in columns])
    sheet.append([EXAMPLE[c.key] for c in columns])
    for index, column in enumerate(columns, start=1):
        sheet.cell(row=1, column=index).font = Font(bold=True)
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = 22 if column.key == "id_number" else 14
        if column.key in ("id_number", "phone", "guardian_phone"):
            for row in range(2, _TEXT_ROWS + 2):
                sheet.cell(row=row, column=index).number_format = "@"
        if column.key == "disability_level":
            levels = DataValidation(type="list", formula1='"一级,二级,三级,四级"', allow_blank=True)
            sheet.add_data_validation(levels)
            levels.add(f"{letter}2:{letter}{_TEXT_ROWS + 1}")
    sheet.freeze_panes = "A2"

    notes = book.create_sheet(HELP_SHEET)
    notes.append([_("Column"), _("Required"), _("What to write"), _("Other accepted column names")])
    for column in COLUMNS:
        notes.append(
            [
                column.header,
                _("required") if column.required else _("optional"),
                str(column.help),
                "、".join(column.synonyms),
            ]
        )
    notes.append([])
    for line in (
        _("The header row may have title rows above it; extra columns are ignored."),
        _("The example row (张三) is synthetic: replace it with your clients."),
        _("Nothing is imported unless every row is valid; the report lists every problem by row."),
    ):
        notes.append([line])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for letter, width in (("A", 16), ("B", 10), ("C", 70), ("D", 36)):
        notes.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
