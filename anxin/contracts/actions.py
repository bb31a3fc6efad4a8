"""State changes of contract data: organisations' templates, target changes (R7.1), payment
milestones, budget lines and spending (R1.3). Each refuses bad input with a clear message and
changes nothing, and writes its audit event in the same transaction."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.models import Organisation, Project, User
from anxin.audit.actions import record
from anxin.audit.models import AuditEvent
from anxin.contracts.catalogue import TemplateError, is_shipped, load_template
from anxin.contracts.models import (
    BudgetLine,
    ContractTemplate,
    PaymentMilestone,
    Spending,
    TargetChange,
)
from anxin.contracts.targets import indicator_codes, project_targets
from anxin.contracts.validation import CODE_RE, organisation_instruments, parse_template

CHANGE = AuditEvent.Kind.CHANGE
CENTS = Decimal("0.01")
MAX_AMOUNT = Decimal("9999999999.99")
MAX_TEMPLATE_CHARS = 200_000
MAX_REASON_CHARS = 2000
ITEM_CODE_MAX = 40


def _money(value: Any, *, label: str, allow_zero: bool = True) -> Decimal:
    """An amount in yuan with at most two decimals, 0 or more (above 0 unless ``allow_zero``)."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError(_("%(label)s: give a number.") % {"label": label}) from exc
    if not amount.is_finite():
        raise ValidationError(_("%(label)s: give a number.") % {"label": label})
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ValidationError(
            (
                _("%(label)s must be 0 or more.")
                if allow_zero
                else _("%(label)s must be more than 0.")
            )
            % {"label": label}
        )
    if amount != amount.quantize(CENTS) or amount > MAX_AMOUNT:
        raise ValidationError(
            _("%(label)s: give at most two decimals and less than ten billion.") % {"label": label}
        )
    return amount.quantize(CENTS)


def today() -> dt.date:
    return timezone.localdate()


def _not_in_future(on: dt.date) -> None:
    if on > today():
        raise ValidationError(_("The date %(date)s is in the future.") % {"date": on.isoformat()})


# Organisations' templates -----------------------------------------------------------------------


@transaction.atomic
def contract_template_save(
    *, organisation: Organisation, source_text: str, acting_user: User, request: Any = None
) -> ContractTemplate:
    """Store an organisation's own template, or a new version of one, after validating it.

    Every problem is reported at once (``ValidationError``); nothing is stored then. A template's
    code is unique across anxin and not a shipped template's; a new version must have a higher
    version number."""
    if len(source_text) > MAX_TEMPLATE_CHARS:
        raise ValidationError(_("The template is too long."))
    try:
        data = parse_template(
            source_text, name="", instruments=organisation_instruments(organisation.pk)
        )
    except TemplateError as exc:
        raise ValidationError([str(exc).splitlines()[0], *exc.problems]) from exc
    code, version = data["code"], data["version"]
    if is_shipped(code):
        raise ValidationError(
            _("%(code)s is the code of a template shipped with anxin: choose another code.")
            % {"code": code}
        )
    title = data["title"] if isinstance(data["title"], str) else data["title"]["zh"]
    stored = ContractTemplate.objects.select_for_update().filter(code=code).first()
    if stored is not None and stored.organisation_id != organisation.pk:
        raise ValidationError(
            _("The code %(code)s is taken: choose another code.") % {"code": code}
        )
    if stored is not None and version <= stored.version:
        raise ValidationError(
            _(
                "%(code)s version %(stored)s is already stored: give this one version "
                "%(next)s or higher."
            )
            % {"code": code, "stored": stored.version, "next": stored.version + 1}
        )
    before = stored.version if stored else None
    if stored is None:
        stored = ContractTemplate.objects.create(
            organisation=organisation,
            code=code,
            title=title[:128],
            source_text=source_text,
            version=version,
            created_by=acting_user,
            updated_by=acting_user,
        )
    else:
        stored.title, stored.source_text, stored.version = title[:128], source_text, version
        stored.updated_by = acting_user
        stored.save(update_fields=["title", "source_text", "version", "updated_by", "updated_at"])
    record(
        actor=acting_user,
        kind=CHANGE,
        action="contract_template.save",
        obj=stored,
        request=request,
        detail={
            "code": code,
            "version": version,
            "before": before,
            "indicators": len(data["indicators"]),
        },
    )
    return stored


# Targets ---------------------------------------------------------------------------------------


@transaction.atomic
def target_set(
    *,
    project: Project,
    code: str,
    value: Any,
    reason: str,
    acting_user: User,
    request: Any = None,
) -> TargetChange:
    """Change an indicator's target (R7.1); the change and its reason are kept for good."""
    if code not in indicator_codes(project):
        raise ValidationError(
            _("The contract template of this project has no indicator %(code)s.") % {"code": code}
        )
    target = _money(value, label=_("The target"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give the reason for the change."))
    if len(reason) > MAX_REASON_CHARS:
        raise ValidationError(
            _("The reason is too long (at most %(n)s characters).") % {"n": MAX_REASON_CHARS}
        )
    before = project_targets(project)[code]
    change = TargetChange.objects.create(
        project=project, indicator=code, value=target, reason=reason, changed_by=acting_user
    )
    record(
        actor=acting_user,
        kind=CHANGE,
        action="target.set",
        obj=change,
        organisation_id=project.organisation_id,
        request=request,
        reason=reason,
        detail={"indicator": code, "before": str(before), "after": str(target)},
    )
    return change


# Payment milestones ----------------------------------------------------------------------------


def template_payments(project: Project) -> list[dict[str, Any]]:
    """The template's payments with their amounts for the project's budget ceiling: share ×
    ceiling in yuan; the last takes what rounding left, so the amounts add up to the ceiling."""
    payments = list(load_template(project.template).get("payments", []))
    ceiling = Decimal(project.budget_ceiling)
    rows, given = [], Decimal(0)
    for n, payment in enumerate(payments):
        share = Decimal(str(payment["share"]))
        last = n == len(payments) - 1
        amount = ceiling - given if last else (share * ceiling).quantize(CENTS, ROUND_HALF_UP)
        given += amount
        condition = payment.get("condition", "")
        rows.append(
            {
                "code": payment["code"],
                "position": n + 1,
                "share": share,
                "amount": amount,
                "condition": condition if isinstance(condition, str) else condition.get("zh", ""),
            }
        )
    return rows


@transaction.atomic
def payments_create_from_template(
    *, project: Project, acting_user: User | None, request: Any = None
) -> list[PaymentMilestone]:
    """Create the project's payment milestones from its template's ``payments``. Idempotent:
    milestones that exist already are left as they are. Returns those created."""
    existing = set(PaymentMilestone.objects.filter(project=project).values_list("code", flat=True))
    created = [
        PaymentMilestone.objects.create(
            project=project, created_by=acting_user, updated_by=acting_user, **row
        )
        for row in template_payments(project)
        if row["code"] not in existing
    ]
    if created:
        record(
            actor=acting_user,
            kind=CHANGE,
            action="payments.create",
            obj=project,
            project_id=project.pk,
            request=request,
            detail={"payments": {m.code: str(m.amount) for m in created}},
        )
    return created


@transaction.atomic
def milestone_set_status(
    *,
    milestone: PaymentMilestone,
    status: str,
    on: dt.date | None,
    acting_user: User,
    request: Any = None,
) -> PaymentMilestone:
    """Mark a payment applied for or received on a date (or back to pending, a correction that
    clears the dates). Dates lie from the project's start to today; received not before applied.
    Received without an application date takes the same date for both."""
    S = PaymentMilestone.Status
    if status not in S.values:
        raise ValidationError(_("Unknown status %(status)s.") % {"status": status})
    before = {
        "status": milestone.status,
        "applied_on": milestone.applied_on.isoformat() if milestone.applied_on else None,
        "received_on": milestone.received_on.isoformat() if milestone.received_on else None,
    }
    if status == S.PENDING:
        milestone.applied_on = milestone.received_on = None
    else:
        if on is None:
            raise ValidationError(_("Give the date."))
        project = milestone.project
        if on < project.period_start:
            raise ValidationError(
                _("The date is before the project starts (%(start)s).")
                % {"start": project.period_start.isoformat()}
            )
        _not_in_future(on)
        if status == S.APPLIED:
            milestone.applied_on, milestone.received_on = on, None
        else:
            if milestone.applied_on is None or milestone.status == S.PENDING:
                milestone.applied_on = on
            if on < milestone.applied_on:
                raise ValidationError(
                    _("A payment cannot be received before it was applied for (%(date)s).")
                    % {"date": milestone.applied_on.isoformat()}
                )
            milestone.received_on = on
    milestone.status = status
    milestone.updated_by = acting_user
    milestone.save(
        update_fields=["status", "applied_on", "received_on", "updated_by", "updated_at"]
    )
    record(
        actor=acting_user,
        kind=CHANGE,
        action="payment.status",
        obj=milestone,
        organisation_id=milestone.project.organisation_id,
        request=request,
        detail={
            "code": milestone.code,
            "before": before,
            "after": {
                "status": status,
                "applied_on": milestone.applied_on.isoformat() if milestone.applied_on else None,
                "received_on": (
                    milestone.received_on.isoformat() if milestone.received_on else None
                ),
            },
        },
    )
    return milestone


# Budget lines and spending ---------------------------------------------------------------------


@transaction.atomic
def budget_line_add(
    *,
    project: Project,
    code: str,
    name: str,
    amount: Any,
    acting_user: User,
    request: Any = None,
) -> BudgetLine:
    """Add a line to the project's budget plan; the lines together stay within the ceiling."""
    code, name = (code or "").strip(), (name or "").strip()
    if not CODE_RE.match(code):
        raise ValidationError(
            _("Give a code of small letters, digits and dashes, e.g. staff or activities.")
        )
    if not name:
        raise ValidationError(_("Give the name of the budget line."))
    budget = _money(amount, label=_("The budget"))
    Project.objects.select_for_update().filter(pk=project.pk).first()  # one addition at a time
    if BudgetLine.objects.filter(project=project, code=code).exists():
        raise ValidationError(_("The project has a budget line %(code)s already.") % {"code": code})
    planned = BudgetLine.objects.filter(project=project).aggregate(total=Sum("amount"))["total"]
    total = (planned or Decimal(0)) + budget
    if total > project.budget_ceiling:
        raise ValidationError(
            _(
                "The budget lines would add up to %(total)s yuan, more than the budget ceiling "
                "of %(ceiling)s yuan."
            )
            % {"total": total, "ceiling": project.budget_ceiling}
        )
    line = BudgetLine.objects.create(
        project=project,
        code=code,
        name=name[:128],
        amount=budget,
        created_by=acting_user,
        updated_by=acting_user,
    )
    record(
        actor=acting_user,
        kind=CHANGE,
        action="budget_line.add",
        obj=line,
        organisation_id=project.organisation_id,
        request=request,
        detail={"code": code, "name": line.name, "amount": str(budget)},
    )
    return line


@transaction.atomic
def budget_line_set_closed(
    *, line: BudgetLine, closed: bool, acting_user: User, request: Any = None
) -> BudgetLine:
    """Close a budget line to further spending, or open it again."""
    line.closed = closed
    line.updated_by = acting_user
    line.save(update_fields=["closed", "updated_by", "updated_at"])
    record(
        actor=acting_user,
        kind=CHANGE,
        action="budget_line.close" if closed else "budget_line.reopen",
        obj=line,
        organisation_id=line.project.organisation_id,
        request=request,
        detail={"code": line.code},
    )
    return line


@transaction.atomic
def spending_record(
    *,
    line: BudgetLine,
    on: dt.date,
    amount: Any,
    note: str = "",
    acting_user: User,
    request: Any = None,
) -> Spending:
    """Record money spent on a budget line: more than 0, on a day of the project's period that
    has come, on a line that is open."""
    project = line.project
    if line.closed:
        raise ValidationError(
            _("The budget line %(name)s is closed: it takes no more spending.")
            % {"name": line.name}
        )
    spent = _money(amount, label=_("The amount"), allow_zero=False)
    if not project.period_start <= on <= project.period_end:
        raise ValidationError(
            _("The date must lie in the project's period (%(start)s to %(end)s).")
            % {"start": project.period_start.isoformat(), "end": project.period_end.isoformat()}
        )
    _not_in_future(on)
    note = (note or "").strip()
    if len(note) > MAX_REASON_CHARS:
        raise ValidationError(
            _("The note is too long (at most %(n)s characters).") % {"n": MAX_REASON_CHARS}
        )
    spending = Spending.objects.create(
        line=line, on=on, amount=spent, note=note, recorded_by=acting_user
    )
    record(
        actor=acting_user,
        kind=CHANGE,
        action="spending.record",
        obj=spending,
        organisation_id=project.organisation_id,
        project_id=project.pk,
        request=request,
        detail={"line": line.code, "on": on.isoformat(), "amount": str(spent)},
    )
    return spending
