"""Training cycles, joint home visits and timesheets in the JSON API: scoped and audited like the
pages, the actions' refusals answered 422 with their reasons, nothing changed by a refused call,
bounded query counts on the lists."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from anxin.accounts.actions import api_token_create, membership_set
from anxin.accounts.models import Membership
from anxin.assessments.models import AssessmentRecord
from anxin.assessments.tests.conftest import follow_up
from anxin.audit.models import AuditEvent
from anxin.cases.testing import add_assessment
from anxin.delivery.models import ServiceRecord, TrainingCycle, Visitor
from anxin.delivery.tests.test_cycles import START, make_case, session, sessions
from anxin.delivery.tests.test_timesheets import hours
from anxin.delivery.tests.test_visits import DOCTOR
from anxin.delivery.tests.test_visits import cc_case as cc_visit_case

D = dt.date
DAY = dt.timedelta(days=1)
H = Decimal
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
JSON = "application/json"
REFUSED = ["other_worker", "purchaser", "outsider", "admin"]


def _auth(user) -> dict[str, str]:
    _token, key = api_token_create(user=user, name="t", acting_user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def _errors(response) -> list[str]:
    assert response.status_code == 422, response.content
    return response.json()["errors"]


def _queries(client, url, auth) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, **auth).status_code == 200
    return len(ctx)


def _cycles() -> list[tuple]:
    return list(TrainingCycle.objects.order_by("pk").values_list("pk", "service_item", "ended_on"))


# Training cycles --------------------------------------------------------------------------------


def test_worker_starts_follows_and_ends_a_cycle(world, client):
    case = make_case(world)
    baseline = add_assessment(case, "sdss", 6, on=START - DAY)
    auth = _auth(world.worker)
    url = f"/api/v1/cases/{case.pk}/cycles"
    started = client.post(
        url,
        {"service_item": "psychotherapy", "starts_on": START.isoformat()},
        content_type=JSON,
        **auth,
    )
    assert started.status_code == 201, started.content
    body = started.json()
    cycle = TrainingCycle.objects.get()
    assert (body["id"], body["case_id"], body["client_name"]) == (cycle.pk, case.pk, "周期1")
    assert (body["service_item"], body["item_name"], body["project"]) == (
        "psychotherapy",
        "心理治疗和康复",
        "lw",
    )
    assert (body["done"], body["required"], body["max"], body["running"]) == (0, 8, 16, True)
    assert body["baseline_assessment_id"] == baseline.pk
    assert body["closing_assessment_id"] is None
    assert AuditEvent.objects.filter(
        action="cycle.start", kind="change", actor=world.worker, object_id=cycle.pk
    ).exists()

    sessions(world, case, "psychotherapy", START, 3, minutes=45)
    sessions(world, case, "psychotherapy", START + DAY, 1, minutes=20)  # too short to count
    reads = AuditEvent.objects.filter(action="case.read", kind="read", actor=world.worker)
    before = reads.count()
    listed = client.get(url, **auth).json()
    assert [(c["id"], c["done"], c["required"], c["max"]) for c in listed] == [(cycle.pk, 3, 8, 16)]
    assert reads.count() == before + 1  # the case's read is audited

    running = client.post(
        url,
        {"service_item": "psychotherapy", "starts_on": (START + DAY).isoformat()},
        content_type=JSON,
        **auth,
        **EN,
    )
    assert _errors(running) == ["A cycle of this item is still running: end it first."]
    early = client.post(
        f"/api/v1/cycles/{cycle.pk}/end",
        {"ended_on": (START - DAY).isoformat()},
        content_type=JSON,
        **auth,
        **EN,
    )
    assert _errors(early) == ["A cycle cannot end before it starts."]
    assert TrainingCycle.objects.count() == 1 and TrainingCycle.objects.get().ended_on is None

    closing = add_assessment(case, "sdss", 4, timepoint="outcome", on=START + 61 * DAY)
    ended = client.post(
        f"/api/v1/cycles/{cycle.pk}/end",
        {"ended_on": (START + 60 * DAY).isoformat()},
        content_type=JSON,
        **auth,
        **EN,
    )
    assert ended.status_code == 200, ended.content
    body = ended.json()
    assert (body["ended_on"], body["running"]) == ((START + 60 * DAY).isoformat(), False)
    assert body["closing_assessment_id"] == closing.pk
    assert (body["done"], body["behind"]) == (3, True)
    assert body["reason"] == "The cycle ended with 3 of the 8 sessions required."
    assert AuditEvent.objects.filter(action="cycle.end", object_id=cycle.pk).exists()
    again = client.post(
        f"/api/v1/cycles/{cycle.pk}/end",
        {"ended_on": (START + 70 * DAY).isoformat()},
        content_type=JSON,
        **auth,
        **EN,
    )
    assert _errors(again) == ["This cycle has already ended."]
    assert TrainingCycle.objects.get().ended_on == START + 60 * DAY


@pytest.mark.parametrize(
    ("klass", "item", "reason"),
    [
        ("C", "physical_health", "LW §8"),  # practical tier: classes A and B only
        ("A", "rehab_assessment", "rehab_assessment has no training cycle."),
    ],
)
def test_a_cycle_refused_by_the_rules_says_why(world, client, klass, item, reason):
    case = make_case(world, klass=klass)
    response = client.post(
        f"/api/v1/cases/{case.pk}/cycles",
        {"service_item": item, "starts_on": START.isoformat()},
        content_type=JSON,
        **_auth(world.worker),
        **EN,
    )
    assert reason in " ".join(_errors(response))
    assert not TrainingCycle.objects.exists()


def test_my_cycles_and_those_falling_behind(world, client):
    case = make_case(world)
    today = timezone.localdate()
    for item in ("physical_health", "peer_support"):
        client.post(
            f"/api/v1/cases/{case.pk}/cycles",
            {"service_item": item, "starts_on": (today - 21 * DAY).isoformat()},
            content_type=JSON,
            **_auth(world.worker),
        )
    auth = _auth(world.worker)
    mine = client.get("/api/v1/me/cycles", **auth, **EN).json()
    assert sorted((c["service_item"], c["behind"]) for c in mine) == [
        ("peer_support", False),
        ("physical_health", True),
    ]
    behind = client.get("/api/v1/me/cycles?behind=true", **auth, **EN).json()
    assert [(c["service_item"], c["client_name"], c["weeks_elapsed"]) for c in behind] == [
        ("physical_health", "周期1", 3)
    ]
    assert behind[0]["reason"] == "0 sessions after 3 weeks; 2 a week are required."
    assert client.get("/api/v1/me/cycles", **_auth(world.counsellor)).json() == []
    assert client.get("/api/v1/me/cycles?behind=maybe", **auth).status_code == 422


def test_supervisor_reads_cycles_but_gets_403_on_writes(world, client):
    case = make_case(world)
    cycle = TrainingCycle.objects.create(
        project=world.liwan, case=case, service_item="peer_support", starts_on=START
    )
    before = _cycles()
    auth = _auth(world.supervisor)
    assert client.get(f"/api/v1/cases/{case.pk}/cycles", **auth).status_code == 200
    start = client.post(
        f"/api/v1/cases/{case.pk}/cycles",
        {"service_item": "vocational", "starts_on": START.isoformat()},
        content_type=JSON,
        **auth,
    )
    end = client.post(
        f"/api/v1/cycles/{cycle.pk}/end",
        {"ended_on": START.isoformat()},
        content_type=JSON,
        **auth,
    )
    assert (start.status_code, end.status_code) == (403, 403)
    assert _cycles() == before
    assert AuditEvent.objects.filter(kind="denied", actor=world.supervisor).count() == 2


@pytest.mark.parametrize("persona", REFUSED)
def test_cycles_are_hidden_from_refused_personas(world, client, persona):
    case = make_case(world)
    cycle = TrainingCycle.objects.create(
        project=world.liwan, case=case, service_item="peer_support", starts_on=START
    )
    before = _cycles()
    user = getattr(world, persona)
    auth = _auth(user)
    assert client.get(f"/api/v1/cases/{case.pk}/cycles", **auth).status_code == 404
    start = client.post(
        f"/api/v1/cases/{case.pk}/cycles",
        {"service_item": "vocational", "starts_on": START.isoformat()},
        content_type=JSON,
        **auth,
    )
    end = client.post(
        f"/api/v1/cycles/{cycle.pk}/end",
        {"ended_on": START.isoformat()},
        content_type=JSON,
        **auth,
    )
    assert (start.status_code, end.status_code) == (404, 404)
    assert client.get("/api/v1/me/cycles", **auth).json() == []
    assert _cycles() == before
    assert AuditEvent.objects.filter(kind="denied", actor=user).count() == 3
    assert not AuditEvent.objects.filter(kind="read", actor=user).exists()


def test_cycle_lists_cost_the_same_queries_with_more_rows(world, client):
    auth = _auth(world.worker)
    first = make_case(world, 1)
    TrainingCycle.objects.create(
        project=world.liwan, case=first, service_item="peer_support", starts_on=START
    )
    session(world, first, "peer_support", START + DAY)
    case_url = f"/api/v1/cases/{first.pk}/cycles"
    few_case, few_mine = (
        _queries(client, case_url, auth),
        _queries(client, "/api/v1/me/cycles", auth),
    )
    for n in range(2, 6):
        case = make_case(world, n)
        for item in ("physical_health", "psychotherapy", "social_skills", "vocational"):
            TrainingCycle.objects.create(
                project=world.liwan, case=case, service_item=item, starts_on=START
            )
            session(world, case, item, START + DAY)
    for item in ("physical_health", "psychotherapy", "social_skills"):
        TrainingCycle.objects.create(
            project=world.liwan, case=first, service_item=item, starts_on=START
        )
    assert _queries(client, case_url, auth) == few_case
    assert _queries(client, "/api/v1/me/cycles", auth) == few_mine
    assert len(client.get(case_url, **auth).json()) == 4
    mine = client.get("/api/v1/me/cycles", **auth).json()
    assert len(mine) == 20
    assert sum(c["done"] for c in mine) == 17  # one session each but the first case's new ones


def test_cycle_garbage_gets_422_or_404_never_500(world, client):
    case = make_case(world)
    auth = _auth(world.worker)
    url = f"/api/v1/cases/{case.pk}/cycles"
    for body in (
        {"service_item": "\x00", "starts_on": START.isoformat()},
        {"service_item": "x" * 41, "starts_on": START.isoformat()},
        {"service_item": "peer_support", "starts_on": "2026-13-01"},
        {"service_item": "peer_support"},
    ):
        assert client.post(url, body, content_type=JSON, **auth).status_code == 422, body
    unknown = client.post(
        url,
        {"service_item": "no_such_item", "starts_on": START.isoformat()},
        content_type=JSON,
        **auth,
    )
    assert unknown.status_code == 422
    assert client.get("/api/v1/cases/0/cycles", **auth).status_code == 422
    assert (
        client.post(
            "/api/v1/cycles/999999/end", {"ended_on": "2026-01-01"}, content_type=JSON, **auth
        ).status_code
        == 404
    )
    assert (
        client.post(
            "/api/v1/cycles/1/end", {"ended_on": "x"}, content_type=JSON, **auth
        ).status_code
        == 422
    )
    assert not TrainingCycle.objects.exists()


# Joint home visits ------------------------------------------------------------------------------


def _visit_body(**extra: object) -> dict[str, object]:
    body: dict[str, object] = {
        "on": "2026-08-31",
        "starts_at": "09:30",
        "ends_at": "11:00",
        "indirect_hours": "0.5",
        "guardian_support": "讲解服药监护要点",
        "visitors": [dict(zip(("name", "organisation", "role"), DOCTOR, strict=True))],
        "answers": follow_up(),
    }
    body.update(extra)
    return body


def _nothing_visited() -> bool:
    return not (
        AssessmentRecord.objects.filter(instrument__code="follow-up-2018").exists()
        or ServiceRecord.objects.exists()
        or Visitor.objects.exists()
    )


def test_worker_records_a_joint_home_visit_and_learns_the_next_date(world, client):
    case = cc_visit_case(world)
    response = client.post(
        f"/api/v1/cases/{case.pk}/home-visits",
        _visit_body(),
        content_type=JSON,
        **_auth(world.other_worker),
        **EN,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    record = ServiceRecord.objects.get()
    assessment = AssessmentRecord.objects.get(instrument__code="follow-up-2018")
    assert body == {
        "record_id": record.pk,
        "assessment_id": assessment.pk,
        "band": "stable",
        "band_label": body["band_label"],
        "next_visit_on": "2026-11-30",  # 31 Aug + 3 months: end of November, a Monday
    }
    assert body["band_label"] and body["band_label"] != "stable"
    assert (record.service_item, record.form, record.assessment_id) == (
        "joint_home_visit",
        "home_visit",
        assessment.pk,
    )
    worker = record.workers.get()
    assert (worker.user, worker.direct_hours, worker.indirect_hours) == (
        world.other_worker,
        H("1.50"),
        H("0.50"),
    )
    assert list(record.visitors.values_list("name", "organisation", "role")) == [DOCTOR]
    assert sorted(record.participants.values_list("kind", flat=True)) == ["client", "guardian"]
    assert AuditEvent.objects.filter(
        action="service.home_visit", kind="change", actor=world.other_worker, object_id=record.pk
    ).exists()


def test_an_unstable_visit_is_followed_in_two_weeks(world, client):
    case = cc_visit_case(world)
    response = client.post(
        f"/api/v1/cases/{case.pk}/home-visits",
        _visit_body(on="2026-11-02", answers=follow_up(danger_level=3)),
        content_type=JSON,
        **_auth(world.other_worker),
    )
    assert response.status_code == 201, response.content
    assert (response.json()["band"], response.json()["next_visit_on"]) == (
        "unstable",
        "2026-11-16",
    )


def test_home_visit_refusals_say_why_and_write_nothing(world, client):
    case = cc_visit_case(world)
    auth = _auth(world.other_worker)
    url = f"/api/v1/cases/{case.pk}/home-visits"
    no_team = client.post(url, _visit_body(visitors=[]), content_type=JSON, **auth, **EN)
    assert _errors(no_team) == [
        "A joint home visit needs at least one visitor from outside (name and organisation)."
    ]
    half = client.post(
        url,
        _visit_body(visitors=[{"name": "刘医生", "organisation": ""}]),
        content_type=JSON,
        **auth,
        **EN,
    )
    assert _errors(half) == ["Each visitor needs a name and an organisation."]
    answers = follow_up()
    del answers["insight"]
    unanswered = client.post(url, _visit_body(answers=answers), content_type=JSON, **auth, **EN)
    assert any(m.startswith("insight: ") for m in _errors(unanswered))
    future = (timezone.localdate() + DAY).isoformat()
    later = client.post(url, _visit_body(on=future), content_type=JSON, **auth, **EN)
    assert _errors(later) == ["The date of the assessment cannot be in the future."]
    assert _nothing_visited()


def test_a_liwan_case_has_no_joint_home_visits(world, client):
    case = make_case(world)
    response = client.post(
        f"/api/v1/cases/{case.pk}/home-visits",
        _visit_body(),
        content_type=JSON,
        **_auth(world.worker),
        **EN,
    )
    assert "catalogue" in " ".join(_errors(response))
    assert _nothing_visited()


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("worker", 404),
        ("purchaser", 404),
        ("outsider", 404),
        ("admin", 404),
        ("supervisor", 403),
    ],
)
def test_home_visits_are_refused_to_others(world, client, persona, status):
    case = cc_visit_case(world)
    # the supervisor supervises the CC project too: a reader who may not write
    membership_set(
        project=world.chongchuan,
        user=world.supervisor,
        role=Membership.Role.SUPERVISOR,
        acting_user=world.admin,
    )
    user = getattr(world, persona)
    response = client.post(
        f"/api/v1/cases/{case.pk}/home-visits", _visit_body(), content_type=JSON, **_auth(user)
    )
    assert response.status_code == status
    assert _nothing_visited()
    assert AuditEvent.objects.filter(kind="denied", actor=user).count() == 1
    allowed = client.post(
        f"/api/v1/cases/{case.pk}/home-visits",
        _visit_body(),
        content_type=JSON,
        **_auth(world.other_worker),
    )
    assert allowed.status_code == 201  # the same visit, by the case's worker


def test_home_visit_garbage_gets_422_never_500(world, client):
    case = cc_visit_case(world)
    auth = _auth(world.other_worker)
    url = f"/api/v1/cases/{case.pk}/home-visits"
    for extra in (
        {"guardian_support": "\x00"},
        {"guardian_support": "长" * 2001},
        {"visitors": [{"name": "\x00", "organisation": "x"}]},
        {"visitors": [{"name": "刘", "organisation": "长" * 129}]},
        {"visitors": [{"name": "刘", "organisation": "x"}] * 21},
        {"indirect_hours": "-1"},
        {"indirect_hours": "1e9"},
        {"answers": {"insight": {"deep": [None, {"x": 1}]}, "danger_level": "many"}},
        {"answers": {f"q{i}": 1 for i in range(201)}},
        {"answers": "not a dict"},
        {"ends_at": "09:00"},
    ):
        response = client.post(url, _visit_body(**extra), content_type=JSON, **auth)
        assert response.status_code == 422, (extra, response.content)
    assert _nothing_visited()


# Timesheets -------------------------------------------------------------------------------------


@pytest.fixture
def sheet(world):
    lw, cc, me = world.liwan, world.chongchuan, world.worker
    hours(lw, D(2026, 1, 2), me, "2.00")  # ISO week 1 of 2026 starts on Mon 29 Dec 2025
    hours(lw, D(2026, 3, 2), me, "1.50", "0.50")  # Monday, week 10
    hours(lw, D(2026, 3, 8), me, "2.00", "0.25")  # Sunday, still week 10
    hours(lw, D(2026, 3, 3), me, "5.00", "5.00", voided=True)  # voided: left out
    hours(cc, D(2026, 3, 31), me, "0.75", "0.25")  # week 14, March, the other project
    hours(lw, D(2026, 4, 1), me, "1.25", "1.00")  # week 14, April
    hours(lw, D(2025, 12, 31), me, "9.00")  # last year
    return world


def _weeks(body) -> list[tuple]:
    return [
        (w["project"], w["week_of"], w["iso_year"], w["iso_week"], w["direct"], w["indirect"])
        for w in body["weeks"]
    ]


def _months(body) -> list[tuple]:
    return [(m["project"], m["month"], m["direct"], m["indirect"]) for m in body["months"]]


def test_my_timesheet_by_iso_week_and_month_per_project(sheet, client):
    world = sheet
    body = client.get("/api/v1/me/timesheet?year=2026", **_auth(world.worker)).json()
    assert (body["worker_id"], body["project"], body["year"]) == (world.worker.pk, None, 2026)
    assert (body["start"], body["end"]) == ("2026-01-01", "2026-12-31")
    assert _weeks(body) == [
        ("lw", "2025-12-29", 2026, 1, "2.00", "0.00"),
        ("lw", "2026-03-02", 2026, 10, "3.50", "0.75"),
        ("lw", "2026-03-30", 2026, 14, "1.25", "1.00"),
        ("cc", "2026-03-30", 2026, 14, "0.75", "0.25"),
    ]
    assert _months(body) == [
        ("lw", "2026-01-01", "2.00", "0.00"),
        ("lw", "2026-03-01", "3.50", "0.75"),
        ("cc", "2026-03-01", "0.75", "0.25"),
        ("lw", "2026-04-01", "1.25", "1.00"),
    ]
    assert (body["direct"], body["indirect"], body["total"]) == ("7.50", "2.00", "9.50")
    assert body["teams"] == []
    last_year = client.get("/api/v1/me/timesheet?year=2025", **_auth(world.worker)).json()
    assert (last_year["direct"], len(last_year["weeks"])) == ("9.00", 1)
    this_year = client.get("/api/v1/me/timesheet", **_auth(world.worker)).json()
    assert this_year["year"] == timezone.localdate().year


def test_leads_and_supervisors_see_their_projects_workers(sheet, client):
    world = sheet
    url = f"/api/v1/projects/lw/workers/{world.worker.pk}/timesheet?year=2026"
    for overseer in (world.lead, world.supervisor):
        auth = _auth(overseer)
        teams = client.get("/api/v1/me/timesheet", **auth).json()["teams"]
        assert [t["project"] for t in teams] == ["lw"]
        listed = {w["user_id"]: w["timesheet"] for w in teams[0]["workers"]}
        assert listed[world.worker.pk] == url.split("?")[0]
        assert world.supervisor.pk not in listed and world.purchaser.pk not in listed
        body = client.get(url, **auth).json()
        assert (body["worker_id"], body["project"], body["teams"]) == (world.worker.pk, "lw", [])
        assert (body["direct"], body["indirect"], body["total"]) == ("6.75", "1.75", "8.50")
        assert {w["project"] for w in body["weeks"]} == {"lw"}


@pytest.mark.parametrize(
    "persona", ["counsellor", "worker", "other_worker", "purchaser", "outsider", "admin"]
)
def test_other_workers_timesheets_are_closed(sheet, client, persona):
    world = sheet
    user = getattr(world, persona)
    response = client.get(f"/api/v1/projects/lw/workers/{world.worker.pk}/timesheet", **_auth(user))
    assert response.status_code == 404
    assert "direct" not in response.json()
    assert (
        AuditEvent.objects.filter(kind="denied", actor=user, action="project.access").count() == 1
    )


def test_a_lead_sees_no_timesheet_outside_their_team(sheet, client):
    world = sheet
    auth = _auth(world.lead)
    not_led = client.get(f"/api/v1/projects/cc/workers/{world.other_worker.pk}/timesheet", **auth)
    not_a_worker = client.get(f"/api/v1/projects/lw/workers/{world.outsider.pk}/timesheet", **auth)
    purchaser = client.get(f"/api/v1/projects/lw/workers/{world.purchaser.pk}/timesheet", **auth)
    assert (not_led.status_code, not_a_worker.status_code, purchaser.status_code) == (
        404,
        404,
        404,
    )
    denied = AuditEvent.objects.filter(kind="denied", actor=world.lead)
    assert sorted(denied.values_list("action", flat=True)) == [
        "project.access",
        "timesheet.read",
        "timesheet.read",
    ]


def test_timesheet_years_are_bounded(world, client):
    auth = _auth(world.worker)
    too_late = timezone.localdate().year + 2
    response = client.get(f"/api/v1/me/timesheet?year={too_late}", **auth, **EN)
    assert _errors(response) == [f"Give a year from 2000 to {timezone.localdate().year + 1}."]
    for year in ("1999", "abc", "%00", "99999999999999999999"):
        assert client.get(f"/api/v1/me/timesheet?year={year}", **auth).status_code == 422
    lead = _auth(world.lead)
    url = f"/api/v1/projects/lw/workers/{world.worker.pk}/timesheet"
    assert client.get(url + "?year=1999", **lead).status_code == 422
    assert client.get("/api/v1/projects/lw/workers/0/timesheet", **lead).status_code == 422
    assert client.get("/api/v1/projects/%00/workers/1/timesheet", **lead).status_code in (404, 422)


def test_timesheet_queries_do_not_grow_with_records(world, client):
    auth = _auth(world.lead)
    hours(world.liwan, D(2026, 5, 4), world.worker, "1")
    mine = "/api/v1/me/timesheet?year=2026"
    theirs = f"/api/v1/projects/lw/workers/{world.worker.pk}/timesheet?year=2026"
    few_mine, few_theirs = _queries(client, mine, auth), _queries(client, theirs, auth)
    for day in range(1, 28):
        hours(world.liwan, D(2026, 6, day), world.worker, "1")
        hours(world.liwan, D(2026, 7, day), world.lead, "1")
    assert _queries(client, mine, auth) == few_mine
    assert _queries(client, theirs, auth) == few_theirs
    assert client.get(theirs, **auth).json()["direct"] == "28.00"
    assert client.get(mine, **auth).json()["direct"] == "27.00"


# The routes -------------------------------------------------------------------------------------

NEW_ROUTES = {
    "/api/v1/projects/{code}/programmes": {"get", "post"},
    "/api/v1/programmes/{programme_id}": {"get"},
    "/api/v1/programmes/{programme_id}/members": {"post"},
    "/api/v1/programmes/{programme_id}/members/{case_id}": {"delete"},
    "/api/v1/programmes/{programme_id}/close": {"post"},
    "/api/v1/programmes/{programme_id}/sessions": {"post"},
    "/api/v1/cases/{case_id}/cycles": {"get", "post"},
    "/api/v1/cycles/{cycle_id}/end": {"post"},
    "/api/v1/me/cycles": {"get"},
    "/api/v1/cases/{case_id}/home-visits": {"post"},
    "/api/v1/me/timesheet": {"get"},
    "/api/v1/projects/{code}/workers/{user_id}/timesheet": {"get"},
}


def test_the_routes_are_documented_and_need_authentication(world, client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path, methods in NEW_ROUTES.items():
        assert set(paths[path]) == methods, path
        concrete = path.replace("{code}", "lw")
        for name in ("programme_id", "case_id", "cycle_id", "user_id"):
            concrete = concrete.replace("{" + name + "}", "1")
        for method in methods:
            response = getattr(client, method)(concrete, {}, content_type=JSON)
            assert response.status_code == 401, (method, concrete)
