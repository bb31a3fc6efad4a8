"""The client routes of the JSON API: scoping per persona, masking, intake, updates, query count."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext

from anxin.accounts.actions import api_token_create
from anxin.accounts.models import User
from anxin.audit.models import AuditEvent
from anxin.cases.models import Case
from anxin.clients import api as clients_api
from anxin.clients.actions import client_update, family_member_add
from anxin.clients.intake import FamilyInput
from anxin.clients.models import Client
from anxin.core.testing import World, liwan_input, make_id, register

CLIENTS = "/api/v1/clients"
ID17 = "44010319800101001"


class Api:
    """A test client that calls the API with one persona's token."""

    def __init__(self, user: User, lang: str = "en") -> None:
        self.http = HttpClient()
        key = api_token_create(user=user, name="t", acting_user=None)[1]
        self.headers = {"Authorization": "Bearer " + key, "Accept-Language": lang}

    def get(self, path: str, **params: Any) -> Any:
        return self.http.get(path, params, headers=self.headers)

    def send(self, method: str, path: str, body: Any) -> Any:
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        call = getattr(self.http, method)
        return call(path, data=data, content_type="application/json", headers=self.headers)


def as_(world: World, persona: str, lang: str = "en") -> Api:
    return Api(getattr(world, persona), lang)


def intake_body(world: World, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "project": "lw",
        "name": "李四",
        "id_number": make_id("44010319750505002"),
        "street": world.street("沙面街道").code,
        "household_district": "440103",
        "household_address": "广东省广州市荔湾区沙面街道2号",
        "address": "荔湾区沙面南街3号",
        "phone": "13712345678",
        "diagnosis": "双相情感障碍",
        "medication": "碳酸锂",
        "disability_level": "2",
        "disability_cert_issued_on": "2024-03-01",
        "priority_groups": ["dibao", "alone"],
        "family": [
            {"name": "李父", "relation": "parent", "is_guardian": True, "phone": "13611112222"}
        ],
    }
    body.update(extra)
    return body


# --- scoping: each persona on each route -------------------------------------------------------

READERS = ["worker", "lead", "counsellor", "supervisor"]
BLIND = ["other_worker", "purchaser", "outsider", "admin"]


@pytest.mark.parametrize("persona", READERS)
def test_archive_readers_read_the_full_archive(world: World, persona: str) -> None:
    client = register(world).client
    response = as_(world, persona).get(f"{CLIENTS}/{client.pk}")
    assert response.status_code == 200
    data = response.json()
    assert data["id_number"] == make_id(ID17)
    assert data["phone"] == "13800138000"
    assert data["diagnosis"] == "精神分裂症"
    assert data["address"] == "荔湾区沙面北街12号"
    assert data["family"][0]["phone"] == "13900139000"
    assert [c["project"] for c in data["cases"]] == ["lw"]
    assert data["street"]["name"] == "沙面街道"
    assert data["history"][0]["type"] == "+"
    read = AuditEvent.objects.get(kind=AuditEvent.Kind.READ, object_id=str(client.pk))
    assert read.actor == getattr(world, persona)


@pytest.mark.parametrize("persona", BLIND)
def test_others_get_404_on_every_client_route(world: World, persona: str) -> None:
    client = register(world).client
    api = as_(world, persona)
    assert api.get(f"{CLIENTS}/{client.pk}").status_code == 404
    patch = {"reason": "test", "changes": {"phone": "13000000000"}}
    assert api.send("patch", f"{CLIENTS}/{client.pk}", patch).status_code == 404
    listed = api.get(CLIENTS)
    assert listed.status_code == 200 and listed.json()["count"] == 0
    created = api.send("post", CLIENTS, intake_body(world))
    assert created.status_code == 404
    assert Client.objects.count() == 1
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.READ).exists()
    assert (
        AuditEvent.objects.filter(
            kind=AuditEvent.Kind.DENIED, actor=api_user(world, persona)
        ).count()
        == 3
    )
    assert Client.objects.get().phone == "13800138000"


def api_user(world: World, persona: str) -> User:
    return getattr(world, persona)


def test_supervisor_reads_but_cannot_change(world: World) -> None:
    client = register(world).client
    api = as_(world, "supervisor")
    assert api.get(CLIENTS).json()["count"] == 1
    patch = {"reason": "test", "changes": {"phone": "13000000000"}}
    response = api.send("patch", f"{CLIENTS}/{client.pk}", patch)
    assert response.status_code == 403
    assert Client.objects.get().phone == "13800138000"
    assert api.send("post", CLIENTS, intake_body(world)).status_code == 404
    assert Client.objects.count() == 1


def test_list_filtered_by_a_project_the_user_cannot_see_is_404(world: World) -> None:
    register(world)
    assert as_(world, "other_worker").get(CLIENTS, project="lw").status_code == 404
    assert as_(world, "worker").get(CLIENTS, project="lw").json()["count"] == 1


def test_unauthenticated_client_routes_are_401(world: World) -> None:
    client = register(world).client
    http = HttpClient()
    assert http.get(CLIENTS).status_code == 401
    assert http.get(f"{CLIENTS}/{client.pk}").status_code == 401


# --- list: masking, filters, pagination, query count -------------------------------------------


def test_list_masks_sensitive_values(world: World) -> None:
    register(world)
    response = as_(world, "worker").get(CLIENTS)
    assert response.status_code == 200
    raw = response.content.decode()
    for secret in (make_id(ID17), "13800138000", "13900139000", "精神分裂症", "沙面北街12号"):
        assert secret not in raw
    (item,) = response.json()["items"]
    assert item["id_number_masked"].endswith(make_id(ID17)[-4:]) and "*" in item["id_number_masked"]
    assert item["phone_masked"] == "138****8000"
    assert item["priority_groups"] == ["dibao"]
    assert item["street"]["name"] == "沙面街道"
    assert set(item) == {
        "id", "name", "sex", "birth_date", "street", "status", "priority_groups",
        "id_number_masked", "phone_masked",
    }  # fmt: skip


def test_list_filters(world: World) -> None:
    register(world)
    register(
        world, liwan_input(world, name="王五", id17="44010319900101003", priority_groups=["alone"])
    )
    api = as_(world, "worker")

    def names(**params: Any) -> list[str]:
        response = api.get(CLIENTS, **params)
        assert response.status_code == 200, response.content
        return [i["name"] for i in response.json()["items"]]

    assert names() == ["王五", "张三"]
    assert names(q="zs") == ["张三"]
    assert names(q="wang") == ["王五"]
    assert names(q=make_id("44010319900101003")[-4:]) == ["王五"]
    assert names(priority_group="alone") == ["王五"]
    assert names(status="closed") == []
    assert names(street=world.street("沙面街道").code, project="lw") == ["王五", "张三"]
    bad = api.get(CLIENTS, priority_group="rich", status="gone")
    assert bad.status_code == 422
    assert len(bad.json()["errors"]) == 2


def test_list_paginates(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clients_api, "PAGE_SIZE", 2)
    for i in range(5):
        register(world, liwan_input(world, name=f"张{i}", id17=f"44010319800101{i:03d}"))
    api = as_(world, "worker")
    first = api.get(CLIENTS).json()
    assert (first["count"], first["page"], first["pages"], len(first["items"])) == (5, 1, 3, 2)
    last = api.get(CLIENTS, page=3).json()
    assert len(last["items"]) == 1
    assert api.get(CLIENTS, page=9).json()["items"] == []
    assert api.get(CLIENTS, page=0).status_code == 422
    assert api.get(CLIENTS, page="x").status_code == 422


def _list_queries(world: World, api: Api) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(CLIENTS)
    assert response.status_code == 200
    return len(ctx.captured_queries), len(response.json()["items"])


def test_list_query_count_does_not_grow_with_clients(world: World) -> None:
    for i in range(5):
        register(world, liwan_input(world, name=f"张{i}", id17=f"44010319800101{i:03d}"))
    api = as_(world, "worker")
    few, shown = _list_queries(world, api)
    assert shown == 5
    for i in range(5, 40):
        register(world, liwan_input(world, name=f"李{i}", id17=f"44010319800101{i:03d}"))
    many, shown = _list_queries(world, api)
    assert shown == 40
    assert many == few
    assert few <= 6


def test_archive_query_count_does_not_grow_with_family(world: World) -> None:
    client = register(world).client
    api = as_(world, "worker")
    with CaptureQueriesContext(connection) as one:
        api.get(f"{CLIENTS}/{client.pk}")
    for i in range(5):
        member = FamilyInput(name=f"亲属{i}", relation="sibling", phone=f"1360000000{i}")
        family_member_add(client=client, member=member, acting_user=world.worker)
        client_update(
            client=client, changes={"notes": f"v{i}"}, reason="r", acting_user=world.worker
        )
    with CaptureQueriesContext(connection) as more:
        response = api.get(f"{CLIENTS}/{client.pk}")
    # The timeline holds the archive's 6 versions and the 6 family members' additions.
    assert len(response.json()["family"]) == 6 and len(response.json()["history"]) == 12
    assert len(more.captured_queries) == len(one.captured_queries)


# --- create ------------------------------------------------------------------------------------


def test_worker_registers_a_client(world: World) -> None:
    response = as_(world, "worker").send("post", CLIENTS, intake_body(world))
    assert response.status_code == 201, response.content
    data = response.json()
    client = Client.objects.get(pk=data["id"])
    assert (client.name, client.sex, str(client.birth_date)) == ("李四", "F", "1975-05-05")
    assert data["id_number"] == make_id("44010319750505002")
    assert data["priority_groups"] == ["dibao", "alone"]
    assert data["household_district"]["code"] == "440103"
    assert data["disability_cert_issued_on"] == "2024-03-01"
    assert data["family"][0] | {"id": 0} == {
        "id": 0, "name": "李父", "relation": "parent", "is_guardian": True,
        "phone": "13611112222", "lives_with_client": False, "notes": "", "active": True,
    }  # fmt: skip
    assert [c["project"] for c in data["cases"]] == ["lw"]
    event = AuditEvent.objects.get(action="client.register")
    assert event.detail["source"] == "api" and event.actor == world.worker
    assert client.history.first().history_user == world.worker


def test_bad_id_checksum_is_refused_and_writes_nothing(world: World) -> None:
    bad = make_id("44010319750505002")[:-1] + (
        "0" if make_id("44010319750505002")[-1] != "0" else "1"
    )
    response = as_(world, "worker").send("post", CLIENTS, intake_body(world, id_number=bad))
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert any("Resident ID number" in e for e in errors), errors
    assert not Client.objects.exists() and not Case.objects.exists()
    assert not AuditEvent.objects.filter(action="client.register").exists()


def test_default_language_is_chinese_and_still_gives_errors(world: World) -> None:
    api = as_(world, "worker", lang="zh-hans")
    response = api.send("post", CLIENTS, intake_body(world, id_number="123"))
    assert response.status_code == 422
    assert response.json()["errors"]
    assert not Client.objects.exists()


def test_every_refusal_is_reported_at_once(world: World) -> None:
    body = intake_body(
        world,
        id_number="123",
        street=world.street("沙面街道").code[:9] + "999",
        household_district="999999",
        disability_level="7",
        priority_groups=["dibao", "rich"],
        family=[{"name": "某", "relation": "boss"}],
    )
    response = as_(world, "worker").send("post", CLIENTS, body)
    assert response.status_code == 422
    text = " ".join(response.json()["errors"])
    for part in (
        "Unknown street",
        "Unknown district",
        "disability level",
        "rich",
        "boss",
        "Resident ID",
    ):
        assert part in text
    assert not Client.objects.exists()


def test_street_outside_the_project_district_is_refused(world: World) -> None:
    chongchuan_street = world.chongchuan.district.children.first()
    assert chongchuan_street is not None
    body = intake_body(world, street=chongchuan_street.code)
    response = as_(world, "worker").send("post", CLIENTS, body)
    assert response.status_code == 422
    assert any("must be a street of" in e for e in response.json()["errors"])


def test_eligibility_rules_of_the_project_apply(world: World) -> None:
    body = intake_body(world, violence_tendency=True, household_district=None)
    response = as_(world, "worker").send("post", CLIENTS, body)
    assert response.status_code == 422
    assert len(response.json()["errors"]) == 2
    assert not Client.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        "{not json",
        b"\xff\xfe",
        "[]",
        {"project": "lw"},
        {"project": "lw", "name": "a\u0000b", "id_number": "1", "street": "1"},
        {"project": "l w", "name": "a", "id_number": "1", "street": "1"},
        {"project": "lw", "name": "x" * 65, "id_number": "1", "street": "1"},
        {"project": "lw", "name": "a", "id_number": "1", "street": "1", "priority_groups": "dibao"},
        {"project": "lw", "name": "a", "id_number": "1", "street": "1", "family": [{}]},
    ],
)
def test_malformed_input_is_4xx_never_500(world: World, body: Any) -> None:
    response = as_(world, "worker").send("post", CLIENTS, body)
    assert response.status_code in (400, 422), response.content
    assert response.json()["errors"]
    assert not Client.objects.exists()


# --- update ------------------------------------------------------------------------------------


def test_worker_updates_with_a_reason_kept_in_history(world: World) -> None:
    client = register(world).client
    street = world.street("多宝街道")
    patch = {
        "reason": "搬家",
        "changes": {"phone": "13555556666", "street": street.code, "priority_groups": ["alone"]},
    }
    response = as_(world, "worker").send("patch", f"{CLIENTS}/{client.pk}", patch)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["phone"] == "13555556666"
    assert data["street"] == {"code": street.code, "name": "多宝街道"}
    assert data["priority_groups"] == ["alone"]
    assert data["history"][0]["reason"] == "搬家"
    client.refresh_from_db()
    assert client.phone == "13555556666" and client.street_id == street.code
    assert AuditEvent.objects.get(action="client.update").reason == "搬家"


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ({"reason": "", "changes": {"phone": "1"}}, "Say why"),
        ({"reason": "x", "changes": {"id_number": "1"}}, "id_number"),
        ({"reason": "x", "changes": {"status": "gone"}}, "Unknown status"),
        ({"reason": "x", "changes": {"street": "440103"}}, "Unknown street"),
        ({"reason": "x", "changes": {"name": " "}}, "name is required"),
        ({"reason": "x", "changes": {"phone": None}}, "phone"),
        ({"reason": "x", "changes": {"condition_stable": "maybe"}}, "condition_stable"),
    ],
)
def test_bad_updates_are_refused_and_change_nothing(
    world: World, patch: dict[str, Any], message: str
) -> None:
    client = register(world).client
    response = as_(world, "worker").send("patch", f"{CLIENTS}/{client.pk}", patch)
    assert response.status_code == 422, response.content
    assert message in " ".join(response.json()["errors"])
    fresh = Client.objects.get(pk=client.pk)
    assert (fresh.phone, fresh.status, fresh.name) == ("13800138000", "active", "张三")
    assert not AuditEvent.objects.filter(action="client.update").exists()


@pytest.mark.parametrize("ref", ["0", "abc", "99999999999999999999999", "-1"])
def test_odd_client_ids_never_give_500(world: World, ref: str) -> None:
    register(world)
    api = as_(world, "worker")
    assert api.get(f"{CLIENTS}/{ref}").status_code in (404, 422)
    patch = {"reason": "x", "changes": {}}
    assert api.send("patch", f"{CLIENTS}/{ref}", patch).status_code in (404, 422)
