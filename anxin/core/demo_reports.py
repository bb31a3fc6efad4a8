"""The demo's reports to the purchaser (R7.7): Liwan's third-quarter report with its narrative,
generated once (a frozen version), and Chongchuan's needs-survey report. Made through the
actions the pages use."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.utils import timezone

from anxin.accounts.models import Membership, Project, User
from anxin.reports import actions
from anxin.surveys.models import Survey

NARRATIVE = {
    "highlights": (
        "本季度在沙面、多宝两个街道开展社区共融活动，康复者与居民共同参与；"
        "与区精神卫生中心建立转介绿色通道，转介平均答复时间缩短。"
    ),
    "problems": (
        "部分服务对象服药依从性下降，训练周期出席不足；个别街道服务覆盖仍偏少，家属照顾压力较大。"
    ),
    "next_steps": (
        "第四季度加强服药训练和家庭支持小组，开展满意度调查；协调街道扩大覆盖，按合同完成年度指标。"
    ),
}


def record_reports(project: Project) -> Counter[str]:
    """The project's demo reports; what was made."""
    done: Counter[str] = Counter()
    lead = User.objects.get(memberships__project=project, memberships__role=Membership.Role.LEAD)
    today = timezone.localdate()
    year = project.period_start.year
    if project.template == Project.Template.LIWAN_REHAB:
        if today < dt.date(year, 10, 1):
            return done
        report = actions.report_prepare(
            project=project,
            kind="quarterly",
            period=f"{year}Q3",
            highlights=NARRATIVE["highlights"],
            problems=NARRATIVE["problems"],
            next_steps=NARRATIVE["next_steps"],
            acting_user=lead,
        )
        actions.report_generate(report=report, acting_user=lead, as_of=dt.date(year, 9, 30))
        done["reports.generated"] += 1
        return done
    survey = Survey.objects.filter(project=project, kind=Survey.Kind.NEEDS).first()
    if survey is None:
        return done
    report = actions.report_prepare(
        project=project,
        kind="needs-survey",
        period=str(year),
        survey=survey,
        highlights="本次调查覆盖全区各街道，有效答卷超过合同要求的 350 份。",
        problems="部分家属照顾负担较重，对喘息服务和家属互助小组的需求突出。",
        next_steps="据调查结果调整服务计划：增设家属支持小组，加强就业支持与社区活动。",
        acting_user=lead,
    )
    actions.report_generate(report=report, acting_user=lead)
    done["reports.generated"] += 1
    return done
