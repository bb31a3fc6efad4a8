"""The demo data: loaded through the actions, realistic, valid, covering, idempotent."""

from __future__ import annotations

import random
from collections import Counter
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count, Q

from anxin.accounts.models import Membership, Project, Qualification, User
from anxin.accounts.selectors import team_status
from anxin.assessments.models import AssessmentRecord
from anxin.audit.models import AuditEvent
from anxin.cases.classification import service_refusal
from anxin.cases.models import STEP_ORDER, Case, CaseEvent, PlanItem, ServicePlan, Step, Task
from anxin.cases.workdays import is_workday
from anxin.clients.models import Client, FamilyMember
from anxin.core import idcard
from anxin.core.demo import PASSWORD, PERSONAS, URL
from anxin.core.demo_case_specs import PARTNER, reference_day
from anxin.core.demo_people import AS_OF, plan_clients
from anxin.core.divisions import load_districts
from anxin.core.models import Division
from anxin.delivery.models import (
    Form,
    GroupProgramme,
    Participant,
    ServiceRecord,
    ServiceWorker,
    TrainingCycle,
)
from anxin.referrals.models import Referral

R = Membership.Role
SUBDISTRICT = Division.Kind.SUBDISTRICT


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    models: list[Any] = [Client, FamilyMember, Case, User, Membership, Qualification, Project]
    models += [AuditEvent, Client.history.model, Case.history.model]
    models += [CaseEvent, ServicePlan, PlanItem, AssessmentRecord, Task]
    models += [ServiceRecord, ServiceWorker, Participant, GroupProgramme, TrainingCycle]
    return {m.__name__: m.objects.count() for m in models}


def streets_of(district: str) -> set[str]:
    return set(
        Division.objects.filter(parent_id=district, kind=SUBDISTRICT).values_list("code", flat=True)
    )


def served_streets(project: Project) -> set[str]:
    return set(Case.objects.filter(project=project).values_list("client__street_id", flat=True))


def past(step: str) -> list[str]:
    """The steps from ``step`` on, up to closure and follow-up."""
    return STEP_ORDER[STEP_ORDER.index(step) :]


def latest_plan(case: Case) -> ServicePlan | None:
    return case.plans.order_by("-version").first()


def assert_caseload(liwan: Project, chongchuan: Project) -> dict[str, Counter[str]]:
    """The walk of LW §5 as a social worker finds it after ``load-demo``, at any scale."""
    started = Case.objects.exclude(status=Case.Status.WAITING)
    # every case past the baseline step has its baseline assessments; no date after AS_OF
    for case in started.filter(step__in=past(Step.BASELINE)):
        codes = set(
            case.assessments.filter(timepoint="baseline").values_list("instrument__code", flat=True)
        )
        wanted = {"danger-level", "sdss", "phq9"} if case.project == liwan else {"phq9", "gad7"}
        assert codes == wanted, (case.pk, case.step, codes)
    assert not AssessmentRecord.objects.filter(assessed_on__gt=reference_day()).exists()
    # a plan before the service, and for every case closed after it (all were, in the demo)
    assert not started.filter(step__in=past(Step.PLAN), plans__isnull=True).exists()

    # classes: all three in Liwan, set on every case past baseline; none in Chongchuan
    classes = Counter(
        started.filter(project=liwan, step__in=past(Step.BASELINE)).values_list(
            "classification", flat=True
        )
    )
    assert set(classes) == {"A", "B", "C"}, classes
    assert not Case.objects.filter(project=chongchuan).exclude(classification="").exists()

    # in service: a plan whose items the class allows, a responsible worker, the service step
    in_service = Case.objects.filter(status=Case.Status.OPEN, step__in=[Step.PLAN, Step.SERVICE])
    assert in_service.filter(step=Step.SERVICE).count() > 0.6 * started.count()
    for case in in_service.select_related("project"):
        plan = latest_plan(case)
        assert plan is not None and case.worker_id == plan.responsible_id, case.pk
        items = list(plan.items.values_list("service_item", flat=True))
        assert items and not [i for i in items if service_refusal(case, i)], (case.pk, items)
    revised = ServicePlan.objects.filter(version__gt=1)
    assert revised.exists() and not revised.filter(revision_reason="").exists()
    assert AssessmentRecord.objects.filter(timepoint="process").exists()

    # crises raised by the assessments: for the worker and the supervisor at once
    crisis = Task.objects.filter(kind=Task.Kind.CRISIS, status=Task.Status.OPEN)
    holders = set(crisis.values_list("assignee__username", flat=True))
    assert {"worker", "supervisor"} <= holders, holders

    # closures end in an exit; the completed ones have their outcome assessment
    closed = Case.objects.filter(status=Case.Status.CLOSED)
    assert closed.exists() and not closed.filter(exit="").exists()
    assert not closed.filter(closed_on__isnull=True).exists()
    for case in closed.filter(exit=Case.Exit.COMPLETED):
        assert case.assessments.filter(timepoint="outcome").exists(), case.pk
    for case in closed.filter(exit=Case.Exit.TRANSFER):
        exit = case.events.get(kind=CaseEvent.Kind.EXIT)
        assert exit.detail["transfer_to"] == PARTNER
    for case in closed.filter(exit=Case.Exit.WITHDRAWAL):
        assert case.events.get(kind=CaseEvent.Kind.EXIT).attachment

    # through the actions: one audit event per step, plan version and assessment
    audit = Counter(AuditEvent.objects.values_list("action", flat=True))
    assert audit["plan.create"] == ServicePlan.objects.count()
    assert audit["assessment.record"] == AssessmentRecord.objects.count()
    steps = CaseEvent.objects.filter(kind=CaseEvent.Kind.STEP).exclude(step=Step.REFERRAL)
    assert (
        sum(n for action, n in audit.items() if action.startswith("case.step."))
        + audit["case.follow_up"]
        == steps.count()
    )
    assert audit["case.close"] == closed.count()
    return {
        "stages": Counter(started.values_list("step", flat=True)),
        "exits": Counter(closed.values_list("exit", flat=True)),
        "classes": classes,
    }


def assert_services(liwan: Project, chongchuan: Project) -> None:
    """A year of services (R5) as the pages would have recorded them."""
    records = ServiceRecord.objects.all()
    assert records.filter(project=liwan).count() > 1000
    assert records.filter(project=chongchuan).count() > 1000
    # through the action: one audit event per record
    assert AuditEvent.objects.filter(action="service.record").count() == records.count()
    # in the past, on working days, in office hours
    assert not records.filter(on__gt=reference_day()).exists()
    days = set(records.values_list("on", flat=True))
    assert all(is_workday(day) for day in days)
    times = set(records.values_list("starts_at", "ends_at"))
    assert all(start.hour >= 9 and end.hour <= 17 for start, end in times)
    # one-to-one: the case's worker, direct hours the session's length, half an hour indirect
    one = ServiceWorker.objects.filter(record__form=Form.ONE_TO_ONE).select_related("record")
    for row in one[:200]:
        r = row.record
        minutes = (r.ends_at.hour * 60 + r.ends_at.minute) - (
            r.starts_at.hour * 60 + r.starts_at.minute
        )
        assert row.direct_hours * 60 == minutes and row.indirect_hours == Decimal("0.5")
    assert ServiceWorker.objects.filter(user__username="worker").count() > 100

    # Liwan groups: some sessions below the threshold of 6 attending clients, some above
    sessions = (
        records.filter(project=liwan, form=Form.GROUP, programme__isnull=False)
        .annotate(
            clients=Count(
                "participants",
                filter=Q(participants__kind="client", participants__attended=True),
            )
        )
        .values_list("clients", flat=True)
    )
    assert min(sessions) < 6 <= max(sessions), sorted(sessions)
    items = set(GroupProgramme.objects.filter(project=liwan).values_list("service_item", flat=True))
    assert items == {"medication_training", "relapse_prevention"}
    assert TrainingCycle.objects.filter(project=liwan, service_item="medication_training").exists()
    events = records.filter(project=liwan, form=Form.COMMUNITY_EVENT).annotate(
        n=Count("participants")
    )
    assert events.count() == 4 and all(e.n >= 30 for e in events)
    assert Participant.objects.filter(record__in=events, kind="other").exclude(name="").exists()

    # Chongchuan: multi-family groups of 3-5 stable families, joint home visits with a doctor
    groups = GroupProgramme.objects.filter(project=chongchuan, service_item="multi_family_group")
    assert groups.count() == 2
    for group in groups:
        members = list(group.members.select_related("client"))
        assert 3 <= len(members) <= 5 and all(m.client.condition_stable for m in members)
    visits = records.filter(project=chongchuan, service_item="joint_home_visit")
    assert 8 <= visits.count() <= 12
    for visit in visits:
        assert visit.assessment_id and visit.visitors.filter(organisation="崇川区精神卫生中心")


def assert_ids_valid(clients: list[Client]) -> None:
    for client in clients:
        info = idcard.parse(client.id_number)
        assert info.valid, (client.name, info.error)
        assert (info.sex, info.birth_date) == (client.sex, client.birth_date)
    assert len({c.id_number for c in clients}) == len(clients)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id_number, phone FROM {Client._meta.db_table}")  # noqa: S608
        stored = cursor.fetchall()
    assert all(raw_id.startswith("v1:") for raw_id, _ in stored)
    assert all(not phone or phone.startswith("v1:") for _, phone in stored)


@pytest.mark.django_db
def test_load_demo_fills_both_projects_and_is_idempotent() -> None:
    load_districts(["440103", "320613"])
    out = run("load-demo")
    assert "liwan-2026" in out and "chongchuan-2026" in out
    liwan = Project.objects.get(code="liwan-2026")
    chongchuan = Project.objects.get(code="chongchuan-2026")
    assert liwan.organisation_id == chongchuan.organisation_id
    assert (liwan.client_target, chongchuan.client_target) == (200, 500)

    clients = list(Client.objects.all())
    assert len(clients) >= 480
    assert_ids_valid(clients)
    ages = [c.age_on(AS_OF) for c in clients]
    assert min(ages) >= 14 and max(ages) <= 81

    # every street served: 22 of Liwan; the 16 subdistricts of Chongchuan, not its zones
    assert len(streets_of("440103")) == 22 and len(streets_of("320613")) == 16
    assert served_streets(liwan) == streets_of("440103")
    assert served_streets(chongchuan) == streets_of("320613")

    guarded = set(FamilyMember.objects.filter(is_guardian=True).values_list("client_id", flat=True))
    assert guarded == {c.pk for c in clients}

    liwan_clients = Client.objects.filter(cases__project=liwan)
    assert not liwan_clients.exclude(household_district_id="440103").exists()
    assert 10 <= Case.objects.filter(project=liwan, status=Case.Status.WAITING).count() <= 20
    assert liwan_clients.exclude(priority_groups="").count() > 0.8 * liwan_clients.count()
    minors = [c for c in liwan_clients if c.age_on(AS_OF) < 18]
    assert all("child_in_difficulty" in c.priority_group_codes for c in minors)
    adults_in_difficulty = [
        c for c in clients if "child_in_difficulty" in c.priority_group_codes and c not in minors
    ]
    assert not adults_in_difficulty
    cc_clients = Client.objects.filter(cases__project=chongchuan)
    assert not cc_clients.filter(disability_level="").exists()
    assert 30 <= cc_clients.filter(disability_cert_issued_on__year=2026).count() <= 50

    # through the actions: audit events and history rows, not bare inserts
    assert AuditEvent.objects.filter(action="client.register").count() == len(clients)
    assert Client.history.filter(history_type="+").count() == len(clients)

    # LW §10 shows gaps (social workers, supervisors); CC §4 is met
    liwan_team = {s.code: s for s in team_status(liwan)}
    assert {code for code, s in liwan_team.items() if not s.met} == {
        "social_workers",
        "supervisors",
    }
    assert all(s.met for s in team_status(chongchuan))

    # personas
    admin = User.objects.get(username="admin")
    assert admin.is_org_admin and not admin.memberships.exists()
    roles = {
        (m.user.username, m.project.code): m.role
        for m in Membership.objects.select_related("user", "project")
    }
    assert roles[("lead", "liwan-2026")] == R.LEAD
    assert roles[("worker", "liwan-2026")] == R.SOCIAL_WORKER
    assert roles[("supervisor", "liwan-2026")] == R.SUPERVISOR
    assert roles[("counsellor", "chongchuan-2026")] == R.COUNSELLOR
    assert roles[("purchaser", "liwan-2026")] == R.PURCHASER_VIEWER
    purchaser = User.objects.get(username="purchaser")
    assert purchaser.organisation_id is None and purchaser.check_password(PASSWORD)

    # the caseload of LW §5, walked through the actions
    seen = assert_caseload(liwan, chongchuan)
    assert_services(liwan, chongchuan)
    assert seen["exits"].keys() == {"completed", "transfer", "withdrawal", "death", "moved"}
    assert 15 <= sum(seen["exits"].values()) <= 35
    liwan_cases = Case.objects.filter(project=liwan).exclude(status=Case.Status.WAITING)
    early = liwan_cases.filter(step__in=[Step.REFERRAL, Step.APPLICATION]).count()
    middle = liwan_cases.filter(step__in=[Step.BASELINE, Step.REGISTRATION, Step.AGREEMENT]).count()
    serving = liwan_cases.filter(status=Case.Status.OPEN, step=Step.SERVICE).count()
    referred = Referral.objects.filter(project=liwan, direction="in", case__isnull=False).count()
    assert referred >= 1  # people referred in by partners, registered at the referral step
    assert 8 <= early - referred <= 18 and 10 <= middle <= 20, (early, referred, middle)
    assert 140 <= serving <= 190, serving
    classified = sum(seen["classes"].values())
    shares = {k: n / classified for k, n in seen["classes"].items()}
    assert 0.2 <= shares["A"] <= 0.4 and 0.35 <= shares["B"] <= 0.55, shares
    assert 0.15 <= shares["C"] <= 0.35, shares
    assert 30 <= Case.objects.filter(project=liwan, worker__username="worker").count() <= 40
    assert (
        35 <= Case.objects.filter(project=chongchuan, worker__username="counsellor").count() <= 45
    )
    assert Case.objects.filter(project=liwan, replaced_by__isnull=False).count() == 2
    assert 10 <= Case.objects.filter(project=liwan, status=Case.Status.WAITING).count() <= 20
    crises = Task.objects.filter(kind=Task.Kind.CRISIS, project=liwan)
    assert 3 <= crises.values("case").distinct().count() <= 6
    # the reminders ran once: reviews and follow-ups due, some for the worker persona
    K = Task.Kind
    kinds = set(Task.objects.filter(assignee__username="worker").values_list("kind", flat=True))
    assert K.CRISIS in kinds and kinds & {K.PROCESS_REVIEW, K.PLAN_REVIEW, K.FOLLOW_UP}, kinds
    reminders = set(Task.objects.values_list("kind", flat=True))
    assert {K.PROCESS_REVIEW, K.PLAN_REVIEW, K.FOLLOW_UP} <= reminders, reminders
    # a day's work, not 35 (no-contact reminders aside: contacts come with service records)
    assert Task.objects.filter(assignee__username="worker").exclude(kind=K.NO_CONTACT).count() < 20
    assert CaseEvent.objects.filter(step=Step.FOLLOW_UP).exists()

    before = counts()
    assert "demo data already loaded" in run("load-demo")
    assert counts() == before

    logins = run("demo-logins")
    assert URL in logins and PASSWORD in logins and "演示账号" in logins
    assert logins.index("演示账号") < logins.index("Demo logins")
    for persona in PERSONAS:
        assert persona.username in logins
    assert "lw_sw2" in logins


@pytest.mark.django_db
def test_small_scale_still_covers_every_street() -> None:
    load_districts(["440103", "320613"])
    run("load-demo", "--scale", "0.05")
    liwan = Project.objects.get(code="liwan-2026")
    chongchuan = Project.objects.get(code="chongchuan-2026")
    assert served_streets(liwan) == streets_of("440103")
    assert served_streets(chongchuan) == streets_of("320613")
    assert Client.objects.count() < 60
    assert_caseload(liwan, chongchuan)


@pytest.mark.django_db
def test_load_demo_needs_the_divisions() -> None:
    with pytest.raises(CommandError, match="load-divisions 440103 320613"):
        run("load-demo")
    assert not Client.objects.exists() and not User.objects.exists()


@pytest.mark.django_db
def test_demo_logins_says_when_nothing_is_loaded() -> None:
    with pytest.raises(CommandError, match="load-demo"):
        run("demo-logins")


def test_generated_people_are_deterministic_and_valid() -> None:
    district = Division(code="440103", name="荔湾区", level=Division.Level.DISTRICT)
    streets = [
        Division(code=f"440103{n:03d}", name=f"街道{n}", level="street", parent_id="440103")
        for n in range(1, 23)
    ]

    def plan(seed: int) -> list[str]:
        plans = plan_clients(
            random.Random(seed),
            liwan=True,
            district=district,
            streets=streets,
            used_ids=set(),
            total=60,
            waiting=5,
            newly_certified=0,
        )
        assert sum(p.waiting for p in plans) == 5
        assert all(p.data.family and p.data.family[0].is_guardian for p in plans)
        return [p.data.id_number for p in plans]

    first = plan(7)
    assert first == plan(7) and first != plan(8)
    assert all(idcard.parse(number).valid for number in first)
