"""The case workflow of LW §5 as actions. Each checks its gate, says why it refuses in the user's
language, changes nothing when it refuses, and writes its timeline event and audit event."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from anxin.accounts.models import User
from anxin.audit.actions import record
from anxin.audit.models import AuditEvent
from anxin.cases.classification import service_refusal, set_class
from anxin.cases.models import (
    STEP_ORDER,
    Case,
    CaseEvent,
    Classification,
    PlanItem,
    ServicePlan,
    Step,
)
from anxin.clients.models import Client
from anxin.core.concurrency import claim
from anxin.core.language import in_site_language
from anxin.core.uploads import check_upload

CHANGE = AuditEvent.Kind.CHANGE
# Steps recorded with case_step; the plan, closure and follow-up have actions of their own.
# Events whose dates must keep the order of the workflow.
ORDERED_KINDS = (CaseEvent.Kind.STEP, CaseEvent.Kind.PLAN, CaseEvent.Kind.PROCESS_REVIEW)
SIMPLE_STEPS = (Step.APPLICATION, Step.BASELINE, Step.REGISTRATION, Step.AGREEMENT, Step.SERVICE)


@dataclass
class PlanItemInput:
    service_item: str
    times: int
    per: str
    notes: str = ""


def _event(
    case: Case,
    *,
    kind: str,
    on: dt.date,
    acting_user: User | None,
    step: str = "",
    content: str = "",
    detail: dict[str, Any] | None = None,
    attachment: UploadedFile | None = None,
) -> CaseEvent:
    event = CaseEvent(
        project_id=case.project_id,
        case=case,
        kind=kind,
        step=step,
        on=on,
        worker=acting_user,
        content=content,
        detail=detail or {},
    )
    if attachment is not None:
        event.attachment.save(attachment.name or "scan", attachment, save=False)
    event.save()
    return event


def _has_assessment(case: Case, timepoint: str) -> bool:
    from anxin.assessments.models import AssessmentRecord

    return AssessmentRecord.objects.filter(case=case, timepoint=timepoint).exists()


def next_step(case: Case) -> str | None:
    if case.status == Case.Status.CLOSED:
        return Step.FOLLOW_UP if case.step == Step.CLOSURE else None
    index = STEP_ORDER.index(case.step)
    return STEP_ORDER[index + 1] if index + 1 < STEP_ORDER.index(Step.CLOSURE) else None


def step_requirements(case: Case, step: str) -> list[str]:
    """What is still needed before ``step`` can be recorded: the gates of LW §5 (R3.1)."""
    needs: list[str] = []
    if case.status == Case.Status.WAITING:
        return [_("The client is on the waiting list: admit them from the waiting list first.")]
    if case.status == Case.Status.CLOSED:
        return [_("The case is closed.")]
    if step in (Step.BASELINE, Step.REGISTRATION) and not _has_assessment(case, "baseline"):
        needs.append(
            _("No registration without a baseline assessment.")
            if step == Step.REGISTRATION
            else _("Record at least one baseline assessment first.")
        )
    if step == Step.PLAN and STEP_ORDER.index(case.step) < STEP_ORDER.index(Step.AGREEMENT):
        needs.append(_("No service plan without a signed agreement."))
    if step == Step.SERVICE and not case.plans.exists():
        needs.append(_("No services before a service plan."))
    if not needs and STEP_ORDER.index(step) != STEP_ORDER.index(case.step) + 1:
        following = Step(STEP_ORDER[STEP_ORDER.index(case.step) + 1]).label
        needs.append(
            _("Steps follow the order of the workflow: the next step is %(step)s.")
            % {"step": following}
        )
    return needs


def _date_problems(case: Case, on: dt.date) -> list[str]:
    """A step is dated between the last recorded step and today."""
    if on > timezone.localdate():
        return [_("The date cannot be in the future.")]
    last = case.events.filter(kind__in=ORDERED_KINDS).aggregate(last=Max("on"))["last"]
    earliest = max(d for d in (case.opened_on, last) if d is not None)
    if on < earliest:
        return [
            _("The date cannot be before the previous step (%(date)s).")
            % {"date": date_format(earliest, "DATE_FORMAT")}
        ]
    return []


def _refuse(problems: list[str]) -> None:
    if problems:
        raise ValidationError(problems)


@transaction.atomic
def case_step(
    *,
    case: Case,
    step: str,
    on: dt.date,
    content: str = "",
    attachment: UploadedFile | None = None,
    acting_user: User,
    request: Any = None,
    expected_version: int | None = None,
) -> CaseEvent:
    """Record the next workflow step. The agreement needs the signed scan attached."""
    claim(case, expected_version, by=acting_user)
    if step not in SIMPLE_STEPS:
        raise ValidationError(_("This step is recorded with its own form."))
    problems = step_requirements(case, step)
    if step == Step.AGREEMENT and attachment is None:
        problems.append(_("Attach the signed informed-consent / service agreement."))
    problems += _date_problems(case, on)
    _refuse(problems)
    if attachment is not None:
        check_upload(attachment, kinds=("pdf", "image"))
    event = _event(
        case,
        kind=CaseEvent.Kind.STEP,
        step=step,
        on=on,
        content=content,
        attachment=attachment,
        acting_user=acting_user,
    )
    case.step = step
    case.updated_by = acting_user
    case.save(update_fields=["step", "updated_by", "updated_at"])
    record(
        actor=acting_user,
        kind=CHANGE,
        action=f"case.step.{step}",
        obj=case,
        request=request,
        organisation_id=case.project.organisation_id,
        detail={"event": event.pk},
    )
    return event


@transaction.atomic
def case_admit_from_waiting(
    *,
    case: Case,
    replaces: Case | None = None,
    on: dt.date | None = None,
    acting_user: User,
    request: Any = None,
    expected_version: int | None = None,
) -> Case:
    """Take a client from the project's waiting list (R2.6), optionally replacing a closed case."""
    claim(case, expected_version, by=acting_user)
    if case.status != Case.Status.WAITING:
        raise ValidationError(_("This client is not on the waiting list."))
    if replaces is not None and (
        replaces.project_id != case.project_id or replaces.status != Case.Status.CLOSED
    ):
        raise ValidationError(_("Only a closed case of the same project can be replaced."))
    case.status = Case.Status.OPEN
    case.updated_by = acting_user
    case.save(update_fields=["status", "updated_by", "updated_at"])
    Client.objects.filter(pk=case.client_id, status=Client.Status.WAITING).update(
        status=Client.Status.ACTIVE, version=F("version") + 1
    )
    detail = {"replaces": replaces.pk} if replaces else {}
    with in_site_language():
        note = _("Admitted from the waiting list.")
    _event(
        case,
        kind=CaseEvent.Kind.NOTE,
        on=on or timezone.localdate(),
        acting_user=acting_user,
        content=note,
        detail=detail,
    )
    if replaces is not None:
        replaces.replaced_by = case
        replaces.save(update_fields=["replaced_by"])
    record(
        actor=acting_user,
        kind=CHANGE,
        action="case.admit",
        obj=case,
        request=request,
        organisation_id=case.project.organisation_id,
        detail=detail,
    )
    return case


@transaction.atomic
def plan_create(
    *,
    case: Case,
    goals: str,
    review_on: dt.date,
    responsible: User,
    items: list[PlanItemInput],
    agreed_with: str = "",
    revision_reason: str = "",
    on: dt.date | None = None,
    acting_user: User,
    request: Any = None,
    expected_version: int | None = None,
) -> ServicePlan:
    """A new version of the service plan (R3.4). The first needs the agreement; later versions
    (修正机制) need a reason. Items must be in the catalogue and allowed by the case's class."""
    claim(case, expected_version, by=acting_user)
    problems: list[str] = []
    first = not case.plans.exists()
    if case.status != Case.Status.OPEN:
        problems.append(_("Plans are made for open cases only."))
    elif first:
        problems += step_requirements(case, Step.PLAN)
    elif not revision_reason.strip():
        problems.append(_("Say why the plan is revised (修正机制)."))
    if not goals.strip():
        problems.append(_("Write the goals of the plan."))
    if not items:
        problems.append(_("Choose at least one service item."))
    for item in items:
        refusal = service_refusal(case, item.service_item)
        if refusal:
            problems.append(refusal)
        if item.times < 1 or item.per not in PlanItem.Per.values:
            problems.append(_("Give how often each item is agreed (times and period)."))
    on = on or timezone.localdate()
    problems += _date_problems(case, on)
    if review_on <= on:
        problems.append(_("The review date must come after the plan date."))
    _refuse(problems)
    version = (case.plans.aggregate(v=Max("version"))["v"] or 0) + 1
    plan = ServicePlan.objects.create(
        project_id=case.project_id,
        case=case,
        version=version,
        goals=goals.strip(),
        review_on=review_on,
        responsible=responsible,
        agreed_with=agreed_with,
        revision_reason=revision_reason.strip(),
        created_by=acting_user,
    )
    PlanItem.objects.bulk_create(
        [
            PlanItem(
                plan=plan, service_item=i.service_item, times=i.times, per=i.per, notes=i.notes
            )
            for i in items
        ]
    )
    _event(
        case,
        kind=CaseEvent.Kind.PLAN,
        on=on,
        acting_user=acting_user,
        content=revision_reason,
        detail={"plan": plan.pk, "version": version},
    )
    if first:
        case.step = Step.PLAN
    case.worker = responsible  # the latest plan names who is responsible now
    case.updated_by = acting_user
    case.save(update_fields=["step", "worker", "updated_by", "updated_at"])
    record(
        actor=acting_user,
        kind=CHANGE,
        action="plan.create",
        obj=case,
        request=request,
        organisation_id=case.project.organisation_id,
        detail={"plan": plan.pk, "version": version},
    )
    return plan


@transaction.atomic
def process_review(
    *,
    case: Case,
    on: dt.date,
    content: str,
    acting_user: User,
    request: Any = None,
    expected_version: int | None = None,
) -> CaseEvent:
    """A periodic process review (过程评估), repeatable once the case is in service."""
    claim(case, expected_version, by=acting_user)
    problems = []
    if case.status != Case.Status.OPEN or STEP_ORDER.index(case.step) < STEP_ORDER.index(Step.PLAN):
        problems.append(_("Process reviews start once the case has a service plan."))
    if not content.strip():
        problems.append(_("Write what the review found."))
    problems += _date_problems(case, on)
    _refuse(problems)
    event = _event(
        case, kind=CaseEvent.Kind.PROCESS_REVIEW, on=on, content=content, acting_user=acting_user
    )
    record(
        actor=acting_user,
        kind=CHANGE,
        action="case.process_review",
        obj=case,
        request=request,
        organisation_id=case.project.organisation_id,
        detail={"event": event.pk},
    )
    return event


@transaction.atomic
def case_classify_override(
    *,
    case: Case,
    klass: str,
    reason: str,
    acting_user: User,
    request: Any = None,
    expected_version: int | None = None,
) -> Case:
    claim(case, expected_version, by=acting_user)
    if klass not in Classification.values:
        raise ValidationError(_("Choose class A, B or C."))
    if not reason.strip():
        raise ValidationError(_("Say why the class is set by hand."))
    set_class(case, klass, source="override", reason=reason.strip(), acting_user=acting_user)
    return case


CLIENT_STATUS_AFTER_EXIT: dict[str, str] = {
    Case.Exit.DEATH: Client.Status.DECEASED,
    Case.Exit.MOVED: Client.Status.MOVED,
}


@transaction.atomic
def case_close(
    *,
    case: Case,
    exit: str,
    on: dt.date,
    reason: str = "",
    transfer_to: str = "",
    attachment: UploadedFile | None = None,
    acting_user: User,
    request: Any = None,
    expected_version: int | None = None,
) -> Case:
    """Closure registration (结案登记), ending every exit of R3.2."""
    claim(case, expected_version, by=acting_user)
    problems: list[str] = []
    if case.status == Case.Status.CLOSED:
        problems.append(_("The case is closed already."))
    if exit not in Case.Exit.values:
        problems.append(_("Choose how the case ends."))
    if exit == Case.Exit.COMPLETED and not reason.strip() and not _has_assessment(case, "outcome"):
        problems.append(_("No closure without an outcome assessment or a stated reason."))
    if exit == Case.Exit.WITHDRAWAL and attachment is None:
        problems.append(
            _("A voluntary withdrawal needs the signed informed-consent form (知情同意书).")
        )
    if exit == Case.Exit.TRANSFER and not (transfer_to.strip() and reason.strip()):
        problems.append(_("A transfer needs the receiving partner and the reason."))
    if exit in (Case.Exit.DEATH, Case.Exit.MOVED, Case.Exit.INELIGIBLE) and not reason.strip():
        problems.append(_("Give the reason or circumstances."))
    if on > timezone.localdate() or on < case.opened_on:
        problems.append(_("The closing date must be between the opening date and today."))
    _refuse(problems)
    if attachment is not None:
        check_upload(attachment, kinds=("pdf", "image"))
    case.status = Case.Status.CLOSED
    case.step = Step.CLOSURE
    case.exit = exit
    case.closed_on = on
    case.closing_reason = reason.strip()[:256]
    case.updated_by = acting_user
    case.save(
        update_fields=[
            "status",
            "step",
            "exit",
            "closed_on",
            "closing_reason",
            "updated_by",
            "updated_at",
        ]
    )
    _event(
        case,
        kind=CaseEvent.Kind.EXIT,
        step=Step.CLOSURE,
        on=on,
        content=reason,
        attachment=attachment,
        acting_user=acting_user,
        detail={"exit": exit, "transfer_to": transfer_to.strip()},
    )
    others_open = (
        Case.objects.filter(client_id=case.client_id).exclude(status=Case.Status.CLOSED).exists()
    )
    new_status = CLIENT_STATUS_AFTER_EXIT.get(exit, Client.Status.CLOSED)
    if exit in CLIENT_STATUS_AFTER_EXIT or not others_open:
        client = case.client
        claim(client, None, by=acting_user)
        client.status = new_status
        client.updated_by = acting_user
        with in_site_language():
            client._change_reason = _("Case closed: %(exit)s") % {"exit": Case.Exit(exit).label}  # type: ignore[attr-defined]
        client.save(update_fields=["status", "updated_by", "updated_at"])
    record(
        actor=acting_user,
        kind=CHANGE,
        action="case.close",
        obj=case,
        request=request,
        organisation_id=case.project.organisation_id,
        reason=reason[:256],
        detail={"exit": exit, "transfer_to": transfer_to.strip()},
    )
    return case


@transaction.atomic
def case_follow_up(
    *,
    case: Case,
    on: dt.date,
    content: str,
    acting_user: User,
    request: Any = None,
    expected_version: int | None = None,
) -> CaseEvent:
    """服务回访: the visit after closure."""
    claim(case, expected_version, by=acting_user)
    problems = []
    if case.status != Case.Status.CLOSED:
        problems.append(_("A follow-up visit comes after closure."))
    if case.exit == Case.Exit.DEATH:
        problems.append(_("No follow-up after a death."))
    if not content.strip():
        problems.append(_("Write what the follow-up found."))
    if on > timezone.localdate() or (case.closed_on and on < case.closed_on):
        problems.append(_("The follow-up date must be between the closing date and today."))
    _refuse(problems)
    event = _event(
        case,
        kind=CaseEvent.Kind.STEP,
        step=Step.FOLLOW_UP,
        on=on,
        content=content,
        acting_user=acting_user,
    )
    case.step = Step.FOLLOW_UP
    case.updated_by = acting_user
    case.save(update_fields=["step", "updated_by", "updated_at"])
    record(
        actor=acting_user,
        kind=CHANGE,
        action="case.follow_up",
        obj=case,
        request=request,
        organisation_id=case.project.organisation_id,
        detail={"event": event.pk},
    )
    return event


def case_can_receive_services(case: Case) -> str | None:
    """For service records (R5): why this case cannot have services recorded yet, or None."""
    if case.status != Case.Status.OPEN:
        return _("Services are recorded for open cases only.")
    if not case.plans.exists():
        return _("No service records for the case before a service plan.")
    return None
