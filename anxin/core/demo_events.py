"""Demo: the needs-survey interviews of both projects (LW §9 row 1, CC §3 row 1) and the CC
sessions beyond counselling (worker stress relief, group activities, themed services, guardian
salons), recorded through the same action as the pages (``service_record_create``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from anxin.accounts.models import Project
from anxin.clients.models import FamilyMember
from anxin.delivery.actions import ParticipantInput, WorkerHours, service_record_create
from anxin.delivery.models import Form, Participant

if TYPE_CHECKING:
    from anxin.core.demo_services import Services

# People surveyed: LW asks ≥ 50, CC ≥ 350. A visit meets the client and usually the guardian.
SURVEY_VISITS: dict[str, int] = {
    Project.Template.LIWAN_REHAB.value: 30,
    Project.Template.CHONGCHUAN_PSYCH.value: 190,
}
CC_SESSIONS = (
    # item, form, title, how many, who attends
    ("worker_stress_relief", Form.ACTIVITY, "助残工作者心理减压工作坊", 2, "workers"),
    ("group_activity", Form.ACTIVITY, "服务对象及监护人团体活动（现场用药答疑）", 4, "families"),
    ("themed_service", Form.GROUP, "主题心理服务", 4, "clients"),
    ("guardian_salon", Form.GROUP, "监护人心理沙龙", 4, "guardians"),
)
THEMES = ("青年社会适应", "未就业毕业生心理支持", "暴力风险评估与预防", "女性自我觉察")


def _guardians(services: Services) -> dict[int, FamilyMember]:
    rows = FamilyMember.objects.filter(
        client_id__in=[c.client_id for c in services.cases], is_guardian=True
    ).order_by("pk")
    found: dict[int, FamilyMember] = {}
    for member in rows:
        found.setdefault(member.client_id, member)
    return found


def needs_survey(services: Services) -> None:
    """Interviews in the first months of the year: the client, the guardian, at times a neighbour
    or community worker."""
    rng, guardians = services.rng, _guardians(services)
    visits = SURVEY_VISITS.get(services.project.template, 0)
    pool = [c for c in services.cases if services.start[c.pk] < dt.date(2026, 5, 30)]
    for case in rng.sample(pool, min(visits, len(pool))):
        day = services.workday(dt.date(2026, 3, 2) + dt.timedelta(days=rng.randrange(80)))
        if day is None or case.worker is None:
            continue
        people = [ParticipantInput(kind=Participant.Kind.CLIENT, case=case)]
        if case.client_id in guardians and rng.random() < 0.85:
            people.append(
                ParticipantInput(
                    kind=Participant.Kind.GUARDIAN, family_member=guardians[case.client_id]
                )
            )
        if rng.random() < 0.2:
            people.append(
                ParticipantInput(
                    kind=Participant.Kind.OTHER, name=services.name(), organisation="社区居委会"
                )
            )
        service_record_create(
            project=services.project,
            service_item="needs_survey",
            form=Form.HOME_VISIT,
            on=day,
            starts_at=dt.time(15, 0),
            ends_at=dt.time(16, 0),
            street=case.client.street,
            place="案主家中",
            content="需求调研访谈：居住情况、康复需求、照护负担、希望获得的服务",
            workers=[WorkerHours(case.worker, Decimal("1"), Decimal("0.5"))],
            participants=people,
            acting_user=case.worker,
        )
        services.done["service.needs_survey"] += 1


def chongchuan_sessions(services: Services) -> None:
    rng, guardians = services.rng, _guardians(services)
    staff = [services.users["counsellor"], services.users["cc_sw1"]]
    for item, form, title, count, who in CC_SESSIONS:
        for n in range(count):
            day = services.workday(dt.date(2026, 3 + 2 * n, 10 + rng.randrange(10)))
            if day is None:
                continue
            clients = rng.sample(services.cases, min(len(services.cases), rng.randint(10, 16)))
            if who == "workers":
                people = [
                    ParticipantInput(
                        kind=Participant.Kind.DISABILITY_WORKER,
                        name=services.name(),
                        organisation="街道残联",
                    )
                    for _ in range(rng.randint(12, 20))
                ]
            elif who == "guardians":
                people = [
                    ParticipantInput(
                        kind=Participant.Kind.GUARDIAN, family_member=guardians[c.client_id]
                    )
                    for c in clients
                    if c.client_id in guardians
                ]
            else:
                people = [ParticipantInput(kind=Participant.Kind.CLIENT, case=c) for c in clients]
                if who == "families":
                    people += [
                        ParticipantInput(
                            kind=Participant.Kind.GUARDIAN, family_member=guardians[c.client_id]
                        )
                        for c in clients[:6]
                        if c.client_id in guardians
                    ]
            label = f"{title}：{THEMES[n % len(THEMES)]}" if item == "themed_service" else title
            service_record_create(
                project=services.project,
                service_item=item,
                form=form,
                on=day,
                starts_at=dt.time(14, 30),
                ends_at=dt.time(16, 30),
                place="崇川区残疾人康复服务中心",
                content=label,
                workers=[WorkerHours(u, Decimal("2"), Decimal("1.5")) for u in staff],
                participants=people,
                acting_user=staff[0],
            )
            services.done[f"service.{item}"] += 1
