"""Contract data in the JSON API: organisations' own templates, a project's targets with their
history (R7.1), and its money (R1.3): payment milestones, budget lines, spending and the
quarterly fund-usage table. Scoped exactly like the pages (``anxin.contracts.access``); refusals
of the actions are answered 422 with ``{"errors": [...]}``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from django.http import HttpRequest
from ninja import Path, Query, Router, Schema, Status
from pydantic import AfterValidator, Field, StringConstraints

from anxin.accounts.access import require_org_admin, role_in_project
from anxin.accounts.api import api_user
from anxin.accounts.models import Project
from anxin.clients.api import DetailOut, ErrorsOut
from anxin.contracts import actions
from anxin.contracts.access import (
    MoneyAccess,
    get_budget_line,
    get_milestone,
    get_project_for_money,
    get_project_for_targets,
    get_template_for_admin,
    may_manage_contract,
)
from anxin.contracts.catalogue import TEMPLATE_DIR, load_template, localised, template_codes
from anxin.contracts.models import BudgetLine, ContractTemplate, PaymentMilestone, Spending
from anxin.contracts.selectors import (
    SPENDING_PAGE,
    budget_lines,
    fund_usage,
    organisation_templates,
    payment_conditions,
    project_payments,
    project_spending,
)
from anxin.contracts.targets import TargetRow, target_rows

router = Router(tags=["contract templates, targets and funds"])
Code = Annotated[str, Path(max_length=40, pattern=r"^[-A-Za-z0-9_]+$")]
Slug = Annotated[str, StringConstraints(max_length=40, pattern=r"^[-A-Za-z0-9_]+$")]
Amount = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]
WRITE = {403: DetailOut, 404: DetailOut, 422: ErrorsOut}


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("NUL characters are not allowed")
    return value


Text = Annotated[
    str, StringConstraints(max_length=actions.MAX_REASON_CHARS), AfterValidator(_no_nul)
]
Source = Annotated[
    str, StringConstraints(max_length=actions.MAX_TEMPLATE_CHARS), AfterValidator(_no_nul)
]
Name = Annotated[str, StringConstraints(max_length=128), AfterValidator(_no_nul)]


# Templates -------------------------------------------------------------------------------------


class TemplateOut(Schema):
    code: str
    title: str
    version: int
    shipped: bool
    download: str = Field(description="GET this path for the YAML")


class TemplateDetailOut(TemplateOut):
    source: str = Field(description="the template's YAML")


class TemplateIn(Schema):
    source: Source = Field(description="the template's YAML")


def _download(code: str) -> str:
    return f"/api/v1/contract-templates/{code}"


def _own_out(template: ContractTemplate) -> TemplateOut:
    return TemplateOut(
        code=template.code,
        title=template.title,
        version=template.version,
        shipped=False,
        download=_download(template.code),
    )


@router.get(
    "/contract-templates",
    response={200: list[TemplateOut], 403: DetailOut},
    summary="Templates a project can start from: shipped ones and the organisation's own (admins)",
)
def template_list(request: HttpRequest) -> list[TemplateOut]:
    organisation = require_org_admin(api_user(request), request)
    shipped = [
        TemplateOut(
            code=code,
            title=localised(load_template(code)["title"]),
            version=int(load_template(code)["version"]),
            shipped=True,
            download=_download(code),
        )
        for code in template_codes()
    ]
    return shipped + [_own_out(t) for t in organisation_templates(organisation).order_by("code")]


@router.get(
    "/contract-templates/{code}",
    response={200: TemplateDetailOut, 403: DetailOut, 404: DetailOut},
    summary="One template with its YAML (a shipped one is a starting point for your own)",
)
def template_read(request: HttpRequest, code: Code) -> TemplateDetailOut:
    user = api_user(request)
    require_org_admin(user, request)
    if code in template_codes():
        data = load_template(code)
        return TemplateDetailOut(
            code=code,
            title=localised(data["title"]),
            version=int(data["version"]),
            shipped=True,
            download=_download(code),
            source=(TEMPLATE_DIR / f"{code}.yaml").read_text(encoding="utf-8"),
        )
    template = get_template_for_admin(user, code, request=request)
    return TemplateDetailOut(**_own_out(template).dict(), source=template.source_text)


@router.post(
    "/contract-templates",
    response={201: TemplateOut, 403: DetailOut, 422: ErrorsOut},
    summary="Store an own template or a new version (validated: every problem is listed)",
)
def template_save(request: HttpRequest, payload: TemplateIn) -> Status[TemplateOut]:
    user = api_user(request)
    organisation = require_org_admin(user, request)
    template = actions.contract_template_save(
        organisation=organisation, source_text=payload.source, acting_user=user, request=request
    )
    return Status(201, _own_out(template))


# Targets ---------------------------------------------------------------------------------------


class TargetChangeOut(Schema):
    value: Decimal
    reason: str
    changed_by: str
    changed_at: dt.datetime


class TargetOut(Schema):
    code: str
    name: str
    unit: str
    template_target: Decimal
    target: Decimal
    history: list[TargetChangeOut] = Field(description="every change, newest first")


class TargetsOut(Schema):
    project: str
    can_change: bool
    targets: list[TargetOut]


class TargetIn(Schema):
    indicator: Slug
    value: Amount
    reason: Text


def target_out(row: TargetRow) -> TargetOut:
    return TargetOut(
        code=row.code,
        name=row.name,
        unit=row.unit,
        template_target=row.template_target,
        target=row.target,
        history=[
            TargetChangeOut(
                value=c.value,
                reason=c.reason,
                changed_by=c.changed_by.display_name,
                changed_at=c.changed_at,
            )
            for c in row.history
        ],
    )


@router.get(
    "/projects/{code}/targets",
    response={200: TargetsOut, 404: DetailOut},
    summary="Each indicator's template target, current target and the history of its changes",
)
def targets_read(request: HttpRequest, code: Code) -> TargetsOut:
    user = api_user(request)
    project = get_project_for_targets(user, code, request=request)
    return TargetsOut(
        project=project.code,
        can_change=may_manage_contract(user, project, role_in_project(user, project)),
        targets=[target_out(r) for r in target_rows(project)],
    )


@router.post(
    "/projects/{code}/targets",
    response={201: TargetOut, **WRITE},
    summary="Change an indicator's target, with the reason (project leads, organisation admins)",
)
def target_change(request: HttpRequest, code: Code, payload: TargetIn) -> Status[TargetOut]:
    user = api_user(request)
    project = get_project_for_targets(user, code, write=True, request=request)
    actions.target_set(
        project=project,
        code=payload.indicator,
        value=payload.value,
        reason=payload.reason,
        acting_user=user,
        request=request,
    )
    row = next(r for r in target_rows(project) if r.code == payload.indicator)
    return Status(201, target_out(row))


# Money -----------------------------------------------------------------------------------------


class PaymentOut(Schema):
    code: str
    position: int
    share: Decimal
    amount: Decimal
    condition: str
    status: str = Field(description="pending, applied or received")
    applied_on: dt.date | None
    received_on: dt.date | None


class PaymentStatusIn(Schema):
    status: Annotated[str, Field(pattern=r"^(pending|applied|received)$")]
    on: dt.date | None = Field(None, description="required for applied and received")


class BudgetLineOut(Schema):
    code: str
    name: str
    amount: Decimal
    closed: bool


class BudgetLineIn(Schema):
    code: Slug
    name: Name
    amount: Amount


class LineClosedIn(Schema):
    closed: bool


class FundRowOut(Schema):
    line: str
    quarter: dt.date = Field(description="the first day of the calendar quarter")
    quarter_label: str
    budget: Decimal
    spent: Decimal = Field(description="spent in the quarter")
    spent_to_date: Decimal
    remaining: Decimal
    share_used: Decimal | None


class FundsOut(Schema):
    project: str
    budget_ceiling: Decimal
    can_write: bool
    payments: list[PaymentOut]
    budget_lines: list[BudgetLineOut]
    fund_usage: list[FundRowOut] = Field(description="each budget line × quarter of the period")
    budget_total: Decimal
    spent_total: Decimal


class SpendingOut(Schema):
    id: int
    line: str
    on: dt.date
    amount: Decimal
    note: str | None = Field(description="null for purchaser viewers")
    recorded_by: str | None = Field(description="null for purchaser viewers")


class SpendingIn(Schema):
    line: Slug
    on: dt.date
    amount: Amount
    note: Text = ""


class SpendingQueryIn(Schema):
    offset: Annotated[int, Field(ge=0, le=1_000_000)] = 0


def payment_out(milestone: PaymentMilestone, conditions: dict[str, str]) -> PaymentOut:
    return PaymentOut(
        code=milestone.code,
        position=milestone.position,
        share=milestone.share,
        amount=milestone.amount,
        condition=conditions.get(milestone.code) or milestone.condition,
        status=milestone.status,
        applied_on=milestone.applied_on,
        received_on=milestone.received_on,
    )


def line_out(line: BudgetLine) -> BudgetLineOut:
    return BudgetLineOut(code=line.code, name=line.name, amount=line.amount, closed=line.closed)


def spending_out(spending: Spending, access: MoneyAccess) -> SpendingOut:
    return SpendingOut(
        id=spending.pk,
        line=spending.line.code,
        on=spending.on,
        amount=spending.amount,
        note=spending.note if access.sees_notes else None,
        recorded_by=spending.recorded_by.display_name if access.sees_notes else None,
    )


def funds_out(access: MoneyAccess) -> FundsOut:
    project: Project = access.project
    usage = fund_usage(project)
    conditions = payment_conditions(project)
    return FundsOut(
        project=project.code,
        budget_ceiling=project.budget_ceiling,
        can_write=access.can_write,
        payments=[payment_out(m, conditions) for m in project_payments(project)],
        budget_lines=[line_out(line) for line in budget_lines(project)],
        fund_usage=[
            FundRowOut(
                line=row.line_code,
                quarter=row.quarter,
                quarter_label=row.quarter_label,
                budget=row.budget,
                spent=row.spent,
                spent_to_date=row.spent_to_date,
                remaining=row.remaining,
                share_used=row.share_used,
            )
            for row in usage.rows
        ],
        budget_total=usage.budget,
        spent_total=usage.spent,
    )


@router.get(
    "/projects/{code}/funds",
    response={200: FundsOut, 404: DetailOut},
    summary="Payment milestones, budget lines and the quarterly fund-usage table",
)
def funds_read(request: HttpRequest, code: Code) -> FundsOut:
    return funds_out(get_project_for_money(api_user(request), code, request=request))


@router.get(
    "/projects/{code}/spending",
    response={200: list[SpendingOut], 404: DetailOut},
    summary=f"The project's spending, newest first, {SPENDING_PAGE} at a time (offset)",
)
def spending_list(
    request: HttpRequest, code: Code, params: Query[SpendingQueryIn]
) -> list[SpendingOut]:
    access = get_project_for_money(api_user(request), code, request=request)
    return [spending_out(s, access) for s in project_spending(access.project, offset=params.offset)]


@router.post(
    "/projects/{code}/payments/{payment}/status",
    response={200: PaymentOut, **WRITE},
    summary="Mark a payment applied for or received (with the date), or pending again",
)
def payment_status(
    request: HttpRequest, code: Code, payment: Code, payload: PaymentStatusIn
) -> PaymentOut:
    user = api_user(request)
    access = get_project_for_money(user, code, write=True, request=request)
    milestone = actions.milestone_set_status(
        milestone=get_milestone(access, payment),
        status=payload.status,
        on=payload.on,
        acting_user=user,
        request=request,
    )
    return payment_out(milestone, payment_conditions(access.project))


@router.post(
    "/projects/{code}/budget-lines",
    response={201: BudgetLineOut, **WRITE},
    summary="Add a budget line (the lines stay within the budget ceiling)",
)
def budget_line_create(
    request: HttpRequest, code: Code, payload: BudgetLineIn
) -> Status[BudgetLineOut]:
    user = api_user(request)
    access = get_project_for_money(user, code, write=True, request=request)
    line = actions.budget_line_add(
        project=access.project,
        code=payload.code,
        name=payload.name,
        amount=payload.amount,
        acting_user=user,
        request=request,
    )
    return Status(201, line_out(line))


@router.post(
    "/projects/{code}/budget-lines/{line}/closed",
    response={200: BudgetLineOut, **WRITE},
    summary="Close a budget line to further spending, or reopen it",
)
def budget_line_closed(
    request: HttpRequest, code: Code, line: Code, payload: LineClosedIn
) -> BudgetLineOut:
    user = api_user(request)
    access = get_project_for_money(user, code, write=True, request=request)
    budget_line = actions.budget_line_set_closed(
        line=get_budget_line(access, line),
        closed=payload.closed,
        acting_user=user,
        request=request,
    )
    return line_out(budget_line)


@router.post(
    "/projects/{code}/spending",
    response={201: SpendingOut, **WRITE},
    summary="Record spending on an open budget line, on a day of the project's period",
)
def spending_create(request: HttpRequest, code: Code, payload: SpendingIn) -> Status[SpendingOut]:
    user = api_user(request)
    access = get_project_for_money(user, code, write=True, request=request)
    spending = actions.spending_record(
        line=get_budget_line(access, payload.line),
        on=payload.on,
        amount=payload.amount,
        note=payload.note,
        acting_user=user,
        request=request,
    )
    return Status(201, spending_out(spending, access))
