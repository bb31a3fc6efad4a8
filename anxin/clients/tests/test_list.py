from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from anxin.clients.actions import client_register
from anxin.core.testing import liwan_input, make_id, register

NAMES = ["张三", "李四", "王小明", "赵敏", "钱多多", "孙悟空", "周杰", "吴用"]


def add_clients(world, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        data = liwan_input(
            world,
            name=NAMES[i % len(NAMES)] + ("" if i < len(NAMES) else str(i)),
            id17=f"440103198{i % 10}0101{i:03d}"[:17],
            priority_groups=["dibao"] if i % 2 else ["alone"],
            street=world.street("沙面街道" if i % 3 else "华林街道"),
        )
        client_register(project=world.liwan, data=data, acting_user=world.worker)


@pytest.mark.parametrize(
    ("query", "found"),
    [("zs", "张三"), ("zhangsan", "张三"), ("张", "张三"), ("wxm", "王小明"), ("zhao", "赵敏")],
)
def test_search_by_name_pinyin_or_initials(world, login, query, found):
    add_clients(world, 8)
    body = login(world.worker).get(reverse("clients:list"), {"q": query}).content.decode()
    assert found in body
    assert "吴用" not in body


def test_search_by_masked_id_tail(world, login):
    register(world)
    tail = make_id("44010319800101001")[-4:]
    body = login(world.worker).get(reverse("clients:list"), {"q": tail}).content.decode()
    assert "张三" in body


def test_filters_by_street_priority_group_and_status(world, login):
    add_clients(world, 8)
    http = login(world.worker)
    hualin = world.street("华林街道")
    page = http.get(reverse("clients:list"), {"street": hualin.pk}).context["page"]
    assert {c.street_id for c in page} == {hualin.pk} and len(page) == 3
    page = http.get(reverse("clients:list"), {"priority_group": "alone"}).context["page"]
    assert all("alone" in c.priority_group_codes for c in page) and len(page) == 4
    assert len(http.get(reverse("clients:list"), {"status": "closed"}).context["page"]) == 0


def test_list_masks_sensitive_values(world, login):
    case = register(world)
    body = login(world.worker).get(reverse("clients:list")).content.decode()
    assert case.client.id_number not in body and "13800138000" not in body
    assert case.client.id_number_masked in body and "138****8000" in body
    assert "精神分裂症" not in body


def test_list_is_paginated(world, login):
    add_clients(world, 30)
    response = login(world.worker).get(reverse("clients:list"))
    assert len(response.context["page"]) == 25
    assert response.context["page"].paginator.count == 30


def _queries(http, url):
    with CaptureQueriesContext(connection) as ctx:
        assert http.get(url).status_code == 200
    return len(ctx)


def test_list_and_archive_use_a_fixed_number_of_queries(world, login):
    add_clients(world, 3)
    http = login(world.worker)
    first = register(world, liwan_input(world, name="测试", id17="44010319700101999")).client
    list_few = _queries(http, reverse("clients:list"))
    detail_few = _queries(http, reverse("clients:detail", args=[first.pk]))
    add_clients(world, 30, start=3)
    from anxin.clients.actions import client_update

    for i in range(5):
        client_update(
            client=first,
            changes={"phone": f"1380000000{i}"},
            reason=f"第{i}次",
            acting_user=world.worker,
        )
    assert _queries(http, reverse("clients:list")) == list_few
    assert _queries(http, reverse("clients:detail", args=[first.pk])) == detail_few


def test_htmx_request_returns_the_results_partial(world, login):
    register(world)
    response = login(world.worker).get(reverse("clients:list"), {"q": "zs"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "张三" in body and "<html" not in body
