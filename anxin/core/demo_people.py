"""Synthetic people for the demo: names, valid ID numbers, addresses, diagnoses, families.

Plausible for the two districts of the tenders (荔湾区 440103, 崇川区 320613) and deterministic
for a given ``random.Random``. Nobody here is real; the ID numbers pass GB 11643 but are made up.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from anxin.clients.intake import ClientInput, FamilyInput
from anxin.core.idcard import check_char
from anxin.core.models import Division

AS_OF = dt.date(2026, 11, 16)  # ages and dates are computed on this day, not on today


@dataclass(frozen=True)
class Plan:
    data: ClientInput
    opened_on: dt.date
    waiting: bool


SURNAMES = {
    "440103": "陈陈李李黄黄梁梁张林何罗郑谢冯邓吴周麦卢叶蔡潘余杜区郭钟刘朱苏关简谭",
    "320613": "张张王王陈陈顾顾陆陆朱徐季施曹黄吴刘周钱范沈姜丁缪孙杨冯袁瞿邱葛茅",
}
GIVEN = {
    "M": "伟强军志明建华国俊杰浩斌海涛辉勇健永锦荣家文炳德耀振宇鹏立嘉卫东兴新晨",
    "F": "丽敏静婷燕芳玉霞秀娟美慧雪琳洁红梅桂凤英颖欣嘉诗咏翠玲彩月淑素",
}
PHONE_PREFIXES = [
    *(f"13{d}" for d in "012356789"),
    *(f"15{d}" for d in "0125679"),
    *(f"18{d}" for d in "0126789"),
]
ROADS = {
    "440103": [
        "沙面北街 沙面大街",
        "和平中路 光复南路",
        "康王中路 下九路",
        "多宝路 宝华路",
        "昌华大街 宝源路",
        "逢源路 逢源北街",
        "龙津东路 龙津中路",
        "西华路 荔湾路",
        "中山八路 周门路",
        "南岸路 西湾路",
        "西增路 广雅路",
        "站前路 站西路",
        "桥中中路 桥中南路",
        "鹤洞路 芳村大道南",
        "芳村大道中 冲口东街",
        "花地大道北 花地大道中",
        "芳村大道东 石围塘路",
        "茶滘路 芳村大道中",
        "东漖北路 东漖南路",
        "龙溪大道 海北路",
        "东沙大道 东沙街",
        "中南街 芳村大道西",
    ],
    "320613": [
        "工农南路 青年东路",
        "人民中路 建设路",
        "任港路 城港路",
        "青年中路 濠西路",
        "虹桥路 跃龙路",
        "桃坞路 学田路",
        "钟秀中路 钟秀东路",
        "濠南路 南大街",
        "新开南路 园林路",
        "狼山路 啬园路",
        "永兴大道 通刘路",
        "通扬北路 长平路",
        "港闸路 天生港路",
        "秦灶路 通刘路",
        "陈桥路 通扬路",
        "幸福路 长江北路",
    ],
}
PREFIX = {"440103": ("荔湾区", "广东省广州市荔湾区"), "320613": ("崇川区", "江苏省南通市崇川区")}
# Address codes in force when older people were registered (GB 11643 keeps them): Liwan took in
# 芳村区 440107 in 2005 (streets 014–022); Chongchuan 320613 was formed in 2020 from 崇川区 320602
# and 港闸区 320611 (streets 016–021).
OLD_CODES = {
    "440103": ((14, "440107", 2005),),
    "320613": ((16, "320611", 2020), (0, "320602", 2020)),
}
ELSEWHERE = {  # born elsewhere in the province
    "440103": "440104 440105 440106 440111 440183 440606 440513 441521 440823 440981 445102",
    "320613": "320623 320681 320682 320684 320621 321002 320902",
}
HOSPITALS = {
    "440103": (
        "广州医科大学附属脑科医院",
        "广州医科大学附属脑科医院",
        "广州市荔湾区精神卫生中心",
        "中山大学附属第三医院",
        "广东省人民医院",
    ),
    "320613": (
        "南通市第四人民医院",
        "南通市第四人民医院",
        "南通大学附属医院",
        "南通市第一人民医院",
    ),
}
# diagnosis, ICD-10, weight, who (all / adult) | usual medication regimens, one of which is taken
DIAGNOSIS_TABLE = """
精神分裂症 F20 50 adult | 利培酮 2mg bid / 奥氮平 10mg qn / 阿立哌唑 10mg qd / 氯氮平 100mg bid
    / 帕利哌酮缓释片 6mg qd / 棕榈酸帕利哌酮注射液 150mg 每月1次
双相情感障碍 F31 12 all | 碳酸锂 250mg tid / 丙戊酸镁缓释片 500mg bid；喹硫平 200mg qn
    / 奥氮平 10mg qn；丙戊酸钠 500mg bid
偏执性精神病 F22 6 adult | 利培酮 2mg bid / 奥氮平 5mg qn
分裂情感性障碍 F25 7 adult | 氯氮平 100mg bid；丙戊酸钠 500mg bid / 利培酮 2mg bid；碳酸锂 250mg bid
癫痫所致精神障碍 F06 5 all | 丙戊酸钠 500mg bid；利培酮 1mg bid / 卡马西平 200mg bid；奥氮平 5mg qn
    / 左乙拉西坦 500mg bid；喹硫平 100mg qn
精神发育迟滞伴发精神障碍 F79 10 all | 利培酮 1mg bid / 阿立哌唑 5mg qd
重度抑郁 F33 10 all | 舍曲林 100mg qd / 文拉法辛缓释胶囊 150mg qd
    / 艾司西酞普兰 10mg qd；米氮平 15mg qn
"""


@dataclass(frozen=True)
class Diagnosis:
    name: str
    icd: str
    weight: int
    minors: bool
    medication: tuple[str, ...]


def _diagnoses(table: str) -> tuple[Diagnosis, ...]:
    rows: list[str] = []
    for line in table.strip("\n").splitlines():
        if line.startswith(" "):
            rows[-1] += " " + line.strip()
        else:
            rows.append(line)
    result = []
    for row in rows:
        head, regimens = row.split(" | ")
        name, icd, weight, who = head.split()
        meds = tuple(m.strip() for m in regimens.split(" / "))
        result.append(Diagnosis(name, icd, int(weight), who == "all", meds))
    return tuple(result)


DIAGNOSES = _diagnoses(DIAGNOSIS_TABLE)
ECONOMIC = (("tekun", 10), ("dibao", 45), ("dibao_edge", 20), ("expenditure", 25))


class People:
    """Synthetic names, phone and ID numbers for one district, from one random generator."""

    def __init__(
        self, rng: random.Random, district: str, streets: list[Division], used_ids: set[str]
    ) -> None:
        self.rng = rng
        self.district = district
        self.used_ids = used_ids
        # ROADS lists the streets in code order, as ``demo_streets`` returns them
        self.roads = {s.code: r.split() for s, r in zip(streets, ROADS[district], strict=False)}

    def name(self, sex: str, surname: str | None = None) -> str:
        chars = GIVEN[sex]
        given = "".join(self.rng.choice(chars) for _ in range(1 if self.rng.random() < 0.3 else 2))
        return (surname or self.surname()) + given

    def surname(self) -> str:
        return self.rng.choice(SURNAMES[self.district])

    def phone(self) -> str:
        return self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def region(self, street: Division, birth: dt.date) -> str:
        if self.rng.random() < 0.1:
            return self.rng.choice(ELSEWHERE[self.district].split())
        for first_street, code, until in OLD_CODES[self.district]:
            if int(street.code[6:9]) >= first_street and birth.year < until:
                return code
        return self.district

    def id_number(self, region: str, birth: dt.date, sex: str) -> str:
        while True:
            seq = self.rng.randrange(1, 999)
            seq += (seq % 2 == 1) != (sex == "M")  # odd = male, even = female
            first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
            number = first17 + check_char(first17)
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number

    def birth_for_age(self, age: int) -> dt.date:
        latest = dt.date(AS_OF.year - age, AS_OF.month, AS_OF.day)
        return latest - dt.timedelta(days=self.rng.randrange(1, 365))


def _weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _age(rng: random.Random, minors: bool) -> int:
    if minors and rng.random() < 0.03:
        return rng.randint(14, 17)
    band = _weighted(rng, (("18", 12), ("30", 28), ("45", 36), ("60", 24)))
    low, high = {"18": (18, 29), "30": (30, 44), "45": (45, 59), "60": (60, 80)}[band]
    return rng.randint(low, high)


def _groups(rng: random.Random, age: int, liwan: bool) -> list[str]:
    groups: list[str] = []
    if rng.random() < (0.88 if liwan else 0.45):
        groups.append(_weighted(rng, ECONOMIC))
    if age < 18:
        groups.append("child_in_difficulty")
        if rng.random() < 0.3:
            groups.append("left_behind")
    elif age >= 60 and rng.random() < 0.3:
        groups.append("empty_nest")
    elif rng.random() < 0.05 and age >= 45:
        groups.append("gugua")
    elif rng.random() < (0.15 if age >= 60 else 0.08):
        groups.append("alone")
    elif age >= 60 and rng.random() < 0.05:
        groups.append("left_behind")
    return groups


def _family(p: People, surname: str, sex: str, age: int, groups: list[str]) -> list[FamilyInput]:
    rng = p.rng
    live = not {"alone", "gugua"} & set(groups)
    members: list[FamilyInput] = []

    def add(relation: str, name: str, guardian: bool, lives: bool, notes: str = "") -> None:
        members.append(FamilyInput(name, relation, guardian, p.phone(), lives, notes))

    other = "F" if sex == "M" else "M"
    if age < 18:
        if "left_behind" in groups:
            add("grandparent", p.name(rng.choice("MF"), surname), True, True, "祖父母照料")
            add("parent", p.name("M", surname), False, False, "父母在外地务工")
        else:
            add("parent", p.name("F"), True, True)
            if rng.random() < 0.5:
                add("parent", p.name("M", surname), False, True)
    elif "gugua" in groups:
        add(
            "sibling" if age < 70 else "relative",
            p.name(rng.choice("MF"), surname),
            True,
            False,
            "孤寡，由亲属担任监护人",
        )
    elif live and age >= 28 and rng.random() < (0.35 if age < 40 else 0.6):
        spouse_surname = p.surname()
        add("spouse", p.name(other, spouse_surname), True, True)
        if age >= 45 and rng.random() < 0.6:
            child_surname = surname if sex == "M" else spouse_surname
            add(
                "child",
                p.name(rng.choice("MF"), child_surname),
                False,
                "empty_nest" not in groups and rng.random() < 0.5,
            )
    elif age < 60:
        add("parent", p.name("F") if rng.random() < 0.45 else p.name("M", surname), True, live)
        if rng.random() < 0.4:
            add("sibling", p.name(rng.choice("MF"), surname), False, False)
    else:
        child_surname = surname if sex == "M" else p.surname()
        add(
            "child",
            p.name(rng.choice("MF"), child_surname),
            True,
            live and "empty_nest" not in groups and rng.random() < 0.5,
        )
        if rng.random() < 0.3:
            add("sibling", p.name(rng.choice("MF"), surname), False, False)
    return members


def _history(rng: random.Random, onset: int, hospitals: tuple[str, ...]) -> str:
    stays = []
    count = rng.choices([0, 1, 2, 3, 4], weights=[20, 35, 25, 12, 8])[0]
    years = sorted(rng.sample(range(onset, 2026), min(count, 2026 - onset)))
    for year in years:
        start = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
        days = rng.randint(20, 90)
        stays.append(
            f"{start.year}年{start.month}月{start.day}日起在{rng.choice(hospitals)}住院{days}天"
        )
    return "；".join(stays) or "无住院史，门诊规律复诊"


def make_client(
    p: People, street: Division, district: Division, *, liwan: bool, newly_certified: bool
) -> ClientInput:
    rng = p.rng
    sex = "M" if rng.random() < 0.52 else "F"
    age = _age(rng, minors=liwan)
    birth = p.birth_for_age(age)
    surname = p.surname()
    name = p.name(sex, surname)
    groups = _groups(rng, age, liwan)
    options = [d for d in DIAGNOSES if age >= 18 or d.minors]
    diag = rng.choices(options, weights=[d.weight for d in options])[0]
    onset_age = (
        rng.randint(5, 12) if diag.icd == "F79" else rng.randint(min(16, age - 1), min(age - 1, 40))
    )
    onset = min(birth.year + onset_age, 2024)
    medication = rng.choice(diag.medication)
    if "利培酮" in medication and rng.random() < 0.2:  # for extrapyramidal side effects
        medication += "；苯海索 2mg bid"
    hospitals = HOSPITALS[p.district]
    certified = newly_certified or not liwan or rng.random() < 0.75
    issued = None
    if newly_certified:
        issued = dt.date(2026, 1, 5) + dt.timedelta(days=rng.randrange(290))
    elif certified:
        first = max(2008, onset + 1)
        span = dt.date(2025, 12, 31) - dt.date(first, 1, 1)
        issued = dt.date(first, 1, 1) + dt.timedelta(days=rng.randrange(span.days))
    road = rng.choice(p.roads.get(street.code) or [street.name.removesuffix("街道") + "大街"])
    number, room = rng.randint(1, 320), f"{rng.randint(1, 12)}0{rng.randint(1, 6)}"
    short, long_ = PREFIX[p.district]
    address = f"{short}{road}{number}号{room}" + ("房" if liwan else "室")
    in_district = liwan or rng.random() < 0.95
    notes = ""
    if newly_certified:
        notes = "2026年新办残疾证，纳入新持证人员心理热线关怀"
    elif liwan and rng.random() < 0.3:
        notes = f"由{street.name}民政康复对象名单推介"
    return ClientInput(
        name=name,
        id_number=p.id_number(p.region(street, birth), birth, sex),
        street=street,
        household_district=district if in_district else None,
        household_address=(
            f"{long_}{road}{number}号"
            if in_district
            else f"江苏省{rng.choice(['如东县', '海安市', '启东市'])}城区"
        ),
        address=address,
        phone=p.phone() if rng.random() < 0.85 else "",
        diagnosis=f"{diag.name}（{diag.icd}），{onset}年确诊",
        treating_hospital=rng.choice(hospitals),
        medication=medication,
        hospitalisation_history=_history(rng, onset, hospitals),
        disability_level=rng.choices("1234", weights=[10, 35, 35, 20])[0] if issued else "",
        disability_cert_issued_on=issued,
        priority_groups=groups,
        condition_stable=liwan or rng.random() < 0.88,
        violence_tendency=not liwan and rng.random() < 0.03,
        notes=notes,
        family=_family(p, surname, sex, age, groups),
    )


def _weekday(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=7 - day.weekday() if day.weekday() >= 5 else 0)


def plan_clients(
    rng: random.Random,
    *,
    liwan: bool,
    district: Division,
    streets: list[Division],
    used_ids: set[str],
    total: int,
    waiting: int,
    newly_certified: int,
) -> list[Plan]:
    """One plan per client. The first ones cover every street once; the last ``waiting`` go on
    the waiting list, the ``newly_certified`` before them got their certificate in 2026."""
    people = People(rng, district.code, streets, used_ids)
    plans = []
    for i in range(total):
        street = streets[i] if i < len(streets) else rng.choice(streets)
        on_waiting_list = i >= total - waiting
        new_cert = total - waiting - newly_certified <= i < total - waiting
        data = make_client(people, street, district, liwan=liwan, newly_certified=new_cert)
        if on_waiting_list:
            opened = dt.date(2026, 9, 1) + dt.timedelta(days=rng.randrange(70))
        elif new_cert and data.disability_cert_issued_on:
            opened = data.disability_cert_issued_on + dt.timedelta(days=rng.randint(3, 20))
        else:
            opened = dt.date(2026, 1, 5) + dt.timedelta(days=int(rng.triangular(0, 290, 10)))
        plans.append(Plan(data, _weekday(opened), on_waiting_list))
    return plans
