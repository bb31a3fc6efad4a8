"""Demo money (R1.3): budget lines, a year of spending across the quarters and the payment
milestones' states of the two demo projects, all through the real actions (audited).

Deterministic and dated on or before ``reference_day()``; idempotent: lines that exist are kept,
a line that has spending gets none added, and only pending payments are moved on. The payment
milestones themselves are created with the project (``project_create``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

from anxin.accounts.models import Membership, Project, User
from anxin.contracts import actions
from anxin.contracts.models import BudgetLine, PaymentMilestone, Spending
from anxin.core.demo_case_specs import reference_day

S = PaymentMilestone.Status

# code, name, share of the budget ceiling, how it is spent: "monthly" (salaries, rent) or
# "quarterly" (activities, training, publicity: a payment in the middle month of each quarter).
LINES = {
    "liwan-rehab": (
        ("staff", "人员经费（工资、社保）", Decimal("0.65"), "monthly"),
        ("activities", "专业服务与社区活动", Decimal("0.15"), "quarterly"),
        ("training", "督导与培训", Decimal("0.05"), "quarterly"),
        ("publicity", "宣传与需求调研", Decimal("0.03"), "quarterly"),
        ("office", "场地与办公", Decimal("0.075"), "monthly"),
        ("admin", "管理费", Decimal("0.045"), "quarterly"),
    ),
    "chongchuan-psych": (
        ("staff", "人员经费（工资、社保）", Decimal("0.60"), "monthly"),
        ("activities", "团体活动与主题服务", Decimal("0.20"), "quarterly"),
        ("hotline", "心理热线运营", Decimal("0.07"), "monthly"),
        ("training", "助残工作者减压与督导", Decimal("0.05"), "quarterly"),
        ("office", "场地与办公", Decimal("0.05"), "monthly"),
        ("admin", "管理费", Decimal("0.03"), "quarterly"),
    ),
}
# Payment states by template: code → (status, applied on, received on).
PAYMENTS: dict[str, dict[str, tuple[str, dt.date, dt.date | None]]] = {
    "liwan-rehab": {
        "first": (S.RECEIVED, dt.date(2026, 1, 20), dt.date(2026, 2, 27)),
        "second": (S.APPLIED, dt.date(2026, 7, 24), None),
    },
    "chongchuan-psych": {
        "first": (S.RECEIVED, dt.date(2026, 1, 12), dt.date(2026, 1, 30)),
        "second": (S.RECEIVED, dt.date(2026, 7, 6), dt.date(2026, 7, 31)),
    },
}
# The spending of a quarterly line by quarter, as shares of its budget: activities pick up
# after the first quarter, the last quarter is not over yet.
QUARTER_SHARES = (Decimal("0.15"), Decimal("0.30"), Decimal("0.25"), Decimal("0.20"))
CENTS = Decimal("0.01")


def _actor(project: Project) -> User:
    """The project's lead, else an admin of its organisation."""
    lead = (
        Membership.objects.filter(project=project, role=Membership.Role.LEAD, active=True)
        .select_related("user")
        .first()
    )
    if lead is not None:
        return lead.user
    admin = User.objects.filter(organisation=project.organisation, is_org_admin=True).first()
    if admin is None:
        raise ValueError(f"{project.code}: no lead and no organisation admin to record money")
    return admin


def _dates(how: str, start: dt.date, end: dt.date, last: dt.date) -> list[tuple[dt.date, Decimal]]:
    """The days up to ``last`` a line is spent on, with the share of its budget each day takes
    (monthly: an equal share for each month of the period ``start``–``end``)."""
    if how == "monthly":
        months = [dt.date(y, m, 25) for y in range(start.year, end.year + 1) for m in range(1, 13)]
        paydays = [d for d in months if start <= d <= end]
        return [(d, Decimal(1) / len(paydays)) for d in paydays if d <= last]
    quarterly = []
    for n, share in enumerate(QUARTER_SHARES):
        day = dt.date(start.year, 3 * n + 2, 15)
        if start <= day <= last:
            quarterly.append((day, share))
    return quarterly


def record_money(project: Project) -> Counter[str]:
    """Budget lines, spending up to ``reference_day()`` and payment states for one demo project
    (``liwan-rehab`` or ``chongchuan-psych`` template); other templates get nothing."""
    done: Counter[str] = Counter()
    lines = LINES.get(project.template)
    if lines is None:
        return done
    actor = _actor(project)
    last = min(reference_day(), project.period_end)
    existing = {line.code: line for line in BudgetLine.objects.filter(project=project)}
    for code, name, share, how in lines:
        line = existing.get(code)
        if line is None:
            line = actions.budget_line_add(
                project=project,
                code=code,
                name=name,
                amount=(project.budget_ceiling * share).quantize(CENTS),
                acting_user=actor,
            )
            done["budget lines"] += 1
        if Spending.objects.filter(line=line).exists():
            continue
        for n, (day, part) in enumerate(
            _dates(how, project.period_start, project.period_end, last)
        ):
            # a little under plan, varying by the month: real spending is never the plan
            factor = Decimal("0.97") - Decimal(n % 3) * Decimal("0.03")
            amount = (line.amount * part * factor).quantize(CENTS)
            if amount > 0:
                actions.spending_record(
                    line=line,
                    on=day,
                    amount=amount,
                    note=f"{name} {day.year}年{day.month}月",
                    acting_user=actor,
                )
                done["spending"] += 1
    states = PAYMENTS.get(project.template, {})
    for milestone in PaymentMilestone.objects.filter(project=project, status=S.PENDING):
        if milestone.code not in states:
            continue
        status, applied_on, received_on = states[milestone.code]
        milestone.project = project
        if applied_on > last:
            continue
        actions.milestone_set_status(
            milestone=milestone, status=S.APPLIED, on=applied_on, acting_user=actor
        )
        if status == S.RECEIVED and received_on is not None and received_on <= last:
            actions.milestone_set_status(
                milestone=milestone, status=S.RECEIVED, on=received_on, acting_user=actor
            )
        done["payments"] += 1
    return done
