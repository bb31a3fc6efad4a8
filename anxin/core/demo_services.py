"""The demo's year of services (R5), recorded with the same actions the pages use.

For every case in service: one-to-one (or phone) sessions of its plan items at roughly the agreed
frequency, by its responsible worker, between its plan date and the reference day, on working
days in office hours (a sample of the weeks, so that loading stays quick). Liwan adds group
programmes of medication and relapse-prevention training (with the members' training cycles) and
community events; Chongchuan adds multi-family groups of stable families and joint home visits
with the mental-health centre's doctors (``home_visit_record``).

Deterministic for a given ``random.Random``: every date lies on or before ``reference_day()``.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Min
from django.utils import translation

from anxin.accounts.models import Project, User
from anxin.cases.classification import service_refusal
from anxin.cases.models import Case, CaseEvent, Step
from anxin.cases.workdays import is_workday, next_workday
from anxin.clients.models import FamilyMember
from anxin.core.demo_case_specs import reference_day
from anxin.core.demo_events import chongchuan_sessions, needs_survey
from anxin.core.models import Division
from anxin.delivery.actions import ParticipantInput, WorkerHours, service_record_create
from anxin.delivery.cycles import cycle_end, cycle_start
from anxin.delivery.groups import programme_create, programme_session_record
from anxin.delivery.models import Form, Participant
from anxin.delivery.visits import home_visit_record

# At most this many sessions of one-to-one work per case (a sample of the agreed weeks).
CAP_PER_CASE = 16
WEEKLY = {"week": 1.0, "month": 12 / 52, "quarter": 4 / 52, "year": 1 / 52}
STARTS = tuple(
    dt.time(h, m)
    for h, m in ((9, 0), (9, 30), (10, 0), (10, 30), (14, 0), (14, 30), (15, 0), (15, 30))
)
LENGTHS = (45, 60, 60, 90)  # minutes
INDIRECT = Decimal("0.5")
# Items delivered in groups, events or visits rather than one to one.
NOT_ONE_TO_ONE = {
    "community_integration",
    "special_service",
    "group_activity",
    "multi_family_group",
    "guardian_salon",
    "themed_service",
    "worker_stress_relief",
    "joint_home_visit",
}
PHONE_ITEMS = {"hotline", "newly_certified_support"}
NOTES = {
    "one_to_one": (
        "个案面谈，回顾近期服药与作息情况，布置下周练习",
        "按计划开展训练，案主配合良好，完成既定内容",
        "与案主讨论近期困扰，给予情绪支持并商定应对方法",
        "复习上次内容，案主能复述要点，进步明显",
    ),
    "phone": ("电话跟进，了解近况并解答疑问", "热线来电，倾听并进行情绪疏导"),
}
LW_GROUPS = (
    ("medication_training", "规律服药，从我做起：服药训练小组", "lw_nurse", "worker"),
    ("relapse_prevention", "识别复发先兆：预防复发训练小组", "lw_psy", "lw_sw2"),
    ("medication_training", "药物管理与自我监测小组", "lw_nurse", "lw_sw3"),
    ("relapse_prevention", "情绪与压力管理：预防复发小组", "lw_psy", "worker"),
)
LW_EVENTS = (
    ("“心”连社区 共融同行 精神卫生宣传日活动", "社区文化广场"),
    ("端午包粽子 邻里共融活动", "街道党群服务中心"),
    ("中秋游园会 康复者与居民同乐", "社区公园"),
    ("世界精神卫生日 社区义诊与宣传", "街道文化站"),
)
CC_GROUPS = ("同心同行 多家庭支持小组（一）", "同心同行 多家庭支持小组（二）")
CC_DOCTORS = (
    ("张立新", "崇川区精神卫生中心", "精防医生"),
    ("王慧", "崇川区精神卫生中心", "精神科医生"),
    ("孙志强", "崇川区精神卫生中心", "精防医生"),
)
GUARDIAN_SUPPORT = (
    "讲解服药监护要点，提醒按时复诊",
    "指导家属识别复发先兆及应对方法",
    "介绍助残政策及社区康复资源",
    "倾听监护人照护压力，邀请参加监护人沙龙",
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗梁"
GIVEN = ("伟", "芳", "秀英", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛")


def _hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / Decimal(60)).quantize(Decimal("0.01"))


def _end(start: dt.time, minutes: int) -> dt.time:
    total = start.hour * 60 + start.minute + minutes
    return dt.time(total // 60, total % 60)


def _workday(day: dt.date, last: dt.date) -> dt.date | None:
    """``day`` or the next working day, if on or before ``last``."""
    day = day if is_workday(day) else next_workday(day)
    return day if day <= last else None


class Services:
    def __init__(self, project: Project, users: dict[str, User], rng: random.Random) -> None:
        self.project = project
        self.users = users
        self.rng = rng
        self.ref = reference_day()
        self.done: Counter[str] = Counter()
        self.cases = list(
            Case.objects.filter(project=project, status=Case.Status.OPEN, step=Step.SERVICE)
            .select_related("client", "project", "worker")
            .order_by("pk")
        )
        starts = dict(
            CaseEvent.objects.filter(case__in=self.cases, step=Step.PLAN)
            .values("case_id")
            .annotate(first=Min("on"))
            .values_list("case_id", "first")
        )
        self.start: dict[int, dt.date] = {c.pk: starts.get(c.pk) or c.opened_on for c in self.cases}
        self.cases = [c for c in self.cases if c.worker is not None and self.start[c.pk] < self.ref]
        self.items: dict[int, list[tuple[str, int, str]]] = {}
        for case in self.cases:
            plan = case.plans.order_by("-version").first()
            assert plan is not None
            self.items[case.pk] = list(plan.items.values_list("service_item", "times", "per"))

    # --- one to one ----------------------------------------------------------------------------

    def one_to_one(self) -> None:
        rng = self.rng
        for case in self.cases:
            first = self.start[case.pk] + dt.timedelta(days=1)
            weeks = max(1, (self.ref - first).days // 7)
            items = [i for i in self.items[case.pk] if i[0] not in NOT_ONE_TO_ONE]
            wanted = {code: WEEKLY.get(per, 0) * times * weeks for code, times, per in items}
            total = sum(wanted.values())
            # About half the caseload is served at the plan's frequency (规范服务); the others
            # fall short of it, as happens: a busy caseload, a client hard to reach.
            cap = CAP_PER_CASE * (3 if rng.random() < 0.5 else 1)
            share = min(1.0, cap / total) if total else 0.0
            for code, n in wanted.items():
                count = min(weeks, max(1, round(n * share)))
                for week in sorted(rng.sample(range(weeks), count)):
                    monday = first + dt.timedelta(days=7 * week)
                    day = _workday(monday + dt.timedelta(days=rng.randrange(5)), self.ref)
                    if day is None:
                        continue
                    self._session(case, code, day)

    def _session(self, case: Case, code: str, day: dt.date) -> None:
        rng = self.rng
        form = Form.PHONE if code in PHONE_ITEMS else Form.ONE_TO_ONE
        minutes = rng.choice((20, 30)) if form == Form.PHONE else rng.choice(LENGTHS)
        start = rng.choice(STARTS)
        worker = case.worker
        assert worker is not None
        service_record_create(
            project=self.project,
            service_item=code,
            form=form,
            on=day,
            starts_at=start,
            ends_at=_end(start, minutes),
            street=case.client.street,
            place="" if form == Form.PHONE else rng.choice(("服务站", "案主家中", "社区康复站")),
            content=rng.choice(NOTES["phone" if form == Form.PHONE else "one_to_one"]),
            workers=[WorkerHours(worker, _hours(minutes), INDIRECT)],
            participants=[ParticipantInput(kind=Participant.Kind.CLIENT, case=case)],
            acting_user=worker,
        )
        self.done[f"service.{form}"] += 1

    # --- groups --------------------------------------------------------------------------------

    def _programme(
        self,
        *,
        code: str,
        theme: str,
        members: list[Case],
        sessions: int,
        starts_on: dt.date,
        staff: list[User],
        attend: float,
        fixed: bool = False,
        families: bool = False,
    ) -> tuple[Any, list[dt.date]]:
        rng = self.rng
        programme = programme_create(
            project=self.project,
            service_item=code,
            theme=theme,
            fixed_members=fixed,
            planned_sessions=sessions,
            starts_on=starts_on,
            members=members,
            acting_user=staff[0],
        )
        self.done["programme"] += 1
        guardians: dict[int, list[FamilyMember]] = {}
        if families:
            for fm in FamilyMember.objects.filter(
                client_id__in=[m.client_id for m in members], is_guardian=True
            ):
                guardians.setdefault(fm.client_id, []).append(fm)
        start = rng.choice((dt.time(9, 30), dt.time(14, 30)))
        minutes = rng.choice((90, 120))
        dates: list[dt.date] = []
        day: dt.date | None = starts_on
        for _ in range(sessions):
            if day is None or day > self.ref:
                break
            attended = [m.pk for m in members if rng.random() < attend]
            family = [
                fm for m in members if m.pk in attended for fm in guardians.get(m.client_id, [])[:1]
            ]
            programme_session_record(
                programme=programme,
                on=day,
                starts_at=start,
                ends_at=_end(start, minutes),
                street=members[0].client.street,
                place="社区康复站活动室",
                content=f"{theme}：按小组计划开展第{len(dates) + 1}节",
                attended=attended,
                family=family,
                workers=[WorkerHours(u, _hours(minutes), INDIRECT) for u in staff],
                acting_user=staff[0],
            )
            self.done["service.group"] += 1
            dates.append(day)
            day = _workday(day + dt.timedelta(days=7), self.ref)
        return programme, dates

    def _eligible(self, code: str, before: dt.date, taken: set[int]) -> list[Case]:
        """Cases in service by ``before`` with ``code`` in their plan first, then the others."""
        pool = [c for c in self.cases if self.start[c.pk] < before and c.pk not in taken]
        planned = [c for c in pool if any(i[0] == code for i in self.items[c.pk])]
        rest = [c for c in pool if c not in planned]
        self.rng.shuffle(planned)
        self.rng.shuffle(rest)
        return planned + rest

    def liwan_groups(self) -> None:
        rng, users = self.rng, self.users
        taken: dict[str, set[int]] = {}
        for n, (code, theme, lead, second) in enumerate(LW_GROUPS):
            sessions = rng.randint(6, 10)
            starts_on = _workday(dt.date(2026, 3 + 2 * n, 2 + rng.randrange(10)), self.ref)
            if starts_on is None:
                continue
            used = taken.setdefault(code, set())
            members = self._eligible(code, starts_on, used)[: rng.randint(8, 12)]
            if len(members) < 3:
                continue
            used.update(m.pk for m in members)
            staff = [users[lead], users[second]]
            _, dates = self._programme(
                code=code,
                theme=theme,
                members=members,
                sessions=sessions,
                starts_on=starts_on,
                staff=staff,
                attend=0.68,
            )
            if code != "medication_training":
                continue
            for member in members:  # the members' training cycles run with the group
                cycle = cycle_start(
                    case=member, service_item=code, starts_on=starts_on, acting_user=staff[0]
                )
                self.done["cycle"] += 1
                if len(dates) == sessions and dates[-1] + dt.timedelta(days=14) <= self.ref:
                    cycle_end(cycle=cycle, ended_on=dates[-1], acting_user=staff[0])
                    self.done["cycle.ended"] += 1

    def liwan_cycles(self) -> None:
        """Individual training cycles running now (life skills 1 a week, physical health 2 a week
        for 12 weeks), kept with more or less care: some on track, some falling behind."""
        rng = self.rng
        worker = self.users["worker"]
        mine = [c for c in self.cases if c.worker == worker]
        others = [c for c in self.cases if c.worker != worker]
        for code, per_week in (("life_skills", 1), ("physical_health", 2)):
            pool = [c for c in [*mine, *others] if not service_refusal(c, code)]
            for case in pool[:6]:
                weeks = rng.randint(3, 9)
                starts_on = _workday(self.ref - dt.timedelta(days=7 * weeks), self.ref)
                if starts_on is None or starts_on <= self.start[case.pk] or case.worker is None:
                    continue
                cycle_start(
                    case=case, service_item=code, starts_on=starts_on, acting_user=case.worker
                )
                self.done["cycle"] += 1
                care = rng.choice((1.0, 1.0, 0.8, 0.5))
                for n in range(weeks * per_week):
                    planned = starts_on + dt.timedelta(
                        days=7 * (n // per_week) + 3 * (n % per_week)
                    )
                    day = _workday(planned, self.ref)
                    if day is not None and rng.random() < care:
                        self._session(case, code, day)

    def liwan_events(self) -> None:
        rng = self.rng
        staff = [self.users[name] for name in ("lead", "worker", "lw_sw2", "lw_sw3", "lw_rehab")]
        streets = list(
            Division.objects.filter(
                parent_id=self.project.district_id, kind=Division.Kind.SUBDISTRICT
            ).order_by("pk")
        )
        for n, (title, place) in enumerate(LW_EVENTS):
            day = _workday(dt.date(2026, 4 + 2 * n, 8 + rng.randrange(12)), self.ref)
            if day is None or not self.cases:
                continue
            pool = [c for c in self.cases if self.start[c.pk] < day]
            clients = rng.sample(pool, min(len(pool), rng.randint(14, 22)))
            participants = [ParticipantInput(kind=Participant.Kind.CLIENT, case=c) for c in clients]
            participants += [
                ParticipantInput(
                    kind=Participant.Kind.DISABILITY_WORKER,
                    name=self._name(),
                    organisation="街道残联",
                )
                for _ in range(2)
            ]
            others = max(12, 32 - len(participants)) + rng.randrange(8)
            participants += [
                ParticipantInput(
                    kind=Participant.Kind.OTHER, name=self._name(), organisation="社区居民"
                )
                for _ in range(others)
            ]
            team = rng.sample(staff, 3)
            street = rng.choice(streets) if streets else None
            service_record_create(
                project=self.project,
                service_item="community_integration",
                form=Form.COMMUNITY_EVENT,
                on=day,
                starts_at=dt.time(9, 0),
                ends_at=dt.time(11, 30),
                street=street,
                place=(street.name if street else "") + place,
                content=f"{title}：康复者、家属与社区居民共同参与",
                workers=[WorkerHours(u, Decimal("2.5"), Decimal("1.5")) for u in team],
                participants=participants,
                acting_user=team[0],
            )
            self.done["service.community_event"] += 1

    def _name(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)

    name = _name

    def workday(self, day: dt.date) -> dt.date | None:
        """``day`` or the next working day, if not after the demo's reference day."""
        return _workday(day, self.ref)

    # --- Chongchuan ----------------------------------------------------------------------------

    def chongchuan_groups(self) -> None:
        rng = self.rng
        taken: set[int] = set()
        staff = [self.users["counsellor"], self.users["cc_sw1"]]
        for n, theme in enumerate(CC_GROUPS):
            starts_on = _workday(dt.date(2026, 4 + 3 * n, 6 + rng.randrange(10)), self.ref)
            if starts_on is None:
                continue
            pool = [
                c
                for c in self._eligible("multi_family_group", starts_on, taken)
                if c.client.condition_stable
            ]
            members = pool[: rng.randint(3, 5)]
            if len(members) < 3:
                continue
            taken.update(m.pk for m in members)
            self._programme(
                code="multi_family_group",
                theme=theme,
                members=members,
                sessions=rng.randint(6, 8),
                starts_on=starts_on,
                staff=staff,
                attend=0.85,
                fixed=True,
                families=True,
            )

    def home_visits(self) -> None:
        rng = self.rng
        pool = self._eligible("joint_home_visit", self.ref, set())
        pool = [c for c in pool if (self.ref - self.start[c.pk]).days > 30][:10]
        for case in pool:
            first = self.start[case.pk] + dt.timedelta(days=14)
            day = _workday(
                first + dt.timedelta(days=rng.randrange(max(1, (self.ref - first).days))), self.ref
            )
            worker = case.worker
            if day is None or worker is None:
                continue
            team = [WorkerHours(worker, Decimal("1.5"), INDIRECT)]
            if worker.username != "cc_rehab":
                team.append(WorkerHours(self.users["cc_rehab"], Decimal("1.5"), INDIRECT))
            doctor = rng.choice(CC_DOCTORS)
            start = rng.choice((dt.time(9, 0), dt.time(10, 0), dt.time(14, 30)))
            home_visit_record(
                case=case,
                on=day,
                starts_at=start,
                ends_at=_end(start, 90),
                workers=team,
                visitors=[doctor],
                followup_answers=self._follow_up(doctor[0]),
                guardian_support=rng.choice(GUARDIAN_SUPPORT),
                acting_user=worker,
            )
            self.done["service.home_visit"] += 1

    def _follow_up(self, doctor: str) -> dict[str, Any]:
        """A plausible national follow-up record: mostly stable, some basically stable."""
        rng = self.rng
        stable = rng.random() < 0.7
        fair = ("good", "fair") if stable else ("fair", "poor")
        answers: dict[str, Any] = {
            "form": "home",
            "person_seen": "patient",
            "danger_level": 0 if stable else rng.choice((0, 1)),
            "symptom_status": "gone" if stable else "present",
            "insight": "full" if stable else "partial",
            "locked": "none",
            "hospitalisation": "none",
            "adherence": "regular" if stable else rng.choice(("regular", "intermittent")),
            "adverse_reaction": "none",
            "physical_illness": "none_or_stable",
            "referred": "no",
            "doctor": doctor,
        }
        for code in ("sleep", "appetite", "sf_self_care", "sf_housework", "sf_work"):
            answers[code] = rng.choice(fair)
        for code in ("sf_learning", "sf_social"):
            answers[code] = rng.choice(fair)
        if not stable:
            answers["symptoms"] = rng.sample(["withdrawn", "moody", "suspicion"], 1)
        return answers

    def run(self) -> Counter[str]:
        self.one_to_one()
        needs_survey(self)
        if self.project.template == Project.Template.LIWAN_REHAB:
            self.liwan_groups()
            self.liwan_cycles()
            self.liwan_events()
        else:
            self.chongchuan_groups()
            chongchuan_sessions(self)
            self.home_visits()
        return self.done


def record_services(project: Project, users: dict[str, User], rng: random.Random) -> Counter[str]:
    """A year of services of a demo project; returns what was recorded, by kind."""
    with translation.override(settings.LANGUAGE_CODE):
        return Services(project, users, rng).run()
