"""Money (R1.3): payment milestones from the template (LW 55/40/5, CC 30/60/10), budget lines,
spending and the quarterly fund-usage table (one aggregate query); who may see and change it;
refusals change nothing; every change is audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from anxin.accounts.models import Project
from anxin.audit.models import AuditEvent
from anxin.contracts import actions
from anxin.contracts.actions import (
    budget_line_add,
    budget_line_set_closed,
    milestone_set_status,
    payments_create_from_template,
    spending_record,
)
from anxin.contracts.models import BudgetLine, PaymentMilestone, Spending
from anxin.contracts.selectors import fund_usage, project_quarters

D = Decimal
day = dt.date
TODAY = day(2026, 11, 16)
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
JSON = "application/json"
WRITERS = ["lead", "admin"]
HIDDEN = ["worker", "counsellor", "other_worker", "outsider"]
S = PaymentMilestone.Status


@pytest.fixture(autouse=True)
def today(monkeypatch):
    """The tests' dates lie in the world's 2026 period: "today" is fixed inside it."""
    monkeypatch.setattr(actions, "today", lambda: TODAY)


def payments(project) -> dict[str, PaymentMilestone]:
    return {m.code: m for m in PaymentMilestone.objects.filter(project=project)}


def lines(world, *specs: tuple[str, str]) -> dict[str, BudgetLine]:
    return {
        code: budget_line_add(
            project=world.liwan, code=code, name=code, amount=D(amount), acting_user=world.lead
        )
        for code, amount in specs
    }


# Payment milestones ----------------------------------------------------------------------------


def test_project_creation_makes_the_templates_payment_milestones(world):
    lw, cc = payments(world.liwan), payments(world.chongchuan)  # both 1,200,000 yuan
    assert [(m.share, m.amount) for m in sorted(lw.values(), key=lambda m: m.position)] == [
        (D("0.55"), D("660000.00")),
        (D("0.40"), D("480000.00")),
        (D("0.05"), D("60000.00")),
    ]
    assert [m.amount for m in sorted(cc.values(), key=lambda m: m.position)] == [
        D("360000.00"),
        D("720000.00"),
        D("120000.00"),
    ]
    assert all(m.status == S.PENDING for m in lw.values())
    assert "中期评估" in lw["second"].condition
    assert (
        AuditEvent.objects.filter(action="payments.create", project_id=world.liwan.pk).count() == 1
    )


def test_creating_milestones_again_changes_nothing(world):
    assert payments_create_from_template(project=world.liwan, acting_user=world.admin) == []
    PaymentMilestone.objects.filter(project=world.liwan, code="third").delete()
    created = payments_create_from_template(project=world.liwan, acting_user=world.admin)
    assert [m.code for m in created] == ["third"]
    assert PaymentMilestone.objects.filter(project=world.liwan).count() == 3


def test_amounts_add_up_to_the_ceiling_whatever_the_rounding(world):
    world.chongchuan.budget_ceiling = D("100000.01")
    PaymentMilestone.objects.filter(project=world.chongchuan).delete()
    payments_create_from_template(project=world.chongchuan, acting_user=world.admin)
    amounts = [m.amount for m in payments(world.chongchuan).values()]
    assert sum(amounts) == D("100000.01")


def test_a_milestone_is_applied_for_then_received(world):
    first = payments(world.liwan)["first"]
    milestone_set_status(
        milestone=first, status=S.APPLIED, on=day(2026, 1, 20), acting_user=world.lead
    )
    milestone_set_status(
        milestone=first, status=S.RECEIVED, on=day(2026, 2, 27), acting_user=world.lead
    )
    first.refresh_from_db()
    assert (first.status, first.applied_on, first.received_on) == (
        S.RECEIVED,
        day(2026, 1, 20),
        day(2026, 2, 27),
    )
    events = AuditEvent.objects.filter(action="payment.status", object_id=str(first.pk))
    assert [e.detail["after"]["status"] for e in events.order_by("pk")] == ["applied", "received"]
    third = payments(world.liwan)["third"]
    milestone_set_status(
        milestone=third, status=S.RECEIVED, on=day(2026, 3, 1), acting_user=world.lead
    )
    third.refresh_from_db()
    assert third.applied_on == third.received_on == day(2026, 3, 1)
    milestone_set_status(milestone=third, status=S.PENDING, on=None, acting_user=world.lead)
    third.refresh_from_db()
    assert (third.status, third.applied_on, third.received_on) == (S.PENDING, None, None)


@pytest.mark.parametrize(
    ("status", "on", "words"),
    [
        ("paid", day(2026, 3, 1), "Unknown status"),
        (S.APPLIED, None, "Give the date"),
        (S.APPLIED, day(2025, 12, 31), "before the project starts"),
        (S.APPLIED, TODAY + dt.timedelta(days=1), "in the future"),
        (S.RECEIVED, day(2026, 1, 10), "before it was applied for"),
    ],
)
def test_refused_status_changes_write_nothing(world, status, on, words):
    first = payments(world.liwan)["first"]
    milestone_set_status(
        milestone=first, status=S.APPLIED, on=day(2026, 1, 20), acting_user=world.lead
    )
    events = AuditEvent.objects.count()
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        milestone_set_status(milestone=first, status=status, on=on, acting_user=world.lead)
    assert words in exc.value.messages[0]
    first = PaymentMilestone.objects.get(pk=first.pk)
    assert (first.status, first.applied_on, first.received_on) == (
        S.APPLIED,
        day(2026, 1, 20),
        None,
    )
    assert AuditEvent.objects.count() == events


# Budget lines and spending ---------------------------------------------------------------------


def test_budget_lines_are_added_within_the_ceiling(world):
    made = lines(world, ("staff", "780000"), ("activities", "420000"))
    assert made["staff"].amount == D("780000.00")
    event = AuditEvent.objects.get(action="budget_line.add", object_id=str(made["staff"].pk))
    assert event.detail["amount"] == "780000.00"
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        budget_line_add(
            project=world.liwan, code="extra", name="额外", amount=D("0.01"), acting_user=world.lead
        )
    assert "more than the budget ceiling" in exc.value.messages[0]


@pytest.mark.parametrize(
    ("code", "name", "amount", "words"),
    [
        ("staff", "人员", "1", "already"),
        ("Staff Costs", "人员", "1", "small letters"),
        ("office", "  ", "1", "name"),
        ("office", "办公", "-5", "0 or more"),
        ("office", "办公", "1.001", "two decimals"),
    ],
)
def test_refused_budget_lines_write_nothing(world, code, name, amount, words):
    lines(world, ("staff", "1000"))
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        budget_line_add(
            project=world.liwan, code=code, name=name, amount=D(amount), acting_user=world.lead
        )
    assert words in exc.value.messages[0]
    assert BudgetLine.objects.count() == 1


def test_spending_is_recorded_and_audited(world):
    staff = lines(world, ("staff", "780000"))["staff"]
    spent = spending_record(
        line=staff, on=day(2026, 1, 25), amount=D("65000"), note="1月工资", acting_user=world.lead
    )
    assert spent.recorded_by == world.lead and spent.amount == D("65000.00")
    event = AuditEvent.objects.get(action="spending.record")
    assert event.project_id == world.liwan.pk and event.detail["amount"] == "65000.00"


@pytest.mark.parametrize(
    ("on", "amount", "closed", "words"),
    [
        (day(2026, 2, 1), "100", True, "closed"),
        (day(2026, 2, 1), "-100", False, "more than 0"),
        (day(2026, 2, 1), "0", False, "more than 0"),
        (day(2025, 12, 31), "100", False, "project's period"),
        (day(2027, 1, 1), "100", False, "project's period"),
        (TODAY + dt.timedelta(days=1), "100", False, "in the future"),
    ],
)
def test_refused_spending_writes_nothing(world, on, amount, closed, words):
    staff = lines(world, ("staff", "780000"))["staff"]
    if closed:
        budget_line_set_closed(line=staff, closed=True, acting_user=world.lead)
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        spending_record(line=staff, on=on, amount=D(amount), note="", acting_user=world.lead)
    assert words in exc.value.messages[0]
    assert not Spending.objects.exists()
    assert not AuditEvent.objects.filter(action="spending.record").exists()


def test_a_closed_line_can_be_reopened(world):
    staff = lines(world, ("staff", "1000"))["staff"]
    budget_line_set_closed(line=staff, closed=True, acting_user=world.lead)
    budget_line_set_closed(line=staff, closed=False, acting_user=world.lead)
    spending_record(line=staff, on=day(2026, 3, 1), amount=D(1), acting_user=world.lead)
    assert (
        AuditEvent.objects.filter(action__in=["budget_line.close", "budget_line.reopen"]).count()
        == 2
    )


# Fund usage ------------------------------------------------------------------------------------


def _spend(world) -> dict[str, BudgetLine]:
    made = lines(world, ("activities", "200000"), ("staff", "800000"), ("unused", "1000"))
    staff, activities = made["staff"], made["activities"]
    for month in range(1, 11):  # January to October
        spending_record(
            line=staff, on=day(2026, month, 25), amount=D("60000"), acting_user=world.lead
        )
    spending_record(line=activities, on=day(2026, 2, 15), amount=D("10000"), acting_user=world.lead)
    spending_record(
        line=activities, on=day(2026, 3, 31), amount=D("5000.50"), acting_user=world.lead
    )
    spending_record(line=activities, on=day(2026, 8, 1), amount=D("40000"), acting_user=world.lead)
    return made


def test_quarters_of_the_period():
    project = Project(period_start=day(2026, 2, 10), period_end=day(2027, 1, 5))
    assert project_quarters(project) == [
        day(2026, 1, 1),
        day(2026, 4, 1),
        day(2026, 7, 1),
        day(2026, 10, 1),
        day(2027, 1, 1),
    ]


def test_fund_usage_per_line_and_quarter_in_one_query(world):
    _spend(world)
    with CaptureQueriesContext(connection) as ctx:
        usage = fund_usage(world.liwan)
    assert len(ctx) == 1
    assert usage.quarters == [day(2026, 1, 1), day(2026, 4, 1), day(2026, 7, 1), day(2026, 10, 1)]
    rows = {(r.line_code, r.quarter.month): r for r in usage.rows}
    assert len(usage.rows) == 3 * 4
    q1 = rows[("activities", 1)]
    assert (q1.budget, q1.spent, q1.spent_to_date, q1.remaining) == (
        D("200000.00"),
        D("15000.50"),
        D("15000.50"),
        D("184999.50"),
    )
    assert q1.share_used == D("0.0750")
    assert rows[("activities", 4)].spent == 0 and rows[("activities", 4)].spent_to_date == D(
        "15000.50"
    )
    assert rows[("activities", 7)].spent_to_date == D("55000.50")
    staff_q4 = rows[("staff", 10)]
    assert (staff_q4.spent, staff_q4.spent_to_date) == (D("60000.00"), D("600000.00"))
    assert rows[("unused", 10)].share_used == 0
    assert usage.budget == D("1001000.00") and usage.spent == D("655000.50")
    totals = usage.quarter_totals
    assert [t["spent"] for t in totals] == [
        D("195000.50"),
        D("180000.00"),
        D("220000.00"),
        D("60000.00"),
    ]


def test_fund_usage_does_not_grow_in_queries_with_the_data(world):
    with CaptureQueriesContext(connection) as empty:
        assert fund_usage(world.liwan).lines == []
    _spend(world)
    with CaptureQueriesContext(connection) as full:
        fund_usage(world.liwan)
    assert len(empty) == len(full) == 1


# Pages -----------------------------------------------------------------------------------------


def _funds() -> str:
    return reverse("contracts:funds", args=["lw"])


@pytest.mark.parametrize("persona", [*WRITERS, "supervisor", "purchaser"])
def test_funds_page_for_leads_supervisors_and_purchasers(world, login, persona):
    _spend(world)
    spending_record(
        line=BudgetLine.objects.get(code="unused"),
        on=day(2026, 5, 5),
        amount=D(1),
        note="机密备注",
        acting_user=world.lead,
    )
    response = login(getattr(world, persona)).get(_funds())
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="payments"' in body and 'id="fund-usage"' in body
    assert ("机密备注" in body) == (persona != "purchaser")
    assert ("contracts/projects/lw/funds/spending/" in body) == (persona in WRITERS)
    assert (f'action="{reverse("contracts:milestone-status", args=["lw", "first"])}"' in body) == (
        persona in WRITERS
    )


@pytest.mark.parametrize("persona", HIDDEN)
def test_funds_are_hidden_from_other_roles_and_outsiders(world, login, persona):
    http = login(getattr(world, persona))
    assert http.get(_funds()).status_code == 404
    assert (
        http.post(
            reverse("contracts:budget-line-add", args=["lw"]),
            {"code": "x", "name": "x", "amount": "1"},
        ).status_code
        == 404
    )
    assert not BudgetLine.objects.exists()
    project_page = http.get(reverse("accounts:project", args=["lw"]))
    if project_page.status_code == 200:
        assert reverse("contracts:funds", args=["lw"]) not in project_page.content.decode()


@pytest.mark.parametrize("persona", ["supervisor", "purchaser"])
def test_readers_cannot_change_money(world, login, persona):
    staff = lines(world, ("staff", "1000"))["staff"]
    http = login(getattr(world, persona))
    posts = [
        (
            reverse("contracts:budget-line-add", args=["lw"]),
            {"code": "x", "name": "x", "amount": "1"},
        ),
        (
            reverse("contracts:spending-add", args=["lw"]),
            {"line": "staff", "on": "2026-03-01", "amount": "5"},
        ),
        (
            reverse("contracts:milestone-status", args=["lw", "first"]),
            {"status": "applied", "on": "2026-03-01"},
        ),
        (reverse("contracts:budget-line-close", args=["lw", "staff"]), {"closed": "1"}),
    ]
    for url, data in posts:
        assert http.post(url, data).status_code == 403
    staff.refresh_from_db()
    assert BudgetLine.objects.count() == 1 and not staff.closed and not Spending.objects.exists()
    assert payments(world.liwan)["first"].status == S.PENDING


def test_lead_manages_money_on_the_page(world, login):
    http = login(world.lead)
    assert (
        http.post(
            reverse("contracts:budget-line-add", args=["lw"]),
            {"code": "staff", "name": "人员经费", "amount": "780000"},
        ).status_code
        == 302
    )
    response = http.post(
        reverse("contracts:spending-add", args=["lw"]),
        {"line": "staff", "on": "2026-03-25", "amount": "65000", "note": "3月工资"},
    )
    assert response.status_code == 302 and Spending.objects.get().note == "3月工资"
    refused = http.post(
        reverse("contracts:spending-add", args=["lw"]),
        {"line": "staff", "on": "2027-03-25", "amount": "65000"},
        follow=True,
        **EN,
    )
    assert "project&#x27;s period" in refused.content.decode()
    http.post(
        reverse("contracts:milestone-status", args=["lw", "first"]),
        {"status": "received", "on": "2026-02-27"},
    )
    assert payments(world.liwan)["first"].status == S.RECEIVED
    http.post(reverse("contracts:budget-line-close", args=["lw", "staff"]), {"closed": "1"})
    assert BudgetLine.objects.get().closed
    page = http.get(_funds())
    assert page.context["received"] == D("660000.00")
    assert "2026年2月27日" in page.content.decode()  # dates in Chinese
    assert page.context["spending_form"] is None  # no open line left
    assert (
        http.post(
            reverse("contracts:milestone-status", args=["lw", "nope"]), {"status": "applied"}
        ).status_code
        == 404
    )


def test_funds_page_reads_a_fixed_number_of_queries(world, login):
    http = login(world.lead)
    lines(world, ("misc", "1000"))
    with CaptureQueriesContext(connection) as few:
        http.get(_funds())
    _spend(world)
    with CaptureQueriesContext(connection) as many:
        http.get(_funds())
    assert len(many) == len(few)


def test_project_page_links_targets_and_funds(world, login):
    body = login(world.lead).get(reverse("accounts:project", args=["lw"])).content.decode()
    assert reverse("contracts:targets", args=["lw"]) in body
    assert reverse("contracts:funds", args=["lw"]) in body


# API -------------------------------------------------------------------------------------------


def test_api_funds_for_the_lead(world, login):
    http = login(world.lead)
    line = http.post(
        "/api/v1/projects/lw/budget-lines",
        {"code": "staff", "name": "人员经费", "amount": "780000"},
        content_type=JSON,
    )
    assert line.status_code == 201
    spent = http.post(
        "/api/v1/projects/lw/spending",
        {"line": "staff", "on": "2026-04-25", "amount": "65000", "note": "4月工资"},
        content_type=JSON,
    )
    assert spent.status_code == 201 and spent.json()["note"] == "4月工资"
    paid = http.post(
        "/api/v1/projects/lw/payments/first/status",
        {"status": "applied", "on": "2026-01-20"},
        content_type=JSON,
    )
    assert paid.status_code == 200 and paid.json()["applied_on"] == "2026-01-20"
    funds = http.get("/api/v1/projects/lw/funds").json()
    assert funds["can_write"] is True and len(funds["payments"]) == 3
    q2 = next(r for r in funds["fund_usage"] if r["quarter"] == "2026-04-01")
    assert D(str(q2["spent"])) == D(65000) and D(str(q2["remaining"])) == D(715000)
    closed = http.post(
        "/api/v1/projects/lw/budget-lines/staff/closed", {"closed": True}, content_type=JSON
    )
    assert closed.json()["closed"] is True
    refused = http.post(
        "/api/v1/projects/lw/spending",
        {"line": "staff", "on": "2026-04-25", "amount": "1"},
        content_type=JSON,
        **EN,
    )
    assert refused.status_code == 422 and "closed" in refused.json()["errors"][0]
    assert Spending.objects.count() == 1


def test_api_purchaser_sees_no_spending_notes(world, login):
    staff = lines(world, ("staff", "1000"))["staff"]
    spending_record(
        line=staff, on=day(2026, 3, 1), amount=D(5), note="机密", acting_user=world.lead
    )
    http = login(world.purchaser)
    items = http.get("/api/v1/projects/lw/spending").json()
    assert items[0]["note"] is None and items[0]["recorded_by"] is None
    assert http.get("/api/v1/projects/lw/funds").json()["can_write"] is False
    supervisor = login(world.supervisor).get("/api/v1/projects/lw/spending").json()
    assert supervisor[0]["note"] == "机密"


@pytest.mark.parametrize("persona", ["supervisor", "purchaser", *HIDDEN])
def test_api_money_changes_are_refused(world, login, persona):
    lines(world, ("staff", "1000"))
    http = login(getattr(world, persona))
    expected = 404 if persona in HIDDEN else 403
    assert (
        http.post(
            "/api/v1/projects/lw/spending",
            {"line": "staff", "on": "2026-04-25", "amount": "1"},
            content_type=JSON,
        ).status_code
        == expected
    )
    assert (
        http.post(
            "/api/v1/projects/lw/budget-lines",
            {"code": "x", "name": "x", "amount": "1"},
            content_type=JSON,
        ).status_code
        == expected
    )
    assert (
        http.post(
            "/api/v1/projects/lw/payments/first/status",
            {"status": "applied", "on": "2026-01-20"},
            content_type=JSON,
        ).status_code
        == expected
    )
    assert http.get("/api/v1/projects/lw/funds").status_code == (404 if persona in HIDDEN else 200)
    assert not Spending.objects.exists() and BudgetLine.objects.count() == 1
    assert payments(world.liwan)["first"].status == S.PENDING
