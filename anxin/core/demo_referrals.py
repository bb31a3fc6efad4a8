"""The demo's referral network (R6): the organisation's partners at district and street level
with their contacts, the projects' agreements, consents to share, a year of referrals out and in
in every state (some unanswered too long), and the communication groups with their traces. Made
through the actions the pages use, so every rule holds."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from anxin.accounts.models import Membership, Project, User
from anxin.cases.models import Case, Step
from anxin.cases.workdays import next_workday
from anxin.core.demo_case_specs import scan
from anxin.core.demo_operations import survey_report_pdf
from anxin.core.demo_people import People, make_client
from anxin.core.models import Division
from anxin.operations import actions as operations
from anxin.operations.models import ProjectDocument
from anxin.referrals import actions, actions_consent, actions_network
from anxin.referrals.models import CommunicationGroup, Consent, GroupActivity, Partner, Referral

K = Partner.Kind
S = Referral.Status
DAY = dt.timedelta(days=1)

# name, kind, services, switchboard, contacts (role, name, phone)
DISTRICT_PARTNERS = {
    "440103": [
        (
            "荔湾区精神卫生中心",
            K.MENTAL_HEALTH_CENTRE,
            "门诊复诊、住院评估、精防随访指导",
            "020-81701234",
            [("精防科医生", "刘志明", "13802400011"), ("社工部主任", "陈凤仪", "13902400022")],
        ),
        (
            "广州医科大学附属脑科医院",
            K.HOSPITAL,
            "精神科门急诊、住院治疗、出院转介",
            "020-81891425",
            [("出院准备服务护士", "黄丽珍", "13602400033")],
        ),
        (
            "荔湾区残疾人联合会",
            K.DISABILITY_FEDERATION,
            "残疾证办理、康复补贴、辅助性就业",
            "020-81234567",
            [("康复部干事", "李伟强", "13502400044")],
        ),
        (
            "荔湾区民政局社会事务科",
            K.CIVIL_AFFAIRS,
            "低保、特困供养、临时救助",
            "020-81345678",
            [("科员", "张敏", "13702400055")],
        ),
    ],
    "320613": [
        (
            "南通市第四人民医院",
            K.HOSPITAL,
            "精神科门急诊、心理门诊、住院治疗",
            "0513-85601234",
            [("心理科医生", "顾建华", "13813600011")],
        ),
        (
            "崇川区残疾人联合会",
            K.DISABILITY_FEDERATION,
            "残疾证办理、康复补贴",
            "0513-85123456",
            [("康复科干事", "陆美琴", "13913600022")],
        ),
        (
            "崇川区民政局",
            K.CIVIL_AFFAIRS,
            "社会救助、心理关爱项目",
            "0513-85234567",
            [("社会救助科科员", "钱磊", "13713600033")],
        ),
    ],
}
# Per street (the first few of the district): its office and its community health centre.
STREET_PARTNERS = (
    ("{street}办事处", K.STREET_OFFICE, "综治、民政、残联专干", [("残联专干", "梁小燕")]),
    (
        "{street}社区卫生服务中心",
        K.COMMUNITY_HEALTH,
        "精防医生随访、免费服药",
        [("精防医生", "吴国栋")],
    ),
)
REASONS = {
    Referral.Reason.MEDICAL: (
        "近两周睡眠差、自行减药，需门诊复诊评估用药",
        "出现幻听加重，家属担心复发，需精神科评估",
        "服药后手抖明显，需医生评估药物副作用",
    ),
    Referral.Reason.PROFESSIONAL: (
        "有就业意愿，需辅助性就业评估与岗位推荐",
        "需办理残疾证评残及康复补贴申请",
        "家庭照顾压力大，需家庭治疗与照顾者支持",
    ),
    Referral.Reason.OTHER: (
        "家庭收入骤降，需申请低保与临时救助",
        "独居老人，需居家养老与送餐服务",
    ),
}
FEEDBACK = {
    Referral.Reason.MEDICAL: (
        "已门诊复诊，医生调整用药，两周后复查",
        "住院治疗三周后出院，已回社区继续康复",
    ),
    Referral.Reason.PROFESSIONAL: ("已完成评残，补贴申请已受理", "已安排到辅助性就业基地试岗"),
    Referral.Reason.OTHER: ("已纳入低保，按月发放", "已申请临时救助并发放"),
}
EMERGENCY_NEEDS = "拒食三天、言语中有轻生念头，需急诊评估，必要时住院"
REJECTIONS = ("不符合救助条件，已告知其他途径", "床位已满，建议转至其他医院", "本人拒绝前往")
IN_NEEDS = (
    "出院后需社区康复训练与服药督导",
    "新发放残疾证人员，需社区康复评估",
    "街道摸排发现的居家患者，家属申请康复服务",
)
EMERGENCY = "拒食三天、言语中有轻生念头，家属同意送医，来不及签署同意书"
TRACES = (
    (GroupActivity.Kind.CASE_DISCUSSION, "讨论一名出院患者的社区衔接与随访分工"),
    (GroupActivity.Kind.NOTICE, "转发区精防办关于免费服药政策的通知"),
    (GroupActivity.Kind.MEETING, "季度联席会议：通报转介情况，协调就医绿色通道"),
    (GroupActivity.Kind.CASE_DISCUSSION, "商讨一名拒绝服药患者的家访安排"),
)


class Network:
    def __init__(
        self, project: Project, users: dict[str, User], rng: random.Random, used_ids: set[str]
    ) -> None:
        self.project, self.rng, self.used_ids = project, rng, used_ids
        self.today = timezone.localdate()
        self.lead = User.objects.get(
            memberships__project=project, memberships__role=Membership.Role.LEAD
        )
        self.workers = list(
            User.objects.filter(
                memberships__project=project,
                memberships__active=True,
                memberships__role=Membership.Role.SOCIAL_WORKER,
            ).order_by("username")
        )
        self.streets = list(
            Division.objects.filter(parent=project.district, level="street").order_by("code")
        )
        self.done: Counter[str] = Counter()
        self.partners: dict[str, list[Partner]] = {"district": [], "street": []}

    def day(self, start: dt.date, end: dt.date) -> dt.date:
        return start + dt.timedelta(days=self.rng.randint(0, max((end - start).days, 0)))

    def make_partners(self) -> None:
        org = self.project.organisation_id
        district = self.project.district
        for name, kind, services, phone, contacts in DISTRICT_PARTNERS[district.code]:
            partner = self._partner(org, name, kind, "district", None, services, phone)
            for role, person, mobile in contacts:
                actions_network.partner_contact_add(
                    partner=partner, name=person, role=role, phone=mobile, acting_user=self.lead
                )
            self.partners["district"].append(partner)
        for street in self.streets[:6]:
            for pattern, kind, services, people in STREET_PARTNERS:
                partner = self._partner(
                    org, pattern.format(street=street.name), kind, "street", street, services, ""
                )
                for role, person in people:
                    actions_network.partner_contact_add(
                        partner=partner,
                        name=person,
                        role=role,
                        phone=f"139{self.rng.randint(10000000, 99999999)}",
                        acting_user=self.lead,
                    )
                self.partners["street"].append(partner)
        for partner in self.partners["district"][:3]:
            actions_network.agreement_add(
                project=self.project,
                partner=partner,
                title=f"{partner.name}双向转介合作协议",
                signed_on=self.project.period_start + dt.timedelta(days=self.rng.randint(10, 40)),
                ends_on=self.project.period_end,
                scope="双向转介、联合家访、信息共享（须经服务对象同意）",
                file=scan(f"agreement-{partner.pk}.png"),
                acting_user=self.lead,
            )
            self.done["agreements"] += 1

    def mechanism(self) -> None:
        """The referral mechanism document the contract asks for (LW §9 row 3)."""
        on = self.project.period_start + 45 * DAY
        if on > self.today:
            return
        title = f"{self.project.district.name}精神障碍社区康复双向转介工作机制"
        operations.project_document_upload(
            project=self.project,
            kind=ProjectDocument.Kind.REFERRAL_MECHANISM,
            title=title,
            on=on,
            upload=SimpleUploadedFile(
                f"referral-mechanism-{self.project.code}.pdf",
                survey_report_pdf(f"Referral mechanism - {self.project.code}"),
                content_type="application/pdf",
            ),
            acting_user=self.lead,
        )
        self.done["mechanism"] += 1

    def _partner(
        self, org: int, name: str, kind: str, level: str, street: Any, services: str, phone: str
    ) -> Partner:
        existing = Partner.objects.filter(organisation_id=org, name=name).first()
        if existing is not None:  # the organisation's directory is shared by its projects
            return existing
        self.done["partners"] += 1
        return actions_network.partner_create(
            organisation_id=org,
            data=actions_network.PartnerInput(
                name=name,
                kind=kind,
                level=level,
                district=self.project.district,
                street=street,
                services=services,
                phone=phone,
            ),
            acting_user=self.lead,
        )

    def _target(self, reason: str, case: Case) -> Partner:
        district, street = self.partners["district"], self.partners["street"]
        local = [p for p in street if p.street_id == case.client.street_id]
        if reason == Referral.Reason.MEDICAL:
            pool = district[:2] + [p for p in local if p.kind == K.COMMUNITY_HEALTH]
        elif reason == Referral.Reason.PROFESSIONAL:
            pool = [p for p in district if p.kind == K.DISABILITY_FEDERATION] or district
        else:
            pool = [p for p in district if p.kind == K.CIVIL_AFFAIRS] + [
                p for p in local if p.kind == K.STREET_OFFICE
            ]
        return self.rng.choice(pool or district)

    def referrals_out(self, count: int) -> None:
        cases = list(
            Case.objects.filter(project=self.project, status=Case.Status.OPEN, step=Step.SERVICE)
            .select_related("client", "project__organisation")
            .order_by("pk")
        )
        rng = self.rng
        dated = []
        for case in rng.sample(cases, min(count, len(cases))):
            start = max(case.opened_on + 7 * DAY, self.project.period_start + 30 * DAY)
            if start < self.today - 3 * DAY:
                dated.append((self.day(start, self.today - 3 * DAY), case.pk, case))
        for drafted, _pk, case in sorted(dated):  # numbered in the order they were made
            reason = rng.choices(list(REASONS), weights=[5, 3, 2])[0]
            partner = self._target(reason, case)
            worker = case.worker or rng.choice(self.workers)
            values: dict[str, Any] = {"basis": Referral.Basis.CONSENT}
            if reason == Referral.Reason.MEDICAL and rng.random() < 0.08:
                values = {
                    "basis": Referral.Basis.EMERGENCY,
                    "emergency_reason": EMERGENCY,
                    "urgent": True,
                }
            else:
                values["consent"] = actions_consent.consent_record(
                    case=case,
                    given_by=rng.choice([Consent.GivenBy.CLIENT, Consent.GivenBy.GUARDIAN]),
                    guardian_name="家属",
                    scope=["identity", "contact", "diagnosis", "risk", "services"],
                    purpose="转介至合作机构获得所需服务",
                    given_on=max(case.opened_on, drafted - rng.randint(0, 10) * DAY),
                    method=Consent.Method.SIGNED,
                    scan=scan(f"consent-{case.pk}.png"),
                    acting_user=worker,
                )
                self.done["consents"] += 1
            referral = actions.referral_draft(
                case=case,
                partner=partner,
                partner_contact=partner.contacts.filter(active=True).first(),
                reason=reason,
                needs=EMERGENCY_NEEDS if values.get("urgent") else rng.choice(REASONS[reason]),
                shared=rng.choice(
                    [
                        ["identity", "contact", "diagnosis"],
                        ["identity", "diagnosis", "risk"],
                        ["identity", "contact", "services"],
                    ]
                ),
                on=drafted,
                acting_user=worker,
                **values,
            )
            self._follow(referral, drafted, worker)

    def _follow(self, referral: Referral, drafted: dt.date, worker: User) -> None:
        rng = self.rng
        fate = rng.choices(
            ["drafted", "cancelled", "sent", "received", "accepted", "rejected", "completed"],
            weights=[2, 1, 6, 2, 6, 4, 18],
        )[0]
        self.done[f"out.{fate}"] += 1
        if fate == "drafted":
            return
        if fate == "cancelled":
            self._move(referral, S.CANCELLED, drafted, worker, "家属决定暂不转介")
            return
        on = min(next_workday(drafted + rng.randint(0, 2) * DAY), self.today)
        self._move(referral, S.SENT, on, worker)
        if fate == "sent":
            return
        on = min(on + rng.randint(1, 3) * DAY, self.today)
        if fate in ("received", "completed") or rng.random() < 0.5:
            self._move(referral, S.RECEIVED, on, worker)
        if fate == "received":
            return
        on = min(on + rng.randint(1, 8) * DAY, self.today)
        if fate == "rejected":
            self._move(referral, S.REJECTED, on, worker, rng.choice(REJECTIONS))
            return
        self._move(referral, S.ACCEPTED, on, worker)
        end = on + rng.randint(7, 40) * DAY
        if fate == "completed" and end <= self.today:
            feedback = rng.choice(FEEDBACK[Referral.Reason(referral.reason)])
            self._move(referral, S.COMPLETED, end, worker, feedback)

    def _move(self, referral: Referral, to: str, on: dt.date, user: User, note: str = "") -> None:
        actions.referral_move(referral=referral, to=to, on=on, note=note, acting_user=user)

    def referrals_in(self, count: int) -> None:
        rng = self.rng
        people = People(rng, self.project.district.code, self.streets, self.used_ids)
        sources = self.partners["district"][:2] + self.partners["street"]
        liwan = self.project.template == Project.Template.LIWAN_REHAB
        first = self.project.period_start + 30 * DAY
        for received in sorted(self.day(first, self.today - DAY) for _ in range(count)):
            street = rng.choice(self.streets[:6])
            data = make_client(
                people, street, self.project.district, liwan=liwan, newly_certified=False
            )
            worker = rng.choice(self.workers)
            referral = actions.referral_in_record(
                project=self.project,
                partner=rng.choice(sources),
                reason=Referral.Reason.PROFESSIONAL,
                needs=rng.choice(IN_NEEDS),
                person_name=data.name,
                person_phone=data.phone,
                received_on=received,
                acting_user=worker,
            )
            fate = rng.choices(["waiting", "registered", "declined"], weights=[1, 5, 1])[0]
            if fate == "waiting" or received >= self.today - DAY:
                self.done["in.waiting"] += 1
                continue
            on = min(received + rng.randint(1, 7) * DAY, self.today)
            if fate == "declined":
                self._move(referral, S.REJECTED, on, worker, "户籍不在本区，已建议联系户籍地项目")
                outcome = "电话告知转介机构：不符合服务条件及原因"
            else:
                try:
                    actions.referral_in_register(
                        referral=referral, data=data, on=on, acting_user=worker
                    )
                except ValidationError:  # a generated person the project's rules refuse
                    self._move(referral, S.REJECTED, on, worker, "经评估不符合服务条件")
                    fate = "declined"
                outcome = "电话告知转介机构：已接收并建档，负责社工已联系家属"
            self.done[f"in.{fate}"] += 1
            told = on + rng.randint(0, 5) * DAY
            if told <= self.today and rng.random() < 0.85:
                referral.refresh_from_db()
                actions.referral_report_outcome(
                    referral=referral, on=told, report=outcome, acting_user=worker
                )

    def groups(self, count: int) -> None:
        rng = self.rng
        district = self.partners["district"]
        specs: list[tuple[str, str, Division | None, str, list[Partner]]] = [
            (
                "{district}精神障碍社区康复转介工作群",
                "district",
                None,
                CommunicationGroup.Platform.WECHAT,
                district,
            )
        ]
        specs.append(
            (
                "{district}精防医社联席会议",
                "district",
                None,
                CommunicationGroup.Platform.MEETING,
                district[:2],
            )
        )
        for street in self.streets[: max(count - 2, 0)]:
            local = [p for p in self.partners["street"] if p.street_id == street.pk] or district[:1]
            specs.append(
                (
                    f"{street.name}精防康复沟通群",
                    "street",
                    street,
                    CommunicationGroup.Platform.WECHAT,
                    local + district[:1],
                )
            )
        team = [self.lead, *self.workers[:2]]
        for i, (name, level, place, platform, partners) in enumerate(specs[:count]):
            started = self.project.period_start + rng.randint(5, 60) * DAY
            group = actions_network.group_create(
                project=self.project,
                data=actions_network.GroupInput(
                    name=name.format(district=self.project.district.name),
                    platform=platform,
                    level=level,
                    street=place,
                    purpose="医院、社区与康复机构之间的双向转介、个案沟通与信息通报",
                    started_on=started,
                    partners=partners,
                    staff=team,
                ),
                acting_user=self.lead,
            )
            self.done["groups"] += 1
            if i == len(specs[:count]) - 1:
                continue  # one street group set up but silent this year: not counted
            on = started + rng.randint(3, 20) * DAY
            while on <= self.today:
                kind, summary = rng.choice(TRACES)
                actions_network.group_activity_add(
                    group=group,
                    on=on,
                    kind=kind,
                    summary=summary,
                    evidence=scan(f"trace-{group.pk}.png") if rng.random() < 0.3 else None,
                    acting_user=rng.choice(team),
                )
                self.done["traces"] += 1
                on += rng.randint(20, 45) * DAY


def record_referrals(
    project: Project, users: dict[str, User], rng: random.Random, used_ids: set[str]
) -> Counter[str]:
    """The project's referral network through the actions; what was made, by kind."""
    network = Network(project, users, rng, used_ids)
    liwan = project.template == Project.Template.LIWAN_REHAB
    network.make_partners()
    network.mechanism()
    network.groups(8 if liwan else 3)
    network.referrals_out(34 if liwan else 10)
    network.referrals_in(12 if liwan else 4)
    return Counter({f"referrals.{key}": n for key, n in network.done.items()})
