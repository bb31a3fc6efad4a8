"""Pages of contract data: an organisation's own templates, a project's targets (R7.1) and its
money (经费, R1.3). Thin views: access through ``anxin.contracts.access``, changes through
``anxin.contracts.actions``, reads through ``targets`` and ``selectors``."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from anxin.accounts.access import require_org_admin, role_in_project
from anxin.contracts import actions
from anxin.contracts.access import (
    get_budget_line,
    get_milestone,
    get_project_for_money,
    get_project_for_targets,
    get_template_for_admin,
    may_manage_contract,
)
from anxin.contracts.catalogue import TEMPLATE_DIR, is_shipped, template_codes
from anxin.contracts.forms import (
    BudgetLineForm,
    MilestoneStatusForm,
    SpendingForm,
    TargetChangeForm,
    TemplateUploadForm,
)
from anxin.contracts.models import PaymentMilestone
from anxin.contracts.selectors import (
    SPENDING_PAGE,
    available_templates,
    budget_lines,
    fund_usage,
    organisation_templates,
    payment_conditions,
    project_payments,
    project_spending,
)
from anxin.contracts.targets import target_rows
from anxin.core.forms import errors_text
from anxin.core.requests import AuthedHttpRequest

# Templates -------------------------------------------------------------------------------------


@login_required
def template_admin(request: AuthedHttpRequest) -> HttpResponse:
    """An organisation admin's templates: the shipped ones to start from, the organisation's own,
    and the upload of a new one or a new version (every problem shown, nothing stored)."""
    organisation = require_org_admin(request.user, request)
    form = TemplateUploadForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            template = actions.contract_template_save(
                organisation=organisation,
                source_text=form.cleaned_data["source"],
                acting_user=request.user,
                request=request,
            )
        except ValidationError as exc:
            problems = exc.messages
        else:
            messages.success(
                request,
                _("Template %(code)s version %(version)s is stored: new projects can use it.")
                % {"code": template.code, "version": template.version},
            )
            return redirect("contracts:templates")
    shipped = [(code, title) for code, title in available_templates(None) if is_shipped(code)]
    context = {
        "form": form,
        "problems": problems,
        "shipped": shipped,
        "own": organisation_templates(organisation).order_by("code"),
    }
    return render(request, "contracts/templates.html", context)


@login_required
def template_download(request: AuthedHttpRequest, code: str) -> HttpResponse:
    """A template's YAML: a shipped one (a starting point) or one of the organisation's own."""
    require_org_admin(request.user, request)
    if code in template_codes():
        text = (TEMPLATE_DIR / f"{code}.yaml").read_text(encoding="utf-8")
    else:
        text = get_template_for_admin(request.user, code, request=request).source_text
    response = HttpResponse(text, content_type="application/x-yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{code}.yaml"'
    return response


# Targets ---------------------------------------------------------------------------------------


@login_required
def targets(request: AuthedHttpRequest, code: str) -> HttpResponse:
    """Each indicator's template target, current target and history; leads change them here."""
    writing = request.method == "POST"
    project = get_project_for_targets(request.user, code, write=writing, request=request)
    rows = target_rows(project)
    can_change = writing or may_manage_contract(
        request.user, project, role_in_project(request.user, project)
    )
    choices = [(r.code, f"{r.code} {r.name}") for r in rows]
    initial = {"indicator": request.GET.get("indicator", "")}
    form = TargetChangeForm(request.POST if writing else None, indicators=choices, initial=initial)
    if writing and form.is_valid():
        data = form.cleaned_data
        try:
            actions.target_set(
                project=project,
                code=data["indicator"],
                value=data["value"],
                reason=data["reason"],
                acting_user=request.user,
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("The target of %(code)s is now %(value)s.")
                % {"code": data["indicator"], "value": data["value"].normalize()},
            )
            return redirect("contracts:targets", code=project.code)
    context = {
        "project": project,
        "rows": rows,
        "form": form,
        "can_change": can_change,
    }
    return render(request, "contracts/targets.html", context)


# Money -----------------------------------------------------------------------------------------


@login_required
def funds(request: AuthedHttpRequest, code: str) -> HttpResponse:
    """经费: payment milestones, budget lines with their quarterly use, and the spending."""
    access = get_project_for_money(request.user, code, request=request)
    project = access.project
    lines = budget_lines(project)
    open_lines = [(line.code, f"{line.code} {line.name}") for line in lines if not line.closed]
    conditions = payment_conditions(project)
    payments = [(m, conditions.get(m.code) or m.condition) for m in project_payments(project)]
    context = {
        "project": project,
        "access": access,
        "payments": payments,
        "received": sum(
            (m.amount for m, _c in payments if m.status == PaymentMilestone.Status.RECEIVED),
            Decimal(0),
        ),
        "statuses": PaymentMilestone.Status.choices,
        "usage": fund_usage(project),
        "spending": project_spending(project),
        "spending_page": SPENDING_PAGE,
        "line_form": BudgetLineForm(),
        "spending_form": SpendingForm(lines=open_lines) if open_lines else None,
    }
    return render(request, "contracts/funds.html", context)


def _refused(request: AuthedHttpRequest, exc: ValidationError) -> None:
    messages.error(request, _("Not saved: %(errors)s") % {"errors": " ".join(exc.messages)})


@login_required
@require_POST
def milestone_status(request: AuthedHttpRequest, code: str, payment: str) -> HttpResponse:
    access = get_project_for_money(request.user, code, write=True, request=request)
    milestone = get_milestone(access, payment)
    form = MilestoneStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Not saved: %(errors)s") % {"errors": errors_text(form)})
        return redirect("contracts:funds", code=access.project.code)
    try:
        actions.milestone_set_status(
            milestone=milestone,
            status=form.cleaned_data["status"],
            on=form.cleaned_data["on"],
            acting_user=request.user,
            request=request,
        )
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("Payment status saved."))
    return redirect("contracts:funds", code=access.project.code)


@login_required
@require_POST
def budget_line_add(request: AuthedHttpRequest, code: str) -> HttpResponse:
    access = get_project_for_money(request.user, code, write=True, request=request)
    form = BudgetLineForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Not saved: %(errors)s") % {"errors": errors_text(form)})
        return redirect("contracts:funds", code=access.project.code)
    try:
        actions.budget_line_add(
            project=access.project, acting_user=request.user, request=request, **form.cleaned_data
        )
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("Budget line added."))
    return redirect("contracts:funds", code=access.project.code)


@login_required
@require_POST
def budget_line_close(request: AuthedHttpRequest, code: str, line: str) -> HttpResponse:
    access = get_project_for_money(request.user, code, write=True, request=request)
    budget_line = get_budget_line(access, line)
    closed = request.POST.get("closed") == "1"
    actions.budget_line_set_closed(
        line=budget_line, closed=closed, acting_user=request.user, request=request
    )
    messages.success(
        request,
        (_("Budget line %(name)s closed.") if closed else _("Budget line %(name)s reopened."))
        % {"name": budget_line.name},
    )
    return redirect("contracts:funds", code=access.project.code)


@login_required
@require_POST
def spending_add(request: AuthedHttpRequest, code: str) -> HttpResponse:
    access = get_project_for_money(request.user, code, write=True, request=request)
    choices = [(line.code, line.name) for line in budget_lines(access.project)]
    form = SpendingForm(request.POST, lines=choices)
    if not form.is_valid():
        messages.error(request, _("Not saved: %(errors)s") % {"errors": errors_text(form)})
        return redirect("contracts:funds", code=access.project.code)
    data = form.cleaned_data
    try:
        actions.spending_record(
            line=get_budget_line(access, data["line"]),
            on=data["on"],
            amount=data["amount"],
            note=data["note"],
            acting_user=request.user,
            request=request,
        )
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("Spending recorded."))
    return redirect("contracts:funds", code=access.project.code)
