"""The demo caseload: every demo case walked along the workflow of LW §5 with the real actions.

Steps (``case_step``), scored assessments (``assessment_record``, which classifies the case and
raises crisis tasks), service plans and their revisions (``plan_create``), process reviews,
closures with every kind of exit, follow-ups and replacements from the waiting list: nothing is
written to a table directly, so gates, timeline, history and audit are the real thing.

Deterministic for a given ``random.Random`` and day: every date given to an action lies on or
before ``reference_day()`` (the demo's fixed day ``AS_OF``, or today if that is earlier); crisis
tasks and the reminders run at the end are dated by the real calendar.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone, translation

from anxin.accounts.models import Project, User
from anxin.assessments.actions import assessment_record
from anxin.assessments.models import Instrument
from anxin.cases import actions as cases
from anxin.cases.actions import PlanItemInput
from anxin.cases.classification import service_refusal
from anxin.cases.models import Case, Step, Task
from anxin.cases.tasks import task_handle
from anxin.cases.workdays import is_workday, next_workday
from anxin.clients.models import FamilyMember
from anxin.contracts.catalogue import service_items
from anxin.core.demo_case_specs import (
    CASELOADS,
    CLOSING,
    CRISIS_REVIEWS,
    EARLY,
    FOLLOW_UPS,
    FREQUENCY,
    GAPS,
    GUARDIAN_ZH,
    ITEM_WEIGHTS,
    KLASS_ZH,
    PARTNER,
    PAST_BASELINE,
    PERSONA_LOGINS,
    PLANNED,
    REVIEW_EVERY,
    STEP_NOTES,
    TIER_WEIGHTS,
    T,
    X,
    reference_day,
    scan,
    shares,
    spread,
)
from anxin.core.demo_people import AS_OF


@dataclass
class Scores:
    """The totals the demo aims at for one case and one round of assessments."""

    totals: dict[str, int]
    fixed: dict[str, dict[str, int]] = field(default_factory=dict)  # instrument → item → value


@dataclass
class Route:
    """What happens to one case."""

    case: Case
    stage: str
    worker: User  # acting user; the plan's responsible worker once there is a plan
    klass: str = ""
    exit: str = ""
    crisis: str = ""  # the instrument that finds it
    process: bool = False  # process assessments at the last process review
    dates: dict[str, dt.date] = field(default_factory=dict)
    reviews: list[dt.date] | None = None


class Walker:
    """Walks one project's cases. ``run`` returns counts of what it did."""

    def __init__(self, project: Project, users: dict[str, User], rng: random.Random) -> None:
        self.project = project
        self.users = users
        self.rng = rng
        self.spec = CASELOADS[project.template]
        self.ref = reference_day()
        self.today = timezone.localdate()
        self.done: Counter[str] = Counter()
        self.instruments = {
            code: Instrument.objects.filter(code=code, organisation__isnull=True)
            .order_by("-version")
            .first()
            for code in self.spec.instruments
        }
        missing = [code for code, i in self.instruments.items() if i is None]
        if missing:
            raise LookupError(f"Built-in instruments not loaded: {', '.join(missing)}")
        self.catalogue = service_items(project)
        self.relations: dict[int, list[tuple[str, bool]]] = defaultdict(list)

    # --- deciding ------------------------------------------------------------------------------

    def routes(self, open_cases: list[Case]) -> list[Route]:
        rng, spec = self.rng, self.spec
        n = len(open_cases)
        counts = {stage: round(k * n / spec.base) for stage, k in spec.stages}
        # the latest opened are the least advanced (a month of jitter)
        latest_first = sorted(
            open_cases,
            key=lambda c: c.opened_on + dt.timedelta(days=rng.randrange(30)),
            reverse=True,
        )
        stage_of: dict[int, str] = {}
        i = 0
        for stage in EARLY:
            for case in latest_first[i : i + counts[stage]]:
                stage_of[case.pk] = stage
            i += counts[stage]
        rest = latest_first[i:]
        older = rest[len(rest) // 3 :]  # closures among the earlier two thirds
        closed = rng.sample(older, min(counts["closed"], len(older)))
        for case in rest:
            stage_of[case.pk] = "closed" if case in closed else "service"

        staff = [name for name, _ in spec.workers]
        planned = [c for c in open_cases if stage_of[c.pk] in PLANNED]
        responsible = shares(len(planned), spec.workers)
        rng.shuffle(responsible)
        worker_of = {c.pk: name for c, name in zip(planned, responsible, strict=True)}
        past = [c for c in open_cases if stage_of[c.pk] in PAST_BASELINE]
        klasses = shares(len(past), spec.classes) if spec.classes else [""] * len(past)
        rng.shuffle(klasses)
        klass_of = dict(zip((c.pk for c in past), klasses, strict=True))

        routes = [
            Route(
                case=c,
                stage=stage_of[c.pk],
                worker=self.users[worker_of.get(c.pk) or rng.choice(staff)],
                klass=klass_of.get(c.pk, ""),
            )
            for c in sorted(open_cases, key=lambda c: (c.opened_on, c.pk))
        ]
        for route in routes:
            route.dates = self._dates(route.case.opened_on)
        self._closures([r for r in routes if r.stage == "closed"])
        in_service = [r for r in routes if r.stage == "service" and self._reviews(r)]
        for name, instrument in spec.crises:
            if name:
                pool = [r for r in in_service if r.worker.username == name and not r.crisis]
            else:
                pool = [r for r in routes if r.stage in ("baseline", "registration", "agreement")]
                pool = sorted(pool, key=lambda r: r.dates[Step.BASELINE])[-3:]  # a recent intake
            if pool:
                rng.choice(pool).crisis = instrument
        chosen = [r for r in in_service if r.crisis]
        others = [r for r in in_service if not r.crisis]
        for route in [*chosen, *rng.sample(others, max(0, len(in_service) // 2 - len(chosen)))]:
            route.process = True
        return routes

    def _closures(self, closing: list[Route]) -> None:
        """Exits and closing dates: the oldest client died, the others leave in ``spec.exits``
        order; each closes some months into the service, before the reference day."""
        closing = sorted(closing, key=lambda r: r.case.client.birth_date)
        exits = [*self.spec.exits, *(X.COMPLETED,) * len(closing)][: len(closing)]
        if X.DEATH in exits:
            exits.remove(X.DEATH)
            exits.insert(0, X.DEATH)
        for route, exit in zip(closing, exits, strict=True):
            route.exit = exit
            first = route.dates[Step.SERVICE] + dt.timedelta(days=45)
            last = self.ref - dt.timedelta(days=5)
            day = first + dt.timedelta(days=self.rng.randrange(max(0, (last - first).days) + 1))
            route.dates["closed"] = max(route.dates[Step.SERVICE], min(last, next_workday(day)))

    def _dates(self, opened: dt.date) -> dict[str, dt.date]:
        dates: dict[str, dt.date] = {}
        day = opened
        for step, low, high in GAPS:
            day = min(next_workday(day + dt.timedelta(days=self.rng.randint(low, high))), self.ref)
            dates[step] = day
        return dates

    def _reviews(self, route: Route) -> list[dt.date]:
        """The process review dates of a case in service, each about a quarter after the last
        (from the registration), before its closure or the reference day."""
        if route.reviews is None:
            end = route.dates.get("closed", self.ref)
            days, day = [], route.dates[Step.REGISTRATION]
            while True:
                day = next_workday(day + dt.timedelta(days=self.rng.randint(*REVIEW_EVERY)))
                if day >= end:
                    break
                if day > route.dates[Step.SERVICE]:
                    days.append(day)
            if days and self.rng.random() < 0.05:  # the last review is overdue
                days.pop()
            route.reviews = days
        return route.reviews

    # --- answers -------------------------------------------------------------------------------

    def _answers(
        self, route: Route, code: str, total: int, fixed: dict[str, int]
    ) -> dict[str, Any]:
        instrument = self.instruments[code]
        assert instrument is not None
        answers: dict[str, Any] = {}
        tops: dict[str, int] = {}
        for item in instrument.definition["items"]:
            item_code = item["code"]
            na = item.get("not_applicable") or []
            if item_code in fixed:
                answers[item_code] = fixed[item_code]
            elif na and not self._applicable(route, item_code):
                answers[item_code] = na[0]
            else:
                tops[item_code] = max(o["value"] for o in item["options"] if o["value"] not in na)
        total -= sum(v for k, v in fixed.items() if k in answers)
        answers.update(spread(self.rng, max(0, total), tops))
        return answers

    def _applicable(self, route: Route, item: str) -> bool:
        """SDSS: marriage for the married, parenting for parents, work below retirement age."""
        relations = {rel for rel, _ in self.relations[route.case.client_id]}
        if item == "marriage":
            return "spouse" in relations
        if item == "parenting":
            return "child" in relations
        return route.case.client.age_on(self.ref) < 60

    def _baseline_scores(self, route: Route) -> Scores:
        rng = self.rng
        if route.klass == "A":
            danger, sdss, phq = 0, rng.choice((0, 1, 1, 2, 2, 3, 3, 4)), rng.randint(0, 9)
        elif route.klass == "B":
            danger = 0 if rng.random() < 0.6 else 1
            sdss = rng.randint(5 if danger == 0 else 2, 10)
            phq = rng.randint(3, 14)
        elif route.klass == "C":
            if rng.random() < 0.5:
                danger, sdss = 2, rng.randint(4, 13)
            else:
                danger, sdss = rng.randint(0, 1), rng.randint(11, 15)
            phq = rng.randint(5, 19)
        else:
            danger, sdss = 0, 0
            phq = round(rng.triangular(1, 20, 8))
        totals = {"danger-level": danger, "sdss": sdss, "phq9": phq}
        totals["gad7"] = max(0, min(21, phq + rng.randint(-4, 3)))
        return Scores(totals=totals, fixed={"phq9": {"q9": 0}})

    def _later_scores(self, before: Scores, *, outcome: bool = False) -> Scores:
        """Mostly better than ``before``; at an outcome assessment better still."""
        rng = self.rng
        change = rng.random()
        totals = dict(before.totals)
        if outcome or change < 0.75:
            # small steps: most clients improve within their class, some move up one
            totals["danger-level"] = max(0, totals["danger-level"] - (rng.random() < 0.35))
            totals["sdss"] = max(0, totals["sdss"] - rng.randint(1, 5 if outcome else 3))
            totals["phq9"] = max(0, totals["phq9"] - rng.randint(2, 8))
            totals["gad7"] = max(0, totals["gad7"] - rng.randint(2, 7))
        elif change < 0.9:
            for code in ("sdss", "phq9", "gad7"):
                totals[code] = max(0, totals[code] + rng.randint(-1, 1))
        else:
            totals["sdss"] = min(15, totals["sdss"] + rng.randint(1, 3))
            totals["phq9"] = min(24, totals["phq9"] + rng.randint(1, 4))
            totals["gad7"] = min(20, totals["gad7"] + rng.randint(1, 4))
        return Scores(totals=totals, fixed={"phq9": {"q9": 0}})

    def _assess(self, route: Route, timepoint: str, on: dt.date, scores: Scores) -> None:
        for code in self.spec.instruments:
            instrument = self.instruments[code]
            assert instrument is not None
            answers = self._answers(route, code, scores.totals[code], scores.fixed.get(code, {}))
            assessment_record(
                case=route.case,
                instrument=instrument,
                timepoint=timepoint,
                assessed_on=on,
                answers=answers,
                acting_user=route.worker,
            )
            self.done[f"assessment.{timepoint}"] += 1

    # --- plans ---------------------------------------------------------------------------------

    def _items(self, route: Route) -> list[PlanItemInput]:
        """Two to four items the case's class allows (``service_refusal``, as ``plan_create``
        checks): Liwan weighs the tiers by class; Chongchuan always has counselling or a group
        activity, and hotline support for the newly certified."""
        rng, case = self.rng, route.case
        allowed = [i for i in self.catalogue if service_refusal(case, i["code"]) is None]
        chosen: list[dict[str, Any]] = []
        if case.classification:
            tiers = TIER_WEIGHTS[case.classification]
            pool = [(i, tiers.get(i["tier"], 0.0)) for i in allowed]
        else:
            issued = case.client.disability_cert_issued_on
            weights = {**ITEM_WEIGHTS, "newly_certified_support": 0}
            if issued and issued.year == AS_OF.year:
                weights["newly_certified_support"] = 4
            core = [i for i in allowed if i["code"] in ("counselling", "group_activity")]
            chosen.append(rng.choice(core))
            pool = [(i, weights.get(i["code"], 0)) for i in allowed if i is not chosen[0]]
        pool = [(i, w) for i, w in pool if w > 0]
        for _ in range(rng.randint(2, 4) - len(chosen)):
            if not pool:
                break
            item = rng.choices([i for i, _ in pool], weights=[w for _, w in pool])[0]
            chosen.append(item)
            pool = [(i, w) for i, w in pool if i is not item]
        items = []
        for item in chosen:
            times, per = rng.choice(FREQUENCY.get(item["tier"], FREQUENCY["open"]))
            items.append(PlanItemInput(item["code"], times, per))
        return items

    def _plan(self, route: Route, *, on: dt.date, reason: str = "") -> None:
        case = route.case
        goals = self.rng.choice(self.spec.goals[case.classification or ""])
        guardians = [rel for rel, guardian in self.relations[case.client_id] if guardian]
        agreed = "本人及" + GUARDIAN_ZH.get(guardians[0], "监护人") if guardians else "本人"
        # plans here run for most of the service year; a few reviews come due in the demo
        review_on = on + dt.timedelta(days=self.rng.randint(240, 330))
        cases.plan_create(
            case=case,
            goals=goals,
            review_on=review_on,
            responsible=route.worker,
            items=self._items(route),
            agreed_with=agreed,
            revision_reason=reason,
            on=on,
            acting_user=route.worker,
        )
        self.done["plan.revised" if reason else "plan"] += 1

    # --- walking -------------------------------------------------------------------------------

    def _step(self, route: Route, step: str) -> None:
        cases.case_step(
            case=route.case,
            step=step,
            on=route.dates[step],
            content=STEP_NOTES[step],
            attachment=scan(f"agreement-{route.case.pk}.png") if step == Step.AGREEMENT else None,
            acting_user=route.worker,
        )

    def walk(self, route: Route) -> None:
        stage, dates = route.stage, route.dates
        if stage == "referral":
            return
        self._step(route, Step.APPLICATION)
        if stage == "application":
            return
        scores = self._baseline_scores(route)
        if route.crisis and stage not in PLANNED:  # found at intake, before anyone holds the case
            self._crisis(scores, route.crisis)
        self._assess(route, T.BASELINE, dates[Step.BASELINE], scores)
        for step in (Step.BASELINE, Step.REGISTRATION, Step.AGREEMENT):
            self._step(route, step)
            if stage == step:
                return
        self._plan(route, on=dates[Step.PLAN])
        if stage == "plan":
            return
        self._step(route, Step.SERVICE)
        reviews = self._reviews(route)
        for n, day in enumerate(reviews, 1):
            text = self.rng.choice(self.spec.reviews).format(n=self.rng.randint(2, 6))
            cases.process_review(case=route.case, on=day, content=text, acting_user=route.worker)
            self.done["process_review"] += 1
            if route.process and not route.crisis and n == len(reviews):
                scores = self._process_assessment(route, day, scores)
        if route.crisis:  # found in the last days, at a review brought forward
            day = self.ref - dt.timedelta(days=self.rng.randint(0, 4))
            while not is_workday(day):
                day -= dt.timedelta(days=1)
            day = max(day, reviews[-1] if reviews else dates[Step.SERVICE])
            text = CRISIS_REVIEWS[route.crisis]
            cases.process_review(case=route.case, on=day, content=text, acting_user=route.worker)
            self.done["process_review"] += 1
            scores = self._process_assessment(route, day, scores)
        if stage == "closed":
            self._close(route, scores)

    def _crisis(self, scores: Scores, instrument: str) -> None:
        if instrument == "danger-level":
            scores.totals["danger-level"] = 3
        else:
            scores.fixed["phq9"] = {"q9": self.rng.choice((1, 1, 2))}
            scores.totals["phq9"] = max(scores.totals["phq9"], 10)

    def _process_assessment(self, route: Route, on: dt.date, before: Scores) -> Scores:
        """Process assessments at a review, mostly better; a new plan version when the class
        changes, and sometimes otherwise (修正机制)."""
        klass = route.case.classification
        scores = self._later_scores(before)
        if route.crisis:
            self._crisis(scores, route.crisis)
        self._assess(route, T.PROCESS, on, scores)
        now = route.case.classification
        if route.crisis == "danger-level":
            reason = "危险性评估升至3级，加强预防复发训练与家庭支持，暂停实用型服务"
        elif klass != now:
            reason = f"过程评估后分类由{KLASS_ZH[klass]}类调整为{KLASS_ZH[now]}类，相应调整服务项目"
        elif self.rng.random() < 0.25:
            reason = self.rng.choice(
                (
                    "根据过程评估调整服务频次",
                    "案主已掌握服药方法，减少训练频次，增加社区活动",
                    "家属要求增加家庭支持服务",
                    "案主希望参加更多小组活动，调整服务项目",
                )
            )
        else:
            return scores
        self._plan(route, on=on, reason=reason)
        return scores

    def _close(self, route: Route, scores: Scores) -> None:
        rng, case, on = self.rng, route.case, route.dates["closed"]
        if route.exit == X.COMPLETED:
            last = max([route.dates[Step.SERVICE], *(route.reviews or [])])
            outcome_on = max(on - dt.timedelta(days=rng.randint(0, 5)), last)
            self._assess(route, T.OUTCOME, outcome_on, self._later_scores(scores, outcome=True))
        cases.case_close(
            case=case,
            exit=route.exit,
            on=on,
            reason=rng.choice(CLOSING[route.exit]),
            transfer_to=PARTNER if route.exit == X.TRANSFER else "",
            attachment=scan(f"withdrawal-{case.pk}.png") if route.exit == X.WITHDRAWAL else None,
            acting_user=route.worker,
        )
        self.done[f"closed.{route.exit}"] += 1
        follow_on = next_workday(on + dt.timedelta(days=rng.randint(25, 40)))
        if route.exit != X.DEATH and follow_on <= self.ref and rng.random() < 0.6:
            cases.case_follow_up(
                case=case, on=follow_on, content=rng.choice(FOLLOW_UPS), acting_user=route.worker
            )
            self.done["follow_up"] += 1

    def run(self) -> Counter[str]:
        all_cases = list(
            Case.objects.filter(project=self.project)
            .select_related("client", "project")
            .order_by("opened_on", "pk")
        )
        for client_id, relation, guardian in FamilyMember.objects.filter(
            client__cases__project=self.project
        ).values_list("client_id", "relation", "is_guardian"):
            self.relations[client_id].append((relation, guardian))
        open_cases = [c for c in all_cases if c.status == Case.Status.OPEN]
        waiting = [c for c in all_cases if c.status == Case.Status.WAITING]
        routes = self.routes(open_cases)
        for route in routes:
            self.walk(route)
            self.done[f"stage.{route.stage}"] += 1
        self._replace(routes, waiting)
        self._handle_one_crisis(routes)
        return self.done

    def _replace(self, routes: list[Route], waiting: list[Case]) -> None:
        """Closed places taken by the longest-waiting clients (R2.6), admitted by the lead today
        (the action dates the admission) and their application accepted."""
        count = min(self.spec.replacements, len(waiting) // 2)
        closed = [r for r in routes if r.exit in (X.COMPLETED, X.TRANSFER, X.MOVED)][:count]
        lead = self.users[self.spec.lead]
        for route, case in zip(closed, waiting, strict=False):
            cases.case_admit_from_waiting(case=case, replaces=route.case, acting_user=lead)
            cases.case_step(
                case=case,
                step=Step.APPLICATION,
                on=self.today,
                content="由轮候名单递补，接受服务申请",
                acting_user=lead,
            )
            self.done["replaced"] += 1

    def _handle_one_crisis(self, routes: list[Route]) -> None:
        """One crisis already handled, by a worker other than the personas (the supervisor's
        copy of it stays open, as it would until the supervisor has looked at it)."""
        for route in routes:
            if route.crisis and route.process and route.worker.username not in PERSONA_LOGINS:
                task = Task.objects.filter(
                    case=route.case,
                    assignee=route.worker,
                    kind=Task.Kind.CRISIS,
                    status=Task.Status.OPEN,
                ).first()
                if task is not None:
                    task_handle(
                        task=task,
                        note="当日电话联系案主及监护人，评估无即时风险，已安排复诊并增加探访频次",
                        acting_user=route.worker,
                    )
                    self.done["crisis.handled"] += 1
                return


def walk_caseload(project: Project, users: dict[str, User], rng: random.Random) -> Counter[str]:
    """Walk every case of a demo project; returns what was done, by kind. Texts the actions
    store (timeline notes, task titles) are in the users' language, as in the pages."""
    with translation.override(settings.LANGUAGE_CODE):
        return Walker(project, users, rng).run()
