"""The demo's psychological hotline (R5.5, R5.6) for the Chongchuan project: a year of calls and
chats (about 220 finished, by caller type and topic, some from repeat callers, some linked to
clients and guardians), call-backs (most made, a few recent ones missed), a handful of positive
risk screenings whose escalations took their steps and were closed by the project lead with an
outcome, one still open, and the federation's list of about 120 newly certified people imported
and called (about 100 attempts), a few of them registered as clients.

Everything goes through the actions the pages use (``anxin.hotline.actions``,
``actions_crisis``, ``actions_outreach``), so encryption, blind indexes, audit events, crisis
tasks and the escalation's follow-up call are the real thing. The actions date what they create
now (an escalation opens at once, a call-back is made now); the demo then moves those moments
back to the day of the call (one ``update`` per row), so that the year reads as it happened.
Deterministic for a given ``random.Random``; every date on or before ``reference_day()``.
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from django.utils import timezone
from openpyxl import Workbook

from anxin.accounts.models import Project, User
from anxin.cases.models import Case, Task
from anxin.cases.tasks import source_label
from anxin.cases.workdays import is_workday, next_workday
from anxin.clients.actions import family_member_add
from anxin.clients.intake import FamilyInput
from anxin.clients.models import Client, FamilyMember
from anxin.core.demo_case_specs import reference_day
from anxin.core.demo_people import People
from anxin.core.models import Division
from anxin.hotline import actions, actions_crisis, actions_outreach
from anxin.hotline.models import Call, CallBack, Escalation, EscalationStep, OutreachPerson

OPERATORS = (("counsellor", 5), ("cc_sw1", 3), ("cc_sw2", 2))
CLOSER = "cc_lead"  # the Chongchuan project has no supervisor: its lead closes escalations
CALLS = 185  # first calls of the year, before call-backs and crisis follow-ups
OUTREACH_PEOPLE = 120
OUTREACH_CALLED = 95  # people called so far, longest certified first: about 100 attempts
CALLERS = (
    (Call.CallerType.CLIENT, 34),
    (Call.CallerType.GUARDIAN, 24),
    (Call.CallerType.FAMILY, 12),
    (Call.CallerType.DISABILITY_WORKER, 6),
    (Call.CallerType.PUBLIC, 8),
    (Call.CallerType.ANONYMOUS, 16),
)
TOPICS: dict[str, tuple[str, ...]] = {
    Call.CallerType.CLIENT: ("emotions", "medication", "relapse_signs", "employment", "sleep"),
    Call.CallerType.GUARDIAN: (
        "caregiving_stress",
        "medication",
        "family_conflict",
        "relapse_signs",
    ),
    Call.CallerType.FAMILY: ("family_conflict", "caregiving_stress", "welfare_policy", "emotions"),
    Call.CallerType.DISABILITY_WORKER: ("welfare_policy", "caregiving_stress", "other"),
    Call.CallerType.PUBLIC: ("welfare_policy", "emotions", "relationships", "other"),
    Call.CallerType.ANONYMOUS: ("emotions", "relationships", "sleep", "family_conflict"),
}
OUTCOMES = (
    (Call.Outcome.SUPPORTED, 56),
    (Call.Outcome.INFORMED, 24),
    (Call.Outcome.REFERRED, 8),
    (Call.Outcome.CALL_BACK, 10),
    (Call.Outcome.DROPPED, 2),
)
CHANNELS = ((Call.Channel.PHONE_IN, 74), (Call.Channel.CHAT, 20), (Call.Channel.PHONE_OUT, 6))
NOTES = {
    "emotions": "来电者近来情绪低落、容易烦躁，倾听并共同梳理压力来源，练习呼吸放松",
    "medication": "询问药物副作用与漏服处理，建议按医嘱服药并在复诊时向医生说明",
    "relapse_signs": "家人发现睡眠减少、自言自语增多，讲解复发先兆并建议尽快复诊",
    "employment": "咨询辅助性就业和职业康复渠道，介绍残联就业服务窗口与工疗站",
    "sleep": "入睡困难两周，讨论作息安排与睡前放松方法，建议复诊时告知医生",
    "caregiving_stress": "监护人长期照护身心疲惫，给予情绪支持并介绍监护人心理沙龙",
    "family_conflict": "家中因服药问题发生争吵，帮助双方表达感受，约定家庭沟通方式",
    "welfare_policy": "咨询精神残疾人护理补贴、服药补助申请条件与流程，告知所需材料",
    "relationships": "与邻里、同事相处困难，倾听并讨论表达需求的方式",
    "other": "一般咨询，解答后来电者表示满意",
}
# (month, day, screening, steps, linked to a client, outcome)
CRISES = (
    (
        2,
        24,
        {"suicidal_thoughts": True, "intent": False, "plan": True, "means": False},
        (
            (8, "guardian", "联系其母亲，母亲赶回家中陪伴"),
            (20, "supervisor", "与项目负责人电话会商"),
        ),
        False,
        "母亲全程陪伴，次日陪同至市第四人民医院门诊就诊；来电者同意每周接受一次电话支持",
    ),
    (
        4,
        16,
        {"suicidal_thoughts": False, "violence": True, "danger_level": 3},
        (
            (6, "police_110", "家属反映其持续砸物，拨打 110 请求社区民警到场"),
            (25, "hospital", "民警与家属共同护送至市精神卫生中心急诊"),
            (40, "guardian", "与监护人确认就医安排"),
        ),
        True,
        "急诊留观后住院治疗两周，出院后纳入联合入户随访，家属已知晓复发先兆应对方法",
    ),
    (
        6,
        9,
        {"suicidal_thoughts": True, "intent": True, "plan": True, "means": True},
        (
            (3, "ambulance_120", "来电者称已服下大量药物，立即拨打 120，保持通话"),
            (12, "guardian", "联系配偶赶往现场"),
            (30, "supervisor", "报告项目负责人"),
        ),
        False,
        "120 到场后送医洗胃，脱离危险；出院后由心理咨询师跟进，转介精神科门诊复诊",
    ),
    (
        8,
        20,
        {
            "suicidal_thoughts": True,
            "intent": False,
            "plan": False,
            "means": False,
            "danger_level": 1,
        },
        ((10, "guardian", "告知监护人并约定当晚陪伴"),),
        True,
        "情绪逐步平稳，已恢复规律服药；约定两周后电话回访",
    ),
    (
        10,
        13,
        {"suicidal_thoughts": False, "violence": True},
        ((5, "guardian", "联系其哥哥"), (15, "hospital", "建议次日到精神专科医院就诊并协助预约")),
        False,
        "次日由家属陪同就诊，医生调整药物；家属已掌握危机时的求助渠道",
    ),
)
OPEN_CRISIS = (
    {"suicidal_thoughts": True, "intent": False, "plan": True, "means": False},
    ((7, "guardian", "联系其女儿，女儿表示当晚回家陪伴"),),
)
RESULTS: tuple[tuple[str, int], ...] = (
    (OutreachPerson.Status.NO_ANSWER, 30),
    (OutreachPerson.Status.REACHED, 45),
    (OutreachPerson.Status.NEEDS_SERVICE, 15),
    (OutreachPerson.Status.REFUSED, 10),
)
ENROL = 4


def _pick(rng: random.Random, pairs: tuple[tuple[Any, int], ...]) -> Any:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _aware(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(
        day.year, day.month, day.day, hour, minute, tzinfo=timezone.get_current_timezone()
    )


class Hotline:
    def __init__(
        self, project: Project, users: dict[str, User], rng: random.Random, scale: float
    ) -> None:
        self.project = project
        self.users = users
        self.rng = rng
        self.scale = scale
        self.ref = reference_day()
        self.first = max(project.period_start, dt.date(self.ref.year, 1, 5))
        self.done: Counter[str] = Counter()
        self.cases = list(
            Case.objects.filter(project=project, status=Case.Status.OPEN)
            .select_related("client")
            .order_by("pk")
        )
        guardians = FamilyMember.objects.filter(
            client__cases__project=project, is_guardian=True, active=True
        ).order_by("pk")
        self.guardians = list(guardians)
        self.phones = People(rng, "320613", [], set())
        self.regulars = [self.phones.phone() for _ in range(max(3, round(25 * scale)))]

    def operator(self) -> User:
        return self.users[_pick(self.rng, OPERATORS)]

    def moment(self, day: dt.date | None = None) -> dt.datetime:
        rng = self.rng
        if day is None:
            span = (self.ref - self.first).days
            day = self.first + dt.timedelta(days=rng.randrange(span + 1))
        if not is_workday(day) and rng.random() < 0.7:
            day = next_workday(day)
        day = min(day, self.ref)
        return _aware(day, rng.randrange(8, 20), rng.choice((0, 10, 20, 30, 40, 50)))

    def values(
        self, caller: str, outcome: str, *, screening: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        rng = self.rng
        topics = rng.sample(TOPICS[caller], k=1 if rng.random() < 0.6 else 2)
        phone = ""
        if caller != Call.CallerType.ANONYMOUS or rng.random() < 0.4:
            phone = rng.choice(self.regulars) if rng.random() < 0.35 else self.phones.phone()
        return {
            "caller_type": caller,
            "phone": phone,
            "topics": topics if outcome != Call.Outcome.DROPPED else [],
            "screening": screening or {"suicidal_thoughts": False, "violence": False},
            "notes": "；".join(NOTES[t] for t in topics)
            if outcome != Call.Outcome.DROPPED
            else "通话中断",
            "outcome": outcome,
            "minutes": rng.randrange(2, 6)
            if outcome == Call.Outcome.DROPPED
            else rng.randrange(8, 46),
        }

    # --- calls -----------------------------------------------------------------------------

    def call(
        self, at: dt.datetime, caller: str, outcome: str, *, screening: dict[str, Any] | None = None
    ) -> Call:
        user = self.operator()
        call = actions.call_start(
            project=self.project,
            channel=_pick(self.rng, CHANNELS),
            started_at=at,
            acting_user=user,
        )
        if outcome == Call.Outcome.CALL_BACK:
            self.schedule(call, at, user)
        call = actions.call_finish(
            call=call, values=self.values(caller, outcome, screening=screening), acting_user=user
        )
        self.link(call, user)
        self.done["hotline_calls"] += 1
        return call

    def link(self, call: Call, user: User) -> None:
        rng = self.rng
        if call.caller_type == Call.CallerType.CLIENT and self.cases and rng.random() < 0.4:
            case = rng.choice(self.cases)
            actions.call_link(
                call=call, case=case, reason="来电者报出姓名和住址，与档案一致", acting_user=user
            )
            self.done["linked"] += 1
        elif call.caller_type == Call.CallerType.GUARDIAN and self.guardians and rng.random() < 0.4:
            member = rng.choice(self.guardians)
            actions.call_link(
                call=call,
                family_member=member,
                reason="监护人报出服务对象姓名，核对无误",
                acting_user=user,
            )
            self.done["linked"] += 1

    def schedule(self, call: Call, at: dt.datetime, user: User) -> None:
        call_back = actions.call_back_schedule(
            call=call,
            due_at=timezone.now() + dt.timedelta(hours=1),
            reason="约定回访，了解情况是否好转",
            acting_user=user,
        )
        due = self.moment(at.date() + dt.timedelta(days=self.rng.choice((1, 2, 3))))
        CallBack.objects.filter(pk=call_back.pk).update(created_at=at, due_at=due)
        self.done["call_backs"] += 1

    def make_call_backs(self) -> None:
        """Most call-backs were made; one in six was missed, and half of the last two weeks'."""
        rng = self.rng
        pending = CallBack.objects.filter(
            project=self.project, escalation__isnull=True, done_at__isnull=True
        ).order_by("due_at", "pk")
        for index, call_back in enumerate(pending):
            due = timezone.localtime(call_back.due_at)
            recent = due.date() > self.ref - dt.timedelta(days=14)
            if due.date() > self.ref or (recent and rng.random() < 0.5) or index % 6 == 5:
                self.done["call_backs_missed"] += 1
                continue
            made_at = due + dt.timedelta(minutes=rng.randrange(-20, 40))
            self.follow_up(call_back, made_at, Call.Outcome.SUPPORTED)
            self.done["call_backs_made"] += 1

    def follow_up(self, call_back: CallBack, at: dt.datetime, outcome: str) -> Call:
        user = call_back.assignee
        call = actions.call_back_make(call_back=call_back, acting_user=user)
        values = self.values(call.caller_type, outcome)
        values.pop("caller_type")
        values.pop("phone")
        call = actions.call_finish(call=call, values=values, acting_user=user)
        Call.objects.filter(pk=call.pk).update(started_at=at, created_at=at)
        CallBack.objects.filter(pk=call_back.pk).update(done_at=at)
        if call_back.escalation_id is not None:
            EscalationStep.objects.filter(
                escalation_id=call_back.escalation_id, kind=EscalationStep.Kind.FOLLOW_UP
            ).update(at=at)
        self.done["hotline_calls"] += 1
        return call

    # --- crises ----------------------------------------------------------------------------

    def crisis(
        self,
        at: dt.datetime,
        screening: dict[str, Any],
        steps: tuple[tuple[int, str, str], ...],
        linked: bool,
    ) -> Escalation:
        user = self.users["counsellor"]
        caller = Call.CallerType.CLIENT if linked else Call.CallerType.ANONYMOUS
        call = actions.call_start(project=self.project, started_at=at, acting_user=user)
        if linked and self.cases:
            actions.call_link(
                call=call,
                case=self.rng.choice(self.cases),
                reason="家属来电报出姓名，核对档案一致",
                acting_user=user,
            )
        full = {"suicidal_thoughts": False, "intent": None, "plan": None, "means": None}
        full |= {"violence": False, **screening}
        values = self.values(caller, Call.Outcome.ESCALATED, screening=full)
        values["topics"] = ["emotions", "relapse_signs"] if linked else ["emotions"]
        values["notes"] = (
            "来电中筛查发现风险，按危机流程处理：稳定情绪、确认所在位置与安全状况、联系家属"
        )
        values["minutes"] = self.rng.randrange(35, 70)
        call = actions.call_finish(call=call, values=values, acting_user=user)
        escalation = Escalation.objects.get(call=call)
        opened = at + dt.timedelta(minutes=3)
        Escalation.objects.filter(pk=escalation.pk).update(
            created_at=opened,
            updated_at=opened,
            follow_up_due=opened + actions_crisis.FOLLOW_UP_WITHIN,
        )
        CallBack.objects.filter(escalation=escalation).update(
            created_at=opened, due_at=opened + actions_crisis.FOLLOW_UP_WITHIN
        )
        if call.case_id:
            prefix = f"crisis:{call.case_id}:{source_label(call)}:"
            Task.objects.filter(key__startswith=prefix).update(due_on=at.date())
        escalation.refresh_from_db()
        for minutes, kind, note in steps:
            actions_crisis.escalation_step_add(
                escalation=escalation,
                kind=kind,
                at=at + dt.timedelta(minutes=minutes),
                note=note,
                acting_user=user,
            )
        self.done["hotline_calls"] += 1
        self.done["escalations"] += 1
        return escalation

    def crises(self) -> None:
        rng = self.rng
        for month, day, screening, steps, linked, outcome in CRISES:
            when = dt.date(self.ref.year, month, day)
            if when >= self.ref - dt.timedelta(days=10) or when < self.first:
                continue
            at = self.moment(when)
            escalation = self.crisis(at, screening, steps, linked)
            call_back = CallBack.objects.get(escalation=escalation)
            self.follow_up(
                call_back, at + dt.timedelta(hours=rng.randrange(16, 23)), Call.Outcome.SUPPORTED
            )
            actions_crisis.escalation_close(
                escalation=escalation, outcome=outcome, acting_user=self.users[CLOSER]
            )
            closed = at + dt.timedelta(days=rng.randrange(2, 6), hours=rng.randrange(0, 5))
            Escalation.objects.filter(pk=escalation.pk).update(closed_at=closed, updated_at=closed)
            if escalation.call.case_id:
                prefix = f"crisis:{escalation.call.case_id}:{source_label(escalation.call)}:"
                Task.objects.filter(key__startswith=prefix).update(handled_at=closed)
            self.done["escalations_closed"] += 1
        # One still open: a call two days before the reference day, its follow-up call made the
        # next day, waiting for the lead to close it.
        at = _aware(self.ref - dt.timedelta(days=2), 19, 40)
        screening, steps = OPEN_CRISIS
        escalation = self.crisis(at, screening, steps, False)
        call_back = CallBack.objects.get(escalation=escalation)
        self.follow_up(
            call_back, _aware(self.ref - dt.timedelta(days=1), 10, 30), Call.Outcome.SUPPORTED
        )

    # --- outreach --------------------------------------------------------------------------

    def outreach(self) -> None:
        rng = self.rng
        streets = list(
            Division.objects.filter(
                parent_id=self.project.district_id, kind=Division.Kind.SUBDISTRICT
            ).order_by("code")
        )
        taken = set(
            Client.objects.filter(organisation=self.project.organisation).values_list(
                "id_number", flat=True
            )
        )
        people = People(rng, "320613", streets, taken)
        total = max(5, round(OUTREACH_PEOPLE * self.scale))
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append(["崇川区2026年新办证精神残疾人名单（区残联）"])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=8)
        sheet.append(
            [
                "序号",
                "姓名",
                "公民身份号码",
                "残疾类别",
                "残疾等级",
                "发证日期",
                "联系电话",
                "所属街道",
            ]
        )
        start = dt.date(self.ref.year - 1, 12, 1)
        span = (self.ref - dt.timedelta(days=5) - start).days
        levels = ("一级", "二级", "二级", "三级", "三级", "四级")
        for n in range(1, total + 1):
            sex = rng.choice("MF")
            street = rng.choice(streets)
            birth = people.birth_for_age(rng.randrange(20, 70))
            number = people.id_number("320613", birth, sex)
            certified = start + dt.timedelta(days=rng.randrange(span))
            sheet.append(
                [
                    n,
                    people.name(sex),
                    number,
                    "精神",
                    rng.choice(levels),
                    certified.isoformat(),
                    people.phone(),
                    street.name,
                ]
            )
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "newly-certified.xlsx"
            book.save(path)
            result = actions_outreach.outreach_import(
                project=self.project,
                path=path,
                acting_user=self.users["counsellor"],
                file_name="崇川区2026年新办证精神残疾人名单.xlsx",
            )
        assert result.ok, [e.messages for e in result.errors]
        self.done["outreach_people"] = result.created
        self.calls_to_the_list()

    def calls_to_the_list(self) -> None:
        rng = self.rng
        listed = list(
            OutreachPerson.objects.filter(project=self.project).order_by("certified_on", "pk")
        )
        needing: list[tuple[OutreachPerson, dt.datetime]] = []
        called = max(3, round(OUTREACH_CALLED * self.scale))  # the others are still to call
        for person in listed[:called]:
            assert person.certified_on is not None
            first = person.certified_on + dt.timedelta(days=rng.randrange(14, 75))
            if first > self.ref:
                continue
            tries = 2 if rng.random() < 0.2 else 1
            day = first
            for _ in range(tries):
                if day > self.ref:
                    break
                result = _pick(rng, RESULTS)
                at = self.moment(day)
                reached = result in (
                    OutreachPerson.Status.REACHED,
                    OutreachPerson.Status.NEEDS_SERVICE,
                )
                actions_outreach.outreach_attempt_record(
                    person=person,
                    result=result,
                    started_at=at,
                    minutes=rng.randrange(6, 25)
                    if reached
                    else (rng.randrange(1, 4) if result == "refused" else None),
                    caller_type=Call.CallerType.CLIENT
                    if rng.random() < 0.7
                    else Call.CallerType.FAMILY,
                    topics=["welfare_policy"] + (["emotions"] if rng.random() < 0.4 else [])
                    if reached
                    else [],
                    notes="介绍项目服务与残疾人福利政策，了解近况与需求" if reached else "",
                    screening={"suicidal_thoughts": False, "violence": False} if reached else None,
                    acting_user=self.operator(),
                )
                self.done["outreach_attempts"] += 1
                if result == OutreachPerson.Status.NEEDS_SERVICE:
                    needing.append((person, at))
                if result != OutreachPerson.Status.NO_ANSWER:
                    break
                day += dt.timedelta(days=rng.randrange(3, 10))
        for person, at in needing[: max(1, round(ENROL * self.scale))]:
            person.refresh_from_db()
            on = min(at.date() + dt.timedelta(days=rng.randrange(3, 10)), self.ref)
            user = self.users["cc_sw1"]
            case = actions_outreach.outreach_enrol(person=person, acting_user=user, opened_on=on)
            surname = person.name[0]
            family_member_add(
                client=case.client,
                member=FamilyInput(
                    name=people_name(rng, surname),
                    relation=rng.choice(("parent", "spouse", "sibling")),
                    is_guardian=True,
                    phone=self.phones.phone(),
                ),
                acting_user=user,
            )
            self.done["outreach_enrolled"] += 1

    def run(self) -> Counter[str]:
        rng = self.rng
        count = max(10, round(CALLS * self.scale))
        moments = sorted(self.moment() for _ in range(count))
        for at in moments:
            self.call(at, _pick(rng, CALLERS), _pick(rng, OUTCOMES))
        self.make_call_backs()
        self.crises()
        self.outreach()
        return self.done


def people_name(rng: random.Random, surname: str) -> str:
    return surname + "".join(rng.choice("建国秀英桂兰志强红梅") for _ in range(2))


def record_hotline(
    project: Project, users: dict[str, User], rng: random.Random, *, scale: float = 1.0
) -> Counter[str]:
    """A year of the project's hotline through the actions; what was made, by kind."""
    if project.template != Project.Template.CHONGCHUAN_PSYCH:
        return Counter()
    return Hotline(project, users, rng, scale).run()
