"""Group programmes in the JSON API: scoped and audited like the pages, the actions' refusals
answered 422 with their reasons, nothing changed by a refused call, bounded query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from anxin.accounts.actions import api_token_create
from anxin.audit.models import AuditEvent
from anxin.delivery.models import GroupProgramme, Participant, ServiceRecord
from anxin.delivery.tests.test_groups import cc_case, lw_case, lw_group, session

TODAY = timezone.localdate()
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
JSON = "application/json"
REFUSED = ["other_worker", "purchaser", "outsider", "admin"]


def _auth(user) -> dict[str, str]:
    _token, key = api_token_create(user=user, name="t", acting_user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def _create_body(cases, **extra: object) -> dict[str, object]:
    body: dict[str, object] = {
        "service_item": "medication_training",
        "theme": "服药依从小组",
        "planned_sessions": 8,
        "starts_on": TODAY.isoformat(),
        "members": [c.pk for c in cases],
    }
    body.update(extra)
    return body


def _session_body(world, attended, worker=None, **extra: object) -> dict[str, object]:
    body: dict[str, object] = {
        "on": TODAY.isoformat(),
        "starts_at": "14:00",
        "ends_at": "15:30",
        "place": "多宝街康园",
        "attended": [c.pk for c in attended],
        "workers": [
            {"user_id": (worker or world.worker).pk, "direct_hours": "1.5", "indirect_hours": "0.5"}
        ],
    }
    body.update(extra)
    return body


def _errors(response) -> str:
    assert response.status_code == 422, response.content
    return " | ".join(response.json()["errors"])


def _state() -> tuple:
    """Everything a programme call could change."""
    return (
        list(GroupProgramme.objects.order_by("pk").values_list("pk", "closed", "theme")),
        sorted(GroupProgramme.members.through.objects.values_list("groupprogramme_id", "case_id")),
        ServiceRecord.objects.count(),
        Participant.objects.count(),
    )


# Happy paths ------------------------------------------------------------------------------------


def test_worker_creates_a_programme_records_sessions_and_reads_them(world, client):
    cases = [lw_case(world, n) for n in range(7)]
    guardian = cases[0].client.family_members.get()
    auth = _auth(world.worker)
    created = client.post(
        "/api/v1/projects/lw/programmes", _create_body(cases), content_type=JSON, **auth
    )
    assert created.status_code == 201, created.content
    body = created.json()
    programme = GroupProgramme.objects.get()
    assert body["id"] == programme.pk and set(programme.members.all()) == set(cases)
    assert (body["service_item"], body["form"], body["theme"]) == (
        "medication_training",
        "group",
        "服药依从小组",
    )
    assert (body["planned_sessions"], body["fixed_members"], body["closed"]) == (8, False, False)
    assert body["family_bounds"] is None and body["next_session_no"] == 1
    assert body["sessions"] == []
    assert {(m["case_id"], m["client_name"]) for m in body["members"]} == {
        (c.pk, c.client.name) for c in cases
    }
    assert AuditEvent.objects.filter(
        action="programme.create", kind="change", actor=world.worker, object_id=programme.pk
    ).exists()

    url = f"/api/v1/programmes/{programme.pk}"
    first = client.post(
        url + "/sessions",
        _session_body(world, cases[:6], family_members=[guardian.pk], guests=["街道残联 刘", " "]),
        content_type=JSON,
        **auth,
    )
    assert first.status_code == 201, first.content
    first = first.json()
    assert (first["programme_id"], first["session_no"]) == (programme.pk, 1)
    assert (first["attending_clients"], first["attending_participants"]) == (6, 8)
    assert first["counted"] is True and first["not_counted_reason"] is None
    kinds = sorted(p["kind"] for p in first["participants"])
    assert kinds == ["client"] * 7 + ["guardian", "other"]
    absent = [p for p in first["participants"] if not p["attended"]]
    assert [p["case_id"] for p in absent] == [cases[6].pk]
    assert first["workers"] == [
        {
            "user_id": world.worker.pk,
            "name": world.worker.display_name,
            "direct_hours": "1.50",
            "indirect_hours": "0.50",
        }
    ]
    assert first["place"] == "多宝街康园"
    second = client.post(
        url + "/sessions", _session_body(world, cases[:4]), content_type=JSON, **auth
    )
    assert second.status_code == 201 and second.json()["session_no"] == 2

    read = client.get(url, **auth, **EN).json()
    assert read["next_session_no"] == 3 and len(read["members"]) == 7
    sessions = [
        (s["session_no"], s["attending_clients"], s["counted"], s["not_counted_reason"])
        for s in read["sessions"]
    ]
    assert sessions == [
        (1, 6, True, None),
        (2, 4, False, "Not counted as Group: 4 clients attended, 6 needed."),
    ]
    assert read["sessions"][0]["record_id"] == first["id"]
    assert AuditEvent.objects.filter(
        action="programme.read", kind="read", actor=world.worker, object_id=programme.pk
    ).exists()

    listed = client.get("/api/v1/projects/lw/programmes", **auth).json()
    assert len(listed) == 1
    row = listed[0]
    assert (row["id"], row["members"], row["sessions_recorded"], row["sessions_planned"]) == (
        programme.pk,
        7,
        2,
        8,
    )
    assert row["attendance_rate"] == round(100 * 10 / 14)  # 6 + 4 of 7 + 7 client rows

    voided = client.post(
        f"/api/v1/services/{second.json()['id']}/void",
        {"reason": "录错了"},
        content_type=JSON,
        **auth,
    )
    assert voided.status_code == 200
    row = client.get("/api/v1/projects/lw/programmes", **auth).json()[0]
    assert (row["sessions_recorded"], row["attendance_rate"]) == (1, round(100 * 6 / 7))
    read = client.get(url, **auth, **EN).json()
    assert read["next_session_no"] == 3  # a voided session keeps its number
    assert [(s["session_no"], s["voided"], s["not_counted_reason"]) for s in read["sessions"]] == [
        (1, False, None),
        (2, True, "Voided: 录错了"),
    ]


def test_members_join_and_leave_within_the_bounds_and_a_closed_programme_takes_nothing(
    world, client
):
    cases = [cc_case(world, n) for n in range(5)]
    auth = _auth(world.other_worker)
    created = client.post(
        "/api/v1/projects/cc/programmes",
        _create_body(
            cases[:3],
            service_item="multi_family_group",
            theme="稳定期家庭互助",
            fixed_members=True,
            planned_sessions=6,
        ),
        content_type=JSON,
        **auth,
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["family_bounds"] == {"min": 3, "max": 5} and body["fixed_members"] is True
    url = f"/api/v1/programmes/{body['id']}"
    added = client.post(url + "/members", {"case_id": cases[3].pk}, content_type=JSON, **auth)
    assert added.status_code == 200
    assert {m["case_id"] for m in added.json()["members"]} == {c.pk for c in cases[:4]}
    again = client.post(url + "/members", {"case_id": cases[3].pk}, content_type=JSON, **auth, **EN)
    assert "is already a member" in _errors(again)
    removed = client.delete(f"{url}/members/{cases[0].pk}", **auth)
    assert removed.status_code == 200
    assert {m["case_id"] for m in removed.json()["members"]} == {c.pk for c in cases[1:4]}
    too_few = client.delete(f"{url}/members/{cases[1].pk}", **auth, **EN)
    assert "3 to 5 fixed families" in _errors(too_few) and "would have 2" in _errors(too_few)
    assert client.delete(f"{url}/members/{cases[4].pk}", **auth).status_code == 404  # no member
    programme = GroupProgramme.objects.get()
    assert set(programme.members.all()) == set(cases[1:4])
    for action in ("programme.member_add", "programme.member_remove"):
        assert AuditEvent.objects.filter(action=action, actor=world.other_worker).count() == 1

    closed = client.post(url + "/close", **auth)
    assert closed.status_code == 200 and closed.json()["closed"] is True
    assert AuditEvent.objects.filter(action="programme.close", object_id=programme.pk).exists()
    late_member = client.post(
        url + "/members", {"case_id": cases[4].pk}, content_type=JSON, **auth, **EN
    )
    assert "The programme is closed." in _errors(late_member)
    late_session = client.post(
        url + "/sessions",
        _session_body(world, cases[1:4], worker=world.other_worker),
        content_type=JSON,
        **auth,
        **EN,
    )
    assert "The programme is closed." in _errors(late_session)
    assert _errors(client.post(url + "/close", **auth, **EN)) == "The programme is closed."
    assert set(programme.members.all()) == set(cases[1:4])
    assert not ServiceRecord.objects.exists()


# Refusals with their reasons --------------------------------------------------------------------


def test_a_multi_family_group_of_two_families_is_refused_with_the_reason(world, client):
    cases = [cc_case(world, n) for n in range(2)]
    auth = _auth(world.other_worker)
    response = client.post(
        "/api/v1/projects/cc/programmes",
        _create_body(cases, service_item="multi_family_group", fixed_members=True),
        content_type=JSON,
        **auth,
        **EN,
    )
    errors = _errors(response)
    assert "A multi-family group has 3 to 5 fixed families" in errors and "would have 2" in errors
    assert not GroupProgramme.objects.exists()


def test_members_refused_by_class_or_unknown_and_cases_hidden_from_the_caller(world, client):
    class_b = lw_case(world, 1, klass_scores=(1, 8))
    hidden = cc_case(world, 2)  # a case of a project the worker is not a member of
    auth = _auth(world.worker)
    url = "/api/v1/projects/lw/programmes"
    refused = client.post(
        url, _create_body([class_b], service_item="social_skills"), content_type=JSON, **auth, **EN
    )
    assert "荔1" in _errors(refused) and "Social-skills training is for Class A" in _errors(refused)
    unknown = client.post(
        url, _create_body([], members=[999999, hidden.pk]), content_type=JSON, **auth, **EN
    )
    assert unknown.json()["errors"] == [f"No case {hidden.pk}.", "No case 999999."]
    wrong = client.post(
        url, _create_body([], form="one_to_one", theme=" "), content_type=JSON, **auth, **EN
    )
    assert "groups or activities" in _errors(wrong) and "theme" in _errors(wrong)
    assert not GroupProgramme.objects.exists()
    programme = lw_group(world, [class_b], item="life_skills")
    add = client.post(
        f"/api/v1/programmes/{programme.pk}/members",
        {"case_id": hidden.pk},
        content_type=JSON,
        **auth,
        **EN,
    )
    assert add.json()["errors"] == [f"No case {hidden.pk}."]
    assert list(programme.members.all()) == [class_b]


def test_session_refusals_come_together_and_record_nothing(world, client):
    cases = [lw_case(world, n) for n in range(3)]
    programme = lw_group(world, cases[:2])
    non_member_family = cases[2].client.family_members.get()
    auth = _auth(world.worker)
    url = f"/api/v1/programmes/{programme.pk}/sessions"
    response = client.post(
        url,
        _session_body(
            world,
            [cases[0], cases[2]],
            family_members=[non_member_family.pk],
        ),
        content_type=JSON,
        **auth,
        **EN,
    )
    errors = _errors(response)
    assert "Attendance can only be ticked for members with an open case." in errors
    assert "is not a family member of a member" in errors
    not_a_worker = client.post(
        url,
        _session_body(
            world,
            cases[:2],
            workers=[
                {"user_id": world.worker.pk, "direct_hours": "1.5"},
                {"user_id": world.supervisor.pk, "direct_hours": "1.5"},
            ],
        ),
        content_type=JSON,
        **auth,
        **EN,
    )
    assert "赵督导 is not a worker of this project" in _errors(not_a_worker)
    unknown = client.post(
        url,
        _session_body(
            world,
            cases[:2],
            family_members=[999998],
            workers=[{"user_id": 999997, "direct_hours": "1"}],
        ),
        content_type=JSON,
        **auth,
        **EN,
    )
    assert unknown.json()["errors"] == ["No family member 999998.", "No user 999997."]
    street = client.post(
        url, _session_body(world, cases[:2], street="320613001000"), content_type=JSON, **auth, **EN
    )
    assert _errors(street) == "No street 320613001000 in the project's district."
    no_worker = client.post(
        url, _session_body(world, cases[:2], workers=[]), content_type=JSON, **auth, **EN
    )
    assert "at least one worker" in _errors(no_worker)
    assert not ServiceRecord.objects.exists() and not programme.sessions.exists()


def test_a_session_takes_a_street_of_the_projects_district(world, client):
    cases = [lw_case(world, n) for n in range(2)]
    programme = lw_group(world, cases)
    street = world.street("沙面街道")
    response = client.post(
        f"/api/v1/programmes/{programme.pk}/sessions",
        _session_body(world, cases, street=street.code),
        content_type=JSON,
        **_auth(world.worker),
    )
    assert response.status_code == 201, response.content
    assert ServiceRecord.objects.get().street == street


# Personas ---------------------------------------------------------------------------------------


def _every_write(client, world, programme, case, auth) -> list[int]:
    url = f"/api/v1/programmes/{programme.pk}"
    return [
        client.post(
            "/api/v1/projects/lw/programmes", _create_body([case]), content_type=JSON, **auth
        ).status_code,
        client.post(url + "/members", {"case_id": case.pk}, content_type=JSON, **auth).status_code,
        client.delete(f"{url}/members/{case.pk}", **auth).status_code,
        client.post(
            url + "/sessions", _session_body(world, [case]), content_type=JSON, **auth
        ).status_code,
        client.post(url + "/close", **auth).status_code,
    ]


def test_supervisor_reads_but_gets_403_on_every_write(world, client):
    case = lw_case(world, 1)
    programme = lw_group(world, [case])
    before = _state()
    auth = _auth(world.supervisor)
    assert client.get("/api/v1/projects/lw/programmes", **auth).status_code == 200
    assert client.get(f"/api/v1/programmes/{programme.pk}", **auth).status_code == 200
    assert AuditEvent.objects.filter(
        action="programme.read", kind="read", actor=world.supervisor
    ).exists()
    assert _every_write(client, world, programme, case, auth) == [403] * 5
    assert _state() == before
    assert AuditEvent.objects.filter(kind="denied", actor=world.supervisor).count() == 5


@pytest.mark.parametrize("persona", REFUSED)
def test_programmes_are_hidden_from_refused_personas(world, client, persona):
    case = lw_case(world, 1)
    programme = lw_group(world, [case])
    before = _state()
    user = getattr(world, persona)
    auth = _auth(user)
    assert client.get("/api/v1/projects/lw/programmes", **auth).status_code == 404
    assert client.get(f"/api/v1/programmes/{programme.pk}", **auth).status_code == 404
    assert _every_write(client, world, programme, case, auth) == [404] * 5
    assert _state() == before
    assert AuditEvent.objects.filter(kind="denied", actor=user).count() == 7
    assert not AuditEvent.objects.filter(action="programme.read", actor=user, kind="read").exists()


# Bounded queries and garbage --------------------------------------------------------------------


def _queries(client, url, auth) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, **auth).status_code == 200
    return len(ctx)


def test_list_and_read_cost_the_same_queries_with_more_rows(world, client):
    cases = [lw_case(world, n) for n in range(6)]
    auth = _auth(world.worker)
    programme = lw_group(world, cases[:1])
    session(programme, cases[:1], world.worker)
    list_url, read_url = "/api/v1/projects/lw/programmes", f"/api/v1/programmes/{programme.pk}"
    few_list, few_read = _queries(client, list_url, auth), _queries(client, read_url, auth)
    for case in cases[1:]:
        programme.members.add(case)
    for _i in range(4):
        session(programme, cases, world.worker)
    for _i in range(3):
        other = lw_group(world, cases)
        session(other, cases[:3], world.worker)
    assert _queries(client, list_url, auth) == few_list
    assert _queries(client, read_url, auth) == few_read
    listed = client.get(list_url, **auth).json()
    assert len(listed) == 4 and sorted(p["sessions_recorded"] for p in listed) == [1, 1, 1, 5]
    read = client.get(read_url, **auth).json()
    assert len(read["members"]) == 6 and len(read["sessions"]) == 5


def test_garbage_gets_422_or_404_never_500(world, client):
    cases = [lw_case(world, n) for n in range(2)]
    programme = lw_group(world, cases)
    auth = _auth(world.worker)
    url = "/api/v1/projects/lw/programmes"
    bad_bodies = [
        _create_body(cases, planned_sessions=0),
        _create_body(cases, planned_sessions=10**30),
        _create_body(cases, theme="\x00"),
        _create_body(cases, theme="长" * 129),
        _create_body(cases, members=[-1]),
        _create_body(cases, members=[2**63]),
        _create_body(cases, service_item="x" * 41),
        _create_body(cases, starts_on="2026-02-30"),
    ]
    for body in bad_bodies:
        assert client.post(url, body, content_type=JSON, **auth).status_code == 422, body
    session_url = f"/api/v1/programmes/{programme.pk}/sessions"
    bad_sessions = [
        _session_body(world, cases, guests=["\x00"]),
        _session_body(world, cases, place="\x00"),
        {**_session_body(world, cases), "attended": [0]},
        _session_body(world, cases, street="\x00"),
        _session_body(world, cases, workers=[{"user_id": world.worker.pk, "direct_hours": "25"}]),
        _session_body(world, cases, starts_at="25:00"),
    ]
    for body in bad_sessions:
        assert client.post(session_url, body, content_type=JSON, **auth).status_code == 422, body
    assert client.get("/api/v1/programmes/0", **auth).status_code == 422
    assert client.get("/api/v1/programmes/99999999999999999999", **auth).status_code == 422
    assert client.get("/api/v1/programmes/999999", **auth).status_code == 404
    assert client.get("/api/v1/projects/nope/programmes", **auth).status_code == 404
    members = f"/api/v1/programmes/{programme.pk}/members"
    assert client.post(members, {"case_id": "x"}, content_type=JSON, **auth).status_code == 422
    assert client.delete(members + "/0", **auth).status_code == 422
    assert client.post(url, "{not json", content_type=JSON, **auth).status_code == 400
    assert GroupProgramme.objects.count() == 1 and not ServiceRecord.objects.exists()
