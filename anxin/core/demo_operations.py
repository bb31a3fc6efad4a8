"""The demo's staff development and publicity (R7.5, R7.6), recorded with the same actions the
pages use: a year of monthly administrative meetings (and a few case conferences), about eight
staff trainings with hours for every team member, about fourteen supervisions with a record per
worker, five articles (some in provincial or national media, some accepted by the purchaser) and
the needs-survey report as a small generated PDF.

Deterministic for a given ``random.Random``: every date is a working day on or before
``reference_day()``, in the project's first year.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from decimal import Decimal

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from anxin.accounts.models import Membership, Project, User
from anxin.cases.workdays import is_workday, next_workday
from anxin.core.demo_case_specs import reference_day
from anxin.operations import actions
from anxin.operations.models import Article, Meeting, ProjectDocument, Supervision

R = Membership.Role
# (month, day, title, provider, hours): the year's trainings.
TRAININGS = (
    (1, 16, "精神障碍社区康复服务规范与流程", "广州市社会工作协会", Decimal("6")),
    (2, 27, "精神科常用药物及不良反应识别", "区精神卫生中心 主治医师", Decimal("5")),
    (3, 20, "危机识别与干预：自伤自杀风险评估", "外聘督导", Decimal("6")),
    (4, 24, "个案管理与服务计划撰写", "机构督导团队", Decimal("5.5")),
    (6, 12, "家庭支持与监护人沟通技巧", "高校社会工作系 讲师", Decimal("5")),
    (7, 17, "康复评估量表的使用（SDSS、PHQ-9）", "区精神卫生中心", Decimal("6")),
    (9, 11, "社区共融活动策划与安全管理", "广州市社会工作协会", Decimal("5.5")),
    (10, 23, "社工自我照顾与压力管理", "心理咨询师（外聘）", Decimal("6")),
)
# Days of the month of the supervisions: monthly, twice in the busiest months.
SUPERVISION_DAYS = (
    (1, 23),
    (2, 13),
    (3, 13),
    (3, 27),
    (4, 17),
    (5, 15),
    (6, 19),
    (7, 10),
    (7, 24),
    (8, 14),
    (9, 18),
    (10, 16),
    (10, 30),
    (11, 13),
)
SUPERVISION_NOTES = (
    "汇报重点个案近况，讨论服药依从性不佳的应对策略，督导建议联合家属共同制定服药提醒方案",
    "讨论小组活动中成员退出的原因，督导建议活动前做好预备会谈并明确小组契约",
    "就一名案主出现复发先兆的处理进行复盘，明确转介流程与家属沟通要点",
    "反思与案主建立关系过程中的边界问题，督导给予支持并建议记录反思日志",
    "讨论服务计划目标过于笼统的问题，按 SMART 原则修订两个个案的计划",
    "分享近期工作压力，督导带领做放松练习，并约定下月跟进",
)
MEETING_AGENDA = (
    "上月服务指标进度通报；本月工作安排；安全与保密提醒",
    "季度服务统计与工时核对；小组活动排期；物资采购",
    "购买方反馈意见的落实；个案档案抽查情况；下月宣传计划",
)
CASE_CONFERENCES = (
    (5, 8, "高风险个案联合研讨"),
    (8, 21, "复发个案转介与跟进研讨"),
    (11, 6, "结案与跟进个案研讨"),
)
ARTICLES = {
    Project.Template.LIWAN_REHAB: (
        ("“心”连社区：荔湾区精神障碍社区康复服务见闻", "中国社会报", "national"),
        ("荔湾社工陪伴精神障碍康复者重返社区", "南方日报", "provincial"),
        ("康复路上不孤单：荔湾区开展精神卫生日宣传活动", "广州日报", "city"),
        ("荔湾区精神障碍社区康复服务项目第一季度工作简报", "荔湾民政", "district"),
        ("家属同行：精神障碍家庭支持小组侧记", "广东民政", "provincial"),
    ),
    Project.Template.CHONGCHUAN_PSYCH: (
        ("崇川“爱在起点”项目为精神残疾人送上心理关怀", "新华日报", "provincial"),
        ("南通崇川：心理热线点亮回家的路", "江苏残联", "provincial"),
        ("多家庭支持小组让照护者不再孤单", "南通日报", "city"),
        ("崇川区精神残疾人心理服务项目工作简报", "崇川残联", "district"),
        ("“爱在起点”项目上半年服务情况", "崇川残联", "district"),
    ),
}
ARTICLE_DAYS = ((3, 18), (5, 20), (7, 8), (9, 25), (10, 28))
OUTSIDE_SUPERVISOR = "外聘督导 孙明"


def _workday(day: dt.date, last: dt.date) -> dt.date | None:
    day = day if is_workday(day) else next_workday(day)
    return day if day <= last else None


def survey_report_pdf(title: str) -> bytes:
    """A small valid one-page PDF (ASCII text: the demo needs no embedded Chinese font)."""
    text = title.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 14 Tf 72 760 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\n".encode()
    out += f"startxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


class Operations:
    def __init__(self, project: Project, users: dict[str, User], rng: random.Random) -> None:
        self.project = project
        self.rng = rng
        self.ref = reference_day()
        self.year = project.period_start.year
        self.done: Counter[str] = Counter()
        ids = {u.pk for u in users.values()}
        memberships = (
            Membership.objects.filter(project=project, active=True, user_id__in=ids)
            .select_related("user")
            .order_by("user__username")
        )
        self.roles = {m.user: m.role for m in memberships}
        self.staff = [u for u, role in self.roles.items() if role in actions.SUPERVISED_ROLES]
        self.team = [u for u, role in self.roles.items() if role in actions.TEAM_ROLES]
        leads = [u for u, role in self.roles.items() if role == R.LEAD]
        self.lead = leads[0] if leads else self.staff[0]
        supervisors = [u for u, role in self.roles.items() if role == R.SUPERVISOR]
        self.supervisor = supervisors[0] if supervisors else None

    def day(self, month: int, day: int) -> dt.date | None:
        start = max(self.project.period_start, dt.date(self.year, month, day))
        return _workday(start, min(self.ref, self.project.period_end))

    def meetings(self) -> None:
        for month in range(1, 13):
            on = self.day(month, 5)
            if on is None:
                break
            attendees = [u for u in self.team if self.rng.random() < 0.9] or [self.lead]
            actions.meeting_create(
                project=self.project,
                on=on,
                kind=Meeting.Kind.ADMIN,
                title=f"{month}月行政例会",
                minutes=MEETING_AGENDA[month % len(MEETING_AGENDA)],
                attendees=attendees,
                acting_user=self.lead,
            )
            self.done["meeting"] += 1
        for month, day, title in CASE_CONFERENCES:
            on = self.day(month, day)
            if on is None:
                continue
            actions.meeting_create(
                project=self.project,
                on=on,
                kind=Meeting.Kind.CASE_CONFERENCE,
                title=title,
                minutes="讨论个案近况、风险评估结果与下一步服务安排",
                attendees=self.staff[:4] or [self.lead],
                acting_user=self.lead,
            )
            self.done["case_conference"] += 1

    def trainings(self) -> None:
        for month, day, title, provider, hours in TRAININGS:
            on = self.day(month, day)
            if on is None:
                continue
            # Everyone comes; now and then someone leaves early or misses a session.
            attendees = []
            for user in self.team:
                chance = self.rng.random()
                if chance < 0.08:
                    continue
                attended = hours - Decimal("2") if chance < 0.18 else hours
                attendees.append(actions.Attendee(user, attended))
            attendees = attendees or [actions.Attendee(self.lead, hours)]
            actions.staff_training_create(
                project=self.project,
                on=on,
                title=title,
                provider=provider,
                notes="培训签到表与课件已存档",
                attendees=attendees,
                acting_user=self.lead,
            )
            self.done["staff_training"] += 1

    def supervisions(self) -> None:
        name = self.supervisor.display_name if self.supervisor else OUTSIDE_SUPERVISOR
        by = self.supervisor or self.lead
        for n, (month, day) in enumerate(SUPERVISION_DAYS):
            on = self.day(month, day)
            if on is None:
                continue
            individual = n % 4 == 3
            workers = [self.rng.choice(self.staff)] if individual else self.staff
            actions.supervision_create(
                project=self.project,
                on=on,
                supervisor_name=name,
                mode=Supervision.Mode.INDIVIDUAL if individual else Supervision.Mode.GROUP,
                hours=Decimal("1.5") if individual else Decimal("3"),
                records=[
                    actions.WorkerRecord(w, self.rng.choice(SUPERVISION_NOTES)) for w in workers
                ],
                acting_user=by,
            )
            self.done["supervision"] += 1
            self.done["supervision_record"] += len(workers)

    def articles(self) -> None:
        texts = ARTICLES.get(Project.Template(self.project.template), ())
        for (title, outlet, level), (month, day) in zip(texts, ARTICLE_DAYS, strict=False):
            on = self.day(month, day)
            if on is None:
                continue
            article = actions.article_create(
                project=self.project,
                title=title,
                outlet=outlet,
                level=level,
                published_on=on,
                url=f"https://news.example.cn/{self.project.code}/{on:%Y%m%d}.html",
                acting_user=self.rng.choice(self.staff),
            )
            self.done["article"] += 1
            accepted_on = _workday(on + dt.timedelta(days=7), self.ref)
            if level != Article.Level.NATIONAL and accepted_on is not None:
                actions.article_accept(
                    article=article, accepted_on=accepted_on, acting_user=self.lead
                )
                self.done["article_accepted"] += 1

    def documents(self) -> None:
        on = self.day(3, 31)
        if on is None:
            return
        name = f"needs-survey-report-{self.project.code}.pdf"
        pdf = survey_report_pdf(f"Needs survey report {self.year} - {self.project.code}")
        actions.project_document_upload(
            project=self.project,
            kind=ProjectDocument.Kind.NEEDS_SURVEY_REPORT,
            title=f"{self.year}年度服务对象需求调研报告",
            on=on,
            upload=SimpleUploadedFile(name, pdf, content_type="application/pdf"),
            acting_user=self.lead,
        )
        self.done["document"] += 1

    def run(self) -> Counter[str]:
        if not self.staff:
            return self.done
        self.meetings()
        self.trainings()
        self.supervisions()
        self.articles()
        self.documents()
        return self.done


def record_operations(project: Project, users: dict[str, User], rng: random.Random) -> Counter[str]:
    """A year of a demo project's staff development and publicity; returns what was recorded,
    by kind."""
    with translation.override(settings.LANGUAGE_CODE):
        return Operations(project, users, rng).run()
