"""The demo data: loaded through the actions, realistic, valid, covering, idempotent."""

from __future__ import annotations

import random
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from anxin.accounts.models import Membership, Project, Qualification, User
from anxin.accounts.selectors import team_status
from anxin.audit.models import AuditEvent
from anxin.cases.models import Case
from anxin.clients.models import Client, FamilyMember
from anxin.core import idcard
from anxin.core.demo import PASSWORD, PERSONAS, URL
from anxin.core.demo_people import AS_OF, plan_clients
from anxin.core.divisions import load_districts
from anxin.core.models import Division

R = Membership.Role
SUBDISTRICT = Division.Kind.SUBDISTRICT


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    models: list[Any] = [Client, FamilyMember, Case, User, Membership, Qualification, Project]
    models += [AuditEvent, Client.history.model, Case.history.model]
    return {m.__name__: m.objects.count() for m in models}


def streets_of(district: str) -> set[str]:
    return set(
        Division.objects.filter(parent_id=district, kind=SUBDISTRICT).values_list("code", flat=True)
    )


def served_streets(project: Project) -> set[str]:
    return set(Case.objects.filter(project=project).values_list("client__street_id", flat=True))


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
