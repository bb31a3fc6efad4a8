"""The two Excel tables for the purchaser: the indicator table (``anxin.contracts.export``) and
the quarterly fund-usage table, read back with openpyxl and compared with the indicator engine
and the ``fund_usage`` selector; readable by the team, the purchaser viewer and the organisation
admin (audited exports), 404 for others; bad parameters are refused with a message, never a 500.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from anxin.audit.models import AuditEvent
from anxin.contracts import actions as contract_actions
from anxin.contracts.actions import budget_line_add, spending_record
from anxin.contracts.indicators import indicator_table
from anxin.contracts.selectors import fund_usage
from anxin.delivery.tests.test_records import in_service
from anxin.reports.exports import fund_usage_xlsx
from anxin.reports.tests.prepared import AGGREGATE_ONLY, HIDDEN, TEAM, auth, change_target

D = Decimal
TODAY = dt.date(2026, 11, 16)
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr(contract_actions, "today", lambda: TODAY)


@pytest.fixture
def money(world):
    staff = budget_line_add(
        project=world.liwan,
        code="staff",
        name="人员经费",
        amount=D("600000"),
        acting_user=world.lead,
    )
    events = budget_line_add(
        project=world.liwan,
        code="activities",
        name="活动经费",
        amount=D("200000"),
        acting_user=world.lead,
    )
    for line, on, amount in [
        (staff, dt.date(2026, 2, 10), "150000"),
        (staff, dt.date(2026, 8, 5), "150000.50"),
        (events, dt.date(2026, 8, 20), "12345.67"),
        (events, dt.date(2026, 9, 30), "1000"),
    ]:
        spending_record(line=line, on=on, amount=D(amount), acting_user=world.lead)
    return world


def url(name: str, code: str = "lw") -> str:
    return reverse(f"reports:{name}", kwargs={"code": code})


def rows_of(data: bytes) -> list[tuple]:
    sheet = load_workbook(BytesIO(data)).active
    return [tuple(r) for r in sheet.iter_rows(values_only=True)]


def number(value) -> Decimal | None:
    return None if value is None else D(str(value))


def test_fund_usage_workbook_has_the_selectors_rows_and_totals(money):
    usage = fund_usage(money.liwan)
    rows = rows_of(fund_usage_xlsx(money.liwan))
    assert rows[0][0] == money.liwan.name
    body = [r for r in rows[4:] if r[0]]
    assert len(body) == len(usage.rows) == 8  # 2 lines x 4 quarters
    for row, expected in zip(body, usage.rows, strict=True):
        assert (row[0], row[1], row[2]) == (
            expected.line_code,
            expected.line_name,
            expected.quarter_label,
        )
        assert [number(v) for v in row[3:7]] == [
            expected.budget,
            expected.spent,
            expected.spent_to_date,
            expected.remaining,
        ]
        assert number(row[7]) == expected.share_used
    totals = [r for r in rows[4:] if not r[0]]
    assert [number(t[4]) for t in totals] == [q["spent"] for q in usage.quarter_totals]
    assert number(totals[-1][5]) == usage.spent == D("313346.17")
    assert number(totals[-1][6]) == usage.remaining


def test_fund_usage_of_one_quarter_and_of_a_year(money):
    q3 = rows_of(fund_usage_xlsx(money.liwan, year=2026, quarter=3))
    body = [r for r in q3[4:] if r[0]]
    assert [(r[0], number(r[4]), number(r[5])) for r in body] == [
        ("activities", D("13345.67"), D("13345.67")),
        ("staff", D("150000.5"), D("300000.5")),
    ]
    assert len(rows_of(fund_usage_xlsx(money.liwan, year=2026))) == 4 + 8 + 4


def test_fund_usage_download_from_the_page_and_the_api_is_an_audited_export(money, login, client):
    response = login(money.purchaser).get(url("funds-xlsx"), {"year": "2026", "quarter": "3"})
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert "2026Q3" in response["Content-Disposition"]
    assert rows_of(response.content) == rows_of(fund_usage_xlsx(money.liwan, year=2026, quarter=3))
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.EXPORT, action="fund_usage.xlsx")
    assert (event.actor, event.project_id, event.detail) == (
        money.purchaser,
        money.liwan.pk,
        {"year": 2026, "quarter": 3},
    )
    api = client.get("/api/v1/projects/lw/fund-usage.xlsx", **auth(money.admin))
    assert api.status_code == 200 and rows_of(api.content) == rows_of(fund_usage_xlsx(money.liwan))


def test_indicator_workbook_matches_the_indicator_engine(world, login, client):
    in_service(world, 2)
    change_target(world, "1", "60")
    as_of = timezone.localdate()  # the default: today, when the clients in service count
    response = login(world.worker).get(url("indicators-xlsx"))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    rows = rows_of(response.content)
    assert rows[1][1] == as_of.isoformat()
    results = indicator_table(world.liwan, as_of)
    body = rows[4:]
    assert [r[0] for r in body] == [r.code for r in results]
    for row, result in zip(body, results, strict=True):
        assert number(row[3]) == result.target
        assert number(row[4]) == result.achieved
    assert number(body[0][3]) == D("60")
    assert any(number(r[4]) for r in body)  # the clients in service count
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.EXPORT, action="indicators.xlsx")
    assert event.detail == {"as_of": as_of.isoformat()} and event.actor == world.worker
    api = client.get(
        "/api/v1/projects/lw/indicators.xlsx", {"as_of": as_of.isoformat()}, **auth(world.purchaser)
    )
    assert api.status_code == 200 and rows_of(api.content)[4:] == body


MONEY = {"lead", "supervisor", "purchaser", "admin"}  # who sees the money (contracts.access)


@pytest.mark.parametrize("who", TEAM + AGGREGATE_ONLY + HIDDEN)
def test_who_may_download_the_tables(world, client, who):
    """The indicator table is for everyone who sees the project's figures; the fund-usage
    table only for those who see its money, as on the funds page."""
    assert client.login(username=who, password="Test-Passw0rd!")
    indicators = 404 if who in HIDDEN else 200
    funds = 200 if who in MONEY else 404
    assert client.get(url("indicators-xlsx")).status_code == indicators
    assert client.get(url("funds-xlsx")).status_code == funds
    headers = auth(getattr(world, who))
    assert client.get("/api/v1/projects/lw/indicators.xlsx", **headers).status_code == indicators
    assert client.get("/api/v1/projects/lw/fund-usage.xlsx", **headers).status_code == funds
    exports = AuditEvent.objects.filter(kind=AuditEvent.Kind.EXPORT, actor__username=who)
    denials = AuditEvent.objects.filter(kind=AuditEvent.Kind.DENIED, actor__username=who)
    assert exports.count() == 2 * (indicators == 200) + 2 * (funds == 200)
    assert denials.count() == 2 * (indicators == 404) + 2 * (funds == 404)


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("funds-xlsx", {"quarter": "3"}, "Give the year of the quarter."),
        ("funds-xlsx", {"year": "2027", "quarter": "1"}, "does not include Q1 2027"),
        ("funds-xlsx", {"year": "2025"}, "does not include 2025"),
        ("funds-xlsx", {"year": "1990"}, "greater than or equal to 2000"),
        ("funds-xlsx", {"year": "abc"}, "Enter a whole number."),
        ("funds-xlsx", {"year": "2026", "quarter": "5"}, "Select a valid choice."),
        ("funds-xlsx", {"year": "2026\x00"}, "Enter a whole number."),
        ("indicators-xlsx", {"as_of": "2026-02-30"}, "Enter a valid date."),
        ("indicators-xlsx", {"as_of": "x\x00"}, "Enter a valid date."),
    ],
)
def test_bad_parameters_are_refused_with_a_message(world, login, name, params, message):
    http = login(world.lead)
    response = http.get(url(name), params, follow=True, **EN)
    assert response.status_code == 200
    assert response.redirect_chain == [(url("list"), 302)]
    assert "Not exported:" in response.content.decode()
    assert message in response.content.decode()
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.EXPORT).exists()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"quarter": "2"}, "Give the year of the quarter."),
        ({"year": "2030"}, "does not include 2030"),
        ({"year": "2026", "quarter": "9"}, "less than or equal to 4"),
        ({"year": "x"}, "year"),
    ],
)
def test_bad_api_parameters_are_a_422(world, client, params, message):
    response = client.get("/api/v1/projects/lw/fund-usage.xlsx", params, **auth(world.lead), **EN)
    assert response.status_code == 422
    assert any(message in e for e in response.json()["errors"]), response.json()
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.EXPORT).exists()
    bad_date = client.get(
        "/api/v1/projects/lw/indicators.xlsx", {"as_of": "2026-13-01"}, **auth(world.lead)
    )
    assert bad_date.status_code == 422
