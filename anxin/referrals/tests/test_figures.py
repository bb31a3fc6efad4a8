"""Referral figures (R6): per partner and direction, acceptance, completion rate and days to
acceptance, by reason and by month, and the communication groups' traces, hand-checked on a small
data set; three aggregate queries whatever the data; the page (charts and tables) for the team,
the purchaser viewer and the organisation admin, links to the referrals for the team only; the
API gives the selector's numbers."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from playwright.sync_api import expect

from anxin.audit.models import AuditEvent
from anxin.clients.tests.test_browser_register import log_in
from anxin.core.testing import World, liwan_input
from anxin.referrals import actions
from anxin.referrals.figures import referral_figures
from anxin.referrals.models import Partner, Referral
from anxin.referrals.tests.factories import (
    TODAY,
    activity,
    auth,
    case,
    consent,
    group,
    partner,
    referral_in,
    referral_out,
    street_partner,
)

S = Referral.Status
# Every date of the data set lies in January and February of YEAR, in the past.
YEAR = TODAY.year if dt.date(TODAY.year, 2, 20) <= TODAY else TODAY.year - 1


def day(month: int, n: int) -> dt.date:
    return dt.date(YEAR, month, n)


def move(world: World, referral: Referral, to: str, on: dt.date, note: str = "") -> Referral:
    return actions.referral_move(
        referral=referral, to=to, on=on, note=note, acting_user=world.worker
    )


def data_set(world: World) -> tuple[Partner, Partner]:
    """The hand-checked data set (the expected figures in the comments)."""
    a, b = partner(world), street_partner(world)
    served = case(world)
    given = consent(world, served, given_on=day(1, 2))

    def sent(to: Partner, on: dt.date, **extra) -> Referral:
        return referral_out(world, served, to, with_consent=given, send_on=on, **extra)

    # Partner A, out: 4 referrals; 2 accepted after 2 and 4 days (average 3), 1 of them
    # completed (completion rate 50 %); 1 rejected; 1 sent in February still waiting.
    r1 = move(world, sent(a, day(1, 10)), S.ACCEPTED, day(1, 12))
    move(world, r1, S.COMPLETED, day(1, 30), "已门诊复诊")
    move(world, sent(a, day(1, 10)), S.ACCEPTED, day(1, 14))
    move(
        world,
        sent(a, day(1, 10), reason=Referral.Reason.PROFESSIONAL),
        S.REJECTED,
        day(1, 11),
        "床位已满",
    )
    sent(a, day(2, 1))
    # never counted: a draft, a referral cancelled after it was sent
    referral_out(world, served, a, with_consent=given, on=day(2, 2))
    move(world, sent(a, day(2, 3)), S.CANCELLED, day(2, 4), "家属改变主意")
    # Partner B, out: 1 referral received after 1 day and accepted 3 days after it was sent
    r7 = move(world, sent(b, day(2, 5)), S.RECEIVED, day(2, 6))
    move(world, r7, S.ACCEPTED, day(2, 8))
    # Partner A, in: 2 received in January; 1 registered the next day, 1 declined
    i1 = referral_in(world, a, received_on=day(1, 20))
    actions.referral_in_register(
        referral=i1,
        data=liwan_input(world, name="李四", id17="44010319900101002"),
        on=day(1, 21),
        acting_user=world.worker,
    )
    move(world, referral_in(world, a, received_on=day(1, 20)), S.REJECTED, day(1, 22), "不符合条件")
    # not counted: a referral in of the year before, one of another project
    referral_in(world, a, received_on=dt.date(YEAR - 1, 12, 31))
    referral_in(world, a, project=world.chongchuan, acting_user=world.other_worker)
    # groups: one with 2 traces in the year, one with a trace of the year before only
    active = group(world, [a, b], started_on=day(1, 1))
    activity(world, active, day(1, 15))
    activity(world, active, day(2, 15))
    quiet = group(world, [a], name="沙面街道联络群", started_on=dt.date(YEAR - 1, 6, 1))
    activity(world, quiet, dt.date(YEAR - 1, 7, 1))
    return a, b


def one_referral(world: World) -> Referral:
    return referral_in(world, partner(world, name="广州市惠爱医院"), received_on=day(1, 5))


def test_the_figures_by_partner_and_direction(world):
    a, b = data_set(world)
    figures = referral_figures(world.liwan, YEAR)
    out = {row.partner_id: row for row in figures.out.partners}
    assert [row.partner_id for row in figures.out.partners] == [a.pk, b.pk]  # most first
    row = out[a.pk]
    assert (row.total, row.accepted, row.rejected, row.completed, row.still_open) == (4, 2, 1, 1, 2)
    assert row.completion_rate == 0.5 and row.average_days == 3
    assert row.name == "荔湾区精神卫生中心" and row.direction == "out"
    row = out[b.pk]
    assert (row.total, row.accepted, row.completed, row.still_open) == (1, 1, 0, 1)
    assert row.completion_rate == 0 and row.average_days == 3
    total = figures.out
    assert (total.total, total.accepted, total.rejected, total.completed) == (5, 3, 1, 1)
    assert total.still_open == 3 and total.average_days == 3  # (2 + 4 + 3) / 3
    assert total.completion_rate == pytest.approx(1 / 3)
    (inward,) = figures.inward.partners
    assert (inward.partner_id, inward.total, inward.accepted, inward.rejected) == (a.pk, 2, 1, 1)
    assert inward.average_days == 1 and inward.completion_rate == 0
    assert figures.total == 7


def test_the_figures_by_month_reason_and_groups(world):
    data_set(world)
    figures = referral_figures(world.liwan, YEAR)
    assert figures.out.months[:3] == [3, 2, 0] and sum(figures.out.months) == 5
    assert figures.inward.months[:3] == [2, 0, 0]
    reasons = {r.code: (r.out, r.inward) for r in figures.by_reason}
    assert reasons == {"medical": (4, 0), "professional": (1, 2), "other": (0, 0)}
    assert (figures.active_groups, figures.traces) == (1, 2)
    data = figures.as_json()
    assert len(data["months"]) == 12 and data["groups"] == {"active": 1, "traces": 2}
    assert data["directions"][0]["completion_rate"] == pytest.approx(0.3333)
    before = referral_figures(world.liwan, YEAR - 1)
    assert before.inward.total == 1 and before.out.total == 0
    assert (before.active_groups, before.traces) == (1, 1)


def test_an_empty_year_has_no_rates(world):
    figures = referral_figures(world.liwan, YEAR)
    assert figures.total == 0 and figures.out.partners == []
    assert figures.out.completion_rate is None and figures.out.average_days is None
    assert figures.as_json()["directions"][0]["average_days"] is None


def test_the_figures_take_three_queries_whatever_the_data(world):
    one_referral(world)
    with CaptureQueriesContext(connection) as few:
        referral_figures(world.liwan, YEAR)
    data_set(world)
    with CaptureQueriesContext(connection) as many:
        referral_figures(world.liwan, YEAR)
    assert len(many) == len(few) == 3


def page_path(year: int = YEAR) -> str:
    return reverse("referrals:figures", args=["lw"]) + f"?year={year}"


def list_link(a: Partner) -> str:
    return reverse("referrals:list", args=["lw"]) + f"?partner={a.pk}&amp;direction=out"


@pytest.mark.parametrize(
    ("persona", "team"),
    [
        ("lead", True),
        ("worker", True),
        ("supervisor", True),
        ("purchaser", False),
        ("admin", False),
    ],
)
def test_the_page_shows_the_figures_and_links_for_the_team_only(world, login, persona, team):
    a, _b = data_set(world)
    response = login(getattr(world, persona)).get(page_path())
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="referral-figures-data"' in body and "anxin/referral_figures.js" in body
    assert 'id="chart-partners"' in body and 'id="chart-months"' in body
    assert re.search(r'id="figure-out">\s*5\s*<', body)
    assert re.search(r'id="figure-days">\s*3[.,]0\s*<', body)
    row = re.search(rf'<tr data-partner="{a.pk}">.*?</tr>', body, re.S)
    assert row is not None
    cells = re.findall(r'<td class="text-end">([^<]*)</td>', row.group(0))
    assert cells == ["4", "2", "1", "1", "2", "50%", "3.0"]
    assert "张三" not in body and "李四" not in body  # counts only
    assert (list_link(a) in body) == team
    assert (reverse("referrals:groups", args=["lw"]) in body) == team


def test_the_page_renders_without_data(world, login):
    response = login(world.purchaser).get(page_path())
    assert response.status_code == 200
    body = response.content.decode()
    assert re.search(r'id="figure-out">\s*0\s*<', body) and 'id="figure-days">—<' in body


@pytest.mark.parametrize("persona", ["other_worker", "outsider"])
def test_others_get_404(world, login, client, persona):
    user = getattr(world, persona)
    assert login(user).get(page_path()).status_code == 404
    assert client.get("/api/v1/projects/lw/referral-figures", **auth(user)).status_code == 404
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.DENIED, actor=user).count() == 2


def test_the_year_is_kept_to_the_project_period_and_a_bad_one_ignored(world, login):
    http = login(world.worker)
    period = world.liwan.period_start.year, world.liwan.period_end.year
    for asked in ("1900", "2010", "2099", "x", ""):
        response = http.get(reverse("referrals:figures", args=["lw"]) + f"?year={asked}")
        assert response.status_code == 200
        found = re.search(r'"year": (\d+)', response.content.decode())
        assert found is not None and period[0] <= json.loads(found.group(1)) <= period[1]


def test_the_page_queries_do_not_grow(world, login):
    http = login(world.worker)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert http.get(page_path()).status_code == 200
        return len(ctx)

    one_referral(world)
    few = count()
    data_set(world)
    assert count() == few


def test_the_api_gives_the_selector_numbers(world, client):
    a, _b = data_set(world)
    response = client.get(
        f"/api/v1/projects/lw/referral-figures?year={YEAR}", **auth(world.purchaser)
    )
    assert response.status_code == 200
    data = response.json()
    assert data == referral_figures(world.liwan, YEAR).as_json()
    (row,) = [p for p in data["partners"] if p["partner_id"] == a.pk and p["direction"] == "out"]
    assert row["completion_rate"] == 0.5 and row["average_days"] == 3
    assert data["by_reason"][1]["in"] == 2
    bad = client.get("/api/v1/projects/lw/referral-figures?year=1900", **auth(world.admin))
    assert bad.status_code == 422


@pytest.mark.browser
def test_the_charts_are_drawn(transactional_db, world, page):
    data_set(world)
    log_in(page, "purchaser")
    page.goto(page_path())
    for chart in ("#chart-partners", "#chart-months"):
        expect(page.locator(chart)).to_have_attribute("data-ready", "1")
        expect(page.locator(f"{chart} svg")).to_have_count(1)
