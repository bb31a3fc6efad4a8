"""Reads of contract data: the templates an organisation can use, payments, spending and the
quarterly fund-usage table (R1.3, LW §11.4). A fixed number of queries, whatever the data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet, Sum
from django.db.models.functions import TruncQuarter
from django.utils.translation import gettext as _

from anxin.accounts.models import Organisation, Project
from anxin.contracts.catalogue import load_template, localised, template_codes
from anxin.contracts.models import BudgetLine, ContractTemplate, PaymentMilestone, Spending

ZERO = Decimal("0")
SPENDING_PAGE = 100


# Templates -------------------------------------------------------------------------------------


def organisation_templates(organisation: Organisation | int | None) -> QuerySet[ContractTemplate]:
    if organisation is None:
        return ContractTemplate.objects.none()
    return ContractTemplate.objects.filter(organisation=organisation).select_related(
        "created_by", "updated_by"
    )


def available_templates(organisation: Organisation | int | None) -> list[tuple[str, str]]:
    """(code, title) of the templates a project of the organisation can start from: the shipped
    ones, then the organisation's own. One query."""
    shipped = [(code, localised(load_template(code)["title"])) for code in template_codes()]
    own = list(organisation_templates(organisation).values_list("code", "title"))
    return shipped + own


def available_template_codes(organisation: Organisation | int | None) -> set[str]:
    own = organisation_templates(organisation).values_list("code", flat=True)
    return set(template_codes()) | set(own)


# Payments and spending -------------------------------------------------------------------------


def project_payments(project: Project) -> list[PaymentMilestone]:
    return list(PaymentMilestone.objects.filter(project=project).order_by("position", "code"))


def payment_conditions(project: Project) -> dict[str, str]:
    """The template's payment conditions in the user's language, by payment code."""
    return {
        p["code"]: localised(p.get("condition", ""))
        for p in load_template(project.template).get("payments", [])
    }


def budget_lines(project: Project) -> list[BudgetLine]:
    return list(BudgetLine.objects.filter(project=project).order_by("code"))


def project_spending(
    project: Project, *, offset: int = 0, limit: int = SPENDING_PAGE
) -> list[Spending]:
    """The project's spending, newest first, with the line and who recorded it."""
    return list(
        Spending.objects.filter(line__project=project)
        .select_related("line", "recorded_by")
        .order_by("-on", "-pk")[offset : offset + limit]
    )


# Fund usage ------------------------------------------------------------------------------------


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def project_quarters(project: Project) -> list[dt.date]:
    """The first days of the calendar quarters the project's period touches."""
    quarters, q = [], quarter_start(project.period_start)
    while q <= project.period_end:
        quarters.append(q)
        month = q.month + 3
        q = dt.date(q.year + 1, 1, 1) if month > 12 else dt.date(q.year, month, 1)
    return quarters


def quarter_label(q: dt.date) -> str:
    return _("Q%(quarter)s %(year)s") % {"quarter": (q.month - 1) // 3 + 1, "year": q.year}


@dataclass(frozen=True)
class FundRow:
    """One budget line in one quarter."""

    line_id: int
    line_code: str
    line_name: str
    quarter: dt.date
    budget: Decimal
    spent: Decimal  # in the quarter
    spent_to_date: Decimal  # from the start to the end of the quarter
    remaining: Decimal  # budget - spent to date
    share_used: Decimal | None  # spent to date / budget; None for a line of 0

    @property
    def quarter_label(self) -> str:
        return quarter_label(self.quarter)


@dataclass
class LineUsage:
    line_id: int
    code: str
    name: str
    budget: Decimal
    closed: bool
    quarters: list[FundRow] = field(default_factory=list)

    @property
    def spent(self) -> Decimal:
        return self.quarters[-1].spent_to_date if self.quarters else ZERO

    @property
    def remaining(self) -> Decimal:
        return self.budget - self.spent


@dataclass
class FundUsage:
    quarters: list[dt.date]
    lines: list[LineUsage]

    @property
    def rows(self) -> list[FundRow]:
        """Every line × quarter row, line by line."""
        return [row for line in self.lines for row in line.quarters]

    @property
    def budget(self) -> Decimal:
        return sum((line.budget for line in self.lines), ZERO)

    @property
    def spent(self) -> Decimal:
        return sum((line.spent for line in self.lines), ZERO)

    @property
    def remaining(self) -> Decimal:
        return self.budget - self.spent

    @property
    def quarter_totals(self) -> list[dict[str, object]]:
        """Per quarter: spent in it and spent to date over all lines."""
        return [
            {
                "quarter": q,
                "label": quarter_label(q),
                "spent": sum((line.quarters[n].spent for line in self.lines), ZERO),
                "spent_to_date": sum((line.quarters[n].spent_to_date for line in self.lines), ZERO),
            }
            for n, q in enumerate(self.quarters)
        ]


def _share(part: Decimal, whole: Decimal) -> Decimal | None:
    return (part / whole).quantize(Decimal("0.0001")) if whole else None


def fund_usage(project: Project) -> FundUsage:
    """Each budget line × each quarter of the project's period: budget, spent in the quarter,
    spent to date, remaining and share used. One aggregate query."""
    quarters = project_quarters(project)
    sums = (
        BudgetLine.objects.filter(project=project)
        .annotate(quarter=TruncQuarter("spendings__on"))
        .values("pk", "code", "name", "amount", "closed", "quarter")
        .annotate(spent=Sum("spendings__amount"))
        .order_by("code", "quarter")
    )
    lines: dict[int, LineUsage] = {}
    spent: dict[tuple[int, dt.date], Decimal] = {}
    for row in sums:
        lines.setdefault(
            row["pk"],
            LineUsage(row["pk"], row["code"], row["name"], row["amount"], row["closed"]),
        )
        if row["quarter"] is not None:
            q = row["quarter"]
            q = q.date() if isinstance(q, dt.datetime) else q
            spent[(row["pk"], q)] = row["spent"] or ZERO
    for line in lines.values():
        first = quarters[0] if quarters else dt.date.max
        to_date = sum(  # spending before the first quarter, if the period was ever moved
            (v for (pk, q), v in spent.items() if pk == line.line_id and q < first), ZERO
        )
        for q in quarters:
            in_quarter = spent.get((line.line_id, q), ZERO)
            to_date += in_quarter
            line.quarters.append(
                FundRow(
                    line_id=line.line_id,
                    line_code=line.code,
                    line_name=line.name,
                    quarter=q,
                    budget=line.budget,
                    spent=in_quarter,
                    spent_to_date=to_date,
                    remaining=line.budget - to_date,
                    share_used=_share(to_date, line.budget),
                )
            )
    return FundUsage(quarters=quarters, lines=list(lines.values()))
