"""The crisis protocol (R5.6, issue 6 point 4): a positive risk screening opens an escalation at
once; every step taken is recorded with its time; a follow-up call is due within 24 hours; the
escalation stays open, and visible to the operator and the project's supervisors, until a
supervisor (or the lead) closes it with an outcome.

Counsellors screen for risk, they do not diagnose (精神卫生法 Art. 23): the escalation's reason
says what the screening found (``plan, means``), never a diagnosis, and not the caller's words:
it is not encrypted.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from anxin.accounts.access import role_in_project
from anxin.accounts.models import User
from anxin.audit.actions import record as audit
from anxin.audit.models import AuditEvent
from anxin.cases.models import Task
from anxin.cases.tasks import crisis_raise, source_label
from anxin.hotline.access_crisis import CLOSE_ROLES
from anxin.hotline.models import Call, CallBack, Escalation, EscalationStep

FOLLOW_UP_WITHIN = dt.timedelta(hours=24)
REASON_LENGTH = Escalation._meta.get_field("reason").max_length or 200
CALL_BACK_REASON_LENGTH = CallBack._meta.get_field("reason").max_length or 200
NOTE_LENGTH = 2000
OUTCOME_LENGTH = 4000
CLOCK_SKEW = dt.timedelta(minutes=5)  # a step "now" on a device whose clock runs a little fast
CHANGE = AuditEvent.Kind.CHANGE


def _crisis_tasks(escalation: Escalation) -> Any:
    """The crisis tasks ``crisis_raise`` opened for the call's case (keys carry the call)."""
    call = escalation.call
    if call.case_id is None:
        return Task.objects.none()
    prefix = f"crisis:{call.case_id}:{source_label(call)}:"
    return Task.objects.filter(key__startswith=prefix, kind=Task.Kind.CRISIS)


@transaction.atomic
def escalation_open(
    *, call: Call, reason: str, acting_user: User, request: HttpRequest | None = None
) -> Escalation:
    """Open the crisis escalation of a call whose risk screening is positive, at once and in the
    caller's transaction: the escalation (follow-up due in 24 hours), a call-back for that
    follow-up on the operator's list, and, when the call is about a known client, crisis tasks
    for the client's worker and every supervisor of the project (``crisis_raise``). Open
    escalations show on the home and task pages of the operator and of the project's supervisors
    and lead until closed.

    Idempotent per call: opening again returns the escalation already open (or closed) and adds
    nothing.
    """
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError(_("Say what the screening found."))
    reason = reason[:REASON_LENGTH]
    locked = Call.objects.select_for_update().get(pk=call.pk)  # one escalation per call
    existing = Escalation.objects.filter(call_id=locked.pk).first()
    if existing is not None:
        return existing
    now = timezone.now()
    escalation = Escalation.objects.create(
        project_id=locked.project_id,
        call=locked,
        reason=reason,
        follow_up_due=now + FOLLOW_UP_WITHIN,
        created_by=acting_user,
        updated_by=acting_user,
    )
    with translation.override(settings.LANGUAGE_CODE):  # stored text: the users' language
        why = (_("Crisis follow-up: %(reason)s") % {"reason": reason})[:CALL_BACK_REASON_LENGTH]
    call_back = CallBack.objects.create(
        project_id=locked.project_id,
        call=locked,
        escalation=escalation,
        assignee_id=locked.operator_id,
        due_at=escalation.follow_up_due,
        reason=why,
        created_by=acting_user,
        updated_by=acting_user,
    )
    tasks: list[Task] = []
    if locked.case is not None:
        with translation.override(settings.LANGUAGE_CODE):
            title = _("hotline screening: %(reason)s") % {"reason": reason}
        tasks = crisis_raise(case=locked.case, reason=title, source=locked, acting_user=acting_user)
    audit(
        actor=acting_user,
        kind=CHANGE,
        action="escalation.open",
        obj=escalation,
        organisation_id=escalation.project.organisation_id,
        request=request,
        detail={
            "call": locked.pk,
            "call_back": call_back.pk,
            "follow_up_due": escalation.follow_up_due.isoformat(),
            "tasks": [t.pk for t in tasks],
        },
    )
    return escalation


def _check_open(escalation: Escalation) -> None:
    if escalation.status != Escalation.Status.OPEN:
        raise ValidationError(_("This escalation is closed."))


@transaction.atomic
def escalation_step_add(
    *,
    escalation: Escalation,
    kind: str,
    at: dt.datetime | None,
    note: str = "",
    acting_user: User,
    request: HttpRequest | None = None,
) -> EscalationStep:
    """Record a step taken (110 or 120 called, guardian informed, hospital referral, …) with the
    time it was taken: not in the future, not before the call began. An escalation takes steps
    until it is closed."""
    errors: list[str] = []
    if kind not in EscalationStep.Kind.values:
        errors.append(_("Choose the step taken."))
    now = timezone.now()
    if at is None:
        errors.append(_("Give the time the step was taken."))
    elif at > now + CLOCK_SKEW:
        errors.append(_("The time of the step cannot be in the future."))
    elif at < escalation.call.started_at.replace(second=0, microsecond=0):  # forms give minutes
        errors.append(_("The time of the step cannot be before the call began."))
    note = note.strip()
    if len(note) > NOTE_LENGTH:
        errors.append(_("The note is too long (at most %(n)d characters).") % {"n": NOTE_LENGTH})
    if errors:
        raise ValidationError(errors)
    assert at is not None
    Escalation.objects.select_for_update().filter(pk=escalation.pk).first()
    escalation.refresh_from_db(fields=["status"])
    _check_open(escalation)
    step = EscalationStep.objects.create(
        escalation=escalation, kind=kind, at=min(at, now), note=note, by=acting_user
    )
    audit(
        actor=acting_user,
        kind=CHANGE,
        action="escalation.step",
        obj=escalation,
        organisation_id=escalation.project.organisation_id,
        request=request,
        detail={"step": step.pk, "kind": kind, "at": step.at.isoformat()},
    )
    return step


@transaction.atomic
def escalation_follow_up_made(
    *, call_back: CallBack, acting_user: User, request: HttpRequest | None = None
) -> EscalationStep | None:
    """When the follow-up call-back of an escalation is made, record it as a step (once), at the
    time of the call made. Nothing for a call-back without an escalation, not yet made, or of a
    closed escalation. For the call-back action to call in its transaction."""
    if call_back.escalation_id is None or call_back.done_at is None:
        return None
    escalation = (
        Escalation.objects.select_for_update()
        .select_related("project", "call")
        .get(pk=call_back.escalation_id)
    )
    if escalation.status != Escalation.Status.OPEN:
        return None
    done_call = call_back.done_call
    at = done_call.started_at if done_call is not None else call_back.done_at
    if escalation.steps.filter(kind=EscalationStep.Kind.FOLLOW_UP, at=at).exists():
        return None
    with translation.override(settings.LANGUAGE_CODE):
        note = _("Call-back made.")
    step = EscalationStep.objects.create(
        escalation=escalation, kind=EscalationStep.Kind.FOLLOW_UP, at=at, note=note, by=acting_user
    )
    audit(
        actor=acting_user,
        kind=CHANGE,
        action="escalation.step",
        obj=escalation,
        organisation_id=escalation.project.organisation_id,
        request=request,
        detail={
            "step": step.pk,
            "kind": step.kind,
            "at": at.isoformat(),
            "call_back": call_back.pk,
            "call": call_back.done_call_id,
        },
    )
    return step


@transaction.atomic
def escalation_close(
    *,
    escalation: Escalation,
    outcome: str,
    acting_user: User,
    request: HttpRequest | None = None,
) -> Escalation:
    """Close an escalation with its outcome: only a supervisor or the lead of the project, only
    with an outcome written. The client's crisis tasks raised by the call are handled with it."""
    outcome = outcome.strip()
    errors: list[str] = []
    if role_in_project(acting_user, escalation.project) not in CLOSE_ROLES:
        errors.append(_("Only a supervisor or the lead of the project may close an escalation."))
    if not outcome:
        errors.append(_("Write the outcome before closing the escalation."))
    elif len(outcome) > OUTCOME_LENGTH:
        errors.append(
            _("The outcome is too long (at most %(n)d characters).") % {"n": OUTCOME_LENGTH}
        )
    if errors:
        raise ValidationError(errors)
    Escalation.objects.select_for_update().filter(pk=escalation.pk).first()
    escalation.refresh_from_db(fields=["status"])
    _check_open(escalation)
    now = timezone.now()
    escalation.status = Escalation.Status.CLOSED
    escalation.closed_at = now
    escalation.closed_by = acting_user
    escalation.outcome = outcome
    escalation.updated_by = acting_user
    escalation.save(
        update_fields=["status", "closed_at", "closed_by", "outcome", "updated_by", "updated_at"]
    )
    with translation.override(settings.LANGUAGE_CODE):
        handling = _("The crisis escalation was closed by %(name)s.") % {
            "name": acting_user.display_name
        }
    tasks = list(_crisis_tasks(escalation).filter(status=Task.Status.OPEN))
    for task in tasks:
        task.status = Task.Status.DONE
        task.handled_at = now
        task.handled_by = acting_user
        task.handling_note = handling
    Task.objects.bulk_update(tasks, ["status", "handled_at", "handled_by", "handling_note"])
    audit(
        actor=acting_user,
        kind=CHANGE,
        action="escalation.close",
        obj=escalation,
        organisation_id=escalation.project.organisation_id,
        request=request,
        detail={"call": escalation.call_id, "tasks_handled": [t.pk for t in tasks]},
    )
    return escalation
