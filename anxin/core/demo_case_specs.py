"""Fixed material of the demo caseload: stage shares, texts, dates rules, scan images."""

from __future__ import annotations

import datetime as dt
import random
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from anxin.accounts.models import Project
from anxin.assessments.models import AssessmentRecord
from anxin.cases.models import Case, Step
from anxin.core.demo_people import AS_OF

T = AssessmentRecord.Timepoint
X = Case.Exit
PARTNER = "荔湾区精神卫生中心"
PERSONA_LOGINS = ("worker", "counsellor")  # the personas of anxin.core.demo holding cases
KLASS_ZH = {"A": "甲", "B": "乙", "C": "丙"}
# The stages a case can be left at, in workflow order; "service" takes every case not counted.
EARLY = ("referral", "application", "baseline", "registration", "agreement", "plan")
PAST_BASELINE = ("baseline", "registration", "agreement", "plan", "service", "closed")
PLANNED = ("plan", "service", "closed")
# Days between steps: (step, fewest, most); each date moved to a working day.
GAPS = (
    (Step.APPLICATION, 1, 6),
    (Step.BASELINE, 3, 12),
    (Step.REGISTRATION, 1, 5),
    (Step.AGREEMENT, 0, 6),
    (Step.PLAN, 2, 10),
    (Step.SERVICE, 1, 5),
)
REVIEW_EVERY = (80, 92)  # days between process reviews (the projects want one a quarter)


@dataclass(frozen=True)
class Caseload:
    """How a project's open cases spread over the workflow (counts per ``base`` open cases)."""

    base: int
    stages: tuple[tuple[str, int], ...]
    workers: tuple[tuple[str, int], ...]  # plan responsible (username) and share of the cases
    instruments: tuple[str, ...]  # at baseline, at process reviews and at closure
    classes: tuple[tuple[str, int], ...] = ()  # class and share, at baseline; () without classes
    exits: tuple[str, ...] = ()  # the exits of the closed cases, the first ones first
    replacements: int = 0  # closures replaced from the waiting list, admitted by the lead
    lead: str = ""
    # crises: (worker, instrument): at a process review of one of the worker's cases; without a
    # worker, at the baseline of a case nobody holds yet
    crises: tuple[tuple[str, str], ...] = ()
    goals: dict[str, tuple[str, ...]] = field(default_factory=dict)  # by class ("" = none)
    reviews: tuple[str, ...] = ()


LIWAN = Caseload(
    base=225,
    stages=(
        ("referral", 5),
        ("application", 7),
        ("baseline", 5),
        ("registration", 5),
        ("agreement", 5),
        ("plan", 8),
        ("closed", 20),
    ),
    workers=(
        ("worker", 35),
        ("lw_sw2", 50),
        ("lw_sw3", 48),
        ("lw_sw4", 22),
        ("lw_sw5", 33),
        ("lead", 10),
    ),
    instruments=("danger-level", "sdss", "phq9"),
    classes=(("A", 30), ("B", 45), ("C", 25)),
    exits=(
        X.COMPLETED,
        X.TRANSFER,
        X.WITHDRAWAL,
        X.MOVED,
        X.DEATH,
        X.COMPLETED,
        X.TRANSFER,
        X.COMPLETED,
        X.COMPLETED,
        X.TRANSFER,
        *(X.COMPLETED,) * 10,
    ),
    replacements=2,
    lead="lead",
    crises=(("worker", "phq9"), ("worker", "danger-level"), ("lw_sw2", "phq9"), ("", "phq9")),
    goals={
        "A": (
            "巩固病情稳定，提升社交与职业能力，逐步回归社区生活和就业",
            "保持规律服药，参加同伴支持小组，尝试辅助性就业",
        ),
        "B": (
            "规律服药，改善生活自理和家庭职能，扩大社区活动参与",
            "掌握复发先兆识别，提升生活技能，减少社会性退缩",
        ),
        "C": (
            "稳定病情、预防复发，减少冲动行为，加强家庭照护支持",
            "按时服药与复诊，家属掌握危机应对方法，逐步恢复日常生活自理",
        ),
    },
    reviews=(
        "服药依从性良好，情绪平稳，按计划参加康复活动",
        "睡眠改善，已能独立完成日常家务，家属反馈较满意",
        "参加小组活动{n}次，与组员互动增加，社交主动性提高",
        "近期有漏服药情况，已与家属商定服药提醒方法",
        "复诊规律，症状稳定，生活技能训练进展良好",
        "家庭关系有所缓和，监护人参加了家属支持活动",
    ),
)
CHONGCHUAN = Caseload(
    base=260,
    stages=(
        ("referral", 4),
        ("application", 6),
        ("baseline", 4),
        ("registration", 4),
        ("agreement", 5),
        ("plan", 7),
        ("closed", 8),
    ),
    workers=(
        ("counsellor", 40),
        ("cc_sw1", 70),
        ("cc_sw2", 65),
        ("cc_lead", 25),
        ("cc_rehab", 37),
    ),
    instruments=("phq9", "gad7"),
    exits=(X.COMPLETED, X.MOVED, X.WITHDRAWAL, X.COMPLETED, X.COMPLETED, X.COMPLETED),
    lead="cc_lead",
    crises=(("counsellor", "phq9"),),
    goals={
        "": (
            "缓解抑郁焦虑情绪，学习情绪调节方法，增进家庭支持与社会参与",
            "改善睡眠与情绪，建立规律作息，监护人掌握沟通与减压方法",
            "适应持证后的生活变化，了解助残政策，参加团体活动结识同伴",
        )
    },
    reviews=(
        "咨询{n}次，情绪较前平稳，能运用放松训练应对紧张",
        "参加团体活动，与其他服务对象建立联系，监护人反馈积极",
        "睡眠改善，抑郁情绪有所减轻，继续一对一咨询",
        "近期家庭压力较大，增加监护人沙龙邀请",
    ),
)
CASELOADS: dict[str, Caseload] = {
    Project.Template.LIWAN_REHAB: LIWAN,
    Project.Template.CHONGCHUAN_PSYCH: CHONGCHUAN,
}

# How the service items of the catalogues are planned: weight by tier and class (Liwan), or by
# item (Chongchuan); frequency options (times, per).
TIER_WEIGHTS = {
    "A": {"basic": 2, "practical": 2, "personalised": 4, "community": 1, "special": 0.5},
    "B": {"basic": 3, "practical": 4, "community": 1, "special": 0.5},
    "C": {"basic": 4, "community": 1.5, "special": 0.5},
}
ITEM_WEIGHTS = {
    "counselling": 6,
    "group_activity": 5,
    "multi_family_group": 1.5,
    "guardian_salon": 1.5,
    "themed_service": 1,
    "hotline": 1,
    "joint_home_visit": 1,
}
FREQUENCY = {
    "basic": ((2, "month"), (1, "week"), (1, "month")),
    "practical": ((1, "week"), (2, "month")),
    "personalised": ((1, "week"), (2, "month")),
    "community": ((1, "month"), (1, "quarter")),
    "special": ((1, "quarter"), (2, "year")),
    "open": ((2, "month"), (1, "month"), (1, "week")),
}
GUARDIAN_ZH = {
    "spouse": "配偶",
    "parent": "父母",
    "child": "子女",
    "sibling": "兄弟姐妹",
    "grandparent": "祖父母",
    "relative": "亲属",
    "other": "监护人",
}
STEP_NOTES: dict[str, str] = {
    Step.APPLICATION: "接受服务申请，已核对户籍、居住地址和出院评估",
    Step.BASELINE: "完成基线评估",
    Step.REGISTRATION: "登记建档",
    Step.AGREEMENT: "签订知情同意书及服务协议（扫描件附后）",
    Step.SERVICE: "按服务计划开始提供服务",
}
CLOSING: dict[str, tuple[str, ...]] = {
    X.COMPLETED: ("服务目标基本达成，经结案评估同意结案",),
    X.TRANSFER: ("病情波动，需专科康复治疗，经家属同意转介", "需住院治疗，转介专科机构跟进"),
    X.WITHDRAWAL: ("本人及家属因工作时间冲突申请自愿退出服务，已签署知情同意书",),
    X.MOVED: ("随家人迁居佛山市南海区，已告知迁入地社区", "随子女迁居外省，已办理档案移交"),
    X.DEATH: ("因突发心脏疾病于家中病逝（家属告知）",),
    X.INELIGIBLE: ("不再符合服务条件",),
}
CRISIS_REVIEWS = {
    "danger-level": "家访时案主情绪激动，反复摔砸家中物品，家属劝说无效，已联系民警和精神科医生",
    "phq9": "面谈中案主表示近两周常有不如死掉的念头，已做安全评估、通知监护人并约精神科复诊",
}
FOLLOW_UPS = (
    "电话回访：病情稳定，规律服药，生活规律",
    "家访回访：与家人关系良好，已参加社区日间活动",
    "电话回访：新服务机构已接手，情况稳定",
)


def reference_day() -> dt.date:
    """The last day the demo's dates may fall on: ``AS_OF``, or today if that is earlier."""
    return min(AS_OF, timezone.localdate())


def _png(width: int = 64, height: int = 90) -> bytes:
    """A small valid PNG (a blank grey page), standing in for a signed scan."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\xee" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


SCAN = _png()


def scan(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, SCAN, content_type="image/png")


def shares(total: int, weights: Sequence[tuple[str, float]]) -> list[str]:
    """``total`` labels in proportion to ``weights`` (largest remainder), in weight order."""
    whole = sum(w for _, w in weights)
    exact = [(label, total * w / whole) for label, w in weights]
    counts = {label: int(x) for label, x in exact}
    rest = total - sum(counts.values())
    for label, _ in sorted(exact, key=lambda e: e[1] - int(e[1]), reverse=True)[:rest]:
        counts[label] += 1
    return [label for label, _ in weights for _ in range(counts[label])]


def spread(rng: random.Random, total: int, tops: dict[str, int]) -> dict[str, int]:
    """Answers (item → points) that add up to ``total``, each item at most its top."""
    values = dict.fromkeys(tops, 0)
    for _ in range(min(total, sum(tops.values()))):
        code = rng.choice([c for c in tops if values[c] < tops[c]])
        values[code] += 1
    return values
