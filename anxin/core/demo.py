"""Demo data: one organisation running the two tender projects, its team and ~500 clients, and
their caseload walked along the workflow of LW §5 (``anxin.core.demo_cases``).

Everything is written through the actions (``project_create``, ``staff_create``,
``membership_set``, ``qualification_add``, ``client_register``, then the case, plan and assessment
actions), so encryption, history and audit are the real thing. Deterministic: one seeded
``random.Random`` and a fixed reference date (``AS_OF``), except where the actions themselves
date an event today or want a date after today (a plan's review date). The reminders are
generated once at the end, so the logins find tasks waiting.
The people are synthetic; ID numbers are valid (GB 11643) but belong to nobody on purpose.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from anxin.accounts import actions as accounts
from anxin.accounts.models import Membership, Organisation, Project, User
from anxin.cases.reminders import generate_reminders
from anxin.clients.actions import client_register
from anxin.core.demo_cases import walk_caseload
from anxin.core.demo_hotline import record_hotline
from anxin.core.demo_money import record_money
from anxin.core.demo_operations import record_operations
from anxin.core.demo_people import plan_clients
from anxin.core.demo_referrals import record_referrals
from anxin.core.demo_reports import record_reports
from anxin.core.demo_services import record_services
from anxin.core.demo_surveys import record_surveys
from anxin.core.models import Division

ORG_NAME = "广州市荔康社会工作服务中心"
ORG_CREDIT_CODE = "52440103MJL603175H"  # synthetic, with valid GB 32100 check characters
PASSWORD = "anxin-demo-2026"
URL = "http://127.0.0.1:8000"
PERIOD = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
DISTRICTS = ("440103", "320613")
R = Membership.Role


class DemoError(Exception):
    pass


@dataclass(frozen=True)
class ProjectSpec:
    code: str
    name: str
    purchaser: str
    template: str
    district: str
    budget: int
    target: int
    clients: int
    waiting: int
    newly_certified: int


PROJECTS = (
    ProjectSpec(
        code="liwan-2026",
        name="荔湾区精神障碍社区康复服务项目",
        purchaser="广州市荔湾区民政局",
        template="liwan-rehab",
        district="440103",
        budget=1_200_000,
        target=200,
        clients=240,
        waiting=15,
        newly_certified=0,
    ),
    ProjectSpec(
        code="chongchuan-2026",
        name="崇川区“爱在起点”精神残疾人心理服务项目",
        purchaser="南通市崇川区残疾人联合会",
        template="chongchuan-psych",
        district="320613",
        budget=300_000,
        target=500,  # the tender speaks of 500+ dynamic archives
        clients=260,
        waiting=0,
        newly_certified=40,  # certificate issued in 2026: the tender's "newly certified" group
    ),
)
LW, CC = PROJECTS[0].code, PROJECTS[1].code


@dataclass(frozen=True)
class StaffSpec:
    username: str
    full_name: str
    project: str
    role: str
    full_time: bool
    years: int
    certs: tuple[tuple[str, int, str, int], ...]  # (type, level, number, year issued)


# Liwan meets most of LW §10 but not all: 4 of 5 certified full-time social workers, counting the
# lead (lw_sw4 is part-time, lw_sw5 has not passed the exam yet), and 1 of 2 supervisors.
# Chongchuan meets CC §4. Certificates: type:level:number:year (level 1 junior … 3 senior);
# an indented line continues the row above.
STAFF_TABLE = """
lead       陈慧敏 liwan-2026      lead             full 9  social_work:2:S2016440100087:2016
worker     黄嘉欣 liwan-2026      social_worker    full 4  social_work:1:S2021440100315:2021
lw_sw2     梁志豪 liwan-2026      social_worker    full 6  social_work:2:S2019440100123:2019
lw_sw3     何婉婷 liwan-2026      social_worker    full 3  social_work:1:S2022440100462:2022
lw_sw4     罗俊杰 liwan-2026      social_worker    part 2  social_work:1:S2023440100518:2023
lw_sw5     冯晓彤 liwan-2026      social_worker    full 1
lw_psy     林诗雅 liwan-2026      counsellor       full 6  psych_counsellor:2:1614000000201178:2016
lw_nurse   邓丽华 liwan-2026      nurse            full 12 nurse:2:201244010356:2012
lw_rehab   麦家乐 liwan-2026      rehab_therapist  full 4  rehab:1:KF2020440103021:2020
supervisor 郭振华 liwan-2026      supervisor       part 14 social_work:3:S2012440100009:2012
                                                        supervisor_training:1:GZSWA-DD-2015-036:2015
lw_doctor  曾国强 liwan-2026      psychiatrist     part 18 psychiatrist:2:110440100003562:2008
cc_lead    顾红梅 chongchuan-2026 lead             full 7  social_work:2:S2017320600041:2017
counsellor 陆晓雯 chongchuan-2026 counsellor       full 6  psych_counsellor:2:1632000000100452:2016
cc_rehab   季海峰 chongchuan-2026 rehab_therapist  full 5  rehab:1:KF2019320600017:2019
cc_sw1     施佳怡 chongchuan-2026 social_worker    full 3  social_work:1:S2022320600233:2022
cc_sw2     朱文斌 chongchuan-2026 social_worker    full 2  social_work:1:S2024320600158:2024
"""


def _staff_spec(line: str) -> StaffSpec:
    username, full_name, project, role, time, years, *certs = line.split()
    parsed = []
    for cert in certs:
        cert_type, level, number, year = cert.split(":")
        parsed.append((cert_type, int(level), number, int(year)))
    return StaffSpec(username, full_name, project, role, time == "full", int(years), tuple(parsed))


def _staff_rows(table: str) -> list[str]:
    rows: list[str] = []
    for line in table.strip("\n").splitlines():
        if line.startswith(" "):
            rows[-1] += line
        else:
            rows.append(line)
    return rows


STAFF = tuple(_staff_spec(row) for row in _staff_rows(STAFF_TABLE))
# Purchaser viewers: outside the organisation, (username, name, employer, project).
PURCHASERS = (
    ("purchaser", "刘建新", "广州市荔湾区民政局", LW),
    ("cc_purchaser", "钱志刚", "南通市崇川区残疾人联合会", CC),
)
ADMIN = ("admin", "吴淑仪")
# Who registers the clients (the `worker` persona twice as often, so its name shows in the audit).
REGISTRARS = {
    LW: ("worker", "worker", "lw_sw2", "lw_sw3", "lead"),
    CC: ("cc_sw1", "cc_sw2", "counsellor"),
}


@dataclass(frozen=True)
class Persona:
    username: str
    role_zh: str
    role_en: str
    sees_zh: str
    sees_en: str


# `counsellor` works in chongchuan-2026 only: counselling is that tender's core service, LW §10
# wants full-time staff, and a persona outside Liwan shows that archives are scoped by project
# (Liwan has its own full-time counsellor, lw_psy).
PERSONAS = (
    Persona(
        "admin",
        "机构管理员（不在任何项目中）",
        "organisation admin (in no project)",
        "员工与资质、项目与团队缺口、审计日志；不能读档案",
        "staff and certificates, projects and team gaps, audit log; no client archive",
    ),
    Persona(
        "lead",
        "项目负责人 · liwan-2026",
        "project lead · liwan-2026",
        "荔湾项目：全部档案（可编辑）、项目与团队页",
        "Liwan: all archives (read and write), project and team page",
    ),
    Persona(
        "worker",
        "社工 · liwan-2026",
        "social worker · liwan-2026",
        "荔湾项目：全部档案（可编辑），负责约 35 个个案及其待办（含危机）；看不到崇川",
        "Liwan: all archives (read and write), ~35 own cases and their tasks (crises too); "
        "not Chongchuan",
    ),
    Persona(
        "counsellor",
        "心理咨询师 · chongchuan-2026",
        "counsellor · chongchuan-2026",
        "崇川项目：全部档案（可编辑），负责约 40 个个案；看不到荔湾",
        "Chongchuan: all archives (read and write), ~40 own cases; not Liwan",
    ),
    Persona(
        "supervisor",
        "督导 · liwan-2026",
        "supervisor · liwan-2026",
        "荔湾项目：档案只读；全项目的危机待办",
        "Liwan: archives, read only; the project's crisis tasks",
    ),
    Persona(
        "purchaser",
        "采购方查看 · liwan-2026（荔湾区民政局）",
        "purchaser viewer · liwan-2026 (Liwan civil affairs)",
        "荔湾项目：只看汇总，不能看个人档案",
        "Liwan: aggregates only, no individual archive",
    ),
)


@dataclass
class DemoSummary:
    clients: dict[str, int]
    waiting: dict[str, int]
    staff: int
    cases: dict[str, Counter[str]] = field(default_factory=dict)  # what the walk did, by kind
    reminders: dict[str, int] = field(default_factory=dict)


def demo_loaded() -> bool:
    return Organisation.objects.filter(name=ORG_NAME).exists()


def demo_streets(district: str) -> list[Division]:
    """The subdistricts (街道) of a district, without its development zones."""
    return list(Division.objects.filter(parent_id=district, kind=Division.Kind.SUBDISTRICT))


def check_prerequisites() -> None:
    missing = [code for code in DISTRICTS if not demo_streets(code)]
    if missing:
        raise DemoError(
            "行政区划未加载 / The administrative divisions are not loaded ("
            + ", ".join(missing)
            + "): run `anxin load-divisions 440103 320613` first."
        )
    usernames = [ADMIN[0], *(s.username for s in STAFF), *(p[0] for p in PURCHASERS)]
    taken = sorted(User.objects.filter(username__in=usernames).values_list("username", flat=True))
    codes = list(
        Project.objects.filter(code__in=[p.code for p in PROJECTS]).values_list("code", flat=True)
    )
    if taken or codes:
        raise DemoError(
            "演示数据需要空库 / The demo needs these names free; already taken: "
            + ", ".join([*taken, *codes])
        )


# --- loading ------------------------------------------------------------------------------------


def _team(org: Organisation, admin: User, projects: dict[str, Project]) -> dict[str, User]:
    users: dict[str, User] = {}
    for spec in STAFF:
        user = accounts.staff_create(
            organisation=org,
            username=spec.username,
            full_name=spec.full_name,
            password=PASSWORD,
            full_time=spec.full_time,
            years_experience=spec.years,
            acting_user=admin,
        )
        accounts.membership_set(
            project=projects[spec.project], user=user, role=spec.role, acting_user=admin
        )
        for cert_type, level, number, year in spec.certs:
            accounts.qualification_add(
                user=user,
                cert_type=cert_type,
                level=level,
                number=number,
                issued_on=dt.date(year, 8, 15),
                scan=None,
                acting_user=admin,
            )
        users[spec.username] = user
    return users


def _purchaser(
    org: Organisation, admin: User, username: str, full_name: str, employer: str
) -> User:
    return accounts.outside_user_create(
        username=username,
        full_name=full_name,
        employer=employer,
        password=PASSWORD,
        on_behalf_of=org,
        acting_user=admin,
    )


@transaction.atomic
def load_demo(*, scale: float = 1.0, seed: int = 2026) -> DemoSummary | None:
    """Load everything, or nothing if the demo organisation exists already (returns None)."""
    if demo_loaded():
        return None
    check_prerequisites()
    rng = random.Random(seed)
    org = accounts.organisation_create(
        name=ORG_NAME, short_name="荔康", credit_code=ORG_CREDIT_CODE, acting_user=None
    )
    admin = accounts.staff_create(
        organisation=org,
        username=ADMIN[0],
        full_name=ADMIN[1],
        password=PASSWORD,
        full_time=True,
        years_experience=11,
        is_org_admin=True,
        acting_user=None,
    )
    projects = {
        spec.code: accounts.project_create(
            organisation=org,
            code=spec.code,
            name=spec.name,
            purchaser=spec.purchaser,
            template=spec.template,
            period_start=PERIOD[0],
            period_end=PERIOD[1],
            district=Division.objects.get(code=spec.district),
            budget_ceiling=Decimal(spec.budget),
            client_target=spec.target,
            acting_user=admin,
        )
        for spec in PROJECTS
    }
    users = _team(org, admin, projects)
    for username, full_name, employer, code in PURCHASERS:
        viewer = _purchaser(org, admin, username, full_name, employer)
        accounts.membership_set(
            project=projects[code], user=viewer, role=R.PURCHASER_VIEWER, acting_user=admin
        )
    summary = DemoSummary(clients={}, waiting={}, staff=1 + len(users) + len(PURCHASERS))
    used_ids: set[str] = set()
    for spec in PROJECTS:
        project = projects[spec.code]
        streets = demo_streets(spec.district)
        waiting = max(1, round(spec.waiting * scale)) if spec.waiting else 0
        total = max(len(streets) + waiting, round(spec.clients * scale))
        plans = plan_clients(
            rng,
            liwan=spec.template == Project.Template.LIWAN_REHAB,
            district=project.district,
            streets=streets,
            used_ids=used_ids,
            total=total,
            waiting=waiting,
            newly_certified=round(spec.newly_certified * total / spec.clients),
        )
        actors = [users[name] for name in REGISTRARS[spec.code]]
        for plan in sorted(plans, key=lambda plan: plan.opened_on):
            client_register(
                project=project,
                data=plan.data,
                acting_user=rng.choice(actors),
                opened_on=plan.opened_on,
                waiting=plan.waiting,
                source="demo",
            )
        summary.clients[spec.code] = total
        summary.waiting[spec.code] = waiting
        summary.cases[spec.code] = walk_caseload(project, users, rng)
    for spec in PROJECTS:  # a year of services (R5), once every caseload is walked
        summary.cases[spec.code].update(record_services(projects[spec.code], users, rng))
    for spec in PROJECTS:  # staff development and publicity (R7.5, R7.6)
        summary.cases[spec.code].update(record_operations(projects[spec.code], users, rng))
    for spec in PROJECTS:  # budget lines, spending, payment states (R1.3)
        summary.cases[spec.code].update(record_money(projects[spec.code]))
    summary.cases[CC].update(record_hotline(projects[CC], users, rng, scale=scale))
    for spec in PROJECTS:  # needs and satisfaction surveys (R4.5, R7.7)
        summary.cases[spec.code].update(record_surveys(projects[spec.code], rng))
    for spec in PROJECTS:  # the referral network (R6)
        summary.cases[spec.code].update(record_referrals(projects[spec.code], users, rng, used_ids))
    for spec in PROJECTS:  # reports to the purchaser, made from all of the above (R7.7)
        summary.cases[spec.code].update(record_reports(projects[spec.code]))
    summary.reminders = generate_reminders(today=timezone.localdate())
    return summary
