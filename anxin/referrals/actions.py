"""State changes of referrals and of the consents they rest on (R6.2, R8.3).

A referral out goes drafted → sent → received → accepted / rejected → completed; a partner that
answers at once may be recorded accepted or rejected straight from sent (the receipt is then the
same day). A referral not yet answered may be cancelled. A referral in starts received; it is
accepted by registering the person (the 推介 step of the case workflow), or declined with a
reason; accepted, it is completed when our service ends. ``TRANSITIONS`` is the whole machine:
anything else is refused.

Nothing is sent without a basis for sharing: a consent of the client or guardian that covers the
partner, every item shared and the day it is sent, or a recorded emergency (PIPL Art. 13(4)).
Every refusal is one ``ValidationError`` with every reason, in the user's language, and nothing
is written. Dates may not lie in the future nor before the step they follow.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anxin.accounts.models import Project, User
from anxin.audit.actions import record as audit
from anxin.cases.models import Case, Task
from anxin.clients.actions import client_register
from anxin.clients.intake import ClientInput
from anxin.referrals.actions_consent import consent_problems
from anxin.referrals.checks import (
    CHANGE,
    date_problems,
    day,
    refuse,
    share_problems,
)
from anxin.referrals.models import Consent, Partner, PartnerContact, Referral, ReferralStep

S = Referral.Status
D = Referral.Direction
TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    D.OUT: {
        S.DRAFTED: frozenset({S.SENT, S.CANCELLED}),
        S.SENT: frozenset({S.RECEIVED, S.ACCEPTED, S.REJECTED, S.CANCELLED}),
        S.RECEIVED: frozenset({S.ACCEPTED, S.REJECTED, S.CANCELLED}),
        S.ACCEPTED: frozenset({S.COMPLETED}),
    },
    D.IN: {
        S.RECEIVED: frozenset({S.ACCEPTED, S.REJECTED}),
        S.ACCEPTED: frozenset({S.COMPLETED}),
    },
}


def allowed_moves(referral: Referral) -> frozenset[str]:
    """The statuses a referral may move to from where it is."""
    return TRANSITIONS[referral.direction].get(referral.status, frozenset())


# Referrals out -------------------------------------------------------------------------------


def _number(project: Project, direction: str, year: int) -> str:
    prefix = "ZC" if direction == D.OUT else "ZR"  # 转出 / 转入
    start = f"{prefix}{year}-"
    taken = Referral.objects.filter(project=project, number__startswith=start).count()
    return f"{start}{taken + 1:04d}"


def _create(values: dict[str, Any], project: Project, direction: str, year: int) -> Referral:
    """Create with the next free number; a concurrent request taking it makes us try the next."""
    for _attempt in range(5):
        number = _number(project, direction, year)
        try:
            with transaction.atomic():
                return Referral.objects.create(number=number, **values)
        except IntegrityError:
            continue
    raise ValidationError(_("Could not number the referral; try again."))


def _basis_problems(
    *,
    basis: str,
    consent: Consent | None,
    emergency_reason: str,
    partner: Partner,
    shared: Sequence[str],
    on: dt.date,
    case: Case | None,
) -> list[str]:
    if basis == Referral.Basis.CONSENT:
        if consent is None:
            return [_("Choose the consent this referral rests on.")]
        if case is not None and consent.case_id != case.pk:
            return [_("The consent is not this client's.")]
        return consent_problems(consent, partner, shared, on)
    if basis == Referral.Basis.EMERGENCY:
        if not emergency_reason.strip():
            return [_("Describe the emergency that allows sharing without consent.")]
        return []
    return [
        _(
            "No referral is sent without the client's consent to share or a recorded emergency:"
            " record the consent first."
        )
    ]


def _check_partner(partner: Partner, project: Project, contact: PartnerContact | None) -> list[str]:
    problems = []
    if partner.organisation_id != project.organisation_id:
        problems.append(_("Choose a partner from your organisation's directory."))
    elif not partner.active:
        problems.append(_("This partner is no longer active in the directory."))
    if contact is not None and contact.partner_id != partner.pk:
        problems.append(_("The contact does not work at this partner."))
    elif contact is not None and not contact.active:
        problems.append(_("This contact is no longer active; choose another."))
    return problems


@transaction.atomic
def referral_draft(
    *,
    case: Case,
    partner: Partner,
    reason: str,
    needs: str,
    shared: Sequence[str],
    acting_user: User,
    urgent: bool = False,
    partner_contact: PartnerContact | None = None,
    basis: str = "",
    consent: Consent | None = None,
    emergency_reason: str = "",
    on: dt.date | None = None,
    request: Any = None,
) -> Referral:
    """Draft a referral out from a case (on ``on``, today by default). The basis for sharing
    may follow before it is sent."""
    on = on or timezone.localdate()
    problems = (
        date_problems(on)
        + _check_partner(partner, case.project, partner_contact)
        + share_problems(shared)
    )
    if case.status == Case.Status.CLOSED:
        problems.append(_("The case is closed: a referral is drafted while the client is served."))
    if reason not in Referral.Reason.values:
        problems.append(_("Choose the reason for the referral."))
    if not needs.strip():
        problems.append(_("Say what is asked of the partner and why."))
    if basis and not problems:
        problems += _basis_problems(
            basis=basis,
            consent=consent,
            emergency_reason=emergency_reason,
            partner=partner,
            shared=shared,
            on=on,
            case=case,
        )
    refuse(problems)
    referral = _create(
        {
            "project_id": case.project_id,
            "direction": D.OUT,
            "drafted_on": on,
            "partner": partner,
            "partner_contact": partner_contact,
            "case": case,
            "worker": acting_user,
            "reason": reason,
            "urgent": urgent,
            "needs": needs.strip(),
            "shared": sorted(set(shared)),
            "basis": basis,
            "consent": consent if basis == Referral.Basis.CONSENT else None,
            "emergency_reason": emergency_reason.strip()
            if basis == Referral.Basis.EMERGENCY
            else "",
            "created_by": acting_user,
            "updated_by": acting_user,
        },
        case.project,
        D.OUT,
        on.year,
    )
    ReferralStep.objects.create(referral=referral, status=S.DRAFTED, on=on, recorded_by=acting_user)
    _audit(referral, "referral.draft", acting_user, request, {"case": case.pk})
    return referral


@transaction.atomic
def referral_update(
    *,
    referral: Referral,
    partner: Partner,
    reason: str,
    needs: str,
    shared: Sequence[str],
    acting_user: User,
    urgent: bool = False,
    partner_contact: PartnerContact | None = None,
    basis: str = "",
    consent: Consent | None = None,
    emergency_reason: str = "",
    request: Any = None,
) -> Referral:
    """Change a draft (only a draft: what was sent stays as it was sent)."""
    problems = []
    if referral.direction != D.OUT or referral.status != S.DRAFTED:
        problems.append(_("Only a drafted referral can be changed."))
    problems += _check_partner(partner, referral.project, partner_contact) + share_problems(shared)
    if reason not in Referral.Reason.values:
        problems.append(_("Choose the reason for the referral."))
    if not needs.strip():
        problems.append(_("Say what is asked of the partner and why."))
    if basis and not problems:
        problems += _basis_problems(
            basis=basis,
            consent=consent,
            emergency_reason=emergency_reason,
            partner=partner,
            shared=shared,
            on=timezone.localdate(),
            case=referral.case,
        )
    refuse(problems)
    referral.partner = partner
    referral.partner_contact = partner_contact
    referral.reason = reason
    referral.urgent = urgent
    referral.needs = needs.strip()
    referral.shared = sorted(set(shared))
    referral.basis = basis
    referral.consent = consent if basis == Referral.Basis.CONSENT else None
    referral.emergency_reason = (
        emergency_reason.strip() if basis == Referral.Basis.EMERGENCY else ""
    )
    referral.updated_by = acting_user
    referral.save()
    _audit(referral, "referral.update", acting_user, request)
    return referral


def basis_problems_now(referral: Referral, on: dt.date) -> list[str]:
    """Why ``referral`` may not be shared (sent, printed) on ``on``; empty if it may."""
    return _basis_problems(
        basis=referral.basis,
        consent=referral.consent,
        emergency_reason=referral.emergency_reason,
        partner=referral.partner,
        shared=referral.shared,
        on=on,
        case=referral.case,
    )


# The machine ---------------------------------------------------------------------------------

_DATE_FIELD: dict[str, str] = {
    S.SENT: "sent_on",
    S.RECEIVED: "received_on",
    S.ACCEPTED: "answered_on",
    S.REJECTED: "answered_on",
    S.COMPLETED: "completed_on",
}


def _last_date(referral: Referral) -> dt.date | None:
    return (
        referral.steps.order_by("-on", "-id").values_list("on", flat=True).first()
        if referral.pk
        else None
    )


def _audit(
    referral: Referral, action: str, user: User, request: Any, detail: dict[str, Any] | None = None
) -> None:
    audit(
        actor=user,
        kind=CHANGE,
        action=action,
        obj=referral,
        organisation_id=referral.project.organisation_id,
        request=request,
        detail={"status": referral.status, **(detail or {})},
    )


def _close_overdue_tasks(referral: Referral, user: User, on: dt.date) -> None:
    """The partner answered: the reminders about the missing answer are settled."""
    if referral.case_id is None:
        return
    Task.objects.filter(
        key__startswith=f"{Task.Kind.REFERRAL_OVERDUE}:{referral.case_id}:r{referral.pk}:",
        status=Task.Status.OPEN,
    ).update(
        status=Task.Status.DONE,
        handled_at=timezone.now(),
        handled_by=user,
        handling_note=_("The partner answered on %(date)s.") % {"date": day(on)},
    )


@transaction.atomic
def referral_move(
    *,
    referral: Referral,
    to: str,
    on: dt.date,
    acting_user: User,
    note: str = "",
    request: Any = None,
) -> Referral:
    """Move a referral to ``to`` on ``on`` with the step's note: a rejection's reason, the
    partner's feedback at completion, why it was cancelled. Accepting a referral in is done by
    registering the person (``referral_in_register``), not here."""
    referral = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("project__organisation", "partner", "consent", "case")
        .get(pk=referral.pk)
    )
    problems: list[str] = []
    if to not in allowed_moves(referral):
        problems.append(
            _("A referral that is “%(now)s” cannot become “%(to)s”.")
            % {"now": referral.get_status_display(), "to": _status_label(to)}
        )
        refuse(problems)
    if referral.direction == D.IN and to == S.ACCEPTED:
        refuse([_("A referral in is accepted by registering the person as a client.")])
    problems += date_problems(on, _last_date(referral))
    note = note.strip()
    if to == S.SENT:
        problems += basis_problems_now(referral, on) if on else []
    if to == S.REJECTED and not note:
        problems.append(_("Give the reason for the rejection."))
    if to == S.COMPLETED and referral.direction == D.OUT and not note:
        problems.append(_("Record the partner's feedback on what was done."))
    if to == S.CANCELLED and not note:
        problems.append(_("Say why the referral is cancelled."))
    refuse(problems)
    _apply(referral, to, on, note)
    referral.updated_by = acting_user
    referral.save()
    ReferralStep.objects.create(
        referral=referral, status=to, on=on, note=note, recorded_by=acting_user
    )
    if to in (S.ACCEPTED, S.REJECTED, S.CANCELLED):
        _close_overdue_tasks(referral, acting_user, on)
    _audit(referral, f"referral.{to}", acting_user, request, {"on": on.isoformat()})
    return referral


def _apply(referral: Referral, to: str, on: dt.date, note: str) -> None:
    if to in (S.ACCEPTED, S.REJECTED) and referral.direction == D.OUT and not referral.received_on:
        referral.received_on = on  # answered straight away: received the same day
    field = _DATE_FIELD.get(to)
    if field:
        setattr(referral, field, on)
    if to == S.REJECTED:
        referral.rejection_reason = note[:200]
    if to == S.COMPLETED:
        referral.feedback = note
    referral.status = to


def _status_label(status: str) -> str:
    return str(S(status).label) if status in S.values else status


# Referrals in --------------------------------------------------------------------------------


@transaction.atomic
def referral_in_record(
    *,
    project: Project,
    partner: Partner,
    reason: str,
    needs: str,
    person_name: str,
    received_on: dt.date,
    acting_user: User,
    person_phone: str = "",
    urgent: bool = False,
    partner_contact: PartnerContact | None = None,
    request: Any = None,
) -> Referral:
    """A partner referred a person to the project: recorded as received, to be registered
    (accepted) or declined."""
    problems = _check_partner(partner, project, partner_contact) + date_problems(received_on)
    if reason not in Referral.Reason.values:
        problems.append(_("Choose the reason for the referral."))
    if not person_name.strip():
        problems.append(_("Give the name of the person referred."))
    if not needs.strip():
        problems.append(_("Say what the partner asks of us and why."))
    refuse(problems)
    referral = _create(
        {
            "project": project,
            "direction": D.IN,
            "partner": partner,
            "partner_contact": partner_contact,
            "worker": acting_user,
            "reason": reason,
            "urgent": urgent,
            "needs": needs.strip(),
            "person_name": person_name.strip(),
            "person_phone": person_phone.strip(),
            "status": S.RECEIVED,
            "received_on": received_on,
            "created_by": acting_user,
            "updated_by": acting_user,
        },
        project,
        D.IN,
        received_on.year,
    )
    ReferralStep.objects.create(
        referral=referral, status=S.RECEIVED, on=received_on, recorded_by=acting_user
    )
    _audit(referral, "referral.in", acting_user, request)
    return referral


@transaction.atomic
def referral_in_register(
    *,
    referral: Referral,
    data: ClientInput,
    on: dt.date,
    acting_user: User,
    waiting: bool = False,
    request: Any = None,
) -> Case:
    """Accept a referral in by registering the person: the intake (推介 step, source
    "referral") and the referral accepted on the same day. Refused with every reason, nothing
    written, if the referral is not open to it or the intake fails a rule of the project."""
    problems: list[str] = []
    if referral.direction != D.IN or referral.status != S.RECEIVED:
        problems.append(_("Only a received referral in can be registered."))
    problems += date_problems(on, referral.received_on)
    refuse(problems)
    case = client_register(
        project=referral.project,
        data=data,
        acting_user=acting_user,
        opened_on=on,
        waiting=waiting,
        request=request,
        source="referral",
        referral_note=_("Referred by %(partner)s (%(number)s): %(needs)s")
        % {"partner": referral.partner.name, "number": referral.number, "needs": referral.needs},
    )
    referral.case = case
    referral.status = S.ACCEPTED
    referral.answered_on = on
    referral.updated_by = acting_user
    referral.save()
    ReferralStep.objects.create(
        referral=referral, status=S.ACCEPTED, on=on, recorded_by=acting_user
    )
    _audit(referral, "referral.accepted", acting_user, request, {"case": case.pk})
    return case


@transaction.atomic
def referral_report_outcome(
    *, referral: Referral, on: dt.date, report: str, acting_user: User, request: Any = None
) -> Referral:
    """The referring partner was told what became of their referral (accepted, declined, the
    service completed): when and what."""
    problems: list[str] = []
    if referral.direction != D.IN or referral.status == S.RECEIVED:
        problems.append(_("Tell the partner the outcome once the referral is answered."))
    problems += date_problems(on, referral.answered_on)
    if not report.strip():
        problems.append(_("Say what the partner was told."))
    refuse(problems)
    referral.outcome_reported_on = on
    referral.outcome_report = report.strip()
    referral.updated_by = acting_user
    referral.save(
        update_fields=["outcome_reported_on", "outcome_report", "updated_by", "updated_at"]
    )
    _audit(referral, "referral.outcome_reported", acting_user, request)
    return referral
