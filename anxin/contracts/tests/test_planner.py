"""The work-hour planner (R7.2): the LW tender's table at 200 clients, row by row; the same rules
at other client counts (figures worked out by hand); the command, the page and the API."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from anxin.contracts.planner import plan_hours

# LW §9 as printed (requirements Appendix A): row, min, max at 200 clients.
TENDER = [
    ("1", 400, 480),
    ("2", 40, 80),
    ("3", 240, 288),
    ("4a", 1100, 1400),
    ("4b", 3900, 4500),
    ("4c", 2310, 2640),
    ("4d", 2640, 2970),
    ("4e", 1056, 1188),
    ("5a", 3840, 4320),
    ("5b", 960, 1080),
    ("5c", 320, 360),
    ("5d", 640, 720),
    ("6a", 960, 1080),
    ("6b", 1440, 1560),
    ("6c", 1440, 1560),
    ("7", 432, 608),
    ("8", 40, 50),
    ("9", 30, 36),
    ("10", 36, 48),
]
# Worked by hand at 150 clients: a third is 50, a tenth 15, a twentieth 7 (floor).
AT_150 = {
    "4a": (825, 1050),  # 150 × 5.5–7
    "4b": (2925, 3375),  # 150 × 19.5–22.5
    "4c": (1750, 2000),  # 50 × 10 × (0.5–1 + 3)
    "4d": (2000, 2250),  # 50 × 10 × (1–1.5 + 3)
    "4e": (800, 900),  # 50 × 4 × 4–4.5
    "5a": (2880, 3240),  # 15 × 48 × 4–4.5
    "6b": (1008, 1092),  # 7 × 24 × (1–1.5 + 5)
    "6c": (1080, 1170),  # 15 × 12 × 6–6.5
    "1": (400, 480),  # staff, not clients: unchanged
    "7": (432, 608),
}


def test_liwan_at_200_clients_reproduces_the_tender_row_by_row():
    plan = plan_hours("liwan-rehab", 200)
    assert [(r.code, r.min_hours, r.max_hours) for r in plan.rows] == [
        (code, Decimal(low), Decimal(high)) for code, low, high in TENDER
    ]
    assert (plan.total_min_hours, plan.total_max_hours) == (21824, 24968)


def test_other_client_counts_scale_by_the_same_rules():
    plan = plan_hours("liwan-rehab", 150)
    rows = {r.code: (r.min_hours, r.max_hours) for r in plan.rows}
    for code, (low, high) in AT_150.items():
        assert rows[code] == (low, high), code
    assert (plan.total_min_hours, plan.total_max_hours) == (16646, 19097)
    small = {r.code: r for r in plan_hours("liwan-rehab", 7).rows}
    assert small["4c"].units == 20 and small["4c"].min_hours == 70  # 2 clients × 10 × 3.5
    assert small["6b"].units == 0 and small["6b"].max_hours == 0  # a twentieth of 7 is nobody
    assert plan_hours("liwan-rehab", 0).total_min_hours == 400 + 40 + 240 + 432 + 40 + 30 + 36


def test_chongchuan_has_no_hour_table():
    assert plan_hours("chongchuan-psych", 500).rows == []


def test_command_prints_json_and_a_table(capsys):
    call_command("plan-hours", "--template", "liwan-rehab", "--clients", "200", "--format", "json")
    data = json.loads(capsys.readouterr().out)
    assert data["template"] == "liwan-rehab" and data["clients"] == 200
    assert (data["total_min_hours"], data["total_max_hours"]) == (21824, 24968)
    assert data["rows"][3] == {
        "code": "4a",
        "name": "建档（档案数）",
        "min_hours": 1100,
        "max_hours": 1400,
    }
    assert set(data["rows"][0]) == {"code", "name", "min_hours", "max_hours"}
    with translation.override("en"):
        call_command("plan-hours", "--template", "liwan-rehab", "--clients", "200")
    table = capsys.readouterr().out
    assert "21,824" in table and "24,968" in table and "Medication training" in table


def test_command_refuses_bad_input(db):
    with translation.override("en"):
        with pytest.raises(CommandError, match="client count"):
            call_command("plan-hours", "--template", "liwan-rehab", "--clients", "-1")
        with pytest.raises(CommandError, match="liwan-rehab"):
            call_command("plan-hours", "--template", "nope", "--clients", "5")


def test_planner_page_and_api(world, login, client):
    http = login(world.worker)
    page = http.get(reverse("live:planner") + "?template=liwan-rehab&clients=150")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="total-min">16,646' in html and 'id="total-max">19,097' in html
    bad = http.get(reverse("live:planner") + "?template=liwan-rehab&clients=-3")
    assert bad.status_code == 200 and bad.context["plan"] is None
    from anxin.accounts.actions import api_token_create

    _token, key = api_token_create(user=world.worker, name="t", acting_user=world.worker)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    data = client.get("/api/v1/planner?template=liwan-rehab&clients=200", **auth).json()
    assert (data["total_min_hours"], data["total_max_hours"]) == (21824, 24968)
    assert client.get("/api/v1/planner?template=nope&clients=2", **auth).status_code == 422
    assert client.get("/api/v1/planner?template=liwan-rehab&clients=-2", **auth).status_code == 422
    assert Client().get("/api/v1/planner?template=liwan-rehab&clients=2").status_code == 401


def test_planner_offers_only_the_users_organisations_templates(world, login, client):
    from anxin.accounts.actions import api_token_create
    from anxin.contracts.actions import contract_template_save
    from anxin.contracts.tests.test_org_templates import own_yaml

    outsider = world.outsider  # of the other organisation
    admin_of_other = world.outsider.organisation
    contract_template_save(
        organisation=admin_of_other, source_text=own_yaml(), acting_user=outsider
    )
    mine = login(world.worker).get(reverse("live:planner") + "?template=likang-rehab&clients=9")
    assert mine.context["plan"] is None and "likang-rehab" not in dict(
        mine.context["form"].fields["template"].choices
    )
    _token, key = api_token_create(user=world.worker, name="t", acting_user=world.worker)
    refused = client.get(
        "/api/v1/planner?template=likang-rehab&clients=9", HTTP_AUTHORIZATION=f"Bearer {key}"
    )
    assert refused.status_code == 422
    theirs = login(outsider).get(reverse("live:planner") + "?template=likang-rehab&clients=200")
    assert theirs.context["plan"].total_min_hours == 21824
