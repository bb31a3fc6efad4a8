"""The demo's surveys (R4.5, R7.7): each project's needs survey, answered by clients and
guardians early in the year (LW ≥50 people, CC ≥350), mostly entered by workers on visits and some
through one-time links; and Chongchuan's anonymous end-of-project satisfaction survey, open now.
Made through the actions the pages use."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from typing import Any

from django.utils import timezone

from anxin.accounts.models import Membership, Project, User
from anxin.cases.models import Case
from anxin.core.models import Division
from anxin.surveys import actions
from anxin.surveys.models import Survey

COMMENTS = {
    "needs": (
        "希望周末也能参加活动",
        "家里老人年纪大了，担心以后没人照顾他",
        "希望能帮忙找一份简单的工作",
        "想多了解服药的注意事项",
        "",
    ),
    "satisfaction": (
        "社工很耐心，谢谢你们",
        "希望活动时间能灵活一些",
        "热线很有帮助，希望继续开通",
        "",
    ),
}
# Weights of the options of each choice question, in the questionnaire's order.
WEIGHTS: dict[str, tuple[int, ...]] = {
    "living_with": (2, 6, 3, 1),
    "income": (5, 4, 2),
    "daily_life": (5, 4, 1),
    "medication": (7, 2, 1),
    "burden": (1, 3, 4, 2),
    "preferred_time": (5, 1, 3),
    "attitude": (12, 6, 1, 0, 0),
    "timeliness": (8, 8, 2, 1, 0),
    "professional": (10, 7, 2, 0, 0),
    "effect": (7, 8, 3, 1, 0),
    "overall": (10, 7, 2, 0, 0),
    "recommend": (9, 2, 1),
}


def _answers(rng: random.Random, survey: Survey) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for item in survey.definition["items"]:
        code, kind = item["code"], item.get("type", "choice")
        values = [str(o["value"]) for o in item.get("options", [])]
        if kind == "choice":
            answers[code] = rng.choices(values, weights=WEIGHTS.get(code) or [1] * len(values))[0]
        elif kind == "multi":
            answers[code] = rng.sample(values, rng.randint(1, min(3, len(values))))
        elif kind == "text":
            answers[code] = rng.choice(COMMENTS[survey.kind])
    return answers


class Surveys:
    def __init__(self, project: Project, rng: random.Random) -> None:
        self.project, self.rng = project, rng
        self.today = timezone.localdate()
        self.lead = User.objects.get(
            memberships__project=project, memberships__role=Membership.Role.LEAD
        )
        self.workers = list(
            User.objects.filter(
                memberships__project=project,
                memberships__active=True,
                memberships__role__in=[Membership.Role.SOCIAL_WORKER, Membership.Role.COUNSELLOR],
            )
        )
        self.streets = list(
            Division.objects.filter(parent=project.district, level="street").order_by("code")
        )
        self.cases = list(Case.objects.filter(project=project).select_related("client"))
        self.done: Counter[str] = Counter()

    def survey(self, kind: str, title: str, target: int, opens: dt.date, **extra: Any) -> Survey:
        survey = actions.survey_create(
            project=self.project,
            kind=kind,
            title=title,
            questionnaire=f"{kind}-survey",
            target=target,
            opens_on=opens,
            acting_user=self.lead,
            **extra,
        )
        self.done[f"surveys.{kind}"] += 1
        return actions.survey_set_status(survey=survey, status="open", acting_user=self.lead)

    def answer(self, survey: Survey, count: int, days: int, by_link: float) -> None:
        rng = self.rng
        start = survey.opens_on or self.today
        for _ in range(count):
            on = min(start + dt.timedelta(days=rng.randint(0, days)), self.today)
            case = rng.choice(self.cases) if self.cases else None
            who = rng.choices(["client", "guardian", "community"], weights=[5, 4, 1])[0]
            street = case.client.street if case and case.client.street_id else None
            street = street or rng.choice(self.streets)
            if rng.random() < by_link:
                link, _token = actions.link_create(
                    survey=survey, respondent_type=who, street=street, acting_user=self.lead
                )
                actions.response_submit(
                    survey=survey, answers=_answers(rng, survey), link=link, on=on
                )
                self.done[f"responses.{survey.kind}.link"] += 1
                continue
            actions.response_submit(
                survey=survey,
                answers=_answers(rng, survey),
                respondent_type=who,
                street=street,
                case=None if survey.anonymous or who == "community" else case,
                acting_user=rng.choice(self.workers),
                on=on,
            )
            self.done[f"responses.{survey.kind}.worker"] += 1

    def run(self) -> Counter[str]:
        liwan = self.project.template == Project.Template.LIWAN_REHAB
        year = self.project.period_start.year
        needs = self.survey(
            "needs",
            f"{year}年服务对象及家属需求调查",
            50 if liwan else 350,
            self.project.period_start + dt.timedelta(days=20),
        )
        self.answer(needs, 56 if liwan else 362, 60, 0.15)
        actions.survey_set_status(survey=needs, status="closed", acting_user=self.lead)
        if not liwan:
            satisfaction = self.survey(
                "satisfaction",
                f"{year}年项目服务满意度调查",
                200,
                self.today - dt.timedelta(days=20),
                anonymous=True,
            )
            self.answer(satisfaction, 86, 20, 0.6)
        return self.done


def record_surveys(project: Project, rng: random.Random) -> Counter[str]:
    """The project's surveys and their responses through the actions; what was made."""
    return Surveys(project, rng).run()
