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
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from anxin.accounts.models import Project, User
from anxin.audit.actions import record as audit
from anxin.audit.models import AuditEvent
from anxin.cases.models import Case, Task
from anxin.clients.actions import client_register
from anxin.clients.intake import ClientInput
from anxin.core.uploads import check_upload
from anxin.referrals.models import Consent, Partner, PartnerContact, Referral, ReferralStep, Share

CHANGE = AuditEvent.Kind.CHANGE
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
SHARE_KEYS = frozenset(Share.values)
UPLOAD_KINDS = ("pdf", "image")


def _day(on: dt.date) -> str:
    return formats.date_format(on, "DATE_FORMAT")


def allowed_moves(referral: Referral) -> frozenset[str]:
    """The statuses a referral may move to from where it is."""
    return TRANSITIONS[referral.direction].get(referral.status, frozenset())


def _refuse(problems: list[str]) -> None:
    if problems:
        raise ValidationError(problems)


def _date_problems(on: dt.date | None, after: dt.date | None = None) -> list[str]:
    if on is None:
        return [_("Give the date.")]
    if on > timezone.localdate():
        return [_("The date cannot be in the future.")]
    if after is not None and on < after:
        return [
            _("The date cannot be before %(date)s, the date of the step before.")
            % {"date": _day(after)}
        ]
    return []


def _share_problems(shared: Sequence[str]) -> list[str]:
    unknown = sorted(set(shared) - SHARE_KEYS)
    if unknown:
        return [_("Unknown items to share: %(items)s.") % {"items": ", ".join(unknown)}]
    if not shared:
        return [_("Choose what the partner needs to know (at least one item).")]
    return []


# Consents ------------------------------------------------------------------------------------


def consent_problems(
    consent: Consent, partner: Partner, shared: Sequence[str], on: dt.date
) -> list[str]:
    """Why ``consent`` does not cover sharing ``shared`` with ``partner`` on ``on`` (empty if it
    does): the partner, each item, the day (given, not expired, not withdrawn)."""
    problems = []
    if consent.partner_id is not None and consent.partner_id != partner.pk:
        problems.append(
            _("The consent covers sharing with %(partner)s only.") % {"partner": consent.partner}
        )
    missing = [Share(key).label for key in shared if key in SHARE_KEYS and key not in consent.scope]
    if missing:
        problems.append(
            _("The consent does not cover: %(items)s.") % {"items": "、".join(map(str, missing))}
        )
    if on < consent.given_on:
        problems.append(_("The consent was given after this date."))
    if consent.expires_on is not None and on > consent.expires_on:
        problems.append(_("The consent expired on %(date)s.") % {"date": _day(consent.expires_on)})
    if consent.withdrawn_on is not None and on >= consent.withdrawn_on:
        problems.append(
            _("The consent was withdrawn on %(date)s.") % {"date": _day(consent.withdrawn_on)}
        )
    return problems


@transaction.atomic
def consent_record(
    *,
    case: Case,
    given_by: str,
    scope: Sequence[str],
    purpose: str,
    given_on: dt.date,
    method: str,
    acting_user: User,
    partner: Partner | None = None,
    guardian_name: str = "",
    expires_on: dt.date | None = None,
    scan: UploadedFile | None = None,
    witness: str = "",
    request: Any = None,
) -> Consent:
    """Record the client's (or guardian's) consent to share, signed (with its scan) or oral
    (before a named witness)."""
    problems = _date_problems(given_on) + _share_problems(scope)
    if given_by not in Consent.GivenBy.values:
        problems.append(_("Say who gave the consent."))
    if given_by == Consent.GivenBy.GUARDIAN and not guardian_name.strip():
        problems.append(_("Give the guardian's name."))
    if not purpose.strip():
        problems.append(_("Say what the information will be used for."))
    if expires_on is not None and given_on is not None and expires_on < given_on:
        problems.append(_("The consent cannot expire before it was given."))
    if partner is not None and partner.organisation_id != case.project.organisation_id:
        problems.append(_("Choose a partner from your organisation's directory."))
    if method == Consent.Method.SIGNED:
        if scan is None:
            problems.append(_("Attach the scan or photo of the signed consent form."))
        else:
            try:
                check_upload(scan, kinds=UPLOAD_KINDS)
            except ValidationError as error:
                problems.extend(error.messages)
    elif method == Consent.Method.ORAL:
        if not witness.strip():
            problems.append(_("Oral consent needs the name of the witness."))
    else:
        problems.append(_("Say how the consent was given."))
    _refuse(problems)
    consent = Consent.objects.create(
        project_id=case.project_id,
        case=case,
        given_by=given_by,
        guardian_name=guardian_name.strip() if given_by == Consent.GivenBy.GUARDIAN else "",
        partner=partner,
        scope=sorted(set(scope)),
        purpose=purpose.strip(),
        given_on=given_on,
        expires_on=expires_on,
        method=method,
        scan=scan if method == Consent.Method.SIGNED else "",
        witness=witness.strip() if method == Consent.Method.ORAL else "",
        created_by=acting_user,
        updated_by=acting_user,
    )
    audit(
        actor=acting_user,
        kind=CHANGE,
        action="consent.record",
        obj=consent,
        organisation_id=case.project.organisation_id,
        request=request,
        detail={
            "case": case.pk,
            "scope": consent.scope,
            "partner": partner.pk if partner else None,
        },
    )
    return consent


@transaction.atomic
def consent_withdraw(
    *, consent: Consent, on: dt.date, note: str, acting_user: User, request: Any = None
) -> Consent:
    """The client or guardian withdrew the consent: it covers nothing from ``on``. Referrals
    already sent stay as they were (the partner was told before)."""
    problems = _date_problems(on, consent.given_on)
    if consent.withdrawn_on is not None:
        problems.append(_("This consent was already withdrawn."))
    _refuse(problems)
    consent.withdrawn_on = on
    consent.withdrawal_note = note.strip()[:200]
    consent.updated_by = acting_user
    consent.save(update_fields=["withdrawn_on", "withdrawal_note", "updated_by", "updated_at"])
    audit(
        actor=acting_user,
        kind=CHANGE,
        action="consent.withdraw",
        obj=consent,
        organisation_id=consent.project.organisation_id,
        request=request,
    )
    return consent


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
        _date_problems(on)
        + _check_partner(partner, case.project, partner_contact)
        + _share_problems(shared)
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
    _refuse(problems)
    referral = _create(
        {
            "project_id": case.project_id,
            "direction": D.OUT,
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
    problems += _check_partner(partner, referral.project, partner_contact) + _share_problems(shared)
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
    _refuse(problems)
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
        handling_note=_("The partner answered on %(date)s.") % {"date": _day(on)},
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
        Referral.objects.select_for_update()
        .select_related("project__organisation", "partner", "consent", "case")
        .get(pk=referral.pk)
    )
    problems: list[str] = []
    if to not in allowed_moves(referral):
        problems.append(
            _("A referral that is “%(now)s” cannot become “%(to)s”.")
            % {"now": referral.get_status_display(), "to": _status_label(to)}
        )
        _refuse(problems)
    if referral.direction == D.IN and to == S.ACCEPTED:
        _refuse([_("A referral in is accepted by registering the person as a client.")])
    problems += _date_problems(on, _last_date(referral))
    note = note.strip()
    if to == S.SENT:
        problems += basis_problems_now(referral, on) if on else []
    if to == S.REJECTED and not note:
        problems.append(_("Give the reason for the rejection."))
    if to == S.COMPLETED and referral.direction == D.OUT and not note:
        problems.append(_("Record the partner's feedback on what was done."))
    if to == S.CANCELLED and not note:
        problems.append(_("Say why the referral is cancelled."))
    _refuse(problems)
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
    problems = _check_partner(partner, project, partner_contact) + _date_problems(received_on)
    if reason not in Referral.Reason.values:
        problems.append(_("Choose the reason for the referral."))
    if not person_name.strip():
        problems.append(_("Give the name of the person referred."))
    if not needs.strip():
        problems.append(_("Say what the partner asks of us and why."))
    _refuse(problems)
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
    problems += _date_problems(on, referral.received_on)
    _refuse(problems)
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
    problems += _date_problems(on, referral.answered_on)
    if not report.strip():
        problems.append(_("Say what the partner was told."))
    _refuse(problems)
    referral.outcome_reported_on = on
    referral.outcome_report = report.strip()
    referral.updated_by = acting_user
    referral.save(
        update_fields=["outcome_reported_on", "outcome_report", "updated_by", "updated_at"]
    )
    _audit(referral, "referral.outcome_reported", acting_user, request)
    return referral
