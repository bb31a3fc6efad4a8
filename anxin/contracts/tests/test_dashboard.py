"""The project dashboard (R7.3, R7.4): indicators with drill-down for the team, aggregates only
for the purchaser, streets, the standardised-service rate; the API; the xlsx export read back."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from anxin.accounts.actions import api_token_create
from anxin.cases.models import CaseEvent, Step
from anxin.cases.testing import walk
from anxin.contracts.dashboard import project_dashboard, standardised_rate
from anxin.contracts.indicators import indicator_table
from anxin.contracts.tests.test_indicators import DAY, TODAY, by_code, data  # noqa: F401
from anxin.core.testing import liwan_input, register

REFUSED = ["other_worker", "outsider", "admin_of_other"]


def _auth(user):
    _token, key = api_token_create(user=user, name="t", acting_user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_team_sees_indicators_with_drill_down(data, login):  # noqa: F811
    world, _cases = data
    page = login(world.worker).get(reverse("live:dashboard", args=[world.liwan.code]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="indicator-4c"' in html and "服务药训练" not in html
    drill = reverse("delivery:list", args=[world.liwan.code]) + "?start=2026-01-01"
    assert drill in html and "item=medication_training" in html
    assert reverse("operations:training-list", args=[world.liwan.code]) + "?year=" in html
    assert "落后" in html  # behind, in Chinese


def test_purchaser_sees_aggregates_only(data, login):  # noqa: F811
    world, cases = data
    page = login(world.purchaser).get(reverse("live:dashboard", args=[world.liwan.code]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="indicator-4c"' in html
    assert reverse("delivery:list", args=[world.liwan.code]) not in html
    assert all(case.client.name not in html for case in cases)


@pytest.mark.parametrize("persona", ["other_worker", "outsider"])
def test_others_get_404(world, login, client, persona):
    user = getattr(world, persona)
    assert login(user).get(reverse("live:dashboard", args=[world.liwan.code])).status_code == 404
    auth = _auth(user)
    for url in (
        f"/api/v1/projects/{world.liwan.code}/dashboard",
        f"/api/v1/projects/{world.liwan.code}/indicators",
    ):
        assert client.get(url, **auth).status_code == 404


def test_streets_count_registered_and_served(data):  # noqa: F811
    world, _cases = data
    board = project_dashboard(world.liwan, TODAY)
    streets = {s.name: s for s in board.streets}
    assert len(board.streets) == 22  # every street of 荔湾区
    assert (streets["沙面街道"].registered, streets["沙面街道"].served) == (7, 7)
    assert board.streets_served == 1
    assert sum(s.registered for s in board.streets) == 7


def test_standardised_rate_by_its_parts(world):
    cases = [
        walk(
            register(world, liwan_input(world, name=f"规范{i}", id17=f"44010319800101{i:03d}")),
            Step.SERVICE,
            world.worker,
        )
        for i in range(1, 4)
    ]
    partial = walk(
        register(world, liwan_input(world, name="未签", id17="44010319800101009")),
        Step.REGISTRATION,
        world.worker,
    )
    assert partial.step == Step.REGISTRATION
    rate = standardised_rate(world.liwan, TODAY)
    assert rate is not None
    assert (rate.numerator, rate.denominator) == (3, 4)
    assert rate.parts == {"agreement": 3, "plan": 3, "planned_frequency": 3, "timely_reviews": 4}
    # A plan made 100 days ago at 2 a month asks 0.8 × 2/30.44 × 100 ≈ 5.3 contacts by now.
    CaseEvent.objects.filter(case=cases[0], kind=CaseEvent.Kind.PLAN).update(on=TODAY - 100 * DAY)
    # Registered 200 days ago with no process review since: not timely (every 90 days).
    CaseEvent.objects.filter(case=cases[1], step=Step.REGISTRATION).update(on=TODAY - 200 * DAY)
    rate = standardised_rate(world.liwan, TODAY)
    assert rate is not None
    assert rate.parts["planned_frequency"] == 2 and rate.parts["timely_reviews"] == 3
    assert (rate.numerator, rate.denominator) == (1, 4)
    assert rate.target == 0.45 and not rate.met
    assert standardised_rate(world.chongchuan, TODAY) is None  # CC sets no such rate


def test_api_gives_the_same_figures_to_the_purchaser(data, client):  # noqa: F811
    world, _cases = data
    auth = _auth(world.purchaser)
    body = client.get(f"/api/v1/projects/{world.liwan.code}/dashboard", **auth).json()
    table = by_code(indicator_table(world.liwan, TODAY))
    got = {row["code"]: row for row in body["indicators"]}
    assert got["4c"]["achieved"] == table["4c"].achieved == 12
    assert got["3"]["status"] == "behind" and got["3"]["achieved"] == 0  # no group traces yet
    assert body["streets_served"] == 1 and body["standardised_rate"]["denominator"] == 7
    early = client.get(
        f"/api/v1/projects/{world.liwan.code}/indicators?as_of={(TODAY - DAY).isoformat()}", **auth
    ).json()
    assert {r["code"]: r for r in early["indicators"]}["4c"]["achieved"] == 0
    assert (
        client.get(
            f"/api/v1/projects/{world.liwan.code}/indicators?as_of=2026-13-01", **auth
        ).status_code
        == 422
    )


def test_command_json_and_xlsx_read_back(data, tmp_path, capsys):  # noqa: F811
    world, _cases = data
    call_command("indicators", world.liwan.code, "--as-of", TODAY.isoformat())
    body = json.loads(capsys.readouterr().out)
    assert body["project"] == world.liwan.code and body["as_of"] == TODAY.isoformat()
    assert set(body["indicators"][0]) == {
        "code",
        "name",
        "unit",
        "target",
        "achieved",
        "hours_logged",
        "hours_min",
        "hours_max",
        "improvement_rate",
        "improvement_threshold",
        "status",
    }
    out = tmp_path / "ind.xlsx"
    call_command("indicators", world.liwan.code, "--format", "xlsx", "-o", str(out))
    sheet = load_workbook(out).active
    rows = {row[0]: row for row in sheet.iter_rows(min_row=5, values_only=True)}
    table = by_code(indicator_table(world.liwan, TODAY))
    assert rows["4c"][3:5] == (660, 12) and rows["4c"][10] == table["4c"].improvement_rate
    assert rows["7p"][4] == 59 and rows["3"][4] == 0
    assert len(rows) == len(table)


def test_dashboard_queries_do_not_grow(data):  # noqa: F811
    world, _cases = data
    with CaptureQueriesContext(connection) as few:
        project_dashboard(world.liwan, TODAY)
    register(world, liwan_input(world, name="新人", id17="44010319800101077"))
    with CaptureQueriesContext(connection) as many:
        project_dashboard(world.liwan, TODAY)
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.parametrize("persona", ["lead", "purchaser"])
def test_project_page_links_the_dashboard_and_planner(world, login, persona):
    page = login(getattr(world, persona)).get(reverse("accounts:project", args=[world.liwan.code]))
    html = page.content.decode()
    assert reverse("live:dashboard", args=[world.liwan.code]) in html
    assert reverse("live:planner") + "?template=liwan-rehab&amp;clients=200" in html
