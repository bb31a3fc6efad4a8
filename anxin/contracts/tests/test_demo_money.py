"""The demo's money: budget lines within the ceiling, spending across the quarters up to the
reference day, milestone states, through the actions; running it again adds nothing."""

from __future__ import annotations

import datetime as dt

from anxin.audit.models import AuditEvent
from anxin.contracts.models import BudgetLine, PaymentMilestone, Spending
from anxin.contracts.selectors import fund_usage
from anxin.core.demo_case_specs import reference_day
from anxin.core.demo_money import record_money


def test_demo_money_for_both_projects_is_idempotent(world):
    for project in (world.liwan, world.chongchuan):
        done = record_money(project)
        assert done["budget lines"] == 6 and done["spending"] > 0
        usage = fund_usage(project)
        assert usage.budget == project.budget_ceiling
        assert 0 < usage.spent < usage.budget
        assert all(s.on <= reference_day() for s in Spending.objects.filter(line__project=project))
        if len(usage.quarters) > 1 and reference_day().month > 3:
            assert sum(1 for q in usage.quarter_totals if q["spent"]) > 1  # across the quarters
    statuses = dict(
        PaymentMilestone.objects.filter(project=world.liwan).values_list("code", "status")
    )
    if reference_day() >= dt.date(2026, 7, 24):
        assert statuses == {"first": "received", "second": "applied", "third": "pending"}
    assert AuditEvent.objects.filter(action="spending.record").count() == Spending.objects.count()
    before = (BudgetLine.objects.count(), Spending.objects.count(), AuditEvent.objects.count())
    assert not record_money(world.liwan) and not record_money(world.chongchuan)
    assert (
        BudgetLine.objects.count(),
        Spending.objects.count(),
        AuditEvent.objects.count(),
    ) == before


def test_other_templates_get_nothing(world):
    world.liwan.template = "elsewhere"
    assert not record_money(world.liwan)
